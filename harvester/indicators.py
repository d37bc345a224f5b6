"""Compliance indicators, coverage and year-over-year figures, computed from a harvest (issue 15).

What supervisors and transparency indexes code by hand, reading reports one by one, computed
from what the store already holds and written back as three tables, each row saying how it
was computed (`basis`), so that a number in Datasette or in an export explains itself:

- `indicators` (report_id, indicator, value, detail, basis): timeliness, completeness,
  consistency (the stored 勾稽 failures and the carried-over chain with the previous year),
  reused prose (from the agency's previous report and from other agencies' reports of the same
  year, closest source named), and changes after publishing (versions).
- `coverage` (agency_id, year, status, report_id, basis): published, not_found, not_crawled or
  unreadable, for every agency and year the harvest is answerable for: the absence of a report
  is itself the most important fact for a supervisor.
- `yoy` (agency_id, year, figure, value, previous, change, numerator, denominator, derived,
  basis): key table-3 and table-4 figures per agency and year with the change from the year
  before; ratios keep their bases (numerator, denominator) and are marked derived.

Computed by `harvester indicators` and at the end of every crawl (after the store is written
and before the database is prepared for browsing): the tables are derived facts, rebuilt whole
from the stored reports each time, so they never disagree with the data they describe. Values
are never invented: a figure whose cells are blank is NULL, a ratio without a base is NULL.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlite_utils

from harvester import neardup
from harvester.store import APPLICANT_COLUMNS, REVIEW_KEYS, Store, review_column

# The statutory deadline: 31 January of the year after the one reported on (条例 第五十条, as
# revised in 2019); reports on 2018 and before fell under the 2008 条例 (第三十一条): 31 March.
DEADLINE = (1, 31)
DEADLINE_BEFORE_2019 = (3, 31)
SECTIONS = ("overview", "active_disclosure", "applications", "reviews_litigation", "problems", "other_matters")
PROSE_SECTIONS = ("overview", "problems", "other_matters")
TABLES = ("active_disclosure", "applications", "reviews_litigation")
FIRST_TEMPLATE_YEAR = 2019  # reports before 2019 had no national tables (report-format.md)
REUSE_FLAG = 0.95  # nearly verbatim: generic template wording alone stays below (measured on the sandbox: <= 0.89)
MIN_PROSE = 200  # shingles: a shorter prose (a legacy report's few lines) proves nothing either way
PEER_CANDIDATE_JACCARD = 0.3  # MinHash LSH bar for other agencies' reports worth comparing exactly
PEER_TOP_K = 25  # at most this many candidates (the most similar by MinHash estimate) are counted exactly


@dataclass(frozen=True)
class Indicator:
    key: str
    zh: str
    en: str
    unit: str
    basis: str


INDICATORS = {i.key: i for i in [
    Indicator("first_published", "首次发布日期", "first published", "date (YYYY-MM-DD, as text in detail)",
              "the earliest publish date among the report's versions (report_versions.published), else "
              "reports.published; NULL when no page showed a date"),
    Indicator("on_time", "按时发布", "published on time", "1 = yes, 0 = no",
              "first published on or before 31 January of the year after the year reported on "
              "(政府信息公开条例 第五十条; 31 March for reports on 2018 and before, 2008 条例 第三十一条); "
              "NULL when no publish date is known"),
    Indicator("days_late", "逾期天数", "days late", "days",
              "days from the deadline (31 January of the following year; 31 March before 2019) to the first "
              "publish date, 0 when on time; "
              "NULL when no publish date is known"),
    Indicator("sections_present", "六部分齐全数", "sections present", "of 6",
              "headings found of the six sections (总体情况, 主动公开, 依申请公开, 复议诉讼, 问题及改进, "
              "其他事项): a prose section counts when its text was found (reports.overview/problems/"
              "other_matters), a table section when its table was read; detail lists the missing ones"),
    Indicator("tables_present", "统计表齐全数", "tables present", "of 3",
              "tables 2, 3 and 4 read from the page (rows stored in active_disclosure, applications, "
              "reviews_litigation); a table only as an image or attachment is absent"),
    Indicator("blank_cells", "空白单元格数", "blank cells", "cells",
              "cells of the tables read that are blank (NULL: empty, '/', '—', '无'), counted apart from zeros"),
    Indicator("zero_cells", "零值单元格数", "zero cells", "cells", "cells of the tables read that print 0"),
    Indicator("filled_cells", "有数值单元格数", "cells with a value", "cells",
              "cells of the tables read that print a number (zeros included)"),
    Indicator("blank_tables", "整表空白数", "tables left blank", "tables",
              "tables read in which every cell is blank; detail names them"),
    Indicator("check_failures", "勾稽关系不符数", "failed 勾稽 checks", "failures",
              "failures of the checks within the report as stored in check_failures (received_balance, "
              "results_sum, row_total, table4_total; report-format.md); detail names them"),
    Indicator("carried_chain", "上年结转衔接", "carried-over chain", "1 = holds, 0 = broken",
              "this report's carried_over (table 3 row 二) equals the same agency's previous-year report's "
              "carried_forward (row 四), column by column where both cells are printed; NULL when there is "
              "no previous-year report or no table 3; detail lists the columns that differ"),
    Indicator("reused_from_previous", "沿用上年文字比例", "prose reused from own previous report", "share 0-1",
              "share of this report's prose (sections 一, 五, 六; 5-character shingles after harvester.neardup."
              "normalize_text) also found in the same agency's previous-year report; NULL without one, or when "
              f"either prose is shorter than {MIN_PROSE} shingles"),
    Indicator("reused_from_peers", "与他机关同年文字重合比例", "prose shared with another agency's report",
              "share 0-1",
              "the largest share of this report's prose shingles found in one other agency's report of the "
              "same year published on or before it (candidates from MinHash LSH over the prose, the "
              f"{PEER_TOP_K} most similar by MinHash estimate counted exactly); detail names the closest source; NULL when no candidate or a prose shorter than "
              f"{MIN_PROSE} shingles"),
    Indicator("reuses_prose", "文字沿用", "prose reused", "1 = yes, 0 = no",
              f"1 when either reused share is at least {REUSE_FLAG}; detail says from which source"),
    Indicator("versions", "版本数", "versions", "versions",
              "versions of the report stored (report_versions): a corrected re-post is a new version"),
    Indicator("changed_after_publishing", "发布后修改", "changed after publishing", "1 = yes, 0 = no",
              "1 when a later version changed the tables; detail: each version's date and the cells changed"),
]}

# Year-over-year figures: table 3 rows (the total column) and table 4 groups.
FIGURES = {
    "new_received": ("本年新收申请数", "new requests received", "applications", "new_received"),
    "carried_over": ("上年结转申请数", "requests carried over", "applications", "carried_over"),
    "handled": ("本年办理结果总计", "requests decided (total)", "applications", "total"),
    "carried_forward": ("结转下年度继续办理", "requests carried forward", "applications", "carried_forward"),
    "granted": ("予以公开", "granted", "applications", "granted"),
    "partially_granted": ("部分公开", "partially granted", "applications", "partially_granted"),
    "denied": ("不予公开(合计)", "denied (all grounds)", "applications", "denied.%"),
    "review_total": ("行政复议总计", "administrative reviews", "reviews_litigation", "review_total"),
    "review_corrected": ("行政复议结果纠正", "reviews corrected", "reviews_litigation", "review_corrected"),
    "suit_total": ("行政诉讼总计", "lawsuits (direct and after review)", "reviews_litigation",
                   "suit_direct_total+suit_after_review_total"),
    "suit_corrected": ("行政诉讼结果纠正", "lawsuits corrected", "reviews_litigation",
                       "suit_direct_corrected+suit_after_review_corrected"),
}
RATIOS = {
    "disclosure_rate": ("公开率", "share of decided requests disclosed (fully or partly)",
                        "(granted + partially_granted) / handled"),
    "refusal_rate": ("不予公开率", "share of decided requests denied", "denied / handled"),
    "review_correction_rate": ("复议纠错率", "share of decided reviews corrected",
                               "review_corrected / (review_total - review pending)"),
    "suit_correction_rate": ("诉讼纠错率", "share of decided lawsuits corrected",
                             "suit_corrected / (suit_total - suits pending)"),
}

COVERAGE_STATUS = {
    "published": "a report on the year was harvested and read",
    "unreadable": "a report was found but none of its tables could be read (parse_status no_tables or failed)",
    "not_found": "the agency's portal was crawled to the end and no report on the year was found",
    "not_crawled": "no crawl of the agency's portal has finished with the portal answering: nothing is known",
}

SCHEMA = {
    "indicators": ({"report_id": str, "agency_id": str, "year": int, "indicator": str, "value": float,
                    "detail": str, "basis": str},
                   {"pk": ("report_id", "indicator")}),
    "coverage": ({"agency_id": str, "agency": str, "province": str, "level": str, "year": int, "status": str,
                  "report_id": str, "basis": str},
                 {"pk": ("agency_id", "year")}),
    "yoy": ({"agency_id": str, "agency": str, "year": int, "figure": str, "report_id": str, "value": float,
             "previous": float, "change": float, "numerator": float, "denominator": float, "derived": int,
             "basis": str},
            {"pk": ("agency_id", "year", "figure")}),
}


# --- helpers ----------------------------------------------------------------------------------
def deadline(year: int) -> dt.date:
    return dt.date(year + 1, *(DEADLINE if year >= 2019 else DEADLINE_BEFORE_2019))


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def prose_of(report: dict) -> str:
    return "\n".join(report.get(k) or "" for k in PROSE_SECTIONS)


def containment(mine: np.ndarray, theirs: np.ndarray) -> float | None:
    """Share of `mine` found in `theirs`; None when `mine` is empty."""
    if not len(mine):
        return None
    return float(len(np.intersect1d(mine, theirs, assume_unique=True)) / len(mine))


# --- computation --------------------------------------------------------------------------------
def compute(db: str | Path | sqlite_utils.Database) -> dict:
    """Rebuild the indicators, coverage and yoy tables of a harvest; returns their row counts.

    Memory follows a batch of agencies, not the harvest: the table rows (two million cells on a
    national harvest) are read for AGENCY_BATCH agencies at a time, and the rows made are
    written as they come. Whole-harvest state is one small row per report, its prose's shingle
    hashes and MinHash (a few KB), and its versions' dates."""
    store = None
    if isinstance(db, sqlite_utils.Database):
        database = db
    else:
        store = Store(db)
        database = store.db
    try:
        conn = database.conn
        reports = [dict(r) for r in database.query(
            "select r.id, r.agency_id, r.agency, r.province, r.year, r.format, r.parse_status, r.published, "
            "r.site_id, coalesce(a.level, a.kind, r.level) level "
            "from reports r left join agencies a on a.id = r.agency_id where r.year is not null")]
        by_id = {r["id"]: r for r in reports}
        versions: dict[str, list[dict]] = {}
        for v in database.query("select report_id, version, published, changes, first_seen from report_versions "
                                "order by report_id, version"):
            if v["report_id"] in by_id:
                versions.setdefault(v["report_id"], []).append(dict(v))
        # the prose, read once: which sections are written, shingle hashes, a MinHash for peers
        written: dict[str, frozenset] = {}
        prose: dict[str, np.ndarray] = {}
        signatures: dict[str, np.ndarray] = {}
        empty = np.empty(0, dtype=np.uint32)
        for row in database.query(f"select id, {', '.join(PROSE_SECTIONS)} from reports where year is not null"):
            rid = row["id"]
            written[rid] = frozenset(k for k in PROSE_SECTIONS if (row[k] or "").strip())
            norm = neardup.normalize_text(prose_of(row))
            hashes = neardup.shingle_hashes(norm) if norm else empty
            prose[rid] = hashes if len(hashes) >= MIN_PROSE else empty
            if len(prose[rid]):
                signatures[rid] = neardup.minhash(norm, 64)
        peers = _peer_sources(reports, prose, signatures, versions)
        signatures.clear()
        by_agency_year = {(r["agency_id"], r["year"]): r for r in reports if r["agency_id"]}

        with conn:
            for name, (columns, options) in SCHEMA.items():
                database[name].drop(ignore=True)
                database[name].create(columns, **options)
            counts = {name: 0 for name in SCHEMA}

            def write(name: str, table_rows: list[dict]):
                columns = list(SCHEMA[name][0])  # plain executemany: sqlite-utils' per-row work was half the time
                conn.executemany(f"insert into [{name}] ({', '.join(f'[{c}]' for c in columns)}) "
                                 f"values ({', '.join('?' for _ in columns)})",
                                 (tuple(row.get(c) for c in columns) for row in table_rows))
                counts[name] += len(table_rows)

            # an agency's reports stay in one batch: the previous year's report is at hand
            ordered = sorted(reports, key=lambda r: (r["agency_id"] or "\uffff", r["id"]))
            batch: list[dict] = []
            agencies: set = set()
            for n, rep in enumerate(ordered):
                batch.append(rep)
                agencies.add(rep["agency_id"] or rep["id"])
                following = ordered[n + 1] if n + 1 < len(ordered) else None
                if following is None or (len(agencies) >= AGENCY_BATCH and (
                        following["agency_id"] or following["id"]) not in agencies):
                    tables = _tables_of(database, [r["id"] for r in batch])
                    write("indicators", _report_indicators(batch, tables, versions, written, prose, peers,
                                                           by_agency_year, by_id))
                    write("yoy", _yoy(batch, tables["applications"], tables["reviews"]))
                    batch, agencies = [], set()
            write("coverage", _coverage(database, reports))
            database["indicators"].create_index(["indicator", "value"], if_not_exists=True)
            database["indicators"].create_index(["agency_id", "year"], if_not_exists=True)
            database["yoy"].create_index(["agency_id", "year"], if_not_exists=True)
            database["coverage"].create_index(["province", "level", "year"], if_not_exists=True)
            from harvester.datasette.indicator_view import VIEWS

            for name, sql in VIEWS.items():  # what the Datasette pages read (one row per report)
                database.execute(f"drop view if exists [{name}]")
                database.execute(f"create view [{name}] as {sql}")
        return {"indicators": counts["indicators"], "coverage": counts["coverage"], "yoy": counts["yoy"],
                "reports": len(reports)}
    finally:
        if store is not None:
            store.close()


