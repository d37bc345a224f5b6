"""A crawl shared by many workers through Redis: `harvester crawl --workers URL` and
`harvester worker --redis URL`.

The distributed engine is scrapy-redis's, as Scrapy users scale: its scheduler, its queue, its
dupefilter. What the fleet hands out is a *seed* per site: the crawl process (the
*coordinator*) pushes one Request per site (its start URL; site id, host and attempt number in
meta; priority = its place in the run's order) into a scrapy-redis PriorityQueue under the
run's key prefix, serialized by scrapy-redis's own request serializer. A worker's scheduler is
a subclass of scrapy-redis's Scheduler on that queue: when the worker has room for another
site (at most HARVESTER_ACTIVE_SITES at once, and at most its fair share of the sites left:
those queued or walked, divided by the live workers) its spider asks the scheduler for the next
seed, and the site's walker starts (spiders/harvest.py). The requests a walk makes stay in that
worker's own queue (Scrapy's in-memory DownloaderAwarePriorityQueue, inside the same
scheduler): a request's callback runs in its site's walker, whose walk state (lists seen,
discovery notes, the CMS family found) lives in one process, so only that worker can use it;
and the scrapy-redis queue is not downloader-aware.

The queue's pop is scrapy-redis's PriorityQueue with one change (SEED_POP, one Lua step): it
takes the first seed whose host no other worker walks (sites on one host go to the worker that
walks it) and, in the same step, leases the seed's site to the worker. So a seed is never out of
the queue without a lease: a worker that dies between pop and walk loses nothing. The lease is
renewed while the site is walked; what else the fleet shares is:

- the run's dupefilter: scrapy-redis's RFPDupeFilter, one set of request fingerprints for the
  run, so a page two sites link is fetched once, as in a single-process run. Each fingerprint
  names the walk that claimed it: the walk of a site taken over from a dead worker is not
  stopped by its own earlier requests.
- politeness: a worker sends a request to a host only while it holds the host's lease in
  Redis (taken per request, kept while any of its requests to the host is in flight, held
  DOWNLOAD_DELAY more after the last one): one worker at a time talks to a portal, within its
  own CONCURRENT_REQUESTS_PER_DOMAIN and delay, so the fleet is as polite as one process.
- one writer: workers parse and classify pages (the CPU-heavy part) and push the items to a
  Redis list; the coordinator alone identifies, deduplicates and stores them with the same
  pipelines a single-process run uses, into the same SQLite database.

A worker that dies (SIGKILL, a lost machine) stops renewing its leases; when a site's lease
expires the coordinator pushes the site's seed back into the scrapy-redis queue with a new
attempt number (at its place in the run's order, ahead of the sites queued after it), and what
the dead walk sent after that is ignored: the site is walked again in full by another worker,
as an interrupted single-process run walks its unfinished sites again. One run id ties it all
together: every key is under `harvester:<run id>:<random>`, announced at `harvester:run`.

Items and requests travel pickled (scrapy-redis's default serializer): the Redis server must
be the fleet's own, reachable only by its machines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import uuid
from types import SimpleNamespace

logger = logging.getLogger(__name__)

CURRENT = "harvester:run"  # the run workers join: JSON {"run": id, "prefix": ...}
LEASE_TTL = 30.0  # seconds a lease lives unless renewed (a dead worker's sites return after it)
ITEM_BATCH = 50


class FleetError(ValueError):
    """A fleet cannot start (Redis unreachable, a bad URL); the message is one line."""


def connect(url: str):
    """A Redis client for `url` (redis://HOST:PORT/DB), checked with a PING."""
    import redis

    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise FleetError(f"{url!r} is not a Redis URL: give it as redis://HOST:PORT/DB")
    try:
        client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5, health_check_interval=30)
        client.ping()
    except (ValueError, redis.RedisError, OSError) as e:
        raise FleetError(f"cannot reach Redis at {url}: {' '.join(str(e).split()) or type(e).__name__}") from None
    return client


