"""The knowledge DB (SQLAlchemy 2): SQLite file by default, PostgreSQL by URL.

A load replaces the whole knowledge in one transaction: readers see either the previous
knowledge or the new one, never a mix, and a failed load leaves the previous one serving.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, create_engine, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import NullPool

from bot.knowledge import schema as s
from bot.knowledge.loader import Knowledge, load_directory

DEFAULT_URL = "sqlite:///var/repere.db"
CONNECT_TIMEOUT = 3  # seconds
STATEMENT_TIMEOUT = 10  # seconds; a load of the whole knowledge takes well under one
_MODELS = {
    "organismes": s.Organisme,
    "demarches": s.Demarche,
    "territoires": s.Territoire,
    "lieux": s.Lieu,
    "permanences": s.Permanence,
    "communes": s.Commune,
}


class DatabaseUnavailable(Exception):
    """The knowledge DB cannot be read: the message is French, for the user."""


class Base(DeclarativeBase):
    pass


class Chargement(Base):
    """One successful load: when, from where, how many entries."""

    __tablename__ = "chargement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    charge_le: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(500))
    entrees: Mapped[int] = mapped_column(Integer)


class Entree(Base):
    """One validated knowledge entry, stored as the JSON of its schema model."""

    __tablename__ = "entree"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    territoire: Mapped[str | None] = mapped_column(String(100), index=True)
    fichier: Mapped[str] = mapped_column(String(300))
    ligne: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    chargement_id: Mapped[int] = mapped_column(ForeignKey("chargement.id"))


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("REPERE_DB") or DEFAULT_URL


def engine_for(url: str | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):  # no pooled handle: a moved, deleted or replaced file is seen at once
        return create_engine(url, future=True, poolclass=NullPool, connect_args={"timeout": STATEMENT_TIMEOUT})
    # A restarted server is seen at once (pre-ping); a hung one fails in seconds instead of blocking.
    return create_engine(url, future=True, pool_pre_ping=True, pool_timeout=CONNECT_TIMEOUT, connect_args={
        "connect_timeout": CONNECT_TIMEOUT, "options": f"-c statement_timeout={STATEMENT_TIMEOUT * 1000}"})


def save(knowledge: Knowledge, engine: Engine, source: str) -> int:
    """Replace the DB's knowledge atomically; returns the number of entries written."""
    Base.metadata.create_all(engine)
    rows = []
    for kind in Knowledge.KINDS:
        for key, entry in knowledge.entries(kind).items():
            file, line = knowledge.origins.get((kind, key), ("", 0))
            lieu = key if kind == "lieux" else entry.lieu if kind == "permanences" else None
            territoire = knowledge.lieu_territoire.get(lieu) if lieu else None
            rows.append(dict(kind=kind, key=key, territoire=territoire, fichier=file, ligne=line, data=entry.model_dump(mode="json", exclude_defaults=True)))
    with Session(engine) as session, session.begin():
        load = Chargement(charge_le=datetime.now(timezone.utc), source=source, entrees=len(rows))
        session.add(load)
        session.flush()
        session.execute(delete(Entree))
        session.add_all(Entree(chargement_id=load.id, **row) for row in rows)
    return len(rows)


def check_and_save(directory: str | Path, engine: Engine) -> int:
    """`repere load` and the console's reload: check every file, then replace the DB's knowledge.

    Raises KnowledgeInvalid (nothing written) or DatabaseUnavailable (rolled back): either
    way the previous knowledge keeps serving.
    """
    knowledge = load_directory(directory)
    try:
        return save(knowledge, engine, str(Path(directory).resolve()))
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(f"écriture en base impossible ({type(error).__name__}) : "
                                  "la base garde les connaissances précédentes") from None


def read(engine: Engine) -> Knowledge:
    """The knowledge of the last successful load."""
    try:
        with Session(engine) as session:
            entries = session.scalars(select(Entree)).all()
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(f"base de connaissances inaccessible ({type(error).__name__}) : lancez « repere load »") from None
    if not entries:
        raise DatabaseUnavailable("base de connaissances vide : lancez « repere load »")
    knowledge = Knowledge()
    for row in entries:
        try:
            knowledge.entries(row.kind)[row.key] = _MODELS[row.kind].model_validate(row.data)
        except ValidationError:
            raise DatabaseUnavailable(
                f"la base a été chargée avec une version précédente du schéma ({row.kind} « {row.key} » "
                "n'est plus valide) : relancez « repere load »"
            ) from None
        knowledge.origins[(row.kind, row.key)] = (row.fichier, row.ligne)
        if row.kind == "lieux" and row.territoire:
            knowledge.lieu_territoire[row.key] = row.territoire
    return knowledge


def last_load(engine: Engine) -> Chargement | None:
    try:
        with Session(engine) as session:
            return session.scalars(select(Chargement).order_by(Chargement.id.desc()).limit(1)).first()
    except SQLAlchemyError:
        return None
