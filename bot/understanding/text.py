"""Text normalization shared by every matcher."""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY = 300  # characters of a message that are read: a pasted page must not stall a matcher


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation: 'Yvré-le-Pôlin' -> 'yvre le polin'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def contains_words(text: str, phrase: str) -> bool:
    """Whether a normalized phrase appears as whole words in a normalized text."""
    return bool(phrase) and f" {phrase} " in f" {text} "


# Clauses of a message: « perdu ma carte vitale, et ma carte d'identité », « … + … », « … ; … », « …. Et … ».
_CLAUSE = re.compile(r"(?<=\?)|[,;:.!+\n]+|\s+(?:et|puis|mais|ensuite|ainsi que)\s+", re.IGNORECASE)  # « ? » stays with its clause
# « je ne veux pas aller au tribunal »: what the person wants to avoid is not what they ask for.
_REFUSAL = re.compile(r"\b(?:veux|veut|voudrais|voudrait|souhaite|souhaiterais|voulons)\s+(?:pas|surtout pas|plus)\b")


def clauses(text: str) -> list[str]:
    """The clauses of a message, in the order they were said (at most MAX_QUERY characters read)."""
    return [part.strip() for part in _CLAUSE.split(text[:MAX_QUERY]) if len(normalize(part)) >= 2]


def without_refusals(text: str) -> str:
    """The message without the clauses that say what the person does not want, if anything else is left."""
    parts = clauses(text)
    kept = [part for part in parts if not _REFUSAL.search(normalize(part))]
    return ", ".join(kept) if kept and len(kept) < len(parts) else text


# What makes a clause the request rather than its context: « je voudrais la réversion », « il lui faut une
# carte d'identité », « je dois le dire à la CAF ? » after « ma femme est décédée », « je reprends un travail ».
_REQUEST = re.compile(r"\b(?:voudrai[st]?|veux|veut|souhaite\w*|aimerai[st]?|faut|dois|doit|devons|besoin|comment|"
                      r"demander|demande|cherche\w*|ai je droit|j ?ai droit|droit a(?:ux?)?|combien|qui contacter|que faire|quoi faire|"
                      r"puis je|peut on|pouvez|est ce que|ou faut|ou aller|aide[rz]? moi)\b")
_SECONDARY = re.compile(r"\b(?:aussi|egalement|en plus|par ailleurs)\b")
TOPIC_WORDS = 4  # a first clause this short is the topic a question is about: « Indu CAF, peut-on faire un échéancier ? »


def is_request(clause: str, first: bool = False) -> bool:
    """Whether a clause asks for something (« … ? », « je voudrais … »), or, first, names its topic in a few
    words, rather than tells the situation (« ma femme est décédée le mois dernier »)."""
    plain = normalize(clause)
    return "?" in clause or bool(_REQUEST.search(plain)) or (first and len(plain.split()) <= TOPIC_WORDS)


def is_secondary(clause: str) -> bool:
    """« je voudrais aussi … »: a need said after the main one."""
    return bool(_SECONDARY.search(normalize(clause)))
