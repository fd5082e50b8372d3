"""The knowledge as the servers see it: read from the DB, rebuilt when a new load lands.

The action server and the console ask for `orientation()` on every request: a cheap query
on the last load's and the last national import's ids tells whether the DB changed since
the last read, so an administrator's `repere load` is used at once, without restart or
retraining.

The DB never decides whether a citizen gets an answer: the check runs on one background
thread (never more, whatever the number of requests waiting), a request waits for it at
most `wait` seconds, and when the DB is slow, hung or down the last knowledge read keeps
serving. Only a server that never read any knowledge answers « indisponible ».
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime

from sqlalchemy.engine import Engine

from bot import db
from bot.national import store as national
from bot.orientation import Orientation
from bot.schedule import PARIS

log = logging.getLogger(__name__)


def current_time() -> datetime:
    """Now in Europe/Paris, or the fixed instant of REPERE_NOW (tests, demos, benchmarks)."""
    fixed = os.environ.get("REPERE_NOW")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)
    return datetime.now(PARIS)


class LiveKnowledge:
    def __init__(self, url: str | None = None, engine: Engine | None = None, wait: float = 1.5, first_wait: float = 30.0):
        self.engine = engine or db.engine_for(url)
        self.wait, self.first_wait = wait, first_wait
        self._lock = threading.Lock()
        self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="repere-knowledge")
        self._check: Future | None = None
        self._load_id: tuple[int, int] | None = None
        self._orientation: Orientation | None = None
        self._national = None  # the national layer read last: re-read only when a national import lands

    def orientation(self) -> Orientation:
        """The Orientation of the DB's last load, or the last one read when the DB fails.

        Raises db.DatabaseUnavailable (in French) only when no knowledge was ever read."""
        with self._lock:
            if self._check is None or self._check.done():
                self._check = self._checker.submit(self._refresh)
            check, last = self._check, self._orientation
        try:
            return check.result(timeout=self.wait if last is not None else self.first_wait)
        except (db.DatabaseUnavailable, FutureTimeout) as error:
            if last is None:
                if isinstance(error, db.DatabaseUnavailable):
                    raise
                raise db.DatabaseUnavailable("base de connaissances injoignable (pas de réponse)") from None
            log.warning("knowledge DB unavailable, serving the last knowledge read: %s", error or "timeout")
            return last

    def _refresh(self) -> Orientation:
        load = db.last_load(self.engine)
        if load is None:
            raise db.DatabaseUnavailable("base de connaissances inaccessible ou vide")
        marker = (load.id, national.last_import(self.engine))  # a curated load or a national import
        if self._orientation is None or marker != self._load_id:
            if self._national is None or self._national.marker != marker[1]:
                self._national = national.read_layer(self.engine)
            orientation = Orientation(db.read(self.engine), national=self._national)
            with self._lock:
                self._orientation, self._load_id = orientation, marker
        return self._orientation
