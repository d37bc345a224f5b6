"""prepare(): labels, views, FTS; the metadata file; plain `datasette` on the same files."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import browse_fixture as fixture
import pytest
import sqlite_utils
import yaml

from harvester import browse
from harvester.store import SCHEMA, Store

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "spec" / "report-format.md"
SEEDS = ROOT.parent / "shared" / "golden" / "seeds.json"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture()
def small_db(tmp_path):
    path = tmp_path / "reports.db"
    truth = fixture.build(path)
    return path, truth


def test_prepare_is_idempotent(small_db):
    path, _truth = small_db
    first = browse.prepare(path)
    assert first["fts"] == "created" and first["labels"] == "created" and len(first["views"]) == 4
    db = sqlite_utils.Database(path)
    counts = {name: db[name].count for name in ("labels", "reports")}
    views = set(db.view_names())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    second = browse.prepare(path)
    assert second == {"labels": "current", "views": [], "fts": "current"}
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # a second run writes nothing
    db = sqlite_utils.Database(path)
    assert {name: db[name].count for name in ("labels", "reports")} == counts
    assert set(db.view_names()) == views >= {"report_table2", "report_table3", "report_table4", "report_summary"}
    assert db["labels"].count == len(browse.load_labels())
    # a database that is not a harvest yet gets the schema, then the rest
    empty = path.with_name("empty.db")
    browse.prepare(empty)
    assert set(SCHEMA) <= set(sqlite_utils.Database(empty).table_names())


def test_fts_is_kept_current_by_the_store(small_db):
    path, truth = small_db
    browse.prepare(path)
    store = Store(path)
    r = truth[1]
    row = store.report_row(r["id"])
    store.db["reports"].update(r["id"], {"text": row["text"] + " 新增检索词语甲乙丙"})
    new = dict(row, id="ffff000011112222", year=2030, text="另一份报告 独有词语丁戊己", content_hash="x", last_seen="2031-01-01")
    store.save_report(new, {"url": "http://example.gov.cn/new.shtml", "report_id": new["id"]}, None)
    found = {x["id"] for x in store.db.query(
        "select r.id from reports_fts join reports r on r.rowid = reports_fts.rowid where reports_fts match ?",
        ['"检索词语甲乙丙"'])}
    assert found == {r["id"]}
    found = {x["id"] for x in store.db.query(
        "select r.id from reports_fts join reports r on r.rowid = reports_fts.rowid where reports_fts match ?",
        ['"独有词语丁戊己"'])}
    assert found == {new["id"]}
    store.close()
    assert browse.prepare(path)["fts"] == "current"


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s or "")
    return re.sub(r"[\s“”\"]", "", s)


def spec_rows(section_title: str) -> list[list[str]]:
    text = SPEC.read_text(encoding="utf-8")
    start = text.index(section_title)
    end = text.index("\n## ", start + 1)
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text[start:end].splitlines() if line.startswith("| `")]


@pytest.mark.skipif(not SPEC.exists(), reason="shared/spec not beside the checkout")
def test_labels_match_the_data_contract():
    labels = {(r["section"], r["kind"], r["key"], r["template"]): r for r in browse.load_labels()}

    def label(section, kind, key, template=""):
        return labels.get((section, kind, key, template)) or labels.get((section, kind, key, "2021")) \
            or labels.get((section, kind, key, "2019"))

    rows = spec_rows("## Table 3")
    assert len(rows) == 25
    for key_cell, spec_label in rows:
        key = key_cell.strip("`")
        lab = label("applications", "row", key)
        assert lab, key
        full = " ".join(x for x in (lab["group_zh"], lab["subgroup_zh"], lab["label_zh"]) if x)
        assert norm(full).endswith(norm(spec_label)) and norm(spec_label).endswith(norm(lab["label_zh"])), key
    assert label("applications", "row", "other", "2019")["label_zh"] == "（六）其他处理"
    columns = {"natural_person": "自然人", "commercial_enterprise": "商业企业", "research_institution": "科研机构",
               "social_welfare_org": "社会公益组织", "legal_service_org": "法律服务机构", "other_org": "其他", "total": "总计"}
    for key, zh in columns.items():
        assert label("applications", "column", key)["label_zh"] == zh
    text = SPEC.read_text(encoding="utf-8")
    for group, zh in (("review", "行政复议"), ("suit_direct", "未经复议直接起诉"), ("suit_after_review", "复议后起诉")):
        assert label("reviews_litigation", "group", group)["label_zh"] == zh and zh in text
    for result, zh in (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"),
                       ("pending", "尚未审结"), ("total", "总计")):
        assert label("reviews_litigation", "result", result)["label_zh"] == zh and f"`{result}` {zh}" in text
    # table 2, 2021 template: article, item and metric labels as the contract lists them
    t2 = text[text.index("2021 template:"):text.index("2019 template:")]
    for line in t2.splitlines():
        m = re.match(r"\| (第二十条第\(.\)项) \| `(\w+)` \| ([^|(]+)", line)
        if not m:
            continue
        article, item, item_label = m.groups()
        lab = label("active_disclosure", "item", item, "2021")
        assert norm(lab["article"]) == norm(article) and norm(lab["label_zh"]) == norm(item_label), item
        for metric, metric_label in re.findall(r"`(\w+)`: ([^,|]+)", line):
            assert norm(label("active_disclosure", "metric", metric, "2021")["label_zh"]) == norm(metric_label), metric
    t2019 = text[text.index("2019 template:"):text.index("## Table 3")]
    for metric, metric_label in re.findall(r"`(\w+)`: ([^,|(]+)", t2019):
        assert norm(label("active_disclosure", "metric", metric, "2019")["label_zh"]).startswith(norm(metric_label)), metric
    for item in ("rules", "normative_documents", "licensing", "other_services", "penalty", "coercion", "fees", "procurement"):
        assert label("active_disclosure", "item", item, "2019"), item


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/golden not beside the checkout")
def test_every_key_of_the_golden_seeds_has_a_label():
    keys = {(r["section"], r["kind"], r["key"]) for r in browse.load_labels()}
    for name, seed in json.loads(SEEDS.read_text(encoding="utf-8")).items():
        for item, metrics in (seed["active_disclosure"] or {}).items():
            assert ("active_disclosure", "item", item) in keys, (name, item)
            for metric in metrics:
                assert ("active_disclosure", "metric", metric) in keys, (name, metric)
        for row, cells in (seed["applications"] or {}).items():
            assert ("applications", "row", row) in keys, (name, row)
            for column in cells:
                assert ("applications", "column", column) in keys, (name, column)
        for key in seed["reviews_litigation"] or {}:
            group, result = key.split(".")
            assert ("reviews_litigation", "group", group) in keys and ("reviews_litigation", "result", result) in keys


def test_metadata_describes_every_table_and_column_in_both_languages(small_db):
    path, _truth = small_db
    browse.prepare(path)
    meta = yaml.safe_load(browse.METADATA_PATH.read_text(encoding="utf-8"))
    tables = meta["databases"]["reports"]["tables"]
    db = sqlite_utils.Database(path)
    for name in list(SCHEMA) + ["labels", "report_table2", "report_table3", "report_table4", "report_summary"]:
        described = tables[name]
        assert CJK.search(described["description"]) and LATIN.search(described["description"]), name
        actual = [c.name for c in (db[name].columns if name in db.table_names() else db.view(name).columns)]
        assert set(actual) == set(described["columns"]), (name, set(actual) ^ set(described["columns"]))
        for column, text in described["columns"].items():
            assert CJK.search(text) and LATIN.search(text), (name, column, text)
    for column in ("new_received", "granted", "total"):
        assert "件" in tables["report_summary"]["columns"][column]
    assert "万元" in tables["active_disclosure"]["columns"]["value"]
    assert set(tables["reports"]["facets"]) == {"province", "year", "level", "format", "parse_status", "check_status"}
    queries = meta["databases"]["reports"]["queries"]
    assert len(queries) >= 5
    for name, query in queries.items():
        assert not query.get("write"), name
        assert re.match(r"\s*(select|with)\b", query["sql"], re.I), name
        assert CJK.search(query["title"]) and LATIN.search(query["title"]), name


def test_plain_datasette_uses_the_same_metadata(small_db, tmp_path):
    """`datasette -i data/reports.db -m data/metadata.yml` without our plugin: metadata, facets,
    canned queries and views all work; with --plugins-dir/--template-dir the report view too."""
    path, truth = small_db
    browse.prepare(path)
    datasette = shutil.which("datasette", path=str(ROOT / ".venv" / "bin"))
    plain = [datasette, "serve", "-i", str(path), "-m", str(browse.METADATA_PATH)]

    def get(args, url):
        done = subprocess.run(args + ["--get", url], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 0, (url, done.stdout[-500:], done.stderr[-2000:])
        return json.loads(done.stdout)

    meta = get(plain, "/-/metadata.json")
    assert meta["databases"]["reports"]["queries"]["failing_checks"]["title"].startswith("勾稽关系")
    failing = get(plain, "/reports/failing_checks.json?_shape=array")
    assert {(x["agency"], x["year"], x["column"]) for x in failing} == {
        (r["agency"], r["year"], f["column"]) for r in truth for f in r["check_failures"] or []}
    facets = get(plain, "/reports/reports.json?_size=0")["facet_results"]
    assert {"province", "year", "level", "format", "parse_status", "check_status"} <= set(facets)
    rid = failing[0]["report_id"]
    command = browse.datasette_command(path)
    command[0] = datasette
    report = get(command, f"/-/report/{rid}.json")
    assert report["report"]["check_status"] == "failed"
