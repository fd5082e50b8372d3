"""Benchmark: check and load a knowledge base of 100 territories (SQLite), then read it back.

The demo territory is copied 100 times with new ids. Writes bench/results/knowledge_load.json.
Run: make bench (or .venv/bin/python bench/knowledge_load.py).
"""

import json
import re
import resource
import shutil
import tempfile
import time
from pathlib import Path

from bot import db
from bot.knowledge.loader import load_directory

ROOT = Path(__file__).resolve().parents[1]
TERRITORIES = 100


def build(target: Path) -> None:
    shutil.copytree(ROOT / "knowledge" / "national", target / "national")
    territory = (ROOT / "knowledge" / "sud-sarthe" / "territoire.yml").read_text(encoding="utf-8")
    communes = (ROOT / "knowledge" / "sud-sarthe" / "communes.yml").read_text(encoding="utf-8")
    lieu_ids = re.findall(r"^  - id: (\S+)", territory.split("permanences:")[0], re.MULTILINE)
    perm_ids = re.findall(r"^  - id: (\S+)", territory.split("permanences:")[1], re.MULTILINE)
    for n in range(TERRITORIES):
        text, ctext = territory.replace("id: sud-sarthe", f"id: t{n}"), communes
        for ident in lieu_ids + perm_ids:
            text = re.sub(rf"\b{ident}\b", f"{ident}-t{n}", text)
        ctext = ctext.replace("fs-le-lude", f"fs-le-lude-t{n}")
        # distinct INSEE codes per copy: 72xxx -> a fake 5-digit code
        ctext = re.sub(r"insee: '72(\d{3})'", lambda m: f"insee: '{(n * 1000 + int(m[1])) % 100000:05d}'", ctext)
        text = re.sub(r'commune: "72(\d{3})"', lambda m: f'commune: "{(n * 1000 + int(m[1])) % 100000:05d}"', text)
        folder = target / f"t{n}"
        folder.mkdir()
        (folder / "territoire.yml").write_text(text, encoding="utf-8")
        (folder / "communes.yml").write_text(ctext, encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "knowledge"
        build(tree)
        files = len(list(tree.rglob("*.yml")))
        t0 = time.perf_counter()
        k = load_directory(tree)
        check_s = time.perf_counter() - t0
        engine = db.engine_for(f"sqlite:///{tmp}/bench.db")
        t0 = time.perf_counter()
        entries = db.save(k, engine, str(tree))
        save_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        db.read(engine)
        read_s = time.perf_counter() - t0
        db_bytes = Path(f"{tmp}/bench.db").stat().st_size
    result = {
        "what": f"{TERRITORIES} territories + national catalogue: {files} YAML files",
        "entries": entries,
        "permanences": len(k.permanences),
        "communes": len(k.communes),
        "check_s": round(check_s, 2),
        "load_to_sqlite_s": round(save_s, 2),
        "read_from_sqlite_s": round(read_s, 2),
        "sqlite_file_mb": round(db_bytes / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    out = Path(__file__).parent / "results" / "knowledge_load.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
