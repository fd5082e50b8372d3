"""Benchmark: next slots and a year's planning for 1,000 permanences.

Writes bench/results/schedules.json. Run: make bench (or .venv/bin/python bench/schedules.py).
"""

import json
import platform
import random
import statistics
import time
from datetime import datetime
from pathlib import Path

from bot.knowledge.schema import Horaires
from bot.schedule import PARIS, Schedule, _parsed

JOURS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi"]


def permanence_rules(n: int, seed: int = 7) -> list[Horaires]:
    rng = random.Random(seed)
    rules = []
    for i in range(n):
        regle = {"jours": rng.sample(JOURS, rng.randint(1, 2)), "heures": rng.choice([["9h-12h"], ["14h-17h"], ["9h-12h30", "13h30-17h"]])}
        kind = i % 3
        if kind == 1:
            regle["semaines"] = rng.choice(["paires", "impaires"])
        elif kind == 2:
            regle["rangs"] = rng.choice([[1], [1, 3], [2, 4], [-1]])
        fields = {"regles": [regle], "note": "sur rendez-vous" if i % 2 else None}
        if i % 5 == 0:
            fields["fermetures"] = [{"du": "2026-12-21", "au": "2027-01-03"}]
        if i % 7 == 0:
            fields["sauf"] = ["2027-03-04"]
        rules.append(Horaires.model_validate(fields))
    return rules


def main() -> None:
    rules = permanence_rules(1000)
    now = datetime(2026, 11, 23, 10, tzinfo=PARIS)
    _parsed.cache_clear()
    t0 = time.perf_counter()
    schedules = [Schedule.from_horaires(h) for h in rules]
    compile_s = time.perf_counter() - t0

    per_call = []
    t0 = time.perf_counter()
    for s in schedules:
        t = time.perf_counter()
        s.next_slots(now, 3)
        per_call.append(time.perf_counter() - t)
    next_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    total = sum(len(s.slots_between(now, datetime(2027, 11, 23, tzinfo=PARIS))) for s in schedules)
    year_s = time.perf_counter() - t0

    per_call.sort()
    result = {
        "what": "1,000 permanences (weekly, even/odd weeks, n-th weekday; closures, cancellations)",
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "compile_1000_s": round(compile_s, 3),
        "next_3_slots_1000_s": round(next_s, 3),
        "next_3_slots_p50_ms": round(statistics.median(per_call) * 1000, 3),
        "next_3_slots_p95_ms": round(per_call[int(len(per_call) * 0.95)] * 1000, 3),
        "year_planning_1000_s": round(year_s, 3),
        "year_planning_slots": total,
    }
    out = Path(__file__).parent / "results" / "schedules.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
