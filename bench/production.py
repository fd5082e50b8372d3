"""Benchmark: the production mode (bot/production.py) under load, and a soak.

For 1 and 2 Rasa replicas (2 action servers, PostgreSQL tracker store, Redis lock store,
nginx), with 0 and then 10,000 conversations already stored: messages per second and
latency at 20 concurrent conversations (closed loop), p95 at an open-loop 10 messages per
second, memory per replica, and where a message's time goes (NLU alone against the whole
turn). Then a soak: 20 concurrent conversations for --soak seconds (600 by default), counting
errors and checking that every message sent is stored (no lost event).
Writes bench/results/production.json.
Run: .venv/bin/python bench/production.py [--soak SECONDS] [--replicas 1,2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

from bot import db
from bot.assistant import ROOT, ensure_model
from bot.production import Production

sys.path.insert(0, str(Path(__file__).parent))
from latency import SCRIPT, percentiles, rss_mb, run_load  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "production.json"
NOW = "2026-11-23T10:00"


def post(url: str, sender: str, message: str) -> tuple[float, bool]:
    request = urllib.request.Request(url, method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"sender": sender, "message": message}).encode())
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            ok = response.status == 200 and bool(json.loads(response.read()))
    except OSError:
        ok = False
    return time.perf_counter() - start, ok


def open_loop(url: str, rate: float, seconds: float) -> dict:
    """Messages sent at a fixed rate whatever the answers' delay (each conversation's turns in order)."""
    samples: list[tuple[float, bool]] = []
    lock = threading.Lock()

    def one_conversation():
        sender = f"open-{uuid.uuid4().hex[:10]}"
        for message, _ in SCRIPT:
            result = post(url, sender, message)
            with lock:
                samples.append(result)

    threads, start = [], time.perf_counter()
    for i in range(int(rate * seconds / len(SCRIPT))):  # a new conversation every len(SCRIPT)/rate seconds
        time.sleep(max(0.0, start + i * len(SCRIPT) / rate - time.perf_counter()))
        thread = threading.Thread(target=one_conversation)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return {"rate_per_s": rate, "seconds": seconds, **percentiles([t for t, _ in samples]),
            "errors": sum(not ok for _, ok in samples)}


def store_conversations(server: Production, count: int) -> int:
    """`count` copies of one real conversation, stored as Rasa stores them, recently active."""
    sample = f"seed-{uuid.uuid4().hex[:8]}"
    for message, _ in SCRIPT:
        post(server.url + "/webhooks/rest/webhook", sample, message)
    engine = db.engine_for(server.database_url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            "SELECT 'stored-' || g || '-' || sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events, generate_series(1, :count) AS g WHERE sender_id = :sample"), {"count": count, "sample": sample})
        connection.execute(text(
            "INSERT INTO conversation_activity (sender_id, last_seen) SELECT 'stored-' || g || '-' || :sample, :now "
            "FROM generate_series(1, :count) AS g"), {"count": count, "sample": sample, "now": time.time()})
        stored = connection.execute(text("SELECT count(DISTINCT sender_id) FROM events")).scalar()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE events"))  # as autovacuum would soon after such an insert
        connection.execute(text("ANALYZE conversation_activity"))
    return stored


def nlu_share(server: Production) -> dict:
    """Time of the NLU alone (Rasa's /model/parse on one replica) against a whole turn."""
    parse, turn = [], []
    message = SCRIPT[0][0]
    replica = f"http://127.0.0.1:{server.replica_port(1)}/model/parse?token=bench"
    for _ in range(30):
        request = urllib.request.Request(replica, method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"text": message}).encode())
        start = time.perf_counter()
        urllib.request.urlopen(request, timeout=60).read()
        parse.append(time.perf_counter() - start)
        turn.append(post(server.url + "/webhooks/rest/webhook", f"nlu-{uuid.uuid4().hex[:8]}", message)[0])
    return {"nlu_only": percentiles(parse), "whole_turn": percentiles(turn)}


def soak(server: Production, seconds: float, concurrent: int = 20) -> dict:
    deadline, sent, errors = time.monotonic() + seconds, [], []
    lock = threading.Lock()

    def worker():
        while time.monotonic() < deadline:
            sender = f"soak-{uuid.uuid4().hex[:10]}"
            for message, _ in SCRIPT:
                _, ok = post(server.url + "/webhooks/rest/webhook", sender, message)
                with lock:
                    sent.append(sender)
                    if not ok:
                        errors.append(sender)

    with ThreadPoolExecutor(concurrent) as pool:
        for _ in range(concurrent):
            pool.submit(worker)
    with db.engine_for(server.database_url).connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM events WHERE type_name = 'user' AND sender_id LIKE 'soak-%'")).scalar()
    return {"seconds": seconds, "concurrent_conversations": concurrent, "messages": len(sent), "errors": len(errors),
            "user_events_stored": stored, "lost_events": len(sent) - stored}


def run_mode(model: Path, replicas: int, args) -> dict:
    base = Path(tempfile.mkdtemp(prefix="repere-bench-production-"))
    base.chmod(0o755)
    server = Production(model, port=5605, actions_port=5655, pg_port=54349, redis_port=63899, console_port=None,
                        replicas=replicas, base=base, env={"REPERE_NOW": NOW}, api_token="bench")
    try:
        server.start()
        url = server.url + "/webhooks/rest/webhook"
        run_load(url, 2, 4)  # warm-up of every replica
        result: dict = {"replicas": replicas, "startup_s": round(server.startup_seconds, 1)}
        result["stored_0"] = {"closed_loop_20": run_load(url, 20, 100), "open_loop_10_per_s": open_loop(url, 10, 60)}
        stored = store_conversations(server, 10_000)
        result["stored_10000"] = {"conversations_stored": stored, "closed_loop_20": run_load(url, 20, 100),
                                  "open_loop_10_per_s": open_loop(url, 10, 60)}
        result["memory_per_replica"] = [rss_mb(server.pid(f"rasa-{i}")) for i in range(1, replicas + 1)]
        if replicas == 1:
            result["time_per_message"] = nlu_share(server)
        if args.soak and replicas == max(args.replicas):
            result["soak"] = soak(server, args.soak)
        return result
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soak", type=float, default=600)
    parser.add_argument("--replicas", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2])
    args = parser.parse_args()
    model, _ = ensure_model()
    results = {"model": model.name, "script": [m for m, _ in SCRIPT], "modes": [run_mode(model, r, args) for r in args.replicas]}
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
