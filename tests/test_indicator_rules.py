"""The indicator rules a crawl of the sandbox does not reach, on a real SQLite harvest written
through the store's schema: the 2008 deadline, not_crawled against not_found, blanks that are
never a break or a zero, a ratio without a base."""

from __future__ import annotations

import datetime as dt

import pytest

from harvester import indicators
from harvester.store import APPLICANT_COLUMNS, Store


def _report(store, rid, agency_id, year, published, parse_status="ok", fmt="2021", site="site-a"):
    store.db["reports"].insert({"id": rid, "site_id": site, "agency_id": agency_id, "agency": agency_id,
                                "province": "安徽省", "year": year, "published": published, "format": fmt,
                                "parse_status": parse_status, "overview": "总体情况" * 3})


def _apps(store, rid, rows: dict):
    for n, (row, cells) in enumerate(rows.items()):
        store.db["applications"].insert(dict({"report_id": rid, "row": row, "position": n},
                                             **{c: cells.get(c) for c in APPLICANT_COLUMNS}))


@pytest.fixture
def harvest(tmp_path):
    store = Store(tmp_path / "h.db")
    store.db["sites"].insert_all([{"id": "site-a", "code": "340100"}, {"id": "site-b", "code": "340200"},
                                  {"id": "site-c", "code": "340300"}])
    store.db["agencies"].insert_all([
        {"id": "340100", "name": "甲市人民政府", "kind": "government", "level": "prefecture", "province": "安徽省"},
        {"id": "340200", "name": "乙市人民政府", "kind": "government", "level": "prefecture", "province": "安徽省"},
        {"id": "340300", "name": "丙市人民政府", "kind": "government", "level": "prefecture", "province": "安徽省"}])
    store.db["crawl_sites"].insert_all([
        {"run_id": 1, "site_id": "site-a", "status": "finished", "answered": 12},
        {"run_id": 1, "site_id": "site-b", "status": "finished", "answered": 0}])  # the portal never answered
    _report(store, "r2018", "340100", 2018, "2019-03-20", fmt="legacy", parse_status="no_tables")
    _report(store, "r2019", "340100", 2019, "2020-02-03")
    _report(store, "r2020", "340100", 2020, None)
    blank = dict.fromkeys(APPLICANT_COLUMNS)
    _apps(store, "r2019", {"carried_forward": dict(blank, natural_person=3, total=3),
                           "total": dict(blank, total=0), "granted": dict(blank, total=0),
                           "partially_granted": dict(blank, total=0)})
    _apps(store, "r2020", {"carried_over": dict(blank, natural_person=3, total=None),
                           "total": dict(blank, total=None), "granted": dict(blank, total=1),
                           "partially_granted": dict(blank, total=0)})
    yield store
    store.close()


def _value(store, rid, key):
    return store.db.execute("select value from indicators where report_id = ? and indicator = ?",
                            [rid, key]).fetchone()[0]


def test_deadline_follows_the_regulation_in_force():
    assert indicators.deadline(2018) == dt.date(2019, 3, 31)      # 2008 条例 第三十一条
    assert indicators.deadline(2019) == dt.date(2020, 1, 31)      # 2019 条例 第五十条


def test_timeliness_rules(harvest):
    indicators.compute(harvest.db)
    assert _value(harvest, "r2018", "on_time") == 1 and _value(harvest, "r2018", "days_late") == 0
    assert _value(harvest, "r2019", "on_time") == 0 and _value(harvest, "r2019", "days_late") == 3
    assert _value(harvest, "r2020", "on_time") is None and _value(harvest, "r2020", "days_late") is None


def test_blank_cells_are_neither_a_chain_break_nor_zero(harvest):
    indicators.compute(harvest.db)
    assert _value(harvest, "r2020", "carried_chain") == 1          # natural_person compared; blank total skipped
    assert _value(harvest, "r2018", "sections_present") is None   # legacy: no national template to judge
    rates = {r["figure"]: r for r in harvest.db.query("select * from yoy where report_id = 'r2019'")}
    assert rates["disclosure_rate"]["value"] is None and rates["disclosure_rate"]["denominator"] == 0
    handled = {r["year"]: r for r in harvest.db.query("select * from yoy where figure = 'handled'")}
    assert handled[2019]["value"] == 0 and handled[2020]["value"] is None and handled[2020]["change"] is None


def test_coverage_tells_not_found_from_not_crawled(harvest):
    indicators.compute(harvest.db)
    got = {(r["agency_id"], r["year"]): r["status"] for r in harvest.db.query("select * from coverage")}
    assert {got[("340100", y)] for y in (2019, 2020)} == {"published"}   # years 2019 to the harvest's last
    assert {got[("340200", y)] for y in (2019, 2020)} == {"not_crawled"}   # finished, but nothing answered
    assert {got[("340300", y)] for y in (2019, 2020)} == {"not_crawled"}   # never crawled
    assert ("340100", 2018) not in got                                     # coverage starts with 2019
