"""The sandbox server: a loopback HTTP proxy that answers for the portals' real host names.

Requests arrive in proxy form (``GET http://www.liunan.gov.cn/xxgk/zfxxgknb/ HTTP/1.1``, as
Scrapy's HttpProxyMiddleware and Chromium send them) or as ``CONNECT host:443`` for HTTPS: the
sandbox answers 200, wraps the tunnel in TLS with the host's own certificate (tls.py) and serves the
requests inside. Plain requests with a Host header (a browser pointed straight at the port)
work too, and so does TLS sent straight to the port. A host the sandbox does not serve answers
502 at once, as a proxy does when DNS fails.

    with Sandbox() as sb:                  # 127.0.0.1, a free port, a background thread
        sb.proxy_url                       # "http://127.0.0.1:PORT"
        sb.truth                           # truth.Truth
        sb.request_log                     # [{"method", "url", "host", "status", "time",
                                           #   "start", "end", "elapsed"}, ...]
        sb.request_log.summary()           # totals, per-host requests and max in flight
        sb.max_in_flight("www.liunan.gov.cn")
        sb.publish("gx-bbwb", {"year": 2025})
        sb.edit(url, {"applications.new_received.natural_person": 12})

    with Sandbox(national=True, latency=False, walls=True) as sb:
        ...                                # also every registry host (national.py), after
                                           # the hand-made portals; sb.national_truth(...)

``GET http://sandbox.local/__log`` through the proxy (or ``/__log`` on the port itself) answers
the log summary as JSON (``?host=H``, ``?records=N`` for the last N records, ``?clear=1``), so
another process (a benchmark) can read it. ``serve_forever(port=8899)`` serves in the foreground
(``python -m harvester.sandbox [--national] [--latency]``).
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from collections import Counter
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .portal import Portal, load_configs
from .tls import server_context
from .truth import Truth, from_portals

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LOG_HOST = "sandbox.local"          # the sandbox's own name through the proxy: /__log


class RequestLog(list):
    """A list of request records, appended under a lock; iterate over ``snapshot()``.

    Beside the records it keeps a summary that never drops anything: requests and statuses per
    host, requests in flight per host and the most seen at once, the first start and last end.
    ``maxlen`` keeps only the latest records (a national run makes hundreds of thousands); the
    summary still counts them all.
    """

    def __init__(self, maxlen: int | None = None):
        super().__init__()
        self.maxlen = maxlen
        self._lock = threading.Lock()
        self._reset()

    def _reset(self):
        flying = getattr(self, "_flying", {})
        self._flying = {h: n for h, n in flying.items() if n}
        self._hosts: dict[str, dict] = {h: self._host_entry(n) for h, n in self._flying.items()}
        self._statuses: Counter = Counter()
        self._total = 0
        self._max_total = sum(self._flying.values())
        self._first = self._last = None

    @staticmethod
    def _host_entry(flying=0):
        return {"requests": 0, "statuses": Counter(), "max_in_flight": flying, "first": None, "last": None}

    def begin(self, host: str):
        """A request to ``host`` started (it is in flight until ``end``)."""
        with self._lock:
            n = self._flying.get(host, 0) + 1
            self._flying[host] = n
            h = self._hosts.get(host) or self._hosts.setdefault(host, self._host_entry())
            h["max_in_flight"] = max(h["max_in_flight"], n)
            self._max_total = max(self._max_total, sum(self._flying.values()))

    def end(self, host: str):
        with self._lock:
            n = self._flying.get(host, 0) - 1
            if n > 0:
                self._flying[host] = n
            else:
                self._flying.pop(host, None)

    def append(self, item):
        with self._lock:
            super().append(item)
            if self.maxlen and len(self) > self.maxlen + self.maxlen // 10:
                del self[: len(self) - self.maxlen]
            host, status = item.get("host", ""), item.get("status")
            h = self._hosts.get(host) or self._hosts.setdefault(host, self._host_entry())
            h["requests"] += 1
            h["statuses"][status] += 1
            start, end = item.get("start"), item.get("end")
            h["first"] = start if h["first"] is None else min(h["first"], start)
            h["last"] = end if h["last"] is None else max(h["last"], end)
            self._statuses[status] += 1
            self._total += 1
            self._first = start if self._first is None else min(self._first, start)
            self._last = end if self._last is None else max(self._last, end)

    def clear(self):
        with self._lock:
            super().clear()
            self._reset()

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self)

    def urls(self, status=None) -> list[str]:
        return [r["url"] for r in self.snapshot() if status is None or r["status"] == status]

    def max_in_flight(self, host: str | None = None) -> int:
        """Most requests in flight at once, to ``host`` or to all hosts together."""
        with self._lock:
            if host is None:
                return self._max_total
            return (self._hosts.get(host) or {}).get("max_in_flight", 0)

    def in_flight(self, host: str | None = None) -> int:
        with self._lock:
            return sum(self._flying.values()) if host is None else self._flying.get(host, 0)

    def summary(self, host: str | None = None) -> dict:
        """JSON-ready totals: requests, statuses, first start, last end, rate, and per host
        requests, statuses, max_in_flight, in_flight, first, last (one host with ``host``)."""
        with self._lock:
            span = (self._last - self._first) if self._first is not None else 0.0
            hosts = {h: {"requests": e["requests"], "statuses": {str(k): v for k, v in e["statuses"].items()},
                         "max_in_flight": e["max_in_flight"], "in_flight": self._flying.get(h, 0),
                         "first": e["first"], "last": e["last"]}
                     for h, e in self._hosts.items() if host is None or h == host}
            return {"requests": self._total, "statuses": {str(k): v for k, v in self._statuses.items()},
                    "first_start": self._first, "last_end": self._last, "span": round(span, 4),
                    "rate": round(self._total / span, 1) if span > 0 else None,
                    "max_in_flight": self._max_total, "in_flight": sum(self._flying.values()),
                    "hosts_seen": len(self._hosts), "hosts": hosts}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sandbox-proxy"
    timeout = 120                      # an idle keep-alive connection is closed after this

    # -- connection level --
    def setup(self):
        super().setup()
        self.tls = False
        self.tunnel_host = None
        self._flying = None            # the host of the request in flight on this connection
        try:                           # headers and body go out in two writes: no Nagle wait
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def handle(self):
        try:
            first = self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if first == b"\x16":           # a TLS ClientHello straight to the port
            if not self._start_tls():
                return
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, TimeoutError, OSError):
            pass

    def finish(self):
        try:
            super().finish()
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        if self.tls:
            self.server.untrack(self.connection)
            try:
                self.connection.close()
            except OSError:
                pass

    def _start_tls(self) -> bool:
        try:
            ssock = self.server.sandbox.ssl_context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return False
        self.server.track(ssock)
        self.connection = self.request = ssock
        self.rfile = ssock.makefile("rb", self.rbufsize)
        self.wfile = socketserver._SocketWriter(ssock)
        self.tls = True
        return True

    def log_message(self, format, *args):      # quiet: the request log is the record
        if self.server.sandbox.verbose:
            sys.stderr.write("sandbox: " + format % args + "\n")

    # -- methods --
    def do_CONNECT(self):
        t0 = time.time()
        host, _, port = self.path.rpartition(":")
        host = host.strip("[]").lower()
        port = int(port) if port.isdigit() else 443
        portal = self.server.sandbox.portal_for(host)
        if getattr(portal, "dead", None) == "reset":
            self._log("CONNECT", f"{host}:{port}", host, 0, t0)
            self._reset()
            return
        ok = portal is not None and not getattr(portal, "dead", None) and (
            (port == 443 and "https" in portal.schemes) or (port == 80 and "http" in portal.schemes))
        if not ok:
            self._log("CONNECT", f"{host}:{port}", host, 502, t0)
            self._bad_gateway(host)
            self.close_connection = True
            return
        self._log("CONNECT", f"{host}:{port}", host, 200, t0)
        self.send_response_only(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        if port == 443 and not self._start_tls():
            return
        self.tunnel_host = host
        self.close_connection = False

    def do_GET(self):
        self._dispatch()

    do_POST = do_HEAD = do_GET

    def _dispatch(self):
        t0 = time.time()
        sb = self.server.sandbox
        target = self.path
        body = b""
        if self.command == "POST":
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                body = self.rfile.read(n)
        if target.startswith(("http://", "https://")):
            u = urlsplit(target)
            scheme, host, path, query = u.scheme, (u.hostname or ""), (u.path or "/"), u.query
            proxied = True
        else:
            scheme = "https" if self.tls else "http"
            host = self.tunnel_host or (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
            path, _, query = target.partition("?")
            proxied = self.tunnel_host is not None
        host = host.lower()
        url = f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
        if path == "/__log" and (host == LOG_HOST or host in LOOPBACK | {sb.host}):
            self._log_endpoint(query)
            return
        sb.request_log.begin(host)
        self._flying = host
        try:
            self._serve(t0, sb, scheme, host, path, query, url, proxied, body)
        finally:
            if self._flying is not None:
                sb.request_log.end(host)
                self._flying = None

    def _serve(self, t0, sb, scheme, host, path, query, url, proxied, body):
        """Answer one request; it is logged (and leaves the in-flight count) just before its
        bytes go out, so a client that has its answer also finds it in the log."""
        portal = sb.portal_for(host)
        dead = getattr(portal, "dead", None)
        if dead == "reset":
            self._log(self.command, url, host, 0, t0)
            self._reset()
            return
        if dead:
            portal = None
        if portal is None:
            if not proxied and host in LOOPBACK | {sb.host}:
                self._log(self.command, url, host, 200, t0)
                self._send(200, [("Content-Type", "text/html; charset=utf-8")], sb.index_html().encode())
                return
            self._log(self.command, url, host, 502, t0)
            self._bad_gateway(host)
            return
        if scheme not in portal.schemes:
            if portal.scheme == "https":
                loc = f"https://{host}{path}" + (f"?{query}" if query else "")
                resp = portal._redirect(loc)
            else:
                self._log(self.command, url, host, 502, t0)
                self._bad_gateway(host)
                return
        else:
            resp = portal.handle(self.command, path, query, self.headers, body)
            if resp.delay:
                time.sleep(resp.delay)
        self._log(self.command, url, host, resp.status, t0)
        self._send(resp.status, resp.headers, resp.body)

    def _log_endpoint(self, query):
        """The request log's summary as JSON (for a benchmark in another process)."""
        q = dict(parse_qsl(query))
        log = self.server.sandbox.request_log
        if q.get("clear"):
            log.clear()
        out = log.summary(q.get("host"))
        if q.get("records", "").isdigit():
            out["records"] = log.snapshot()[-int(q["records"]):] if int(q["records"]) else []
        nat = self.server.sandbox.national
        if nat is not None:
            out["national"] = nat.stats()
        body = json.dumps(out, ensure_ascii=False).encode()
        self._send(200, [("Content-Type", "application/json; charset=utf-8")], body)

    def _reset(self):
        """Close the connection with a TCP reset, answering nothing (a host that resets)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    # -- output --
    def _send(self, status, headers, body: bytes):
        self.send_response_only(status)
        for k, v in headers:
            self.send_header(k, v)
        if not any(k.lower() == "content-length" for k, _ in headers) and status != 304:
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            self.wfile.write(body)
        self.wfile.flush()

    def _bad_gateway(self, host):
        body = (f"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>"
                f"<p>Unable to determine IP address from host name <b>{escape(host)}</b>.</p>"
                f"<p>The DNS server returned: Name Error: The domain name does not exist.</p>"
                f"</body></html>").encode()
        self._send(502, [("Content-Type", "text/html; charset=utf-8"),
                         ("Content-Length", str(len(body)))], body)

    def _log(self, method, url, host, status, t0):
        t1 = time.time()
        log = self.server.sandbox.request_log
        log.append(
            {"method": method, "url": url, "host": host, "status": status, "time": t0,
             "start": t0, "end": t1, "elapsed": round(t1 - t0, 4)})
        if getattr(self, "_flying", None) == host:
            log.end(host)
            self._flying = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024          # a crawl opens many connections at once: no SYN drops

    def __init__(self, addr, sandbox):
        self.sandbox = sandbox
        self._conns: set = set()
        self._conns_lock = threading.Lock()
        super().__init__(addr, _Handler)

    def track(self, sock):
        with self._conns_lock:
            self._conns.add(sock)

    def untrack(self, sock):
        with self._conns_lock:
            self._conns.discard(sock)

    def process_request(self, request, client_address):
        self.track(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        self.untrack(request)
        super().shutdown_request(request)

    def close_all(self):
        with self._conns_lock:
            conns, self._conns = list(self._conns), set()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):   # a client gone away is not news
        if self.sandbox.verbose:
            super().handle_error(request, client_address)


class Sandbox:
    """The offline web: every portal of portals/ served behind a loopback proxy.

    ``Sandbox(port=0, host="127.0.0.1", sites=None, delay_scale=1.0, verbose=False,
    national=False, latency=False, walls=True, registry=None, log_limit=None)``:
    ``sites`` limits the portals (ids as in data/sites.csv); ``delay_scale`` scales the slow
    host's delay (0 turns it off). State (publish/edit) belongs to the instance.
    ``national``: also answer for every registry host (data/sites.csv) the hand-made portals do
    not serve (national.py; ``registry`` another sites.csv); ``latency`` turns on the national
    hosts' response delays; ``walls=False`` serves no JavaScript wall anywhere (hand-made
    portals included, and their truth says so); ``log_limit`` keeps only the latest records.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *, sites=None,
                 delay_scale: float = 1.0, verbose: bool = False, national: bool = False,
                 latency: bool = False, walls: bool = True, registry=None,
                 log_limit: int | None = None, max_portals: int = 256, max_bytes: int = 64 << 20):
        self.host, self._port = host, port
        self.verbose = verbose
        self.walls = walls
        self.portals: dict[str, Portal] = {}
        self._by_host: dict[str, Portal] = {}
        for cfg in load_configs(sites):
            if not walls:
                cfg.pop("wall", None)
            p = Portal(cfg, delay_scale=delay_scale)
            self.portals[p.id] = p
            self._by_host[p.host] = p
        self.national = None
        if national:
            from .national import NationalWeb
            hand = {c["host"]: c["id"] for c in load_configs()}   # every hand-made host stays theirs
            self.national = NationalWeb(registry, exclude_hosts=hand, latency=latency, walls=walls,
                                        max_portals=max_portals, max_bytes=max_bytes)
        self.request_log = RequestLog(log_limit)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ssl = None

    # --- lifecycle ---
    def start(self) -> "Sandbox":
        if self._server is None:
            self._server = _Server((self.host, self._port), self)
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            kwargs={"poll_interval": 0.1},
                                            name="harvester-sandbox", daemon=True)
            self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.close_all()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- facts ---
    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._port

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def hosts(self) -> list[str]:
        """Every host served (hand-made portals, then the national sandbox's)."""
        hosts = set(self._by_host)
        if self.national is not None:
            hosts.update(self.national.hosts)
        return sorted(hosts)

    @property
    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = server_context()
        return self._ssl

    def portal_for(self, host: str):
        """What answers for ``host``: a hand-made Portal first, else the national sandbox's
        (NationalPortal, MovedHost or DeadHost), else None."""
        p = self._by_host.get(host)
        if p is None and self.national is not None:
            return self.national.lookup(host)
        return p

    def max_in_flight(self, host: str | None = None) -> int:
        """Most requests in flight at once to ``host`` (to all hosts together by default)."""
        return self.request_log.max_in_flight(host)

    def national_truth(self, sites=None, province=None, hosts=None, values: bool = False):
        """The national sandbox's truth (national.NationalTruth) for registry ids, hosts or a province."""
        if self.national is None:
            raise RuntimeError("this sandbox was started without national=True")
        return self.national.truth(sites=sites, province=province, hosts=hosts, values=values)

    def portal(self, site_id: str) -> Portal:
        return self.portals[site_id]

    @property
    def truth(self) -> Truth:
        return from_portals(self.portals.values())

    # --- mutation ---
    def publish(self, site_id: str, report_spec: dict) -> dict:
        """Add a report on top of a portal's column; returns its truth entry.

        ``report_spec``: ``year`` (required); optional ``column`` (key in the portal file),
        ``agency``/``short``/``we``/``level``, ``title``, ``date`` ("YYYY-MM-DD HH:MM"; default
        now), ``format``, ``style``, ``faults``, ``prose``, and any of the tables
        ``active_disclosure``/``applications``/``reviews_litigation`` in the golden shape
        (missing ones are generated). ``kind`` other than "report" publishes a non-report page.
        """
        p = self.portals[site_id]
        it = p.publish(report_spec)
        if it.kind == "report":
            return p.truth_entry(it)
        return next(e for e in p.truth()["non_reports"] if e["url"] == it.url)

    def edit(self, url: str, changes: dict) -> dict:
        """Change values of the report at ``url``; returns its new truth entry.

        ``changes``: nested golden-shape dicts, dotted keys
        (``"applications.denied.state_secret.total"``, ``"reviews_litigation.review.upheld"``,
        ``"active_disclosure.licensing.decisions"``) or ``"title"``.
        """
        host = urlsplit(url).hostname
        p = self.portal_for(host or "")
        if p is None:
            raise KeyError(f"no sandbox portal for {url}")
        return p.truth_entry(p.edit(url, changes))

    # --- the page at the proxy's own address ---
    def index_html(self) -> str:
        rows = "".join(f"<li>{escape(p.id)}: <code>{escape(p.base)}/</code></li>"
                       for p in self.portals.values())
        if self.national is not None:
            rows += f"<li>national sandbox: {len(self.national.hosts)} more hosts (data/sites.csv)</li>"
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>harvester sandbox</title>"
                f"</head><body><h1>harvester sandbox</h1><p>Use this address as an HTTP proxy: "
                f"<code>{escape(self.proxy_url)}</code>. Hosts served:</p><ul>{rows}</ul></body></html>")


def serve_forever(port: int = 8899, host: str = "127.0.0.1", *, national: bool = False,
                  latency: bool = False, walls: bool = True, log_limit: int | None = None):
    """Serve the sandbox in the foreground until interrupted (``harvester sandbox``,
    ``python -m harvester.sandbox --national --latency``)."""
    sb = Sandbox(port=port, host=host, national=national, latency=latency, walls=walls,
                 log_limit=log_limit if log_limit is not None else (100_000 if national else None))
    sb._server = _Server((host, port), sb)
    print(f"sandbox proxy: {sb.proxy_url}", flush=True)
    for p in sb.portals.values():
        print(f"  {p.base}/   ({p.id})", flush=True)
    if sb.national is not None:
        print(f"  national sandbox: {len(sb.national.hosts)} more hosts "
              f"(latency {'on' if latency else 'off'}, walls {'on' if walls else 'off'})", flush=True)
        print(f"  log summary: curl -x {sb.proxy_url} http://{LOG_HOST}/__log", flush=True)
    print("  e.g. curl -x " + sb.proxy_url + " http://www.liunan.gov.cn/xxgk/zfxxgknb/", flush=True)
    try:
        sb._server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        sb._server.close_all()
        sb._server.server_close()
