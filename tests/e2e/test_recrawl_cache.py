"""Issue 13: what an unchanged re-crawl no longer asks for (robots.txt kept a day, archive
lists re-walked on the report re-check schedule), and what it must still do (obey robots.txt,
find new reports). Each crawl is a `harvester crawl --proxy` subprocess through a sandbox that
runs in this process, so the test can change the portals between runs.
"""

from __future__ import annotations

import re
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


def test_archive_lists_wait_for_their_schedule_and_new_reports_are_still_found(sandbox, tmp_path):
    """咸宁's column is split by year, and each year by body (16 lists). A day after a full walk
    only the column is read; a late report in an old year's list is found when that list is due
    (here: 100 days later, as if time had passed); the list it made young is then read on every
    run, so the next late report there is found at once; --recheck-all walks every list."""
    site, db = "hb-xianning", tmp_path / "r.db"
    column = "http://www.xianning.gov.cn/xxgk/xxgknb/"
    _, first = crawl(sandbox, db, site)
    lists = {u for u in first if u.startswith(column + "20") and u.endswith("/")}
    assert len(lists) >= 16

    out, second = crawl(sandbox, db, site)
    assert column in second, "the column itself is read on every run"
    # the column links 2024年度 … 2021年度 (and their bodies' lists), the 2020 and 2019 folders
    left = re.search(r"archive lists not due for a walk, left unread: (\d+) ", out)
    assert left and int(left.group(1)) >= 6, out
    assert not lists & set(second), "an archive list was walked again a day after its walk"

    late = sandbox.publish(site, {"year": 2024, "column": "y2024szbm", "agency": "咸宁市审计局", "short": "市审计局",
                                  "we": "我局", "level": "部门"})
    _, third = crawl(sandbox, db, site)
    assert late["url"] not in third, "the 2024 departments' list is not due a day after its walk"

    with sqlite3.connect(db) as con:  # 100 days pass for the lists (the reports' checks stay recent)
        con.execute("update crawl_lists set walked = datetime('now', '-100 days')")
    out, fourth = crawl(sandbox, db, site)
    assert late["url"] in fourth and "new 1," in out
    assert rows(db, "select count(*) n from reports where url = ?", [late["url"]]) == [{"n": 1}]

    later = sandbox.publish(site, {"year": 2024, "column": "y2024szbm", "agency": "咸宁市统计局", "short": "市统计局",
                                   "we": "我局", "level": "部门"})
    out, fifth = crawl(sandbox, db, site)  # the list now shows a report published today: read every run
    assert later["url"] in fifth and "new 1," in out
    assert column + "2024/szbm/" in fifth and column + "2021/" not in fifth, "only the young list's branch is walked"

    _, sixth = crawl(sandbox, db, site, "--recheck-all")
    assert lists <= set(sixth), "--recheck-all walks every list"
