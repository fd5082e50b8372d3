"""The knowledge as the servers see it: read from the DB, rebuilt when a new load lands.

The action server (and later the console) asks for `orientation()` on every request: a
cheap query on the last load's id tells whether the DB changed since the last read, so an
administrator's `repere load` is used at once, without restart or retraining.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime

from sqlalchemy.engine import Engine

from bot import db
from bot.orientation import Orientation
from bot.schedule import PARIS


def current_time() -> datetime:
    """Now in Europe/Paris, or the fixed instant of REPERE_NOW (tests, demos, benchmarks)."""
    fixed = os.environ.get("REPERE_NOW")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)
    return datetime.now(PARIS)


class LiveKnowledge:
    def __init__(self, url: str | None = None, engine: Engine | None = None):
        self.engine = engine or db.engine_for(url)
        self._lock = threading.Lock()
        self._load_id: int | None = None
        self._orientation: Orientation | None = None

    def orientation(self) -> Orientation:
        """The Orientation of the DB's last load; raises db.DatabaseUnavailable in French."""
        load = db.last_load(self.engine)
        if load is None:
            raise db.DatabaseUnavailable("base de connaissances inaccessible ou vide")
        with self._lock:
            if self._orientation is None or load.id != self._load_id:
                self._orientation = Orientation(db.read(self.engine))
                self._load_id = load.id
            return self._orientation
