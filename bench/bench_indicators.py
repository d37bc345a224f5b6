"""Cost of the indicators and of the export on a harvest: wall time and peak memory.

    .venv/bin/python bench/bench_indicators.py --db /tmp/hand.db
    .venv/bin/python bench/bench_indicators.py --province 广西      # crawls the national sandbox first

Prints reports, rows written, seconds and the peak resident memory of this process for
`indicators.compute` (run twice: the second run rebuilds the same tables) and for
`export.export` (unfiltered). With --province the harvest is a fresh `harvester crawl --sandbox
--province P` (national sandbox, in a temporary directory), whose own time is printed too.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harvester import export, indicators  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="an existing harvest")
    ap.add_argument("--province", help="crawl this province of the national sandbox first")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-indicators-"))
    db = Path(args.db) if args.db else tmp / "reports.db"
    if args.province:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "harvester.cli", "crawl", "--sandbox", "--province", args.province,
                        "--db", str(db)], cwd=ROOT, check=True, capture_output=True)
        print(f"crawl --sandbox --province {args.province}: {time.perf_counter() - start:.1f} s "
              "(includes one indicators run at its end)")
    for n in (1, 2):
        start = time.perf_counter()
        counts = indicators.compute(db)
        print(f"indicators run {n}: {counts['reports']} reports -> {counts['indicators']} indicator values, "
              f"{counts['coverage']} coverage rows, {counts['yoy']} yoy rows in {time.perf_counter() - start:.2f} s; "
              f"peak RSS {peak_mib():.0f} MiB")
    start = time.perf_counter()
    manifest = export.export(db, tmp / "export.zip")
    size = (tmp / "export.zip").stat().st_size
    print(f"export: {manifest['files']['values_long.csv']['rows']} long values, {len(manifest['files'])} files, "
          f"{size / 2**20:.1f} MiB zip in {time.perf_counter() - start:.2f} s; peak RSS {peak_mib():.0f} MiB")
    shutil.rmtree(tmp) if not args.province else print(f"harvest kept: {db}")


if __name__ == "__main__":
    main()
