import os
import textwrap
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from bot import db
from bot.assistant import Assistant, ensure_model
from bot.knowledge.loader import load_directory
from bot.orientation import Orientation
from bot.schedule import PARIS

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
# A fixed clock: Monday 23 November 2026, 10:00 in Le Lude.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)


@pytest.fixture(scope="session")
def knowledge():
    return load_directory(KNOWLEDGE)


@pytest.fixture(scope="session")
def orientation(knowledge):
    return Orientation(knowledge)


@pytest.fixture
def write_tree(tmp_path):
    """Write {relative path: yaml text} under a fresh knowledge folder; returns the folder."""

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / "knowledge"
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return write


@pytest.fixture
def pg_url():
    url = os.environ.get("REPERE_TEST_PG_URL")
    if not url:
        pytest.skip("REPERE_TEST_PG_URL non défini : lancez les tests par « make test », qui démarre PostgreSQL")
    return url


API_TOKEN = uuid.uuid4().hex  # Rasa's HTTP API is on only in the tests, behind this token


@pytest.fixture(scope="session")
def assistant(tmp_path_factory):
    """The real Rasa server and action server, on a fresh knowledge DB, under the fixed clock NOW."""
    path = tmp_path_factory.mktemp("assistant") / "repere.db"
    db.save(load_directory(KNOWLEDGE), db.engine_for(f"sqlite:///{path}"), "tests")
    model, _ = ensure_model()
    server = Assistant(model, rasa_port=5105, actions_port=5155, api_token=API_TOKEN,
                       env={"REPERE_DB": f"sqlite:///{path}", "REPERE_NOW": NOW.replace(tzinfo=None).isoformat()})
    server.start()
    server.db_path = path
    yield server
    server.stop()


CHROMIUM = Path("/usr/bin/chromium")  # Debian's, installed by `scripts/setup.sh browser`


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright (no browser download: Debian's binary)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Chromium absent : « make test » l'installe")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()
