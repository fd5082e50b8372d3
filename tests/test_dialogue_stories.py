"""Rasa's own checks on the trained assistant: data validation and the test stories."""

import subprocess

import pytest

from bot.assistant import ENGINE, ROOT, engine_env, ensure_model

pytestmark = pytest.mark.skipif(not ENGINE.exists(), reason="venv moteur absent : « make test » l'installe")


def rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(ENGINE), *args], cwd=ROOT, env=engine_env(), capture_output=True, text=True, timeout=timeout)


def test_rasa_data_validate_has_no_error_and_no_warning():
    done = rasa("data", "validate", "--fail-on-warnings")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


def test_the_test_stories_predict_every_action(tmp_path):
    model, _ = ensure_model()
    done = rasa("test", "core", "--model", str(model), "--stories", "tests/stories", "--out", str(tmp_path),
                "--fail-on-prediction-errors")
    failed = (tmp_path / "failed_test_stories.yml")
    details = failed.read_text() if failed.exists() else ""
    assert done.returncode == 0, details[-4000:] or (done.stdout + done.stderr)[-3000:]
    assert "stories:" not in details or details.strip().endswith("stories: []")
