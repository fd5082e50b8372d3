"""Rasa actions: thin adapters between the tracker and bot/ (understanding, conversation, orientation).

Each action reads the conversation's slots, asks bot/ for the replies and sends them. If
anything fails (knowledge DB unreachable, a bug), the citizen still gets an answer with
the national contact: the assistant never stays silent.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from abc import ABCMeta, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import activity
from bot import conversation as c
from bot import replies as r
from bot.db import DatabaseUnavailable
from bot.emergency import emergency_text
from bot.live import LiveKnowledge, current_time
from bot.privacy import contains_personal_number, redact_logs

redact_logs()  # an action's error can quote the citizen's text
log = logging.getLogger(__name__)
KNOWLEDGE = LiveKnowledge()
ACTIVITY = activity.BackgroundRecorder(KNOWLEDGE.engine)
ANSWER_WITHIN = 60.0  # seconds: a last resort (the DB waits are bounded in bot/live.py); the first answer
# after a start fits the résolveur, which takes 5 to 30 s on 2 busy cores
SLOTS = ("besoin", "commune", "age", "regime", "choix", "commune_choix", "incompris")


WARM = threading.Event()  # set once the résolveur is ready (actions/server.py's /pret)


def _warm() -> None:
    """Load the sentence encoder and fit the résolveur before the first citizen waits for it."""
    try:
        KNOWLEDGE.orientation().resolver.warm()
    except Exception:  # noqa: BLE001 - the first request will say what is wrong
        log.warning("résolveur non préparé au démarrage", exc_info=True)
    finally:
        WARM.set()


threading.Thread(target=_warm, daemon=True, name="repere-warm").start()


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
        except asyncio.TimeoutError:
            log.warning("action %s took more than %s s", self.name(), ANSWER_WITHIN)
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
        """act() on a worker thread, so that a slow DB or a long computation never blocks the
        other conversations; its replies are kept only if it finishes in time."""
        own = CollectingDispatcher()
        events = await asyncio.wait_for(asyncio.to_thread(self.act, own, tracker), ANSWER_WITHIN)
        dispatcher.messages.extend(own.messages)
        return events

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list:
        """The events to return to Rasa; replies go through the dispatcher."""


def state_of(tracker: Tracker) -> c.State:
    return c.State(besoin=tracker.get_slot("besoin"), commune=tracker.get_slot("commune"), age=tracker.get_slot("age"),
                   regime=tracker.get_slot("regime"), choix=tuple(tracker.get_slot("choix") or ()),
                   commune_choix=tuple(tracker.get_slot("commune_choix") or ()), incompris=bool(tracker.get_slot("incompris")))


def turn_of(tracker: Tracker) -> c.Turn:
    message = tracker.latest_message
    intent = message.get("intent") or {}
    return c.Turn(text=message.get("text") or "", intent=intent.get("name") or "", confidence=float(intent.get("confidence") or 0),
                  demarche=next(tracker.get_latest_entity_values("demarche"), None),
                  organisme=next(tracker.get_latest_entity_values("organisme"), None),
                  commune=next(tracker.get_latest_entity_values("commune"), None))


def slot_events(before: c.State, after: c.State) -> list:
    return [SlotSet(name, list(getattr(after, name)) if isinstance(getattr(after, name), tuple) else getattr(after, name))
            for name in SLOTS if getattr(before, name) != getattr(after, name)]


def record(outcome: c.Outcome, commune_insee: str | None) -> None:
    """Anonymous activity: never the text, never the conversation."""
    answer = outcome.answer
    need = answer.need if answer else None
    ACTIVITY.record(activity.Event(
        theme=answer.demarche.theme if answer and answer.demarche else need.key if need and need.kind == "theme" else None,
        demarche=answer.demarche.id if answer and answer.demarche else None,
        commune=commune_insee,
        organisme=answer.organismes[0].id if answer and answer.organismes else None,
        compris=outcome.understood, contact_humain=outcome.human_contact))


def carry_out(dispatcher: CollectingDispatcher, tracker: Tracker, turn_policy) -> list:
    """Run one of bot.conversation's turn policies on the tracker: replies sent, slots returned."""
    o = KNOWLEDGE.orientation()
    before = state_of(tracker)
    outcome = turn_policy(o, before, turn_of(tracker), current_time())
    send(dispatcher, outcome.replies)
    if outcome.response:
        dispatcher.utter_message(response=outcome.response)
    if outcome.answer is not None or not outcome.understood or outcome.human_contact:
        commune = outcome.answer.commune if outcome.answer and outcome.answer.commune else c.commune_of(o, outcome.state)
        record(outcome, commune.insee if commune else None)
    return slot_events(before, outcome.state)


