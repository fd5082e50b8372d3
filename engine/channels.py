"""Rasa's REST and socket.io channels with bounded input: a message longer than MAX_CHARACTERS,
or one more than MAX_PER_MINUTE from the same sender in a minute, gets a short French answer
and never reaches the NLU, the tracker store or the logs (one 100,000-character message used
to grow the Rasa process past 20 GB). credentials.yml names these classes; their URLs are
Rasa's own (/webhooks/rest/webhook, /socket.io).

socket.io also gets Rasa 3.6's session request fixed: it calls python-socketio 5's coroutine
`enter_room` without awaiting it, so the client never joins its session's room and never
receives an answer.

Never silent: when a turn sends nothing back (the action server down or hung, an error in the
engine, the SQL conversation store down), the engine answers by itself, without the action
server or the knowledge DB: the emergency numbers for distress (bot/emergency.py), else the
national contact (bot/fallback.py). A REST body that is not {"sender", "message"} gets a 400
in French (Rasa answered 500)."""

import collections
import logging
import time
import uuid
from typing import Awaitable, Callable, Deque, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.emergency import emergency_text, is_distress
from bot.fallback import unavailable_text
from engine.tracker_store import ConversationStoreUnavailable

log = logging.getLogger(__name__)

MAX_CHARACTERS = 1000  # the widget's own limit (widget/repere-widget.js, maxLength)
MAX_PER_MINUTE = 30
TOO_LONG = ("Votre message est trop long pour moi (plus de 1 000 caractères). Décrivez votre démarche en une ou "
            "deux phrases, par exemple « refaire ma carte d'identité » ou « demande d'APL à Mayet ».")
TOO_MANY = "Vous envoyez beaucoup de messages à la suite. Patientez une minute, puis décrivez votre démarche."
MALFORMED = 'Requête invalide : un objet JSON est attendu, {"sender": "identifiant", "message": "texte"}.'

Handler = Callable[[UserMessage], Awaitable[None]]


class SenderRate:
    """Messages per sender over the last minute; senders silent for a minute are forgotten."""

    def __init__(self, limit: int = MAX_PER_MINUTE, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._seen: Dict[Text, Deque[float]] = {}
        self._next_sweep = 0.0

    def allow(self, sender: Text) -> bool:
        now = time.monotonic()
        if now >= self._next_sweep:  # bounded memory whatever the number of senders
            self._seen = {s: q for s, q in self._seen.items() if q and now - q[-1] < self.window}
            self._next_sweep = now + self.window
        times = self._seen.setdefault(sender, collections.deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True


class Watched:
    """An output channel that counts what the turn sends through it."""

    def __init__(self, channel: OutputChannel) -> None:
        self.channel, self.sent = channel, 0

    async def send_response(self, recipient_id: Text, message: Dict) -> None:
        self.sent += 1
        await self.channel.send_response(recipient_id, message)

    def __getattr__(self, name: Text):
        return getattr(self.channel, name)


def static_answer(text: Text, intent: Optional[Text]) -> Text:
    return emergency_text(text) if intent == "distress" or is_distress(text) else unavailable_text()


def bounded(on_new_message: Handler, rate: SenderRate) -> Handler:
    async def handle(message: UserMessage) -> None:
        channel = message.output_channel
        if not isinstance(message.text, str):  # socket.io lets any JSON type through
            message.text = "" if message.text is None else str(message.text)
        if len(message.text or "") > MAX_CHARACTERS:
            await channel.send_text_message(message.sender_id, TOO_LONG)
        elif not rate.allow(message.sender_id):
            await channel.send_text_message(message.sender_id, TOO_MANY)
        else:
            message.output_channel = watched = Watched(channel)
            try:
                await on_new_message(message)
            except ConversationStoreUnavailable as error:  # loud, never a conversation silently restarted
                log.error("CONVERSATION STORE DOWN, the turn is answered with the national contact: %s", error)
            except Exception:  # noqa: BLE001 - answered below, never a 500 or a silence
                log.exception("the turn failed in the engine")
            if watched.sent == 0:
                log.warning("nothing answered (action server down?): the engine answers by itself")
                await channel.send_text_message(message.sender_id, static_answer(message.text or "", await intent_of(message)))

    return handle


async def intent_of(message: UserMessage) -> Optional[Text]:
    """The intent the NLU gave the message, read back from the conversation store (None if unknown)."""
    try:
        tracker = await Sanic.get_app().ctx.agent.tracker_store.retrieve(message.sender_id)
        return (tracker.latest_message.intent or {}).get("name") if tracker else None
    except (Exception, ConversationStoreUnavailable):  # noqa: BLE001 - the words alone then decide
        return None


class BoundedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Handler):
        blueprint = super().blueprint(bounded(on_new_message, SenderRate()))

        @blueprint.middleware("request")
        async def well_formed(request: Request) -> Optional[HTTPResponse]:
            """A body that is not {"sender": ..., "message": "..."} gets a 400 in French (Rasa answered 500)."""
            if request.method != "POST":
                return None
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - Sanic's error for a body that is not JSON
                body = None
            if (isinstance(body, dict) and isinstance(body.get("message"), str) and isinstance(body.get("sender"), (str, int))
                    and str(body["sender"]).strip() and isinstance(body.get("metadata") or {}, dict)
                    and isinstance(body.get("input_channel") or "", str)):
                return None
            return response.json({"erreur": MALFORMED}, status=400)

        return blueprint


class BoundedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Handler):
        blueprint = super().blueprint(bounded(on_new_message, SenderRate()))
        sio = self.sio

        @sio.on("session_request", namespace=self.namespace)  # replaces Rasa's handler
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session = (data or {}).get("session_id") or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session, namespace=self.namespace)
            await sio.emit("session_confirm", session, room=sid, namespace=self.namespace)

        return blueprint
