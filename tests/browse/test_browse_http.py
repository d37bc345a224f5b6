"""Datasette over real HTTP on the harvest: HTML pages and JSON answers of the report view and
of every canned query, checked against the values the harvest was made from (the truth)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import urllib.parse

import browse_expected as expected
import pytest
import yaml
from lxml import html as lxml_html

from harvester.browse import METADATA_PATH

METADATA = yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))
QUERIES = METADATA["databases"]["reports"]["queries"]
VIEWS = ["report_table2", "report_table3", "report_table4", "report_summary"]
ROW_ORDER = [r["key"] for r in sorted(expected.labels(), key=lambda r: int(r["position"]))
             if r["section"] == "applications" and r["kind"] == "row"]


def get_json(server, path):
    status, headers, body = server.get(path)
    assert status == 200, (path, status, body[:500])
    assert headers["content-type"].startswith("application/json")
    return json.loads(body)


def get_html(server, path):
    status, headers, body = server.get(path)
    assert status == 200, (path, status, body[:500])
    assert headers["content-type"].startswith("text/html")
    return body.decode("utf-8")


def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


@pytest.fixture(scope="module")
def ids(server, harvest):
    """Report id of every truth report with a year, found through its URLs (report_sources)."""
    sources = get_json(server, "/reports/report_sources.json?_shape=array&_size=max")
    by_url = {s["url"]: s["report_id"] for s in sources}
    out = {}
    for r in harvest.reports:
        for url in [r["url"], *(r.get("mirrors") or [])]:
            if url in by_url:
                out[(r["agency"], r["year"], r["url"])] = by_url[url]
                break
    assert out, "no truth report found in report_sources"
    return out


def report_id(ids, r):
    return ids[(r["agency"], r["year"], r["url"])]


def html_table(page: str, selector: str = "table.rows-and-columns") -> list[list[str]]:
    tree = lxml_html.fromstring(page)
    table = tree.cssselect(selector)[0]
    return [[" ".join(td.text_content().split()) for td in tr.cssselect("td")] for tr in table.cssselect("tbody tr")]


def text(value) -> str:
    return "" if value is None else " ".join(str(value).split())


# --- the report view ----------------------------------------------------------------------
def test_report_view_json_has_every_value_in_the_official_order(server, harvest, ids):
    checked = 0
    for r in harvest.reports:
        if (r["agency"], r["year"], r["url"]) not in ids:
            continue
        data = get_json(server, f"/-/report/{report_id(ids, r)}.json")
        assert data["report"]["year"] == r["year"]
        assert data["report"]["province"] == r["province"]
        if r.get("applications"):
            rows = data["applications"]["rows"]
            assert {row["row"]: row["values"] for row in rows} == r["applications"]
            assert [row["row"] for row in rows] == [k for k in ROW_ORDER if k in r["applications"]]
            assert [c["key"] for c in data["applications"]["columns"]] == expected.COLUMNS
            assert [c["label_zh"] for c in data["applications"]["columns"]] == [
                "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
            checked += 1
        else:
            assert data["applications"] is None  # a table the page does not carry: null, never zeros
        if r.get("reviews_litigation"):
            got = {f"{g['group']}.{k}": v for g in data["reviews_litigation"]["groups"] for k, v in g["values"].items()}
            assert got == r["reviews_litigation"]
        if r.get("active_disclosure"):
            got = {}
            for block in data["active_disclosure"]:
                for item in block["items"]:
                    for c in item["cells"]:
                        got.setdefault(item["item"], {})[c["metric"]] = c["value"]
            assert got == r["active_disclosure"]
        if r.get("check_failures") is not None:
            got = {(f["check"], f["column"], f["expected"], f["actual"]) for f in data["check_failures"]}
            want = {(f["check"], f["column"], f["expected"], f["actual"]) for f in r["check_failures"]
                    if f["check"] in expected.REPORT_CHECKS}
            assert {g for g in got if g[0] in expected.REPORT_CHECKS} == want
        links = data["links"]
        assert links["raw_page"].startswith("/-/page/")
        assert r["url"] in {s["url"] for s in data["sources"]}
        assert data["versions"] and data["versions"][-1]["version"] == data["report"]["version"]
    assert checked >= 3


def test_report_view_html_reads_like_the_report(server, harvest, ids):
    for r in harvest.reports:
        if not r.get("applications") or (r["agency"], r["year"], r["url"]) not in ids:
            continue
        rid = report_id(ids, r)
        page = get_html(server, f"/-/report/{rid}")
        tree = lxml_html.fromstring(page)
        for heading in ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"):
            assert heading in page
        for label in ("申请人情况", "法人或其他组织", "三、本年度办理结果", "（三）不予公开", "1.属于国家秘密",
                      "（七）总计", "四、结转下年度继续办理", "行政复议", "未经复议直接起诉", "复议后起诉", "尚未审结"):
            assert label in page, label
        # table 3: every printed row, in the official order, with its seven numbers
        rows = tree.cssselect("table.table3 tr[data-row]")
        assert [tr.get("data-row") for tr in rows] == [k for k in ROW_ORDER if k in r["applications"]]
        for tr in rows:
            cells = [td for td in tr.cssselect("td")]
            want = r["applications"][tr.get("data-row")]
            for td, column in zip(cells, expected.COLUMNS):
                value = want[column]
                if value is None:
                    assert "null" in td.get("class")
                else:
                    assert td.text_content().strip() == f"{value:,}", (tr.get("data-row"), column)
        # table 4: fifteen numbers in the printed order
        if r.get("reviews_litigation"):
            cells = [td.text_content().strip() for td in tree.cssselect("table.table4 tr[data-row=values] td")]
            want = [r["reviews_litigation"][f"{g}.{k}"] for g in ("review", "suit_direct", "suit_after_review")
                    for k in ("upheld", "corrected", "other", "pending", "total")]
            assert cells == ["" if v is None else f"{v:,}" for v in want]
        # links: sources, versions, the stored raw page, exports
        hrefs = {a.get("href") for a in tree.cssselect("a")}
        assert any(h.startswith("/-/page/") for h in hrefs)
        assert f"/-/report/{rid}.json" in hrefs and f"/-/report/{rid}.csv" in hrefs
        assert any(h.startswith("/reports/report_sources?report_id=") for h in hrefs)
        assert any(h.startswith("/reports/report_versions?report_id=") for h in hrefs)


def test_report_view_csv(server, harvest, ids):
    r = next(r for r in harvest.reports if r.get("applications") and (r["agency"], r["year"], r["url"]) in ids)
    status, headers, body = server.get(f"/-/report/{report_id(ids, r)}.csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    t3 = [x for x in rows if x["table"] == "applications"]
    assert len(t3) == 7 * len(r["applications"])
    first = next(x for x in t3 if x["row"] == "new_received" and x["column"] == "total")
    assert first["row_label_zh"] == "一、本年新收政府信息公开申请数量" and first["column_label_zh"] == "总计"
    assert first["value"] == text(r["applications"]["new_received"]["total"])


def test_report_row_page_links_to_the_report_view(server, harvest, ids):
    rid = next(iter(ids.values()))
    page = get_html(server, f"/reports/reports/{rid}")
    assert f'href="/-/report/{rid}"' in page
    assert "Links from other tables" in page and "report_sources" in page and "report_versions" in page


def test_views_lay_out_one_report_as_printed(server, harvest, ids):
    r = next(r for r in harvest.reports if r.get("applications") and (r["agency"], r["year"], r["url"]) in ids)
    rid = report_id(ids, r)
    t3 = get_json(server, q("/reports/report_table3.json", report_id=rid, _shape="array", _size="max"))
    assert [x["row"] for x in t3] == [k for k in ROW_ORDER if k in r["applications"]]
    zh = {"natural_person": "自然人", "commercial_enterprise": "商业企业", "research_institution": "科研机构",
          "social_welfare_org": "社会公益组织", "legal_service_org": "法律服务机构", "other_org": "其他", "total": "总计"}
    for x in t3:
        assert {k: x[v] for k, v in zh.items()} == r["applications"][x["row"]]
    assert t3[0]["label_zh"] == "一、本年新收政府信息公开申请数量"
    t4 = get_json(server, q("/reports/report_table4.json", report_id=rid, _shape="array"))
    assert [x["group"] for x in t4] == ["review", "suit_direct", "suit_after_review"]
    assert t4[1]["label_zh"] == "行政诉讼 未经复议直接起诉"
    assert t4[0]["总计"] == r["reviews_litigation"]["review.total"]
    t2 = get_json(server, q("/reports/report_table2.json", report_id=rid, _shape="array", _size="max"))
    assert {(x["item"], x["metric"]): x["value"] for x in t2} == {
        (i, m): v for i, metrics in r["active_disclosure"].items() for m, v in metrics.items()}
    assert all(x["item_zh"] and x["metric_zh"] for x in t2)


# --- canned queries: JSON against the truth, HTML against the JSON --------------------------
def query_rows(server, name, **params):
    data = get_json(server, q(f"/reports/{name}.json", _shape="objects", _size="max", **params))
    return data["rows"]


def test_requests_by_province_year(server, harvest):
    got = query_rows(server, "requests_by_province_year")
    assert got == expected.requests_by_province_year(harvest.reports)


def test_refusal_reasons_ranked(server, harvest):
    got = query_rows(server, "refusal_reasons_ranked")
    want = expected.refusal_reasons(harvest.reports)
    assert {x["reason"] for x in got} == set(want)
    for x in got:
        w = want[x["reason"]]
        assert (x["requests"], x["reports_citing"]) == (w["requests"], w["reports_citing"]), x["reason"]
        assert x["percent"] == pytest.approx(w["percent"], abs=0.0501)  # SQLite's round(x, 1)
        assert x["label_zh"] and x["label_en"] and x["category_zh"] in ("（三）不予公开", "（五）不予处理")
    requests = [x["requests"] or 0 for x in got]
    assert requests == sorted(requests, reverse=True)


def test_failing_checks(server, harvest):
    got = query_rows(server, "failing_checks")
    assert {(x["agency"], x["province"], x["year"], x["check"], x["column"], x["expected"], x["actual"])
            for x in got if x["check"] in expected.REPORT_CHECKS} == expected.failing_checks(harvest.reports)
    if harvest.source == "store":
        assert got, "the fixture has a report failing a check"
    for x in got:
        assert x["column_zh"] and x["difference"] == x["expected"] - x["actual"]


def test_carried_chain_breaks(server, harvest):
    got = query_rows(server, "carried_chain_breaks")
    assert {(x["agency"], x["province"], x["year"], x["next_year"], x["column"], x["carried_forward"],
             x["next_carried_over"]) for x in got} == expected.carried_chain_breaks(harvest.reports)
    if harvest.source == "store":
        assert got, "the fixture has a carried_forward / carried_over mismatch"


def test_missing_latest_year(server, harvest):
    got = query_rows(server, "missing_latest_year")
    want = expected.missing_latest_year(harvest.reports)
    assert {(x["agency"], x["province"]): {k: x[k] for k in ("years", "last_year", "latest_year", "years_missing")}
            for x in got} == want
    if harvest.source == "store":
        assert got, "the fixture has an agency missing the latest year"


def test_requests_by_year(server, harvest):
    got = query_rows(server, "requests_by_year")
    want = expected.requests_by_year(harvest.reports)
    keys = ["year", "reports", "new_received", "carried_over", *expected.OUTCOMES, "carried_forward", "reviews"]
    assert [{k: x[k] for k in keys} for x in got] == want


def test_outcomes_by_province(server, harvest):
    got = query_rows(server, "outcomes_by_province")
    assert {(x["province"], x["outcome"]): x["requests"] for x in got} == expected.outcomes_by_province(harvest.reports)
    for province in {x["province"] for x in got}:
        shares = [x["share"] for x in got if x["province"] == province and x["share"] is not None]
        assert sum(shares) == pytest.approx(100, abs=0.5)


def test_search_reports(server, harvest):
    r = next(r for r in harvest.reports if r.get("agency") and r.get("year"))
    got = query_rows(server, "search_reports", q=r["agency"])
    assert (r["agency"], r["year"]) in {(x["agency"], x["year"]) for x in got}
    assert any("【" in (x["excerpt"] or "") for x in got)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_html_shows_its_json(server, harvest, name):
    params = {"q": next(r["agency"] for r in harvest.reports if r.get("agency"))} if name == "search_reports" else {}
    data = get_json(server, q(f"/reports/{name}.json", _shape="objects", _size="max", **params))
    page = get_html(server, q(f"/reports/{name}", _size="max", **params) if params else f"/reports/{name}")
    assert QUERIES[name]["title"] in lxml_html.fromstring(page).text_content()
    if not data["rows"]:
        return
    cells = html_table(page)
    assert len(cells) == len(data["rows"])
    for html_row, row in zip(cells, data["rows"]):
        assert html_row == [text(row[c]) for c in data["columns"]], name


# --- CSV and JSON of every view and query -----------------------------------------------------
@pytest.mark.parametrize("path", [f"/reports/{v}" for v in VIEWS] + [f"/reports/{n}" for n in sorted(QUERIES)])
def test_csv_and_json_export(server, harvest, path):
    params = {"q": next(r["agency"] for r in harvest.reports if r.get("agency"))} if path.endswith("search_reports") else {}
    data = get_json(server, q(path + ".json", _shape="objects", _size="max", **params))
    status, headers, body = server.get(q(path + ".csv", _size="max", **params))
    assert status == 200
    assert headers["content-type"].startswith(("text/plain", "text/csv"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == data["columns"]
    assert len(rows) - 1 == len(data["rows"])


# --- facets and search ------------------------------------------------------------------------
def test_reports_facets(server, harvest):
    data = get_json(server, "/reports/reports.json?_size=0")
    facets = data["facet_results"]
    for name in ("province", "year", "level", "format", "parse_status", "check_status"):
        assert name in facets, name
    provinces = {f["value"]: f["count"] for f in facets["province"]["results"]}
    want = {}
    for r in harvest.reports:
        want[r["province"]] = want.get(r["province"], 0) + 1
    if harvest.source == "store":
        assert provinces == want
    else:
        assert set(provinces) == set(want)
    page = get_html(server, "/reports/reports")
    assert 'data-column="province"' in page and "广西壮族自治区" in page


def test_full_text_search_on_reports_table(server, harvest):
    r = next(r for r in harvest.reports if r.get("agency"))
    got = get_json(server, q("/reports/reports.json", _search=r["agency"], _shape="array", _col="agency"))
    assert r["agency"] in {x["agency"] for x in got}
    got = get_json(server, q("/reports/reports.json", _search="没有这个词语的报告", _shape="array"))
    assert got == []


# --- raw pages: served from the database with their stored Content-Type -------------------------
def test_raw_page_served_from_the_database(server, harvest):
    import sqlite3

    conn = sqlite3.connect(f"file:{harvest.db}?mode=ro", uri=True)
    digest, content_type, body = conn.execute(
        "select p.hash, p.content_type, p.body from pages p join reports r on r.page_hash = p.hash limit 1").fetchone()
    conn.close()
    status, headers, got = server.get(f"/-/page/{digest}")
    assert status == 200
    assert got == body
    assert headers["content-type"] == (content_type or headers["content-type"])
    assert "sandbox" in headers["content-security-policy"] and "default-src 'none'" in headers["content-security-policy"]
    assert server.get("/-/page/" + "0" * 64)[0] == 404


# --- metadata ---------------------------------------------------------------------------------
def test_metadata_json_describes_tables_and_queries(server):
    meta = get_json(server, "/-/metadata.json")
    db = meta["databases"]["reports"]
    from harvester.store import SCHEMA

    for table, (columns, _options) in SCHEMA.items():
        assert db["tables"][table]["description"], table
        assert set(columns) <= set(db["tables"][table]["columns"]), table
    for view in VIEWS + ["labels"]:
        assert db["tables"][view]["description"]
    assert len(db["queries"]) >= 5
    for name, query in db["queries"].items():
        assert query["title"] and query["sql"] and query.get("description_html"), name
        assert not query.get("write"), name
    assert meta["title"] and meta["license"] and meta["source"]


# --- read-only --------------------------------------------------------------------------------
def test_datasette_refuses_writes(server):
    dbs = get_json(server, "/-/databases.json")
    assert [d["is_mutable"] for d in dbs if d["name"] == "reports"] == [False]
    for sql in ("insert into labels (section, kind, key, template) values ('x', 'x', 'x', 'x')",
                "update reports set title = 'x'", "delete from reports", "drop table labels",
                "pragma journal_mode = delete", "attach database '/tmp/x.db' as x"):
        status, _h, body = server.get(q("/reports.json", sql=sql))
        assert status >= 400, (sql, status, body[:200])
    for path in [f"/reports/{name}" for name in QUERIES] + ["/reports/reports/-/insert", "/reports/labels"]:
        for method in ("POST", "PUT", "DELETE"):
            status, _h, body = server.get(path, method=method, data=b"x=1",
                                          headers={"content-type": "application/x-www-form-urlencoded"})
            assert status == 405, (path, method, status)
            assert b"read-only" in body
    # and nothing the server was asked changed the file
    assert hashlib.sha256(server.db.read_bytes()).hexdigest() == server.db_hash


def test_dashboard_page(server):
    page = get_html(server, "/-/dashboards/overview")
    for chart in ("requests-by-year", "outcomes-by-province", "refusal-reasons"):
        assert chart in page
    assert "vega-lite" in page
