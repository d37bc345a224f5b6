"""The sandbox server: a loopback HTTP proxy that answers for the portals' real host names.

Requests arrive in proxy form (``GET http://www.liunan.gov.cn/xxgk/zfxxgknb/ HTTP/1.1``, as
Scrapy's HttpProxyMiddleware and Chromium send them) or as ``CONNECT host:443`` for HTTPS: the
sandbox answers 200, wraps the tunnel in TLS with its own certificate (tls.py) and serves the
requests inside. Plain requests with a Host header (a browser pointed straight at the port)
work too, and so does TLS sent straight to the port. A host the sandbox does not serve answers
502 at once, as a proxy does when DNS fails.

    with Sandbox() as sb:                  # 127.0.0.1, a free port, a background thread
        sb.proxy_url                       # "http://127.0.0.1:PORT"
        sb.truth                           # truth.Truth
        sb.request_log                     # [{"method", "url", "host", "status", "time"}, ...]
        sb.publish("gx-bbwb", {"year": 2025})
        sb.edit(url, {"applications.new_received.natural_person": 12})

``serve_forever(port=8899)`` serves in the foreground (``python -m harvester.sandbox``).
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import sys
import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .portal import Portal, load_configs
from .tls import server_context
from .truth import Truth, from_portals

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class RequestLog(list):
    """A list of request records, appended under a lock; iterate over ``snapshot()``."""

    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()

    def append(self, item):
        with self._lock:
            super().append(item)

    def clear(self):
        with self._lock:
            super().clear()

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self)

    def urls(self, status=None) -> list[str]:
        return [r["url"] for r in self.snapshot() if status is None or r["status"] == status]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sandbox-proxy"
    timeout = 120                      # an idle keep-alive connection is closed after this

    # -- connection level --
    def setup(self):
        super().setup()
        self.tls = False
        self.tunnel_host = None

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
        ok = portal is not None and ((port == 443 and "https" in portal.schemes)
                                     or (port == 80 and "http" in portal.schemes))
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
        portal = sb.portal_for(host)
        if portal is None:
            if not proxied and host in LOOPBACK | {sb.host}:
                self._send(200, [("Content-Type", "text/html; charset=utf-8")], sb.index_html().encode())
                self._log(self.command, url, host, 200, t0)
                return
            self._bad_gateway(host)
            self._log(self.command, url, host, 502, t0)
            return
        if scheme not in portal.schemes:
            if portal.scheme == "https":
                loc = f"https://{host}{path}" + (f"?{query}" if query else "")
                resp = portal._redirect(loc)
            else:
                self._bad_gateway(host)
                self._log(self.command, url, host, 502, t0)
                return
        else:
            resp = portal.handle(self.command, path, query, self.headers, body)
            if resp.delay:
                time.sleep(resp.delay)
        self._send(resp.status, resp.headers, resp.body)
        self._log(self.command, url, host, resp.status, t0)

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
        self.server.sandbox.request_log.append(
            {"method": method, "url": url, "host": host, "status": status, "time": t0,
             "elapsed": round(time.time() - t0, 4)})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

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

    ``Sandbox(port=0, host="127.0.0.1", sites=None, delay_scale=1.0, verbose=False)``:
    ``sites`` limits the portals (ids as in data/sites.csv); ``delay_scale`` scales the slow
    host's delay (0 turns it off). State (publish/edit) belongs to the instance.
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *, sites=None,
                 delay_scale: float = 1.0, verbose: bool = False):
        self.host, self._port = host, port
        self.verbose = verbose
        self.portals: dict[str, Portal] = {}
        self._by_host: dict[str, Portal] = {}
        for cfg in load_configs(sites):
            p = Portal(cfg, delay_scale=delay_scale)
            self.portals[p.id] = p
            self._by_host[p.host] = p
        self.request_log = RequestLog()
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
        return sorted(self._by_host)

    @property
    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = server_context([*self.hosts, "localhost", "127.0.0.1"])
        return self._ssl

    def portal_for(self, host: str) -> Portal | None:
        return self._by_host.get(host)

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
        return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>harvester sandbox</title>"
                f"</head><body><h1>harvester sandbox</h1><p>Use this address as an HTTP proxy: "
                f"<code>{escape(self.proxy_url)}</code>. Hosts served:</p><ul>{rows}</ul></body></html>")


def serve_forever(port: int = 8899, host: str = "127.0.0.1"):
    """Serve the sandbox in the foreground until interrupted (``harvester sandbox``)."""
    sb = Sandbox(port=port, host=host)
    sb._server = _Server((host, port), sb)
    print(f"sandbox proxy: {sb.proxy_url}", flush=True)
    for p in sb.portals.values():
        print(f"  {p.base}/   ({p.id})", flush=True)
    print("  e.g. curl -x " + sb.proxy_url + " http://www.liunan.gov.cn/xxgk/zfxxgknb/", flush=True)
    try:
        sb._server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        sb._server.close_all()
        sb._server.server_close()
