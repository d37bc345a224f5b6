"""How a crawl's cost grows with the number of portals: 30, 300 and every national-sandbox portal.

    .venv/bin/python bench/bench_scale.py                      # 30, 300, all
    .venv/bin/python bench/bench_scale.py --sizes 30 300       # a quicker look
    .venv/bin/python bench/bench_scale.py --no-latency         # the sandbox answers at once

The national sandbox runs in its own process (with its per-host latency on, as real portals
answer in tenths of a second), and every crawl is a subprocess with the project's default
politeness (harvester/settings.py: robots.txt, CONCURRENT_REQUESTS, 2 per portal, delay,
AutoThrottle). A size below the whole registry is a sample with the national mix (`sample`:
each kind of portal, walled, slow, flaky, dead or plain, in its national share), so a smaller
run meets the browser and the faults as the whole run does. For each size it prints:

- the harvester's wall time until its pages are stored (crawl s) and of what it does after
  them (after s: the indicators and the browse views, work the bare fetch has no part of,
  timed apart so the throughputs compare), requests, reports stored, portals that answered;
- peak memory of the crawl's whole process tree (the browser included, if one starts): the
  sum of its processes' RSS, sampled every 0.2 s (a guard stops the tree at --max-rss-gib so
  a runaway cannot exhaust the machine), and the sum of their PSS, every 2 s (RSS counts
  Chromium's shared pages once per process; PSS splits them: the tree's real footprint);
- the politeness-bound ideal: the busiest host's pages × DOWNLOAD_DELAY ÷
  CONCURRENT_REQUESTS_PER_DOMAIN (no run can be faster while it is polite);
- a bare Scrapy spider fetching the same pages (every URL the harvester fetched, GET) with
  the same politeness in the same run, and the ratios: harvester pages/s ÷ bare pages/s, and
  ideal ÷ harvester wall.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The settings that make a crawl polite; the bare spider copies them from harvester.settings.
POLITENESS = ("ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
              "RANDOMIZE_DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_START_DELAY",
              "AUTOTHROTTLE_MAX_DELAY", "AUTOTHROTTLE_TARGET_CONCURRENCY", "DOWNLOAD_TIMEOUT", "RETRY_ENABLED",
              "RETRY_TIMES", "RETRY_HTTP_CODES", "USER_AGENT", "SCHEDULER_PRIORITY_QUEUE", "TWISTED_REACTOR")


# --- the pieces run in subprocesses ---------------------------------------------------------------
class Recorder:
    """A Scrapy extension for the benchmark only: every URL the crawl fetched, to a file."""

    def __init__(self, path):
        self.out = open(path, "a", encoding="utf-8")

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals

        ext = cls(os.environ["BENCH_URLS_FILE"])
        crawler.signals.connect(ext.response, signal=signals.response_received)
        crawler.signals.connect(ext.close, signal=signals.spider_closed)
        return ext

    def response(self, response, request, spider=None):
        if request.method == "GET" and not request.meta.get("playwright"):
            self.out.write(request.url + "\n")

    def close(self, spider=None):
        self.out.close()


def run_harvest(args):
    from harvester.crawl import crawl

    ids = Path(args.sites_file).read_text().split()
    os.environ["BENCH_URLS_FILE"] = args.urls
    settings = {"EXTENSIONS": {"harvester.progress.Progress": 500, "bench_scale.Recorder": 900}}
    if args.parse_workers is not None:
        settings["HARVESTER_PARSE_WORKERS"] = args.parse_workers
    for pair in args.set or []:
        name, _, value = pair.partition("=")
        settings[name] = json.loads(value) if value[:1].isdigit() or value in ("true", "false") else value
    # what the crawl does once its pages are stored (indicators, browse views) is timed apart:
    # it is the same work whatever fetched the pages, and the bare fetch has none of it
    import harvester.browse
    import harvester.indicators

    after = {"seconds": 0.0}

    def timed(func):
        def run(*a, **k):
            start = time.perf_counter()
            try:
                return func(*a, **k)
            finally:
                after["seconds"] += time.perf_counter() - start
        return run

    harvester.indicators.compute = timed(harvester.indicators.compute)
    harvester.browse.prepare = timed(harvester.browse.prepare)
    start = time.perf_counter()
    summary = crawl(args.db, sites=ids, proxy=args.proxy, registry_path=args.registry, log_level="ERROR",
                    settings=settings)
    total = time.perf_counter() - start
    print(json.dumps({"requests": summary.requests, "reports": sum(summary.outcomes.values()),
                      "portals": summary.portals, "status": summary.status,
                      "crawl_seconds": total - after["seconds"], "after_seconds": after["seconds"]}))


def run_bare(args):
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "harvester.settings")
    project = get_project_settings()
    settings = {name: project.get(name) for name in POLITENESS}
    settings.update(LOG_LEVEL="ERROR", TELNETCONSOLE_ENABLED=False)
    urls = Path(args.urls).read_text().split()
    proxy = args.proxy

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):
            for url in urls:
                yield scrapy.Request(url, meta={"proxy": proxy}, callback=self.parse, errback=self.failed,
                                     dont_filter=True)

        def parse(self, response):
            return None

        def failed(self, failure):
            return None

    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(Bare)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({"requests": stats.get("downloader/request_count", 0)}))


# --- the driver -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss(proc, pss: bool = False) -> int:
    """Memory of the process tree: the sum of RSS (what the guard checks; pages shared between
    processes, e.g. Chromium's, count once per process), or with `pss` the sum of PSS (each
    shared page split among its sharers: the tree's real footprint; slower to read)."""
    import psutil

    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_full_info().pss if pss else p.memory_info().rss
        except psutil.Error:
            pass
    return total


def largest(proc, n: int = 12) -> list[tuple[int, str]]:
    """(RSS, command) of the tree's largest processes: what a tripped guard reports."""
    import psutil

    out = []
    for p in [proc] + proc.children(recursive=True):
        try:
            out.append((p.memory_info().rss, " ".join(p.cmdline())[:100]))
        except psutil.Error:
            pass
    return sorted(out, reverse=True)[:n]


def measured(cmd: list[str], max_rss: int, show_stderr: bool = False, fetched: Path | None = None,
             every: float = 300.0) -> tuple[float, int, int, str, bool]:
    """(wall seconds, peak RSS sum and peak PSS sum of the process tree, stdout, guard tripped)
    of one subprocess. With `fetched` (the crawl's URL file), a line every `every` seconds
    says how far it got, so a run stopped before its end still leaves figures."""
    import psutil

    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=None if show_stderr else subprocess.DEVNULL,
                             text=True,
                             env=dict(os.environ, PYTHONPATH=f"{ROOT}:{ROOT / 'bench'}"), start_new_session=True)
    proc = psutil.Process(child.pid)
    peak = peak_pss = 0
    tripped = False
    shown = pss_read = start
    while child.poll() is None:
        now_rss = tree_rss(proc)
        peak = max(peak, now_rss)
        if time.perf_counter() - pss_read >= 2.0:  # PSS every 2 s: reading it costs ms per process
            pss_read = time.perf_counter()
            peak_pss = max(peak_pss, tree_rss(proc, pss=True))
        if fetched is not None and time.perf_counter() - shown >= every:
            shown = time.perf_counter()
            pages = sum(1 for _ in fetched.open(encoding="utf-8")) if fetched.exists() else 0
            print(f"{'':>8}  after {shown - start:.0f} s: {pages} pages fetched ({pages / (shown - start):.1f}/s), "
                  f"process tree {now_rss / 2**20:.0f} MiB RSS summed, peak {peak / 2**20:.0f} MiB; "
                  f"peak PSS {peak_pss / 2**20:.0f} MiB", flush=True)
        if peak > max_rss:
            tripped = True
            print(f"{'':>8}  memory guard after {time.perf_counter() - start:.0f} s: {now_rss / 2**20:.0f} MiB RSS "
                  f"summed; the largest processes:", flush=True)
            for rss, name in largest(proc):
                print(f"{'':>10}{rss / 2**20:8.0f} MiB  {name}", flush=True)
            os.killpg(child.pid, signal.SIGKILL)
            break
        time.sleep(0.2)
    out = child.communicate()[0]
    return time.perf_counter() - start, peak, peak_pss, out, tripped


