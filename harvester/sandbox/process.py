"""The sandbox in a process of its own, for runs that crawl many portals.

A crawl of the national sandbox makes tens of thousands of requests; served from a thread of
the crawling process, the sandbox's rendering would share one interpreter lock with Scrapy's
parsing. In its own process it has a core of its own, as a real web would.

    with SandboxProcess(national=True) as sb:
        sb.proxy_url                  # "http://127.0.0.1:PORT"
        sb.log_summary()              # the server's /__log summary (requests, in flight per host)
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxProcess:
    """`python -m harvester.sandbox` on a free loopback port, stopped on exit."""

    def __init__(self, *, national: bool = True, latency: bool = False, walls: bool = True,
                 port: int | None = None, start_timeout: float = 30.0):
        self.port = port or free_port()
        self.args = [sys.executable, "-m", "harvester.sandbox", "--port", str(self.port)]
        self.args += ["--national"] if national else []
        self.args += ["--latency"] if latency else []
        self.args += [] if walls else ["--no-walls"]
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "SandboxProcess":
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
                raise RuntimeError(f"the sandbox did not start: {err[-1] if err else 'exit ' + str(self.proc.returncode)}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the sandbox did not answer on port {self.port} within {self.start_timeout:.0f} s")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log_summary(self, host: str | None = None) -> dict:
        """The server's own record: requests per host and status, and the most in flight at once."""
        url = f"http://127.0.0.1:{self.port}/__log" + (f"?host={host}" if host else "")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=10) as answer:
            return json.loads(answer.read())

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
