"""The national layer: the ANCT's France Services and every commune, under the curated territories.

Runs on an extract of the real sources (tests/fixtures/national, rebuilt by make_extract.py).
"""

import csv
import json
import subprocess
from datetime import date

import pytest

from bot import db
from bot.knowledge.loader import load_directory
from bot.national import store
from bot.national.communes import all_communes, town_hall_positions
from bot.national.france_services import ListUnreadable, read_list
from bot.orientation import Need, Orientation
from bot.conversation import State, Turn, respond
from bot.render import answer_text
from conftest import KNOWLEDGE, NOW, ROOT

FIXTURES = ROOT / "tests/fixtures/national"
EXTRACT = FIXTURES / "liste-fs-extrait-20240801.csv"
LISTED = date(2024, 8, 1)


def national_db(path):
    """A knowledge DB with the curated knowledge and the national extract imported, as `make load` does."""
    engine = db.engine_for(f"sqlite:///{path}")
    db.save(load_directory(KNOWLEDGE), engine, "tests")
    store.import_france_services(engine, EXTRACT, LISTED)
    communes, problems = all_communes(FIXTURES / "decoupage", town_hall_positions(FIXTURES / "mairies-extrait.csv"))
    store.import_communes(engine, communes, problems, "extrait de test")
    return engine


@pytest.fixture(scope="module")
def national(tmp_path_factory, orientation):
    engine = national_db(tmp_path_factory.mktemp("national") / "repere.db")
    return Orientation(db.read(engine), orientation.resolver, national=store.read_layer(engine))


def test_hours_become_opening_hours_and_placeholders_are_reported_not_imported():
    rows, problems, _ = read_list(EXTRACT, "1er août 2024", "2024-08-01")
    lieux = {l["id_fs"]: (line, l) for line, l in rows}
    _, le_lude = lieux[426]
    assert le_lude["horaires"]["opening_hours"] == "Mo 09:00-12:30; Tu 09:00-12:30,14:00-17:30; We 09:00-12:30,14:00-17:30; " \
                                                   "Th 09:00-12:30,14:00-17:30; Fr 09:00-12:30"
    assert "1 semaine sur 2" in le_lude["commentaire"] and "Mayet" in le_lude["commentaire"]  # kept verbatim
    assert le_lude["telephone"] == {"numero": "02 85 29 07 11"} and le_lude["rendez_vous"] is False
    placeholder = [p for p in problems if p.id_fs == "3095"]
    assert placeholder and all("00:00 - 00:00" in p.message for p in placeholder)
    line, bus = lieux[3095]
    assert placeholder[0].line == line and "00:00" not in json.dumps(bus.get("horaires", {}))
    assert any(p.id_fs == "3195" and p.message == "aucun téléphone" for p in problems)
    assert "telephone" not in lieux[3195][1]


def test_a_file_that_is_not_the_list_is_refused_in_french(tmp_path):
    other = tmp_path / "autre.csv"
    other.write_text("nom;ville\nx;y\n", encoding="utf-8")
    with pytest.raises(ListUnreadable, match="colonnes attendues absentes"):
        read_list(other, "1er août 2024", "2024-08-01")


def test_a_newer_list_updates_in_place_and_says_what_changed(tmp_path):
    engine = national_db(tmp_path / "repere.db")
    with EXTRACT.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows, fields = list(reader), reader.fieldnames
    brest = next(r for r in rows if r["id_fs"] == "594")
    brest["telephone"] = "02 98 00 00 00"
    removed = next(r for r in rows if r["lib_com"] == "Quimper")
    rows.remove(removed)
    newer = tmp_path / "liste-fs-20250101.csv"
    with newer.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    report = store.import_france_services(engine, newer, date(2025, 1, 1))
    assert report.changed == ["594 France Services Pimms Médiation Brest - Kérédern : telephone"]
    assert report.removed == [f"{removed['id_fs']} {removed['lib_fs'].replace('France services', 'France Services')}"]
    assert report.added == [] and report.unchanged == len(rows) - 1
    assert report.communes_reassigned >= 1  # Quimper's communes turn to another France Services
    layer = store.read_layer(engine)
    assert layer.lieux["fs-anct-594"].telephone.numero == "02 98 00 00 00"
    assert layer.sources["france-services"] == "ANCT, liste des structures France Services, 1er janvier 2025"
    assert f"fs-anct-{removed['id_fs']}" not in layer.lieux
    assert all(c.france_services != f"fs-anct-{removed['id_fs']}" for c in layer.communes.values())


