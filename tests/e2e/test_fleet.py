"""Issue 16: a crawl shared by workers through Redis (harvester/fleet.py).

A real redis-server on a free loopback port (started and stopped here; no system Redis), the
national sandbox in a process of its own (its request log tells what every host saw), and
`harvester worker` processes next to `harvester crawl --workers`: the database the fleet writes
equals a single-process run's, no host ever has more requests in flight than the per-domain
limit, and a worker killed with SIGKILL mid-run loses nothing.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from e2e_helpers import HARVESTER, ROOT, count_reports, rows, run_harvester, snapshot
from harvester.sandbox.process import SandboxProcess, free_port

# Hand-made portals of every family and national-sandbox portals with discovery, a flaky host,
# a moved one; 310107 and 330903 share a host (www.putuo.gov.cn).
SITES = ["gx-liuzhou-liunan", "hb-xianning-zwsjj", "qh-xining-jkq", "yn-yongsheng", "zj-jiaxing", "hb-xianan",
         "gd-guangdong", "440103", "630104", "632725", "450102", "450123", "450205", "640100", "640104",
         "310107", "330903"]
PER_DOMAIN = 4
# the sandbox's settings of `crawl --sandbox`, with a per-domain limit the assertions use
RUN_SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.01, "AUTOTHROTTLE_TARGET_CONCURRENCY": 8,
                "CONCURRENT_REQUESTS_PER_DOMAIN": PER_DOMAIN, "DOWNLOAD_TIMEOUT": 10, "HARVESTER_FLEET_LEASE": 6}

pytestmark = pytest.mark.skipif(not Path("/usr/bin/redis-server").exists(), reason="Debian's redis-server is "
                                "not installed (scripts/install.sh installs it)")


def crawl_args(db, proxy, *extra) -> list[str]:
    args = ["crawl", "--proxy", proxy, *[a for s in SITES for a in ("--site", s)], "--db", str(db)]
    for name, value in RUN_SETTINGS.items():
        args += ["--set", f"{name}={value}"]
    return args + list(extra)


@contextmanager
def redis_server():
    """A redis-server of the test's own on a free loopback port (no system Redis is used)."""
    import redis

    from harvester.fleet import local_redis

    with local_redis() as url:
        client = redis.Redis.from_url(url)
        yield url, client
        client.close()


def start_worker(url: str, log: Path) -> subprocess.Popen:
    out = open(log, "w")
    return subprocess.Popen(HARVESTER + ["worker", "--redis", url, "--wait", "120"], cwd=ROOT, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def worker_requests(log: Path) -> int:
    found = re.search(r"run \d+: (\d+) request\(s\)", log.read_text())
    return int(found.group(1)) if found else -1


def outcome_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("reports: "))


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """The reference: the same sites crawled by one process (no Redis)."""
    db = tmp_path_factory.mktemp("single") / "single.db"
    with SandboxProcess(national=True) as sb:
        run_harvester(*crawl_args(db, sb.proxy_url))
        first = snapshot(db)
        again = run_harvester(*crawl_args(db, sb.proxy_url))  # incremental: the stored reports re-checked
    return {"first": first, "again": snapshot(db), "again_outcomes": outcome_line(again.stdout)}


def assert_polite(log: dict):
    over = {h: e["max_in_flight"] for h, e in log["hosts"].items() if e["max_in_flight"] > PER_DOMAIN}
    assert not over, f"hosts with more than {PER_DOMAIN} requests in flight at once: {over}"


def assert_same(got: dict, want: dict):
    diff = {t: {"missing": sorted(set(want[t]) - set(got[t]))[:3], "extra": sorted(set(got[t]) - set(want[t]))[:3]}
            for t in want if got[t] != want[t]}
    assert not diff, diff


def test_three_workers_write_the_database_one_process_writes(single, tmp_path):
    db = tmp_path / "fleet.db"
    with SandboxProcess(national=True) as sb, redis_server() as (url, client):
        logs = [tmp_path / f"worker{i}.log" for i in range(3)]
        workers = [start_worker(url, log) for log in logs]
        try:
            done = run_harvester(*crawl_args(db, sb.proxy_url, "--workers", url), timeout=600)
            for w in workers:
                w.wait(timeout=120)
        finally:
            for w in workers:
                stop(w)
        sandbox_log = sb.log_summary()
        leftover = client.keys("harvester:*")
        first = snapshot(db)
        # the next run is incremental, as a single process's is: one worker this time
        helper = start_worker(url, tmp_path / "again.log")
        try:
            again = run_harvester(*crawl_args(db, sb.proxy_url, "--workers", url), timeout=600)
            helper.wait(timeout=120)
        finally:
            stop(helper)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert [w.returncode for w in workers] == [0, 0, 0], [log.read_text()[-1500:] for log in logs]
    assert_same(first, single["first"])
    assert_same(snapshot(db), single["again"])
    assert outcome_line(again.stdout) == single["again_outcomes"]
    assert_polite(sandbox_log)
    # the work was shared: more than one worker fetched, and the run counts every request
    fetched = [worker_requests(log) for log in logs]
    assert sum(1 for n in fetched if n > 0) >= 2, fetched
    run = rows(db, "select status, requests from crawl_runs order by id")[0]
    assert run["status"] == "finished" and run["requests"] == sum(fetched), (run, fetched)
    assert {r["status"] for r in rows(db, "select status from crawl_sites")} == {"finished"}
    assert leftover == [], leftover  # a finished run leaves nothing in Redis


