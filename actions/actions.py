"""Rasa actions: thin adapters between the tracker and bot/ (the orientation core).

Each action reads the conversation's slots, asks bot/ for the replies and sends them. If
anything fails (knowledge DB unreachable, a bug), the citizen still gets an answer with
the national contact: the assistant never stays silent.
"""

from __future__ import annotations

import functools
import logging
from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import activity
from bot import replies as r
from bot.db import DatabaseUnavailable
from bot.emergency import emergency_text
from bot.knowledge.schema import THEMES
from bot.live import LiveKnowledge, current_time
from bot.orientation import Need, Orientation, only_names_a_commune
from bot.privacy import contains_personal_number

log = logging.getLogger(__name__)
KNOWLEDGE = LiveKnowledge()
MAX_COMMUNE_TRIES = 2
THEME_PREFIX = "theme_"


def send(dispatcher: CollectingDispatcher, replies: list[r.Reply]) -> None:
    for reply in replies:
        buttons = [{"title": title, "payload": payload} for title, payload in reply.buttons]
        dispatcher.utter_message(text=reply.text, buttons=buttons or None)


def never_silent(run):
    """Any failure becomes a French message with the national contact, never a silence."""

    @functools.wraps(run)
    async def wrapper(self, dispatcher, tracker, domain):
        if tracker.latest_action_name == "action_listen" and contains_personal_number(tracker.latest_message.get("text") or ""):
            send(dispatcher, [r.privacy_reply()])
        try:
            return await run(self, dispatcher, tracker, domain)
        except DatabaseUnavailable as error:
            log.warning("knowledge unavailable: %s", error)
        except Exception:  # noqa: BLE001 - the citizen must get an answer whatever happened
            log.exception("action %s failed", self.name())
        send(dispatcher, [r.unavailable_reply()])
        return []

    return wrapper


class RepereAction(Action, metaclass=ABCMeta):
    """An action: its name, and act() run under never_silent. Abstract: rasa-sdk skips it."""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    @never_silent
    async def run(self, dispatcher, tracker, domain):
        return self.act(dispatcher, tracker)

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        """The events to return to Rasa; replies go through the dispatcher."""


def _intent(tracker: Tracker) -> str:
    return tracker.latest_message.get("intent", {}).get("name") or ""


def _commune(o: Orientation, tracker: Tracker):
    """The conversation's commune (a canonical name once validated): no fuzzy search needed."""
    name = tracker.get_slot("commune")
    found = o.find_commune(name).communes if name else []
    return found[0] if len(found) == 1 else None


def _record(event: activity.Event) -> None:
    activity.record(KNOWLEDGE.engine, event)  # anonymous: never the text, never the conversation


def _profile(tracker: Tracker):
    return r.profile_from(tracker.get_slot("age"), tracker.get_slot("regime"))


class ActionIdentifyNeed(RepereAction):
    """A theme intent (or « et pour la CAF ? ») -> the need, kept in the `besoin` slot."""

    action_name = "action_identify_need"

    def act(self, dispatcher, tracker):
        o = KNOWLEDGE.orientation()
        intent = _intent(tracker)
        text = tracker.latest_message.get("text") or ""
        demarche = next(tracker.get_latest_entity_values("demarche"), None)
        organisme = next(tracker.get_latest_entity_values("organisme"), None)
        if _names_only_a_commune(tracker):  # « et à Yvré-le-Pôlin ? » read as a theme: keep the need
            need = r.need_from_key(o, tracker.get_slot("besoin"))
        elif demarche in o.k.demarches:
            need = Need("demarche", demarche, o.k.demarches[demarche].titre)
        elif intent.startswith(THEME_PREFIX) and intent.removeprefix(THEME_PREFIX) in THEMES:
            need = o.find_need_in_theme(text, intent.removeprefix(THEME_PREFIX))
        elif organisme in o.k.organismes:
            need = Need("organisme", organisme, o.k.organismes[organisme].nom)
        else:
            need = o.find_need(text) or r.need_from_key(o, tracker.get_slot("besoin"))
        return [SlotSet("besoin", r.need_key(need) if need else None), SlotSet("commune_essais", 0), SlotSet("commune_choix", None)]


def _names_only_a_commune(tracker: Tracker) -> bool:
    """« et à Yvré-le-Pôlin ? »: a commune follow-up, whatever intent the NLU guessed."""
    text = tracker.latest_message.get("text") or ""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "commune":
            said = text[entity["start"]:entity["end"]] if "start" in entity else str(entity.get("value", ""))
            return only_names_a_commune(text, said)
    return False


