"""The console's sign-in limiter and its server-side sessions, both in memory (one process).

The signed cookie only carries a random session id: signing out, idling or a restart ends a
session at once, and a copy of the cookie is worth nothing afterwards.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


def token() -> str:
    return secrets.token_urlsafe(32)


class SignInLimiter:
    """At most `attempts` failed sign-ins per client address in any `window` seconds. The number
    of addresses remembered is bounded: the least recently failing one is forgotten first."""

    def __init__(self, attempts: int = 5, window: float = 60, clients: int = 10_000, clock: Clock = time.monotonic):
        self.attempts, self.window, self.clients, self.clock = attempts, window, clients, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds before this client may try again; 0 when it may now."""
        with self._lock:
            failures = self._failures.get(client)
            if failures is None or len(failures) < self.attempts:
                return 0
            return max(0.0, failures[0] + self.window - self.clock())

    def failed(self, client: str) -> None:
        with self._lock:
            failures = self._failures.pop(client, None) or deque(maxlen=self.attempts)
            failures.append(self.clock())
            self._failures[client] = failures
            if len(self._failures) > self.clients:
                self._failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


@dataclass
class Session:
    role: str
    started: float
    seen: float
    id: str = field(default_factory=token)
    csrf: str = field(default_factory=token)  # the hidden field « jeton » of the console's forms
    reload: dict | None = None  # the last reload's result, shown once on /sante


class Sessions:
    """Signed-in sessions: ended by sign-out, after `idle` seconds unused or `lifetime` in all.
    At most `limit` are kept: the least recently used one goes first."""

    def __init__(self, idle: float = 2 * 3600, lifetime: float = 8 * 3600, limit: int = 1000, clock: Clock = time.monotonic):
        self.idle, self.lifetime, self.limit, self.clock = idle, lifetime, limit, clock
        self._open: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, role: str) -> Session:
        with self._lock:
            now = self.clock()
            session = Session(role, now, now)
            self._open[session.id] = session
            if len(self._open) > self.limit:
                self._open.popitem(last=False)
            return session

    def get(self, session_id: str | None) -> Session | None:
        with self._lock:
            session = self._open.get(session_id or "")
            if session is None:
                return None
            now = self.clock()
            if now - session.seen > self.idle or now - session.started > self.lifetime:
                del self._open[session.id]
                return None
            session.seen = now
            self._open.move_to_end(session.id)
            return session

    def end(self, session_id: str | None) -> None:
        with self._lock:
            self._open.pop(session_id or "", None)
