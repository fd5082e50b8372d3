"""NLU data generated from the knowledge, so that names never drift from it.

Writes one Rasa NLU file: the `commune` lookup (names, names without accents, postal
codes) and one synonym per organisme (name, acronym, aliases incl. old names such as
« Pôle emploi ») mapping to the organisme's id, which the actions read.
"""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.loader import Knowledge
from bot.understanding.text import normalize

HEADER = "# Fichier généré par « repere nlu » depuis knowledge/ : ne pas modifier à la main.\n"


def _block(lines: list[str]) -> str:
    return "".join(f"    - {line}\n" for line in lines)


def _quote_free(text: str) -> str:
    return " ".join(text.replace('"', "").split())


def commune_names(k: Knowledge) -> list[str]:
    names: set[str] = set()
    for c in k.communes.values():
        names |= {c.nom, normalize(c.nom), *c.codes_postaux}
        names.add(c.nom.replace("-", " "))
    return sorted(names, key=lambda n: (normalize(n), n))


def organisme_synonyms(k: Knowledge) -> dict[str, list[str]]:
    """organisme id -> the words that name it, as typed and without accents.

    A word claimed by two organismes is left out: it cannot tell them apart.
    """
    owners: dict[str, set[str]] = {}
    for o in k.organismes.values():
        for word in [o.nom, o.sigle or "", *o.alias]:
            for form in {_quote_free(word), normalize(word)} if word else ():
                if form.lower() != o.id:
                    owners.setdefault(form, set()).add(o.id)
    synonyms: dict[str, set[str]] = {}
    for word, ids in owners.items():
        if len(ids) == 1:
            synonyms.setdefault(next(iter(ids)), set()).add(word)
    return {oid: sorted(synonyms[oid], key=lambda w: (normalize(w), w)) for oid in k.organismes if oid in synonyms}


def render(k: Knowledge) -> str:
    parts = [HEADER, 'version: "3.1"\nnlu:\n', "- lookup: commune\n  examples: |\n", _block(commune_names(k))]
    for oid, words in organisme_synonyms(k).items():
        parts += [f"\n- synonym: {oid}\n  examples: |\n", _block(words)]
    return "".join(parts)


def write(k: Knowledge, target: Path) -> bool:
    """Writes the file if its content changed; returns whether it did."""
    text = render(k)
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return True
