"""A made-up template from page to report view: a page printed in it (tests/report/render.py) is
parsed, stored as the crawl stores it (pipelines/store.py → Store.save_report, a temp SQLite
file), and served by Datasette over real HTTP, laid out with the template's own rows and labels.
The template is declared in tests/report/made_up_template.py and registered only by this test
and by the server it starts; nothing is added to harvester/report/templates.py.

Also here: a report page without a title line is stored under a composed title, marked so, and
the report view says so."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from lxml import html as lxml_html

from harvester import dedupe
from harvester.items import ReportPage
from harvester.report import parse, templates
from pipelines.store import StorePipeline, stored_title
from harvester.browse import wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
REPORT_TESTS = ROOT / "tests" / "report"


def _load(name: str, path: Path):
    """A helper module of tests/report under a name of its own (test folders are not packages)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


render = _load("browse_report_render", REPORT_TESTS / "render.py")
made = _load("browse_made_up_template", REPORT_TESTS / "made_up_template.py")


class _Stats:
    def inc_value(self, *args, **kwargs):
        pass


class _Crawler:
    stats = _Stats()
    spider = None


def store(pipeline: StorePipeline, body: bytes, *, url: str, list_title: str | None, agency: str) -> dict:
    """One fetched page through the store stage, as a crawl hands it over (parsed, identified)."""
    parsed = parse(body, url=url, content_type="text/html; charset=utf-8")
    assert parsed["is_report"], parsed["parse_reason"]
    item = ReportPage(url=url, site_id="made-up-site", agency=agency, province="某省", body=body,
                      content_type="text/html; charset=utf-8", title=list_title, parsed=parsed, kind="report")
    item.report_id = dedupe.report_id(parsed["agency"] or agency, parsed["year"], url)
    item.text = ""
    item.content_hash = dedupe.content_hash(parsed, item.text)
    pipeline.process_item(item)
    return {"id": item.report_id, "parsed": parsed}


@pytest.fixture(scope="module")
def harvest(tmp_path_factory):
    db = tmp_path_factory.mktemp("made-up") / "harvest.db"
    t2, t3 = made.page_layout(render)
    render.T2[made.NAME], render.T3[made.NAME] = t2, t3
    truth = made.report(seed=2031)
    pipeline = StorePipeline(str(db), None, _Crawler())
    pipeline.open_spider()
    try:
        with templates.registered(made.made_up()):
            made_up = store(pipeline, render.render_bytes(truth, render.STYLES["word"]),
                            url="http://www.example.gov.cn/nb/2032/t1.html",
                            list_title="某某市人民政府2031年政府信息公开工作年度报告", agency="某某市人民政府")
        untitled = dict(made.report(seed=7, agency="某某经济技术开发区", year=2022), format="2021", applications=None)
        page = render.render_bytes(untitled, dataclasses.replace(render.STYLES["official"], title_line=False))
        # the listing names it only by the agency (as some portals do): the title is composed
        composed = store(pipeline, page, url="http://kfq.example.gov.cn/show?id=1", list_title="某某经济技术开发区",
                         agency="某某经济技术开发区")
        untitled = dict(untitled, year=2021)
        page = render.render_bytes(untitled, dataclasses.replace(render.STYLES["official"], title_line=False))
        listed = store(pipeline, page, url="http://kfq.example.gov.cn/show?id=2",
                       list_title="某某经济技术开发区2021年度政府信息公开工作报告", agency="某某经济技术开发区")
    finally:
        pipeline.close_spider()
        del render.T2[made.NAME], render.T3[made.NAME]
    return {"db": db, "truth": truth, "made_up": made_up, "composed": composed, "listed": listed}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(harvest):
    """Datasette on the harvest, in a process of its own with the made-up template registered."""
    port = _free_port()
    log_path = harvest["db"].with_suffix(".serve.log")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, str(REPORT_TESTS / "made_up_template.py"), "serve",
                                    "--db", str(harvest["db"]), "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, url, log_path)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def get(server: str, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(server + path, timeout=30) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def get_json(server: str, path: str):
    status, body = get(server, path)
    assert status == 200, (path, status, body[:300])
    return json.loads(body)


