"""Helpers of the end-to-end tests: run the CLI, read the SQLite file.

A crawl runs as `harvester crawl --sandbox` in a subprocess (Scrapy's reactor runs once per
process), through Scrapy's real downloader and the sandbox's proxy, once per test session.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
HARVESTER = [sys.executable, "-m", "harvester.cli"]


def run_harvester(*args, env=None, timeout=600, check=True) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, **(env or {}))
    done = subprocess.run(HARVESTER + list(args), cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=full_env)
    if check and done.returncode != 0:
        raise AssertionError(f"harvester {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-3000:]}")
    return done


def rows(db: Path, sql: str, params=()) -> list[dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def registry_ids() -> set[str]:
    from harvester import registry
    from harvester.crawl import DEFAULT_REGISTRY

    return {s.id for s in registry.load(DEFAULT_REGISTRY)}


def harvested(entries: list[dict]) -> list[dict]:
    """Truth entries of the portals a crawl of the registry covers (the sandbox also serves
    portals that tests add by `harvester add-site`)."""
    ids = registry_ids()
    return [e for e in entries if e["site_id"] in ids]


# What must be equal: everything a harvest holds but run bookkeeping and timestamps.
CONTENT = {
    "reports": "select id, site_id, agency, province, year, title, url, format, parse_status, check_status, "
               "content_hash, version from reports",
    "report_sources": "select url, report_id, kind, content_hash, canonical from report_sources",
    "report_versions": "select report_id, version, content_hash, changes from report_versions",
    "applications": "select * from applications",
    "active_disclosure": "select * from active_disclosure",
    "reviews_litigation": "select * from reviews_litigation",
    "check_failures": "select * from check_failures",
    "fetch_errors": "select url, status, reason from fetch_errors",
    "non_reports": "select url, reason from non_reports",
    "pages": "select hash from pages",
}


def snapshot(db, content: dict = CONTENT) -> dict[str, list]:
    return {name: sorted(map(repr, rows(db, sql))) for name, sql in content.items()}


def count_reports(db) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("select count(*) from reports").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0