# Agencies whose table rows are read at once (a department has ~5 reports of ~25 table rows).
AGENCY_BATCH = 500


def _tables_of(database, ids: list[str]) -> dict:
    """The table rows and check failures of these reports, by report id."""
    apps: dict[str, dict[str, dict]] = {}
    reviews: dict[str, dict] = {}
    active: dict[str, list] = {}
    failures: dict[str, list] = {}
    for start in range(0, len(ids), 500):  # SQLite's bound on parameters of one statement
        part = ids[start:start + 500]
        marks = ", ".join("?" for _ in part)
        for row in database.query(f"select * from applications where report_id in ({marks})", part):
            apps.setdefault(row["report_id"], {})[row["row"]] = dict(row)
        for row in database.query(f"select * from reviews_litigation where report_id in ({marks})", part):
            reviews[row["report_id"]] = dict(row)
        for row in database.query(f"select report_id, value from active_disclosure where report_id in ({marks})",
                                  part):
            active.setdefault(row["report_id"], []).append(row["value"])
        for row in database.query(f"select report_id, [check], [column] from check_failures "
                                  f"where report_id in ({marks})", part):
            failures.setdefault(row["report_id"], []).append(f"{row['check']}:{row['column']}")
    return {"applications": apps, "reviews": reviews, "active": active, "failures": failures}


