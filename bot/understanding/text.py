"""Text normalization shared by every matcher."""

from __future__ import annotations

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
