"""Issue 3: every sandbox report's tables reach SQLite with the values the sandbox generated,
and the stored numbers equal what `harvester parse` prints for the same stored page."""

from __future__ import annotations

import json

import pytest

from e2e_helpers import harvested, rows, run_harvester
from harvester.store import APPLICANT_COLUMNS, REVIEW_KEYS, review_column


def stored_values(db, report_id: str) -> dict:
    """The tables of a report as SQLite holds them, in the golden shape."""
    ad: dict = {}
    for r in rows(db, "select item, metric, value from active_disclosure where report_id = ?", [report_id]):
        ad.setdefault(r["item"], {})[r["metric"]] = r["value"]
    apps = {r["row"]: {c: r[c] for c in APPLICANT_COLUMNS}
            for r in rows(db, "select * from applications where report_id = ? order by position", [report_id])}
    rl = rows(db, "select * from reviews_litigation where report_id = ?", [report_id])
    fails = rows(db, 'select "check", "column", expected, actual from check_failures where report_id = ?', [report_id])
    return {
        "active_disclosure": ad or None,
        "applications": apps or None,
        "reviews_litigation": {k: rl[0][review_column(k)] for k in REVIEW_KEYS} if rl else None,
        "check_failures": sorted((f["check"], f["column"], f["expected"], f["actual"]) for f in fails),
    }


def as_numbers(table):
    """Compare 7 and 7.0 alike (table 2 is stored as REAL)."""
    if isinstance(table, dict):
        return {k: as_numbers(v) for k, v in table.items()}
    return float(table) if isinstance(table, (int, float)) and not isinstance(table, bool) else table


def report_id_of(db, url):
    found = rows(db, "select report_id from report_sources where url = ?", [url])
    assert found, f"{url} not harvested"
    return found[0]["report_id"]


def test_tables_in_sqlite_equal_the_sandbox_values(harvest, truth):
    db, _ = harvest
    checked = {"2019": 0, "2021": 0}
    for report in harvested(truth.reports):
        if report["format"] not in checked or report.get("current") is False:
            continue  # a superseded version's values live in report_versions (test below)
        got = stored_values(db, report_id_of(db, report["url"]))
        for table in ("active_disclosure", "applications", "reviews_litigation"):
            assert as_numbers(got[table]) == as_numbers(report[table]), f"{table} of {report['url']}"
        want_fails = sorted((f["check"], f["column"], f["expected"], f["actual"]) for f in report["check_failures"])
        assert got["check_failures"] == want_fails, report["url"]
        checked[report["format"]] += 1
    assert checked["2019"] >= 3 and checked["2021"] >= 10, checked


def test_a_superseded_version_keeps_its_own_values(harvest, truth):
    db, _ = harvest
    old = [r for r in harvested(truth.reports) if r.get("current") is False]
    assert old
    for report in old:
        kept = rows(db, "select values_json from report_versions where url = ?", [report["url"]])
        assert len(kept) == 1, report["url"]
        values = json.loads(kept[0]["values_json"])
        for table in ("active_disclosure", "applications", "reviews_litigation"):
            assert as_numbers(values[table]) == as_numbers(report[table]), table


def test_legacy_reports_have_no_table_rows(harvest, truth):
    db, _ = harvest
    for report in harvested(truth.reports):
        if report["format"] == "legacy":
            rid = report_id_of(db, report["url"])
            assert rows(db, "select format, parse_status from reports where id = ?", [rid]) == [
                {"format": "legacy", "parse_status": "no_tables"}]
            assert rows(db, "select count(*) n from applications where report_id = ?", [rid])[0]["n"] == 0


@pytest.mark.parametrize("pick", range(4))
def test_stored_numbers_equal_the_cli_on_the_stored_page(harvest, truth, tmp_path, pick):
    db, _ = harvest
    reports = [r for r in harvested(truth.reports) if r["format"] in ("2019", "2021") and r.get("current") is not False]
    report = reports[pick * len(reports) // 4]
    page = rows(db, "select p.body from pages p join report_sources s on s.page_hash = p.hash where s.url = ?",
                [report["url"]])[0]["body"]
    path = tmp_path / "page.html"
    path.write_bytes(page)
    printed = json.loads(run_harvester("parse", str(path), "--json").stdout)
    got = stored_values(db, report_id_of(db, report["url"]))
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        assert as_numbers(got[table]) == as_numbers(printed[table]), table