def _report_indicators(batch, tables, versions, written, prose, peers, by_agency_year, by_id) -> list[dict]:
    """The indicator rows of a batch of reports (whole agencies: see compute)."""
    apps, reviews, active, failures = (tables[k] for k in ("applications", "reviews", "active", "failures"))
    out: list[dict] = []

    def put(rep, key, value, detail=None):
        out.append({"report_id": rep["id"], "agency_id": rep["agency_id"], "year": rep["year"],
                    "indicator": key, "value": value,
                    "detail": detail if detail is None or isinstance(detail, str)
                    else json.dumps(detail, ensure_ascii=False),
                    "basis": INDICATORS[key].basis})

    for rep in batch:
        rid = rep["id"]
        vs = versions.get(rid, [])
        first = min((v["published"] for v in vs if v["published"]), default=None) or rep["published"]
        published = _date(first)
        put(rep, "first_published", None, first)
        if published:
            late = (published - deadline(rep["year"])).days
            put(rep, "on_time", float(late <= 0), f"first published {published}, deadline {deadline(rep['year'])}")
            put(rep, "days_late", float(max(0, late)))
        else:
            put(rep, "on_time", None, "no publish date shown")
            put(rep, "days_late", None, "no publish date shown")
        _completeness(rep, written.get(rid, frozenset()), apps.get(rid), reviews.get(rid), active.get(rid), put)
        fails = failures.get(rid, [])
        put(rep, "check_failures", float(len(fails)) if rep["format"] not in (None, "legacy") else None,
            fails or None)
        prev = by_agency_year.get((rep["agency_id"], rep["year"] - 1)) if rep["agency_id"] else None
        _chain(rep, prev, apps, put)
        own = containment(prose[rid], prose[prev["id"]]) if prev and len(prose[prev["id"]]) else None
        put(rep, "reused_from_previous", own, {"source": prev["id"], "year": prev["year"]} if prev else None)
        peer = peers.get(rid)
        put(rep, "reused_from_peers", peer[1] if peer else None,
            {"source": peer[0], "agency": by_id[peer[0]]["agency"]} if peer else None)
        flags = []
        if own is not None and own >= REUSE_FLAG:
            flags.append({"from": "previous", "source": prev["id"], "share": round(own, 3)})
        if peer and peer[1] >= REUSE_FLAG:
            flags.append({"from": "peer", "source": peer[0], "agency": by_id[peer[0]]["agency"],
                          "share": round(peer[1], 3)})
        put(rep, "reuses_prose", float(bool(flags)) if len(prose[rid]) else None, flags or None)
        put(rep, "versions", float(len(vs)) if vs else None)
        changed = [v for v in vs[1:] if json.loads(v["changes"] or "[]")]
        put(rep, "changed_after_publishing", float(bool(changed)) if vs else None,
            [{"version": v["version"], "published": v["published"], "first_seen": v["first_seen"],
              "changes": json.loads(v["changes"] or "[]")} for v in vs] if len(vs) > 1 else None)
    return out


