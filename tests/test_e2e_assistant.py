"""End to end: the real Rasa server (trained model) and the real action server, over the REST
webhook, on a real knowledge DB, under a fixed clock (Monday 23 November 2026, 10:00).
The servers are the session's `assistant` fixture (conftest.py)."""

import json
import os
import shutil
import signal
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from bot import db
from bot.assistant import ENGINE, wait_until_up
from bot.console.app import reload_from_files
from bot.knowledge.loader import load_directory
from bot.live import LiveKnowledge
from conftest import API_TOKEN, KNOWLEDGE, ROOT

pytestmark = pytest.mark.skipif(not ENGINE.exists(), reason="venv moteur absent : « make test » l'installe")


class Conversation:
    def __init__(self, assistant):
        self.url = assistant.url + "/webhooks/rest/webhook"
        self.sender = f"e2e-{uuid.uuid4().hex[:8]}"

    def say(self, text: str) -> list[dict]:
        request = urllib.request.Request(self.url, method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"sender": self.sender, "message": text}).encode())
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


def text(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def buttons(messages: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for m in messages for b in m.get("buttons", [])}


def test_need_answered_at_once_then_shared_postal_code_then_choice_gives_the_place_and_real_next_dates(assistant):
    chat = Conversation(assistant)
    hello = chat.say("bonjour")
    assert "Repère" in text(hello) and "numéro de sécurité sociale" in text(hello)
    asked = chat.say("bonjour, je dois refaire ma carte d'identité, elle est perimée")
    assert text(asked).startswith("Carte d'identité") and "ANTS" in text(asked)  # the answer first
    assert "dans quelle commune habitez-vous" in asked[-1]["text"]  # then the place
    choice = chat.say("72360")
    assert "plusieurs communes" in text(choice) and "À apporter" not in text(choice)
    assert set(buttons(choice)) == {"Mayet", "Sarcé", "Verneil-le-Chétif"}
    answer = chat.say(buttons(choice)["Mayet"])
    assert "Pour « Carte d'identité » :" in text(answer)
    assert "Mairie de Mayet" in text(answer) and "jeudi 26 novembre 2026, 14h-17h" in text(answer)
    assert "C'est quand ?" in buttons(answer)

    when = chat.say("et c'est quand ?")
    assert "Prochaines dates pour « Carte d'identité »" in text(when) and "jeudi 10 décembre 2026" in text(when)
    caf = chat.say("et pour la CAF ?")
    assert "Caisse d'allocations familiales" in text(caf) and "jeudi 26 novembre 2026, 14h-17h" in text(caf)  # at Mayet
    for follow_up in ("et a Yvré-le-Pôlin ?", "et à Yvré-le-Pôlin ?"):  # the NLU reads the second as a theme
        elsewhere = chat.say(follow_up)
        assert "à Yvré-le-Pôlin" in text(elsewhere) and "Caisse d'allocations familiales" in text(elsewhere), follow_up


def test_the_commune_in_the_first_message_skips_the_question_and_old_names_are_understood(assistant):
    answer = Conversation(assistant).say("inscription pole emploi a Chenu")
    assert "France Travail" in text(answer) and "dans quelle commune" not in text(answer)
    assert "le lundi de 9h à 12h, une fois par mois (dates à confirmer" in text(answer)  # Chenu: ANCT list, no date


def test_the_second_curated_territory_is_answered_with_its_own_places(assistant):
    answer = text(Conversation(assistant).say("je dois refaire ma carte grise, j'habite à Seiches-sur-le-Loir"))
    assert "ANTS" in answer and "Antenne de Seiches sur le Loir — 28 rue Henri Régnier" in answer and "Le Lude" not in answer


def test_a_misspelt_theme_with_a_profile_fact(assistant):
    chat = Conversation(assistant)
    chat.say("je cherche du boulot a Vaas")  # "boulot": the catalogue's words of the France Travail démarche
    young = chat.say("j'ai 19 ans")
    assert "Mission Locale" in text(young)


# One plain request per démarche added with the sourced knowledge: each is reachable in one message.
NEW_DEMARCHES = {
    "allocation-rentree-scolaire": "allocation de rentrée scolaire pour ma fille",
    "declaration-trimestrielle": "je dois faire ma déclaration trimestrielle",
    "aah": "je voudrais demander l'AAH",
    "aspa": "le minimum vieillesse pour mon père",
    "retraite-complementaire": "ma retraite complémentaire Agirc-Arrco",
    "retraite-age-trimestres": "à quel âge je peux partir, il me faut combien de trimestres",
    "pension-invalidite": "demander une pension d'invalidité",
    "allocation-chomage": "toucher l'allocation chômage",
    "micro-entrepreneur": "je veux devenir auto-entrepreneur",
    "cesu-particulier-employeur": "déclarer ma femme de ménage avec le cesu",
    "permis-points": "combien de points il me reste sur mon permis",
    "amende": "payer une amende de stationnement",
    "titre-sejour": "renouveler mon titre de séjour",
    "casier-judiciaire": "il me faut un extrait de casier judiciaire",
    "defenseur-droits": "saisir le défenseur des droits",
    "etat-civil": "demander un acte de naissance",
    "listes-electorales": "m'inscrire sur les listes électorales",
    "procuration": "faire une procuration pour voter",
    "pacs": "on veut se pacser",
    "delai-paiement-impots": "un délai de paiement pour mes impôts",
    "logement-social": "faire une demande de logement social",
    "cheque-energie": "je n'ai pas reçu mon chèque énergie",
    "surendettement": "déposer un dossier de surendettement",
    "deces-proche": "les démarches après un décès",
    "changement-adresse": "déclarer mon changement d'adresse en ligne",
    "naturalisation": "je voudrais demander la nationalité française",
    "urbanisme": "il me faut un permis de construire pour un garage",
    "recensement-citoyen": "mon fils a 16 ans, il doit se faire recenser",
    "inscription-ecole": "inscrire mon fils à l'école maternelle",
}


@pytest.mark.parametrize("demarche", sorted(NEW_DEMARCHES))
def test_every_new_demarche_is_reachable_in_one_message(assistant, knowledge, demarche):
    title = knowledge.demarches[demarche].titre
    first = text(Conversation(assistant).say(NEW_DEMARCHES[demarche] + " à Mayet"))
    assert title in first, first[:300]


def test_two_misunderstandings_give_the_human_contact(assistant):
    chat = Conversation(assistant)
    first = chat.say("zorglub flip flap")
    assert "pas bien compris" in text(first)
    second = chat.say("zorglub flip flap")
    assert "France Services du Lude" in text(second) and "02 85 29 07 11" in text(second)


def test_distress_gets_the_emergency_number_first(assistant):
    reply = Conversation(assistant).say("mon mari me frappe, j'ai peur")
    assert "3919" in reply[0]["text"].splitlines()[0]


def test_empty_huge_and_html_messages_all_get_a_french_answer(assistant):
    for message in ["", "   ", "a" * 5000, "<img src=x onerror=alert(1)>", "🙂🙂🙂"]:
        reply = Conversation(assistant).say(message)
        assert reply and all("<img" not in m.get("text", "") for m in reply), message[:30]


def test_a_100000_character_message_is_refused_kindly_before_the_nlu_and_the_service_goes_on(assistant):
    chat = Conversation(assistant)
    refused = text(chat.say("carte vitale " * 7700))  # 100,100 characters: once grew Rasa past 20 GB
    assert refused.startswith("Votre message est trop long") and "1 000 caractères" in refused
    assert "Carte Vitale" in text(chat.say("carte vitale"))  # the same conversation goes on


def test_a_sender_flooding_messages_is_asked_to_wait_and_others_are_still_answered(assistant):
    flood = Conversation(assistant)
    answers = [text(flood.say("??")) for _ in range(31)]
    assert "Patientez une minute" not in answers[0] and "Patientez une minute" in answers[30]
    assert "Carte Vitale" in text(Conversation(assistant).say("carte vitale"))


def test_the_socketio_channel_answers_a_session_and_bounds_its_messages(assistant):
    import socketio

    answers: list[str] = []
    with socketio.SimpleClient() as client:
        client.connect(assistant.url, transports=["polling"])  # requests only, no websocket package
        session = "socket-" + uuid.uuid4().hex[:8]
        client.emit("session_request", {"session_id": session})
        assert client.receive(timeout=30) == ["session_confirm", session]
        for message in ["je dois refaire ma carte vitale", "x" * 5000]:
            client.emit("user_uttered", {"message": message, "session_id": session})
            bubbles = [client.receive(timeout=60)]
            while True:  # one event per bubble: read them until the answer is over
                try:
                    bubbles.append(client.receive(timeout=3))
                except socketio.exceptions.TimeoutError:
                    break
            assert {event for event, _ in bubbles} == {"bot_uttered"}
            answers.append("\n".join(data["text"] for _, data in bubbles))
    assert answers[0].startswith("Carte Vitale") and "Qui s'en occupe" in answers[0]
    assert answers[1].startswith("Votre message est trop long")


def test_a_knowledge_db_gone_after_the_start_keeps_the_last_knowledge_serving(assistant):
    moved = assistant.db_path.with_suffix(".moved")
    assistant.db_path.rename(moved)
    try:
        reply = Conversation(assistant).say("je dois refaire ma carte vitale")
    finally:
        moved.rename(assistant.db_path)
    assert "Carte Vitale" in text(reply) and "Assurance Maladie" in text(reply)


def test_with_the_action_server_down_rasa_itself_answers_distress_and_the_contact(assistant):
    control = assistant.control()
    control.stopProcess("actions")
    try:
        distress = text(Conversation(assistant).say("mon mari me frappe j'ai peur"))
        contact = text(Conversation(assistant).say("je voudrais parler a un conseiller"))
    finally:
        control.startProcess("actions")
        wait_until_up(assistant.actions_url.replace("/webhook", "/pret"), 180)
    assert distress.startswith("Si vous êtes en danger") and "3919" in distress.splitlines()[0] and "112" in distress
    assert "39 39" in contact and "momentanément indisponible" in contact
    assert "Carte Vitale" in text(Conversation(assistant).say("carte vitale a Mayet"))


def listeners(port: int) -> set[int]:
    """The pids of the processes listening on 127.0.0.1:port (from /proc: socket inodes)."""
    inodes = {line.split()[9] for table in ("/proc/net/tcp", "/proc/net/tcp6") for line in open(table).read().splitlines()[1:]
              if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port}
    pids = set()
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in {f"socket:[{i}]" for i in inodes} for fd in fd_dir.iterdir()):
                pids.add(int(fd_dir.parent.name))
        except OSError:  # a process that ended meanwhile, or not ours to read
            continue
    return pids


