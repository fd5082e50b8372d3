"""End to end: the national layer imported into the running assistant's DB is used at once, over
REST, without restart or retraining (the session's `assistant` fixture, conftest.py)."""

import pytest

from bot import db
from bot.assistant import ENGINE
from bot.national import store
from test_e2e_assistant import Conversation, buttons, text
from test_national import EXTRACT, FIXTURES, LISTED
from bot.national.communes import all_communes, town_hall_positions

pytestmark = pytest.mark.skipif(not ENGINE.exists(), reason="venv moteur absent : « make test » l'installe")


@pytest.fixture
def national_assistant(assistant):
    engine = db.engine_for(f"sqlite:///{assistant.db_path}")
    store.import_france_services(engine, EXTRACT, LISTED)
    communes, problems = all_communes(FIXTURES / "decoupage", town_hall_positions(FIXTURES / "mairies-extrait.csv"))
    store.import_communes(engine, communes, problems, "extrait de test")
    yield assistant
    store.remove_layer(engine)  # the other tests run on the curated territory alone


def test_a_commune_anywhere_in_france_gets_its_france_services_with_the_source(national_assistant):
    chat = Conversation(national_assistant)
    answer = text(chat.say("je dois refaire ma carte grise, j'habite à Brest"))
    assert "ANTS" in answer and "29200 Brest" in answer
    assert "Source : ANCT, liste des structures France Services, 1er août 2024" in answer
    curated = text(Conversation(national_assistant).say("carte vitale à Mayet"))
    assert "France Services du Lude" in curated and "fs-anct" not in curated


def test_a_shared_name_is_asked_by_departement_and_the_choice_answers(national_assistant):
    chat = Conversation(national_assistant)
    chat.say("rendez-vous à la CAF")
    asked = chat.say("Brie")
    choices = buttons(asked)
    assert "Brie (35)" in choices and "Brie (02)" in choices
    chosen = text(chat.say(choices["Brie (35)"]))
    assert "Janzé" in chosen and "km" in chosen