class ActionOrient(RepereAction):
    """A need, a commune, a profile fact or an unsure message: understood and answered at once."""

    action_name = "action_orient"

    def act(self, dispatcher, tracker):
        return carry_out(dispatcher, tracker, c.respond)


class ActionGreet(RepereAction):
    """« bonjour » is greeted; a need said with the greeting is answered."""

    action_name = "action_greet"

    def act(self, dispatcher, tracker):
        return carry_out(dispatcher, tracker, c.greeting_or_need)


class ActionSmallTalk(RepereAction):
    """« oui », « non », « au revoir »: answered, unless the message was misread as one of them."""

    action_name = "action_small_talk"

    def act(self, dispatcher, tracker):
        return carry_out(dispatcher, tracker, c.small_talk_or_need)


class ActionFollowUp(RepereAction):
    """« c'est quand ? », « c'est où ? »: about the need already given."""

    action_name = "action_follow_up"

    def act(self, dispatcher, tracker):
        o = KNOWLEDGE.orientation()
        state = state_of(tracker)
        need = r.need_from_key(o, state.besoin)
        if need is None:  # « c'est où la MSAP ? » before any need: what it names, else the question
            return carry_out(dispatcher, tracker, c.follow_up_without_need)
        intent = turn_of(tracker).intent
        commune = c.commune_of(o, state)
        answer = o.orient(need, commune, c.profile_of(state), current_time())
        replies = r.follow_up_replies(answer, "when" if intent == "ask_when" else "where")
        if commune is None and r.place_matters(o, need):
            replies.append(r.commune_question())
        send(dispatcher, replies)
        return []


class ActionOpeningHours(RepereAction):
    action_name = "action_opening_hours"

    def act(self, dispatcher, tracker):
        return carry_out(dispatcher, tracker, c.opening_hours)


class ActionHumanContact(RepereAction):
    """The France Services contact; « quelqu'un de la CARSAT » is answered as an organisme request."""

    action_name = "action_human_contact"

    def act(self, dispatcher, tracker):
        return carry_out(dispatcher, tracker, c.human_or_need)


class ActionEmergency(RepereAction):
    """Needs no knowledge DB: the emergency numbers are given even if everything else is down."""

    action_name = "action_emergency"

    def act(self, dispatcher, tracker):
        send(dispatcher, [r.Reply(emergency_text(tracker.latest_message.get("text") or ""))])
        return []


class ActionNotUnderstood(RepereAction):
    """The NLU is unsure: the résolveur may still recognise a need or a commune; else, not understood."""

    action_name = "action_not_understood"

    def act(self, dispatcher, tracker):
        try:
            o = KNOWLEDGE.orientation()
        except DatabaseUnavailable:
            o = None
        before = state_of(tracker)
        outcome = c.respond(o, before, turn_of(tracker), current_time()) if o else c.not_understood(None, before, current_time())
        send(dispatcher, outcome.replies)
        if o is not None:
            record(outcome, outcome.answer.commune.insee if outcome.answer and outcome.answer.commune else None)
        return slot_events(before, outcome.state)
