"""Scoring an answer of the running assistant against what a person needed (bench and tests).

An answer is right when what the citizen reads names an expected organisme under « Qui s'en
occupe », and, when a commune was given, when the first place it sends them to is in the
expected commune. A clarification question (« de quelle démarche s'agit-il ? ») scores as a
miss: the first sentence was not answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.knowledge.loader import Knowledge
from bot.understanding.text import normalize

CLARIFICATION = ("de quelle démarche", "Pouvez-vous dire votre démarche")
HUMAN_CONTACT = ("02 85 29 07 11", "39 39")


@dataclass(frozen=True)
class Verdict:
    right: bool
    why: str = ""  # "organisme", "lieu", "question", "contient", "humain" when wrong


def organismes_named(knowledge: Knowledge, text: str) -> set[str]:
    """The organismes listed under « Qui s'en occupe », or presented by an organisme answer."""
    names = {o.nom: o.id for o in knowledge.organismes.values()}
    found = set()
    for line in text.splitlines():
        line = line.strip()
        for name, key in names.items():
            if line.startswith(f"• {name} ") or line.startswith(f"{name} : "):
                found.add(key)
    return found


def first_place_commune(knowledge: Knowledge, text: str) -> str | None:
    """The commune of the first place the answer sends to (« ▸ Mairie de Mayet — … »)."""
    for line in text.splitlines():
        if line.lstrip().startswith("▸"):
            lieu = next((l for l in sorted(knowledge.lieux.values(), key=lambda l: -len(l.nom)) if l.nom in line), None)
            commune = knowledge.communes.get(lieu.commune) if lieu else None
            return commune.nom if commune else None
    return None


def judge(knowledge: Knowledge, text: str, organismes: list[str] | None = None, lieu: str | None = None,
          contient: list[str] | None = None, humain: bool = False) -> Verdict:
    if any(question in text for question in CLARIFICATION) and not organismes_named(knowledge, text):
        return Verdict(False, "question")
    if organismes and not organismes_named(knowledge, text) & set(organismes):
        return Verdict(False, "organisme")
    if lieu and normalize(first_place_commune(knowledge, text) or "") != normalize(lieu):
        return Verdict(False, "lieu")
    if contient and not all(item in text for item in contient):
        return Verdict(False, "contient")
    if humain and not any(number in text for number in HUMAN_CONTACT):
        return Verdict(False, "humain")
    return Verdict(True)
