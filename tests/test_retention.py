"""The purge of idle conversations in the production conversation store (bot/retention.py),
on the same `events` table as Rasa's SQL tracker store, with SQLite and PostgreSQL."""

import pytest
from sqlalchemy import text

from bot import db, retention

NOW = 2_000_000_000.0


def store_with_conversations(engine, last_seen: dict[str, float]) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS events"))
        connection.execute(text("DROP TABLE IF EXISTS conversation_activity"))
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, data TEXT)"))
        connection.execute(text("CREATE INDEX ix_events_sender_id ON events (sender_id)"))
        retention.create_tables(connection)
        for i, (sender, seen) in enumerate(last_seen.items()):
            connection.execute(text("INSERT INTO events (id, sender_id, data) VALUES (:i, :s, '{}')"), {"i": i, "s": sender})
            retention.seen(connection, sender, seen)


def remaining(engine) -> tuple[list[str], list[str]]:
    with engine.connect() as connection:
        events = [r[0] for r in connection.execute(text("SELECT DISTINCT sender_id FROM events ORDER BY sender_id"))]
        activity = [r[0] for r in connection.execute(text("SELECT sender_id FROM conversation_activity ORDER BY sender_id"))]
    return events, activity


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'conversations.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    return db.engine_for(url)


def test_only_conversations_idle_longer_than_the_retention_are_forgotten(engine):
    store_with_conversations(engine, {"oubliee": NOW - 61 * 60, "aussi": NOW - 3 * 3600, "active": NOW - 59 * 60, "neuve": NOW})
    assert retention.purge(engine, retention_minutes=60, now=NOW) == 2
    assert remaining(engine) == (["active", "neuve"], ["active", "neuve"])
    assert retention.purge(engine, retention_minutes=60, now=NOW) == 0


def test_the_purge_works_in_batches(engine):
    store_with_conversations(engine, {f"c{i:04d}": NOW - 7200 - i for i in range(1203)} | {"active": NOW})
    assert retention.purge(engine, now=NOW, batch=500) == 1203
    assert remaining(engine) == (["active"], ["active"])


def test_idle_conversations_are_found_through_the_index_on_last_activity(pg_url):
    engine = db.engine_for(pg_url)
    store_with_conversations(engine, {"a": NOW})
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: ask whether the index can serve
        plan = "\n".join(r[0] for r in connection.execute(text("EXPLAIN " + retention.IDLE.text),
                                                           {"cutoff": NOW, "batch": 500}))
    assert "conversation_activity_last_seen" in plan
