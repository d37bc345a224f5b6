"""Issue 13: what an unchanged re-crawl no longer asks for (robots.txt kept a day, archive
lists re-walked on the report re-check schedule), and what it must still do (obey robots.txt,
find new reports). Each crawl is a `harvester crawl --proxy` subprocess through a sandbox that
runs in this process, so the test can change the portals between runs.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest

from e2e_helpers import rows, run_harvester
from harvester.sandbox import Sandbox


@pytest.fixture()
def sandbox():
    with Sandbox() as sb:
        yield sb


def crawl(sb, db, site, *extra):
    sb.request_log.clear()
    out = run_harvester("crawl", "--site", site, "--proxy", sb.proxy_url, "--db", str(db), *extra).stdout
    return out, [r["url"] for r in sb.request_log.snapshot() if r["method"] == "GET"]


def test_robots_txt_is_kept_a_day_and_its_rules_still_obeyed(sandbox, tmp_path):
    site, db = "gx-liuzhou-liunan", tmp_path / "r.db"
    forbidden = sandbox.truth.site(site)["reports"][0]["url"]  # a listed report the portal's robots.txt forbids
    sandbox.portal(site).cfg["robots_disallow"] = ["/search/", urlsplit(forbidden).path]
    robots = f"{urlsplit(forbidden).scheme}://{urlsplit(forbidden).netloc}/robots.txt"

    _, first = crawl(sandbox, db, site)
    assert first.count(robots) == 1 and forbidden not in first
    assert [r["origin"] for r in rows(db, "select origin from robots")] == [robots.removesuffix("/robots.txt")]

    _, second = crawl(sandbox, db, site)  # the next day's run: the kept file, obeyed
    assert robots not in second, "robots.txt fetched a second time within a day"
    assert forbidden not in second, "a path the kept robots.txt disallows was fetched"
    assert second, "the re-crawl asked for nothing at all"

    with sqlite3.connect(db) as con:  # two days pass
        con.execute("update robots set fetched = datetime('now', '-2 days')")
    _, third = crawl(sandbox, db, site)
    assert third.count(robots) == 1 and forbidden not in third

    _, fourth = crawl(sandbox, db, site, "--recheck-all")  # asks for everything again
    assert fourth.count(robots) == 1
