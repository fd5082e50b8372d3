"""Communes named in a message, from the communes loaded in the knowledge (no retraining).

« j'habite au Lude », « je suis sur Mayet », « 72360 », « Yvré le Polin », « St Germain d'Arcé »,
« maiet » after « à »: the exact name wins over a name that contains it (Le Lude, not
Savigné-sous-le-Lude), a postal code may give several communes, an approximate spelling is
accepted alone or after a place word only, so that ordinary words are not read as places.

The communes of the curated territories are found anywhere in a sentence. Every other commune
of France (the national layer, some 35,000 names, many of them ordinary words: Vue, Plan,
Salon…) only when the message is its name, after a place word (« j'habite à Brest », « au
Mans », « près de Lyon ») or by postal code. Names shared by several communes (Brie,
Saint-Aubin…) are labelled with their département, « Brie (02) », and found back by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from rapidfuzz import fuzz, process

from bot.knowledge.schema import Commune
from bot.understanding.text import MAX_QUERY, contains_words, normalize

_CONTRACTIONS = {"au": "a le", "aux": "a les", "du": "de le", "des": "de les"}
_ARTICLES = ("le ", "la ", "les ", "l ")
_SAINTS = ((" saint ", " st "), (" sainte ", " ste "))
# Words after which a place name is expected: an approximate spelling is accepted there.
_PLACE_CUES = frozenset("a au aux sur de du vers pres cote habite habitons vis vivons commune mairie secteur".split())
# After these words, a commune of the national layer is expected (« de » only after « près », « mairie »…)…
_NATIONAL_CUES = frozenset("a sur habite habitons habitent vis vit vivons vers pres commune mairie ville village".split())
_DE_CUES = frozenset("pres cote commune mairie ville village region environs secteur".split())
# … and after these, even a name made of ordinary words (« j'habite à La Garde »), or misspelt.
_STRONG_CUES = frozenset("habite habitons habitent vis vit vivons commune ville village".split())
_AVOIR = frozenset("m t l s n il elle on qui ca y".split())  # « il m'a viré », « y a »: the verb, not « à »
_GLUE = frozenset("le la les l de du des d en sur sous et aux au a".split())
# What people ask the assistant itself about, beyond the catalogue's words.
_REQUEST_WORDS = frozenset("horaire horaires heure heures ouvert ouverte ouverture ouvertures ferme fermeture adresse "
                           "telephone numero contact rendez vous rdv permanence permanences agent quelqu personne "
                           "aide aides mairie mairies bonjour bonsoir merci".split())
# Words of place that are also communes (Le Bourg, Le Port, La Montagne, Vers, Les Prés…): « j'habite au bourg » is
# the village centre. Those communes are found by postal code or by their label, « Le Bourg (46) ».
_NEVER_ALONE = _NATIONAL_CUES | _DE_CUES | _GLUE | frozenset(
    "chez bourg port montagne plaine campagne mer ville village centre gare cote foret plage lac bois quartier "
    "hameau cite zone rue place pont moulin ferme".split())
_LABELLED = re.compile(r"^(.*?)\s*\(\s*(\d[\dAB]\d{0,3})\s*\)\s*$")
_POSTCODE = re.compile(r"(?<!\d)\d{5}(?!\d)")
APPROXIMATE = 80  # rapidfuzz ratio for a misspelt name, alone or after a place word
NATIONAL_APPROXIMATE = 90  # the same for the national layer: 35,000 names leave little room


@dataclass
class CommuneMatch:
    communes: list[Commune]
    how: str  # "nom" | "code postal" | "insee" | "approché" | ""
    said: str = ""  # the normalized words that named it


def _expand(text: str) -> str:
    return " ".join(_CONTRACTIONS.get(word, word) for word in text.split())


def _forms(name: str) -> set[str]:
    """« Saint-Germain-d'Arcé » -> its normalized name, with « st », without its article."""
    forms = {name}
    for long, short in _SAINTS:
        if long in f" {name} ":
            forms.add(f" {name} ".replace(long, short).strip())
    return forms | {f[len(a):] for f in list(forms) for a in _ARTICLES if f.startswith(a) and len(f) - len(a) >= 4}


def _without_article(form: str) -> str:
    return next((form[len(a):] for a in _ARTICLES if form.startswith(a)), form)


def _compounds(raw: str) -> set[str]:
    """The hyphenated names of a message, normalized: « Château-du-Loir » -> « chateau du loir »."""
    return {normalize(m) for m in re.findall(r"\w+(?:[-'’]\w+)*-\w+", raw)}


def departement_of(c: Commune) -> str:
    return c.departement or (c.insee[:3] if c.insee.startswith("97") else c.insee[:2])


