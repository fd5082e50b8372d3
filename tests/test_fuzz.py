"""A short run of bench/fuzz.py (400 hostile messages over REST, 20 over socket.io) against the
real servers: no 5xx, every accepted message answered, Rasa never restarted. The bench runs
10,000 and reports the peak memory (README)."""

import sys

import pytest

from bot.assistant import ENGINE
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from fuzz import run  # noqa: E402

pytestmark = pytest.mark.skipif(not ENGINE.exists(), reason="venv moteur absent : « make test » l'installe")


def test_hostile_messages_get_no_server_error_and_no_silence(assistant):
    results = run(assistant, messages=400, seed=7)
    assert results["server_errors_5xx"] == 0 and results["connection_failures"] == 0, results["statuses"]
    assert results["accepted_without_answer"] == 0
    assert results["socketio"].get("unanswered", 0) == 0 and results["socketio"]["answered"] == 20
    assert not results["rasa_restarted"]
