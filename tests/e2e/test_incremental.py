"""Issue 8: incremental re-runs and targeted re-crawls, against a sandbox that changes between runs.

The sandbox runs in this test process (so it can publish and edit between runs); each crawl is
a `harvester crawl --proxy` subprocess through it.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest

from e2e_helpers import rows, run_harvester
from harvester import registry
from harvester.crawl import DEFAULT_REGISTRY
from harvester.sandbox import Sandbox


@pytest.fixture()
def sandbox():
    with Sandbox() as sb:
        yield sb


def report_fetches(sb, urls: set[str], status: int = 200) -> list[str]:
    return [r["url"] for r in sb.request_log.snapshot() if r["url"] in urls and r["status"] == status]


def test_second_run_fetches_only_new_pages_and_rechecks_old_ones_on_their_schedule(sandbox, tmp_path):
    """An edit of an old report is found when the report is due for a check (harvester/recheck.py),
    not on every run: the second run asks for nothing stored, the third (its last check now 100
    days back, as if time had passed) asks again and finds the new version."""
    db = tmp_path / "r.db"
    site = "hb-xianning-zwsjj"
    run_harvester("crawl", "--site", site, "--proxy", sandbox.proxy_url, "--db", str(db))
    reports_before = rows(db, "select count(*) n from reports")[0]["n"]
    versions_before = rows(db, "select count(*) n from report_versions")[0]["n"]
    known = {r["url"] for r in rows(db, "select url from report_sources")}

    latest = max((r for r in sandbox.truth.site(site)["reports"]), key=lambda r: r["year"])
    edited = sandbox.edit(latest["url"], {"applications.new_received.natural_person": 77})
    new = sandbox.publish(site, {"year": latest["year"] + 1})
    sandbox.request_log.clear()

    out = run_harvester("crawl", "--site", site, "--proxy", sandbox.proxy_url, "--db", str(db)).stdout
    assert report_fetches(sandbox, known) == [] and report_fetches(sandbox, known, 304) == [], \
        "no stored report is due a day after its check"
    assert report_fetches(sandbox, {new["url"]}) == [new["url"]]
    assert rows(db, "select count(*) n from reports")[0]["n"] == reports_before + 1
    assert rows(db, "select count(*) n from report_versions")[0]["n"] == versions_before + 1
    assert "new 1, changed 0" in out

    with sqlite3.connect(db) as con:  # time passes: every stored page was last checked 100 days ago
        con.execute("update report_sources set last_checked = date('now', '-100 days')")
    sandbox.request_log.clear()
    out = run_harvester("crawl", "--site", site, "--proxy", sandbox.proxy_url, "--db", str(db)).stdout
    full_fetches = set(report_fetches(sandbox, known))
    assert edited["url"] in full_fetches
    assert full_fetches <= {edited["url"], *edited["mirrors"]}, "only the edited report may come back in full"
    pages = {r["url"] for r in rows(db, "select url from report_sources where kind = 'page'")} - {new["url"]}
    assert set(report_fetches(sandbox, known, 304)) | full_fetches >= pages, "every due page was asked again"
    assert rows(db, "select count(*) n from report_versions")[0]["n"] == versions_before + 2  # new report + new version
    current = rows(db, "select r.version, a.natural_person from reports r join report_sources s on s.report_id = r.id "
                       "join applications a on a.report_id = r.id and a.row = 'new_received' where s.url = ?",
                   [edited["url"]])
    assert current == [{"version": 2, "natural_person": 77}]
    run = rows(db, "select new_reports, changed_reports, unchanged_reports from crawl_runs order by id desc limit 1")[0]
    assert (run["new_reports"], run["changed_reports"]) == (0, 1)
    assert run["unchanged_reports"] >= 1
    assert "new 0, changed 1" in out


def test_recheck_all_asks_for_every_known_page(sandbox, tmp_path):
    db = tmp_path / "r.db"
    site = "gx-bbwb"
    run_harvester("crawl", "--site", site, "--proxy", sandbox.proxy_url, "--db", str(db))
    known = {r["url"] for r in rows(db, "select url from report_sources where kind = 'page'")}
    sandbox.request_log.clear()
    run_harvester("crawl", "--site", site, "--proxy", sandbox.proxy_url, "--db", str(db), "--recheck-all")
    asked = set(report_fetches(sandbox, known)) | set(report_fetches(sandbox, known, 304))
    assert asked == known


def test_full_rerun_rechecks_every_known_page(sandbox, tmp_path):
    db = tmp_path / "r.db"
    site = "gx-bbwb"
    run_harvester("crawl", "--site", site, "--proxy", sandbox.proxy_url, "--db", str(db))
    known = {r["url"] for r in rows(db, "select url from report_sources")}
    sandbox.request_log.clear()
    run_harvester("crawl", "--site", site, "--proxy", sandbox.proxy_url, "--db", str(db), "--full")
    assert set(report_fetches(sandbox, known)) == known


def test_province_recrawl_touches_no_other_province(sandbox, tmp_path):
    """The registry's rows of the portals this sandbox serves (the national registry's other
    湖北 governments have no portal here), crawled by province."""
    db, modelled = tmp_path / "r.db", tmp_path / "sites.csv"
    served = set(sandbox.hosts)
    lines = DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines(keepends=True)
    keep = {s.id for s in registry.load(DEFAULT_REGISTRY) if s.columns and urlsplit(s.columns[0]).hostname in served}
    modelled.write_text(lines[0] + "".join(x for x in lines[1:] if x.split(",")[0] in keep), encoding="utf-8")
    run_harvester("crawl", "--province", "湖北", "--registry", str(modelled), "--proxy", sandbox.proxy_url, "--db", str(db))
    hosts = {r["host"] for r in sandbox.request_log.snapshot()}
    hubei = {urlsplit(u).hostname for s in registry.load(modelled) if s.province == "湖北省"
             for u in [s.homepage, *s.columns]}
    assert len(hubei) == 3  # 咸宁市, 咸安区, 咸宁市政务服务和大数据管理局
    assert hosts and hosts <= hubei
    others = {urlsplit(s["homepage"]).hostname for s in sandbox.truth.sites.values() if s["province"] != "湖北省"}
    assert not hosts & others
    assert {r["province"] for r in rows(db, "select distinct province from reports")} == {"湖北省"}


def test_year_targets_only_that_years_reports(sandbox, tmp_path):
    db = tmp_path / "r.db"
    run_harvester("crawl", "--site", "gx-bbwb", "--year", "2022", "--proxy", sandbox.proxy_url, "--db", str(db))
    assert {r["year"] for r in rows(db, "select distinct year from reports")} == {2022}
    fetched = {r["url"] for r in sandbox.request_log.snapshot() if r["status"] == 200}
    others = {r["url"] for r in sandbox.truth.site("gx-bbwb")["reports"] if r["year"] != 2022}
    assert not fetched & others, "reports of other years were fetched"
