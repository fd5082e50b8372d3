"""Benchmark: the assistant through its REST channel, action round trip included.

Starts the real Rasa server and action server (like `make run`), then measures: time from
start to first answer, p50/p95 latency at 1 and at 20 concurrent conversations, messages per
second, the servers' memory, and a fresh training's wall time. Bounded: a fixed number of
conversations on 127.0.0.1, then it stops. Writes bench/results/assistant_latency.json.
Run: make bench (or .venv/bin/python bench/latency.py [--sans-entrainement]).
"""

import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot import db
from bot.assistant import ENGINE, ROOT, Assistant, engine_env, ensure_model
from bot.knowledge.loader import load_directory

RESULTS = ROOT / "bench" / "results" / "assistant_latency.json"
# One conversation: a need with its commune, two follow-ups, thanks (3 of 4 call the actions).
SCRIPT = [("carte grise a Mayet", True), ("et c'est quand ?", True), ("c'est où ?", True), ("merci", False)]


def say(url: str, sender: str, text: str) -> float:
    request = urllib.request.Request(url, method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"sender": sender, "message": text}).encode())
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        replies = json.loads(response.read())
    elapsed = time.perf_counter() - start
    if not replies:
        raise RuntimeError(f"pas de réponse à « {text} »")
    return elapsed


def conversation(url: str) -> list[tuple[float, bool]]:
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    return [(say(url, sender, text), action) for text, action in SCRIPT]


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(pick(0.95) * 1000, 1), "n": len(ordered)}


def run_load(url: str, concurrent: int, conversations: int) -> dict:
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrent) as pool:
        rounds = list(pool.map(lambda _: conversation(url), range(conversations)))
    wall = time.perf_counter() - start
    samples = [s for r in rounds for s in r]
    return {"concurrent_conversations": concurrent, "conversations": conversations,
            "all_messages": percentiles([t for t, _ in samples]),
            "messages_with_action": percentiles([t for t, action in samples if action]),
            "messages_per_second": round(len(samples) / wall, 1), "wall_s": round(wall, 1)}


def rss_mb(pid: int) -> dict:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    kb = lambda name: int(fields[name].split()[0])  # noqa: E731
    return {"rss_mb": round(kb("VmRSS") / 1024), "peak_rss_mb": round(kb("VmHWM") / 1024)}


def fresh_training_seconds() -> float:
    """A training from nothing: its own output folder and an empty Rasa cache."""
    out = Path(tempfile.mkdtemp(prefix="repere-train-"))
    try:
        start = time.perf_counter()
        subprocess.run([str(ENGINE), "train", "--out", str(out / "model"), "--fixed-model-name", "bench"], cwd=ROOT,
                       env=engine_env({"RASA_CACHE_DIRECTORY": str(out / "cache")}), check=True, capture_output=True)
        return round(time.perf_counter() - start, 1)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    model, _ = ensure_model()
    results = {"machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}, 2 cores",
               "model": model.name, "script": [text for text, _ in SCRIPT]}
    with tempfile.TemporaryDirectory() as tmp:
        url_db = f"sqlite:///{tmp}/repere.db"
        db.save(load_directory(ROOT / "knowledge"), db.engine_for(url_db), "bench")
        server = Assistant(model, rasa_port=5205, actions_port=5255, env={"REPERE_DB": url_db, "REPERE_NOW": "2026-11-23T10:00"})
        start = time.perf_counter()
        server.start()
        try:
            url = server.url + "/webhooks/rest/webhook"
            say(url, "bench-first", "bonjour")
            results["start_to_first_answer_s"] = round(time.perf_counter() - start, 1)
            run_load(url, 1, 3)  # warm-up: TensorFlow graphs, DB caches
            results["one_conversation_at_a_time"] = run_load(url, 1, 30)
            results["twenty_concurrent_conversations"] = run_load(url, 20, 100)
            results["rasa_server_memory"] = rss_mb(server.pid("rasa"))
            results["action_server_memory"] = rss_mb(server.pid("actions"))
        finally:
            server.stop()
    if "--sans-entrainement" not in sys.argv:
        results["fresh_training_s"] = fresh_training_seconds()
    elif RESULTS.exists() and "fresh_training_s" in (previous := json.loads(RESULTS.read_text())):
        results["fresh_training_s_of_an_earlier_run"] = previous["fresh_training_s"]  # not measured this time
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