@dataclass
class CommuneFinder:
    communes: Iterable[Commune]
    national: Iterable[Commune] = ()  # every other commune of France, if the national layer is loaded
    # words people use for their needs (« garde », « hôpital », « cause »): a national commune named only with
    # them (La Garde, L'Hôpital, Le Causé) is read as a place only after « j'habite », « commune de »…
    ordinary: frozenset[str] = frozenset()
    _by_form: dict[str, list[Commune]] = field(default_factory=dict, init=False)
    _by_postcode: dict[str, list[Commune]] = field(default_factory=dict, init=False)
    _by_insee: dict[str, Commune] = field(default_factory=dict, init=False)
    _by_head: dict[str, list[Commune]] = field(default_factory=dict, init=False)  # « Luché » for Luché-Pringé
    _national_form: dict[str, list[Commune]] = field(default_factory=dict, init=False)
    _national_postcode: dict[str, list[Commune]] = field(default_factory=dict, init=False)
    _national_insee: dict[str, Commune] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.communes = list(self.communes)
        for c in self.communes:
            self._by_insee[c.insee] = c
            for code in c.codes_postaux:
                self._by_postcode.setdefault(code, []).append(c)
            forms = _forms(normalize(c.nom))
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
        for c in self.national:
            if c.insee in self._by_insee:
                continue  # a curated commune replaces the imported one
            self._national_insee[c.insee] = c
            for code in c.codes_postaux:
                self._national_postcode.setdefault(code, []).append(c)
            for form in _forms(normalize(c.nom)):
                self._national_form.setdefault(form, []).append(c)
        for bucket in list(self._by_postcode.values()) + list(self._national_postcode.values()) + list(self._national_form.values()):
            bucket.sort(key=lambda c: (c.nom, -(c.population or 0)))
        self._forms = sorted(self._by_form, key=len, reverse=True)  # the longest name first: exact beats containing
        self._national_forms = list(self._national_form)

    def label(self, c: Commune) -> str:
        """The name that finds this commune back, and it alone: « Mayet », « Brie (02) », « Crozet (01) »
        (Le Crozet is also « Crozet »), « L'Hôpital (57) » (an ordinary phrase), else with its postal code."""
        if self.find(c.nom).communes == [c]:
            return c.nom
        labelled = f"{c.nom} ({departement_of(c)})"
        return labelled if self.find(labelled).communes == [c] else f"{c.nom} ({c.codes_postaux[0]})"

    def by_insee(self, insee: str) -> Commune | None:
        return self._by_insee.get(insee) or self._national_insee.get(insee)

    def find(self, text: str, expecting_place: bool = True) -> CommuneMatch:
        """`expecting_place`: the person was asked where they live, or said it; otherwise a misspelt name is not
        guessed (« tutelle » is not Utelle)."""
        raw = text.strip()[:MAX_QUERY]
        if raw.isdigit() and len(raw) == 5:
            found = self._postcode(raw)
            if not found and raw in self._by_insee:
                return CommuneMatch([self._by_insee[raw]], "insee", raw)
            if not found and raw in self._national_insee:
                return CommuneMatch([self._national_insee[raw]], "insee", raw)
            return CommuneMatch(found, "code postal", raw)
        labelled = _LABELLED.match(raw)
        if labelled:  # « Brie (02) », a button's label; « Brie (35470) » works too
            return self._labelled(labelled[1], labelled[2])
        plain = normalize(raw)
        query = _expand(plain)
        if not query:
            return CommuneMatch([], "")
        padded = f" {query} {plain} "  # « au Lude » is « à le Lude »; « aux Choux » stays as typed too
        named = next((form for form in self._forms if f" {form} " in padded), None)
        compounds = _compounds(raw)  # names are stored as typed (« du », « aux »), cues read expanded (« au » is « à le »)
        national = self._national_named(plain.split(), compounds) or self._national_named(query.split(), compounds)
        if national and (not named or len(national) > len(named)):  # « Saint-Jean-de-la-Motte » beats a part of it
            if named or len(self._by_head.get(national, [])) != 1:  # « Aubigné » on Sud Sarthe's widget is Aubigné-Racan
                return CommuneMatch(list(self._national_form[national]), "nom", national)
        if named:
            return CommuneMatch(list(self._by_form[named]), "nom", named)
        postcode = _POSTCODE.search(raw)
        if postcode:
            found = self._postcode_said(postcode.group(), query)
            if found:
                return CommuneMatch(found, "code postal", postcode.group())
        if self._national_named(plain.split(), compounds, ordinary_too=True):
            return CommuneMatch([], "")  # « Parcé » is exactly a commune's name, not a misspelt Marcé
        return self._approximate(query, expecting_place)

    def _postcode(self, code: str) -> list[Commune]:
        """Every commune of a postal code, curated ones first (« 49330 »: Étriché, and Juvardeil, Miré…)."""
        return list(self._by_postcode.get(code, [])) + list(self._national_postcode.get(code, []))

    def _postcode_said(self, code: str, query: str) -> list[Commune]:
        """The communes of a postal code in a sentence, narrowed to the one named with it (« 72360 Sarcé »). A curated
        territory's code is a place anywhere; another only with a place word (« à 29200 ») or one of its communes'
        names: « j'ai 20000 euros de dettes » is not Ajaccio."""
        found = self._postcode(code)
        named = [c for c in found if contains_words(query, normalize(c.nom))]
        if named or code in self._by_postcode:
            return named or found
        words = query.split()
        i = words.index(code) if code in words else -1
        return found if i > 0 and (words[i - 1] in _NATIONAL_CUES | {"postal", "cp"}) else []

    def _labelled(self, name: str, qualifier: str) -> CommuneMatch:
        form = normalize(name)
        named = [c for c in self._by_form.get(form, []) + self._national_form.get(form, [])
                 if qualifier in (departement_of(c), *c.codes_postaux)]
        exact = [c for c in named if normalize(c.nom) == form]  # « Crozet (01) », not Le Crozet too
        return CommuneMatch(exact or named, "nom", form) if named else self.find(name)

    def _is_ordinary(self, form: str) -> bool:
        return all(w in self.ordinary or w in _GLUE or w in _REQUEST_WORDS for w in form.split())

    def _national_starts(self, words: list[str]) -> list[tuple[int, bool]]:
        """Where a national commune's name may start, and whether a strong place word announces it."""
        starts = [(0, False)]
        for i, w in enumerate(words[:-1]):
            if w == "a" and i > 0 and words[i - 1] in _AVOIR:
                continue
            if w in _NATIONAL_CUES or (w == "de" and i > 0 and words[i - 1] in _DE_CUES):
                before = words[i - 1] if i > 0 else ""
                strong = w in _STRONG_CUES or before in _STRONG_CUES or (w == "de" and before == "mairie")  # « j'habite à … »
                starts.append((i + 1, strong))
        return starts

    def _national_named(self, words: list[str], compounds: set[str] = frozenset(), ordinary_too: bool = False) -> str | None:
        """A national commune's name: the whole message, or right after a place word (longest first); one made of
        ordinary words only after a strong place word, or when `ordinary_too`.

        Never the start of a longer hyphenated name (« Château » in « Château-du-Loir », a former commune)."""
        if not self._national_form or not words:
            return None
        for start, strong in self._national_starts(words):
            for end in range(min(len(words), start + 8), start, -1):
                if start == 0 and end < len(words):
                    break  # from the first word, only the whole message
                form = " ".join(words[start:end])
                if form in _NEVER_ALONE or _without_article(form) in _NEVER_ALONE:
                    continue
                if len(form) >= 3 and form in self._national_form and (strong or ordinary_too or not self._is_ordinary(form)):
                    if any(c.startswith(form + " ") for c in compounds):
                        return None
                    return form
        return None

    def _approximate(self, query: str, expecting_place: bool) -> CommuneMatch:
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
            if len(window) < 4 or self._is_ordinary(window):  # « horaires », « semaine » are not Les Rairies, Sermaise
                continue
            if window in heads:
                return CommuneMatch(list(self._by_head[window]), "approché", window)
            found = process.extractOne(window, self._forms, scorer=fuzz.ratio, score_cutoff=APPROXIMATE)
            if found and (best is None or found[1] > best[1]):
                best = (found[0], found[1], window)
        if best is not None:
            return CommuneMatch(list(self._by_form[best[0]]), "approché", best[2])
        if not expecting_place and not _STRONG_CUES & set(words):
            return CommuneMatch([], "")  # « danger » is not a misspelt Dangers unless a place was asked for
        return self._national_approximate(words)

    def _national_approximate(self, words: list[str]) -> CommuneMatch:
        """A misspelt commune of the national layer: the short message alone or after a strong place word,
        with a word that is not an ordinary one (« Bres » for Brest; never « argent » for Arget)."""
        if not self._national_forms:
            return CommuneMatch([], "")
        windows = [" ".join(words)] if len(words) <= 3 else []
        windows += [" ".join(words[start:start + n]) for start, strong in self._national_starts(words) if strong
                    for n in range(1, 5) if start + n <= len(words)]
        best = None
        for window in windows:
            if len(window) < 5 or self._is_ordinary(window):
                continue
            found = process.extractOne(window, self._national_forms, scorer=fuzz.ratio, score_cutoff=NATIONAL_APPROXIMATE)
            if found and (best is None or found[1] > best[1]):
                best = (found[0], found[1], window)
        if best is None:
            return CommuneMatch([], "")
        return CommuneMatch(list(self._national_form[best[0]]), "approché", best[2])

    def closest(self, text: str, limit: int = 4) -> list[Commune]:
        """The communes whose names look most like `text`, however far: choices to offer."""
        query = normalize(text[:MAX_QUERY])
        close = [(form, score, self._by_form) for form, score, _ in process.extract(query, self._forms, scorer=fuzz.WRatio, limit=limit * 2)]
        if self._national_forms:  # the whole of France: the closest spellings, not the words they contain
            close += [(form, score, self._national_form) for form, score, _ in
                      process.extract(query, self._national_forms, scorer=fuzz.ratio, limit=limit * 2)]
        found: list[Commune] = []
        for form, _, index in sorted(close, key=lambda f: -f[1]):
            found += [c for c in index[form] if c not in found]
        return found[:limit]
