"""How fast the national sandbox answers, and how much memory it holds, served as its own process.

    .venv/bin/python bench/bench_national_sandbox.py [--sites 300] [--threads 16] [--latency]

Starts `python -m harvester.sandbox --national` on a free port, then fetches every page a
crawler would of the first N served http:// portals (homepage, 政府信息公开 page, robots.txt,
list pages, reports, non-reports) from T threads, each on its own keep-alive connection to the
proxy, twice (the second pass from the page cache). Prints requests, seconds and requests per
second per pass, the statuses, the most requests in flight at once (from the sandbox's
/__log), and the server's resident memory (now and peak, from /proc). No timing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(pid: int) -> tuple[float, float]:
    """(resident MiB now, peak MiB) of a process."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        fields[k] = v.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def urls_of(n_sites: int) -> list[str]:
    from harvester.sandbox.national import NationalWeb
    from harvester.sandbox.portal import load_configs
    web = NationalWeb(exclude_hosts={c["host"]: c["id"] for c in load_configs()})
    ids = [i for i in web.rows if i not in web.skipped]
    urls, taken = [], 0
    for rid in ids:
        s = web.site_truth(rid)
        if not s["reachable"] or not s["base"].startswith("http://") or s["fault"] or s["family"] == "gkmlpt":
            continue
        p = web.portal(rid)
        urls += [s["base"] + "/", s["base"] + "/robots.txt", s["gk_page"]]
        urls += [p.base + u if u.startswith("/") else u for u in p.list_page_urls()]
        urls += [r["url"] for r in s["reports"] if r["reachable"]] + [r["url"] for r in s["non_reports"]]
        taken += 1
        if taken == n_sites:
            break
    return urls


def run_pass(port: int, urls: list[str], threads: int) -> tuple[float, Counter]:
    work: queue.Queue = queue.Queue()
    for u in urls:
        work.put(u)
    statuses: Counter = Counter()
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            try:
                u = work.get_nowait()
            except queue.Empty:
                break
            try:
                conn.request("GET", u)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = "error"
            with lock:
                statuses[status] += 1
        conn.close()

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return time.perf_counter() - t0, statuses


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=300, help="portals fetched (first N healthy http:// ones)")
    ap.add_argument("--threads", type=int, default=16, help="client threads (one connection each)")
    ap.add_argument("--latency", action="store_true", help="serve with the national hosts' delays")
    args = ap.parse_args()
    urls = urls_of(args.sites)
    port = free_port()
    cmd = [sys.executable, "-m", "harvester.sandbox", "--national", "--port", str(port)]
    if args.latency:
        cmd.append("--latency")
    server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()                      # "sandbox proxy: http://..." once it listens
        print(f"{len(urls)} URLs of {args.sites} portals, {args.threads} threads, "
              f"latency {'on' if args.latency else 'off'}; server idle RSS {rss(server.pid)[0]:.0f} MiB")
        for name in ("first pass", "second pass"):
            took, statuses = run_pass(port, urls, args.threads)
            now, peak = rss(server.pid)
            print(f"{name:<12} {len(urls)} requests in {took:.1f} s = {len(urls) / took:.0f}/s  "
                  f"statuses {dict(statuses)}  server RSS {now:.0f} MiB (peak {peak:.0f})")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/__log")
        log = json.loads(conn.getresponse().read())
        print(f"sandbox log: {log['requests']} requests, most in flight at once {log['max_in_flight']}, "
              f"caches {json.dumps(log['national']['portals'])} {json.dumps(log['national']['bodies'])}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