def test_a_commune_gets_its_own_france_services_else_the_nearest_said_in_km(national):
    brest = national.find_commune("j'habite à Brest").communes
    assert [c.insee for c in brest] == ["29019"]
    answer = national.orient(Need("organisme", "caf", "CAF"), brest[0], now=NOW)
    assert answer.places[0].reason == "dans votre commune" and answer.places[0].lieu.commune == "29019"
    benodet = national.find_commune("Bénodet").communes[0]  # no France Services in the commune
    contact = national.contact(benodet, NOW)
    assert contact.lieu.commune != benodet.insee and 0 < contact.distance_km < 40
    text = answer_text(national.orient("carte vitale", benodet, now=NOW))
    assert "km à vol d'oiseau)" in text and "la France Services la plus proche" in text and "Source : ANCT, liste des structures France Services, 1er août 2024" in text


def test_curated_knowledge_wins_over_the_imported_list(national):
    mayet = national.find_commune("Mayet").communes[0]
    assert national.contact(mayet, NOW).lieu.id == "fs-le-lude"  # curated, not fs-anct-426
    clermont = national.find_commune("j'habite à Clermont-Créans").communes[0]  # a national commune next to Le Lude
    assert clermont.france_services == "fs-anct-426" and national.contact(clermont, NOW).lieu.id == "fs-le-lude"


@pytest.mark.parametrize("message", [
    "mon patron m'a viré", "j'ai 20000 euros de dettes", "frais de transport pour aller à l'hôpital",
    "ouais", "la caf me réclame de l'argent", "mot de passe oublié",
])
def test_ordinary_words_are_not_read_as_communes_of_france(national, message):
    assert national.find_commune(message).communes == []


def test_names_shared_by_several_communes_are_labelled_by_departement(national):
    brie = national.find_commune("Brie").communes
    assert len(brie) == 5 and len({national.commune_label(c) for c in brie}) == 5
    assert national.commune_label(brie[0]) == f"Brie ({brie[0].insee[:2]})"
    assert [c.insee for c in national.find_commune("Brie (35)").communes] == ["35041"]
    assert national.commune_label(national.find_commune("Brest").communes[0]) == "Brest"


def test_the_curated_territory_keeps_its_own_reading(national):
    assert national.find_commune("j'habite à Aubigné").communes[0].nom == "Aubigné-Racan"
    assert national.find_commune("au Lude").communes[0].insee == "72176"


def test_a_homonym_is_asked_with_buttons_and_the_choice_is_kept(national):
    first = respond(national, State(), Turn("rendez-vous à la CAF"), NOW)
    asked = respond(national, first.state, Turn("Brie"), NOW)
    buttons = [title for reply in asked.replies for title, _ in reply.buttons]
    assert {"Brie (35)", "Brie (02)"} <= set(buttons)
    chosen = respond(national, asked.state, Turn("Brie (35)", intent="inform_commune", commune="Brie (35)"), NOW)
    text = "\n".join(reply.text for reply in chosen.replies)
    assert chosen.state.commune == "Brie (35)" and "Janzé" in text and "Source : ANCT" in text


