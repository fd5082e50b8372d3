"""Rasa's check of the action server's answers (engine/action_validation.py), in the engine venv."""

import json
import subprocess

import pytest

from conftest import ROOT

ENGINE = ROOT / ".venv-engine" / "bin" / "python"
pytestmark = pytest.mark.skipif(not ENGINE.exists(), reason="venv moteur absent : « make test » l'installe")

SCRIPT = """
import json
from unittest import mock
import jsonschema
import engine  # what Rasa imports before serving
from rasa.core.actions.action import RemoteAction

action = RemoteAction("action_orienter", None)
good = {"events": [{"event": "slot", "timestamp": None, "name": "commune", "value": "Mayet"}],
        "responses": [{"text": "La carte grise se demande en ligne.", "buttons": [{"title": "Où ?", "payload": "/ou"}]}]}
bad = {"events": [{"event": "slot", "name": 3}], "responses": "pas une liste"}
checks = []
real = jsonschema.Draft202012Validator.check_schema
with mock.patch.object(jsonschema.Draft202012Validator, "check_schema",
                       classmethod(lambda cls, schema, **kw: checks.append(1) or real(schema, **kw))):
    accepted = [action._validate_action_result(good) for _ in range(20)]
    try:
        action._validate_action_result(bad)
        refused = None
    except jsonschema.ValidationError as error:
        refused = error.message
print(json.dumps({"accepted": accepted, "schema_checks": len(checks), "refused": refused}))
"""


@pytest.fixture(scope="module")
def outcome():
    done = subprocess.run([str(ENGINE), "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_valid_answers_are_accepted_without_checking_the_schema_each_time(outcome):
    assert outcome["accepted"] == [True] * 20
    assert outcome["schema_checks"] <= 1  # Rasa's own call re-checked the schema on each of the 20


def test_an_invalid_answer_is_still_refused_with_rasas_message(outcome):
    assert outcome["refused"] and "Failed to validate Action server response" in outcome["refused"]