def _completeness(rep, written, app_rows, review_row, active_values, put):
    if rep["format"] in (None, "legacy"):
        for key in ("sections_present", "tables_present", "blank_cells", "zero_cells", "filled_cells",
                    "blank_tables"):
            put(rep, key, None, "no national template (legacy report or no table read)")
        return
    tables = {"active_disclosure": active_values or None,
              "applications": [row[c] for row in (app_rows or {}).values() for c in APPLICANT_COLUMNS] or None,
              "reviews_litigation": [review_row[review_column(k)] for k in REVIEW_KEYS] if review_row else None}
    present = {k: v is not None for k, v in tables.items()}
    sections = {k: k in written for k in PROSE_SECTIONS}
    sections.update(present)
    missing = [k for k in SECTIONS if not sections[k]]
    put(rep, "sections_present", float(6 - len(missing)), missing or None)
    put(rep, "tables_present", float(sum(present.values())), [k for k in TABLES if not present[k]] or None)
    cells = [v for vals in tables.values() if vals for v in vals]
    put(rep, "blank_cells", float(sum(v is None for v in cells)))
    put(rep, "zero_cells", float(sum(v == 0 for v in cells if v is not None)))
    put(rep, "filled_cells", float(sum(v is not None for v in cells)))
    blank = [k for k, vals in tables.items() if vals and all(v is None for v in vals)]
    put(rep, "blank_tables", float(len(blank)), blank or None)


