"""Communes named in a message, from the communes loaded in the knowledge (no retraining).

« j'habite au Lude », « je suis sur Mayet », « 72360 », « Yvré le Polin », « St Germain d'Arcé »,
« maiet » after « à »: the exact name wins over a name that contains it (Le Lude, not
Savigné-sous-le-Lude), a postal code may give several communes, an approximate spelling is
accepted alone or after a place word only, so that ordinary words are not read as places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from rapidfuzz import fuzz, process

from bot.knowledge.schema import Commune
from bot.understanding.text import MAX_QUERY, normalize

_CONTRACTIONS = {"au": "a le", "aux": "a les", "du": "de le", "des": "de les"}
_ARTICLES = ("le ", "la ", "les ", "l ")
_SAINTS = ((" saint ", " st "), (" sainte ", " ste "))
# Words after which a place name is expected: an approximate spelling is accepted there.
_PLACE_CUES = frozenset("a au aux sur de du vers pres cote habite habitons vis vivons commune mairie secteur".split())
_POSTCODE = re.compile(r"(?<!\d)\d{5}(?!\d)")
APPROXIMATE = 80  # rapidfuzz ratio for a misspelt name, alone or after a place word


@dataclass
class CommuneMatch:
    communes: list[Commune]
    how: str  # "nom" | "code postal" | "insee" | "approché" | ""
    said: str = ""  # the normalized words that named it


def _expand(text: str) -> str:
    return " ".join(_CONTRACTIONS.get(word, word) for word in text.split())


@dataclass
class CommuneFinder:
    communes: Iterable[Commune]
    _by_form: dict[str, list[Commune]] = field(default_factory=dict, init=False)
    _by_postcode: dict[str, list[Commune]] = field(default_factory=dict, init=False)
    _by_insee: dict[str, Commune] = field(default_factory=dict, init=False)
    _by_head: dict[str, list[Commune]] = field(default_factory=dict, init=False)  # « Luché » for Luché-Pringé

    def __post_init__(self) -> None:
        for c in self.communes:
            self._by_insee[c.insee] = c
            for code in c.codes_postaux:
                self._by_postcode.setdefault(code, []).append(c)
            name = normalize(c.nom)
            forms = {name}
            for long, short in _SAINTS:
                if long in f" {name} ":
                    forms.add(f" {name} ".replace(long, short).strip())
            forms |= {f[len(a):] for f in list(forms) for a in _ARTICLES if f.startswith(a) and len(f) - len(a) >= 4}
            for form in forms:
                bucket = self._by_form.setdefault(form, [])
                if c not in bucket:
                    bucket.append(c)
            words = re.split(r"[- ']", c.nom)
            article = words[0].lower() if words[0].lower() in ("le", "la", "les", "l") and len(words) > 1 else None
            words = words[1:] if article else words
            if "-" in c.nom and len(words[0]) >= 4:  # « Luché » for Luché-Pringé, « Bruère » for La Bruère-sur-Loir
                self._by_head.setdefault(normalize(words[0]), []).append(c)
                if article:  # « la Bruère », with its article, is the commune's usual name anywhere in a sentence
                    self._by_form.setdefault(normalize(f"{article} {words[0]}"), []).append(c)
        for bucket in self._by_postcode.values():
            bucket.sort(key=lambda c: c.nom)
        self._forms = sorted(self._by_form, key=len, reverse=True)  # the longest name first: exact beats containing

    def find(self, text: str) -> CommuneMatch:
        raw = text.strip()[:MAX_QUERY]
        if raw.isdigit() and len(raw) == 5:
            if raw in self._by_insee and raw not in self._by_postcode:
                return CommuneMatch([self._by_insee[raw]], "insee", raw)
            return CommuneMatch(list(self._by_postcode.get(raw, [])), "code postal", raw)
        plain = normalize(raw)
        query = _expand(plain)
        if not query:
            return CommuneMatch([], "")
        padded = f" {query} {plain} "  # « au Lude » is « à le Lude »; « aux Choux » stays as typed too
        named = next((form for form in self._forms if f" {form} " in padded), None)
        if named:
            return CommuneMatch(list(self._by_form[named]), "nom", named)
        postcode = _POSTCODE.search(raw)
        if postcode and postcode.group() in self._by_postcode:
            return CommuneMatch(list(self._by_postcode[postcode.group()]), "code postal", postcode.group())
        return self._approximate(query)

    def _approximate(self, query: str) -> CommuneMatch:
        words = query.split()
        windows = []
        if len(words) <= 4:
            windows.append(query)
        for i, word in enumerate(words[:-1]):
            if word in _PLACE_CUES:
                windows += [" ".join(words[i + 1:i + 1 + n]) for n in range(1, 5) if i + n < len(words) + 1]
        best = None
        heads = [h for h, communes in self._by_head.items() if len(communes) == 1 and h not in self._by_form]
        windows += [w.split(" ", 1)[1] for w in windows if w.split(" ", 1)[0] in ("le", "la", "les", "l") and " " in w]
        for window in windows:
            if len(window) < 4:
                continue
            if window in heads:
                return CommuneMatch(list(self._by_head[window]), "approché", window)
            found = process.extractOne(window, self._forms, scorer=fuzz.ratio, score_cutoff=APPROXIMATE)
            if found and (best is None or found[1] > best[1]):
                best = (found[0], found[1], window)
        if best is None:
            return CommuneMatch([], "")
        return CommuneMatch(list(self._by_form[best[0]]), "approché", best[2])

    def closest(self, text: str, limit: int = 4) -> list[Commune]:
        """The communes whose names look most like `text`, however far: choices to offer."""
        close = process.extract(normalize(text[:MAX_QUERY]), self._forms, scorer=fuzz.WRatio, limit=limit * 2)
        found: list[Commune] = []
        for form, _, _ in close:
            found += [c for c in self._by_form[form] if c not in found]
        return found[:limit]
