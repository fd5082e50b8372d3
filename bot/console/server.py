"""Runs the console with uvicorn in a background thread (for `repere serve` and the tests)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import uvicorn

from bot.console.app import create_app
from bot.console.settings import Settings
from bot.live import LiveKnowledge


class ConsoleServer:
    def __init__(self, port: int, settings: Settings | None = None, knowledge: LiveKnowledge | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.port = port
        config = uvicorn.Config(create_app(settings, knowledge, clock), host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> "ConsoleServer":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise OSError(f"la console ne démarre pas sur le port {self.port}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
