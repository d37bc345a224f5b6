"""Bulk export of a harvest (issue 15): one zip a researcher can load anywhere.

`export(db, out, province=None, year=None)` writes FILE.zip holding:

- `reports.db`: the SQLite file itself, cut to the chosen province / year when filtered;
- `tables/<table>.csv`: one CSV per table (UTF-8, header row; an empty field is NULL, a blank
  cell never 0; an empty text in the database is exported empty, so it loads back as NULL);
- `values_long.csv`: every table value of every report in long form (agency_id, agency, year,
  report_id, table, row, column, value, unit), keyed by the stable agency id;
- `data_dictionary.csv`: every column of every exported CSV with its label in Chinese and
  English, its unit and what it means, and every indicator with how it is computed;
- `manifest.json`: the filters, and per file its rows and sha256.

Why a zip of plain files: foia.gov and data.govt.nz publish this way; nothing but a CSV
reader is needed, and the checksums say the files are the ones exported. Loading the CSVs
back gives the same numbers (tests/test_export.py holds it to that).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

from harvester import indicators
from harvester.report import templates
from harvester.store import APPLICANT_COLUMNS, REVIEW_KEYS, review_column

# Tables exported as CSV, with how each is cut by report (the raw page bytes stay in reports.db only).
TABLES = {
    "agencies": None, "sites": None, "reports": "id", "report_sources": "report_id",
    "report_versions": "report_id", "active_disclosure": "report_id", "applications": "report_id",
    "reviews_litigation": "report_id", "check_failures": "report_id", "indicators": "report_id",
    "coverage": None, "yoy": "report_id", "labels": None,
}
SKIP_COLUMNS = {"report_versions": {"signature"}, "reports": {"text"}}  # binary / bulky: in reports.db
LONG_COLUMNS = ("agency_id", "agency", "province", "year", "report_id", "table", "row", "column", "value", "unit")

# Column descriptions: (zh, en, unit, meaning). Table columns of tables 2-4 are described from
# the template declarations (templates.py) below.
COLUMN_DOCS = {
    "id": ("标识", "id", "", "stable key of the row"),
    "report_id": ("报告标识", "report id", "", "reports.id: one report, all its copies and versions"),
    "agency_id": ("机关标识", "agency id", "", "a government's 2024 division code; a body found on its portal: "
                  "CODE-xxxxxxxx (a key of its normalized name)"),
    "agency": ("机关名称", "agency", "", "the reporting body's name as the report gives it"),
    "province": ("省份", "province", "", "province-level division"),
    "level": ("层级", "level", "", "province / prefecture / county / department / zone / town"),
    "year": ("报告年度", "year reported on", "year", "the statistics period, not the year of publication"),
    "title": ("标题", "title", "", "the report's title line"),
    "url": ("网址", "URL", "", "canonical address of the report (or of the source, in report_sources)"),
    "published": ("发布日期", "published", "date", "the portal's publish date of the page; blank when none shown"),
    "format": ("模板", "template", "", "2021, 2019 or legacy (pre-2019, no national tables)"),
    "parse_status": ("解析状态", "parse status", "", "ok / partial / no_tables / failed / not_report"),
    "check_status": ("勾稽检查", "check status", "", "passed / failed / not checked"),
    "row": ("行", "row", "", "canonical row key (report-format.md)"),
    "column": ("列", "column", "", "canonical column key"),
    "value": ("数值", "value", "", "the number printed; blank = blank cell (NULL), never 0"),
    "unit": ("单位", "unit", "", "the unit printed with the number, if any"),
    "raw": ("原文", "raw text", "", "the cell texts as printed, where they were not plain numbers"),
    "indicator": ("指标", "indicator", "", "indicator key: see the indicator rows of this dictionary"),
    "detail": ("说明", "detail", "", "JSON or text: what the value rests on (dates, missing parts, sources)"),
    "basis": ("计算方法", "basis", "", "how the value was computed"),
    "status": ("状态", "status", "", "coverage: published / not_found / not_crawled / unreadable"),
    "figure": ("指标项", "figure", "", "year-over-year figure or ratio key"),
    "previous": ("上年数值", "previous year's value", "", "the same figure in the agency's previous-year report"),
    "change": ("变化", "change", "", "value - previous (derived)"),
    "numerator": ("分子", "numerator", "", "a ratio's numerator (its base shown)"),
    "denominator": ("分母", "denominator", "", "a ratio's denominator"),
    "derived": ("派生值", "derived", "1 = derived", "1 when computed from printed figures, 0 when printed"),
}


def _describe(table: str, column: str) -> tuple[str, str, str, str]:
    if column in COLUMN_DOCS:
        return COLUMN_DOCS[column]
    if table == "applications" and column in APPLICANT_COLUMNS:
        col = next(c for c in templates.COLUMNS if c.key == column)
        return (col.label.zh, col.label.en, "requests", f"table 3 column {column}: requests of this applicant type")
    if table == "reviews_litigation" and column in {review_column(k) for k in REVIEW_KEYS}:
        return (column, column.replace("_", " "), "cases", f"table 4 cell {column.replace('_', '.', 1)} "
                "(group.result; report-format.md)")
    if table == "coverage" and column in indicators.COVERAGE_STATUS:
        return (column, column, "", indicators.COVERAGE_STATUS[column])
    return (column, column.replace("_", " "), "", f"{table}.{column} as stored by the harvester (harvester/store.py)")


def _filtered_copy(db: Path, province: str | None, year: int | None) -> Path:
    """A copy of the harvest holding only the chosen province / year (a plain backup when unfiltered)."""
    tmp = Path(tempfile.mkdtemp(prefix="harvest-export-")) / "reports.db"
    src = sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst)
    finally:
        src.close()
    if province or year:
        where, params = [], []
        if province:
            where.append("province = ?")
            params.append(province)
        if year:
            where.append("year = ?")
            params.append(year)
        dst.execute(f"create temp table keep as select id from reports where {' and '.join(where)}", params)
        names = {r[0] for r in dst.execute("select name from sqlite_master where type = 'table'")}
        for table, key in TABLES.items():
            if key and table in names and table != "reports":
                dst.execute(f"delete from [{table}] where [{key}] not in (select id from keep)")
        dst.execute("delete from reports where id not in (select id from keep)")
        dst.execute("delete from pages where hash not in (select page_hash from report_versions "
                    "union select page_hash from reports)")
        if "coverage" in names:
            cond = " and ".join(w.replace("year", "coverage.year") for w in where)
            dst.execute(f"delete from coverage where not ({cond})", params)
        if province:  # the portals of other provinces, and what was recorded about them
            dst.execute("delete from sites where province is not ?", [province])
            for table in ("non_reports", "fetch_errors", "crawl_sites"):
                if table in names:
                    dst.execute(f"delete from [{table}] where site_id not in (select id from sites)")
        dst.execute("delete from agencies where id not in (select agency_id from reports)"
                    + (" and id not in (select agency_id from coverage)" if "coverage" in names else ""))
        dst.commit()
        dst.execute("vacuum")
    dst.execute("pragma journal_mode=delete")
    dst.close()
    return tmp


class _Hashing(io.RawIOBase):
    """A zip entry written through: counts and hashes the bytes on their way (no copy in memory)."""

    def __init__(self, raw):
        self.raw, self.sha, self.size = raw, hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, b):
        self.sha.update(b)
        self.size += len(b)
        return self.raw.write(b)


def _write_csv(z: zipfile.ZipFile, name: str, header: list[str], rows) -> dict:
    """Stream one CSV into the zip; returns its manifest entry (rows, bytes, sha256)."""
    with z.open(name, "w", force_zip64=True) as raw:
        sink = _Hashing(raw)
        text = io.TextIOWrapper(io.BufferedWriter(sink, 1 << 16), encoding="utf-8", newline="")
        w = csv.writer(text, lineterminator="\n")
        w.writerow(header)
        n = 0
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
            n += 1
        text.flush()
        text.detach().flush()
    return {"rows": n, "bytes": sink.size, "sha256": sink.sha.hexdigest()}


def long_rows(con: sqlite3.Connection):
    """Every table value in long form: (agency_id, agency, province, year, report_id, table, row, column, value, unit)."""
    head = "select r.agency_id, r.agency, r.province, r.year, r.id"
    for row in con.execute(f"{head}, 'active_disclosure', t.item, t.metric, t.value, t.unit "
                           "from active_disclosure t join reports r on r.id = t.report_id order by r.id, t.item, t.metric"):
        yield row
    cols = ", ".join(f"t.[{c}]" for c in APPLICANT_COLUMNS)
    for row in con.execute(f"{head}, t.row, {cols} from applications t join reports r on r.id = t.report_id "
                           "order by r.id, t.position"):
        base = row[:5]
        for c, v in zip(APPLICANT_COLUMNS, row[6:]):
            yield (*base, "applications", row[5], c, v, None)
    keys = [review_column(k) for k in REVIEW_KEYS]
    cols = ", ".join(f"t.[{c}]" for c in keys)
    for row in con.execute(f"{head}, {cols} from reviews_litigation t join reports r on r.id = t.report_id order by r.id"):
        for k, v in zip(REVIEW_KEYS, row[5:]):
            group, result = k.split(".", 1)
            yield (*row[:5], "reviews_litigation", group, result, v, None)


def export(db: str | Path, out: str | Path, *, province: str | None = None, year: int | None = None) -> dict:
    """Write the export zip (through a .part file, renamed when complete); returns the manifest."""
    db, out = Path(db), Path(out)
    copy = _filtered_copy(db, province, year)
    manifest = {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "source": db.name, "filters": {"province": province, "year": year}, "files": {}}
    files = manifest["files"]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(out.suffix + ".part")
    con = sqlite3.connect(copy)
    try:
        with zipfile.ZipFile(tmp_out, "w", compression=zipfile.ZIP_DEFLATED) as z:
            names = {r[0] for r in con.execute("select name from sqlite_master where type in ('table', 'view')")}
            dictionary = []
            for table in TABLES:
                if table not in names:
                    continue
                columns = [r[1] for r in con.execute(f"pragma table_info([{table}])")
                           if r[1] not in SKIP_COLUMNS.get(table, set())]
                files[f"tables/{table}.csv"] = _write_csv(z, f"tables/{table}.csv", columns, con.execute(
                    f"select {', '.join(f'[{c}]' for c in columns)} from [{table}] order by rowid"))
                dictionary += [(f"tables/{table}.csv", c, *_describe(table, c)) for c in columns]
            files["values_long.csv"] = _write_csv(z, "values_long.csv", list(LONG_COLUMNS), long_rows(con))
            long_docs = {"table": ("表", "table", "", "active_disclosure (table 2), applications (table 3), "
                                   "reviews_litigation (table 4)"),
                         "row": ("行", "row", "", "table 2: item; table 3: row key; table 4: group"),
                         "column": ("列", "column", "", "table 2: metric; table 3: applicant column; table 4: result")}
            dictionary += [("values_long.csv", c, *(long_docs.get(c) or _describe("values_long", c)))
                           for c in LONG_COLUMNS]
            for ind in indicators.INDICATORS.values():
                dictionary.append(("indicator", ind.key, ind.zh, ind.en, ind.unit, ind.basis))
            for key, (zh, en, _, spec) in indicators.FIGURES.items():
                dictionary.append(("yoy figure", key, zh, en, "count",
                                   f"{spec} of the report (total column); not derived"))
            for key, (zh, en, formula) in indicators.RATIOS.items():
                dictionary.append(("yoy figure", key, zh, en, "share 0-1", f"derived: {formula}"))
            files["data_dictionary.csv"] = _write_csv(
                z, "data_dictionary.csv", ["file", "column", "label_zh", "label_en", "unit", "meaning"], dictionary)
            con.close()
            sha = hashlib.sha256()
            with open(copy, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    sha.update(chunk)
            z.write(copy, "reports.db")
            files["reports.db"] = {"rows": None, "bytes": copy.stat().st_size, "sha256": sha.hexdigest()}
            z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        tmp_out.replace(out)
    finally:
        con.close()
        tmp_out.unlink(missing_ok=True)
        copy.unlink(missing_ok=True)
        copy.parent.rmdir()
    return manifest
