"""Time ranges and OpenStreetMap `opening_hours` checks, shared by the schema and the schedule engine.

Kept apart from `bot.schedule` so that the schema can validate hours without importing the
engine that evaluates them (no import circle).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, ParserError

PARIS = ZoneInfo("Europe/Paris")
_TIME_RANGE = re.compile(r"^\s*(\d{1,2})[h:](\d{2})?\s*-\s*(\d{1,2})[h:](\d{2})?\s*$")


def parse_time_range(text: str) -> tuple[str, str]:
    """'14h-17h', '9h30-12h', '14:00-17:00' -> ('14:00', '17:00'); ValueError in French."""
    m = _TIME_RANGE.match(str(text))
    if not m:
        raise ValueError(f"plage horaire « {text} » illisible : écrivez par exemple « 14h-17h » ou « 9h30-12h00 »")
    h1, m1, h2, m2 = int(m[1]), int(m[2] or 0), int(m[3]), int(m[4] or 0)
    if not (0 <= h1 <= 23 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60):
        raise ValueError(f"plage horaire « {text} » : heure impossible")
    if (h1, m1) >= (h2, m2):
        raise ValueError(f"plage horaire « {text} » : la fin doit être après le début")
    return f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"


def check_opening_hours(expression: str) -> None:
    """Raise ValueError (French) when an OSM expression does not parse."""
    try:
        OpeningHours(expression, timezone=PARIS, country="FR")
    except (ParserError, SyntaxError, ValueError) as error:
        first = str(error).strip().splitlines()
        detail = next((line.strip(" =") for line in first if line.strip().startswith("= expected")), "")
        raise ValueError(
            f"règle opening_hours « {expression} » illisible"
            + (f" ({detail.replace('= ', '')})" if detail else "")
            + " : voir https://wiki.openstreetmap.org/wiki/Key:opening_hours"
        ) from None
