"""Benchmark: which démarche a first message asks for: lexical, dense, hybrid, classifier.

1. 5-fold cross-validation on the démarches' `exemples` (each fold's phrasings are left out
   of the index and asked): the figure the resolver's method and thresholds are chosen on.
2. The blind held-out set (tests/heldout/messages.yml): reported for each method, never
   used to choose (its errors are not printed).
3. Cost per message (p50, p95) and the memory the sentence encoder adds.
Writes bench/results/resolver_methods.json.
Run: .venv/bin/python bench/resolver_methods.py
"""

import json
import platform
import random
import resource
import statistics
import time
from pathlib import Path

from ruamel.yaml import YAML

from bot.knowledge.loader import load_directory
from bot.understanding.resolver import Resolver, SentenceEncoder

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "resolver_methods.json"
METHODS = ("lexical", "dense", "hybride", "classifieur")
FOLDS = 5


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def score(resolver: Resolver, cases: list[tuple[str, str]]) -> dict:
    top1 = answered = offered = 0
    times = []
    for text, expected in cases:
        start = time.perf_counter()
        resolution = resolver.resolve(text)
        times.append((time.perf_counter() - start) * 1000)
        demarches = [c for c in resolution.candidates if c.kind == "demarche"]
        top1 += bool(demarches) and demarches[0].key == expected
        answered += resolution.best is not None and resolution.best.key == expected
        offered += any(c.key == expected for c in resolution.choices)
    n = len(cases)
    return {"cases": n, "top1": round(top1 / n, 4), "answered_right": round(answered / n, 4),
            "right_among_choices": round(offered / n, 4),
            "p50_ms": round(statistics.median(times), 2), "p95_ms": round(statistics.quantiles(times, n=20)[18], 2)}


def cross_validation(knowledge, method: str, encoder: SentenceEncoder) -> dict:
    phrasings = [(text, d.id) for d in knowledge.demarches.values() for text in d.exemples]
    random.Random(2024).shuffle(phrasings)
    totals: dict[str, list] = {}
    for fold in range(FOLDS):
        asked = phrasings[fold::FOLDS]
        resolver = Resolver(knowledge, method, encoder, exclude={text for text, _ in asked})
        for key, value in score(resolver, asked).items():
            totals.setdefault(key, []).append(value)
    return {key: (sum(v) if key == "cases" else round(statistics.mean(v), 4)) for key, v in totals.items()}


def main() -> None:
    knowledge = load_directory(ROOT / "knowledge")
    heldout = YAML(typ="safe").load((ROOT / "tests" / "heldout" / "messages.yml").read_text(encoding="utf-8"))["messages"]
    cases = [(m["texte"], m["famille"]) for m in heldout]
    before = rss_mb()
    encoder = SentenceEncoder()
    start = time.perf_counter()
    encoder.encode(["échauffement"])
    results = {"machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}",
               "exemples": sum(len(d.exemples) for d in knowledge.demarches.values()),
               "demarches": len(knowledge.demarches),
               "encoder_load_s": round(time.perf_counter() - start, 2)}
    for method in METHODS:
        resolver = Resolver(knowledge, method, encoder)
        start = time.perf_counter()
        resolver.resolve("index")  # builds the dense index once (all phrasings encoded)
        results[method] = {"index_build_s": round(time.perf_counter() - start, 2),
                           "cross_validation_exemples": cross_validation(knowledge, method, encoder),
                           "heldout_first_messages": score(resolver, cases)}
        cv, held = results[method]["cross_validation_exemples"], results[method]["heldout_first_messages"]
        print(f"{method:8} CV top-1 {cv['top1']:.3f} answered {cv['answered_right']:.3f} | held-out top-1 {held['top1']:.3f} "
              f"answered {held['answered_right']:.3f} | p50 {held['p50_ms']} ms p95 {held['p95_ms']} ms")
    results["process_peak_rss_mb"] = {"before_encoder": before, "after": rss_mb()}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(f"écrit : {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
