"""The national layer as the readers hold it, and distances: no DB, no import code (the orientation core uses it)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bot.knowledge.schema import Commune, Coordonnees, Lieu

EARTH_KM = 6371.0


@dataclass
class NationalLayer:
    """Every France Services of the ANCT list and every commune, as knowledge entries."""

    lieux: dict[str, Lieu] = field(default_factory=dict)
    communes: dict[str, Commune] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # kind -> source label with its date
    marker: int = 0  # the last import's id: a new import rebuilds the readers' indexes


def distance_km(a: Coordonnees, b: Coordonnees) -> float:
    """Great-circle distance (haversine), as the crow flies."""
    dlat, dlon = math.radians(b.lat - a.lat), math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(math.radians(a.lat)) * math.cos(math.radians(b.lat)) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))