@contextlib.contextmanager
def local_redis(port: int | None = None):
    """A throw-away redis-server on a loopback port, nothing saved to disk (tests, benchmarks,
    trying a fleet on one machine): yields its URL; stopped on exit."""
    import redis

    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None:
                    raise FleetError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Keys:
    """The Redis keys of one run, under one prefix."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        for name in ("queue", "active", "attempt", "items", "seen", "config", "alive", "finished", "workers",
                     "stats", "requests"):
            setattr(self, name, f"{prefix}:{name}")

    def site(self, site_id):
        return f"{self.prefix}:site:{site_id}"

    def lease(self, site_id):
        return f"{self.prefix}:lease:{site_id}"

    def host(self, host):  # one worker's requests in flight to a host
        return f"{self.prefix}:host:{host}"

    def hostsite(self, host):  # the worker walking sites on a host
        return f"{self.prefix}:hostsite:{host}"

    def worker(self, worker_id):
        return f"{self.prefix}:worker:{worker_id}"


# --- Lua: each is one atomic step on the server ------------------------------------------------
# A worker's pop from the run's scrapy-redis PriorityQueue (a sorted set of serialized seed
# requests, the run's order as score): the first seed whose host no other worker walks leaves
# the queue and, in the same step, its site is leased to the worker (so no seed is ever out of
# the queue without a lease a dead worker lets expire) and its host marked as this worker's.
SEED_POP = """
local members = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[4]) - 1)
for _, m in ipairs(members) do
  local sha = redis.sha1hex(m)
  local tag = redis.call('HGET', KEYS[2], sha)
  local site, host = nil, ''
  if tag then site, host = string.match(tag, '^(.-)\t(.*)$') end
  local hk = ARGV[3] .. ':hostsite:' .. (host or '')
  local owner = redis.call('GET', hk)
  if (not site) or (not owner) or owner == ARGV[1] then
    redis.call('ZREM', KEYS[1], m)
    redis.call('HDEL', KEYS[2], sha)
    if site then
      redis.call('SET', ARGV[3] .. ':lease:' .. site, ARGV[1], 'PX', ARGV[2])
      redis.call('SET', hk, ARGV[1], 'PX', ARGV[2])
      redis.call('SADD', KEYS[3], site)
    end
    return m
  end
end
return false
"""
SEED_LOOKAHEAD = 50  # seeds a pop looks at for one whose host is free
# A site's walk is done: its lease goes (only if it is still this worker's).
FINISH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0
"""
# Coordinator: a site taken from the queue whose lease expired is taken back, one attempt on
# (returned; the coordinator pushes its seed again, at its place in the run's order).
RECLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('SREM', KEYS[2], ARGV[1]) == 1 then
  return redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
end
return 0
"""
# Take (or keep) a lease: free or already ours.
ACQUIRE = """
local owner = redis.call('GET', KEYS[1])
if (not owner) or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
# Let a lease go after ARGV[2] ms (0: at once), only if it is ours.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) else redis.call('DEL', KEYS[1]) end
  return 1
end
return 0
"""
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
# The dupefilter: a fingerprint is seen unless the walk that claimed it was abandoned (its site's
# attempt has moved on), in which case the asking walk claims it.
SEEN = """
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner then
  local site, attempt = string.match(owner, '^(.*)\\t(%d+)$')
  if site == nil or (redis.call('HGET', KEYS[2], site) or '0') == attempt then return 1 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 0
"""


# --- the run's queue: scrapy-redis's PriorityQueue of seed requests -------------------------------
def seed_request(site, attempt: int, order: int):
    """A site's seed: the request the coordinator queues for it (its start URL, never fetched as
    such: the worker that pops it starts the site's walker, whose own start requests follow).
    Its priority is the site's place in the run's order, so a seed pushed back after a worker died
    goes back to that place, ahead of the sites queued after it."""
    import scrapy

    from harvester.crawl import site_host

    url = (site.columns[0] if site.columns else site.homepage) or "data:,"
    return scrapy.Request(url, priority=-order, dont_filter=True,
                          meta={"site": site.id, "attempt": attempt, "host": site_host(site), "order": order})


_CLASSES: dict = {}


def site_queue_class():
    """scrapy-redis's PriorityQueue (its key, its request serializer, its score = -priority),
    whose pop takes the first seed whose host no other worker walks and leases its site in the
    same atomic step (SEED_POP); push records each seed's site and host for that pop."""
    if "queue" not in _CLASSES:
        from scrapy_redis.queue import PriorityQueue

        class SiteQueue(PriorityQueue):
            fleet: "Fleet | None" = None  # the popping worker (set by its scheduler)

            @property
            def tags(self):  # a seed's sha1 -> "site\thost": what SEED_POP reads of it
                return f"{self.key}:sites"

            def push(self, request):
                self.push_all([request])

            def push_all(self, requests):
                import hashlib

                pipe = self.server.pipeline(transaction=True)
                for request in requests:
                    data = self._encode_request(request)
                    pipe.execute_command("ZADD", self.key, -request.priority, data)
                    pipe.hset(self.tags, hashlib.sha1(data).hexdigest(),
                              f"{request.meta['site']}\t{request.meta.get('host') or ''}")
                pipe.execute()

            def pop(self, timeout=0):
                fleet = self.fleet
                if fleet is None:
                    raise RuntimeError("a fleet's seeds are popped by a worker (harvester.fleet.Fleet)")
                raw = fleet._seed_pop(keys=[self.key, self.tags, fleet.k.active],
                                      args=[fleet.id, fleet.ms, fleet.k.prefix, SEED_LOOKAHEAD])
                return self._decode_request(raw) if raw else None

        _CLASSES["queue"] = SiteQueue
    return _CLASSES["queue"]