class ValidateCommuneForm(FormValidationAction):
    """Asks for the commune only when the place matters; accepts a name or a postal code."""

    def name(self) -> str:
        return "validate_commune_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        try:
            o = KNOWLEDGE.orientation()
        except DatabaseUnavailable:
            return []  # action_orient will say that the knowledge is unavailable
        tries = tracker.get_slot("commune_essais") or 0
        if not r.place_matters(o, r.need_from_key(o, tracker.get_slot("besoin"))) or tries >= MAX_COMMUNE_TRIES:
            return []
        return domain_slots

    async def validate_commune(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        try:
            o = KNOWLEDGE.orientation()
        except DatabaseUnavailable:
            return {"commune": value}
        check = r.check_commune(o, str(value))
        if check.commune is not None:
            return {"commune": check.commune.nom, "commune_choix": None}
        tries = (tracker.get_slot("commune_essais") or 0) + (1 if check.unknown else 0)
        send(dispatcher, [check.problem] + ([r.Reply(r.unknown_commune_outside(o))] if tries >= MAX_COMMUNE_TRIES else []))
        return {"commune": None, "commune_choix": check.choices or None, "commune_essais": tries}


class ActionAskCommune(RepereAction):
    action_name = "action_ask_commune"

    def act(self, dispatcher, tracker):
        send(dispatcher, [r.commune_question(tracker.get_slot("commune_choix"))])
        return []


class ActionOrient(RepereAction):
    """The answer for the need, the commune and the profile known so far."""

    action_name = "action_orient"

    def act(self, dispatcher, tracker):
        o = KNOWLEDGE.orientation()
        intent = _intent(tracker)
        typed = tracker.get_slot("commune")
        if intent == "inform_commune" and next(tracker.get_latest_entity_values("commune"), None) is None:
            text = tracker.latest_message.get("text") or ""
            if not o.find_commune(text).communes:
                return not_understood(dispatcher, tracker)  # looked like a place name, but names none
            typed = text
        commune, events = None, []
        if typed:
            check = r.check_commune(o, typed)
            if check.commune is None:
                question = r.commune_question(check.choices) if check.choices else r.Reply(r.unknown_commune_outside(o))
                send(dispatcher, [check.problem, question])
                return [SlotSet("commune", None)]
            commune = check.commune
            events.append(SlotSet("commune", commune.nom))
        need = r.need_from_key(o, tracker.get_slot("besoin"))
        if need is None:
            profile_given = tracker.get_slot("age") or tracker.get_slot("regime")
            send(dispatcher, [r.ask_need_reply(f"C'est noté : {commune.nom}." if commune else "C'est noté." if profile_given else "")])
            return events
        answer = o.orient(need, commune, _profile(tracker), current_time())
        send(dispatcher, r.theme_replies(answer) if need.kind == "theme" else r.answer_replies(answer))
        _record(activity.Event(theme=answer.demarche.theme if answer.demarche else need.key if need.kind == "theme" else None,
                               demarche=answer.demarche.id if answer.demarche else None,
                               commune=commune.insee if commune else None,
                               organisme=answer.organismes[0].id if answer.organismes else None))
        return events + [SlotSet("commune_essais", 0), SlotSet("commune_choix", None)]


class ActionFollowUp(RepereAction):
    """« c'est quand ? », « c'est où ? »: about the need already given."""

    action_name = "action_follow_up"

    def act(self, dispatcher, tracker):
        o = KNOWLEDGE.orientation()
        need = r.need_from_key(o, tracker.get_slot("besoin"))
        if need is None:
            send(dispatcher, [r.ask_need_reply()])
            return []
        intent = _intent(tracker)
        answer = o.orient(need, _commune(o, tracker), _profile(tracker), current_time())
        send(dispatcher, r.follow_up_replies(answer, "when" if intent == "ask_when" else "where"))
        return []


class ActionOpeningHours(RepereAction):
    action_name = "action_opening_hours"

    def act(self, dispatcher, tracker):
        o = KNOWLEDGE.orientation()
        organisme = next(tracker.get_latest_entity_values("organisme"), None)
        send(dispatcher, r.opening_hours_replies(o, _commune(o, tracker), organisme, current_time()))
        return []


class ActionHumanContact(RepereAction):
    action_name = "action_human_contact"

    def act(self, dispatcher, tracker):
        o = KNOWLEDGE.orientation()
        commune = _commune(o, tracker)
        send(dispatcher, r.human_contact_replies(o, commune, current_time()))
        _record(activity.Event(commune=commune.insee if commune else None, contact_humain=True))
        return []


class ActionEmergency(RepereAction):
    """Needs no knowledge DB: the emergency numbers are given even if everything else is down."""

    action_name = "action_emergency"

    def act(self, dispatcher, tracker):
        send(dispatcher, [r.Reply(emergency_text(tracker.latest_message.get("text") or ""))])
        return []


def misunderstood_last_turn(tracker: Tracker) -> bool:
    """Whether the bot's previous turn was already a « je n'ai pas compris »."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    if len(users) < 2:
        return False
    previous_turn = tracker.events[users[-2] + 1:users[-1]]
    return any(e.get("event") == "slot" and e.get("name") == "incompris" and e.get("value") for e in previous_turn)


def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
    """First time: ask to rephrase. Twice in a row: the human contact."""
    try:
        o = KNOWLEDGE.orientation()
    except DatabaseUnavailable:
        o = None
    twice = misunderstood_last_turn(tracker)
    send(dispatcher, r.not_understood_replies(twice, o, _commune(o, tracker) if o else None, current_time()))
    _record(activity.Event(compris=False, contact_humain=twice))
    return [SlotSet("incompris", True)]


class ActionNotUnderstood(RepereAction):
    action_name = "action_not_understood"

    def act(self, dispatcher, tracker):
        if _names_only_a_commune(tracker):
            return ActionOrient().act(dispatcher, tracker)
        return not_understood(dispatcher, tracker)
