"""Issue 11: national reach. Crawls of the national sandbox (a generated portal for every
registry government, in the CMS families' real shapes, with faults and discovery left to do)
find every report its truth says is reachable, start no browser when no page needs one, and
never open a connection beyond loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from e2e_helpers import ROOT, rows
from harvester import registry
from harvester.crawl import DEFAULT_REGISTRY
from harvester.sandbox.national import NationalWeb
from harvester.sandbox.portal import load_configs

GUARD = Path(__file__).with_name("loopback_guard.py")
BROWSER_NAMES = ("chrom", "node", "headless_shell")


def crawl_watched(args: list[str], tmp: Path, timeout: float = 1500) -> tuple[subprocess.CompletedProcess, set, list]:
    """Run `harvester crawl ...` under the loopback guard; (result, names of every process its
    tree started, non-loopback addresses it tried)."""
    report = tmp / "guard.json"
    proc = subprocess.Popen([sys.executable, str(GUARD), str(report), "crawl", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: set[str] = set()
    root = psutil.Process(proc.pid)
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            for child in root.children(recursive=True):
                seen.add(child.name())
        except psutil.Error:
            pass
        time.sleep(0.1)
    out, err = proc.communicate(timeout=max(1, deadline - time.monotonic()))
    tried = json.loads(report.read_text()) if report.exists() else ["(guard wrote no report)"]
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), seen, tried


def national_sites(every: int) -> list[str]:
    hand = {c["host"] for c in load_configs()}
    sites = [s for s in registry.load(DEFAULT_REGISTRY) if s.crawlable and s.is_government]
    return [s.id for s in sites if registry_host(s) not in hand][::every]


def registry_host(site) -> str:
    from urllib.parse import urlsplit

    return urlsplit(site.homepage).hostname or ""


def recall(db: Path, truth) -> tuple[int, list[dict]]:
    stored = {r["url"] for r in rows(db, "select url from report_sources")}
    expected = truth.expected(browser=True)
    return len(expected), [r for r in expected if r["url"] not in stored]


@pytest.fixture(scope="module")
def web():
    """The national sandbox's truth as `crawl --sandbox` serves it: hand-made portals keep their hosts."""
    return NationalWeb(exclude_hosts={c["host"]: c["id"] for c in load_configs()})


def test_a_few_hundred_national_portals_every_report_found_no_browser_loopback_only(tmp_path, web):
    ids = national_sites(every=12)
    truth = web.truth(sites=ids)
    walled = [s for s in truth.sites.values() if s.get("wall")]
    ids = [i for i in ids if i not in {s["site_id"] for s in walled}]  # no page of these needs a browser
    truth = web.truth(sites=ids)
    assert len(ids) >= 250
    db = tmp_path / "national.db"
    done, started, tried = crawl_watched(["--sandbox", *[a for i in ids for a in ("--site", i)], "--db", str(db)],
                                         tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    n, missing = recall(db, truth)
    assert n > 5000 and not missing, f"{len(missing)} of {n} reports not found: {missing[:5]}"
    # every portal that answered has its record, and the summary says how many did what
    sites = rows(db, "select site_id, status, answered, column_found, reports from crawl_sites")
    assert {r["site_id"] for r in sites} == set(ids) and all(r["status"] == "finished" for r in sites)
    line = next(l for l in done.stdout.splitlines() if l.startswith("portals:"))
    assert f"{len(ids)} walked" in line and f"{sum(1 for r in sites if r['reports'])} with reports" in line
    # the portals the truth calls dead record why; no browser and no Playwright driver started
    for s in truth.sites.values():
        if s.get("why") == "dead_host":
            assert next(r for r in sites if r["site_id"] == s["site_id"])["answered"] == 0
    assert not [name for name in started if name.lower().startswith(BROWSER_NAMES)], started
    assert sum(r["n"] for r in rows(db, "select count(*) n from crawl_sites where browser_pages > 0")) == 0
    assert tried == [], f"connections beyond loopback: {tried[:5]}"


def test_province_recrawl_covers_every_government_of_guangxi(tmp_path, web):
    db = tmp_path / "gx.db"
    done, _, tried = crawl_watched(["--sandbox", "--province", "广西", "--db", str(db)], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    governments = {s.id for s in registry.select(registry.load(DEFAULT_REGISTRY), province="广西")
                   if s.is_government}
    assert len(governments) == 126
    walked = {r["site_id"] for r in rows(db, "select site_id from crawl_sites")}
    assert governments <= walked
    line = next(l for l in done.stdout.splitlines() if l.startswith("portals:"))
    counts = rows(db, "select count(*) walked, sum(answered > 0) answered, sum(column_found > 0 or site_id in "
                      "(select id from sites where columns != '[]')) col, sum(reports > 0) rep from crawl_sites")[0]
    assert counts["walked"] == len(walked) and counts["col"] >= counts["rep"] > 100
    assert line == (f"portals: {counts['walked']} walked, {counts['answered']} answered, {counts['col']} with a "
                    f"report column, {counts['rep']} with reports")
    n, missing = recall(db, web.truth(province="广西壮族自治区"))
    assert not missing, f"{len(missing)} of {n} reports not found: {missing[:5]}"
    assert tried == []
