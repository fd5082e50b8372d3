"""Benchmark: the personal-number masking (bot/privacy.py) on adversarial texts of growing size.

Linear patterns take about twice as long for twice the text; a pattern that restarts at every position
takes four times as long. Writes bench/results/privacy_patterns.json.
Run: .venv/bin/python bench/privacy_patterns.py
"""

import json
import platform
import time
from pathlib import Path

from bot.privacy import redact

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results" / "privacy_patterns.json"
SIZES = (50_000, 100_000, 200_000, 400_000)
TEXTS = {"un mot suivi de @": lambda n: "a" * n + "@", "a.a.a.": lambda n: "a." * (n // 2),
         "chiffres": lambda n: "1" * n, "mots puis at": lambda n: "a " * (n // 2) + "at",
         "chiffres espacés": lambda n: "1 " * (n // 2)}


def main() -> None:
    results = {"machine": f"{platform.machine()}, Python {platform.python_version()}", "seconds": {}}
    for name, make in TEXTS.items():
        timings = {}
        for n in SIZES:
            text = make(n)
            start = time.perf_counter()
            redact(text)
            timings[n] = round(time.perf_counter() - start, 4)
        results["seconds"][name] = timings
        ratio = timings[SIZES[-1]] / max(timings[SIZES[-2]], 1e-9)
        print(f"{name:18} " + "  ".join(f"{n:,}: {t} s" for n, t in timings.items()) + f"  (x2 de texte : x{ratio:.1f})")
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
