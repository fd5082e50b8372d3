"""The orientation core on the demo territory, under a fixed clock."""

from datetime import date

import pytest

from bot.orientation import Profile
from conftest import NOW

# One need per theme, as a citizen or an agent would type it, with the organisme expected
# first. A resident of Mayet is sent to the France Services permanence held in Mayet, whatever
# the partner (ANCT list, 2024): its next session is Thursday 26 November 2026 (even week).
THEMES = [
    ("demande de retraite", "retraite-demande", "assurance-retraite"),
    ("carte grise", "carte-grise", "ants"),
    ("carte vitale", "carte-vitale", "assurance-maladie"),
    ("APL", "aide-logement", "caf"),
    ("pole emploi", "france-travail", "france-travail"),
    ("RSA", "rsa", "caf"),
    ("impots", "dgfip", "dgfip"),
    ("conciliateur", "conciliation", "conciliateur-justice"),
    ("aide d'urgence", "aide-urgence", "ccas"),
    ("démarche en ligne", "aide-numerique", "france-services"),
    ("acte de naissance", "etat-civil", "mairie"),
]


@pytest.mark.parametrize("text,need_key,organisme", THEMES, ids=[t[0] for t in THEMES])
def test_every_theme_sends_a_mayet_resident_to_the_mayet_permanence(orientation, text, need_key, organisme):
    mayet = orientation.find_commune("Mayet").communes[0]
    answer = orientation.orient(text, mayet, now=NOW)
    assert answer.need.key == need_key
    assert answer.organismes[0].id == organisme
    first = answer.places[0]
    if answer.demarche is not None and not answer.demarche.lieu_utile:  # done from home: where to get help with it
        assert all(ps.organisme.id == "france-services" for p in answer.places for ps in p.permanences)
    assert first.lieu.id == "mairie-mayet" and first.reason == "dans votre commune"
    assert first.permanences[0].organisme.id == "france-services"
    assert first.permanences[0].slots[0].debut.date() == date(2026, 11, 26)
    assert answer.contact.lieu.id == "fs-le-lude" and answer.contact.lieu.telephone.numero == "02 85 29 07 11"


def test_every_theme_of_the_catalogue_is_reachable(orientation, knowledge):
    themes = {d.theme for d in knowledge.demarches.values()}
    assert themes == {"retraite", "ants", "sante", "logement", "emploi", "caf", "impots", "justice", "social", "numerique",
                      "citoyennete"}
    assert len(knowledge.demarches) >= 70
    for d in knowledge.demarches.values():
        assert orientation.find_need(d.titre).key == d.id


def test_mayet_permanence_follows_the_seed_rule(orientation):
    answer = orientation.orient("passeport", "Mayet", now=NOW)
    place = answer.places[0]
    assert place.reason == "dans votre commune"
    slots = place.permanences[0].slots
    assert [s.debut.date() for s in slots] == [date(2026, 11, 26), date(2026, 12, 10), date(2026, 12, 24)]
    assert all(s.debut.isocalendar().week % 2 == 0 and s.debut.hour == 14 for s in slots)


def test_agricultural_scheme_sends_to_msa(orientation):
    general = orientation.orient("demande de retraite", "Le Lude", now=NOW)
    assert any("MSA" in note for note in general.notes)  # the condition is said when unknown
    assert [o.id for o in general.organismes] == ["assurance-retraite", "agirc-arrco"]
    farmer = orientation.orient("demande de retraite", "Le Lude", Profile(regime_agricole=True), now=NOW)
    assert [o.id for o in farmer.organismes] == ["msa"]
    not_farmer = orientation.orient("demande de retraite", "Le Lude", Profile(regime_agricole=False), now=NOW)
    assert not_farmer.notes == []


def test_young_people_get_the_mission_locale_too(orientation):
    young = orientation.orient("inscription pole emploi", "Le Lude", Profile(age=19), now=NOW)
    assert [o.id for o in young.organismes] == ["mission-locale", "france-travail"]
    adult = orientation.orient("inscription pole emploi", "Le Lude", Profile(age=40), now=NOW)
    assert [o.id for o in adult.organismes] == ["france-travail"]


@pytest.mark.parametrize("typed,expected", [
    ("CMU", "complementaire-sante-solidaire"), ("carte d identite", "carte-identite"),
    ("cest pour ma carte vital", "carte-vitale"), ("MSAP", "france-services"), ("sécu", "assurance-maladie"),
    ("retraite", "retraite-demande"), ("justice", "justice"),
])
def test_old_names_and_typos_are_understood(orientation, typed, expected):
    assert orientation.find_need(typed).key == expected


