"""Fixtures of the browse tests: one harvest, one Datasette server over real HTTP.

`harvest` is the one place that decides where the data comes from:
- "sandbox": the real Scrapy crawl of the offline sandbox (`harvester crawl --sandbox`, in a
  subprocess: Scrapy's reactor runs once per process), compared with the sandbox's own truth
  (harvester.sandbox.truth);
- "store": a small harvest written through harvester.store.Store.save_report
  (tests/browse/browse_fixture.py), compared with the values it was made from.
BROWSE_HARVEST=store|sandbox chooses; the default is the sandbox when `harvester crawl
--sandbox` is available and BROWSE_HARVEST is unset, else the store fixture.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import browse_fixture as fixture  # noqa: E402
from harvester.browse import wait_until_serving


@dataclass
class Harvest:
    db: Path
    reports: list[dict]  # golden-shaped truth, one dict per report
    source: str  # "store" or "sandbox"


def sandbox_available() -> bool:
    try:
        import harvester.report  # noqa: F401
        import harvester.sandbox.truth  # noqa: F401
    except Exception:
        return False
    return shutil.which("harvester", path=str(ROOT / ".venv" / "bin")) is not None


def harvest_kind() -> str:
    kind = os.environ.get("BROWSE_HARVEST")
    if kind:
        return kind
    return "sandbox" if sandbox_available() else "store"


def build_store_harvest(directory: Path) -> Harvest:
    db = directory / "harvest.db"  # not reports.db: serve() must still name it /reports
    reports = fixture.build(db)
    return Harvest(db, reports, "store")


def build_sandbox_harvest(directory: Path) -> Harvest:
    db = directory / "harvest.db"
    harvester = ROOT / ".venv" / "bin" / "harvester"
    done = subprocess.run([str(harvester), "crawl", "--sandbox", "hand", "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"sandbox crawl failed:\n{done.stdout}\n{done.stderr}"
    from harvester.sandbox.truth import load

    from harvester import registry
    from harvester.crawl import DEFAULT_REGISTRY

    # One truth entry per report as the harvest holds it: portals of the registry only (the
    # sandbox also serves portals that tests add by URL), the current version only, and a
    # report re-posted on a parent portal counted once.
    crawled = {s.id for s in registry.load(DEFAULT_REGISTRY)}
    reports, keys = [], set()
    for r in load().reports:
        if r["site_id"] in crawled and r.get("current") is not False and r["report_key"] not in keys:
            keys.add(r["report_key"])
            reports.append(dict(r))
    # Agency names are the parser's to get right (tests/report checks them): the truth may say
    # 广西壮族自治区北部湾经济区规划建设管理办公室 where the page's title says 自治区北部湾办. The
    # canned queries group by the name as harvested, so the expectations use that name; every
    # number still comes from the truth.
    import sqlite3

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    harvested = dict(conn.execute(
        "select s.url, r.agency from report_sources s join reports r on r.id = s.report_id").fetchall())
    conn.close()
    for r in reports:
        for url in [r["url"], *(r.get("mirrors") or [])]:
            if url in harvested:
                r["truth_agency"], r["agency"] = r["agency"], harvested[url]
                break
    return Harvest(db, reports, "sandbox")


@pytest.fixture(scope="session")
def harvest(tmp_path_factory) -> Harvest:
    directory = tmp_path_factory.mktemp("harvest")
    kind = harvest_kind()
    h = build_sandbox_harvest(directory) if kind == "sandbox" else build_store_harvest(directory)
    from harvester.browse import prepare

    prepare(h.db)  # what the crawl does at its end; idempotent
    return h


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Server:
    url: str
    db: Path
    db_hash: str
    process: subprocess.Popen

    def get(self, path: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
        """(status, headers, body bytes) of one real HTTP request."""
        request = urllib.request.Request(self.url + path, method=method, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="session")
def server(harvest) -> Server:
    port = free_port()
    db_hash = sha256_file(harvest.db)  # before the server starts: serving must not write at all
    log = open(harvest.db.with_suffix(".serve.log"), "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "harvester.browse", "serve", "--db", str(harvest.db), "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, url, harvest.db.with_suffix(".serve.log"))
    yield Server(url, harvest.db, db_hash, process)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