def site_queue(client, k: "Keys", fleet: "Fleet | None" = None):
    """The run's queue of seeds, as the coordinator (pushing) or a worker (`fleet`, popping) sees it."""
    queue = site_queue_class()(client, SimpleNamespace(name="harvest-fleet"), k.queue)
    queue.fleet = fleet
    return queue


# --- the coordinator: `harvester crawl --workers URL` -------------------------------------------
def serve(url: str, run_id: int, sites: list, *, known, lists=None, resume: set, settings, run_settings: dict,
          lease_ttl: float | None = None) -> dict:
    """Put the run's sites in Redis, store what the workers send until every site is done;
    returns the run's stats (the coordinator's pipelines' and the workers' summed)."""
    import redis
    from scrapy.signalmanager import SignalManager
    from scrapy.statscollectors import MemoryStatsCollector

    from harvester import progress
    from harvester.items import FetchError, ReportPage, Unchanged
    from pipelines.dedupe import DedupePipeline
    from pipelines.identify import IdentifyPipeline
    from pipelines.store import StorePipeline
    from spiders.harvest import site_finished

    r = connect(url)
    ttl = float(lease_ttl or settings.getfloat("HARVESTER_FLEET_LEASE", LEASE_TTL))
    prefix = f"harvester:{run_id}:{uuid.uuid4().hex[:8]}"
    k = Keys(prefix)
    # the run's sites, each with what its walker needs: the registry row and the pages stored before
    pipe = r.pipeline(transaction=False)
    for site in sites:
        pipe.set(k.site(site.id), pickle.dumps({"site": site, "known": known(site.id),
                                                 "lists": lists(site.id) if lists else {}, "resume": site.id in resume}))
    pipe.execute()
    queue = site_queue(r, k)  # one seed request per site, in the run's order
    queue.push_all([seed_request(site, 0, i) for i, site in enumerate(sites)])
    pipe = r.pipeline(transaction=False)
    config = {"run": run_id, "prefix": prefix, "lease_ttl": ttl, "settings": run_settings}
    pipe.set(k.config, json.dumps(config, ensure_ascii=False, default=str))
    pipe.set(k.alive, "1", px=int(max(ttl, 10) * 1000))
    pipe.execute()
    r.set(CURRENT, json.dumps({"run": run_id, "prefix": prefix}))
    # the run is alive while this process is, however long a batch of items takes to store
    beating = threading.Event()

    def beat():
        while not beating.wait(1.0):
            try:
                r.set(k.alive, "1", px=int(max(ttl, 10) * 1000))
            except Exception as e:  # noqa: BLE001 - a blip: workers wait a lease life before giving up
                logger.warning("fleet heartbeat failed: %s: %s", type(e).__name__, e)

    threading.Thread(target=beat, name="fleet-heartbeat", daemon=True).start()
    print(f"[fleet] run {run_id}: {len(sites)} site(s) queued in Redis at {url}; start workers with "
          f"`harvester worker --redis {url}`", file=sys.stderr, flush=True)

    # the stages a single-process run has after parse and classify, on a crawler of their own
    crawler = SimpleNamespace(settings=settings, signals=SignalManager(), spider=None)
    crawler.stats = MemoryStatsCollector(crawler)
    identify, dedupe = IdentifyPipeline.from_crawler(crawler), DedupePipeline.from_crawler(crawler)
    store = StorePipeline.from_crawler(crawler)
    stages = [identify, dedupe, store]
    for stage in stages:
        stage.open_spider()
    reclaim = r.register_script(RECLAIM)
    done: set[str] = set()
    attempts: dict[str, int] = {}
    todo = {s.id for s in sites}
    order = {s.id: i for i, s in enumerate(sites)}
    by_id = {s.id: s for s in sites}
    stats = crawler.stats
    last_check, last_word = 0.0, time.monotonic()
    reason = "finished"
    try:
        while done != todo:
            now = time.monotonic()
            if now - last_check > min(1.0, ttl / 3):
                last_check = now
                back = []
                for site_id in r.smembers(k.active):
                    site_id = site_id.decode()
                    if site_id in done:
                        r.srem(k.active, site_id)
                    elif attempt := reclaim(keys=[k.lease(site_id), k.active, k.attempt], args=[site_id]):
                        back.append(seed_request(by_id[site_id], int(attempt), order[site_id]))
                        attempts[site_id] = int(attempt)
                        store.site_reports.pop(site_id, None)
                        stats.inc_value("fleet/sites_reclaimed")
                        logger.warning("site %s: its worker stopped renewing its lease; walked again", site_id)
                        print(f"[fleet] site {site_id}: its worker went silent; back in the queue",
                              file=sys.stderr, flush=True)
                if back:  # at their places in the run's order (sites sharing pages meet as before)
                    queue.push_all(back)
                if now - last_word > 60 and not any(r.exists(k.worker(w.decode())) for w in r.smembers(k.workers)):
                    last_word = now  # say why nothing moves
                    print(f"[fleet] no worker is running: {len(todo) - len(done)} site(s) wait; start "
                          f"`harvester worker --redis {url}`", file=sys.stderr, flush=True)
            batch = r.lpop(k.items, ITEM_BATCH)
            if not batch:
                got = r.blpop([k.items], timeout=0.5)
                batch = [got[1]] if got else []
            for raw in batch:
                try:
                    message = pickle.loads(raw)
                    site_id = message["site"]
                except Exception as e:  # noqa: BLE001 - not a worker's message: counted, never fatal
                    logger.error("a message in the run's queue could not be read: %s: %s", type(e).__name__, e)
                    stats.inc_value("fleet/bad_messages")
                    continue
                if message["attempt"] != attempts.get(site_id, 0) or site_id in done or site_id not in todo:
                    stats.inc_value("fleet/stale_messages")  # from a walk given up: walked again
                    continue
                if message["kind"] == "site":
                    done.add(site_id)
                    crawler.signals.send_catch_log(site_finished, site_id=site_id, outcome=message["outcome"])
                    progress.TALLY["done"] += 1
                    progress.show()
                    continue
                item = message["item"]
                try:
                    for stage in stages:
                        item = stage.process_item(item)
                except Exception as e:  # one bad item never stops a run (as Scrapy's item_error)
                    logger.error("site %s: an item could not be stored: %s: %s", site_id, type(e).__name__, e)
                    stats.inc_value("fleet/item_errors")
                    continue
                if isinstance(item, FetchError):
                    progress.TALLY["errors"] += 1
                elif isinstance(item, Unchanged) or (isinstance(item, ReportPage) and item.kind == "report"):
                    progress.TALLY["reports"] += 1
                progress.show()
    except KeyboardInterrupt:
        reason = "shutdown"
        print("[fleet] interrupted: the sites not done are left to the next run", file=sys.stderr, flush=True)
    except redis.RedisError as e:  # Redis went away: what is stored stays, the next run continues
        reason = "shutdown"
        print(f"[fleet] lost Redis at {url} ({' '.join(str(e).split())}): the sites not done are left to the "
              "next run", file=sys.stderr, flush=True)
    finally:
        beating.set()
        for stage in stages:
            if hasattr(stage, "close_spider"):
                stage.close_spider()
        total, requests = {}, 0
        try:
            r.set(k.finished, "1")
            total = worker_stats(r, k, ttl)
            requests = int(r.get(k.requests) or 0)
            cleanup(r, k)
            if (r.get(CURRENT) or b"").decode().find(prefix) >= 0:
                r.delete(CURRENT)
        except redis.RedisError:
            pass  # already said; what the run left in Redis is its keys under its prefix
    progress.show(force=True)
    out = dict(total)
    for key, value in stats.get_stats().items():
        out[key] = out.get(key, 0) + value if isinstance(value, (int, float)) else value
    out["downloader/request_count"] = requests
    out["finish_reason"] = reason if done == todo else "shutdown"
    return out


