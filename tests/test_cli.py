"""The `repere` command as agents and administrators use it, through real processes."""

import json
import subprocess
import sys

import pytest

from conftest import KNOWLEDGE, ROOT


def repere(*args, db_url):
    return subprocess.run([sys.executable, "-m", "bot.cli", *args, "--db", db_url] if args[0] != "check" else
                          [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('db')}/repere.db"
    done = repere("load", str(KNOWLEDGE), db_url=url)
    assert done.returncode == 0, done.stderr
    return url


NEEDS = ["demande de retraite", "passeport", "carte vitale", "APL", "inscription pole emploi", "prime d'activité",
         "déclaration d'impôts", "conciliateur", "assistante sociale", "démarche en ligne"]


@pytest.mark.parametrize("need", NEEDS)
def test_lookup_answers_each_theme_with_real_dates(db_url, need):
    done = repere("lookup", need, "--commune", "Mayet", "--date", "2026-11-23T10:00", "--json", db_url=db_url)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["organismes"] and answer["demarche"]["information"]
    seances = [s for lieu in answer["lieux"] for p in lieu["permanences"] for s in p["prochaines_seances"]]
    assert seances and all(s["debut"] >= "2026-11-23" for s in seances)
    assert answer["contact"]["nom"].startswith("France Services du Lude")


def test_lookup_text_for_an_agent(db_url):
    done = repere("lookup", "carte grise", "--commune", "72191", "--date", "2026-11-23T10:00", db_url=db_url)
    assert "Mairie de Mayet" in done.stdout and "jeudi 26 novembre 2026, 14h-17h" in done.stdout
    assert "https://ants.gouv.fr" in done.stdout


def test_lookup_ambiguous_postal_code_and_unknown_commune(db_url):
    done = repere("lookup", "passeport", "--commune", "72360", db_url=db_url)
    assert done.returncode == 1 and "Mayet (72191), Sarcé (72327), Verneil-le-Chétif (72369)" in done.stderr
    done = repere("lookup", "passeport", "--commune", "Marseille", "--json", db_url=db_url)
    assert done.returncode == 1 and "inconnue" in json.loads(done.stdout)["erreur"]


def test_lookup_unknown_need_exits_2_with_the_contact(db_url):
    done = repere("lookup", "réparer mon vélo", "--commune", "Mayet", "--json", db_url=db_url)
    assert done.returncode == 2
    answer = json.loads(done.stdout)
    assert answer["besoin"] is None and answer["contact"]["lieu"] == "fs-le-lude"
    nowhere = repere("lookup", "réparer mon vélo", db_url=db_url)  # two territories, no commune: the national contact
    assert nowhere.returncode == 2 and "Allô Service Public, 39 39" in nowhere.stdout


def test_planning_of_mayet(db_url):
    done = repere("planning", "--lieu", "mairie-mayet", "--du", "2026-12-01", "--au", "2027-01-31", "--json", db_url=db_url)
    rows = json.loads(done.stdout)
    assert [r["debut"][:10] for r in rows] == ["2026-12-10", "2026-12-24", "2027-01-14", "2027-01-28"]
    done = repere("planning", "--lieu", "nulle-part", "--du", "2026-12-01", "--au", "2027-01-31", db_url=db_url)
    assert done.returncode == 1 and "lieu « nulle-part » inconnu" in done.stderr


def test_load_refuses_broken_knowledge_and_keeps_the_db(db_url, tmp_path):
    broken = tmp_path / "knowledge"
    broken.mkdir()
    (broken / "organismes.yml").write_text("organismes:\n  - id: caf\n    nom: [\n", encoding="utf-8")
    done = repere("load", str(broken), db_url=db_url)
    assert done.returncode == 1 and "la base garde les connaissances précédentes" in done.stdout
    still = repere("lookup", "passeport", "--commune", "Mayet", "--json", db_url=db_url)
    assert json.loads(still.stdout)["demarche"]["id"] == "passeport"


def test_json_schema_file_is_up_to_date(tmp_path):
    target = tmp_path / "schema.json"
    subprocess.run([sys.executable, "-m", "bot.cli", "schema", "--vers", str(target)], check=True, cwd=ROOT, capture_output=True)
    committed = (ROOT / "schema" / "connaissances.schema.json").read_text(encoding="utf-8")
    assert target.read_text(encoding="utf-8") == committed, "relancez « repere schema »"
    schema = json.loads(committed)
    assert {"organismes", "demarches", "lieux", "permanences", "communes"} <= set(schema["properties"])
    assert "semaines" in json.dumps(schema["$defs"]["Regle"])
