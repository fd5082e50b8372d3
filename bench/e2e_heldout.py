"""Benchmark: the blind held-out set, end to end through the running assistant over REST.

Starts the real Rasa server (trained model) and action server on a fresh knowledge DB under
a fixed clock, sends every first message of tests/heldout/messages.yml as a new conversation
and plays every conversation of tests/heldout/conversations.yml, and scores what the citizen
reads (bot/evaluation.py): the right organisme, and the right place when a commune is given;
a clarification question is a miss. Reports by theme and by démarche, and the round-trip
latency measured meanwhile. Errors are counted, never printed: the set must not be tuned on.
Writes bench/results/e2e_heldout.json.
Run: .venv/bin/python bench/e2e_heldout.py [--sous-ensemble]   (the frozen subset of the tests)
     .venv/bin/python bench/e2e_heldout.py --jeu2   (tests/heldout2/: the second blind set, written
     blind after the first had been tuned around; writes bench/results/e2e_heldout2.json)
     .venv/bin/python bench/e2e_heldout.py --dev [--jeu2]   (bench/dev/ or bench/dev2/: the development sets,
     written apart and tuned on; each miss is printed)
"""

import json
import platform
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from pathlib import Path

from ruamel.yaml import YAML

from bot import db
from bot.assistant import ROOT, Assistant, ensure_model
from bot.evaluation import judge
from bot.knowledge.loader import load_directory

HELDOUT = ROOT / "tests" / "heldout"
HELDOUT_2 = ROOT / "tests" / "heldout2"
DEV = ROOT / "bench" / "dev"
DEV_2 = ROOT / "bench" / "dev2"
RESULTS = ROOT / "bench" / "results" / "e2e_heldout.json"
NOW = "2026-11-23T10:00"


def load_heldout(subset: bool = False, folder: Path = HELDOUT) -> tuple[list[dict], list[dict]]:
    """The blind set; the subset (every 10th message, every 8th conversation) is the tests' frozen one."""
    yaml = YAML(typ="safe")
    messages = yaml.load((folder / "messages.yml").read_text(encoding="utf-8"))["messages"]
    conversations = yaml.load((folder / "conversations.yml").read_text(encoding="utf-8"))["conversations"]
    return (messages[::10], conversations[::8]) if subset else (messages, conversations)


class Chat:
    def __init__(self, url: str):
        self.url = url + "/webhooks/rest/webhook"
        self.sender = f"heldout-{uuid.uuid4().hex[:10]}"
        self.latencies: list[float] = []

    def say(self, text: str) -> str:
        request = urllib.request.Request(self.url, method="POST", headers={"Content-Type": "application/json"},
                                         data=json.dumps({"sender": self.sender, "message": text}).encode())
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=120) as response:
            replies = json.loads(response.read())
        self.latencies.append((time.perf_counter() - start) * 1000)
        return "\n".join(r.get("text", "") for r in replies)


def run_set(url: str, knowledge, messages: list[dict], conversations: list[dict], show=None) -> dict:
    latencies: list[float] = []
    by_theme, by_famille, misses = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0]), Counter()
    right = with_commune = right_with_commune = 0
    for m in messages:
        chat = Chat(url)
        said = chat.say(m["texte"])
        verdict = judge(knowledge, said, m["organismes"], m.get("lieu"))
        if show and not verdict.right:
            show(m["id"], m["texte"], m, verdict, said)
        latencies += chat.latencies
        theme = knowledge.demarches[m["famille"]].theme if m["famille"] in knowledge.demarches else "?"
        for table, key in ((by_theme, theme), (by_famille, m["famille"])):
            table[key][0] += verdict.right
            table[key][1] += 1
        right += verdict.right
        misses[verdict.why] += not verdict.right
        if m.get("lieu"):
            with_commune += 1
            right_with_commune += verdict.right
    passed = scored = turns_right = 0
    for conv in conversations:
        chat, ok = Chat(url), True
        for turn in conv["tours"]:
            text = chat.say(turn["dit"])
            if "attendu" in turn:
                scored += 1
                verdict = judge(knowledge, text, **turn["attendu"])
                turns_right += verdict.right
                if show and not verdict.right:
                    show(conv["id"], turn["dit"], turn["attendu"], verdict, text)
                ok &= verdict.right
        latencies += chat.latencies
        passed += ok
    n = len(messages)
    return {
        "first_messages": {"messages": n, "right": right, "accuracy": round(right / n, 4),
                           "with_a_commune": with_commune,
                           "accuracy_with_a_commune": round(right_with_commune / with_commune, 4) if with_commune else None,
                           "misses_by_kind": dict(misses - Counter()),
                           "by_theme": {k: round(v[0] / v[1], 3) for k, v in sorted(by_theme.items())},
                           "by_demarche": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_famille.items())}},
        "conversations": {"conversations": len(conversations), "passed": passed, "pass_rate": round(passed / len(conversations), 4),
                          "scored_turns": scored, "turns_right": turns_right},
        "latency_ms": {"messages": len(latencies), "p50": round(statistics.median(latencies), 1),
                       "p95": round(statistics.quantiles(latencies, n=20)[18], 1)},
    }


def print_miss(ident: str, said: str, expected: dict, verdict, answer: str) -> None:
    """Development set only: what was asked, expected and answered."""
    first = answer.splitlines()[0][:90] if answer else "(rien)"
    print(f"  ✗ {ident} [{verdict.why}] « {said[:110]} » attendu {expected.get('organismes')} {expected.get('lieu') or ''} "
          f"-> « {first} »")


def main() -> None:
    subset, dev, second = "--sous-ensemble" in sys.argv, "--dev" in sys.argv, "--jeu2" in sys.argv
    model, _ = ensure_model()
    knowledge = load_directory(ROOT / "knowledge")
    folder = (DEV_2 if second else DEV) if dev else HELDOUT_2 if second else HELDOUT
    messages, conversations = load_heldout(subset, folder)
    show = print_miss if dev else None
    with tempfile.TemporaryDirectory() as tmp:
        url_db = f"sqlite:///{tmp}/repere.db"
        db.save(knowledge, db.engine_for(url_db), "bench")
        server = Assistant(model, rasa_port=5305, actions_port=5355, env={"REPERE_DB": url_db, "REPERE_NOW": NOW})
        server.start()
        try:
            Chat(server.url).say("bonjour")  # warm-up
            results = run_set(server.url, knowledge, messages, conversations, show)
        finally:
            server.stop()
    results = {"machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}, 2 cores",
               "model": model.name, "set": folder.relative_to(ROOT).as_posix() + (", sous-ensemble figé des tests" if subset else "")} | results
    first, conv = results["first_messages"], results["conversations"]
    print(f"premiers messages : {first['right']}/{first['messages']} = {first['accuracy']} "
          f"(avec commune : {first['accuracy_with_a_commune']}) ; manqués : {first['misses_by_kind']}")
    print(f"conversations : {conv['passed']}/{conv['conversations']} ; tours justes {conv['turns_right']}/{conv['scored_turns']}")
    print(f"latence : p50 {results['latency_ms']['p50']} ms, p95 {results['latency_ms']['p95']} ms")
    if not subset:
        target = RESULTS.with_name(f"e2e_{'dev' if dev else 'heldout'}{'2' if second else ''}.json")
        target.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
        print(f"écrit : {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
