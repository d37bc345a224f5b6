"""A crawl shared through Redis by 1 worker against 3 workers, on the national sandbox with its
per-host latency on (harvester/fleet.py, docs/fleet.md).

    .venv/bin/python bench/bench_fleet.py [--province 吉林] [--workers 1,3] [--concurrent 16] [--baseline]

For each fleet size: a fresh national sandbox in a process of its own (latency on), a throw-away
redis-server on a loopback port, N `harvester worker` processes and `harvester crawl --workers`
storing into a new SQLite file. Each crawling process (a worker, or the single process) gets
CONCURRENT_REQUESTS `--concurrent` (16): the capacity of one machine or one proxy, which is
what adding workers adds. Prints per run: seconds, requests (the run record), requests
per second, reports stored, the most requests in flight to one host (the sandbox's log), and
the CPU seconds of the store process, the workers and the sandbox; then the time ratio of the
first size to each other. `--baseline` adds a single-process run (no Redis) first. Every
process runs on this machine: on a small one the workers share its cores with the store
process and the sandbox. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from e2e_helpers import snapshot  # noqa: E402

HARVESTER = [sys.executable, "-m", "harvester.cli"]
# `crawl --sandbox`'s settings (harvester.crawl.SANDBOX_SETTINGS), given to a crawl through a proxy
SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.01, "AUTOTHROTTLE_TARGET_CONCURRENCY": 8.0,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "DOWNLOAD_TIMEOUT": 10}


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def one_run(province: str, workers: int | None, tmp: Path, per_process: int) -> dict:
    """One crawl of the province: `workers` None is the single-process crawl."""
    from harvester.fleet import local_redis
    from harvester.sandbox.process import SandboxProcess

    db = tmp / f"run-{workers or 0}.db"
    args = ["crawl", "--province", province, "--db", str(db)]
    for name, value in dict(SETTINGS, CONCURRENT_REQUESTS=per_process).items():
        args += ["--set", f"{name}={value}"]
    figures: dict = {"workers": workers}
    with SandboxProcess(national=True, latency=True) as sb:
        args += ["--proxy", sb.proxy_url]
        redis = local_redis() if workers else None
        url = redis.__enter__() if redis else None
        procs = []
        try:
            if workers:
                args += ["--workers", url]
                procs = [subprocess.Popen(HARVESTER + ["worker", "--redis", url, "--wait", "300"], cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                         for _ in range(workers)]
            cpu = children_cpu()
            start = time.monotonic()
            done = subprocess.run(HARVESTER + args, cwd=ROOT, capture_output=True, text=True)
            figures["seconds"] = time.monotonic() - start
            figures["store_cpu"] = children_cpu() - cpu
            if done.returncode not in (0, 3):
                raise SystemExit(f"crawl failed ({done.returncode}): {done.stderr[-2000:]}")
            cpu = children_cpu()
            for p in procs:
                p.wait(timeout=300)
            figures["workers_cpu"] = children_cpu() - cpu
            log = sb.log_summary()
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            if redis:
                redis.__exit__(None, None, None)
        cpu = children_cpu()
    figures["sandbox_cpu"] = children_cpu() - cpu
    con = sqlite3.connect(db)
    figures["requests"], figures["status"] = con.execute(
        "select requests, status from crawl_runs order by id desc limit 1").fetchone()
    figures["reports"] = con.execute("select count(*) from reports").fetchone()[0]
    figures["sites"] = con.execute("select count(*) from crawl_sites").fetchone()[0]
    figures["errors"] = con.execute("select count(*) from fetch_errors").fetchone()[0]
    figures["errors_by_kind"] = con.execute(
        "select errors_by_kind from crawl_runs order by id desc limit 1").fetchone()[0]
    con.close()
    figures["content"] = snapshot(db)
    pages = {h: u for h, u in con_rows(db, "select hash, url from pages")}
    figures["pages_only"] = lambda ref: [pages[h] for h in set(pages) - set(ref["page_urls"])]
    figures["page_urls"] = pages
    figures["served"] = log["requests"]
    busiest = max(log["hosts"].items(), key=lambda kv: kv[1]["max_in_flight"], default=("-", {"max_in_flight": 0}))
    figures["max_in_flight_host"] = f"{busiest[1]['max_in_flight']} ({busiest[0]})"
    return figures


def con_rows(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def show(f: dict) -> str:
    who = "single process" if not f["workers"] else f"{f['workers']} worker(s)"
    return (f"{who:>15}: {f['seconds']:7.1f} s, {f['requests']} requests ({f['requests'] / f['seconds']:.1f}/s), "
            f"{f['sites']} sites, {f['reports']} reports, {f['errors']} fetch errors, run {f['status']}; most in "
            f"flight to one host {f['max_in_flight_host']}; CPU s: store {f['store_cpu']:.1f}, workers {f['workers_cpu']:.1f}"
            if f["workers"] else
            f"{who:>15}: {f['seconds']:7.1f} s, {f['requests']} requests ({f['requests'] / f['seconds']:.1f}/s), "
            f"{f['sites']} sites, {f['reports']} reports, {f['errors']} fetch errors, run {f['status']}; most in "
            f"flight to one host {f['max_in_flight_host']}; CPU s: crawl {f['store_cpu']:.1f}") + f", sandbox {f['sandbox_cpu']:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--province", default="吉林", help="the province crawled (default 吉林: 70 portals)")
    ap.add_argument("--workers", default="1,3", help="fleet sizes, comma-separated (default 1,3)")
    ap.add_argument("--baseline", action="store_true", help="also a single-process crawl (no Redis), first")
    ap.add_argument("--concurrent", type=int, default=16,
                    help="CONCURRENT_REQUESTS of each crawling process: what one machine or proxy takes "
                         "(default 16; the project's default is 64)")
    a = ap.parse_args()
    sizes = [int(n) for n in a.workers.split(",") if n.strip()]
    print(f"bench_fleet: province {a.province}, national sandbox with latency, CONCURRENT_REQUESTS "
          f"{a.concurrent} per crawling process, {os.cpu_count()} CPU(s)", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in ([None] if a.baseline else []) + sizes:
            f = one_run(a.province, n, Path(tmp), a.concurrent)
            results.append(f)
            print(show(f), flush=True)
            if f["errors"]:
                print(f"{'':>17}errors by kind: {f['errors_by_kind']}", flush=True)
            if len(results) > 1:  # the harvests compared as the tests compare them (e2e_helpers.CONTENT)
                ref = results[0]
                differ = {t: len(set(ref["content"][t]) ^ set(f["content"][t])) for t in ref["content"]
                          if ref["content"][t] != f["content"][t]}
                print(f"{'':>17}content equal to the first run's: " + ("yes" if not differ else "no: " + ", ".join(
                      f"{t}: {n} row(s) in one run only" for t, n in differ.items())), flush=True)
                if "pages" in differ:
                    print(f"{'':>17}pages only in this run: {sorted(f['pages_only'](ref))[:3]}", flush=True)
    fleet = [f for f in results if f["workers"]]
    if len(fleet) > 1:
        first = fleet[0]
        for f in fleet[1:]:
            print(f"ratio: {first['workers']} worker(s) {first['seconds']:.1f} s / {f['workers']} worker(s) "
                  f"{f['seconds']:.1f} s = {first['seconds'] / f['seconds']:.2f}x "
                  f"(requests {first['requests']} vs {f['requests']})")


if __name__ == "__main__":
    main()