def test_a_killed_action_server_is_restarted_by_the_supervisor_and_its_log_kept(assistant):
    log = assistant.logs / f"actions-{assistant.actions_port}.log"
    killed = assistant.pid("actions")
    assert killed > 0 and listeners(assistant.actions_port) == {killed}  # one process, the one supervised
    size_before = log.stat().st_size
    os.kill(killed, signal.SIGKILL)
    for _ in range(120):
        info = assistant.control().getProcessInfo("actions")
        if info["statename"] == "RUNNING" and info["pid"] != killed:
            break
        time.sleep(0.5)
    wait_until_up(assistant.actions_url.replace("/webhook", "/pret"), 180)
    assert listeners(assistant.actions_port) == {assistant.pid("actions")} != {killed}  # no orphan kept the port
    assert "Carte Vitale" in text(Conversation(assistant).say("carte vitale a Mayet"))
    assert log.stat().st_size > size_before  # appended to, not truncated by the restart


def test_personal_numbers_typed_by_a_citizen_are_not_kept_in_the_conversation_store(assistant):
    chat = Conversation(assistant)
    chat.say("ma carte vitale est perdue, mon numero est 1 85 05 72 191 005 42 et mon tel 06 12 34 56 78")
    url = f"{assistant.url}/conversations/{chat.sender}/tracker?token={API_TOKEN}"
    with urllib.request.urlopen(url, timeout=30) as response:
        stored = json.loads(response.read())
    typed = [e["text"] for e in stored["events"] if e["event"] == "user"]
    assert typed == ["ma carte vitale est perdue, mon numero est [donnée personnelle masquée] et mon tel [donnée personnelle masquée]"]
    assert "191 005" not in json.dumps(stored) and "56 78" not in json.dumps(stored)


