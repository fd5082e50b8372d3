"""The Rasa actions on real rasa-sdk trackers, over a real knowledge DB (SQLite file)."""

import asyncio
import threading
from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as a
from bot import activity, db
from bot.live import LiveKnowledge

NOW = "2026-11-23T10:00"  # Monday 23 November 2026, week 48 (even)
DOMAIN = {"slots": {name: {} for name in a.SLOTS}}


@pytest.fixture(autouse=True)
def live_db(tmp_path, knowledge, monkeypatch):
    engine = db.engine_for(f"sqlite:///{tmp_path / 'repere.db'}")
    db.save(knowledge, engine, "tests")
    monkeypatch.setattr(a, "KNOWLEDGE", LiveKnowledge(engine=engine))
    monkeypatch.setattr(a, "ACTIVITY", activity.BackgroundRecorder(engine))
    monkeypatch.setenv("REPERE_NOW", NOW)
    return engine


def tracker(text, intent, entities=(), slots=None, events=(), active_loop=None):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.99},  # the NLU sure of itself
               "entities": [{"entity": e, "value": v} for e, v in entities]}
    history = list(events) + [{"event": "user", "text": text, "parse_data": message}]
    return Tracker("test-user", slots or {}, message, history, False, None, active_loop or {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages):
    return "\n".join(m["text"] for m in messages)


# ---------------------------------------------------------------- the need, through the action


def test_a_theme_message_is_narrowed_to_the_demarche_it_names_and_answered_at_once():
    messages, slots = run(a.ActionOrient(), tracker("ma carte vital est perdue", "theme_sante"))
    assert slots["besoin"] == "demarche:carte-vitale"
    assert messages[0]["text"].startswith("Carte Vitale") and "dans quelle commune" in messages[-1]["text"]


def test_a_message_naming_only_a_commune_keeps_the_need_whatever_theme_the_nlu_guessed():
    t = tracker("et à Yvré-le-Pôlin ?", "theme_sante", [("commune", "Yvré-le-Pôlin")], {"besoin": "organisme:caf"})
    messages, slots = run(a.ActionOrient(), t)
    assert "besoin" not in slots and slots["commune"] == "Yvré-le-Pôlin"
    t = tracker("ma carte vitale à Mayet", "theme_sante", [("commune", "Mayet")], {"besoin": "organisme:caf"})
    assert run(a.ActionOrient(), t)[1]["besoin"] == "demarche:carte-vitale"


def test_a_button_names_the_demarche_directly():
    t = tracker('/theme_retraite{"demarche":"retraite-reversion"}', "theme_retraite", [("demarche", "retraite-reversion")])
    assert run(a.ActionOrient(), t)[1]["besoin"] == "demarche:retraite-reversion"


def test_an_old_organisme_name_gives_todays_organisme():
    t = tracker("le numéro de pole emploi", "inform_organisme", [("organisme", "france-travail")])
    assert run(a.ActionOrient(), t)[1]["besoin"] == "organisme:france-travail"


def test_a_postal_code_shared_by_three_communes_offers_a_choice_after_the_answer():
    messages, slots = run(a.ActionOrient(), tracker("72360", "inform_commune", slots={"besoin": "demarche:carte-identite"}))
    assert "commune" not in slots and slots["commune_choix"] == ["Mayet", "Sarcé", "Verneil-le-Chétif"]
    assert "plusieurs communes" in messages[-1]["text"]
    assert messages[-1]["buttons"][1]["payload"] == '/inform_commune{"commune": "Sarcé"}'


def test_a_commune_name_without_accents_is_accepted_and_written_properly():
    _, slots = run(a.ActionOrient(), tracker("verneil le chetif", "inform_commune", slots={"besoin": "demarche:carte-identite"}))
    assert slots["commune"] == "Verneil-le-Chétif"


def test_an_unknown_commune_says_what_the_assistant_covers():
    messages, _ = run(a.ActionOrient(), tracker("Saumur", "inform_commune", slots={"besoin": "demarche:carte-identite"}))
    assert "Je ne trouve pas « Saumur »" in texts(messages)
    assert "Communauté de communes Sud Sarthe" in texts(messages) and "39 39" in texts(messages)


# ---------------------------------------------------------------- answers


def orient(besoin, commune=None, **slots):
    """The whole answer to a démarche picked with a button, the commune being known already."""
    key = besoin.split(":", 1)[1]
    t = tracker(f'/theme_x{{"demarche":"{key}"}}', "theme_x", [("demarche", key)], {"commune": commune} | slots)
    return run(a.ActionOrient(), t)


def test_the_answer_says_what_who_where_when_and_online_with_real_next_dates():
    messages, _ = orient("demarche:carte-identite", "Mayet")
    text = texts(messages)
    assert "Carte d'identité" in text and "À apporter" in text and "ANTS" in text
    # Mayet's permanence: Thursdays of even ISO weeks, 14h-17h; 26 Nov 2026 is in week 48.
    assert "Mairie de Mayet" in text and "jeudi 26 novembre 2026, 14h-17h" in text and "jeudi 10 décembre 2026, 14h-17h" in text
    assert "https://ants.gouv.fr" in text
    assert [b["title"] for b in messages[-1]["buttons"]] == ["C'est où ?", "C'est quand ?", "Parler à quelqu'un", "Autre démarche"]


def test_a_commune_given_later_gives_where_and_when_only():
    t = tracker("yvre le polin", "inform_commune", slots={"besoin": "demarche:carte-identite"})
    messages, slots = run(a.ActionOrient(), t)
    assert slots["commune"] == "Yvré-le-Pôlin"
    assert texts(messages).startswith("Pour « Carte d'identité » :") and "À apporter" not in texts(messages)
    assert "jeudi 3 décembre 2026, 14h-17h" in texts(messages)  # odd ISO week 49


def test_age_16_25_brings_the_mission_locale_in():
    without = texts(orient("demarche:inscription-france-travail", "Chenu")[0])
    young = texts(orient("demarche:inscription-france-travail", "Chenu", age="19 ans")[0])
    assert "Mission Locale" in young and "France Travail" in young
    assert young != without


def test_the_agricultural_scheme_sends_to_the_msa():
    text = texts(orient("demarche:rsa", "Vaas", regime="agricole")[0])
    assert "Mutualité sociale agricole (MSA)" in text.split("Qui s'en occupe :")[1].split("\n")[1]


def test_a_theme_alone_names_its_usual_organisme_and_offers_its_demarches_as_buttons():
    messages, _ = run(a.ActionOrient(), tracker("/theme_retraite", "theme_retraite"))  # the greeting's button
    assert "• Assurance retraite (CARSAT) : tél. 3960" in messages[0]["text"]
    titles = [b["title"] for b in messages[-1]["buttons"]]
    assert "Demander une pension de réversion" in titles and "Minimum vieillesse (Aspa)" in titles and len(titles) == 8


def test_a_theme_whose_demarches_go_to_many_organismes_names_none():
    messages, _ = run(a.ActionOrient(), tracker("/theme_justice", "theme_justice"))
    assert len(messages) == 1 and "de quelle démarche" in messages[0]["text"] and "•" not in messages[0]["text"]


def test_without_a_need_the_commune_is_noted_and_the_need_asked():
    messages, slots = run(a.ActionOrient(), tracker("Sarcé", "inform_commune"))
    assert slots["commune"] == "Sarcé" and "Quelle est votre démarche" in texts(messages)


def test_follow_ups_when_and_where_keep_the_need_and_the_commune():
    slots = {"besoin": "demarche:carte-identite", "commune": "Mayet"}
    when, _ = run(a.ActionFollowUp(), tracker("et c'est quand ?", "ask_when", slots=slots))
    where, _ = run(a.ActionFollowUp(), tracker("c'est où ?", "ask_where", slots=slots))
    assert "Prochaines dates pour « Carte d'identité »" in texts(when) and "jeudi 26 novembre 2026, 14h-17h" in texts(when)
    assert "Où aller pour « Carte d'identité »" in texts(where) and "Mairie de Mayet" in texts(where)


def test_a_follow_up_without_a_need_asks_for_it():
    messages, _ = run(a.ActionFollowUp(), tracker("c'est quand ?", "ask_when"))
    assert "Quelle est votre démarche" in texts(messages)


def test_opening_hours_of_one_organisme():
    t = tracker("quand vient la caf", "ask_opening_hours", [("organisme", "caf")], {"commune": "Le Lude"})
    text = texts(run(a.ActionOpeningHours(), t)[0])
    caf = next(line for line in text.splitlines() if line.strip().startswith("CAF"))
    assert "jours non connus" in caf and "à confirmer" in caf  # cited in 2018, no day known: no date invented
    assert "2026" not in caf


# ---------------------------------------------------------------- human, distress, failures


def test_two_misunderstandings_in_a_row_give_the_france_services_contact():
    first, flag = run(a.ActionNotUnderstood(), tracker("zorglub", "nlu_fallback"))
    assert "Je n'ai pas bien compris" in texts(first) and flag == {"incompris": True}
    previous = [{"event": "user", "text": "zorglub"}, {"event": "action", "name": "action_not_understood"},
                {"event": "slot", "name": "incompris", "value": True}]
    second, _ = run(a.ActionNotUnderstood(), tracker("flip flap", "nlu_fallback", slots={"incompris": True}, events=previous))
    assert "France Services du Lude" in texts(second) and "02 85 29 07 11" in texts(second)


def test_an_unsure_message_naming_only_a_commune_is_answered_for_the_current_need():
    unsure = tracker("et à Yvré-le-Pôlin ?", "nlu_fallback", [("commune", "Yvré-le-Pôlin")], {"besoin": "demarche:carte-identite"})
    messages, slots = run(a.ActionNotUnderstood(), unsure)
    assert slots["commune"] == "Yvré-le-Pôlin" and "jeudi 3 décembre 2026, 14h-17h" in texts(messages)
    other_words = tracker("zorglub flip à Mayet", "nlu_fallback", [("commune", "Mayet")], {"besoin": "demarche:carte-identite"})
    messages, slots = run(a.ActionNotUnderstood(), other_words)  # whatever else is said, the commune is kept and used
    assert slots == {"commune": "Mayet"} and "jeudi 26 novembre 2026, 14h-17h" in texts(messages)


def test_gibberish_taken_for_a_commune_counts_as_not_understood():
    messages, slots = run(a.ActionOrient(), tracker("qsdkjh", "inform_commune", slots={"besoin": "demarche:rsa"}))
    assert "Je n'ai pas bien compris" in texts(messages) and slots == {"incompris": True}


def test_distress_gives_the_emergency_number_first():
    messages, _ = run(a.ActionEmergency(), tracker("j'ai des idees noires je veux en finir", "distress"))
    assert messages[0]["text"].splitlines()[0].endswith("24h/24).") and "3114" in messages[0]["text"].splitlines()[0]


def test_an_unreachable_knowledge_db_gets_an_answer_with_the_national_contact(monkeypatch, tmp_path):
    monkeypatch.setattr(a, "KNOWLEDGE", LiveKnowledge(url=f"sqlite:///{tmp_path / 'absent' / 'nothing.db'}"))
    for action, t in [(a.ActionOrient(), tracker("carte vitale", "theme_sante", slots={"besoin": "demarche:carte-vitale"})),
                      (a.ActionFollowUp(), tracker("c'est quand", "ask_when", slots={"besoin": "demarche:carte-vitale"})),
                      (a.ActionHumanContact(), tracker("un humain", "ask_human"))]:
        messages, _ = run(action, t)
        assert "momentanément indisponible" in texts(messages) and "39 39" in texts(messages)
    assert "3919" in texts(run(a.ActionEmergency(), tracker("mon mari me frappe", "distress"))[0])


def test_a_new_load_is_used_at_once_without_restart(live_db, knowledge):
    before = texts(orient("demarche:carte-identite", "Mayet")[0])
    cancelled = knowledge.permanences["fs-mayet"].model_copy(deep=True)
    cancelled.horaires.sauf.append(date(2026, 11, 26))
    db.save(replace(knowledge, permanences=knowledge.permanences | {"fs-mayet": cancelled}), live_db, "tests")
    after = texts(orient("demarche:carte-identite", "Mayet")[0])
    assert "jeudi 26 novembre 2026, 14h-17h" in before and "jeudi 26 novembre 2026, 14h-17h" not in after


# ---------------------------------------------------------------- activity figures


def test_answers_fallbacks_and_human_contacts_are_recorded_without_any_text(live_db):

    orient("demarche:carte-identite", "Mayet")
    run(a.ActionNotUnderstood(), tracker("zorglub 06 12 34 56 78", "nlu_fallback"))
    run(a.ActionHumanContact(), tracker("un humain", "ask_human", slots={"commune": "Sarcé"}))
    a.ACTIVITY.pending.join()
    stored = activity.rows(live_db, datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
    assert [(r.theme, r.demarche, r.commune, r.organisme, r.compris, r.contact_humain) for r in stored] == [
        ("ants", "carte-identite", "72191", "ants", True, False),
        (None, None, None, None, False, False),
        (None, None, "72327", None, True, True),
    ]
    columns = set(activity.Activite.__table__.columns.keys())
    assert columns == {"id", "quand", "theme", "demarche", "commune", "organisme", "compris", "contact_humain"}


def test_a_stuck_answer_neither_blocks_other_conversations_nor_stays_silent(monkeypatch):
    released = threading.Event()
    monkeypatch.setattr(a, "ANSWER_WITHIN", 0.5)
    monkeypatch.setattr(a.KNOWLEDGE, "orientation", lambda: released.wait() and None)

    async def both():
        stuck = asyncio.create_task(a.ActionOrient().run(CollectingDispatcher(), tracker("carte vitale", "theme_sante"), DOMAIN))
        dispatcher = CollectingDispatcher()
        await a.ActionEmergency().run(dispatcher, tracker("mon mari me frappe", "distress"), DOMAIN)
        emergency_first = not stuck.done()
        stuck_dispatcher = CollectingDispatcher()
        await a.ActionOrient().run(stuck_dispatcher, tracker("carte vitale", "theme_sante"), DOMAIN)
        released.set()
        await stuck
        return emergency_first, dispatcher.messages, stuck_dispatcher.messages

    emergency_first, emergency, stuck = asyncio.run(both())
    assert emergency_first and "3919" in texts(emergency)
    assert "momentanément indisponible" in texts(stuck) and "39 39" in texts(stuck)