def _chain(rep, prev, apps, put):
    mine = (apps.get(rep["id"]) or {}).get("carried_over")
    before = (apps.get(prev["id"]) or {}).get("carried_forward") if prev else None
    if not mine or not before:
        put(rep, "carried_chain", None, "no previous-year report" if not prev else "no table 3 on one side")
        return
    compared = [c for c in APPLICANT_COLUMNS if mine[c] is not None and before[c] is not None]
    breaks = [{"column": c, "previous_carried_forward": before[c], "carried_over": mine[c]}
              for c in compared if mine[c] != before[c]]
    if not compared:
        put(rep, "carried_chain", None, "no cell printed on both sides")
        return
    put(rep, "carried_chain", float(not breaks),
        {"previous": prev["id"], "breaks": breaks} if breaks else {"previous": prev["id"]})


def _peer_sources(reports, prose, signatures, versions) -> dict[str, tuple[str, float]]:
    """{report id: (closest other agency's report of the same year, share)}: candidates from a
    MinHash LSH over the prose of each year's reports, the PEER_TOP_K most similar of them by
    MinHash estimate counted exactly (template prose makes thousands of candidates nationally)."""

    def first_date(r):
        vs = versions.get(r["id"], [])
        return min((v["published"] for v in vs if v["published"]), default=None) or r["published"]

    out = {}
    by_year: dict[int, list[dict]] = {}
    for r in reports:
        if len(prose[r["id"]]):
            by_year.setdefault(r["year"], []).append(r)
    for year, group in by_year.items():
        matrix = np.stack([signatures[r["id"]] for r in group])
        candidates = _lsh_candidates(matrix)
        # as integer arrays, so that thousands of candidates are filtered at once
        day = np.array([(_date(first_date(r)) or dt.date.min).toordinal() for r in group], dtype=np.int64)
        day[day == dt.date.min.toordinal()] = -1
        names = {}
        agency = np.array([names.setdefault(r["agency_id"] or r["agency"], len(names)) for r in group])
        for i, r in enumerate(group):
            cands = candidates(i)
            later = (day[cands] > day[i]) & (day[i] >= 0) & (day[cands] >= 0)  # a source is published first
            keep = cands[(cands != i) & (agency[cands] != agency[i]) & ~later]
            if not len(keep):
                continue
            if len(keep) > PEER_TOP_K:
                estimate = (matrix[keep] == matrix[i]).mean(axis=1)
                keep = keep[np.argsort(-estimate, kind="stable")[:PEER_TOP_K]]
            best = None
            for j in keep:
                share = containment(prose[r["id"]], prose[group[j]["id"]])
                if share is not None and (best is None or (share, group[j]["id"]) > (best[1], best[0])):
                    best = (group[j]["id"], share)
            if best:
                out[r["id"]] = best
    return out


