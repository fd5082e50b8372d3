"""How long a conversation is kept in the production conversation store (Rasa's SQL tracker
store on PostgreSQL), and the purge that forgets the idle ones.

The store records each conversation's last activity in `conversation_activity`, indexed by
time: the purge finds the idle conversations through that index and deletes their events
through Rasa's index on `events.sender_id`, so its cost follows what it deletes, not how many
conversations are stored. Plain SQL through SQLAlchemy: the engine's venv (SQLAlchemy 1.4)
writes the activity, the app's (2.x) purges.
"""

from __future__ import annotations

import time

from sqlalchemy import bindparam, text

RETENTION_MINUTES = 60
CREATE = (
    "CREATE TABLE IF NOT EXISTS conversation_activity (sender_id VARCHAR(255) PRIMARY KEY, last_seen DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS conversation_activity_last_seen ON conversation_activity (last_seen)",
)
SEEN = text("INSERT INTO conversation_activity (sender_id, last_seen) VALUES (:sender_id, :now) "
            "ON CONFLICT (sender_id) DO UPDATE SET last_seen = excluded.last_seen")
IDLE = text("SELECT sender_id FROM conversation_activity WHERE last_seen < :cutoff ORDER BY last_seen LIMIT :batch")
FORGET_EVENTS = text("DELETE FROM events WHERE sender_id IN :ids").bindparams(bindparam("ids", expanding=True))
FORGET = text("DELETE FROM conversation_activity WHERE sender_id IN :ids AND last_seen < :cutoff").bindparams(
    bindparam("ids", expanding=True))


def create_tables(connection) -> None:
    for statement in CREATE:
        connection.execute(text(statement))


def seen(connection, sender_id: str, now: float | None = None) -> None:
    connection.execute(SEEN, {"sender_id": sender_id, "now": time.time() if now is None else now})


def purge(engine, retention_minutes: float = RETENTION_MINUTES, now: float | None = None, batch: int = 500) -> int:
    """Forgets the conversations idle for longer than the retention; returns how many."""
    cutoff = (time.time() if now is None else now) - retention_minutes * 60
    forgotten = 0
    with engine.begin() as connection:  # once per purge, not per batch
        create_tables(connection)
    while True:
        with engine.begin() as connection:
            idle = [row[0] for row in connection.execute(IDLE, {"cutoff": cutoff, "batch": batch})]
            if idle:
                connection.execute(FORGET_EVENTS, {"ids": idle})
                connection.execute(FORGET, {"ids": idle, "cutoff": cutoff})
        forgotten += len(idle)
        if len(idle) < batch:
            return forgotten