def test_the_import_commands_report_in_french(tmp_path):
    url = f"sqlite:///{tmp_path / 'repere.db'}"
    done = subprocess.run([str(ROOT / ".venv/bin/repere"), "import", "france-services", str(EXTRACT), "--db", url],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert f"{sum(1 for _ in read_list(EXTRACT, '1er août 2024', '2024-08-01')[0])} ajoutée(s)" in done.stdout
    assert "ligne" in done.stdout and "(id_fs 3095) : horaire du lundi « 00:00 - 00:00 »" in done.stdout
    again = subprocess.run([str(ROOT / ".venv/bin/repere"), "import", "france-services", str(EXTRACT), "--db", url],
                           capture_output=True, text=True, check=False)
    assert "0 ajoutée(s), 0 modifiée(s), 0 retirée(s)" in again.stdout
    missing = subprocess.run([str(ROOT / ".venv/bin/repere"), "import", "france-services", str(tmp_path / "absent-20240801.csv"),
                              "--db", url], capture_output=True, text=True, check=False)
    assert missing.returncode == 1 and "illisible" in missing.stderr


def test_no_invention_on_a_sample_of_national_communes(national, knowledge):
    """The safeguard of test_no_invention, on communes of the national layer: each phone shown is the knowledge's
    or the ANCT list's, each opening is a slot of the place's own hours, and a place of the list names its source."""
    from datetime import timedelta

    from bot import replies as r
    from bot.fallback import FALLBACK_PHONE
    from bot.schedule import Schedule
    from test_no_invention import PHONE, SLOT

    lieux = list(knowledge.lieux.values()) + list(national.national.lieux.values())
    phones = {FALLBACK_PHONE[0]} | {l.telephone.numero for l in lieux if l.telephone}
    phones |= {o.telephone.numero for o in knowledge.organismes.values() if o.telephone}
    sample = sorted(national.national.communes.values(), key=lambda c: c.insee)[::12]
    assert len(sample) >= 20
    for commune in sample:
        for need in ("carte grise", "caf", "retraite", "conciliateur"):
            answer = national.orient(need, commune, now=NOW)
            text = answer_text(answer) + "\n" + "\n".join(reply.text for reply in r.answer_replies(answer))
            assert set(PHONE.findall(text)) <= phones, (commune.nom, need)
            for place in answer.places:
                slots = {s.label() for s in Schedule.from_horaires(place.lieu.horaires).slots_between(NOW - timedelta(days=1), NOW + timedelta(days=30))} \
                    if place.lieu.horaires else set()
                assert {s.label() for s in place.opening} <= slots
                if place.lieu.id_fs is not None:
                    assert "Source : ANCT" in text
            shown = [p.lieu for p in answer.places + [answer.contact] if p]
            hours = [Schedule.from_horaires(l.horaires) for l in shown if l.horaires]
            hours += [national.schedule_of(ps.permanence) for p in answer.places for ps in p.permanences]
            assert set(SLOT.findall(text)) <= {s.label() for h in hours
                                               for s in h.slots_between(NOW - timedelta(days=1), NOW + timedelta(days=30))}


def repere(*args, cwd=ROOT):
    return subprocess.run([str(ROOT / ".venv/bin/repere"), *args], capture_output=True, text=True, check=False, cwd=cwd)


FROM_FIXTURES = ("--decoupage", str(FIXTURES / "decoupage"), "--mairies", str(FIXTURES / "mairies-extrait.csv"))


def test_territoire_init_suggests_the_epci_when_misspelt_or_ambiguous(tmp_path):
    misspelt = repere("territoire", "init", "Loir Luce Berse", "--vers", str(tmp_path / "x"), *FROM_FIXTURES)
    assert misspelt.returncode == 1 and "Vouliez-vous dire : CC Loir-Lucé-Bercé (200070373)" in misspelt.stderr
    assert not (tmp_path / "x").exists()


def test_adding_a_territory_as_the_readme_says(tmp_path):
    """The README's « ajouter votre territoire », followed from scratch: init, check, load, then a citizen of it."""
    knowledge = tmp_path / "knowledge"
    subprocess.run(["cp", "-r", str(KNOWLEDGE), str(knowledge)], check=True)
    done = repere("territoire", "init", "Loir-Lucé-Bercé", "--vers", str(knowledge / "loir-luce-berce"),
                  "--liste", str(EXTRACT), *FROM_FIXTURES)
    assert done.returncode == 0, done.stderr
    assert "CC Loir-Lucé-Bercé (200070373) : 24 communes" in done.stdout
    text = (knowledge / "loir-luce-berce" / "territoire.yml").read_text(encoding="utf-8")
    assert "id_fs:" in text and "a_confirmer: adresse, téléphone et horaires de l'Annuaire" in text
    again = repere("territoire", "init", "200070373", "--vers", str(knowledge / "loir-luce-berce"), "--liste", str(EXTRACT), *FROM_FIXTURES)
    assert again.returncode == 1 and "contient déjà un territoire" in again.stderr  # an edited territory is never overwritten
    checked = repere("check", str(knowledge))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    url = f"sqlite:///{tmp_path / 'repere.db'}"
    assert repere("load", str(knowledge), "--db", url).returncode == 0
    found = repere("lookup", "carte d'identité", "--commune", "Château-du-Loir", "--db", url, "--date", "2026-11-23T10:00")
    assert found.returncode == 1  # a former commune (merged into Montval-sur-Loir): said unknown, never guessed
    answer = repere("lookup", "carte d'identité", "--commune", "Montval-sur-Loir", "--db", url, "--date", "2026-11-23T10:00")
    assert answer.returncode == 0, answer.stderr
    assert "▸ Mairie de Montval-sur-Loir — Place de l'Hôtel-de-Ville, 72500 Montval-sur-Loir, tél. 02 43 38 18 00 (dans votre commune)" \
        in answer.stdout and "Accueil de la mairie" in answer.stdout  # the town hall imported by `territoire init`
    assert "France Services La Poste de La Chartre-sur-le-Loir" in answer.stdout and "(votre France Services, à 12 km à vol d'oiseau)" in answer.stdout


@pytest.mark.parametrize("message", [
    "j'habite près de chez ma mère", "la mairie est au bourg", "je vis à la montagne", "tutelle", "danger",
    "horaires", "les horaires de la caf", "la semaine prochaine",
])
def test_place_words_and_needs_are_not_read_as_communes(national, message):
    assert national.find_commune(message, expecting_place=False).communes == []


def test_every_commune_comes_back_from_its_label_and_postal_codes_list_every_commune(national):
    for commune in [c for c in national.national.communes.values() if c.insee not in national.k.communes][::7]:
        assert national.find_commune(national.commune_label(commune)).communes == [commune], commune.nom
    assert national.find_commune("j'habite à La Forêt-Fouesnant").communes[0].insee == "29057"
    assert national.commune_label(national.find_commune("Brie (80)").communes[0]) == "Brie (80)"
    assert national.find_commune("Parcé").communes == []  # never guessed as the curated Marcé


def test_a_row_that_the_schema_refuses_is_reported_and_the_rest_imported(tmp_path):
    with EXTRACT.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows, fields = list(reader), reader.fieldnames
    rows[0]["latitude"], rows[1]["h_lundi"] = "nan", "09:75 - 12:00"
    bad = tmp_path / "liste-fs-20240801.csv"
    with bad.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    lieux, problems, _ = read_list(bad, "1er août 2024", "2024-08-01")
    assert len(lieux) == len(rows) - 2
    assert [p.line for p in problems if "non importée" in p.message] == [2, 3]
    assert "position « nan" in str(problems[0]) and "opening_hours" in str(next(p for p in problems if p.line == 3))


def test_the_national_layer_on_postgresql_as_the_production_mode_holds_it(pg_url):
    """The production mode imports the layer into PostgreSQL: the same import, update in place and reading there."""
    engine = db.engine_for(pg_url)
    db.save(load_directory(KNOWLEDGE), engine, "tests")
    store.remove_layer(engine)
    report = store.import_france_services(engine, EXTRACT, LISTED)
    communes, problems = all_communes(FIXTURES / "decoupage", town_hall_positions(FIXTURES / "mairies-extrait.csv"))
    store.import_communes(engine, communes, problems, "extrait de test")
    again = store.import_france_services(engine, EXTRACT, LISTED)
    assert len(report.added) == again.unchanged and again.added == again.changed == again.removed == []
    assert {"france-services", "communes"} <= store.imported_kinds(engine)
    layer = store.read_layer(engine)
    assert layer.lieux["fs-anct-594"].telephone.numero == "02 98 47 10 61" and layer.communes["29019"].france_services
    store.remove_layer(engine)
    assert store.read_layer(engine).communes == {} and store.read_layer(engine).sources == {}
    assert store.imported_kinds(engine) == set()  # the production mode imports it again on its next start
