"""Benchmark: 10,000 generated hostile messages through the REST and socket.io channels.

Huge, binary, emoji, HTML, JSON-breaking bodies and wrong types, from many senders, sent
concurrently to the real Rasa and action servers (like `make run`). Counts the HTTP statuses
(a 5xx is a failure), the messages left without any answer, the Rasa restarts, and the peak
memory of the Rasa process (VmHWM). Writes bench/results/fuzz.json.
Run: .venv/bin/python bench/fuzz.py [--messages N]   (tests/test_fuzz.py runs 400 of them)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot import db
from bot.assistant import ROOT, Assistant, ensure_model
from bot.knowledge.loader import load_directory

RESULTS = ROOT / "bench" / "results" / "fuzz.json"
WORDS = ["carte vitale", "Mayet", "CAF", "retraite", "bonjour", "<script>alert(1)</script>", "💥🙏🏽", "\u202e", "NULL",
         "' OR 1=1 --", "{{7*7}}", "../../etc/passwd", "\x00", "\ud83d", "é" * 3, "1 85 05 72 191 005 42"]


def hostile(rng: random.Random, i: int) -> tuple[str, bytes]:
    """(sender, raw JSON body) of the i-th message: a kind chosen by i, the content by rng."""
    sender = f"fuzz-{rng.randrange(2000)}"
    kind = i % 10
    if kind == 0:  # huge: up to 200,000 characters
        text = rng.choice(WORDS) * rng.randrange(100, 12_000)
    elif kind == 1:  # binary noise, as much as JSON lets through
        text = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))).decode("latin-1")
    elif kind == 2:  # emoji and odd Unicode
        text = "".join(chr(rng.choice([rng.randrange(0x1F300, 0x1FAFF), rng.randrange(0x2000, 0x206F), 0xFEFF]))
                       for _ in range(rng.randrange(1, 300)))
    elif kind == 3:  # HTML
        text = f"<img src=x onerror=alert({i})><b>{rng.choice(WORDS)}</b>" * rng.randrange(1, 20)
    elif kind == 4:  # JSON-breaking raw bodies
        return sender, rng.choice([b"{", b'{"sender": "x", "message": ', b"\xff\xfe\x00", b"null", b"[]", b"",
                                   b'{"sender": ' + b"[" * 5000 + b"]" * 5000 + b"}", b'{"message": "sans sender"}'])
    elif kind == 5:  # wrong types
        return sender, json.dumps({"sender": rng.choice([None, 5, [], {}]), "message": rng.choice([None, 12, ["a"], {"b": 1}, True])}).encode()
    elif kind == 6:  # empty or blank
        text = rng.choice(["", " ", "\n\n\t", "\u200b"])
    else:  # plausible words, shuffled
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 12)))
    return sender, json.dumps({"sender": sender, "message": text, "metadata": {"i": i}}).encode()


def post(url: str, body: bytes) -> tuple[int, bool]:
    """(HTTP status or 0 when the connection failed, whether any message came back)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, bool(json.loads(response.read() or b"[]"))
    except urllib.error.HTTPError as error:
        return error.code, False
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, False


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def over_socketio(url: str, rng: random.Random, count: int) -> Counter:
    import socketio
    outcome: Counter = Counter()
    for start in range(0, count, 50):  # 50 messages per connection, a new session each
        with socketio.SimpleClient() as client:
            client.connect(url, transports=["polling"], socketio_path="/socket.io")
            client.emit("session_request", {"session_id": f"fuzz-sio-{start}"})
            client.receive(timeout=30)
            for i in range(start, min(start + 50, count)):
                _, body = hostile(rng, i)
                try:
                    message = json.loads(body).get("message") if body.strip().startswith(b"{") else None
                except (ValueError, AttributeError, RecursionError):  # the deliberately broken bodies
                    message = None
                client.emit("user_uttered", {"message": message if isinstance(message, str) else str(message),
                                             "session_id": f"fuzz-sio-{start}"})
                try:
                    client.receive(timeout=60)
                    outcome["answered"] += 1
                except socketio.exceptions.TimeoutError:
                    outcome["unanswered"] += 1
                try:  # the other bubbles of the same answer
                    while True:
                        client.receive(timeout=0.3)
                except socketio.exceptions.TimeoutError:
                    pass
    return outcome


def run(server: Assistant, messages: int, seed: int = 2026, workers: int = 8) -> dict:
    rng = random.Random(seed)
    bodies = [hostile(rng, i)[1] for i in range(messages)]
    rasa_pid = server.pid("rasa")
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(lambda body: post(server.url + "/webhooks/rest/webhook", body), bodies))
    rest_seconds = time.perf_counter() - start
    statuses = Counter(status for status, _ in outcomes)
    valid = [answered for (status, answered), body in zip(outcomes, bodies) if status == 200]
    socket_count = max(messages // 20, 20)
    sio = over_socketio(server.url, random.Random(seed + 1), socket_count)
    return {
        "rest_messages": messages, "rest_seconds": round(rest_seconds, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors_5xx": sum(v for k, v in statuses.items() if k >= 500),
        "connection_failures": statuses.get(0, 0),
        "accepted_without_answer": valid.count(False),
        "socketio_messages": socket_count, "socketio": dict(sio),
        "rasa_restarted": server.pid("rasa") != rasa_pid,
        "rasa_peak_memory_mb": round(peak_memory_mb(server.pid("rasa")), 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    model, _ = ensure_model()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/repere.db"
        db.save(load_directory(ROOT / "knowledge"), db.engine_for(url), "bench")
        with Assistant(model, rasa_port=5405, actions_port=5455, env={"REPERE_DB": url}) as server:
            results = run(server, args.messages)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    sys.exit(0 if results["server_errors_5xx"] == 0 and not results["rasa_restarted"] else 1)


if __name__ == "__main__":
    main()