def _lsh_candidates(matrix: np.ndarray):
    """MinHash LSH over the rows of `matrix` (MinHashes), banded as datasketch's MinHashLSH
    bands them for PEER_CANDIDATE_JACCARD: candidates(i) is the sorted array of rows sharing a
    band with row i, the rows datasketch's query would answer. The buckets are built with numpy
    at once, not a Python set per query: template prose puts thousands of reports in one bucket,
    and datasketch's per-query set of keys made the national harvest's indicators take minutes.
    Rows come in their order, so ties among estimates are broken the same way on every run."""
    from datasketch import MinHashLSH

    ranges = MinHashLSH(threshold=PEER_CANDIDATE_JACCARD, num_perm=matrix.shape[1]).hashranges
    bands = []
    for start, end in ranges:
        keys = np.ascontiguousarray(matrix[:, start:end]).view(np.dtype((np.void, 4 * (end - start)))).ravel()
        _, bucket = np.unique(keys, return_inverse=True)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(bucket.max() + 2))
        bands.append((bucket, order, bounds))

    # the union of row i's buckets, marked in one array rather than sorted out of their
    # concatenation (np.unique sorted up to bands × bucket size numbers per row: half the time of
    # the indicators on a national harvest); the same sorted rows come out
    marked = np.zeros(len(matrix), dtype=bool)

    def candidates(i: int) -> np.ndarray:
        for b, order, bounds in bands:
            marked[order[bounds[b[i]]:bounds[b[i] + 1]]] = True
        rows = np.flatnonzero(marked)
        marked[rows] = False
        return rows

    return candidates


