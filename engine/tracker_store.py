"""Rasa's in-memory tracker store, with personal numbers masked and a bounded retention.

Rasa keeps every conversation it sees. Before a tracker is stored, the citizen's typed texts
go through bot.privacy.redact (the NLU and the actions of the turn have already used them);
conversations idle for longer than `retention_minutes` are forgotten.
Configured in endpoints.yml: `tracker_store: {type: engine.tracker_store.PrivateTrackerStore}`.
"""

import json
import time
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import redact


class PrivateTrackerStore(InMemoryTrackerStore):
    def __init__(self, domain: Domain, event_broker: Optional[EventBroker] = None, retention_minutes: float = 60,
                 **kwargs: Any) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.retention_seconds = float(retention_minutes) * 60

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        stored = json.loads(self.store[tracker.sender_id])
        for event in stored.get("events", []):
            if event.get("event") == "user" and event.get("text"):
                event["text"] = redact(event["text"])
                if isinstance(event.get("parse_data"), dict) and event["parse_data"].get("text"):
                    event["parse_data"]["text"] = redact(event["parse_data"]["text"])
        self.store[tracker.sender_id] = json.dumps(stored)
        self._forget_idle(now=time.time())

    def _forget_idle(self, now: float) -> None:
        for sender_id in list(self.store):
            events = json.loads(self.store[sender_id]).get("events") or [{}]
            if now - (events[-1].get("timestamp") or now) > self.retention_seconds:
                del self.store[sender_id]
