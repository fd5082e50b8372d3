"""Rasa's SQL tracker store as the production mode uses it (engine/tracker_store.py), on a real
PostgreSQL, in the engine's venv."""

import json
import subprocess

import pytest
from sqlalchemy import text

from bot import db, retention
from bot.privacy import MASK
from conftest import ROOT

ENGINE = ROOT / ".venv-engine" / "bin" / "python"
pytestmark = pytest.mark.skipif(not ENGINE.exists(), reason="venv moteur absent : « make test » l'installe")

SCRIPT = """
import asyncio, json, sys
from urllib.parse import urlsplit
from sqlalchemy import event
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from engine import tracker_store

url = urlsplit(sys.argv[1])
store = tracker_store.PrivateSQLTrackerStore(Domain.empty(), dialect="postgresql", host=url.hostname, port=url.port,
                                             db=url.path.lstrip("/"), username=url.username)
commits = []
event.listen(store.engine, "commit", lambda connection: commits.append(1))

async def main():
    tracker = DialogueStateTracker("citoyen-sql", [])
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("carte vitale, mon tel 06 12 34 56 78", {"name": "sante"}))
    await store.save(tracker)
    saved_with = len(commits)
    tracker.update(UserUttered("et c'est où ?"))
    await store.save(tracker)
    again = await store.retrieve("citoyen-sql")
    print(json.dumps({"commits_per_save": [saved_with, len(commits) - saved_with],
                      "texts": [e.text for e in again.events if isinstance(e, UserUttered)]}))

asyncio.run(main())
"""


def test_a_turn_is_stored_in_one_commit_masked_with_its_activity(pg_url):
    engine = db.engine_for(pg_url)
    with engine.begin() as connection:
        for table in ("events", "conversation_activity"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
        retention.create_tables(connection)
    done = subprocess.run([str(ENGINE), "-c", SCRIPT, pg_url], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["commits_per_save"] == [1, 1]  # events and last activity together
    assert outcome["texts"] == [f"carte vitale, mon tel {MASK}", "et c'est où ?"]
    with engine.connect() as connection:
        activity = connection.execute(text("SELECT count(*) FROM conversation_activity WHERE sender_id = 'citoyen-sql'")).scalar()
        stored = " ".join(r[0] for r in connection.execute(text("SELECT data FROM events WHERE sender_id = 'citoyen-sql'")))
    assert activity == 1
    assert "06 12 34 56 78" not in stored
