"""Anonymous activity figures for the territory's partners.

One row per thing the assistant did: its date, theme, démarche, commune, the organisme it
suggested, whether the message was understood, whether a human contact was asked. Never the
text typed, never a conversation id: the rows cannot be traced back to a person.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Boolean, DateTime, Integer, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db import Base
from bot.schedule import PARIS

log = logging.getLogger(__name__)
_tables_ready: set[Engine] = set()


class Activite(Base):
    __tablename__ = "activite"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quand: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    theme: Mapped[str | None] = mapped_column(String(30))
    demarche: Mapped[str | None] = mapped_column(String(100))
    commune: Mapped[str | None] = mapped_column(String(5))  # INSEE code
    organisme: Mapped[str | None] = mapped_column(String(100))
    compris: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_humain: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass
class Event:
    theme: str | None = None
    demarche: str | None = None
    commune: str | None = None
    organisme: str | None = None
    compris: bool = True
    contact_humain: bool = False


def record(engine: Engine, event: Event, when: datetime | None = None) -> bool:
    """Stores one event; a failure is logged, never raised: the citizen's answer comes first."""
    try:
        if engine not in _tables_ready:  # once per engine, not on every answer
            Base.metadata.create_all(engine, tables=[Activite.__table__])
            _tables_ready.add(engine)
        with Session(engine) as session, session.begin():
            session.add(Activite(quand=when or datetime.now(timezone.utc), **vars(event)))
        return True
    except SQLAlchemyError as error:
        _tables_ready.discard(engine)  # a replaced DB file gets its table back at the next call
        log.warning("activity not recorded: %s", type(error).__name__)
        return False


class BackgroundRecorder:
    """Events written by one background thread: an answer never waits for the DB.

    A hung or slow DB fills a bounded queue; events beyond it are dropped with a warning
    (the figures lose a few rows, the citizen loses nothing)."""

    def __init__(self, engine: Engine, capacity: int = 1000):
        self.engine = engine
        self.pending: queue.Queue[tuple[Event, datetime]] = queue.Queue(capacity)
        self._writer = threading.Thread(target=self._write_forever, daemon=True, name="repere-activity")
        self._writer.start()

    def record(self, event: Event) -> None:
        try:
            self.pending.put_nowait((event, datetime.now(timezone.utc)))
        except queue.Full:
            log.warning("activity queue full (DB slow or down): one event dropped")

    def _write_forever(self) -> None:
        while True:
            event, when = self.pending.get()
            record(self.engine, event, when)
            self.pending.task_done()


def rows(engine: Engine, start: datetime, end: datetime) -> list[Activite]:
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Activite).where(Activite.quand >= start, Activite.quand < end).order_by(Activite.quand)))
    except SQLAlchemyError:
        return []


@dataclass
class MonthlyFigures:
    month: str  # "2026-11"
    total: int
    understood: int
    not_understood: int
    human_contact: int
    by_theme: list[tuple[str, int]]
    by_organisme: list[tuple[str, int]]


def monthly(engine: Engine, year: int, month: int) -> MonthlyFigures:
    start = datetime(year, month, 1, tzinfo=PARIS)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=PARIS)
    found = rows(engine, start, end)
    themes = Counter(r.theme for r in found if r.compris and r.theme)
    organismes = Counter(r.organisme for r in found if r.compris and r.organisme)
    return MonthlyFigures(
        month=f"{year}-{month:02d}", total=len(found), understood=sum(r.compris for r in found),
        not_understood=sum(not r.compris for r in found), human_contact=sum(r.contact_humain for r in found),
        by_theme=themes.most_common(), by_organisme=organismes.most_common())
