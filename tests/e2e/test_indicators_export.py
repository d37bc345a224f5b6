"""Issue 15 end to end: crawl the planted portal (ah-hefei-gxq) through Scrapy and the sandbox,
let the crawl compute the indicators, and compare each indicator with what the sandbox's truth
planted; then export the harvest and load the CSVs back into SQLite: every value equal."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import sqlite3
import zipfile

import pytest

from e2e_helpers import rows, run_harvester
from harvester import export as export_mod
from harvester import indicators
from harvester.sandbox.truth import load as load_truth

SITE = "ah-hefei-gxq"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    db = tmp_path_factory.mktemp("indicators") / "reports.db"
    run_harvester("crawl", "--sandbox", "hand", "--site", SITE, "--db", str(db))
    return db, load_truth(sites=[SITE]).site(SITE)


def _ind(db) -> dict[tuple[str, str], dict]:
    return {(r["report_id"], r["indicator"]): r for r in rows(db, "select * from indicators")}


def _report_of(db) -> dict[str, str]:
    """{truth URL: report id} through the stored sources."""
    return {r["url"]: r["report_id"] for r in rows(db, "select url, report_id from report_sources")}


def _current(site) -> list[dict]:
    return [e for e in site["reports"] if e["current"] and not e["repost_of"]]


def test_each_indicator_equals_what_the_sandbox_planted(planted):
    db, site = planted
    ind, rid = _ind(db), _report_of(db)
    current = _current(site)
    assert len(current) == 23 == rows(db, "select count(*) n from reports")[0]["n"]
    by_key = {(e["agency"], e["year"]): rid[e["url"]] for e in current}
    chain = {(f["agency"], f["year"] + 1): f["column"] for f in site["carried_chain"]}
    for e in current:
        r = rid[e["url"]]

        def value(key):
            return ind[(r, key)]["value"]

        first = min(dt.date.fromisoformat(v["date"]) for v in e["versions"])
        late = (first - dt.date(e["year"] + 1, 1, 31)).days
        assert value("on_time") == (late <= 0) and value("days_late") == max(0, late), e["url"]
        if "tables 2, 3 and 4 only as images" in e["notes"]:   # found but unreadable: nothing to judge, not 0
            for key in ("sections_present", "tables_present", "blank_cells", "blank_tables", "check_failures",
                        "carried_chain"):
                assert value(key) is None, key
            continue
        assert value("sections_present") == 6 - len(e["omitted_sections"]), e["url"]
        missing = json.loads(ind[(r, "sections_present")]["detail"] or "[]")
        assert missing == e["omitted_sections"]
        assert value("blank_tables") == len(e["blank_tables"])
        assert json.loads(ind[(r, "blank_tables")]["detail"] or "[]") == e["blank_tables"]
        assert value("check_failures") == len(e["check_failures"])
        prev = (e["agency"], e["year"] - 1)
        if prev not in by_key:
            assert value("carried_chain") is None
        else:
            assert value("carried_chain") == (0 if (e["agency"], e["year"]) in chain else 1), e["url"]
        copied = e["prose_copied_from"]
        assert value("reuses_prose") == (1 if copied else 0), e["url"]
        if copied:
            flags = json.loads(ind[(r, "reuses_prose")]["detail"])
            assert [f["source"] for f in flags] == [rid[copied]]
        assert value("versions") == len(e["versions"])
        assert value("changed_after_publishing") == (len(e["versions"]) > 1)
        assert ind[(r, "on_time")]["basis"] == indicators.INDICATORS["on_time"].basis
    # the planted cases, named: the test above would pass on a portal that planted none
    flagged = {k: sum(1 for (_, key), row in ind.items() if key == k and row["value"] == v)
               for k, v in (("on_time", 0), ("carried_chain", 0), ("reuses_prose", 1), ("blank_tables", 1),
                            ("sections_present", 5), ("changed_after_publishing", 1))}
    assert flagged == {"on_time": 1, "carried_chain": 1, "reuses_prose": 2, "blank_tables": 1,
                       "sections_present": 1, "changed_after_publishing": 1}
    late = rows(db, "select value from indicators where indicator = 'days_late' and value > 0")
    assert [r["value"] for r in late] == [43]
    breaks = json.loads(ind[(by_key[("合肥高新技术产业开发区管理委员会", 2022)], "carried_chain")]["detail"])["breaks"]
    assert {b["column"] for b in breaks} == {f["column"] for f in site["carried_chain"]}
    assert {(b["previous_carried_forward"], b["carried_over"]) for b in breaks} == \
        {(f["expected"], f["actual"]) for f in site["carried_chain"]}


def test_coverage_names_the_agency_that_stopped_publishing(planted):
    db, site = planted
    current = _current(site)
    years = range(2019, max(e["year"] for e in current) + 1)
    def status(agency, year):
        found = [x for x in current if x["agency"] == agency and x["year"] == year]
        if not found:
            return "not_found"
        return "unreadable" if "tables 2, 3 and 4 only as images" in found[0]["notes"] else "published"

    first = {a: min(x["year"] for x in current if x["agency"] == a) for a in {e["agency"] for e in current}}
    expected = {(a, y): status(a, y) for a in first for y in years if y >= first[a]}
    got = {(r["agency"], r["year"]): r["status"] for r in rows(db, "select agency, year, status from coverage")}
    assert got == expected
    assert [k for k, v in got.items() if v == "unreadable"] == [("合肥高新区城市管理局", 2024)]
    assert sorted(k for k, v in got.items() if v == "not_found") == [
        ("合肥高新区市场监督管理局", 2022), ("合肥高新区市场监督管理局", 2023), ("合肥高新区市场监督管理局", 2024)]


def test_year_over_year_figures_and_ratios_with_their_bases(planted):
    db, site = planted
    current = {(e["agency"], e["year"]): e for e in _current(site)}
    yoy = {(r["agency"], r["year"], r["figure"]): r for r in rows(db, "select * from yoy")}
    unreadable = [k for k, e in current.items() if e["applications"] is None]
    assert unreadable == [("合肥高新区城市管理局", 2024)]
    assert not rows(db, "select * from yoy where agency = ? and year = 2024", ["合肥高新区城市管理局"])
    for (agency, year), e in current.items():
        apps = e["applications"]
        if apps is None:
            continue
        got = yoy[(agency, year, "new_received")]
        assert got["value"] == apps["new_received"]["total"] and got["derived"] == 0
        before = current.get((agency, year - 1))
        if before:
            assert got["previous"] == before["applications"]["new_received"]["total"]
            assert got["change"] == got["value"] - got["previous"]
        else:
            assert got["previous"] is None and got["change"] is None
        rate = yoy[(agency, year, "disclosure_rate")]
        num = apps["granted"]["total"] + apps["partially_granted"]["total"]
        assert rate["derived"] == 1 and rate["numerator"] == num and rate["denominator"] == apps["total"]["total"]
        assert rate["value"] == (num / apps["total"]["total"] if apps["total"]["total"] else None)
        t4 = e["reviews_litigation"]
        review = yoy[(agency, year, "review_total")]
        assert review["value"] == t4["review.total"]   # None for the table printed blank, never 0


def test_indicators_command_recomputes_the_same_facts(planted, tmp_path):
    db, _ = planted
    before = rows(db, "select * from indicators order by report_id, indicator")
    done = run_harvester("indicators", "--db", str(db))
    assert "flagged:" in done.stdout and "not_found 3" in done.stdout
    assert rows(db, "select * from indicators order by report_id, indicator") == before
    bad = run_harvester("indicators", "--db", str(tmp_path / "none.db"), check=False)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def _load_zip(path) -> tuple[dict, dict[str, list[dict]]]:
    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read("manifest.json"))
        for name, entry in manifest["files"].items():
            assert hashlib.sha256(z.read(name)).hexdigest() == entry["sha256"], name
        data = {name: list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8"))))
                for name in z.namelist() if name.endswith(".csv")}
        for name, got in data.items():
            assert manifest["files"][name]["rows"] == len(got), name
        z.extract("reports.db", path.parent)
    return manifest, data


def _typed(value: str, decltype: str):
    if value == "":
        return None
    if decltype in ("INTEGER",):
        return int(value)
    if decltype in ("REAL", "FLOAT"):
        return float(value)
    return value


def test_export_reloads_into_sqlite_with_every_value_equal(planted, tmp_path):
    db, _ = planted
    out = tmp_path / "harvest.zip"
    done = run_harvester("export", "--db", str(db), "--out", str(out))
    assert "23 reports" in done.stdout
    manifest, data = _load_zip(out)
    src = sqlite3.connect(db)
    loaded = sqlite3.connect(tmp_path / "reloaded.db")
    for table in export_mod.TABLES:
        csv_rows = data[f"tables/{table}.csv"]
        info = {r[1]: r[2] for r in src.execute(f"pragma table_info([{table}])")}
        columns = [c for c in info if c not in export_mod.SKIP_COLUMNS.get(table, set())]
        assert list(csv_rows[0]) == columns if csv_rows else True
        loaded.execute(f"create table [{table}] ({', '.join(f'[{c}] {info[c]}' for c in columns)})")
        loaded.executemany(f"insert into [{table}] values ({', '.join('?' for _ in columns)})",
                           [[_typed(r[c], info[c]) for c in columns] for r in csv_rows])
        select = f"select {', '.join(f'[{c}]' for c in columns)} from [{table}] order by rowid"
        # an empty field is NULL: the one thing a CSV cannot tell apart is '' from NULL in a text column
        want = [tuple(None if v == "" else v for v in row) for row in src.execute(select)]
        assert loaded.execute(select).fetchall() == want, table
    # the long form holds every table value, blanks as blanks
    long = {(r["report_id"], r["table"], r["row"], r["column"]): _typed(r["value"], "REAL")
            for r in data["values_long.csv"]}
    for r in rows(db, "select * from applications"):
        for c in ("natural_person", "total"):
            assert long[(r["report_id"], "applications", r["row"], c)] == r[c]
    for r in rows(db, "select * from reviews_litigation"):
        assert long[(r["report_id"], "reviews_litigation", "review", "total")] == r["review_total"]
    blank = [k for k, v in long.items() if v is None and k[1] == "reviews_litigation"]
    assert len(blank) == 15                                   # table 4 printed blank: 15 blanks, no zeros
    # the SQLite file in the zip is the harvest
    shipped = sqlite3.connect(tmp_path / "reports.db")
    assert shipped.execute("select count(*) from reports").fetchone()[0] == 23
    # the data dictionary describes every column of every CSV, and every indicator
    described = {(r["file"], r["column"]) for r in data["data_dictionary.csv"]}
    for name, got in data.items():
        if name != "data_dictionary.csv" and got:
            assert {(name, c) for c in got[0]} <= described, name
    assert {("indicator", k) for k in indicators.INDICATORS} <= described
    assert all(r["label_zh"] and r["label_en"] and r["meaning"] for r in data["data_dictionary.csv"])
    assert manifest["filters"] == {"province": None, "year": None}


def test_export_filtered_by_province_and_year(planted, tmp_path):
    db, _ = planted
    out = tmp_path / "ah-2022.zip"
    run_harvester("export", "--db", str(db), "--out", str(out), "--province", "安徽", "--year", "2022")
    manifest, data = _load_zip(out)
    assert manifest["filters"] == {"province": "安徽省", "year": 2022}
    assert {r["year"] for r in data["tables/reports.csv"]} == {"2022"} and len(data["tables/reports.csv"]) == 3
    ids = {r["id"] for r in data["tables/reports.csv"]}
    assert {r["report_id"] for r in data["tables/applications.csv"]} == ids
    assert {r["report_id"] for r in data["values_long.csv"]} == ids
    assert {r["year"] for r in data["tables/coverage.csv"]} == {"2022"}
    assert {r["province"] for r in data["tables/sites.csv"]} == {"安徽省"}
    none = run_harvester("export", "--db", str(db), "--out", str(tmp_path / "x.zip"), "--province", "火星",
                         check=False)
    assert none.returncode == 1 and none.stderr.strip() == "Error: unknown province '火星'"


def _serve(db, tmp_path):
    import socket
    import subprocess
    import sys
    import urllib.request

    from harvester.browse import wait_until_serving

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "harvester.cli", "serve", "--db", str(db), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(proc, base, tmp_path / "serve.log")
    return proc, base


def _get(url) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def test_datasette_ranking_and_agency_page_over_http(planted, tmp_path):
    from urllib.parse import quote

    db, site = planted
    proc, base = _serve(db, tmp_path)
    try:
        status, body = _get(base + "/-/indicators.json")
        assert status == 200
        data = json.loads(body)
        ranking = [(r["agency"], r["score"]) for r in data["ranking"]]
        assert ranking == [("合肥高新区市场监督管理局", 3), ("合肥高新区社会事业局", 3),
                           ("合肥高新技术产业开发区管理委员会", 2), ("合肥高新区经贸局", 1), ("合肥高新区城市管理局", 0)]
        top = data["ranking"][0]
        assert top["not_found"] == 3 and top["problems"] == 0
        second = data["ranking"][1]
        assert (second["blank_table"], second["incomplete"], second["reused_prose"]) == (1, 1, 1)
        assert [(g["province"], g["level"], g["reports"]) for g in data["groups"]] == [("安徽省", "department", 17), ("安徽省", "zone", 6)]
        status, html = _get(base + "/-/indicators?province=" + quote("安徽省"))
        assert status == 200 and "合肥高新区市场监督管理局" in html and "/-/agency/" in html
        agency_id = top["agency_id"]
        status, html = _get(base + f"/-/agency/{agency_id}")
        assert status == 200 and "<svg" in html
        for year in range(2019, 2025):
            assert f"<th>{year}</th>" in html
        assert html.count('class="status-not_found"') == 3
        assert html.count("<rect x=") >= 6       # bars for the three years with a report (two series each)
        status, body = _get(base + f"/-/agency/{agency_id}.json")
        assert json.loads(body)["coverage"] == {"2019": "published", "2020": "published", "2021": "published",
                                                "2022": "not_found", "2023": "not_found", "2024": "not_found"}
        # peers: the median of the other agencies of the same province and level, per ratio and year
        import statistics

        jmj = next(r["agency_id"] for r in data["ranking"] if r["agency"] == "合肥高新区经贸局")
        peers = json.loads(_get(base + f"/-/agency/{jmj}.json")[1])["peers"]
        others = rows(db, "select y.value from yoy y join agencies a on a.id = y.agency_id where a.level = 'department' "
                          "and y.agency_id != ? and y.figure = 'disclosure_rate' and y.year = 2019 "
                          "and y.value is not null", [jmj])
        assert peers["disclosure_rate/2019"] == {"median": statistics.median(r["value"] for r in others),
                                                 "n": len(others)} and len(others) == 2
        assert _get(base + "/-/agency/no-such-agency")[0] == 404
        assert _get(base + "/-/indicators?year=abc")[0] == 400
        status, html = _get(base + "/reports/coverage")
        assert status == 200 and f'href="/-/agency/{agency_id}"' in html
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_metadata_describes_the_indicator_tables_in_both_languages(planted):
    import re

    import yaml

    from harvester.browse import METADATA_PATH

    db, _ = planted
    tables = yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))["databases"]["reports"]["tables"]
    con = sqlite3.connect(db)
    for name in ("indicators", "coverage", "yoy", "indicator_summary"):
        actual = {r[1] for r in con.execute(f"pragma table_info([{name}])")}
        assert set(tables[name]["columns"]) == actual, (name, set(tables[name]["columns"]) ^ actual)
        for column, text in tables[name]["columns"].items():
            assert re.search(r"[\u4e00-\u9fff]", text) and re.search(r"[A-Za-z]{3}", text), (name, column)
