"""The assistant's processes: the Rasa engine (its own venv) and our action server.

Training happens only when the NLU/dialogue data, the config or the engine's pins changed
(a fingerprint names the model file). `Assistant` starts both servers, waits until they
answer, and stops them; `repere serve`, the end-to-end tests and the benchmarks use it.
Nothing here imports Rasa: the engine is driven as a program.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.supervision import Program, Supervised, Supervisor

ROOT = Path(__file__).resolve().parents[1]
WIDGET = ROOT / "widget"
ENGINE = ROOT / ".venv-engine" / "bin" / "rasa"
MODELS = ROOT / "models"
TRAINING_INPUTS = ("config.yml", "domain.yml", "requirements/engine.lock")


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no access log: the demo page needs none
        pass


def serve_files(directory: Path, port: int) -> http.server.ThreadingHTTPServer:
    """Static files (the widget and its demo page) on 127.0.0.1:port, in a background thread."""
    handler = functools.partial(QuietFiles, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class AssistantError(Exception):
    """Training or starting failed: the message is French, for the person at the terminal."""


def engine_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", SQLALCHEMY_SILENCE_UBER_WARNING="1",
               PYTHONWARNINGS="ignore", PYTHONPATH=str(ROOT))  # the engine loads engine/ and bot.privacy from here
    env.setdefault("REPERE_ACTIONS_URL", "http://127.0.0.1:5055/webhook")
    return env | (extra or {})


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    files = [root / name for name in TRAINING_INPUTS] + sorted((root / "data").rglob("*.yml"))
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def model_path(root: Path = ROOT) -> Path:
    return MODELS / f"repere-{fingerprint(root)}.tar.gz"


def ensure_model(log=print) -> tuple[Path, float | None]:
    """The model for the current data: trained now if missing. Returns (path, seconds or None)."""
    target = model_path()
    if target.exists():
        log(f"Modèle à jour : {target.relative_to(ROOT)} (données inchangées, pas d'entraînement).")
        return target, None
    if not ENGINE.exists():
        raise AssistantError("moteur Rasa absent : lancez « scripts/setup.sh engine »")
    log("Données ou configuration modifiées : entraînement du modèle (environ 5 minutes sur 2 cœurs)...")
    start = time.perf_counter()
    done = subprocess.run([str(ENGINE), "train", "--fixed-model-name", target.name.removesuffix(".tar.gz"), "--out", str(MODELS)],
                          cwd=ROOT, env=engine_env(), capture_output=True, text=True)
    if done.returncode != 0 or not target.exists():
        raise AssistantError("l'entraînement a échoué :\n" + (done.stdout + done.stderr)[-3000:])
    for old in MODELS.glob("repere-*.tar.gz"):
        if old != target:
            old.unlink()
    return target, time.perf_counter() - start


def actions_command(port: int) -> list[str]:
    return [sys.executable, "-m", "actions.server", "--port", str(port)]


def rasa_command(model: Path, port: int, endpoints: str, api_token: str | None = None) -> list[str]:
    return [str(ENGINE), "run", "--model", str(model), "--port", str(port), "--interface", "127.0.0.1", "--cors", "*",
            "--credentials", "credentials.yml", "--endpoints", endpoints,
            *(["--enable-api", "--auth-token", api_token] if api_token else [])]


def wait_until_up(url: str, timeout: float, process: subprocess.Popen | None = None) -> float:
    """Seconds until `url` answers; AssistantError if the process dies or time runs out."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process is not None and process.poll() is not None:
            raise AssistantError(f"le serveur s'est arrêté au démarrage (code {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise AssistantError(f"{url} ne répond pas après {timeout:.0f} s")


@dataclass
class Assistant(Supervised):
    """Both servers under a supervisor that restarts either if it crashes and appends to rotated
    logs (bot/supervision.py). Ports and environment (REPERE_DB, REPERE_NOW) are the caller's."""

    model: Path
    rasa_port: int = 5005
    actions_port: int = 5055
    env: dict[str, str] = field(default_factory=dict)
    logs: Path = ROOT / "var" / "log"
    supervisor: Supervisor | None = None
    startup_seconds: float | None = None
    api_token: str | None = None  # Rasa's HTTP API stays off unless a token protects it (tests)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"

    def programs(self) -> list[Program]:
        return [
            Program("actions", actions_command(self.actions_port), f"actions-{self.actions_port}.log"),
            Program("rasa", rasa_command(self.model, self.rasa_port, "endpoints.yml", self.api_token), f"rasa-{self.rasa_port}.log"),
        ]

    def start(self, timeout: float = 240) -> "Assistant":
        start = time.perf_counter()
        self.supervisor = Supervisor(str(self.rasa_port), self.programs(), self.logs, ROOT / "var" / "run" / str(self.rasa_port), ROOT)
        self.supervisor.start(engine_env(self.env | {"REPERE_ACTIONS_URL": self.actions_url, "SANIC_HOST": "127.0.0.1"}))
        try:
            wait_until_up(f"http://127.0.0.1:{self.actions_port}/pret", 180, self.supervisor.process)  # résolveur fitted
            wait_until_up(self.url + "/", timeout, self.supervisor.process)
        except AssistantError:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - start
        return self
