"""Profile facts a person states about themselves, which change who handles the démarche."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.understanding.text import MAX_QUERY, normalize

# « j'ai 19 ans », « jai 19 ans », « g 19 ans », « âgé de 19 ans », « 19 ans et je cherche »
_AGE = re.compile(r"\b(?:j ai|jai|g|age de|agee de|moi|j aurai|j ai eu)\s+(\d{1,3})\s*ans\b|^(\d{1,2})\s*ans\b")
_FARMING = re.compile(
    r"\b((agri|arbori|horti|viti)cult(eur|rice)s?|exploitant(e)?s?|salarie(e)?s? agricoles?|retraite(e)?s? agricoles?|eleveu(r|se)s?|"
    r"viticole|ouvri(er|ere) (agricole|viticole|de la vigne)|maraich(er|ere)|cerealier|paysan(ne)?|"
    r"exploitation agricole|(ma|notre) ferme|regime agricole|mutualite sociale agricole|"
    r"(je suis|on est|nous sommes|affilie(e)?s?|cotise|inscrit(e)?s?|depend|releve)( a| de)? (la )?msa)\b")


@dataclass(frozen=True)
class ProfileFacts:
    age: int | None = None
    regime_agricole: bool | None = None

    def __bool__(self) -> bool:
        return self.age is not None or self.regime_agricole is not None


def profile_facts(text: str) -> ProfileFacts:
    """What the message says of its writer: their age, their agricultural scheme."""
    plain = normalize(text[:MAX_QUERY])
    age = None
    found = _AGE.search(plain)
    if found:
        years = int(found[1] or found[2])
        age = years if 14 <= years <= 120 else None
    return ProfileFacts(age=age, regime_agricole=True if _FARMING.search(plain) else None)