def _coverage(database, reports) -> list[dict]:
    years = [r["year"] for r in reports if r["year"] >= FIRST_TEMPLATE_YEAR]
    if not years:
        return []
    last = max(years)
    crawled_sites = {r["site_id"] for r in database.query(
        "select distinct site_id from crawl_sites where status = 'finished' and coalesce(answered, 0) > 0")}
    # Where an agency publishes: a government on its own portal (the registry row of its code:
    # a report re-posted on the parent's portal does not make its own portal crawled); a body
    # found on a government's portal (a department, a town) on the portal(s) it was found on.
    own: dict[str, set] = {}
    for s in database.query("select id, code from sites where code is not null and code != ''"):
        own.setdefault(s["code"], set()).add(s["id"])
    found_on: dict[str, set] = {}
    for r in reports:
        if r["agency_id"]:
            found_on.setdefault(r["agency_id"], set()).add(r["site_id"])
    have: dict[tuple, dict] = {}
    for r in reports:
        key = (r["agency_id"], r["year"])
        if r["agency_id"] and (key not in have or have[key]["parse_status"] in ("no_tables", "failed")):
            have[key] = r
    years_of: dict[str, list[int]] = {}
    for aid, y in have:
        years_of.setdefault(aid, []).append(y)
    out = []
    for a in database.query("select id, name, kind, level, province from agencies"):
        mine = years_of.get(a["id"], [])
        start = FIRST_TEMPLATE_YEAR if a["kind"] == "government" else max(FIRST_TEMPLATE_YEAR, min(mine, default=last))
        portals = own.get(a["id"], set()) if a["kind"] == "government" else \
            own.get(a["id"], set()) | found_on.get(a["id"], set())
        crawled = bool(portals & crawled_sites)
        for year in range(start, last + 1):
            r = have.get((a["id"], year))
            if r is not None:
                status = "unreadable" if r["parse_status"] in ("no_tables", "failed") and r["format"] != "legacy" \
                    else "published"
            else:
                status = "not_found" if crawled else "not_crawled"
            out.append({"agency_id": a["id"], "agency": a["name"], "province": a["province"],
                        "level": a["level"] or a["kind"], "year": year, "status": status,
                        "report_id": r["id"] if r else None, "basis": COVERAGE_STATUS[status]})
    return out


