"""The frozen subset of the blind held-out set (every 10th first message, every 8th conversation),
end to end through the real Rasa and action servers, scored as `bench/e2e_heldout.py` scores the
whole set. A regression guard: the figure that counts is the bench's, on the whole set."""

import sys

import pytest

from bot.assistant import ENGINE
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from e2e_heldout import load_heldout, run_set  # noqa: E402

pytestmark = pytest.mark.skipif(not ENGINE.exists(), reason="venv moteur absent : « make test » l'installe")

# Measured on the whole set by bench/e2e_heldout.py (README); the subset must not fall below these.
FIRST_MESSAGES_AT_LEAST = 0.85  # the subset measured 44/47 = 0.936 (bench/e2e_heldout.py --sous-ensemble)
CONVERSATIONS_AT_LEAST = 0.80  # measured 10/11


def test_the_frozen_heldout_subset_is_answered_end_to_end(assistant, knowledge):
    messages, conversations = load_heldout(subset=True)
    assert len(messages) == 47 and len(conversations) == 11
    results = run_set(assistant.url, knowledge, messages, conversations)
    assert results["first_messages"]["accuracy"] >= FIRST_MESSAGES_AT_LEAST, results["first_messages"]["misses_by_kind"]
    assert results["conversations"]["pass_rate"] >= CONVERSATIONS_AT_LEAST
