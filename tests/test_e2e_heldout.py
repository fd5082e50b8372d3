"""The frozen subsets of the two blind held-out sets (every 10th first message, every 8th conversation),
end to end through the real Rasa and action servers, scored as `bench/e2e_heldout.py` scores the
whole sets. A regression guard: the figures that count are the bench's, on the whole sets."""

import sys

import pytest

from bot.assistant import ENGINE
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from e2e_heldout import HELDOUT, HELDOUT_2, load_heldout, run_set  # noqa: E402

pytestmark = pytest.mark.skipif(not ENGINE.exists(), reason="venv moteur absent : « make test » l'installe")

# Measured by bench/e2e_heldout.py --sous-ensemble [--jeu2]; the subsets must not fall below these.
FIRST_MESSAGES_AT_LEAST = 0.85  # set 1: 45/47 = 0.957; set 2: 49/53 = 0.925
CONVERSATIONS_AT_LEAST = 0.80  # set 1: 10/11; set 2: 11/11


@pytest.mark.parametrize("folder,sizes", [(HELDOUT, (47, 11)), (HELDOUT_2, (53, 11))], ids=["jeu1", "jeu2"])
def test_the_frozen_heldout_subset_is_answered_end_to_end(assistant, knowledge, folder, sizes):
    messages, conversations = load_heldout(subset=True, folder=folder)
    assert (len(messages), len(conversations)) == sizes
    results = run_set(assistant.url, knowledge, messages, conversations)
    assert results["first_messages"]["accuracy"] >= FIRST_MESSAGES_AT_LEAST, results["first_messages"]["misses_by_kind"]
    assert results["conversations"]["pass_rate"] >= CONVERSATIONS_AT_LEAST
