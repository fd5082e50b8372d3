"""The NLU data: enough varied examples per theme, no held-out line leaked into training,
and the generated lookups/synonyms equal to what the knowledge gives today."""

import re
from collections import defaultdict

import pytest
from rapidfuzz import fuzz
from ruamel.yaml import YAML

from bot import nlu_export
from bot.knowledge.schema import THEMES
from bot.understanding.text import normalize
from conftest import ROOT

DATA = ROOT / "data" / "nlu"
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
HELDOUT_B = ROOT / "tests" / "nlu" / "heldout_b.yml"  # written later, before the data it checks
E2E_HELDOUT = ROOT / "tests" / "heldout"  # end-to-end set, written blind before the data it checks
OLD_THEMES = [t for t in THEMES if t != "citoyennete"]  # the themes that existed when the NLU held-out files were written


def examples(path) -> dict[str, list[str]]:
    by_intent = defaultdict(list)
    for block in YAML(typ="safe").load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" in block:
            for line in block["examples"].splitlines():
                text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip().removeprefix("- "))
                if text:
                    by_intent[block["intent"]].append(text)
    return by_intent


def training() -> dict[str, list[str]]:
    merged = defaultdict(list)
    for path in sorted(DATA.rglob("*.yml")):
        for intent, texts in examples(path).items():
            merged[intent] += texts
    return merged


def test_every_theme_has_at_least_30_distinct_examples():
    data = training()
    for theme in THEMES:
        texts = data[f"theme_{theme}"]
        assert len({normalize(t) for t in texts}) >= 30, theme


def test_no_padding_with_near_duplicates_inside_an_intent():
    for intent, texts in training().items():
        plain = [normalize(t) for t in texts]
        for i, a in enumerate(plain):
            for b in plain[i + 1:]:
                assert fuzz.ratio(a, b) < 95, f"{intent}: « {a} » ~ « {b} »"


def test_many_examples_are_typed_without_accents():
    texts = [t for theme in THEMES for t in training()[f"theme_{theme}"]]
    plain = [t for t in texts if not re.search(r"[éèêàùçôîâû]", t)]
    assert len(plain) / len(texts) > 0.5


@pytest.mark.parametrize("path", [HELDOUT, HELDOUT_B], ids=lambda p: p.name)
def test_the_heldout_files_are_large_cover_every_theme_and_never_leak_into_training(path):
    heldout = examples(path)
    assert sum(len(v) for v in heldout.values()) >= 150
    assert all(len(heldout[f"theme_{t}"]) >= 10 for t in OLD_THEMES)
    assert_no_leak([text for texts in heldout.values() for text in texts])


def test_the_end_to_end_heldout_never_leaks_into_training():
    """No training line may come close to the blind set, except the short keyword messages
    that were already close to the training data when the set was frozen (listed, not read)."""
    yaml = YAML(typ="safe")
    messages = yaml.load((E2E_HELDOUT / "messages.yml").read_text(encoding="utf-8"))["messages"]
    conversations = yaml.load((E2E_HELDOUT / "conversations.yml").read_text(encoding="utf-8"))["conversations"]
    assert len(messages) >= 300 and len(conversations) >= 60
    listed = (E2E_HELDOUT / "close_to_training_at_freeze.txt").read_text(encoding="utf-8").splitlines()
    frozen = {line.strip() for line in listed if line.strip() and not line.startswith("#")}
    items = [(m["id"], m["texte"]) for m in messages]
    items += [(f"{c['id']}.{i + 1}", turn["dit"]) for c in conversations for i, turn in enumerate(c["tours"])]
    assert len(frozen) < len(items) / 10
    assert_no_leak([text for ident, text in items if ident not in frozen])


def assert_no_leak(heldout: list[str]) -> None:
    train = [normalize(t) for texts in training().values() for t in texts]
    for text in heldout:
        near = max(train, key=lambda t: fuzz.ratio(normalize(text), t))
        assert fuzz.ratio(normalize(text), near) < 90, f"held-out « {text} » ~ training « {near} »"


def test_generated_names_are_up_to_date_with_the_knowledge(knowledge):
    generated = DATA / "generated" / "connaissances.yml"
    assert generated.read_text(encoding="utf-8") == nlu_export.render(knowledge), "relancez « repere nlu »"


def test_old_names_map_to_todays_organismes(knowledge):
    synonyms = nlu_export.organisme_synonyms(knowledge)
    assert "Pôle emploi" in synonyms["france-travail"] and "pole emploi" in synonyms["france-travail"]
    assert "MSAP" in synonyms["france-services"]
    assert "sécu" in synonyms["assurance-maladie"]
    names = nlu_export.commune_names(knowledge)
    assert {"Mayet", "mayet", "Yvré-le-Pôlin", "yvre le polin", "72360"} <= set(names)
