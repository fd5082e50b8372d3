"""The orientation core: need + commune + profile + clock -> who, what, where, when.

Pure Python, no Rasa: used by the actions, the console and the CLI alike. It never
invents: what the knowledge does not hold is reported as missing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from bot.knowledge.loader import Knowledge
from bot.knowledge.schema import THEMES, Commune, Demarche, Lieu, Organisme, Permanence
from bot.national.layer import NationalLayer, distance_km
from bot.schedule import PARIS, Schedule, Slot
from bot.understanding import small_talk
from bot.understanding.communes import CommuneFinder, CommuneMatch
from bot.understanding.resolver import Candidate, Resolution, Resolver, resolver_for
from bot.understanding.text import MAX_QUERY, normalize

NATIONAL = "national"  # the territory of a place of the national layer
HOME, NEAREST = "votre France Services", "la France Services la plus proche"  # why a place is listed
USUAL_SHARE = 0.6  # a theme's usual organisme handles at least this share of its démarches

THEME_LABELS = {
    "retraite": "retraite",
    "ants": "papiers d'identité, séjour et véhicule",
    "sante": "santé",
    "logement": "logement",
    "emploi": "emploi",
    "caf": "CAF et famille",
    "impots": "impôts",
    "justice": "justice et accès au droit",
    "social": "aide sociale",
    "numerique": "aide au numérique",
    "citoyennete": "état civil, élections et Pacs (mairie)",
}


@dataclass
class Profile:
    age: int | None = None
    regime_agricole: bool | None = None


@dataclass
class Need:
    kind: str  # "demarche" | "theme" | "organisme"
    key: str
    label: str


@dataclass
class PermanenceSlots:
    permanence: Permanence
    organisme: Organisme
    slots: list[Slot]

    @property
    def text(self) -> str | None:
        """The schedule as its administrators wrote it, when no date can be computed from it."""
        horaires = self.permanence.horaires
        return horaires.texte if not (horaires.regles or horaires.opening_hours) else None


@dataclass
class Place:
    lieu: Lieu
    commune: str | None
    reason: str  # why it is listed: "dans votre commune", "votre France Services", ...
    distance_km: float | None = None  # from the commune's town hall, when both positions are known
    permanences: list[PermanenceSlots] = field(default_factory=list)
    opening: list[Slot] = field(default_factory=list)  # the place's own opening hours (a France Services, a mairie)

    @property
    def opening_label(self) -> str:
        return "Accueil de la mairie" if self.lieu.type == "mairie" else "Accueil France Services"


@dataclass
class Answer:
    need: Need | None
    commune: Commune | None = None
    demarche: Demarche | None = None
    organismes: list[Organisme] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # conditions that change the answer
    places: list[Place] = field(default_factory=list)
    contact: Place | None = None  # the France Services to turn to
    missing: list[str] = field(default_factory=list)
    demarches: list[Demarche] = field(default_factory=list)  # for a theme or organisme need
    usual: Organisme | None = None  # for a theme: the organisme that handles most of its démarches


class Orientation:
    """Answers from one loaded Knowledge. Index building happens once, here."""

    def __init__(self, knowledge: Knowledge, resolver: Resolver | None = None, national: NationalLayer | None = None):
        self.k = knowledge
        self.national = national or NationalLayer()
        self.resolver = resolver or resolver_for(knowledge)
        self.communes = CommuneFinder(knowledge.communes.values(), self.national.communes.values(), self._ordinary_words())
        # a curated place that names its id_fs replaces the imported one (Le Lude's France Services)
        self._curated_fs = {f"fs-anct-{l.id_fs}": l.id for l in knowledge.lieux.values() if l.id_fs is not None}
        # each commune's own mairie with its opening hours, when the knowledge holds it (`repere territoire init`)
        self._town_halls = {l.commune: l for l in knowledge.lieux.values() if l.type == "mairie" and l.horaires}
        self._themes = {normalize(name): theme for theme in THEMES for name in (theme, THEME_LABELS[theme])}

    def _ordinary_words(self) -> frozenset[str]:
        """The words of the catalogue (démarches, organismes): what people say about their needs, written in
        lower case there (« garde », « hôpital »; not « Nantes » in « né à Nantes »)."""
        texts = [t for d in self.k.demarches.values() for t in (d.titre, d.information, *d.mots, *d.exemples)]
        texts += [t for o in self.k.organismes.values() for t in (o.nom, o.missions, *o.alias)]
        words = {w for t in texts for w in re.findall(r"[^\W\d_]+", t) if not (w[0].isupper() and not w.isupper())}
        return frozenset(normalize(w) for w in words) | small_talk.WORDS

    # ------------------------------------------------------------ understanding (bot.understanding)

    def need_of(self, candidate: Candidate) -> Need:
        if candidate.kind == "organisme":
            return Need("organisme", candidate.key, self.k.organismes[candidate.key].nom)
        return Need("demarche", candidate.key, self.k.demarches[candidate.key].titre)

    def understand(self, text: str, theme: str | None = None, confidence: float = 0.0, strict: bool = False) -> Resolution:
        return self.resolver.resolve(text, theme, confidence, strict)

    def find_need(self, text: str, theme: str | None = None, confidence: float = 0.0) -> Need | None:
        """The démarche or organisme a message clearly asks for; a theme named alone; else None.

        The agents' lookup and the CLI have no NLU prior: the résolveur is then strict.
        """
        query = normalize(text[:MAX_QUERY])
        if query.replace(" ", "-") in self.k.demarches:
            d = self.k.demarches[query.replace(" ", "-")]
            return Need("demarche", d.id, d.titre)
        resolution = self.understand(text, theme, confidence, strict=theme is None)
        if query in self._themes and not self.resolver.organismes_named(query) and not self.resolver.is_phrase(query):
            theme_key = self._themes[query]
            return Need("theme", theme_key, THEME_LABELS[theme_key])
        if resolution.best:
            return self.need_of(resolution.best)
        if resolution.decision == "choix":
            return self.need_of(resolution.candidates[0]) if theme is None else None
        return None

    def find_commune(self, text: str, expecting_place: bool = True) -> CommuneMatch:
        """By name (inside a sentence too), postal code (may give several), INSEE code, or approximate name
        (only where a place is expected)."""
        return self.communes.find(text, expecting_place)

    def closest_communes(self, text: str, limit: int = 4) -> list[Commune]:
        return self.communes.closest(text, limit)

    def commune_label(self, commune: Commune) -> str:
        """The name that finds this commune back: « Mayet », « Brie (02) »."""
        return self.communes.label(commune)

    def lieu(self, lieu_id: str | None) -> Lieu | None:
        """A curated place, else one of the national layer (a curated one replaces it)."""
        if lieu_id is None:
            return None
        lieu_id = self._curated_fs.get(lieu_id, lieu_id)
        return self.k.lieux.get(lieu_id) or self.national.lieux.get(lieu_id)

    def resolve_commune(self, text: str) -> tuple[Commune | None, str | None]:
        """One commune, or None and a French sentence saying why (ambiguous, unknown)."""
        match = self.find_commune(text)
        if len(match.communes) == 1:
            return match.communes[0], None
        if match.communes:
            names = ", ".join(f"{c.nom} ({c.insee})" for c in match.communes)
            example = self.commune_label(match.communes[0])
            how = f"le département (« {example} »), " if example != match.communes[0].nom else ""
            return None, f"« {text} » correspond à plusieurs communes : {names}. Précisez le nom, {how}ou donnez le code INSEE."
        hints = ", ".join(c.nom for c in self.closest_communes(text, 3))
        where = "en France" if self.national.communes else "sur les territoires chargés"
        return None, f"commune « {text[:MAX_QUERY]} » inconnue {where}. Communes proches : {hints}."

    # ------------------------------------------------------------ answering

    def orient(self, need: Need | str | None, commune: Commune | str | None = None, profile: Profile | None = None,
               now: datetime | None = None, count: int = 3) -> Answer:
        now = (now or datetime.now(PARIS))
        profile = profile or Profile()
        if isinstance(need, str):
            need = self.find_need(need)
        answer = Answer(need=need)
        if isinstance(commune, str):
            commune, problem = self.resolve_commune(commune)
            if problem:
                answer.missing.append(problem)
        answer.commune = commune
        answer.contact = self.contact(commune, now, count)
        if need is None:
            answer.missing.append("besoin non reconnu dans le catalogue des démarches")
            return answer

        if need.kind == "demarche":
            d = self.k.demarches[need.key]
            answer.demarche, themes = d, {d.theme}
            ids = self.organismes_for(d, profile, answer.notes)
        elif need.kind == "organisme":
            ids = [need.key]
            themes = set(self.k.organismes[need.key].themes)
            answer.demarches = [d for d in self.k.demarches.values() if need.key in d.organismes]
        else:
            theme, themes = need.key, {need.key}
            answer.demarches = [d for d in self.k.demarches.values() if d.theme == theme]
            ids = []
            for d in answer.demarches:
                ids += [o for o in d.organismes if o not in ids]
            firsts = Counter(self.organismes_for(d, profile)[0] for d in answer.demarches)
            usual, count_usual = firsts.most_common(1)[0] if firsts else (None, 0)
            if usual and count_usual >= USUAL_SHARE * len(answer.demarches):  # the CARSAT for most of retirement
                answer.usual = self.k.organismes[usual]
        answer.organismes = [self.k.organismes[o] for o in ids]

        online_only = answer.demarche is not None and not answer.demarche.lieu_utile
        if online_only and (commune is None or not answer.demarche.aide_france_services):
            return answer
        helped = answer.demarche is None or answer.demarche.aide_france_services
        # done from home: only where the France Services helps with it, near the person
        answer.places = self._places([] if online_only else ids, themes, helped, commune, now, count)
        if online_only:
            return answer
        partners = [o for o in answer.organismes if o.id != "france-services"]
        held = {ps.organisme.id for p in answer.places for ps in p.permanences}
        online = answer.demarche is not None and answer.demarche.en_ligne is not None
        if partners and not held & {o.id for o in partners} and not online:
            names = ", ".join(o.sigle or o.nom for o in partners)
            answer.missing.append(f"aucune permanence connue de {names} sur le territoire : adressez-vous à votre France Services")
        return answer

    def organismes_for(self, d: Demarche, profile: Profile, notes: list[str] | None = None) -> list[str]:
        """Who handles the démarche for this profile; `notes` collects the conditions that apply."""
        notes = [] if notes is None else notes
        ids = list(d.organismes)
        for condition in d.conditions:
            facts = condition.si
            known = []
            if facts.regime_agricole is not None:
                known.append(None if profile.regime_agricole is None else profile.regime_agricole == facts.regime_agricole)
            if facts.age_min is not None or facts.age_max is not None:
                if profile.age is None:
                    known.append(None)
                else:
                    known.append((facts.age_min or 0) <= profile.age <= (facts.age_max or 200))
            if known and all(k is True for k in known):
                ids = condition.organismes + ([] if condition.remplace else [o for o in ids if o not in condition.organismes])
                notes.append(condition.note)
            elif not any(k is False for k in known):
                notes.append(condition.note)  # unknown profile: say what would change the answer
        return ids

    def operator_for(self, theme: str, profile: Profile) -> str | None:
        """The organisme a profile sends every démarche of a theme to (a farmer's retirement: the MSA), if one.

        Only when the profile itself decides it, for at least half of the theme's démarches, all alike.
        """
        demarches = [d for d in self.k.demarches.values() if d.theme == theme]
        decided = []
        for d in demarches:
            first = self.organismes_for(d, profile)[:1]
            if first and first != d.organismes[:1]:
                decided += first
        return decided[0] if decided and len(set(decided)) == 1 and 2 * len(decided) >= len(demarches) else None

    def _territory_of(self, commune: Commune | None) -> str | None:
        """The curated territory whose permanences serve this commune; NATIONAL for the national layer alone."""
        if commune is None:
            return None
        home = self.lieu(commune.france_services)
        if home is not None:
            return self.k.lieu_territoire.get(home.id, NATIONAL)
        return None if commune.insee in self.k.communes else NATIONAL

    def _distance(self, commune: Commune | None, lieu: Lieu) -> float | None:
        if commune and commune.coordonnees:
            a = commune.coordonnees
        else:
            home = self.lieu(commune.france_services) if commune and commune.france_services else None
            here = next((l for l in self.k.lieux.values() if commune and l.commune == commune.insee and l.coordonnees), home)
            a = here.coordonnees if here else None
        b = lieu.coordonnees
        if a is None or b is None:
            return None
        return round(distance_km(a, b), 1)

    def commune_name(self, insee: str) -> str | None:
        c = self.communes.by_insee(insee)
        return c.nom if c else None

    def _places(self, ids: list[str], themes: set[str], helped: bool, commune: Commune | None, now: datetime, count: int) -> list[Place]:
        territory = self._territory_of(commune)
        wanted = set(ids) | ({"france-services"} if helped else set())
        by_lieu: dict[str, Place] = {}
        for perm in self.k.permanences.values():
            if perm.organisme not in wanted:
                continue
            if perm.themes is not None and not themes & set(perm.themes):
                continue
            lieu = self.k.lieux[perm.lieu]
            if territory and self.k.lieu_territoire.get(lieu.id) != territory:
                continue
            slots = self.schedule_of(perm).next_slots(now, count)
            place = by_lieu.setdefault(lieu.id, Place(lieu, self.commune_name(lieu.commune), "", self._distance(commune, lieu)))
            place.permanences.append(PermanenceSlots(perm, self.k.organismes[perm.organisme], slots))
        home = self._home_france_services(commune)
        if helped and home is not None and home.horaires and (not territory or self.k.lieu_territoire.get(home.id, NATIONAL) == territory):
            place = by_lieu.setdefault(home.id, Place(home, self.commune_name(home.commune), "", self._distance(commune, home)))
            place.opening = self.opening_of(home).next_slots(now, count)
        town_hall = self._town_halls.get(commune.insee) if commune and "mairie" in ids else None
        if town_hall is not None and (not territory or self.k.lieu_territoire.get(town_hall.id, NATIONAL) == territory):
            place = by_lieu.setdefault(town_hall.id, Place(town_hall, self.commune_name(town_hall.commune), "", self._distance(commune, town_hall)))
            place.opening = self.opening_of(town_hall).next_slots(now, count)
        places = list(by_lieu.values())
        for place in places:
            place.permanences.sort(key=lambda ps: (ids.index(ps.organisme.id) if ps.organisme.id in ids else len(ids), _first(ps.slots)))
            if commune and place.lieu.commune == commune.insee:
                place.reason = "dans votre commune"
            elif commune and home is not None and place.lieu.id == home.id:
                place.reason = self._home_reason(commune)
            else:
                place.reason = "sur le territoire" if territory not in (None, NATIONAL) else ""

        def rank(place: Place):
            first = min([_first(ps.slots) for ps in place.permanences] + [_first(place.opening)])
            order = {"dans votre commune": 0, HOME: 1, NEAREST: 1}.get(place.reason, 2)
            return (order, place.distance_km if place.distance_km is not None else math.inf, first)

        return sorted(places, key=rank)

    def _home_france_services(self, commune: Commune | None) -> Lieu | None:
        """The commune's France Services, or the only territory's one when no commune is known."""
        lieu_id = commune.france_services if commune and commune.france_services else None
        if lieu_id is None and commune is None and len(self.k.territoires) == 1:
            lieu_id = next(iter(self.k.territoires.values())).france_services
        return self.lieu(lieu_id)

    def contact(self, commune: Commune | None, now: datetime, count: int = 3) -> Place | None:
        """The France Services to turn to, with its next opening hours."""
        lieu = self._home_france_services(commune)
        if lieu is None:
            return None
        opening = self.opening_of(lieu).next_slots(now, count) if lieu.horaires else []
        return Place(lieu, self.commune_name(lieu.commune), self._home_reason(commune), self._distance(commune, lieu), opening=opening)

    def _home_reason(self, commune: Commune | None) -> str:
        """A curated commune's France Services is its own; a national commune's is the nearest one, chosen by distance."""
        return NEAREST if commune is not None and commune.insee not in self.k.communes else HOME

    def schedule_of(self, perm: Permanence) -> Schedule:
        lieu = self.k.lieux[perm.lieu]
        closures = lieu.horaires.fermetures if lieu.horaires else []
        return Schedule.from_horaires(perm.horaires, closures)

    def opening_of(self, lieu: Lieu) -> Schedule:
        return Schedule.from_horaires(lieu.horaires)

    def planning(self, start: datetime, end: datetime, lieu: str | None = None, organisme: str | None = None) -> list[tuple[Slot, Permanence]]:
        rows = []
        for perm in self.k.permanences.values():
            if (lieu and perm.lieu != lieu) or (organisme and perm.organisme != organisme):
                continue
            rows += [(slot, perm) for slot in self.schedule_of(perm).slots_between(start, end)]
        return sorted(rows, key=lambda row: (row[0].debut, row[1].id))


def _first(slots: list[Slot]) -> datetime:
    return slots[0].debut if slots else datetime.max.replace(tzinfo=PARIS)
