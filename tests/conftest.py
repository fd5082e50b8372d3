import os
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

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