def test_a_citizen_typing_a_personal_number_is_told_it_is_not_needed(assistant):
    reply = Conversation(assistant).say("carte vitale perdue a Mayet, mon numero de secu 2 85 05 72 191 005 42")
    assert "Inutile de me donner vos numéros personnels" in text(reply) and "Carte Vitale" in text(reply)


def test_an_edited_schedule_reloaded_from_the_console_is_answered_at_once_without_restart(assistant, tmp_path):
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    territory = folder / "sud-sarthe" / "territoire.yml"
    territory.write_text(territory.read_text().replace("semaines: paires\n          heures: [14h-17h]",
                                                       "semaines: paires\n          heures: [15h-18h]"))
    live = LiveKnowledge(url=f"sqlite:///{assistant.db_path}")
    try:
        assert reload_from_files(folder, live)["ok"]
        answer = Conversation(assistant).say("carte grise a Mayet")
        assert "jeudi 26 novembre 2026, 15h-18h" in text(answer)
    finally:
        db.save(load_directory(KNOWLEDGE), live.engine, "tests")
    assert "jeudi 26 novembre 2026, 14h-17h" in text(Conversation(assistant).say("carte grise a Mayet"))


def test_a_territory_loaded_into_the_running_assistant_is_understood_in_a_sentence_without_retraining(assistant, tmp_path):
    folder = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, folder)
    shutil.copytree(ROOT / "tests" / "fixtures" / "territoire-loir-luce-berce", folder / "loir-luce-berce")
    assert "Montval" not in (ROOT / "data" / "nlu" / "generated" / "connaissances.yml").read_text()  # unknown to the model
    live = LiveKnowledge(url=f"sqlite:///{assistant.db_path}")
    try:
        assert reload_from_files(folder, live)["ok"]
        answer = text(Conversation(assistant).say("bonjour j'habite à Montval-sur-Loir et je dois refaire ma carte grise"))
        assert "Carte grise" in answer and "près de chez vous (à Montval-sur-Loir)" in answer
        assert "France Services Loir-Lucé-Bercé" in answer and "Mayet" not in answer
    finally:
        db.save(load_directory(KNOWLEDGE), live.engine, "tests")