def test_a_worker_killed_mid_run_loses_nothing(single, tmp_path):
    db = tmp_path / "fleet-killed.db"
    with SandboxProcess(national=True) as sb, redis_server() as (url, client):
        logs = [tmp_path / f"worker{i}.log" for i in range(3)]
        workers = [start_worker(url, log) for log in logs]
        err = open(tmp_path / "crawl.err", "w")
        crawl = subprocess.Popen(HARVESTER + crawl_args(db, sb.proxy_url, "--workers", url), cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True)
        victim, walking = None, []
        try:
            # kill the first worker seen walking a site, once reports are being stored
            deadline = time.monotonic() + 120
            while victim is None and time.monotonic() < deadline and crawl.poll() is None:
                if count_reports(db) > 0:
                    for key in client.scan_iter(match="harvester:*:lease:*"):
                        owner = (client.get(key) or b"").decode()
                        pid = int(owner.split(":")[1]) if owner.count(":") >= 2 else None
                        hit = next((w for w in workers if w.pid == pid), None)
                        if hit is not None:
                            victim, walking = hit, [k.decode().rsplit(":", 1)[1] for k in
                                                    client.scan_iter(match="harvester:*:lease:*")
                                                    if (client.get(k) or b"").decode() == owner]
                            break
                time.sleep(0.05)
            assert victim is not None, "no worker was seen walking a site"
            os.killpg(victim.pid, signal.SIGKILL)
            stored_at_kill = count_reports(db)
            out, _ = crawl.communicate(timeout=600)
            for w in workers:
                if w is not victim:
                    w.wait(timeout=120)
        finally:
            for w in workers + [crawl]:
                stop(w)
            err.close()
    stderr = (tmp_path / "crawl.err").read_text()
    assert crawl.returncode == 0, out + stderr[-2000:]
    assert victim.returncode == -signal.SIGKILL
    assert walking and stored_at_kill > 0
    for site in walking:  # the dead worker's sites went back to the queue and were walked again
        assert f"site {site}: its worker went silent" in stderr, stderr[-2000:]
    assert_same(snapshot(db), single["first"])
    assert {r["status"] for r in rows(db, "select status from crawl_sites")} == {"finished"}


# --- the fleet's Redis steps, on a real redis-server ----------------------------------------------
@pytest.fixture
def redis_client():
    with redis_server() as (url, client):
        yield client


def test_one_worker_at_a_time_talks_to_a_host(redis_client):
    from harvester.fleet import Fleet

    a, b = Fleet(redis_client, "t", 5, worker_id="a"), Fleet(redis_client, "t", 5, worker_id="b")
    assert a.try_host("www.putuo.gov.cn") and a.try_host("www.putuo.gov.cn")  # two requests of a in flight
    assert not b.try_host("www.putuo.gov.cn")
    assert b.try_host("www.other.gov.cn")  # other hosts are free
    a.done_host("www.putuo.gov.cn", 0)
    assert not b.try_host("www.putuo.gov.cn")  # a still has one in flight
    a.done_host("www.putuo.gov.cn", 300)  # its last: the host stays a's for the download delay
    assert not b.try_host("www.putuo.gov.cn")
    time.sleep(0.4)
    assert b.try_host("www.putuo.gov.cn")


def seeds(client, k, *site_hosts):
    """Queue one seed per (site, host), as the coordinator does (their payloads too)."""
    import pickle

    from harvester.fleet import site_queue

    queue = site_queue(client, k)
    requests = []
    for i, (site_id, host) in enumerate(site_hosts):
        site = a_site(site_id, host)
        client.set(k.site(site_id), pickle.dumps({"site": site_id, "known": {}, "resume": False}))
        requests.append(seed_of(site, 0, i))
    queue.push_all(requests)
    return queue


def a_site(site_id, host):
    from harvester.registry import Site

    return Site(id=site_id, agency=site_id, province="", level="county", homepage=f"http://{host}/")


def seed_of(site, attempt, order):
    from harvester.fleet import seed_request

    return seed_request(site, attempt, order)


def take(client, fleet):
    """What a worker's scheduler does: pop a seed from the run's scrapy-redis queue, then walk it."""
    from harvester.fleet import site_queue

    seed = site_queue(client, fleet.k, fleet).pop()
    return None if seed is None else fleet.took(seed)


