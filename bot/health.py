"""Knowledge health, for administrators: what is wrong, unconfirmed, stale or missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.knowledge.loader import Knowledge, KnowledgeError, KnowledgeInvalid, load_directory
from bot.knowledge.sources import Unverified, not_verified_since
from bot.orientation import Orientation

STALE_DAYS = 365  # as `repere check --perime 365`
HORIZON = timedelta(days=60)


@dataclass
class Entry:
    kind: str
    key: str
    label: str
    file: str
    line: int
    detail: str = ""


@dataclass
class Health:
    errors: list[KnowledgeError] = field(default_factory=list)  # of the files on disk, now
    to_confirm: list[Entry] = field(default_factory=list)
    stale: list[Unverified] = field(default_factory=list)  # not verified for STALE_DAYS, or never
    no_slot: list[Entry] = field(default_factory=list)
    no_france_services: list[Entry] = field(default_factory=list)


def _label(entry) -> str:
    return getattr(entry, "nom", None) or getattr(entry, "titre", None) or getattr(entry, "id", "")


def check_files(directory: Path) -> list[KnowledgeError]:
    try:
        load_directory(directory)
    except KnowledgeInvalid as invalid:
        return invalid.errors
    return []


def health(directory: Path, knowledge: Knowledge, now: datetime) -> Health:
    """`knowledge` is what is served (the DB); `directory` is what an administrator edits."""
    report = Health(errors=check_files(directory), stale=not_verified_since(knowledge, now.date(), STALE_DAYS))
    orientation = Orientation(knowledge)
    for kind in ("organismes", "demarches", "lieux", "permanences", "territoires"):
        for key, entry in knowledge.entries(kind).items():
            detail = entry.to_confirm()
            if detail:
                file, line = knowledge.origins.get((kind, key), ("", 0))
                report.to_confirm.append(Entry(kind, key, _label(entry), file, line, detail))
    for key, perm in knowledge.permanences.items():
        schedule = orientation.schedule_of(perm)
        if schedule.computable and not schedule.slots_between(now, now + HORIZON):
            file, line = knowledge.origins.get(("permanences", key), ("", 0))
            label = f"{knowledge.organismes[perm.organisme].nom} — {knowledge.lieux[perm.lieu].nom}"
            report.no_slot.append(Entry("permanences", key, label, file, line, "aucune séance dans les 60 prochains jours"))
    for key, commune in knowledge.communes.items():
        if not commune.france_services or commune.france_services not in knowledge.lieux:
            file, line = knowledge.origins.get(("communes", key), ("", 0))
            report.no_france_services.append(Entry("communes", key, commune.nom, file, line, "aucune France Services rattachée"))
    return report