def test_no_store_and_no_log_keeps_a_personal_number_after_a_conversation(assistant):
    chat = Conversation(assistant)
    for message in ("bonjour, ma carte vitale est perdue, mon numero de secu est 1 85 05 72 191 005 42",
                    "mon iban FR76 3000 6000 0112 3456 7890 189 pour le remboursement",
                    "06 12 34 56 78", "+33 (0)7 98 76 54 32", "ecrivez moi a jean.dupont@example.org",
                    "ou marie point durand at gmail point com", "j'habite a Mayet"):
        chat.say(message)
    with urllib.request.urlopen(f"{assistant.url}/conversations/{chat.sender}/tracker?token={API_TOKEN}", timeout=30) as response:
        tracker = response.read().decode()
    assert "Mayet" in tracker  # the conversation is there, its personal numbers are not
    stores = {"conversation": tracker, "knowledge and activity DB": assistant.db_path.read_bytes().decode("utf-8", "replace")}
    stores |= {path.name: path.read_text(errors="replace") for path in assistant.logs.iterdir() if path.is_file()}
    for name, content in stores.items():
        for personal in ("191 005", "3456 7890", "34 56 78", "76 54 32", "dupont", "durand"):
            assert personal not in content, (name, personal)


def test_a_malformed_request_gets_a_400_in_french_and_never_a_500(assistant):
    for body in (b"null", b"[]", b"{", b"", b'{"sender": "x", "message": 12}', b'{"sender": null, "message": "bonjour"}',
                 b'{"message": "sans sender"}', b'{"sender": "x", "message": "a", "metadata": "pas un objet"}'):
        request = urllib.request.Request(assistant.url + "/webhooks/rest/webhook", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400 and "objet JSON est attendu" in json.loads(refused.value.read())["erreur"], body


def test_both_servers_listen_on_the_loopback_only(assistant):
    def listening(port: int) -> set[str]:
        addresses = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in open(table).read().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    addresses.add(address)
        return addresses

    assert listening(assistant.actions_port) == {"0100007F"}  # 127.0.0.1 (rasa-sdk defaulted to 0.0.0.0)
    assert listening(assistant.rasa_port) == {"0100007F"}