def national_sites(registry: Path, hand_made_hosts: set[str]) -> list[str]:
    rows = list(csv.DictReader(registry.open(encoding="utf-8")))
    return [r["id"] for r in rows if r["homepage"] and urlsplit(r["homepage"]).hostname not in hand_made_hosts
            and r["level"] in ("province", "prefecture", "county")]


def spread(ids: list[str], n: int) -> list[str]:
    if n >= len(ids):
        return ids
    if n <= 0:
        return []
    step = len(ids) / n
    return [ids[int(i * step)] for i in range(n)]


def sample(ids: list[str], n: int, kind: dict[str, str]) -> list[str]:
    """n portals spread over the registry with the national mix of kinds (the sandbox's fault
    or wall of each portal, `kind`): each kind gets its share of n, rounded (largest remainders
    first), so a 300-portal sample has its two walled portals and its dead and slow hosts, and
    its memory and time compare with the whole run's. Registry order is kept."""
    if n >= len(ids):
        return ids
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(kind.get(i, ""), []).append(i)
    shares = {k: n * len(v) / len(ids) for k, v in groups.items()}
    take = {k: int(x) for k, x in shares.items()}
    for k in sorted(shares, key=lambda k: shares[k] - take[k], reverse=True)[:n - sum(take.values())]:
        take[k] += 1
    chosen = {i for k, v in groups.items() for i in spread(v, take[k])}
    return [i for i in ids if i in chosen]


