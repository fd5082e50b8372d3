"""The orientation core on the demo territory, under a fixed clock."""

from datetime import date

import pytest

from bot.orientation import Profile, only_names_a_commune
from conftest import NOW

# One need per theme, as a citizen or an agent would type it, with the organisme expected
# first and the date of the next session that must be offered for a citizen of Mayet.
THEMES = [
    ("demande de retraite", "retraite-demande", "assurance-retraite", "mairie-mayet", date(2026, 11, 26)),
    ("carte grise", "carte-grise", "ants", "mairie-mayet", date(2026, 11, 26)),
    ("carte vitale", "carte-vitale", "assurance-maladie", "fs-le-lude", date(2026, 11, 23)),
    ("APL", "aide-logement", "caf", "mairie-mayet", date(2026, 11, 26)),
    ("pole emploi", "france-travail", "france-travail", "fs-le-lude", date(2026, 12, 4)),
    ("RSA", "rsa", "caf", "fs-le-lude", date(2026, 12, 1)),
    ("impots", "dgfip", "dgfip", "mairie-mayet", date(2026, 11, 26)),
    ("conciliateur", "conciliation", "conciliateur-justice", "mairie-mayet", date(2026, 11, 26)),
    ("aide d'urgence", "aide-urgence", "ccas", "fs-le-lude", date(2026, 11, 26)),
    ("démarche en ligne", "aide-numerique", "france-services", "mairie-mayet", date(2026, 11, 26)),
]


@pytest.mark.parametrize("text,need_key,organisme,lieu,first", THEMES, ids=[t[0] for t in THEMES])
def test_every_theme_gets_organisme_place_and_real_next_date(orientation, text, need_key, organisme, lieu, first):
    mayet = orientation.find_commune("Mayet").communes[0]
    answer = orientation.orient(text, mayet, now=NOW)
    assert answer.need.key == need_key
    assert answer.organismes[0].id == organisme
    assert answer.places, answer.missing
    assert answer.places[0].lieu.id == lieu
    first_slots = [ps.slots[0].debut.date() for ps in answer.places[0].permanences if ps.slots]
    assert min(first_slots) == first
    assert answer.contact.lieu.id == "fs-le-lude"


def test_every_theme_of_the_catalogue_is_reachable(orientation, knowledge):
    themes = {d.theme for d in knowledge.demarches.values()}
    assert themes == {"retraite", "ants", "sante", "logement", "emploi", "caf", "impots", "justice", "social", "numerique"}
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
    assert [o.id for o in general.organismes] == ["assurance-retraite"]
    assert any("MSA" in note for note in general.notes)  # the condition is said when unknown
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
    answer = orientation.orient("handicap", "Mayet", now=NOW)  # MDPH holds no permanence here
    assert [p.lieu.id for p in answer.places] == ["fs-le-lude"]  # the France Services helps with the form
    assert answer.places[0].permanences == [] and answer.places[0].opening
    assert answer.missing == ["aucune permanence connue de MDPH sur le territoire : adressez-vous à votre France Services"]
    assert answer.contact.lieu.id == "fs-le-lude"
    online_only = orientation.orient("carte européenne", "Mayet", now=NOW)
    assert online_only.places == [] and online_only.demarche.en_ligne is not None


def test_theme_and_organisme_needs(orientation):
    theme = orientation.orient("logement", "Le Lude", now=NOW)
    assert theme.need.kind == "theme" and {d.id for d in theme.demarches} >= {"aide-logement", "maprimerenov"}
    caf = orientation.orient("CAF", "Le Lude", now=NOW)
    assert caf.need.kind == "organisme" and caf.places[0].permanences[0].organisme.id == "caf"


def test_the_france_services_opening_hours_are_offered_when_it_helps(orientation):
    answer = orientation.orient("demande de retraite", "Le Lude", now=NOW)
    home = answer.places[0]
    assert home.lieu.id == "fs-le-lude" and home.reason == "dans votre commune"
    assert home.opening[0].debut == NOW.replace(hour=9)  # open this Monday morning
    assert [p.lieu.id for p in answer.places[1:]] == ["mairie-mayet", "mairie-yvre-le-polin"]


def test_conciliator_at_le_lude_is_listed_after_the_commune(orientation):
    answer = orientation.orient("conciliateur", "Mayet", now=NOW)
    lude = next(p for p in answer.places if p.lieu.id == "fs-le-lude")
    assert lude.reason == "votre France Services"
    assert [s.debut.date() for s in lude.permanences[0].slots][:2] == [date(2026, 12, 7), date(2027, 1, 4)]


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


def test_a_follow_up_naming_only_a_commune_is_told_from_a_new_need():
    assert only_names_a_commune("et à Yvré-le-Pôlin ?", "Yvré-le-Pôlin")
    assert only_names_a_commune("et du côté de Sarcé", "Sarcé")
    assert not only_names_a_commune("ma carte vitale à Mayet", "Mayet")
    assert not only_names_a_commune("et à Mayet ?", "")
