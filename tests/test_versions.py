"""Report versions are numbered by publication (harvester/store.py VERSION_ORDER), not by the
order a run meets the copies: the same copies saved in any order give the same tables, in a
real SQLite file."""

from __future__ import annotations

import itertools
import json
import sqlite3

from harvester import dedupe
from harvester.store import Store

RID = "r1"
TABLES = ("reports", "report_versions", "report_sources", "applications")


def values(natural_person: int) -> dict:
    return {"applications": {"new_received": {"natural_person": natural_person, "total": natural_person}}}


def copy(url: str, published: str | None, natural_person: int, seen: str) -> tuple[dict, dict, dict]:
    v = values(natural_person)
    content_hash = dedupe.content_hash(v, f"text {natural_person}")
    report = {"id": RID, "site_id": "s1", "agency": "某县人民政府", "year": 2023, "title": f"报告 {natural_person}",
              "url": url, "published": published, "content_hash": content_hash, "last_seen": seen}
    source = {"url": url, "report_id": RID, "site_id": "s1", "kind": "page", "content_hash": content_hash,
              "published": published}
    return report, source, v


# (run, copy): an original, its correction re-posted later, a copy of the original on a mirror,
# and in a later run the correction revised in place (same URL, same date)
COPIES = [
    (1, copy("http://a.gov.cn/2023.html", "2024-01-20", 10, "2024-02-01T00:00:00")),
    (1, copy("http://a.gov.cn/2023-fix.html", "2024-03-05", 12, "2024-03-10T00:00:00")),
    (1, copy("http://b.gov.cn/mirror.html", "2024-01-20", 10, "2024-02-02T00:00:00")),
    (2, copy("http://a.gov.cn/2023-fix.html", "2024-03-05", 13, "2024-06-01T00:00:00")),
]


def tables(path) -> dict:
    con = sqlite3.connect(path)
    try:
        return {
            "reports": con.execute("select id, version, url, content_hash, title from reports").fetchall(),
            # (a version's url, page_hash and first_seen are those of the first copy of it met)
            "report_versions": con.execute("select report_id, version, content_hash, values_json, published, "
                                           "changes, first_run from report_versions order by version").fetchall(),
            "report_sources": sorted(con.execute("select url, canonical, content_hash from report_sources")),
            "applications": con.execute("select report_id, row, natural_person from applications").fetchall(),
        }
    finally:
        con.close()


def save(path, order) -> list[str]:
    store = Store(path)
    outcomes = []
    for run, (report, source, v) in order:
        outcomes.append(store.save_report(dict(report), dict(source), v, run=run))
    store.close()
    return outcomes


def test_versions_saved_in_any_order_give_the_same_tables(tmp_path):
    want = None
    # every order of the first run's three copies, then the second run's revision (its content
    # hash sorts before the first run's correction's: the run orders it, not the hash)
    assert COPIES[3][1][0]["content_hash"] < COPIES[1][1][0]["content_hash"]
    orders = [list(p) + [COPIES[3]] for p in itertools.permutations(COPIES[:3])]
    for n, order in enumerate(orders):
        path = tmp_path / f"order{n}.db"
        save(path, order)
        got = tables(path)
        if want is None:
            want = got
        assert got == want, (n, order)
    versions = want["report_versions"]
    assert [(v[1], v[4], v[6]) for v in versions] == [(1, "2024-01-20", 1), (2, "2024-03-05", 1), (3, "2024-03-05", 2)]
    assert versions[0][5] is None  # the first version changed nothing
    assert json.loads(versions[1][5]) == [
        {"cell": "applications/new_received/natural_person", "old": 10, "new": 12},
        {"cell": "applications/new_received/total", "old": 10, "new": 12}]
    assert json.loads(versions[2][5])[0] == {"cell": "applications/new_received/natural_person", "old": 12, "new": 13}
    # the current version is the one published last, by the later run: its values are the report's
    assert want["reports"][0][1] == 3 and want["reports"][0][2] == "http://a.gov.cn/2023-fix.html"
    assert want["applications"] == [("r1", "new_received", 13)]


def test_an_older_version_met_later_renumbers_and_keeps_the_current_one(tmp_path):
    path = tmp_path / "late.db"
    outcomes = save(path, [COPIES[1], COPIES[0]])  # the correction first, then the original
    assert outcomes == ["new", "changed"]
    got = tables(path)
    assert [(v[1], v[4]) for v in got["report_versions"]] == [(1, "2024-01-20"), (2, "2024-03-05")]
    assert got["reports"][0][1:3] == (2, "http://a.gov.cn/2023-fix.html")
    assert got["applications"] == [("r1", "new_received", 12)]
    assert json.loads(got["report_versions"][1][5])[0]["old"] == 10


def test_a_harvest_numbered_by_meeting_order_is_numbered_again_when_opened(tmp_path):
    path = tmp_path / "old.db"
    save(path, [COPIES[1], COPIES[0]])
    want = tables(path)
    con = sqlite3.connect(path)  # as an older harvester left it: met order, no first_run
    con.execute("update report_versions set version = version + 10")
    con.execute("update report_versions set version = 13 - version")  # swapped: 1 <-> 2
    con.execute("update reports set version = 1")
    con.execute("alter table report_versions drop column first_run")
    con.commit()
    con.close()
    Store(path).close()
    got = tables(path)
    assert [(v[1], v[4]) for v in got["report_versions"]] == [(1, "2024-01-20"), (2, "2024-03-05")]
    assert got["reports"] == want["reports"]
    assert [v[:6] for v in got["report_versions"]] == [v[:6] for v in want["report_versions"]]
