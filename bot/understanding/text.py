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


# « … et aussi … », « … et en plus … », « … + … »: a second need said in the same message.
_ANOTHER_NEED = re.compile(r"\s+(?:et\s+aussi|et\s+en\s+plus|en\s+plus|ainsi\s+que|et\s+[ée]galement|\+)\s+", re.IGNORECASE)


def split_needs(text: str) -> list[str]:
    """The parts of a message that states several needs with an explicit « and also », first need first."""
    return [part for part in _ANOTHER_NEED.split(text) if part.strip()]