def test_postal_code_shared_by_three_communes(orientation):
    match = orientation.find_commune("72360")
    assert [c.nom for c in match.communes] == ["Mayet", "Sarcé", "Verneil-le-Chétif"]
    assert orientation.find_commune("Maiet").communes[0].nom == "Mayet"
    assert orientation.find_commune("yvre le polin").communes[0].insee == "72385"
    assert orientation.find_commune("Paris").communes == []


def test_unknown_need_says_so_and_gives_the_contact(orientation):
    answer = orientation.orient("tondre la pelouse du voisin le dimanche", "Mayet", now=NOW)
    assert answer.need is None and answer.organismes == [] and answer.places == []
    assert answer.missing == ["besoin non reconnu dans le catalogue des démarches"]
    assert answer.contact.lieu.id == "fs-le-lude" and answer.contact.opening


def test_no_permanence_is_said_missing_not_invented(orientation):
    answer = orientation.orient("handicap", "Pontvallain", now=NOW)  # MDPH holds no permanence here
    assert answer.places[0].lieu.id == "fs-le-lude"  # the France Services helps with the form
    assert answer.places[0].reason == "votre France Services" and answer.places[0].opening
    assert all(ps.organisme.id == "france-services" for p in answer.places for ps in p.permanences)
    assert answer.missing == ["aucune permanence connue de MDPH sur le territoire : adressez-vous à votre France Services"]
    online_only = orientation.orient("carte européenne", "Mayet", now=NOW)
    assert online_only.demarche.en_ligne is not None and not online_only.missing
    assert online_only.places[0].lieu.id == "mairie-mayet"
    assert {ps.organisme.id for p in online_only.places for ps in p.permanences} == {"france-services"}
    assert orientation.orient("carte européenne", None, now=NOW).places == []  # no commune: nothing to narrow


def test_theme_and_organisme_needs(orientation):
    theme = orientation.orient("logement", "Le Lude", now=NOW)
    assert theme.need.kind == "theme" and {d.id for d in theme.demarches} >= {"aide-logement", "maprimerenov"}
    caf = orientation.orient("CAF", "Le Lude", now=NOW)
    assert caf.need.kind == "organisme" and caf.places[0].permanences[0].organisme.id == "caf"


def test_the_france_services_opening_hours_are_the_anct_ones(orientation):
    answer = orientation.orient("demande de retraite", "Le Lude", now=NOW)
    home = answer.places[0]
    assert home.lieu.id == "fs-le-lude" and home.reason == "dans votre commune"
    assert [(s.debut.hour, s.debut.minute, s.fin.hour, s.fin.minute, s.note) for s in home.opening] == [
        (9, 0, 12, 30, ""), (9, 0, 12, 30, "sur rendez-vous"), (14, 0, 17, 30, "")]  # Monday; Tuesday morning by appointment
    assert [p.lieu.id for p in answer.places[1:3]] == ["mairie-mayet", "mairie-yvre-le-polin"]


def test_a_permanence_known_only_as_a_text_gets_no_invented_date(orientation):
    answer = orientation.orient("démarche en ligne", "Mansigné", now=NOW)
    place = answer.places[0]
    assert place.lieu.id == "permanence-mansigne" and place.reason == "dans votre commune"
    ps = place.permanences[0]
    assert ps.slots == [] and ps.text == "le mercredi de 9h à 12h, une semaine sur deux"
    partner = orientation.orient("conciliateur", "Le Lude", now=NOW).places[0]
    conciliator = next(ps for ps in partner.permanences if ps.organisme.id == "conciliateur-justice")
    assert conciliator.slots == [] and conciliator.permanence.to_confirm().startswith("permanence citée en 2018")


def test_planning_of_a_place(orientation):
    from datetime import datetime
    from bot.schedule import PARIS
    rows = orientation.planning(datetime(2026, 12, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS), lieu="mairie-mayet")
    assert [s.debut.date() for s, _ in rows] == [date(2026, 12, 10), date(2026, 12, 24)]


@pytest.mark.parametrize("typed", ["", "   ", "😀😀", "<img src=x onerror=alert(1)>", "carte vitale " * 5000])
def test_empty_huge_or_odd_input_never_crashes(orientation, typed):
    answer = orientation.orient(typed, "Mayet", now=NOW)
    assert answer.contact.lieu.id == "fs-le-lude"
    if not typed.strip() or "<img" in typed or "😀" in typed:
        assert answer.need is None and "besoin non reconnu" in answer.missing[0]
    else:
        assert answer.need.key == "carte-vitale"
    assert orientation.find_commune(typed).communes == []
