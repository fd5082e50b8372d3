"""Benchmark: where a Rasa replica's time per message goes, in the production mode under load.

The production mode with one Rasa replica (two action servers, PostgreSQL tracker store,
Redis lock store, nginx) takes 20 concurrent conversations while py-spy samples the replica
(200 samples a second, no pause). Every sample inside Rasa's message handling is attributed
to one stage of the turn: the NLU, reading and writing the conversation store, the Redis
lock, the dialogue policies, the action server's round trip and Rasa's check of its answer.
Writes bench/results/profile_turn.json.
Run: .venv/bin/python bench/profile_turn.py [--conversations 150]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bot.assistant import ROOT, ensure_model
from bot.production import Production

sys.path.insert(0, str(Path(__file__).parent))
from latency import run_load  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "profile_turn.json"
PY_SPY = ROOT / ".venv" / "bin" / "py-spy"
TURN = "handle_message (rasa/core/agent.py"  # the lock is taken here, around the processor
# Innermost first: a sample goes to the first stage whose frame it holds.
STAGES = [
    ("check of the action server's answer (jsonschema)", ("_validate_action_result (rasa/core/actions/action.py",)),
    ("action server round trip", ("run (rasa/core/actions/action.py",)),
    ("NLU (spaCy, DIET, entity extraction)", ("parse_message (rasa/core/processor.py",)),
    ("conversation store: write", ("save_tracker (rasa/core/processor.py", "save (rasa/core/tracker_store.py")),
    ("conversation store: read", ("get_tracker (rasa/core/processor.py", "retrieve (rasa/core/tracker_store.py")),
    ("Redis lock", ("lock_store.py",)),
    ("dialogue policies", ("_predict_next_with_tracker (rasa/core/processor.py",)),
]


def attribute(raw: Path) -> dict:
    """Shares of the sampled time inside Rasa's message handling, per stage (py-spy raw output)."""
    stages, turn_samples, jsonschema_cut = Counter(), 0, 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames, count = stack.split(";"), int(count)
        if not any(frame.startswith(TURN) for frame in frames):
            # py-spy cuts very deep stacks; jsonschema's recursion is the only one this deep here
            jsonschema_cut += count if any("jsonschema/" in frame for frame in frames) else 0
            continue
        turn_samples += count
        name = next((stage for stage, marks in STAGES if any(m in frame for frame in frames for m in marks)), "other")
        stages[name] += count
    total = turn_samples + jsonschema_cut
    stages[STAGES[0][0]] += jsonschema_cut
    return {"samples": total, "share": {stage: round(stages[stage] / total, 3) for stage, _ in STAGES + [("other", ())]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=150)
    args = parser.parse_args()
    model, _ = ensure_model()
    base = Path(tempfile.mkdtemp(prefix="repere-bench-profile-"))
    base.chmod(0o755)
    server = Production(model, port=5705, actions_port=5755, pg_port=54359, redis_port=63999, console_port=None,
                        replicas=1, base=base, env={"REPERE_NOW": "2026-11-23T10:00"})
    raw = base / "rasa-1.txt"
    try:
        server.start()
        url = server.url + "/webhooks/rest/webhook"
        run_load(url, 2, 4)  # warm-up
        spy = subprocess.Popen([str(PY_SPY), "record", "--pid", str(server.pid("rasa-1")), "--rate", "200", "--format", "raw",
                                "--output", str(raw), "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        load = run_load(url, 20, args.conversations)
        spy.send_signal(2)  # py-spy writes its samples on SIGINT
        spy.wait(timeout=60)
        results = {"model": model.name, "replicas": 1, "load": load, "rasa_replica": attribute(raw)}
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
