"""Schedule engine: French schedule fields -> OpenStreetMap `opening_hours` -> real slots.

The recurrence itself (ISO week parity, n-th weekday, French public holidays, date ranges)
is evaluated by opening-hours-py; this module only compiles the administrators' fields into
that standard and turns its intervals into slots in Europe/Paris time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from opening_hours import OpeningHours, State

from bot.knowledge.hours import PARIS, parse_time_range  # noqa: F401 - PARIS is re-exported
from bot.knowledge.schema import Fermeture, Horaires
_OSM_DAYS = {"lundi": "Mo", "mardi": "Tu", "mercredi": "We", "jeudi": "Th", "vendredi": "Fr", "samedi": "Sa", "dimanche": "Su"}
_OSM_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FAR_FUTURE = date(2099, 12, 31)
_FAR_PAST = date(2000, 1, 1)
_JOURS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MOIS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")


@dataclass(frozen=True)
class Slot:
    debut: datetime
    fin: datetime
    note: str = ""

    def label(self) -> str:
        """'jeudi 26 novembre 2026, 14h-17h' (French, for citizens)."""
        return f"{format_day(self.debut.date())}, {format_hour(self.debut)}-{format_hour(self.fin)}"


def format_date(day: date) -> str:
    """« 1er août 2024 »."""
    return f"{'1er' if day.day == 1 else day.day} {MOIS_FR[day.month - 1]} {day.year}"


def format_day(day: date) -> str:
    return f"{_JOURS_FR[day.weekday()]} {format_date(day)}"


def format_hour(moment: datetime) -> str:
    return f"{moment.hour}h" if moment.minute == 0 else f"{moment.hour}h{moment.minute:02d}"


def _osm_date(day: date) -> str:
    return f"{day.year} {_OSM_MONTHS[day.month - 1]} {day.day:02d}"


def _osm_hours(ranges: list[str]) -> str:
    return ",".join("-".join(parse_time_range(item)) for item in ranges)


def _quote(note: str) -> str:
    return '"' + note.replace('"', "'") + '"'


def compile_horaires(horaires: Horaires, extra_closures: list[Fermeture] | tuple = ()) -> str | None:
    """The OSM `opening_hours` string equivalent to the French fields; None for a text alone.

    Rules are joined with the additional-rule separator `,` so that two rules on the same
    day add up; holidays, closures, cancelled and extra sessions follow as overriding rules,
    in that order (an extra session on a closed day is therefore honoured).
    """
    validity = ""
    if horaires.du or horaires.au:
        validity = f"{_osm_date(horaires.du or _FAR_PAST)}-{_osm_date(horaires.au or _FAR_FUTURE)}: "
    if not (horaires.regles or horaires.opening_hours):
        return None  # known only as a text: no date is ever computed from it
    note = f" {_quote(horaires.note)}" if horaires.note else ""
    if horaires.opening_hours:
        parts = [f"{validity}{horaires.opening_hours}" if validity else horaires.opening_hours]
    else:
        rules = []
        for regle in horaires.regles or []:
            days = ",".join(
                _OSM_DAYS[j] + (f"[{','.join(str(r) for r in regle.rangs)}]" if regle.rangs else "") for j in regle.jours
            )
            week = {"toutes": "", "paires": "week 2-52/2 ", "impaires": "week 1-53/2 "}[regle.semaines]
            rule_note = f" {_quote(regle.note)}" if regle.note else note
            rules.append(f"{validity}{week}{days} {_osm_hours(regle.heures)}{rule_note}")
        parts = [", ".join(rules)]
    if horaires.jours_feries == "fermé":
        parts.append("PH off")
    for fermeture in [*horaires.fermetures, *extra_closures]:
        parts.append(f"{_osm_date(fermeture.du)}-{_osm_date(fermeture.au)} off")
    for day in horaires.sauf:
        parts.append(f"{_osm_date(day)} off")
    for ajout in horaires.en_plus:
        extra_note = ajout.note or horaires.note
        parts.append(f"{_osm_date(ajout.date)} {_osm_hours(ajout.heures)}" + (f" {_quote(extra_note)}" if extra_note else ""))
    return "; ".join(parts)


@lru_cache(maxsize=4096)
def _parsed(expression: str) -> OpeningHours:
    return OpeningHours(expression, timezone=PARIS, country="FR")


class Schedule:
    """A compiled schedule. Instants without a timezone are taken as Europe/Paris.

    A schedule known only as a text (expression None) has no slot at all.
    """

    def __init__(self, expression: str | None, text: str | None = None):
        self.expression = expression
        self.text = text
        self._oh = _parsed(expression) if expression else None

    @classmethod
    def from_horaires(cls, horaires: Horaires, extra_closures: list[Fermeture] | tuple = ()) -> "Schedule":
        return cls(compile_horaires(horaires, tuple(extra_closures)), horaires.texte)

    @property
    def computable(self) -> bool:
        """Whether dates can be computed (False for a schedule known only as a text)."""
        return self._oh is not None

    def slots_between(self, start: datetime, end: datetime) -> list[Slot]:
        if self._oh is None:
            return []
        start, end = _aware(start), _aware(end)
        slots: list[Slot] = []
        for begin, finish, state, comment in self._oh.intervals(start, end):
            if state != State.OPEN:
                continue
            begin, finish = begin.astimezone(PARIS), (finish or end).astimezone(PARIS)
            if slots and slots[-1].fin == begin and slots[-1].note == comment:
                slots[-1] = Slot(slots[-1].debut, finish, comment)  # an interval cut at midnight
            else:
                slots.append(Slot(begin, finish, comment))
        return slots

    def next_slots(self, after: datetime, count: int = 3, horizon_days: int = 400) -> list[Slot]:
        """The next `count` sessions that have not ended at `after` (a running one counts)."""
        if self._oh is None:
            return []
        after = _aware(after)
        window_start = after.replace(hour=0, minute=0, second=0, microsecond=0)
        limit = after + timedelta(days=horizon_days)
        found: list[Slot] = []
        while len(found) < count and window_start < limit:
            window_end = min(window_start + timedelta(days=62), limit)
            for slot in self.slots_between(window_start, window_end):
                if found and found[-1].fin == slot.debut and found[-1].note == slot.note:
                    found[-1] = Slot(found[-1].debut, slot.fin, slot.note)  # cut by the window edge
                elif slot.fin > after:
                    found.append(slot)
            window_start = window_end
        return found[:count]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment.astimezone(PARIS)
