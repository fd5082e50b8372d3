"""Import the communes of an intercommunality from Etalab's official geographic code.

Source: the npm package `@etalab/decoupage-administratif` (INSEE code, postal codes,
population, EPCI membership), fetched with `npm pack` into a cache folder (bot.knowledge.npm_pack),
or read from a folder given by the caller.
"""

from __future__ import annotations

import json
import tarfile
from datetime import date
from pathlib import Path

from ruamel.yaml import YAML

from bot.knowledge.npm_pack import PackageUnavailable, pack

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"


class ImportFailed(Exception):
    """Raised with a French message for the administrator."""


def fetch_package(cache: Path, version: str = VERSION) -> Path:
    """The package's data folder, downloaded once with `npm pack`."""
    data = cache / f"decoupage-administratif-{version}" / "package" / "data"
    if (data / "communes.json").exists():
        return data
    try:
        archive = pack(cache, PACKAGE, version)
    except PackageUnavailable as error:
        raise ImportFailed(str(error)) from None
    with tarfile.open(archive) as tar:
        tar.extractall(data.parent.parent, filter="data")
    return data


def communes_of_epci(data_dir: Path, epci: str) -> tuple[dict, list[dict]]:
    epcis = json.loads((data_dir / "epci.json").read_text(encoding="utf-8"))
    group = next((e for e in epcis if e["code"] == epci), None)
    if group is None:
        raise ImportFailed(f"intercommunalité « {epci} » introuvable dans le code géographique (SIREN attendu)")
    members = {m["code"] for m in group["membres"]}
    communes = [
        c for c in json.loads((data_dir / "communes.json").read_text(encoding="utf-8"))
        if c["code"] in members and c.get("type") == "commune-actuelle"
    ]
    return group, sorted(communes, key=lambda c: c["nom"])


def write_communes_file(target: Path, group: dict, communes: list[dict], france_services: str | dict[str, str] | None,
                        version: str = VERSION) -> int:
    """`france_services`: one place for every commune, or one per INSEE code."""
    document = {
        "source": f"{PACKAGE} {version} (code officiel géographique, Etalab) ; EPCI {group['code']} {group['nom']}",
        "importe_le": date.today(),
        "communes": [
            {
                "insee": c["code"],
                "nom": c["nom"],
                "codes_postaux": list(c.get("codesPostaux") or []),
                "epci": group["code"],
                **({"population": c["population"]} if c.get("population") else {}),
                **({"france_services": fs} if (fs := france_services.get(c["code"]) if isinstance(france_services, dict)
                                               else france_services) else {}),
            }
            for c in communes
        ],
    }
    yaml = YAML()
    yaml.width = 120
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as out:
        out.write("# Fichier généré par « repere communes » : ne pas modifier à la main, relancer l'import.\n")
        out.write("# yaml-language-server: $schema=../../schema/connaissances.schema.json\n")
        yaml.dump(document, out)
    return len(communes)
