"""Rasa's tracker stores, with personal numbers masked and a bounded retention: in memory
(the embedded default, `make run`) and SQL (production mode, PostgreSQL).

Rasa keeps every conversation it sees. Before a tracker is stored, the citizen's typed texts
go through bot.privacy.redact (the NLU and the actions of the turn have already used them);
conversations idle for longer than `retention_minutes` are forgotten. The idle ones are found
from an index of last activity ordered by time, so a save costs the same with 10 or 10,000
stored conversations (it used to parse every stored conversation on every save).
Configured in endpoints.yml: `tracker_store: {type: engine.tracker_store.PrivateTrackerStore}`,
and in endpoints-production.yml: `engine.tracker_store.PrivateSQLTrackerStore`.
"""

import json
import time
from collections import OrderedDict
from typing import Any, Iterator, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import SQLAlchemyError

from bot import retention
from bot.privacy import redact


class PrivateTrackerStore(InMemoryTrackerStore):
    def __init__(self, domain: Domain, event_broker: Optional[EventBroker] = None, retention_minutes: float = 60,
                 **kwargs: Any) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.retention_seconds = float(retention_minutes) * 60
        self.last_seen: "OrderedDict[str, float]" = OrderedDict()  # sender id -> last save, oldest first

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        stored = json.loads(self.store[tracker.sender_id])
        for event in stored.get("events", []):
            if event.get("event") == "user" and event.get("text"):
                event["text"] = redact(event["text"])
                if isinstance(event.get("parse_data"), dict) and event["parse_data"].get("text"):
                    event["parse_data"]["text"] = redact(event["parse_data"]["text"])
        self.store[tracker.sender_id] = json.dumps(stored)
        now = time.time()
        self.last_seen[tracker.sender_id] = now
        self.last_seen.move_to_end(tracker.sender_id)
        self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        while self.last_seen:
            sender_id, seen = next(iter(self.last_seen.items()))
            if now - seen <= self.retention_seconds:
                break
            del self.last_seen[sender_id]
            self.store.pop(sender_id, None)


class ConversationStoreUnavailable(BaseException):
    """The production conversation store cannot be read or written.

    A BaseException on purpose: Rasa wraps every tracker store in a FailSafeTrackerStore that
    catches any Exception and carries on with an empty in-memory conversation, silently losing
    the history. This goes through it to the channel (engine/channels.py), which answers with
    the national contact and logs the failure loudly."""


class PrivateSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store (production mode, PostgreSQL), with the citizen's texts masked
    before they are written and each conversation's last activity recorded for the purge
    (bot/retention.py). Configured in endpoints-production.yml."""

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        try:
            return await super().retrieve(sender_id)
        except SQLAlchemyError as error:
            raise ConversationStoreUnavailable(f"conversation store unreadable: {type(error).__name__}") from None

    async def save(self, tracker: DialogueStateTracker) -> None:
        for event in tracker.events:
            if isinstance(event, UserUttered) and event.text:
                event.text = redact(event.text)
                if event.parse_data.get("text"):
                    event.parse_data["text"] = redact(event.parse_data["text"])
        try:
            await super().save(tracker)
        except SQLAlchemyError as error:
            raise ConversationStoreUnavailable(f"conversation store unwritable: {type(error).__name__}") from None

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """Called by Rasa's save in its transaction: the last activity is written in the same
        commit as the events (one commit per turn, not two)."""
        retention.seen(session.connection(), tracker.sender_id)
        return super()._additional_events(session, tracker)