def portal_kinds() -> dict[str, str]:
    """Each national-sandbox portal's kind for `sample`: its wall, else its fault, else ""."""
    from harvester.sandbox.national import NationalWeb
    from harvester.sandbox.portal import load_configs

    truth = NationalWeb(exclude_hosts={c["host"]: c["id"] for c in load_configs()}).truth()
    return {s["site_id"]: s.get("wall") or s.get("fault") or "" for s in truth.sites.values()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", default=["30", "300", "all"])
    ap.add_argument("--no-latency", action="store_true", help="the sandbox answers at once")
    ap.add_argument("--max-rss-gib", type=float, default=4.0, help="stop a crawl whose process tree grows past this")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare Scrapy comparison")
    ap.add_argument("--progress", action="store_true", help="show the crawls' progress lines (on stderr)")
    ap.add_argument("--parse-workers", type=int, help="HARVESTER_PARSE_WORKERS for the crawls (default: the setting's)")
    ap.add_argument("--set", action="append", metavar="NAME=VALUE", help="a setting for the harvester's crawls "
                    "(e.g. HARVESTER_ACTIVE_SITES=256); the bare spider keeps the politeness settings")
    ap.add_argument("--role", choices=["harvest", "bare"], help=argparse.SUPPRESS)
    ap.add_argument("--db"), ap.add_argument("--proxy"), ap.add_argument("--urls")
    ap.add_argument("--sites-file"), ap.add_argument("--registry", default=str(ROOT / "data" / "sites.csv"))
    args = ap.parse_args()
    if args.role == "harvest":
        return run_harvest(args)
    if args.role == "bare":
        return run_bare(args)

    from harvester.sandbox.portal import load_configs
    from harvester.settings import CONCURRENT_REQUESTS, CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY

    hand_made = {cfg["host"] for cfg in load_configs()}
    all_ids = national_sites(Path(args.registry), hand_made)
    kinds = portal_kinds()
    port = free_port()
    sandbox_cmd = [sys.executable, "-m", "harvester.sandbox", "--national", "--port", str(port)]
    if not args.no_latency:
        sandbox_cmd.append("--latency")
    sandbox = subprocess.Popen(sandbox_cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    max_rss = int(args.max_rss_gib * 2**30)
    print(f"national sandbox: {len(all_ids)} portals, latency {'off' if args.no_latency else 'on'}; "
          f"politeness: {CONCURRENT_REQUESTS} in flight, {CONCURRENT_REQUESTS_PER_DOMAIN} per portal, "
          f"delay {DOWNLOAD_DELAY} s, AutoThrottle on")
    head = (f"{'portals':>8}{'crawl s':>8}{'after s':>8}{'requests':>10}{'pages/s':>9}{'reports':>9}{'answered':>9}"
            f"{'peak MiB':>9}{'PSS MiB':>8}{'ideal s':>8}{'bare s':>8}{'bare p/s':>9}{'vs bare':>8}{'ideal/wall':>11}")
    print(head)
    try:
        for size in args.sizes:
            n = len(all_ids) if size == "all" else int(size)
            with tempfile.TemporaryDirectory() as tmp:
                tmp = Path(tmp)
                (tmp / "sites").write_text("\n".join(sample(all_ids, n, kinds)))
                urls = tmp / "urls"
                wall, peak, peak_pss, out, tripped = measured(
                    [sys.executable, str(Path(__file__)), "--role", "harvest", "--db", str(tmp / "h.db"),
                     "--proxy", proxy, "--urls", str(urls), "--sites-file", str(tmp / "sites"),
                     "--registry", args.registry]
                    + ([] if args.parse_workers is None else ["--parse-workers", str(args.parse_workers)])
                    + [a for pair in args.set or [] for a in ("--set", pair)], max_rss,
                    args.progress, urls)
                if tripped:
                    print(f"{n:>8}  memory guard: the crawl's process tree passed {args.max_rss_gib} GiB; stopped")
                    continue
                result = json.loads(out.strip().splitlines()[-1])
                fetched = urls.read_text().split() if urls.exists() else []
                per_host = Counter(urlsplit(u).hostname for u in fetched)
                ideal = (max(per_host.values()) if per_host else 0) * DOWNLOAD_DELAY / CONCURRENT_REQUESTS_PER_DOMAIN
                pages = len(fetched)
                after = result.get("after_seconds", 0.0)
                wall = result.get("crawl_seconds", wall)  # the crawl itself; `after`: indicators, views
                rate = pages / wall if wall else 0
                # the harvester's own figures first: a long run's bare half may not finish
                print(f"{n:>8}{wall:>8.1f}{after:>8.1f}{result['requests']:>10}{rate:>9.1f}{result['reports']:>9}"
                      f"{result['portals'].get('answered', 0):>9}{peak / 2**20:>9.0f}{peak_pss / 2**20:>8.0f}{ideal:>8.1f}"
                      f"   (harvester done; bare Scrapy next)", flush=True)
                bare_wall = bare_rate = None
                if not args.no_bare and fetched:
                    (tmp / "bare-urls").write_text("\n".join(u for u in dict.fromkeys(fetched)
                                                             if not u.endswith("/robots.txt")))
                    bare_wall, _, _, _, _ = measured(
                        [sys.executable, str(Path(__file__)), "--role", "bare", "--proxy", proxy,
                         "--urls", str(tmp / "bare-urls")], max_rss)
                    bare_rate = pages / bare_wall
                print(f"{n:>8}{wall:>8.1f}{after:>8.1f}{result['requests']:>10}{rate:>9.1f}{result['reports']:>9}"
                      f"{result['portals'].get('answered', 0):>9}{peak / 2**20:>9.0f}{peak_pss / 2**20:>8.0f}{ideal:>8.1f}"
                      + (f"{bare_wall:>8.1f}{bare_rate:>9.1f}{rate / bare_rate:>8.2f}" if bare_rate else f"{'-':>8}{'-':>9}{'-':>8}")
                      + f"{ideal / wall:>11.2f}", flush=True)
    finally:
        sandbox.terminate()
        sandbox.wait()


if __name__ == "__main__":
    main()
