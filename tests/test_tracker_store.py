"""The conversation store Rasa uses (engine/tracker_store.py), run in the engine's own venv."""

import json
import subprocess

import pytest

from conftest import ROOT

ENGINE = ROOT / ".venv-engine" / "bin" / "python"
pytestmark = pytest.mark.skipif(not ENGINE.exists(), reason="venv moteur absent : « make test » l'installe")

SCRIPT = """
import asyncio, json
from unittest import mock
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from engine import tracker_store

clock = [1_000_000.0]
store = tracker_store.PrivateTrackerStore(Domain.empty(), retention_minutes=60)

async def say(sender, text):
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, [])
    tracker.update(UserUttered(text))
    await store.save(tracker)

async def main():
    real, parsed = json.loads, []
    with mock.patch.object(tracker_store.time, "time", lambda: clock[0]):
        for i in range(2000):
            await say(f"ancien-{i}", "bonjour")
        await say("fidele", "bonjour")
        clock[0] += 30 * 60
        await say("fidele", "toujours là")
        with mock.patch.object(tracker_store.json, "loads", lambda s: parsed.append(1) or real(s)):
            await say("nouveau", "carte vitale, mon tel 06 12 34 56 78")
        clock[0] += 31 * 60
        await say("tardif", "bonjour")
    print(json.dumps({"parses_in_one_save": len(parsed), "kept": sorted(store.store),
                      "nouveau": [e.get("text") for e in json.loads(store.store["nouveau"])["events"] if e["event"] == "user"]}))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def outcome():
    done = subprocess.run([str(ENGINE), "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_save_does_not_read_the_other_stored_conversations(outcome):
    assert outcome["parses_in_one_save"] == 1  # its own conversation, to mask it; not the 2,001 others


def test_idle_conversations_are_forgotten_and_active_ones_kept(outcome):
    assert outcome["kept"] == ["fidele", "nouveau", "tardif"]


def test_personal_numbers_are_masked_before_storage(outcome):
    assert outcome["nouveau"] == ["carte vitale, mon tel [donnée personnelle masquée]"]
