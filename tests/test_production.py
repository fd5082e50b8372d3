"""The production mode (bot/production.py) on its real parts: PostgreSQL, Redis, two Rasa
replicas and two action servers behind nginx, under one supervisor. Faults are injected for
real: kill -9 of a replica in the middle of conversations, PostgreSQL stopped and restarted."""

import json
import os
import shutil
import signal
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.assistant import ENGINE, ensure_model
from conftest import KNOWLEDGE, NOW

pytestmark = pytest.mark.skipif(not ENGINE.exists() or not shutil.which("nginx", path="/usr/sbin:/usr/bin"),
                                reason="mode production absent : « make test » l'installe (scripts/setup.sh production)")


@pytest.fixture(scope="module")
def production():
    from bot.production import Production
    base = Path(tempfile.mkdtemp(prefix="repere-production-"))
    base.chmod(0o755)  # PostgreSQL runs as the user postgres
    model, _ = ensure_model()
    server = Production(model, port=5505, actions_port=5555, pg_port=54339, redis_port=63799, console_port=None, base=base,
                        knowledge=KNOWLEDGE, env={"REPERE_NOW": NOW.replace(tzinfo=None).isoformat()})
    server.start()
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


def say(server, sender: str, message: str) -> tuple[int, str]:
    request = urllib.request.Request(server.url + "/webhooks/rest/webhook", method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"sender": sender, "message": message}).encode())
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, "\n".join(m.get("text", "") for m in json.loads(response.read()))
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_conversations_go_on_with_their_history_when_a_replica_is_killed(production):
    senders = [f"prod-{uuid.uuid4().hex[:8]}" for _ in range(20)]
    with ThreadPoolExecutor(10) as pool:
        first = list(pool.map(lambda s: say(production, s, "je dois refaire ma carte d'identité"), senders))
        assert all(status == 200 and "ANTS" in answer for status, answer in first), first[:2]
        killed = production.pid("rasa-1")
        os.kill(killed, signal.SIGKILL)
        second = list(pool.map(lambda s: say(production, s, "j'habite a Mayet"), senders))
    for status, answer in second:  # the need of the first turn, kept by the other replica
        assert status == 200 and "Mairie de Mayet" in answer and "Carte d'identité" in answer, answer
    for _ in range(240):  # the supervisor brings the killed replica back
        info = production.control().getProcessInfo("rasa-1")
        if info["statename"] == "RUNNING" and info["pid"] != killed:
            break
        time.sleep(0.5)
    assert production.pid("rasa-1") != killed


def test_postgresql_stopped_gives_the_national_contact_and_everything_recovers_by_itself(production):
    sender = f"prod-{uuid.uuid4().hex[:8]}"
    assert "ANTS" in say(production, sender, "je dois refaire ma carte d'identité")[1]
    control = production.control()
    control.stopProcess("postgresql")
    try:
        during = [say(production, f"prod-{uuid.uuid4().hex[:8]}", "carte vitale perdue") for _ in range(3)]
    finally:
        control.startProcess("postgresql")
    assert all(status == 200 and "39 39" in answer for status, answer in during), during
    for _ in range(60):  # pooled connections to the old server are replaced by themselves
        status, answer = say(production, sender, "j'habite a Mayet")
        if "Mairie de Mayet" in answer:
            break
        time.sleep(1)
    assert status == 200 and "Mairie de Mayet" in answer and "Carte d'identité" in answer  # its history survived


def test_a_huge_body_is_answered_at_the_proxy_in_french(production):
    status, answer = say(production, "prod-huge", "a" * 100_000)
    assert status == 200 and "trop long" in answer


def test_action_servers_down_distress_and_human_contact_are_still_answered(production):
    from bot.assistant import wait_until_up
    control = production.control()
    for i in range(1, production.action_servers + 1):
        control.stopProcess(f"actions-{i}")
    try:
        distress = say(production, f"prod-{uuid.uuid4().hex[:8]}", "mon mari me frappe")
        contact = say(production, f"prod-{uuid.uuid4().hex[:8]}", "je veux parler à un conseiller")
    finally:
        for i in range(1, production.action_servers + 1):
            control.startProcess(f"actions-{i}")
    assert distress[0] == 200 and "3919" in distress[1].splitlines()[0] and "112" in distress[1], distress
    assert contact[0] == 200 and "39 39" in contact[1] and "momentanément indisponible" in contact[1], contact
    for i in range(1, production.action_servers + 1):
        wait_until_up(f"http://127.0.0.1:{production.action_port(i)}/pret", 180)
    status, answer = say(production, f"prod-{uuid.uuid4().hex[:8]}", "je dois refaire ma carte d'identité")
    assert status == 200 and "ANTS" in answer  # back to full answers by themselves
