"""Communes come from Etalab's geographic code, not from memory."""

import json

import pytest

from bot.communes_import import ImportFailed, communes_of_epci, write_communes_file
from bot.knowledge.loader import load_directory
from conftest import KNOWLEDGE


def fake_package(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "epci.json").write_text(json.dumps([{"code": "200073112", "nom": "CC Sud Sarthe", "membres": [
        {"code": "72191", "nom": "Mayet"}, {"code": "72327", "nom": "Sarcé"}]}]), encoding="utf-8")
    (data / "communes.json").write_text(json.dumps([
        {"code": "72191", "nom": "Mayet", "type": "commune-actuelle", "codesPostaux": ["72360"], "population": 3186},
        {"code": "72327", "nom": "Sarcé", "type": "commune-actuelle", "codesPostaux": ["72360"]},
        {"code": "72327", "nom": "Ancienne", "type": "commune-deleguee", "codesPostaux": ["72360"]},
        {"code": "72176", "nom": "Le Lude", "type": "commune-actuelle", "codesPostaux": ["72800"]},
    ]), encoding="utf-8")
    return data


def test_import_keeps_only_current_member_communes(tmp_path):
    group, communes = communes_of_epci(fake_package(tmp_path), "200073112")
    assert group["nom"] == "CC Sud Sarthe" and [c["nom"] for c in communes] == ["Mayet", "Sarcé"]
    target = tmp_path / "communes.yml"
    assert write_communes_file(target, group, communes, "fs-le-lude") == 2
    text = target.read_text(encoding="utf-8")
    assert "insee: '72191'" in text and "france_services: fs-le-lude" in text and "population: 3186" in text


def test_unknown_epci_is_a_french_error(tmp_path):
    with pytest.raises(ImportFailed, match="intercommunalité « 123 » introuvable"):
        communes_of_epci(fake_package(tmp_path), "123")


def test_the_committed_communes_are_the_two_curated_intercommunalities():
    k = load_directory(KNOWLEDGE)
    sud_sarthe = [c for c in k.communes.values() if c.epci == "200073112"]
    anjou = [c for c in k.communes.values() if c.epci == "200068955"]
    assert len(sud_sarthe) == 19 and len(anjou) == 17 and len(k.communes) == 36  # the official code (DESIGN.md)
    assert {c.nom for c in k.communes.values() if "72360" in c.codes_postaux} == {"Mayet", "Sarcé", "Verneil-le-Chétif"}
    assert all(c.france_services == "fs-le-lude" for c in sud_sarthe)
    assert {c.france_services for c in anjou} == {"fs-durtal", "fs-durtal-antenne-de-seiches-sur-le-loir"}  # the nearest
