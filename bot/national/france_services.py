"""The ANCT's national list of France Services (CSV) -> one knowledge `lieu` per structure.

Each structure keeps its id_fs, address, coordinates, phone, e-mail, format and whether
appointments can be booked; its per-day hours become an OSM `opening_hours` rule. The free
`commentaire` (itinerant rounds, permanences in other communes) is kept verbatim, to be shown
« à confirmer », never turned into slots. What cannot be imported as is (a "00:00 - 00:00"
placeholder, no hours, no phone, a range that ends before it starts) is reported with its
line and id_fs: a placeholder is never imported as an opening.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.knowledge.schema import Lieu

SOURCE = "ANCT, liste des structures France Services"
_DAYS = (("h_lundi", "Mo", "lundi"), ("h_mardi", "Tu", "mardi"), ("h_mercredi", "We", "mercredi"),
         ("h_jeudi", "Th", "jeudi"), ("h_vendredi", "Fr", "vendredi"), ("h_samedi", "Sa", "samedi"))
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_COLUMNS = {"id_fs", "lib_fs", "adresse", "code_postal", "insee_com", "lib_com", "latitude", "longitude", "telephone"}
_FORMATS = {"Fixe": "fixe", "Multisites": "multisites", "Bus_équivalent": "bus", "Fixe_antenne(s)": "fixe avec antennes",
            "Itinérante": "itinérante"}


@dataclass(frozen=True)
class Problem:
    line: int  # 0 when the source has no lines (the geographic code's JSON)
    id_fs: str  # the row's key: an id_fs, or an INSEE code
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} (id_fs {self.id_fs}) : {self.message}" if self.line else f"{self.id_fs} : {self.message}"


class ListUnreadable(Exception):
    """The file is not the ANCT list: French message for the administrator."""


def source_label(dated: str) -> str:
    """« ANCT, liste des structures France Services, 1er août 2024 »: the mention the licence requires."""
    return f"{SOURCE}, {dated}"


def lieu_id(id_fs: str) -> str:
    return f"fs-anct-{id_fs}"


def _day_rule(value: str, osm_day: str, day: str, line: int, id_fs: str, problems: list[Problem]) -> str | None:
    ranges = []
    for part in value.split("/"):
        m = _RANGE.match(part)
        if not m:
            problems.append(Problem(line, id_fs, f"horaire du {day} « {value} » illisible : jour ignoré"))
            return None
        start, end = (int(m[1]), int(m[2])), (int(m[3]), int(m[4]))
        if start == end == (0, 0):
            problems.append(Problem(line, id_fs, f"horaire du {day} « 00:00 - 00:00 » (valeur par défaut, pas une ouverture) : ignoré"))
            continue
        if end <= start or end[0] > 24:
            problems.append(Problem(line, id_fs, f"horaire du {day} « {part.strip()} » impossible : plage ignorée"))
            continue
        ranges.append(f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}")
    return f"{osm_day} {','.join(ranges)}" if ranges else None


def _position(row: dict) -> dict:
    try:
        lat, lon = float(row.get("latitude") or "x"), float(row.get("longitude") or "x")
    except ValueError:
        raise ValueError(f"position « {row.get('latitude')} , {row.get('longitude')} » illisible") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"position « {lat} , {lon} » impossible")
    return {"lat": lat, "lon": lon}


def _lieu(row: dict, line: int, dated: str, verified: str, problems: list[Problem]) -> dict:
    id_fs = row["id_fs"].strip()
    rules = [rule for column, osm_day, day in _DAYS if (value := (row.get(column) or "").strip())
             and (rule := _day_rule(value, osm_day, day, line, id_fs, problems))]
    if not rules and not any((row.get(column) or "").strip() for column, _, _ in _DAYS):
        problems.append(Problem(line, id_fs, "aucun horaire : la réponse renvoie au téléphone"))
    phone = " ".join((row.get("telephone") or "").split())
    if not phone:
        problems.append(Problem(line, id_fs, "aucun téléphone"))
    street = ", ".join(x.strip() for x in (row.get("adresse"), row.get("complement_adresse")) if x and x.strip())
    town = " ".join(x.strip() for x in (row.get("code_postal"), row.get("lib_com")) if x and x.strip())
    comment = (row.get("commentaire") or "").strip()
    lieu = {
        "id": lieu_id(id_fs),
        "id_fs": int(id_fs),
        "nom": " ".join(row["lib_fs"].split()).replace("France services", "France Services"),
        "type": "bus" if (row.get("format_fs") or "").strip() in ("Bus_équivalent", "Itinérante") else "france_services",
        "adresse": ", ".join(x for x in (street, town) if x) or None,
        "commune": row["insee_com"].strip(),
        "coordonnees": _position(row),
        "telephone": {"numero": phone} if phone else None,
        "courriel": (row.get("mail") or "").strip() or None,
        "horaires": {"opening_hours": "; ".join(rules)} if rules else None,
        "rendez_vous": (row.get("prise_rdv") or "").strip() == "Oui",
        "format": _FORMATS.get((row.get("format_fs") or "").strip()),
        "commentaire": comment or None,
        "source": f"{source_label(dated)} (id_fs {id_fs}, Licence Ouverte 2.0)",
        "verifie_le": verified,
    }
    return {key: value for key, value in lieu.items() if value is not None}


def read_list(path: Path, dated: str, verified: str) -> tuple[list[tuple[int, dict]], list[Problem], str]:
    """[(line, lieu)], problems, sha256 of the file. `dated` is the list's date in words, `verified` ISO."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as error:
        raise ListUnreadable(f"fichier « {path} » illisible ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ListUnreadable(f"fichier « {path} » : encodage UTF-8 attendu") from None
    reader = csv.DictReader(text.splitlines(keepends=True))
    missing = _COLUMNS - set(reader.fieldnames or ())
    if missing:
        raise ListUnreadable(f"fichier « {path} » : colonnes attendues absentes ({', '.join(sorted(missing))}) : "
                             "est-ce bien la liste des structures France Services de l'ANCT ?")
    rows, problems, seen = [], [], set()
    line = 2
    for row in reader:
        id_fs = (row.get("id_fs") or "").strip()
        try:
            if not id_fs.isdigit():
                raise ValueError("id_fs absent ou non numérique")
            if id_fs in seen:
                raise ValueError("id_fs en double : seule la première ligne est importée")
            if not re.fullmatch(r"\d{5}|2[AB]\d{3}", (row.get("insee_com") or "").strip()):
                raise ValueError(f"code INSEE « {row.get('insee_com')} » invalide")
            found: list[Problem] = []
            lieu = _lieu(row, line, dated, verified, found)
            Lieu.model_validate(lieu)  # what the readers will accept, checked here: one bad row never blocks the layer
            problems += found
        except ValidationError as error:
            detail = "; ".join(f"{'.'.join(map(str, e['loc']))} : {e['msg']}" for e in error.errors())
            problems.append(Problem(line, id_fs or "?", f"non importée : {detail}"))
        except (ValueError, TypeError, KeyError) as error:
            problems.append(Problem(line, id_fs or "?", f"non importée : {error}"))
        else:
            seen.add(id_fs)
            rows.append((line, lieu))
        line = reader.line_num + 1
    return rows, problems, hashlib.sha256(raw).hexdigest()
