"""One turn of the conversation: what was said, what is kept, what Repère answers.

Pure Python over bot.orientation and bot.understanding (no Rasa): the action server only
turns a tracker into a `State` and a `Turn`, and the `Outcome` back into slots and messages.

The agent's way: answer the first sentence at once (what to do, what to bring, who, the
online route), then ask for the commune only to give the place and the next sessions.
Whatever is said at any point (a commune, a profile fact, an organisme) is kept. Choices are
offered as buttons only when two démarches are genuinely close, and never twice in a row;
two misunderstandings in a row give the human contact; a new need keeps the commune.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot import replies as r
from bot.emergency import emergency_text, is_distress
from bot.knowledge.schema import THEMES, Commune
from bot.orientation import Answer, Need, Orientation, Profile
from bot.understanding.profile import profile_facts
from bot.understanding.resolver import Candidate
from bot.understanding.small_talk import is_small_talk
from bot.understanding.text import MAX_QUERY, clauses, is_request, is_secondary, normalize, without_refusals

THEME_PREFIX = "theme_"
THEME_CONFIDENT = 0.6  # an NLU theme this sure, with no démarche recognised, offers the theme's démarches
TIE = 0.05  # two démarches this close, leading to different organismes: ask which one, as buttons
WHOLE_TOP = 3  # a clause's démarche must be among this many best of the whole message
WHOLE_FLOOR = -0.6  # and score at least this for it (the résolveur's acceptance threshold)
MAX_OTHERS = 2  # other needs of the same message offered as buttons after the answer
PLACE_CONFIDENT = 0.75  # an NLU this sure that an unknown word is a place: « je ne trouve pas Saumur »
# The NLU found no need (unsure, out of scope, a follow-up question): the résolveur must then be surer
# of itself; the same when the NLU read a place or a profile fact that is not there (« qsdkjh »).
UNSURE_INTENTS = ("nlu_fallback", "out_of_scope", "ask_when", "ask_where",  # « c'est quand ? » names no need
                  "affirm", "deny", "goodbye")  # nor does « oui »
PLACE_INTENTS = ("inform_commune", "inform_profile")
MAX_COMMUNE_CHOICES = 6  # buttons for a name shared by several communes (12 Sainte-Colombe): the largest first
# Words that say nothing about the need: what is left of « et à Mayet ? » once the commune is removed.
FILLER = frozenset("et a au aux pour sur du de des la le les l cote vers dans chez alors plutot si c est ca moi "
                   "j habite je suis on habite nous habitons vis vit commune ma mon ici pres svp stp merci oui "
                   "bonjour bonsoir ans ai j g age agee agriculteur agricultrice exploitant agricole msa "
                   "regime salarie eleveur".split())


@dataclass(frozen=True)
class State:
    """What the conversation has established so far (the assistant's slots)."""

    besoin: str | None = None  # "demarche:rsa", "organisme:caf", "theme:logement"
    commune: str | None = None  # a commune's name, once recognised
    age: str | None = None
    regime: str | None = None
    choix: tuple[str, ...] = ()  # need keys offered as buttons, waiting for a pick
    commune_choix: tuple[str, ...] = ()  # commune names offered as buttons
    incompris: bool = False  # the previous turn was not understood


@dataclass(frozen=True)
class Turn:
    text: str
    intent: str = ""
    confidence: float = 0.0
    demarche: str | None = None  # a button's payload names it
    organisme: str | None = None
    commune: str | None = None  # the NLU's entity, a hint only


@dataclass
class Outcome:
    replies: list[r.Reply]
    state: State
    answer: Answer | None = None  # what was answered, for the activity record
    understood: bool = True
    human_contact: bool = False
    response: str | None = None  # a response of the domain to send instead (the greeting)


def greeting_or_need(o: Orientation, state: State, turn: Turn, now: datetime) -> Outcome:
    """« bonjour » is greeted; « bonjour, ma carte grise… » is answered."""
    if is_distress(turn.text[:MAX_QUERY]) or _asks_for_something(o, turn.text):
        return respond(o, state, turn, now)
    return Outcome([], state, response="utter_greet")


def human_or_need(o: Orientation, state: State, turn: Turn, now: datetime) -> Outcome:
    """« parler à quelqu'un » gives the human contact; « quelqu'un de la CARSAT » is an organisme request."""
    if is_distress(turn.text[:MAX_QUERY]):
        return respond(o, state, turn, now)
    if _asks_for_something(o, turn.text, sure=SURE):
        outcome = respond(o, state, turn, now)
        if outcome.understood and _A_PERSON.search(normalize(turn.text[:MAX_QUERY])):  # « la CAF, un vrai conseiller »
            outcome.replies += r.human_contact_replies(o, commune_of(o, outcome.state), now)
            outcome.human_contact = True
        return outcome
    replies = r.human_contact_replies(o, commune_of(o, state), now)
    return Outcome(replies, replace(state, incompris=False), human_contact=True)


def opening_hours(o: Orientation, state: State, turn: Turn, now: datetime) -> Outcome:
    """« horaires de la CAF », « horaires de la France Services du Lude »: a commune said here is kept."""
    if is_distress(turn.text[:MAX_QUERY]):
        return respond(o, state, turn, now)
    match = o.find_commune(turn.text[:MAX_QUERY], expecting_place=False)
    if len(match.communes) == 1:
        state = replace(state, commune=o.commune_label(match.communes[0]), commune_choix=())
    named = o.resolver.organismes_named(turn.text)
    organisme = turn.organisme if turn.organisme in o.k.organismes else (named[0] if named else None)
    need = r.need_from_key(o, state.besoin)
    if organisme is None and need is not None:  # « c'est ouvert quand ? » after a need: when its places are open
        answer = o.orient(need, commune_of(o, state), profile_of(state), now)
        return Outcome(r.follow_up_replies(answer, "when"), replace(state, incompris=False), answer)
    return Outcome(r.opening_hours_replies(o, commune_of(o, state), organisme, now), replace(state, incompris=False))


# « j'habite à … », « je suis sur … »: a place is said, whatever the NLU read
_HOME = re.compile(r"^\s*(?:j'?\s?habite|on habite|nous habitons|je vis|je suis|on est)\s+(?:à|a|au|aux|sur|en|près de|pres de|vers|dans)\s+",
                   re.IGNORECASE)
# « je veux un vrai conseiller, pas un robot »: a person asked for explicitly, besides the organisme named
_A_PERSON = re.compile(r"\b(humain|pas (a |avec )?un robot|vraie? (personne|conseillere?)|parler a (quelqu un|un agent|une personne))\b")
SURE = 0.25  # the résolveur's score above which a request for a person is taken as a request for a démarche


def follow_up_without_need(o: Orientation, state: State, turn: Turn, now: datetime) -> Outcome:
    """« c'est où la MSAP ? » before any need names an organisme; « c'est quand ? » alone asks for the need."""
    outcome = respond(o, state, turn, now)
    if outcome.understood or outcome.human_contact:
        return outcome
    return Outcome([r.ask_need_reply()], replace(state, incompris=True))  # a second one in a row: the human contact


SMALL_TALK = {"affirm": "utter_ask_need", "deny": "utter_goodbye", "goodbye": "utter_goodbye"}


def small_talk_or_need(o: Orientation, state: State, turn: Turn, now: datetime) -> Outcome:
    """« oui », « non merci », « au revoir » get their answer; « nous on est à la MSA », read as one of them, is
    answered; « 🙂🙂 » is not understood."""
    outcome = respond(o, state, turn, now)  # a need, a commune or a profile fact said, the NLU notwithstanding
    if outcome.understood or not is_small_talk(turn.text[:MAX_QUERY]):
        return outcome
    return Outcome([], replace(state, incompris=False), response=SMALL_TALK.get(turn.intent, "utter_goodbye"))


def _asks_for_something(o: Orientation, text: str, sure: float | None = None) -> bool:
    if o.resolver.organismes_named(text):
        return True
    best = o.understand(text[:MAX_QUERY], strict=True).best
    return best is not None and (sure is None or best.score >= sure)


def profile_of(state: State) -> Profile:
    return r.profile_from(state.age, state.regime)


def respond(o: Orientation, state: State, turn: Turn, now: datetime) -> Outcome:
    """The answer to a message that is about a need, a commune or the person (not « merci »)."""
    text = turn.text[:MAX_QUERY]
    if is_distress(text):  # whatever the NLU guessed: the emergency number first
        return Outcome([r.Reply(emergency_text(text))], replace(state, incompris=False))
    # 1. Who the person is: what this message says, added to what was said before.
    facts = profile_facts(text)
    if facts.age is not None:
        state = replace(state, age=str(facts.age))
    if facts.regime_agricole:
        state = replace(state, regime="agricole")
    # 2. Where: a commune named here (live knowledge), or a button's choice.
    # a misspelt name is guessed only where a place is expected: the commune was asked, or said (« j'habite… »)
    expecting = bool(turn.commune or state.commune_choix or (state.besoin and not state.commune)
                     or turn.intent == "inform_commune")
    match = o.find_commune(turn.commune, True) if turn.commune else o.find_commune(text, expecting)
    if not match.communes and turn.commune:
        match = o.find_commune(text, expecting)
    commune_choices: list[Commune] = []
    if len(match.communes) == 1:
        state = replace(state, commune=o.commune_label(match.communes[0]), commune_choix=())
    elif match.communes:
        commune_choices = match.communes
    # 3. What: a button, the current need kept, or the résolveur (the NLU's theme as a prior).
    need, choices, also = _need(o, state, turn, text, match.said, bool(facts))
    if need is None and not choices:
        if match.communes or facts:  # where they live, who they are: kept, with the current need if any
            need = r.need_from_key(o, state.besoin)
            if need is None and state.choix:  # said instead of picking a button: the most likely one, never asked again
                need = r.need_from_key(o, state.choix[0])
                others = [n for n in (r.need_from_key(o, key) for key in state.choix[1:]) if n and n.kind == "demarche"]
                also = ("Vous cherchiez peut-être plutôt :", others) if others else None
            if need is None:
                replies = [r.ask_need_reply(f"C'est noté : {state.commune}." if state.commune else "C'est noté.")]
                if commune_choices:
                    replies.insert(0, _commune_choice(o, commune_choices, match.how, match.said))
                    state = replace(state, commune_choix=tuple(o.commune_label(c) for c in commune_choices))
                return Outcome(replies, replace(state, incompris=False))
        elif (state.besoin and not state.commune and _looks_like_a_place(place := _HOME.sub("", text).strip())
              and (turn.intent == "inform_commune" and turn.confidence >= PLACE_CONFIDENT or place != text.strip())):
            # « j'habite à La Flèche » when the commune was asked: said not known, with who handles the need, and
            # counted as not understood (a second misunderstanding in a row gives a person)
            current = r.need_from_key(o, state.besoin)
            who = [r.who_reply(o.orient(current, None, profile_of(state), now))] if current else []
            return Outcome(_unknown_commune(o, place) + [w for w in who if w], replace(state, incompris=True))
        elif turn.intent == "out_of_scope":
            return Outcome([r.out_of_scope_reply()], replace(state, incompris=False), understood=False)
        else:
            return not_understood(o, state, now)
    if choices:
        offered = tuple(r.need_key(n) for n in choices)
        reply = r.Reply("Pour être sûr de bien vous orienter, de quelle démarche s'agit-il ?",
                        _demarche_buttons(o, choices) + [r.HUMAN])
        return Outcome([reply], replace(state, choix=offered, incompris=False))
    operator = o.operator_for(need.key, profile_of(state)) if need.kind == "theme" else None
    if operator:  # « je suis ouvrier viticole et je pars à la retraite, qui contacter ? »: the MSA
        need = Need("organisme", operator, o.k.organismes[operator].nom)
    same_need = state.besoin == r.need_key(need)
    state = replace(state, besoin=r.need_key(need), choix=(), incompris=False)
    commune = commune_of(o, state)
    if need.kind == "theme":
        answer = o.orient(need, commune, profile_of(state), now)
        return Outcome(r.theme_replies(answer), state, answer)
    answer = o.orient(need, commune, profile_of(state), now)
    if commune_choices and same_need and not facts:  # « 72360 » after the answer: which of the three?
        choice = _commune_choice(o, commune_choices, match.how, match.said)
        return Outcome([choice], replace(state, commune_choix=tuple(o.commune_label(c) for c in commune_choices)), answer)
    if commune is not None and same_need and not facts and match.communes:
        replies = r.place_replies(answer)  # the commune came after the answer: only where and when
    else:
        replies = r.answer_replies(answer)
    each_territory = commune is None and need.kind == "organisme" and need.key == "france-services" and len(o.k.territoires) > 1
    if each_territory:
        replies += r.human_contact_replies(o, None, now)  # « le numéro de la France Services ? »: each territory's
    if also:
        heading, others = also
        replies.append(r.Reply(heading, _demarche_buttons(o, others)))
    if commune_choices:
        replies.append(_commune_choice(o, commune_choices, match.how, match.said))
        state = replace(state, commune_choix=tuple(o.commune_label(c) for c in commune_choices))
    elif commune is None and r.place_matters(o, need) and not each_territory:
        if turn.intent == "inform_commune" and turn.confidence >= PLACE_CONFIDENT and _looks_like_a_place(text):
            replies += _unknown_commune(o, text)
        else:
            replies.append(r.commune_question())
    return Outcome(replies, state, answer)


def _need(o: Orientation, state: State, turn: Turn, text: str, commune_words: str, profile_given: bool):
    """(need, choices, also): the need this message asks for, or the démarches to choose from, and
    (heading, démarches) to offer after the answer: a close second, or a second need said."""
    if turn.demarche in o.k.demarches:  # a button
        d = o.k.demarches[turn.demarche]
        return Need("demarche", d.id, d.titre), [], None
    if text.startswith("/"):  # a theme button of the greeting: its démarches, as buttons
        theme = turn.intent.removeprefix(THEME_PREFIX)
        return (Need("theme", theme, r.THEME_LABELS[theme]) if theme in THEMES else None), [], None
    current = r.need_from_key(o, state.besoin)
    if (commune_words or profile_given) and _says_nothing_else(text, commune_words):
        return current, [], None  # « et à Mayet ? », « j'ai 19 ans »: the current need, with what is new
    theme = turn.intent.removeprefix(THEME_PREFIX) if turn.intent.startswith(THEME_PREFIX) else None
    theme = theme if theme in THEMES else None
    strict = turn.intent in UNSURE_INTENTS or (turn.intent in PLACE_INTENTS and not (commune_words or profile_given))
    text = without_refusals(text)  # « … je ne veux pas aller au tribunal »
    resolution = o.understand(text, theme, turn.confidence if theme else 0.0, strict=strict)
    first, others = _first_and_other_need(o, text, resolution.candidates)
    if first is not None:  # « l'actualisation + la déclaration trimestrielle »: the first answered, the others offered
        return first, [], ("Vous avez aussi parlé de :", others) if others else None
    if resolution.best:
        return o.need_of(resolution.best), [], None
    if turn.organisme in o.k.organismes:
        return Need("organisme", turn.organisme, o.k.organismes[turn.organisme].nom), [], None
    if resolution.decision == "choix":
        choices = [o.need_of(c) for c in resolution.choices]
        tie = resolution.candidates[0].score - resolution.candidates[1].score < TIE
        if tie and not state.choix and not _same_organisme(o, choices, profile_of(state)):
            return None, choices, None  # genuinely close, and not the same place: which one?
        return choices[0], [], ("Vous cherchiez peut-être plutôt :", choices[1:])  # the most likely answered, the others offered after it
    named = o.find_need(text)
    if named is not None and named.kind == "theme":
        return named, [], None
    if theme and turn.confidence >= THEME_CONFIDENT and not current:
        return Need("theme", theme, r.THEME_LABELS[theme]), [], None
    return None, [], None


def _demarche_buttons(o: Orientation, needs: list[Need]) -> list[tuple[str, str]]:
    return [(n.label, r.payload(f"{THEME_PREFIX}{o.k.demarches[n.key].theme}", demarche=n.key)) for n in needs]


def _first_and_other_need(o: Orientation, text: str, candidates: list[Candidate]) -> tuple[Need | None, list[Need]]:
    """Several démarches said in one message, each clearly (a strict résolveur on each clause): the first one
    asked for, and the others. `candidates`: the résolveur's reading of the whole message.

    « la carte vitale + la carte d'identité », « ma déclaration d'impôts à faire et mon chèque énergie
    pas reçu »: the agent answers the first need and keeps the others for after.
    """
    parts = clauses(text)
    if len(parts) < 2:
        return None, []
    # « il faut la changer » alone is not a need: a clause's démarche must also be likely for the whole message
    whole = {c.key for c in candidates[:WHOLE_TOP] if c.score >= WHOLE_FLOOR}
    found: dict[str, tuple[Need, bool, float]] = {}  # need key -> (need, asked for in one of its clauses, best score)
    for i, part in enumerate(parts):
        best = o.understand(part, strict=True).best
        asked = is_request(part, first=i == 0) and not is_secondary(part)
        if best is None or not (best.kind == "organisme" and asked  # « il faut que je m'inscrive à France Travail »
                                or best.kind == "demarche" and best.key in whole):
            continue
        need = o.need_of(best)
        known = found.get(r.need_key(need), (need, False, best.score))
        found[r.need_key(need)] = (need, asked or known[1], max(best.score, known[2]))
    needs = list(found.values())
    if len(needs) == 1:  # one clause clearly names what the whole message leans to (a long story)
        need, _, score = needs[0]
        return (need, []) if score >= SURE and candidates and need.key == candidates[0].key else (None, [])
    if not needs:
        return None, []
    # The first need asked for; a need only told as the situation (« ma femme est décédée, je voudrais la
    # réversion ») or said as secondary (« je voudrais aussi … ») comes after it.
    main = next((i for i, (_, asked, _) in enumerate(needs) if asked), 0)
    ordered = [need for need, _, _ in needs]
    others = [n for n in ordered[:main] + ordered[main + 1:] if n.kind == "demarche"]
    return ordered[main], others[:MAX_OTHERS]


def _same_organisme(o: Orientation, choices: list[Need], profile: Profile) -> bool:
    """Whether close démarches would send the person to the same organisme: no need to ask then."""
    first = [o.organismes_for(o.k.demarches[n.key], profile)[0] for n in choices[:2]]
    return len(set(first)) == 1  # the two most likely agree: answer the first


def _says_nothing_else(text: str, commune_words: str) -> bool:
    rest = f" {normalize(text)} "
    if commune_words:
        rest = rest.replace(f" {commune_words} ", " ", 1)
    rest = re.sub(r"\b\d+\b", " ", rest)
    return set(rest.split()) <= FILLER


def _looks_like_a_place(text: str) -> bool:
    """A few words, each with a vowel, or a postal code: « Saumur » may be a commune elsewhere, « qsdkjh » and
    « 06 12 34 56 78 » are not."""
    words = normalize(text).split()
    named = [w for w in words if not w.isdigit()]
    postcode = len(words) == 1 and len(words[0]) == 5 and words[0].isdigit()
    return 0 < len(words) <= 6 and (postcode or bool(named)) and all(re.search(r"[aeiouy]", w) for w in named)


def commune_of(o: Orientation, state: State) -> Commune | None:
    found = o.find_commune(state.commune).communes if state.commune else []
    return found[0] if len(found) == 1 else None


def _commune_choice(o: Orientation, communes: list[Commune], how: str, said: str) -> r.Reply:
    labels = [o.commune_label(c) for c in communes[:MAX_COMMUNE_CHOICES]]
    more = len(communes) - len(labels)
    shown = r.shown_back(said)
    head = f"Le code postal « {shown} »" if how == "code postal" else f"« {shown} »"
    tail = f" (et {more} autres : précisez le code postal)" if more > 0 else ""
    return r.Reply(f"{head} correspond à plusieurs communes : {', '.join(labels)}{tail}. Laquelle est la vôtre ?",
                   [(label, r.payload("inform_commune", commune=label)) for label in labels])


def _unknown_commune(o: Orientation, text: str) -> list[r.Reply]:
    check = r.check_commune(o, text)
    return [check.problem, r.Reply(r.unknown_commune_outside(o), [(n, r.payload("inform_commune", commune=n)) for n in check.choices[:3]])]


def not_understood(o: Orientation | None, state: State, now: datetime) -> Outcome:
    """First time: ask to rephrase. Twice in a row: the human contact."""
    commune = commune_of(o, state) if o else None
    twice = state.incompris
    return Outcome(r.not_understood_replies(twice, o, commune, now), replace(state, incompris=True, choix=()),
                   understood=False, human_contact=twice)