def test_the_runs_queue_is_scrapy_redis_priority_queue_in_the_runs_order(redis_client):
    from scrapy.core.scheduler import BaseScheduler
    from scrapy_redis.queue import PriorityQueue
    from scrapy_redis.scheduler import Scheduler

    from harvester.fleet import Fleet, Keys, scheduler_class, site_queue_class

    # a worker's scheduler is scrapy-redis's, on that queue class
    assert issubclass(scheduler_class(), Scheduler) and issubclass(scheduler_class(), BaseScheduler)
    assert issubclass(site_queue_class(), PriorityQueue)

    k = Keys("t")
    queue = seeds(redis_client, k, ("s1", "h1"), ("s2", "h2"), ("s3", "h3"))
    assert isinstance(queue, PriorityQueue) and len(queue) == 3
    assert redis_client.type(k.queue) == b"zset"  # scrapy-redis's own sorted set of serialized requests
    a = Fleet(redis_client, "t", 5, worker_id="a")
    assert [take(redis_client, a)[0] for _ in range(3)] == ["s1", "s2", "s3"]
    assert take(redis_client, a) is None and len(queue) == 0
    assert {m.decode() for m in redis_client.smembers(k.active)} == {"s1", "s2", "s3"}
    assert all(redis_client.get(k.lease(s)) == b"a" for s in ("s1", "s2", "s3"))  # leased as popped


def test_a_silent_workers_leases_expire(redis_client):
    from harvester.fleet import RECLAIM, Fleet, Keys

    k = Keys("t")
    queue = seeds(redis_client, k, ("s1", "h1"), ("s2", "h2"))
    dead = Fleet(redis_client, "t", 0.3, worker_id="dead")
    assert take(redis_client, dead)[0] == "s1" and dead.try_host("h1")
    live = Fleet(redis_client, "t", 5, worker_id="live")
    reclaim = redis_client.register_script(RECLAIM)
    assert not live.try_host("h1")
    assert not reclaim(keys=[k.lease("s1"), k.active, k.attempt], args=["s1"])  # lease alive
    time.sleep(0.4)  # the dead worker renews nothing
    assert live.try_host("h1")
    assert reclaim(keys=[k.lease("s1"), k.active, k.attempt], args=["s1"]) == 1  # its next attempt
    # as the coordinator puts it back: at its place in the run's order, before s2
    queue.push(seed_of(a_site("s1", "h1"), 1, 0))
    site, _known, _resume, attempt, _lists = take(redis_client, live)
    assert (site, attempt) == ("s1", 1)
    assert take(redis_client, live)[0] == "s2"


def test_sites_of_a_host_go_to_the_worker_walking_it(redis_client):
    from harvester.fleet import Fleet, Keys

    k = Keys("t")
    queue = seeds(redis_client, k, ("s1", "h1"), ("s2", "h1"), ("s3", "h2"))
    a, b = Fleet(redis_client, "t", 5, worker_id="a"), Fleet(redis_client, "t", 5, worker_id="b")
    assert take(redis_client, a)[0] == "s1"
    assert take(redis_client, b)[0] == "s3"  # s2's host is a's
    assert take(redis_client, b) is None
    assert take(redis_client, a)[0] == "s2"
    a.finish("s1")
    a.finish("s2")  # a walks nothing on h1 any more: h1 is free
    queue.push(seed_of(a_site("s1", "h1"), 1, 0))
    assert take(redis_client, b)[0] == "s1"


def test_the_run_dupefilter_gives_an_abandoned_walks_pages_to_the_next_walk(redis_client):
    from harvester.fleet import Fleet, Keys

    k, f = Keys("t"), Fleet(redis_client, "t", 5, worker_id="a")
    seen = lambda fp, owner: bool(f.seen(keys=[k.seen, k.attempt], args=[fp, owner]))  # noqa: E731
    assert not seen("fp1", "s1\t0")
    assert seen("fp1", "s2\t0") and seen("fp1", "s1\t0")  # another site, or the same walk: seen
    redis_client.hincrby(k.attempt, "s1", 1)  # s1's walker died: s1 is walked again
    assert not seen("fp1", "s1\t1")
    assert seen("fp1", "s2\t0")


def test_a_fleet_that_cannot_start_says_so_in_one_line(tmp_path):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    db = tmp_path / "never.db"
    for args in (["crawl", "--site", "450102", "--db", str(db), "--workers", dead], ["worker", "--redis", dead],
                 ["worker", "--redis", "http://127.0.0.1:1/"]):
        done = run_harvester(*args, check=False, timeout=60)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 1 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert "Redis" in lines[0], lines
    assert not db.exists()  # nothing recorded
    with redis_server() as (url, _client):
        done = run_harvester("worker", "--redis", url, "--wait", "0.5", check=False, timeout=60)
    assert done.returncode == 1 and "no run to join" in done.stderr and "Traceback" not in done.stderr, done.stderr