def worker_stats(r, k: Keys, ttl: float) -> dict:
    """The workers' own stats (errors by kind, pages fetched), summed; a worker that died sends
    none, and one still closing is waited for while its heartbeat lives."""
    deadline = time.monotonic() + ttl + 10
    while time.monotonic() < deadline:
        members = {m.decode() for m in r.smembers(k.workers)}
        reported = r.llen(k.stats)
        live = sum(1 for w in members if r.exists(k.worker(w)))
        if live == 0 or reported >= len(members):
            break
        time.sleep(0.2)
    total: dict = {"fleet/workers": len(r.smembers(k.workers))}
    for raw in r.lrange(k.stats, 0, -1):
        for key, value in json.loads(raw).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    return total


def cleanup(r, k: Keys):
    """The run's keys go: nothing of a finished run stays in Redis."""
    batch = []
    for key in r.scan_iter(match=f"{k.prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            r.delete(*batch)
            batch = []
    if batch:
        r.delete(*batch)


# --- the worker: `harvester worker --redis URL` ---------------------------------------------------
class Fleet:
    """A worker's side of the run: its id, its leases, its heartbeat."""

    def __init__(self, client, prefix: str, ttl: float, worker_id: str | None = None):
        self.r, self.k, self.ttl = client, Keys(prefix), ttl
        self.ms = int(ttl * 1000)
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._seed_pop, self._finish = client.register_script(SEED_POP), client.register_script(FINISH)
        self._acquire, self._release = client.register_script(ACQUIRE), client.register_script(RELEASE)
        self._renew, self.seen = client.register_script(RENEW), client.register_script(SEEN)
        client.script_load(RENEW)  # the heartbeat calls it by its hash, in a pipeline
        self.attempts: dict[str, int] = {}  # site -> attempt of the walk this worker does
        self.hosts: dict[str, str] = {}  # site -> its host (held as hostsite while walked)
        self.flying: dict[str, int] = {}  # host -> requests in flight from this worker
        self.lost: set[str] = set()
        self.stopped = False  # the run is over: nothing more is sent
        self.r.sadd(self.k.workers, self.id)
        self.beat()

    def over(self) -> bool:
        return bool(self.r.exists(self.k.finished)) or not self.r.exists(self.k.alive)

    def fair_share(self) -> int:
        """Sites this worker may walk at once: the run's remaining sites shared among the live
        workers (a small run is spread over the fleet, not taken by the first worker to ask)."""
        members = [m.decode() for m in self.r.smembers(self.k.workers)]
        pipe = self.r.pipeline(transaction=False)
        for m in members:
            pipe.exists(self.k.worker(m))
        pipe.zcard(self.k.queue)
        pipe.scard(self.k.active)
        *alive, queued, active = pipe.execute()
        live = max(1, sum(1 for a in alive if a))
        return max(1, -(-(queued + active) // live))

    def took(self, seed):
        """A seed this worker popped (its site leased to it by SEED_POP): (site, known pages,
        resume, attempt, sub-columns walked before) of the site to walk."""
        site_id, attempt = seed.meta["site"], int(seed.meta["attempt"])
        payload = pickle.loads(self.r.get(self.k.site(site_id)))
        self.attempts[site_id] = attempt
        self.hosts[site_id] = seed.meta.get("host") or ""
        return payload["site"], payload["known"], payload["resume"], attempt, payload.get("lists", {})

    def finish(self, site_id: str):
        """The site's outcome is sent: its lease goes, and its host's when no other site of it is walked."""
        self._finish(keys=[self.k.lease(site_id), self.k.active], args=[self.id, site_id])
        host = self.hosts.pop(site_id, None)
        self.attempts.pop(site_id, None)
        if host is not None and host not in self.hosts.values():
            self._release(keys=[self.k.hostsite(host)], args=[self.id, 0])

    def send(self, message: dict):
        self.r.rpush(self.k.items, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def beat(self):
        """Renew every lease this worker holds; a site whose lease was lost is someone else's now."""
        pipe = self.r.pipeline(transaction=False)
        pipe.set(self.k.worker(self.id), "1", px=self.ms)
        sites = list(self.attempts)
        for site_id in sites:
            pipe.evalsha(self._renew.sha, 1, self.k.lease(site_id), self.id, self.ms)
        hosts = sorted(set(self.hosts.values()))
        for host in hosts:
            pipe.evalsha(self._renew.sha, 1, self.k.hostsite(host), self.id, self.ms)
        for host, n in list(self.flying.items()):
            if n > 0:
                pipe.evalsha(self._renew.sha, 1, self.k.host(host), self.id, self.ms)
        try:
            results = pipe.execute()
        except Exception as e:  # noqa: BLE001 - a blip (Redis restarting): the next beat retries
            logger.warning("fleet heartbeat failed: %s: %s", type(e).__name__, e)
            try:
                self.r.script_load(RENEW)
            except Exception:  # noqa: BLE001 - Redis still away: the next beat tries again
                pass
            return
        for site_id, ok in zip(sites, results[1:1 + len(sites)]):
            if not ok and site_id not in self.lost:
                self.lost.add(site_id)
                logger.warning("site %s: lease lost (this worker was silent too long); another worker walks it",
                               site_id)

    def try_host(self, host: str) -> bool:
        """Take the host's lease for one more request (True), or say another worker holds it."""
        if self.flying.get(host, 0) > 0:
            self.flying[host] += 1
            return True
        if self._acquire(keys=[self.k.host(host)], args=[self.id, self.ms]):
            self.flying[host] = 1
            return True
        return False

    def done_host(self, host: str, delay_ms: int):
        n = self.flying.get(host, 0) - 1
        if n > 0:
            self.flying[host] = n
            return
        self.flying.pop(host, None)
        self._release(keys=[self.k.host(host)], args=[self.id, delay_ms])

    def leave(self, stats: dict):
        """The worker's stats for the run record; its leases go at once (its open sites return)."""
        self.r.rpush(self.k.stats, json.dumps(stats, default=str))
        for site_id in list(self.attempts):
            self._release(keys=[self.k.lease(site_id)], args=[self.id, 0])
        self.r.delete(self.k.worker(self.id))


FLEET: Fleet | None = None  # the worker process's fleet (one run per process: Scrapy's reactor runs once)


def _fleet(crawler) -> Fleet:
    if FLEET is None:
        raise RuntimeError("harvester.fleet components run only in `harvester worker`")
    return FLEET


def _spider_class():
    from spiders.harvest import HarvestSpider

    class FleetSpider(HarvestSpider):
        """HarvestSpider whose sites come from Redis, taken one at a time under a lease."""

        name = "harvest-fleet"

        async def start(self):
            fleet = _fleet(self.crawler)
            scheduler = self.crawler.engine.scheduler  # FleetScheduler: the run's seeds
            self._heartbeat = asyncio.ensure_future(self._beat(fleet))
            idle = 0.05
            while not fleet.over():
                if len(self.ledgers) >= self.max_active:
                    await asyncio.sleep(0.05)
                    continue
                seed = scheduler.next_seed(len(self.ledgers))
                if seed is None:  # nothing to take now: other workers' sites may still come back
                    await asyncio.sleep(idle)
                    idle = min(idle * 2, 0.5)
                    continue
                idle = 0.05
                site, known, resume, _attempt, lists = fleet.took(seed)
                async for request in self.start_site(site, known, resume, lists):
                    yield request
            fleet.stopped = True
            if self.ledgers:  # the run was stopped (the store process interrupted): nothing more is read
                logger.warning("the run is over with %d site(s) of this worker not done", len(self.ledgers))
                asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="shutdown"))

        async def _beat(self, fleet):
            """The leases live while this worker does: renewed three times per lease life."""
            while True:
                await asyncio.sleep(fleet.ttl / 3)
                fleet.beat()

        def closed(self, reason):
            beat = getattr(self, "_heartbeat", None)
            if beat is not None:
                beat.cancel()
            super().closed(reason)

    return FleetSpider


def scheduler_class():
    """A worker's scheduler: scrapy-redis's Scheduler on the run's queue of seeds, with Scrapy's
    own in-memory scheduler (DownloaderAwarePriorityQueue, the run's dupefilter) for the
    requests the worker's walks make."""
    if "scheduler" not in _CLASSES:
        from scrapy.core.scheduler import Scheduler as LocalScheduler
        from scrapy_redis.scheduler import Scheduler

        class FleetScheduler(Scheduler):
            """Seeds come from the run's scrapy-redis queue, one site at a time when this worker
            has room for another (`next_seed`, asked by the spider's start); the requests a
            site's walk makes stay in this worker's local queue, since only its walker can use
            them. Closing keeps the run's queue and fingerprints (persist): they are the fleet's."""

            def __init__(self, crawler, fleet: Fleet):
                self.local = LocalScheduler.from_crawler(crawler)  # DUPEFILTER_CLASS: FleetDupeFilter
                super().__init__(fleet.r, persist=True, queue_key=fleet.k.queue, queue_cls=site_queue_class(),
                                 dupefilter=self.local.df)
                self.fleet, self.stats = fleet, crawler.stats

            @classmethod
            def from_crawler(cls, crawler):
                return cls(crawler, _fleet(crawler))

            def open(self, spider):
                super().open(spider)  # scrapy-redis builds the queue on the run's key
                self.queue.fleet = self.fleet
                return self.local.open(spider)

            def close(self, reason):
                super().close(reason)
                return self.local.close(reason)

            def next_seed(self, walking: int = 0):
                """The next site's seed, if this worker may take one more site (at most its share
                of the sites left: those queued or walked, divided by the live workers)."""
                if walking and walking >= self.fleet.fair_share():
                    return None
                seed = self.queue.pop()
                if seed is not None and self.stats:
                    self.stats.inc_value("scheduler/dequeued/redis")
                return seed

            def enqueue_request(self, request):
                return self.local.enqueue_request(request)

            def next_request(self):
                return self.local.next_request()

            def has_pending_requests(self):
                return self.local.has_pending_requests()

            def __len__(self):
                return len(self.local)

        _CLASSES["scheduler"] = FleetScheduler
    return _CLASSES["scheduler"]


class FleetDupeFilter:
    """scrapy-redis's RFPDupeFilter with the run's key, Scrapy's own request fingerprints (the
    same as a single-process run's) and each fingerprint marked with the walk that claimed it."""

    def __new__(cls, *args, **kwargs):  # built on scrapy_redis lazily: it is a worker-only dependency
        from scrapy_redis.dupefilter import RFPDupeFilter

        class _Filter(RFPDupeFilter):
            def __init__(self, fleet: Fleet, fingerprinter, debug=False):
                super().__init__(fleet.r, key=fleet.k.seen, debug=debug)
                self.fleet, self.fingerprinter = fleet, fingerprinter

            def request_seen(self, request):
                site_id = request.meta.get("site")
                owner = f"{site_id}\t{self.fleet.attempts.get(site_id, 0)}"
                fp = self.fingerprinter.fingerprint(request).hex()
                return bool(self.fleet.seen(keys=[self.key, self.fleet.k.attempt], args=[fp, owner]))

            def close(self, reason=""):  # the run's fingerprints are the fleet's, not this worker's
                pass

        return _Filter(*args, **kwargs)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(_fleet(crawler), crawler.request_fingerprinter, crawler.settings.getbool("DUPEFILTER_DEBUG"))


class HostLeaseMiddleware:
    """A request goes out only while this worker holds its host's lease (waiting while another
    worker's requests to the host are in flight): the fleet is as polite as one process."""

    def __init__(self, fleet: Fleet, delay: float):
        self.fleet, self.delay_ms = fleet, int(delay * 1000)
        self.counter = fleet.k.requests

    @classmethod
    def from_crawler(cls, crawler):
        return cls(_fleet(crawler), crawler.settings.getfloat("DOWNLOAD_DELAY"))

    async def process_request(self, request):
        from urllib.parse import urlsplit

        host = (urlsplit(request.url).hostname or "").lower()
        wait = 0.02
        while not self.fleet.try_host(host):
            await asyncio.sleep(wait)
            wait = min(wait * 2, 0.5)
        request.meta["fleet_host"] = host
        self.fleet.r.incr(self.counter)
        return None

    def _done(self, request):
        host = request.meta.pop("fleet_host", None)
        if host is not None:
            self.fleet.done_host(host, self.delay_ms)

    def process_response(self, request, response):
        self._done(request)
        return response

    def process_exception(self, request, exception):
        self._done(request)
        return None


class OutboxPipeline:
    """The worker's last stage: items go to the coordinator through Redis, and a site's outcome
    after its last item."""

    def __init__(self, fleet: Fleet):
        self.fleet = fleet

    @classmethod
    def from_crawler(cls, crawler):
        from spiders.harvest import site_finished

        pipeline = cls(_fleet(crawler))
        crawler.signals.connect(pipeline.site_finished, signal=site_finished)
        return pipeline

    def process_item(self, item):
        site_id = getattr(item, "site_id", None)
        if site_id in self.fleet.lost or self.fleet.stopped:
            return item
        self.fleet.send({"kind": "item", "site": site_id, "attempt": self.fleet.attempts.get(site_id, 0),
                         "item": item})
        return item

    def site_finished(self, site_id: str, outcome):
        if site_id not in self.fleet.lost and not self.fleet.stopped:
            self.fleet.send({"kind": "site", "site": site_id, "attempt": self.fleet.attempts.get(site_id, 0),
                             "outcome": outcome})
        self.fleet.finish(site_id)


def work(url: str, *, proxy: str | None = None, log_level: str = "WARNING", wait: float = 600.0,
         lease_ttl: float | None = None) -> dict:
    """Join the run announced in Redis (waiting up to `wait` seconds for one), walk sites until
    it is over; returns this worker's figures."""
    global FLEET
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "harvester.settings")
    r = connect(url)
    deadline = time.monotonic() + wait
    current = None
    while current is None:
        raw = r.get(CURRENT)
        if raw:
            current = json.loads(raw)
            config_raw = r.get(f"{current['prefix']}:config")
            if (config_raw is None or r.exists(f"{current['prefix']}:finished")
                    or not r.exists(f"{current['prefix']}:alive")):  # over, or its store process is gone
                current = None
        if current is None:
            if time.monotonic() > deadline:
                raise FleetError(f"no run to join in Redis at {url} after {wait:.0f} s "
                                 "(start one with `harvester crawl --workers URL`)")
            time.sleep(0.2)
    config = json.loads(config_raw)
    ttl = float(lease_ttl or config.get("lease_ttl") or LEASE_TTL)
    FLEET = fleet = Fleet(r, current["prefix"], ttl)

    project = get_project_settings()
    run_settings = dict(config.get("settings") or {})
    if proxy is not None:
        run_settings["HARVESTER_PROXY"] = proxy
    run_settings["LOG_LEVEL"] = log_level or run_settings.get("LOG_LEVEL") or "WARNING"
    if run_settings.get("HARVESTER_PROXY"):  # the browser goes through the same proxy as the downloader
        launch = dict(project.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), proxy={"server": run_settings["HARVESTER_PROXY"]})
        project.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="cmdline")
    project.setdict(run_settings, priority="cmdline")
    middlewares = dict(project.getdict("DOWNLOADER_MIDDLEWARES"), **{"harvester.fleet.HostLeaseMiddleware": 950})
    project.setdict({
        "ITEM_PIPELINES": {"pipelines.parse.ParsePipeline": 100, "pipelines.files.AttachmentPipeline": 150,
                           "pipelines.classify.ClassifyPipeline": 200, "harvester.fleet.OutboxPipeline": 900},
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "DUPEFILTER_CLASS": "harvester.fleet.FleetDupeFilter",
        "SCHEDULER": scheduler_class(),
        "EXTENSIONS": {"harvester.progress.Progress": None},  # the coordinator shows the run's progress
        "HARVESTER_RUN_ID": None, "HARVESTER_DB": "",
    }, priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler(_spider_class())
    print(f"[worker] {fleet.id}: joined run {config['run']}", file=sys.stderr, flush=True)
    process.crawl(crawler)
    process.start()
    raw_stats = crawler.stats.get_stats() if crawler.stats else {}
    stats = {k: v for k, v in raw_stats.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    fleet.leave(stats)
    if "finish_reason" not in raw_stats:
        raise FleetError("this worker's crawl did not start (see the log above)")
    return {"worker": fleet.id, "run": config["run"], "requests": int(stats.get("downloader/request_count", 0)),
            "items": int(stats.get("item_scraped_count", 0))}