def test_the_page_in_the_made_up_template_is_parsed_and_stored(harvest):
    got, truth = harvest["made_up"]["parsed"], harvest["truth"]
    assert got["format"] == made.NAME and got["parse_status"] == "ok" and got["balanced"] is True
    assert got["applications"] == truth["applications"] and made.OLD_KEY not in got["applications"]
    conn = sqlite3.connect(harvest["db"])
    conn.row_factory = sqlite3.Row
    report = conn.execute("select * from reports where id = ?", [harvest["made_up"]["id"]]).fetchone()
    assert report["format"] == made.NAME and report["check_status"] == "passed" and report["title_composed"] == 0
    rows = {r["row"]: dict(r) for r in conn.execute(
        "select * from applications where report_id = ? order by position", [report["id"]])}
    assert list(rows) == list(truth["applications"])
    assert {c: rows[made.NEW.key][c] for c in truth["applications"][made.NEW.key]} == truth["applications"][made.NEW.key]
    conn.close()


def test_the_report_view_lays_out_the_made_up_template_with_its_labels(server, harvest):
    rid, truth = harvest["made_up"]["id"], harvest["truth"]
    data = get_json(server, f"/-/report/{rid}.json")
    assert data["template"] == made.NAME and data["report"]["format"] == made.NAME
    rows = data["applications"]["rows"]
    assert [r["row"] for r in rows] == list(made.made_up().row_keys)  # the template's rows, in its order
    by_key = {r["row"]: r for r in rows}
    renamed = by_key[made.NEW.key]
    assert renamed["values"] == truth["applications"][made.NEW.key]
    assert (renamed["item_zh"], renamed["item_en"]) == (made.NEW.zh, made.NEW.en)
    assert renamed["subgroup_zh"] == "（四）无法提供" and renamed["group_zh"] == "三、本年度办理结果"
    assert {k: r["values"] for k, r in by_key.items()} == truth["applications"]
    got2 = {(i["item"], c["metric"]): c["value"] for b in data["active_disclosure"] for i in b["items"] for c in i["cells"]}
    assert got2 == {(i, m): v for i, ms in truth["active_disclosure"].items() for m, v in ms.items()}
    assert [b["article"] for b in data["active_disclosure"]] == [b.article for b in made.made_up().table2]

    page = lxml_html.fromstring(get(server, f"/-/report/{rid}")[1])
    text = " ".join(page.text_content().split())
    assert made.DOCUMENT in text  # the template's document, from its declaration
    line = next(tr for tr in page.cssselect("tr") if made.NEW.zh in tr.text_content())
    cells = [" ".join(td.text_content().split()) for td in line.cssselect("td")]
    values = truth["applications"][made.NEW.key]
    assert [str(values[c]) for c in made.APPLICANTS + ["total"]] == cells[-7:]

    table3 = get_json(server, "/reports/report_table3.json?" + urllib.parse.urlencode(
        {"report_id": rid, "row": made.NEW.key, "_shape": "array"}))
    assert len(table3) == 1 and table3[0]["label_zh"].endswith(made.NEW.zh) and table3[0]["label_en"].endswith(made.NEW.en)
    labels = get_json(server, "/reports/labels.json?" + urllib.parse.urlencode({"key": made.NEW.key, "_shape": "array"}))
    assert [(r["template"], r["label_zh"]) for r in labels] == [(made.NAME, made.NEW.zh)]


def test_a_report_without_a_title_line_is_stored_under_a_composed_title(server, harvest):
    composed = get_json(server, f"/-/report/{harvest['composed']['id']}.json")["report"]
    assert composed["title"] == "某某经济技术开发区2022年政府信息公开工作年度报告" and composed["title_composed"] == 1
    assert harvest["composed"]["parsed"]["title_composed"] is True
    page = get(server, f"/-/report/{harvest['composed']['id']}")[1]
    assert "composed from agency and year" in page
    # a title the listing gives is printed, not made up: it is kept, unmarked
    listed = get_json(server, f"/-/report/{harvest['listed']['id']}.json")["report"]
    assert listed["title"] == "某某经济技术开发区2021年度政府信息公开工作报告" and listed["title_composed"] == 0
    assert "composed from agency and year" not in get(server, f"/-/report/{harvest['listed']['id']}")[1]


def test_the_stored_title_is_the_pages_then_the_listings_then_composed():
    page_title = "某某县人民政府2022年政府信息公开工作年度报告"
    assert stored_title({"title": page_title}, "某某县", "某某县人民政府", 2022) == (page_title, False)
    composed = {"title": page_title, "title_composed": True}
    assert stored_title(composed, "某某县2022年度信息公开年报", "某某县人民政府", 2022) == ("某某县2022年度信息公开年报", False)
    assert stored_title(composed, "某某县人民政府", "某某县人民政府", 2022) == (page_title, True)
    assert stored_title({"title": None}, None, "某某县人民政府", 2022) == (page_title, True)
    assert stored_title({"title": None}, "某某县人民政府", "某某县人民政府", None) == ("某某县人民政府", False)
