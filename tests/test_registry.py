"""The national registry (data/sites.csv): loading, filters, writes, import, stats, errors, CLI.

Expected numbers are counted here from the CSV with the csv module, independently of
harvester.registry.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from harvester import registry
from harvester.crawl import DEFAULT_REGISTRY
from harvester.store import Store

ROOT = Path(__file__).resolve().parents[1]
GOV_PORTALS = ROOT.parent / "shared" / "registry" / "gov-portals.csv"
CLI = [sys.executable, "-m", "harvester.cli"]


def raw_rows(path=DEFAULT_REGISTRY) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def copy(tmp_path) -> Path:
    path = tmp_path / "sites.csv"
    shutil.copy(DEFAULT_REGISTRY, path)
    return path


def one_line_error(excinfo, *parts):
    message = str(excinfo.value)
    assert "\n" not in message, message
    for part in parts:
        assert part in message, message


# --- the shipped file ---------------------------------------------------------------------------
def test_shipped_registry_loads_fast_and_is_every_government(capsys):
    registry._cache.clear()
    start = time.perf_counter()
    sites = registry.load(DEFAULT_REGISTRY)
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\nregistry: {len(sites)} rows loaded and validated in {elapsed * 1000:.0f} ms")
    rows = raw_rows()
    assert len(sites) == len(rows) == 3209
    assert Counter(s.level for s in sites) == Counter(r["level"] for r in rows)
    assert Counter(s.level for s in sites if s.code) == {"province": 31, "prefecture": 333, "county": 2841}
    ids = {s.id for s in sites}
    assert {"gx-bbwb", "gx-guigang", "gx-liuzhou-liunan", "hb-xianning-zwsjj", "qh-xining-jkq"} <= ids
    codes = {s.code for s in sites if s.code}
    for site in sites:
        assert site.level in registry.LEVELS
        assert site.source, f"{site.id} must say where its address came from"
        assert not site.parent or site.parent in codes, f"{site.id}: parent {site.parent} unknown"
    with open(GOV_PORTALS, encoding="utf-8") as f:
        assert codes == {r["code"] for r in csv.DictReader(f)}


def test_a_loaded_site_has_the_new_fields():
    liunan = registry.get("gx-liuzhou-liunan", DEFAULT_REGISTRY)
    assert (liunan.code, liunan.parent, liunan.level, liunan.agency) == ("450204", "450200", "county", "柳州市柳南区人民政府")
    assert liunan.columns == ["http://www.liunan.gov.cn/xxgk/zfxxgknb/"] and liunan.spider == "gx_liunan"
    tangshan = registry.get("130202", DEFAULT_REGISTRY)
    assert tangshan.alt_homepage == ["http://lunan.tangshan.gov.cn"] and tangshan.family == "generic"
    jinmen = registry.get("350527", DEFAULT_REGISTRY)
    assert jinmen.homepage == "" and not jinmen.crawlable  # unknown, never guessed


def test_sites_returned_are_the_callers_own():
    first = registry.load(DEFAULT_REGISTRY)
    first[0].columns.append("http://changed.example/")
    assert "http://changed.example/" not in registry.load(DEFAULT_REGISTRY)[0].columns


# --- filters ------------------------------------------------------------------------------------
@pytest.mark.parametrize("given", ["广西壮族自治区", "广西", "桂", "45", "GX", "gx", "450000"])
def test_province_selection_by_any_name(given):
    sites = registry.select(registry.load(DEFAULT_REGISTRY), province=given)
    assert len(sites) == sum(r["province"] == "广西壮族自治区" for r in raw_rows())
    assert {s.province for s in sites} == {"广西壮族自治区"}


def test_code_prefix_level_and_id_filters():
    sites, rows = registry.load(DEFAULT_REGISTRY), raw_rows()
    liuzhou = registry.select(sites, code="4502")
    assert [s.id for s in liuzhou] == [r["id"] for r in rows if (r["code"] or r["parent"]).startswith("4502")]
    assert len(liuzhou) == 11 and liuzhou[0].agency == "柳州市人民政府"
    # a department counts under its government's code
    assert "gx-bbwb" in {s.id for s in registry.select(sites, code="45")}
    assert "gx-bbwb" not in {s.id for s in registry.select(sites, code="4502")}
    counties = registry.select(sites, province="广西", level="county")
    assert len(counties) == sum(r["province"] == "广西壮族自治区" and r["level"] == "county" for r in rows)
    assert registry.select(sites, level="县") == registry.select(sites, level="county")
    both = registry.select(sites, site_ids=["gx-guigang", "gx-liuzhou-liunan"], level="county")
    assert [s.id for s in both] == ["gx-liuzhou-liunan"]


def test_unknown_province_site_level_and_code_are_clear_errors():
    sites = registry.load(DEFAULT_REGISTRY)
    for kwargs, text in (({"province": "火星"}, "unknown province"), ({"site_ids": ["nope"]}, "unknown site"),
                         ({"level": "乡"}, "unknown level"), ({"code": "45x"}, "1 to 6 digits")):
        with pytest.raises(registry.RegistryError) as e:
            registry.select(sites, **kwargs)
        one_line_error(e, text)


# --- writes -------------------------------------------------------------------------------------
def test_set_columns_changes_one_line_and_back_restores_the_file(copy):
    original = copy.read_bytes()
    registry.set_columns("450205", ["http://www.lbq.gov.cn/zfxxgk/nb/"], copy, family="trs")
    before, after = original.decode().splitlines(), copy.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and len(changed) == 1
    assert changed[0][1].startswith("450205,450205,柳州市柳北区人民政府,county,450200,广西壮族自治区,http://www.lbq.gov.cn/,,"
                                    "http://www.lbq.gov.cn/zfxxgk/nb/,trs,,false,")
    site = registry.get("450205", copy)
    assert site.columns == ["http://www.lbq.gov.cn/zfxxgk/nb/"] and site.family == "trs"
    registry.set_columns("450205", [], copy)
    lines = copy.read_text(encoding="utf-8").splitlines()
    lines[before.index(changed[0][0])] = changed[0][0]
    assert lines == before


def test_add_appends_one_row(copy):
    site = registry.Site(id="liunan-jyj", agency="柳州市柳南区教育局", province="广西壮族自治区", level="department",
                         homepage="http://jyj.liunan.gov.cn/", columns=["http://jyj.liunan.gov.cn/xxgk/nb/"],
                         parent="450204", source="test")
    registry.add(site, copy)
    assert copy.read_text(encoding="utf-8").endswith(
        "liunan-jyj,,柳州市柳南区教育局,department,450204,广西壮族自治区,http://jyj.liunan.gov.cn/,,"
        "http://jyj.liunan.gov.cn/xxgk/nb/,,,false,test\n")
    assert registry.get("liunan-jyj", copy) == site
    with pytest.raises(registry.RegistryError) as e:
        registry.add(site, copy)
    one_line_error(e, "exists already")


def test_a_bad_write_never_lands(copy):
    original = copy.read_bytes()
    bad = registry.Site(id="x", agency="某局", province="广西壮族自治区", level="department",
                        homepage="ftp://x.gov.cn/", parent="450000", source="test")
    with pytest.raises(registry.RegistryError) as e:
        registry.add(bad, copy)
    one_line_error(e, "http:// or https://")
    with pytest.raises(registry.RegistryError) as e:  # a string where a list is expected
        registry.set_columns("450205", "http://www.lbq.gov.cn/nb/", copy)
    one_line_error(e, "must be a list of URLs")
    stringy = registry.Site(id="y", agency="某局", province="广西壮族自治区", level="department",
                            columns="http://y.gov.cn/nb/", parent="450000", source="test")
    with pytest.raises(registry.RegistryError) as e:
        registry.add(stringy, copy)
    one_line_error(e, "columns must be a list of URLs")
    assert copy.read_bytes() == original


def test_crlf_files_stay_crlf(tmp_path):
    path = tmp_path / "sites.csv"
    rows = DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines()[:4]
    path.write_bytes("\r\n".join(rows).encode() + b"\r\n")
    registry.set_columns(rows[2].split(",")[0], ["http://a.gov.cn/nb/"], path)
    data = path.read_bytes()
    assert data.count(b"\r\n") == 4 and data.count(b"\n") == 4


# --- import -------------------------------------------------------------------------------------
def test_reimporting_the_national_list_changes_nothing(copy):
    original = copy.read_bytes()
    result = registry.import_csv(GOV_PORTALS, copy)
    assert (result.added, result.updated, result.new_addresses, result.unchanged) == ([], [], [], 3205)
    assert copy.read_bytes() == original


def test_import_rebuilds_deleted_rows_exactly(copy):
    """The conversion rules live in the import: rows deleted from the registry come back byte for
    byte, at their place: a district named with its city, 地区 → 行政公署, garbage addresses
    dropped, an unknown homepage left empty, a second address kept."""
    gone = {"450205", "542500", "341022", "350527", "130202", "110101", "659001"}
    original = copy.read_text(encoding="utf-8")
    copy.write_text("".join(line for line in original.splitlines(keepends=True) if line.split(",")[0] not in gone),
                    encoding="utf-8")
    result = registry.import_csv(GOV_PORTALS, copy)
    assert sorted(result.added) == sorted(gone) and result.unchanged == 3205 - len(gone)
    assert copy.read_text(encoding="utf-8") == original


def test_import_keeps_what_the_registry_knows_and_records_a_new_homepage(copy, tmp_path):
    with open(GOV_PORTALS, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    for r in rows:
        if r["code"] == "450204":  # 柳南区 moved to a new host
            r["homepage"] = "https://www.lnq.gov.cn/"
        if r["code"] == "450205":
            r["level"] = "prefecture"
    rows.append(dict(code="450299", name="试验区", level="county", parent_code="450200", province="广西壮族自治区",
                     homepage="http://www.syq.gov.cn/", alt_homepage="", sources_agree="yes"))
    changed = tmp_path / "changed.csv"
    with open(changed, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = registry.import_csv(changed, copy, source="test list 2025")
    assert result.added == ["450299"] and result.updated == ["450205"] and result.new_addresses == ["gx-liuzhou-liunan"]
    liunan = registry.get("gx-liuzhou-liunan", copy)
    assert liunan.homepage == "http://www.liunan.gov.cn/" and liunan.alt_homepage == ["https://www.lnq.gov.cn/"]
    assert liunan.columns == ["http://www.liunan.gov.cn/xxgk/zfxxgknb/"] and liunan.spider == "gx_liunan"
    assert "alt_homepage https://www.lnq.gov.cn/: test list 2025 (homepage sources agree: yes)" in liunan.source
    new = registry.get("450299", copy)
    assert (new.agency, new.parent, new.verified) == ("柳州市试验区人民政府", "450200", False)
    ids = [s.id for s in registry.load(copy)]
    assert ids.index("450299") == ids.index("450226") + 1  # in code order, after 三江侗族自治县
    assert registry.import_csv(changed, copy, source="test list 2025").unchanged == len(rows)


@pytest.mark.parametrize("content, text", [
    ("code,name\n450204,柳南区\n", "missing column(s) level"),
    ("code,name,level,parent_code,province,homepage\n4502,柳南区,county,450200,广西壮族自治区,\n", "6-digit"),
    ("code,name,level,parent_code,province,homepage\n450204,柳南区,district,450200,广西壮族自治区,\n", "level 'district'"),
    ("code,name,level,parent_code,province,homepage\n450204,柳南区,county,450200,广西,\n", "not a full provincial name"),
])
def test_a_bad_import_file_is_a_one_line_error_and_writes_nothing(copy, tmp_path, content, text):
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    original = copy.read_bytes()
    with pytest.raises(registry.RegistryError) as e:
        registry.import_csv(bad, copy)
    one_line_error(e, str(bad), text)
    assert copy.read_bytes() == original


# --- validation ---------------------------------------------------------------------------------
HEADER = ",".join(registry.FIELDS)
GOOD = "gx-x,450204,柳州市柳南区人民政府,county,450200,广西壮族自治区,http://www.liunan.gov.cn/,,,,,false,test"


@pytest.mark.parametrize("body, line, text", [
    (GOOD.replace(",county,", ",乡,"), 2, "level '乡' must be one of province/prefecture/county/department/zone"),
    (GOOD.replace("http://www.liunan.gov.cn/", "ftp://www.liunan.gov.cn/"), 2, "homepage must be a URL starting with http:// or https://"),
    (GOOD.replace("/,,,,,false", "/,,http://a.gov.cn/nb/;http://b.gov.cn/nb/,,,false"), 2, "columns must be URLs separated by spaces"),
    (GOOD.replace("/,,,,,false", "/,,zfxxgk/nb/,,,false"), 2, "columns must be URLs starting with http:// or https://"),
    (GOOD + "\n" + GOOD.replace("450204", "450205"), 3, "duplicate id 'gx-x' (first on line 2)"),
    (GOOD + "\n" + GOOD.replace("gx-x", "gx-y"), 3, "duplicate code 450204"),
    (GOOD.replace(",false,", ",yes,"), 2, "verified must be true or false"),
    (GOOD.replace(",450204,", ",4502,"), 2, "code '4502' must be a 6-digit division code"),
    (GOOD.replace(",450204,", ",,"), 2, "a county government needs its division code"),
    (GOOD.replace(",test", ","), 2, "empty source"),
    (GOOD.replace("广西壮族自治区", "广西"), 2, "province '广西' is not a full provincial name"),
    (GOOD + ",extra", 2, "14 cells where the header has 13"),
    ("gx-d,,某局,department,,广西壮族自治区,http://x.gov.cn/,,,,,false,test", 2, "needs the code of its parent"),
])
def test_each_bad_row_is_a_one_line_error_naming_file_and_line(tmp_path, body, line, text):
    path = tmp_path / "sites.csv"
    path.write_text(f"{HEADER}\n{body}\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError) as e:
        registry.load(path)
    one_line_error(e, f"{path}:{line}: ", text)


def test_file_level_errors(tmp_path):
    path = tmp_path / "sites.csv"
    with pytest.raises(registry.RegistryError) as e:
        registry.load(tmp_path / "missing.csv")
    one_line_error(e, "registry not found", "missing.csv")
    path.write_bytes(f"{HEADER}\n".encode() + GOOD.encode("gbk") + b"\n")
    with pytest.raises(registry.RegistryError) as e:
        registry.load(path)
    one_line_error(e, f"{path}:2: not UTF-8")
    path.write_text(HEADER + ",city\n" + GOOD + ",\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError) as e:
        registry.load(path)
    one_line_error(e, f"{path}:1: unknown column(s) 'city'")
    path.write_text(HEADER.replace(",source", "") + "\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError) as e:
        registry.load(path)
    one_line_error(e, "missing column(s) source")
    path.write_text("", encoding="utf-8")
    with pytest.raises(registry.RegistryError) as e:
        registry.load(path)
    one_line_error(e, "empty file")
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\n{GOOD}\n".encode())  # a spreadsheet's byte-order mark is fine
    assert registry.load(path)[0].id == "gx-x"


# --- stats --------------------------------------------------------------------------------------
def test_stats_match_counts_made_from_the_csv(tmp_path):
    rows = raw_rows()
    result = registry.stats(DEFAULT_REGISTRY, db=tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists() and "no harvest database" in result["note"]
    got = {(g["province"], g["level"]): g for g in result["rows"]}
    expect = Counter((r["province"], r["level"]) for r in rows)
    assert {k: g["rows"] for k, g in got.items() if "all" not in k} == dict(expect)
    for (province, level), g in got.items():
        mine = [r for r in rows if province in ("all", r["province"]) and level in ("all", r["level"])]
        assert g["rows"] == len(mine)
        assert g["with_column"] == sum(bool(r["columns"]) for r in mine)
        assert g["verified"] == sum(r["verified"] == "true" for r in mine)
        assert g["crawled"] == 0 and g["last_crawled"] is None
    assert got[("all", "all")]["rows"] == 3209
    assert got[("广西壮族自治区", "county")]["with_column"] == 1  # 柳南区


def test_stats_read_last_crawled_from_a_harvest(tmp_path):
    db = tmp_path / "reports.db"
    store = Store(db)
    store.db["crawl_runs"].insert_all([{"id": 1, "started": "2025-01-02T03:04:05"},
                                       {"id": 2, "started": "2025-02-01T00:00:00"}])
    store.db["crawl_sites"].insert_all([{"run_id": 1, "site_id": "gx-liuzhou-liunan"},
                                        {"run_id": 1, "site_id": "gx-guigang"},
                                        {"run_id": 2, "site_id": "gx-guigang"},
                                        {"run_id": 2, "site_id": "hb-xianan"}])
    store.close()
    got = {(g["province"], g["level"]): g for g in registry.stats(DEFAULT_REGISTRY, db=db)["rows"]}
    assert (got[("广西壮族自治区", "county")]["crawled"], got[("广西壮族自治区", "county")]["last_crawled"]) == (1, "2025-01-02T03:04:05")
    assert (got[("广西壮族自治区", "prefecture")]["crawled"], got[("广西壮族自治区", "prefecture")]["last_crawled"]) == (1, "2025-02-01T00:00:00")
    assert got[("all", "all")]["crawled"] == 3
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t (x)").connection.close()
    assert "not a harvest database" in registry.stats(DEFAULT_REGISTRY, db=other)["note"]
    text = tmp_path / "text.db"
    text.write_text("not sqlite at all " * 100)
    assert "not a harvest database" in registry.stats(DEFAULT_REGISTRY, db=text)["note"]


# --- the command line ---------------------------------------------------------------------------
def run(*args, cwd=ROOT):
    return subprocess.run(CLI + list(args), cwd=cwd, capture_output=True, text=True, timeout=120)


def test_cli_list_stats_and_import(copy, tmp_path):
    rows = raw_rows()
    done = run("registry", "list", "--province", "广西", "--level", "county")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == sum(r["province"] == "广西壮族自治区" and r["level"] == "county" for r in rows)
    assert "gx-liuzhou-liunan\t450204\tcounty\t广西壮族自治区\t柳州市柳南区人民政府\thttp://www.liunan.gov.cn/\t1 column(s)" in lines
    import json

    listed = json.loads(run("registry", "list", "--code", "4502", "--json").stdout)
    assert [s["id"] for s in listed][:2] == ["450200", "450202"] and listed[0]["parent"] == "450000"
    done = run("registry", "stats", "--db", str(tmp_path / "absent.db"))
    assert done.returncode == 0 and not (tmp_path / "absent.db").exists()
    assert done.stdout.splitlines()[0].split() == ["province", "level", "rows", "column", "verified", "crawled",
                                                   "last", "crawled"]
    assert done.stdout.splitlines()[-2].split()[:3] == ["all", "all", str(len(rows))]
    done = run("registry", "import", str(GOV_PORTALS), "--registry", str(copy))
    assert done.returncode == 0 and done.stdout.startswith("added 0, updated 0, new addresses recorded 0, unchanged 3205")
    assert copy.read_bytes() == DEFAULT_REGISTRY.read_bytes()


@pytest.mark.parametrize("args, text", [
    (["registry", "list", "--level", "乡"], "unknown level '乡'"),
    (["registry", "list", "--province", "火星"], "unknown province"),
    (["registry", "list", "--code", "柳州"], "1 to 6 digits"),
    (["registry", "list", "--registry", "missing.csv"], "registry not found: missing.csv"),
    (["registry", "import", "missing.csv"], "no such file: missing.csv"),
    (["registry", "stats", "--registry", "README.md"], "README.md:1: unknown column(s)"),
])
def test_cli_bad_input_is_one_line_and_non_zero(args, text):
    done = run(*args)
    assert done.returncode != 0 and text in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
