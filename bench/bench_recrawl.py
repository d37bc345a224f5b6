"""Requests and wall time of an unchanged re-crawl of the whole sandbox against a first full crawl.

    .venv/bin/python bench/bench_recrawl.py [--runs 2]

Runs `harvester crawl --proxy` subprocesses through an in-process sandbox (its artificial
delays switched off, so the figures measure the crawler, not the sandbox's sleeps) and prints,
per run: wall seconds, requests sent (crawl_runs.requests) and per portal, report pages
fetched in full (200), answered 304, and the new/changed/unchanged counts. The last row is one
more re-crawl after a new report was published on top of a portal's column (it must be new 1).
Unchanged counts the stored reports the run's lists showed: archive lists that are not due
(harvester/recheck.py) are not read, so their reports are not counted.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harvester.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[1]
NEW_ON = "hb-xianning-zwsjj"  # the portal a new report is published on before the last run


def crawl(db: Path, proxy: str, sites: list[str], *extra: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "harvester.cli", "crawl", "--proxy", proxy, "--db", str(db),
                    *[a for s in sites for a in ("--site", s)], *extra], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def hand_made_sites(sb) -> list[str]:
    """The registry rows whose portal the hand-made sandbox serves."""
    from harvester import registry
    from harvester.crawl import DEFAULT_REGISTRY, site_host

    served = set(sb.hosts)
    return [s.id for s in registry.load(DEFAULT_REGISTRY) if s.crawlable and site_host(s) in served]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2, help="unchanged re-crawls after the first")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Sandbox(delay_scale=0) as sb:
        db = Path(tmp) / "bench.db"
        sites = hand_made_sites(sb)
        print(f"{'run':<14}{'wall s':>8}{'requests':>10}{'/portal':>9}{'200 pages':>11}{'304':>6}{'new':>6}"
              f"{'changed':>9}{'unchanged':>11}")
        for n in range(args.runs + 2):
            if n == args.runs + 1:  # a new report on top of a column: the re-crawl must find it
                latest = max(sb.truth.site(NEW_ON)["reports"], key=lambda r: r["year"])
                sb.publish(NEW_ON, {"year": latest["year"] + 1})
            sb.request_log.clear()
            wall = crawl(db, sb.proxy_url, sites)
            log = sb.request_log.snapshot()
            con = sqlite3.connect(db)
            requests, new, changed, unchanged = con.execute(
                "select requests, new_reports, changed_reports, unchanged_reports from crawl_runs order by id desc limit 1"
            ).fetchone()
            sources = {u for (u,) in con.execute("select url from report_sources")}
            con.close()
            full = sum(1 for r in log if r["url"] in sources and r["status"] == 200)
            not_modified = sum(1 for r in log if r["status"] == 304)
            label = "first (full)" if n == 0 else "+1 new report" if n == args.runs + 1 else f"re-crawl {n}"
            print(f"{label:<14}{wall:>8.1f}{requests:>10}{requests / len(sites):>9.1f}{full:>11}{not_modified:>6}"
                  f"{new:>6}{changed:>9}{unchanged:>11}")


if __name__ == "__main__":
    main()