def _figure(key, app_rows, review_row):
    _, _, table, spec = FIGURES[key]
    if table == "applications":
        if not app_rows:
            return None
        if spec.endswith("%"):
            vals = [row["total"] for k, row in app_rows.items() if k.startswith(spec[:-1])]
            return None if not vals or any(v is None for v in vals) else float(sum(vals))
        row = app_rows.get(spec)
        return None if row is None or row["total"] is None else float(row["total"])
    if not review_row:
        return None
    vals = [review_row[c] for c in spec.split("+")]
    return None if any(v is None for v in vals) else float(sum(vals))


def _yoy(reports, apps, reviews) -> list[dict]:
    out = []
    series: dict[str, dict[int, dict]] = {}
    for r in reports:
        if not r["agency_id"] or r["format"] in (None, "legacy"):
            continue
        a, rv = apps.get(r["id"]), reviews.get(r["id"])
        vals = {k: _figure(k, a, rv) for k in FIGURES}
        pending = {"review": rv and rv["review_pending"],
                   "suit": rv and (None if rv["suit_direct_pending"] is None or rv["suit_after_review_pending"] is None
                                   else rv["suit_direct_pending"] + rv["suit_after_review_pending"])}
        series.setdefault(r["agency_id"], {})[r["year"]] = {"report": r, "values": vals, "pending": pending}
    for agency_id, years in series.items():
        for year, cur in sorted(years.items()):
            before = years.get(year - 1)
            r, v = cur["report"], cur["values"]
            ratios = _ratios(v, cur["pending"])
            prev_ratios = _ratios(before["values"], before["pending"]) if before else {}
            for key, (zh, en, _, spec) in FIGURES.items():
                prev = before["values"][key] if before else None
                out.append(_yoy_row(r, key, v[key], prev, None, None, 0,
                                    f"table {'3' if FIGURES[key][2] == 'applications' else '4'}: {spec} "
                                    f"(total column); change = value - previous year's value"))
            for key, (num, den) in ratios.items():
                prev = prev_ratios.get(key, (None, None))
                value = num / den if num is not None and den else None
                prev_value = prev[0] / prev[1] if prev[0] is not None and prev[1] else None
                out.append(_yoy_row(r, key, value, prev_value, num, den, 1,
                                    f"derived: {RATIOS[key][2]}; NULL when the base is 0 or blank"))
    return out


def _ratios(v, pending) -> dict[str, tuple]:
    def sub(a, b):
        return None if a is None or b is None else a - b

    def add(a, b):
        return None if a is None or b is None else a + b

    return {
        "disclosure_rate": (add(v["granted"], v["partially_granted"]), v["handled"]),
        "refusal_rate": (v["denied"], v["handled"]),
        "review_correction_rate": (v["review_corrected"], sub(v["review_total"], pending["review"])),
        "suit_correction_rate": (v["suit_corrected"], sub(v["suit_total"], pending["suit"])),
    }


def _yoy_row(r, figure, value, previous, numerator, denominator, derived, basis):
    return {"agency_id": r["agency_id"], "agency": r["agency"], "year": r["year"], "figure": figure,
            "report_id": r["id"], "value": value, "previous": previous,
            "change": value - previous if value is not None and previous is not None else None,
            "numerator": numerator, "denominator": denominator, "derived": derived, "basis": basis}


def summary(db: str | Path) -> dict:
    """Counts a reader wants after `harvester indicators`: flagged reports and coverage by status."""
    database = sqlite_utils.Database(db)
    try:
        flags = {row["indicator"]: row["n"] for row in database.query(
            "select indicator, count(*) n from indicators where (indicator in ('on_time', 'carried_chain') "
            "and value = 0) or (indicator in ('reuses_prose', 'changed_after_publishing') and value = 1) "
            "or (indicator in ('blank_tables', 'check_failures') and value > 0) "
            "or (indicator = 'sections_present' and value < 6) group by indicator")}
        coverage = {row["status"]: row["n"] for row in database.query(
            "select status, count(*) n from coverage group by status")}
        return {"flagged": flags, "coverage": coverage}
    finally:
        database.close()
