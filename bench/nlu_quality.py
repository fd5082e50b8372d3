"""Benchmark: NLU quality on the two held-out files and by 5-fold cross-validation.

Runs the engine's own `rasa test nlu` (the trained model on the two held-out files, then
5-fold cross-validation on data/nlu) and writes bench/results/nlu_quality.json: accuracy,
macro-F1, per-intent F1 and the most confused pairs.
Run: make bench (or .venv/bin/python bench/nlu_quality.py [--sans-validation-croisee]).
"""

import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.assistant import ENGINE, ROOT, engine_env, ensure_model

OUT = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results" / "nlu_quality.json"
# heldout: the target file; heldout_b: written later, before the data it now checks was added.
HELDOUT_FILES = ("heldout", "heldout_b")


def rasa_test_nlu(args: list[str], out: Path) -> dict:
    start = time.perf_counter()
    done = subprocess.run([str(ENGINE), "test", "nlu", "--out", str(out), *args], cwd=ROOT, env=engine_env(),
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("rasa test nlu a échoué :\n" + (done.stdout + done.stderr)[-3000:])
    report = json.loads((out / "intent_report.json").read_text())
    return summarize(report) | {"seconds": round(time.perf_counter() - start, 1)}


def summarize(report: dict) -> dict:
    intents = {k: v for k, v in report.items() if isinstance(v, dict) and "confused_with" in v}
    pairs = sorted(((n, f"{intent} -> {other}") for intent, v in intents.items() for other, n in v["confused_with"].items()),
                   reverse=True)
    return {
        "messages": report["macro avg"]["support"],
        "accuracy": round(report["accuracy"], 4),
        "macro_f1": round(report["macro avg"]["f1-score"], 4),
        "theme_intents_macro_f1": round(statistics.mean(v["f1-score"] for k, v in intents.items() if k.startswith("theme_")), 4),
        "f1_by_intent": {k: round(v["f1-score"], 3) for k, v in sorted(intents.items())},
        "most_confused": [{"pair": pair, "count": n} for n, pair in pairs[:8]],
    }


def main() -> None:
    model, _ = ensure_model()
    results = {"machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}", "model": model.name}
    for name in HELDOUT_FILES:
        results[name] = held = rasa_test_nlu(["--nlu", f"tests/nlu/{name}.yml", "--model", str(model)], OUT / name)
        print(f"{name} : accuracy {held['accuracy']}, macro-F1 {held['macro_f1']} (themes {held['theme_intents_macro_f1']})")
    if "--sans-validation-croisee" in sys.argv:  # keep the last cross-validation figures if they are for the same data
        previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        if previous.get("model") == model.name and "cross_validation_5_folds" in previous:
            results["cross_validation_5_folds"] = previous["cross_validation_5_folds"]
    else:
        results["cross_validation_5_folds"] = rasa_test_nlu(["--nlu", "data/nlu", "--cross-validation", "--folds", "5"],
                                                            OUT / "cross-validation")
        cv = results["cross_validation_5_folds"]
        print(f"5-fold cross-validation : accuracy {cv['accuracy']}, macro-F1 {cv['macro_f1']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(f"écrit : {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
