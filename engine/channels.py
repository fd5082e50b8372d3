"""Rasa's REST and socket.io channels with bounded input: a message longer than MAX_CHARACTERS,
or one more than MAX_PER_MINUTE from the same sender in a minute, gets a short French answer
and never reaches the NLU, the tracker store or the logs (one 100,000-character message used
to grow the Rasa process past 20 GB). credentials.yml names these classes; their URLs are
Rasa's own (/webhooks/rest/webhook, /socket.io).

socket.io also gets Rasa 3.6's session request fixed: it calls python-socketio 5's coroutine
`enter_room` without awaiting it, so the client never joins its session's room and never
receives an answer."""

import collections
import time
import uuid
from typing import Awaitable, Callable, Deque, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput

MAX_CHARACTERS = 1000  # the widget's own limit (widget/repere-widget.js, maxLength)
MAX_PER_MINUTE = 30
TOO_LONG = ("Votre message est trop long pour moi (plus de 1 000 caractères). Décrivez votre démarche en une ou "
            "deux phrases, par exemple « refaire ma carte d'identité » ou « demande d'APL à Mayet ».")
TOO_MANY = "Vous envoyez beaucoup de messages à la suite. Patientez une minute, puis décrivez votre démarche."

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


def bounded(on_new_message: Handler, rate: SenderRate) -> Handler:
    async def handle(message: UserMessage) -> None:
        if len(message.text or "") > MAX_CHARACTERS:
            await message.output_channel.send_text_message(message.sender_id, TOO_LONG)
        elif not rate.allow(message.sender_id):
            await message.output_channel.send_text_message(message.sender_id, TOO_MANY)
        else:
            await on_new_message(message)

    return handle


class BoundedRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Handler):
        return super().blueprint(bounded(on_new_message, SenderRate()))


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
