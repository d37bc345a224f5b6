"""Issue 2: harvest the seed portals end to end, offline, into SQLite."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from harvester.report import looks_like_report_title
from harvester.store import SCHEMA

from e2e_helpers import ROOT, harvested, rows, run_harvester


def test_every_sandbox_report_is_harvested_with_agency_province_year(harvest, truth):
    db, _ = harvest
    sources = {r["url"]: r for r in rows(db, "select s.url, r.agency, r.province, r.year, s.site_id "
                                             "from report_sources s join reports r on r.id = s.report_id")}
    missing = [r["url"] for r in harvested(truth.reports) if r["url"] not in sources]
    assert not missing, f"reports not harvested: {missing}"
    for r in harvested(truth.reports):
        got = sources[r["url"]]
        assert (got["agency"], got["province"], got["year"], got["site_id"]) == (
            r["agency"], r["province"], r["year"], r["site_id"]), r["url"]


def test_the_five_seed_reports_are_there_with_the_right_identity(harvest, truth):
    db, _ = harvest
    seeds = [r for r in truth.reports if r.get("seed")]
    assert len({r["seed"] for r in seeds}) == 5
    for r in seeds:
        got = rows(db, "select r.agency, r.province, r.year from reports r join report_sources s "
                       "on s.report_id = r.id where s.url = ?", [r["url"]])
        assert got == [{"agency": r["agency"], "province": r["province"], "year": r["year"]}], r["seed"]


def test_no_notice_or_infographic_is_stored_as_a_report(harvest, truth):
    db, _ = harvest
    stored = {r["url"] for r in rows(db, "select url from report_sources")}
    not_reports = {n["url"] for n in truth.non_reports}
    assert not stored & not_reports
    titles = [r["title"] or "" for r in rows(db, "select title from reports")]
    assert not [t for t in titles if re.search(r"通知|图解|工作要点|预算|决算", t)]


def test_broken_links_are_recorded_and_the_run_completes(harvest, truth):
    db, out = harvest
    errors = {r["url"]: r for r in rows(db, "select url, status, reason from fetch_errors")}
    # broken links titled as reports are followed and fail; a broken 图解 link is never followed
    broken_reports = [b for b in harvested(truth.broken) if looks_like_report_title(b["title"])]
    assert broken_reports
    for broken in broken_reports:
        assert broken["url"] in errors, f"{broken['url']} ({broken['status']}) not recorded"
        assert errors[broken["url"]]["status"] == broken["status"]
    run = rows(db, "select status, finished, errors from crawl_runs order by id desc limit 1")[0]
    assert run["status"] == "finished" and run["finished"] and run["errors"] >= len(broken_reports)
    assert "database:" in out and "errors:" in out


def test_raw_page_of_every_report_is_kept(harvest):
    db, _ = harvest
    orphans = rows(db, "select url from report_sources where page_hash not in (select hash from pages)")
    assert orphans == []
    sizes = rows(db, "select min(size) smallest from pages")
    assert sizes[0]["smallest"] > 500


def test_rerun_adds_no_rows(harvest, tmp_path):
    db, _ = harvest
    copy = tmp_path / "again.db"
    shutil.copy(db, copy)
    before = {t: rows(copy, f"select count(*) n from {t}")[0]["n"] for t in SCHEMA if not t.startswith("crawl_")}
    run_harvester("crawl", "--sandbox", "hand", "--db", str(copy))
    after = {t: rows(copy, f"select count(*) n from {t}")[0]["n"] for t in SCHEMA if not t.startswith("crawl_")}
    assert after == before
    assert rows(copy, "select count(*) n from crawl_runs")[0]["n"] == 2
    assert rows(copy, "select count(distinct run_id) n from crawl_sites")[0]["n"] == 2


def test_scrapy_list_and_cli_help():
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    for spider in ("gx_bbwb", "gx_guigang", "gx_liunan", "hb_xianning_zwsjj", "qh_xining_jkq"):
        assert spider in listed
    helptext = run_harvester("--help").stdout
    for command in ("crawl", "parse", "sandbox", "add-site"):
        assert command in helptext


def test_bad_arguments_are_one_line_errors(tmp_path):
    done = run_harvester("crawl", "--province", "火星", "--db", str(tmp_path / "x.db"), check=False)
    assert done.returncode != 0 and "unknown province" in done.stderr and "Traceback" not in done.stderr
    done = run_harvester("parse", str(tmp_path / "missing.html"), "--json", check=False)
    assert done.returncode != 0 and "no such file" in done.stderr and "Traceback" not in done.stderr
