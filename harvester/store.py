"""The SQLite store: the schema in one place and every write, through sqlite-utils.

Why one module: the pipelines, the CLI and the tests all need the same tables; keeping the
schema as code here means a change to it is one diff, and every write is an upsert on a
stable key, so re-running a crawl never adds duplicate rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import jsonify_if_needed

from harvester.items import utcnow
from harvester.report.labels import COLUMNS, T4_KEYS

# Table 3 columns and table 4 keys, in the official order: the parser's label maps are the one
# place that defines the template's keys (report-format.md).
APPLICANT_COLUMNS = COLUMNS
REVIEW_KEYS = T4_KEYS


def review_column(key: str) -> str:
    return key.replace(".", "_")


SCHEMA = {
    "sites": (
        {
            "id": str, "code": str, "agency": str, "level": str, "parent": str, "province": str,
            "homepage": str, "alt_homepage": str, "columns": str, "family": str, "spider": str, "verified": int,
            "source": str,
        },
        {"pk": "id"},
    ),
    # Who reports: every government of the registry (id = its division code) and every body
    # found reporting on a government's portal (id = that code + a key of its name).
    "agencies": (
        {"id": str, "name": str, "kind": str, "level": str, "parent_code": str, "province": str,
         "first_seen": str, "last_seen": str},
        {"pk": "id"},
    ),
    "reports": (
        {
            "id": str, "site_id": str, "agency_id": str, "agency": str, "province": str, "level": str, "year": int,
            "title": str, "title_composed": int, "url": str, "published": str, "format": str, "parse_status": str,
            "parse_reason": str, "check_status": str, "balanced": int, "mirrored_copy_in_page": int,
            "overview": str, "problems": str, "other_matters": str, "text": str,
            "content_hash": str, "page_hash": str, "version": int, "sources": int,
            "first_seen": str, "last_seen": str,
            # where the tables were read from (a page, or a file: pipelines/files.py) and how:
            # source_format html/pdf/docx/doc/xlsx/...; read_by text/converted/ocr; the file's
            # URL and its raw bytes' hash; OCR confidences {cell path: 0-100} as JSON
            "source_format": str, "read_by": str, "needs_review": int, "ocr_cells": str,
            "tables_from": str, "tables_page": str,
        },
        {"pk": "id", "foreign_keys": [("site_id", "sites", "id")]},
    ),
    "report_sources": (
        {
            "url": str, "report_id": str, "site_id": str, "kind": str, "canonical": int,
            "content_hash": str, "page_hash": str, "published": str, "etag": str,
            "last_modified": str, "twins": str, "attachments": str, "first_seen": str, "last_seen": str,
            "last_checked": str,
        },
        {"pk": "url", "foreign_keys": [("report_id", "reports", "id")]},
    ),
    "report_versions": (
        {
            "report_id": str, "version": int, "content_hash": str, "page_hash": str, "url": str,
            "published": str, "values_json": str, "changes": str, "signature": bytes,
            "first_seen": str, "last_seen": str,
            # the run that first stored this version (a run continuing an interrupted one counts
            # as that one: Store.run_epoch); NULL when stored outside a run. Orders versions of
            # one publish date (VERSION_ORDER).
            "first_run": int,
        },
        {"pk": ("report_id", "version"), "foreign_keys": [("report_id", "reports", "id")]},
    ),
    "pages": (
        {"hash": str, "url": str, "content_type": str, "size": int, "body": bytes, "fetched_at": str},
        {"pk": "hash"},
    ),
    "active_disclosure": (
        {"report_id": str, "item": str, "metric": str, "value": float, "unit": str, "raw": str},
        {"pk": ("report_id", "item", "metric"), "foreign_keys": [("report_id", "reports", "id")]},
    ),
    "applications": (
        dict({"report_id": str, "row": str, "position": int}, **{c: int for c in APPLICANT_COLUMNS}, raw=str),
        {"pk": ("report_id", "row"), "foreign_keys": [("report_id", "reports", "id")]},
    ),
    "reviews_litigation": (
        dict({"report_id": str}, **{review_column(k): int for k in REVIEW_KEYS}, raw=str),
        {"pk": "report_id", "foreign_keys": [("report_id", "reports", "id")]},
    ),
    "check_failures": (
        {"report_id": str, "check": str, "column": str, "expected": float, "actual": float},
        {"pk": ("report_id", "check", "column"), "foreign_keys": [("report_id", "reports", "id")]},
    ),
    "non_reports": (
        {"url": str, "site_id": str, "title": str, "reason": str, "page_hash": str,
         "first_seen": str, "last_seen": str},
        {"pk": "url"},
    ),
    "fetch_errors": (
        {"url": str, "site_id": str, "status": int, "reason": str, "list_url": str, "title": str,
         "run_id": int, "first_seen": str, "last_seen": str},
        {"pk": "url"},
    ),
    "crawl_runs": (
        {"id": int, "started": str, "finished": str, "args": str, "status": str, "requests": int,
         "new_reports": int, "changed_reports": int, "unchanged_reports": int, "errors": int,
         "errors_by_kind": str, "stats": str},
        {"pk": "id"},
    ),
    "crawl_sites": (
        {"run_id": int, "site_id": str, "status": str, "reason": str, "requests": int, "answered": int,
         "browser_pages": int, "column_found": int, "report_pages": int, "reports": int, "errors": int,
         "finished": str},
        {"pk": ("run_id", "site_id"), "foreign_keys": [("run_id", "crawl_runs", "id")]},
    ),
    # What each list page of a site's columns showed (spiders/base.py, harvester.recheck.list_due):
    # an archive sub-column (an old year's list, a body's list with nothing due) is not walked
    # again until it is due. `entries` and `subcolumns` are JSON lists, gathered over runs.
    "crawl_lists": (
        {"site_id": str, "url": str, "year": int, "newest": str, "entries": str, "subcolumns": str,
         "walked": str},
        {"pk": ("site_id", "url")},
    ),
    # Each portal's robots.txt as last fetched (harvester.middlewares.CachedRobotsTxtMiddleware):
    # a run within HARVESTER_ROBOTS_MAX_AGE of the fetch obeys these rules without asking again.
    "robots": (
        {"origin": str, "url": str, "status": int, "body": bytes, "fetched": str},
        {"pk": "origin"},
    ),
}


# Lookups a run makes per site or per report: without them a national run scans whole tables.
INDEXES = [
    ("report_sources", ["site_id"]),
    ("report_sources", ["report_id"]),
    ("reports", ["site_id"]),
    ("reports", ["agency_id", "year"]),
    ("fetch_errors", ["run_id"]),
    ("non_reports", ["site_id"]),
]

# Which of a report's sources is canonical, in order: a copy of the current version; the
# agency's own portal before a re-post elsewhere; the HTML page before its twins, print views,
# other addresses and attachments; the earliest published; then the shortest URL.
CANONICAL_RULE = "current version > own portal > HTML page > earliest published > shortest URL"

# How a report's versions are numbered (1, 2, ...): by publication, never by the order a run met
# the copies, so that a fleet, a loaded machine or a resumed run numbers them as one unbroken
# process does. A version published later comes later; of one publish date (or none), the one a
# later run first stored comes later (a report revised in place, at its URL, keeps its date);
# two copies of one date met in the same run are ordered by their content hash (nothing tells
# which came first). The current version is the last in this order.
VERSION_ORDER = "published date (none first) > first run that stored it > content hash"


def version_key(version: dict) -> tuple:
    """A version's place among its report's versions (VERSION_ORDER)."""
    return (version.get("published") or "", version.get("first_run") or 0, version.get("content_hash") or "")


KIND_ORDER = {"page": 0, "print_view": 1, "mobile_twin": 2, "alias": 3, "attachment": 4}


def canonical_rank(source: dict, agency: str | None) -> tuple:
    own = bool(agency and source.get("site_agency") and (
        source["site_agency"] == agency or agency.endswith(source["site_agency"])
        or source["site_agency"].endswith(agency)))
    return (not own, KIND_ORDER.get(source["kind"], 4), source.get("published") or "9999",
            len(source["url"]), source["url"])


def changed_cells(old: dict | None, new: dict | None) -> list[dict]:
    """The cells that differ between two versions' tables: what a correction changed."""
    out = []
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        a, b = (old or {}).get(table) or {}, (new or {}).get(table) or {}
        for key in sorted(set(a) | set(b)):
            x, y = a.get(key), b.get(key)
            if isinstance(x, dict) or isinstance(y, dict):
                for sub in sorted(set(x or {}) | set(y or {})):
                    if (x or {}).get(sub) != (y or {}).get(sub):
                        out.append({"cell": f"{table}/{key}/{sub}", "old": (x or {}).get(sub), "new": (y or {}).get(sub)})
            elif x != y:
                out.append({"cell": f"{table}/{key}", "old": x, "new": y})
    return out


_PLAIN = frozenset((int, float, str, bytes, type(None)))  # values sqlite3 stores as they are


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Store:
    """A harvest database. Open with a path; tables are created on first use."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL sync: a killed process loses nothing committed (the OS holds the WAL);
        # only a power cut could lose the last commits. FULL would fsync every page stored.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self._columns: dict[str, set[str]] = {}  # table -> its column names, read once
        self.ensure_schema()

    # --- the hot writes as plain statements -----------------------------------------------------
    # A report page is written with ~20 statements instead of the 150 that sqlite-utils' generic
    # calls make (each asks again whether the table exists and what its columns are): the
    # store is the largest cost of a crawl's process. The schema stays sqlite-utils' (above).
    @contextlib.contextmanager
    def _writing(self):
        """Statements that commit on their own unless a transaction is open (then it decides),
        as sqlite-utils' own writes do."""
        conn = self.db.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.execute("COMMIT")

    def _table_columns(self, table: str, row: dict) -> None:
        """Make sure the table has the row's columns (added as sqlite-utils would, alter=True)."""
        have = self._columns.get(table)
        if have is None:
            have = self._columns[table] = {r[1] for r in self.db.conn.execute(f"pragma table_info([{table}])")}
        if not have.issuperset(row):
            self.db[table].add_missing_columns([row])
            self._columns.pop(table)

    def _one(self, sql: str, params=()) -> dict | None:
        cursor = self.db.conn.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else dict(zip([d[0] for d in cursor.description], row))

    def _insert(self, table: str, row: dict, verb: str = "insert"):
        self._table_columns(table, row)
        cols = ", ".join(f"[{c}]" for c in row)
        self.db.conn.execute(f"{verb} into [{table}] ({cols}) values ({', '.join('?' * len(row))})",
                             [jsonify_if_needed(v) for v in row.values()])

    def _insert_many(self, table: str, rows: list[dict], verb: str = "insert"):
        """Rows of one shape (the first row's columns), in one prepared statement."""
        if not rows:
            return
        self._table_columns(table, rows[0])
        keys = list(rows[0])
        cols = ", ".join(f"[{c}]" for c in keys)
        self.db.conn.executemany(f"{verb} into [{table}] ({cols}) values ({', '.join('?' * len(keys))})",
                                 [[v if type(v) in _PLAIN else jsonify_if_needed(v) for v in map(row.get, keys)]
                                  for row in rows])

    def _upsert(self, table: str, row: dict, pk: str, insert_only: tuple[str, ...] = ()):
        """Insert the row, or update the columns it has (those in `insert_only` are set on
        insert only): what sqlite-utils' upsert does, in one statement."""
        self._table_columns(table, row)
        cols = ", ".join(f"[{c}]" for c in row)
        update = ", ".join(f"[{c}] = excluded.[{c}]" for c in row if c != pk and c not in insert_only)
        self.db.conn.execute(
            f"insert into [{table}] ({cols}) values ({', '.join('?' * len(row))}) on conflict([{pk}]) do "
            + (f"update set {update}" if update else "nothing"), [jsonify_if_needed(v) for v in row.values()])

    def _update(self, table: str, pk: str, key, changes: dict):
        self._table_columns(table, changes)
        sets = ", ".join(f"[{c}] = ?" for c in changes)
        self.db.conn.execute(f"update [{table}] set {sets} where [{pk}] = ?",
                             [jsonify_if_needed(v) for v in changes.values()] + [key])

    def close(self):
        self.db.close()

    def ensure_schema(self):
        """Create missing tables and add missing columns: schema changes as code."""
        added: dict[str, list[str]] = {}
        for name, (columns, options) in SCHEMA.items():
            table = self.db[name]
            if not table.exists():
                table.create(columns, **options)
            else:
                have = set(table.columns_dict)
                for col, typ in columns.items():
                    if col not in have:
                        table.add_column(col, typ)
                        added.setdefault(name, []).append(col)
        for name, columns in INDEXES:
            self.db[name].create_index(columns, if_not_exists=True)
        if "first_run" in added.get("report_versions", ()):  # a harvest from before VERSION_ORDER
            self._number_old_versions()

    def _number_old_versions(self):
        """Versions stored before `first_run` existed: their run guessed from when they were first
        seen, and every report with several versions numbered by VERSION_ORDER."""
        conn = self.db.conn
        with self._writing():
            if self.db["crawl_runs"].exists():
                conn.execute("update report_versions set first_run = (select max(id) from crawl_runs "
                             "where started <= report_versions.first_seen) where first_run is null")
                for (run,) in conn.execute("select distinct first_run from report_versions "
                                           "where first_run is not null").fetchall():
                    if (epoch := self.run_epoch(run)) != run:  # a resumed run: the run it continues
                        conn.execute("update report_versions set first_run = ? where first_run = ?", [epoch, run])
            for (rid,) in conn.execute("select report_id from report_versions group by report_id "
                                       "having count(*) > 1").fetchall():
                rows = self._versions(rid)
                self._renumber(rid, rows)
                current = rows[-1]
                conn.execute("update reports set version = ? where id = ?", [current["version"], rid])

    # --- sites and runs -----------------------------------------------------------------------
    def upsert_sites(self, sites):
        """The registry rows a run crawls, and their governments as agencies."""
        self.db["sites"].upsert_all([s.as_row() for s in sites], pk="id", alter=True)
        self.db["agencies"].upsert_all(
            [{"id": s.code, "name": s.agency, "kind": "government", "level": s.level, "parent_code": s.parent,
              "province": s.province} for s in sites if s.code], pk="id")

    def save_agency(self, agency_id: str, name: str, kind: str, parent_code: str, province: str, seen: str):
        """A body found reporting (a department, a town): first name seen kept, last_seen moved."""
        with self._writing() as conn:
            if conn.execute("select 1 from agencies where id = ?", [agency_id]).fetchone():
                conn.execute("update agencies set last_seen = ?, first_seen = coalesce(first_seen, ?) where id = ?",
                             [seen, seen, agency_id])
                return
            self._insert("agencies", {"id": agency_id, "name": name, "kind": kind,
                                      "level": None if kind == "government" else kind, "parent_code": parent_code,
                                      "province": province, "first_seen": seen, "last_seen": seen})

    def discovered_columns(self) -> dict[str, tuple[list[str], str | None]]:
        """{site id: (columns, family)} of the sites whose columns a run found or knew."""
        if not self.db["sites"].exists():
            return {}
        return {r["id"]: (json.loads(r["columns"]), r["family"] or None)
                for r in self.db.query("select id, columns, family from sites where columns not in ('', '[]')")}

    def record_column(self, site_id: str, url: str, family: str | None = None):
        """A column found by discovery, and the CMS family seen there: kept on the site row (the
        registry file is updated after the run)."""
        row = self.db["sites"].get(site_id)
        columns = json.loads(row["columns"] or "[]")
        changes = {"columns": json.dumps(columns + [url], ensure_ascii=False)} if url not in columns else {}
        if family and row.get("family") in (None, "", "generic"):
            changes["family"] = family
        if changes:
            self.db["sites"].update(site_id, changes)

    def start_run(self, args: dict, site_ids: list[str]) -> int:
        table = self.db["crawl_runs"]
        table.insert({"started": utcnow(), "args": json.dumps(args, ensure_ascii=False), "status": "running"})
        run_id = table.last_pk
        self.db["crawl_sites"].insert_all(
            [{"run_id": run_id, "site_id": s, "status": "running"} for s in site_ids], pk=("run_id", "site_id"))
        return run_id

    def finish_site(self, run_id: int, site_id: str, status: str, **counts):
        self.db["crawl_sites"].upsert(dict(counts, run_id=run_id, site_id=site_id, status=status, finished=utcnow()),
                                      pk=("run_id", "site_id"))

    def run_epoch(self, run_id: int | None) -> int | None:
        """The run a run's versions count as first stored by (report_versions.first_run): the
        first of the interrupted runs it continues, or itself."""
        seen = set()
        while run_id and run_id not in seen:
            seen.add(run_id)
            row = self._one("select args from crawl_runs where id = ?", [run_id]) if self.db["crawl_runs"].exists() else None
            before = json.loads(row["args"] or "{}").get("continues") if row else None
            if not before:
                break
            run_id = before
        return run_id

    def unfinished_sites(self, site_ids: list[str]) -> list[str]:
        """Sites whose last run did not finish (killed, or stopped by an error): to be walked in full."""
        wanted = set(site_ids)
        return [r["site_id"] for r in self.db.query(
            "select site_id, status from crawl_sites c where run_id = "
            "(select max(run_id) from crawl_sites d where d.site_id = c.site_id)")
            if r["site_id"] in wanted and r["status"] != "finished"]

    def interrupted_run(self, args: dict) -> tuple[int, set[str]] | None:
        """The last run, if it was interrupted and had these arguments: (its id, the sites it
        finished). A new run with the same arguments continues it instead of starting over."""
        last = next(self.db.query("select id, args, status from crawl_runs order by id desc limit 1"), None)
        before = json.loads(last["args"] or "{}") if last else {}
        before.pop("continues", None)
        if not last or last["status"] != "interrupted" or before != args:
            return None
        done = {r["site_id"] for r in self.db.query(
            "select site_id from crawl_sites where run_id = ? and status != 'running'", [last["id"]])}
        return last["id"], done

    def close_stale_runs(self):
        """Runs still marked running while we hold the lock were killed: say so."""
        self.db.execute("update crawl_runs set status = 'interrupted' where status = 'running'")
        self.db.conn.commit()

    def finish_run(self, run_id: int, **fields):
        fields.setdefault("finished", utcnow())
        for key in ("stats", "errors_by_kind"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = json.dumps(fields[key], ensure_ascii=False, default=str)
        self.db["crawl_runs"].update(run_id, fields)

    # --- raw pages ----------------------------------------------------------------------------
    def save_page(self, url: str, body: bytes, content_type: str | None, fetched_at: str) -> str:
        """Keep the raw bytes of a fetched page, content-addressed, so it can be parsed again."""
        digest = sha256(body)
        with self._writing():
            self._insert("pages", {"hash": digest, "url": url, "content_type": content_type, "size": len(body),
                                   "body": body, "fetched_at": fetched_at}, verb="insert or ignore")
        return digest

    # --- errors and non-reports -----------------------------------------------------------------
    def save_fetch_error(self, error, run_id: int | None = None):
        table = self.db["fetch_errors"]
        row = {"url": error.url, "site_id": error.site_id, "status": error.status, "reason": error.reason,
               "list_url": error.list_url, "title": error.title, "run_id": run_id, "last_seen": error.fetched_at}
        if not table.count_where("url = ?", [error.url]):
            row["first_seen"] = error.fetched_at
        table.upsert(row, pk="url")

    def save_non_report(self, url, site_id, title, reason, page_hash, seen):
        table = self.db["non_reports"]
        row = {"url": url, "site_id": site_id, "title": title, "reason": reason, "page_hash": page_hash,
               "last_seen": seen}
        if not table.count_where("url = ?", [url]):
            row["first_seen"] = seen
        table.upsert(row, pk="url")
        # A link that failed before and now answers is no longer an error.
        self.db["fetch_errors"].delete_where("url = ?", [url])

    # --- reports ------------------------------------------------------------------------------
    def report_row(self, report_id: str) -> dict | None:
        return self._one("select * from reports where id = ?", [report_id])

    def source_row(self, url: str) -> dict | None:
        return self._one("select * from report_sources where url = ?", [url])

    def save_report(self, report: dict, source: dict, values: dict | None, run: int | None = None) -> str:
        """Upsert one report, its source URL, its version and its table rows.

        Returns "new", "changed" (a new version of a known report) or "unchanged".
        `report` holds the reports columns (id, content_hash, ...); `source` the report_sources
        columns of the URL it came from; `values` the parsed tables (None when not parsed);
        `run` the run storing it (its epoch: Store.run_epoch).
        Versions are numbered by VERSION_ORDER, whatever order the copies come in: a version
        that sorts before stored ones renumbers the report's versions (and each one's `changes`,
        the cells it changed from the one before it). The current version is the one published
        last (a corrected re-post replaces the original; both stay in report_versions); its
        tables are the report's; the canonical source follows CANONICAL_RULE.
        """
        seen = report["last_seen"]
        rid = report["id"]
        conn = self.db.conn
        with self.db.atomic():
            old = self._one("select first_seen from reports where id = ?", [rid])
            known = conn.execute("select version from report_versions where report_id = ? and content_hash = ?",
                                 [rid, report["content_hash"]]).fetchone()
            signature = report.pop("signature", None)
            renumbered = False
            if known:
                outcome, version = "unchanged", known[0]
                conn.execute("update report_versions set last_seen = ? where report_id = ? and version = ?",
                             [seen, rid, version])
                current = self.current_version(rid)
            else:
                outcome = "new" if old is None else "changed"
                added = {
                    "report_id": rid, "version": 1, "content_hash": report["content_hash"],
                    "page_hash": report.get("page_hash"), "url": source["url"], "published": report.get("published"),
                    "values_json": json.dumps(values, ensure_ascii=False) if values else None, "changes": None,
                    "signature": signature, "first_seen": seen, "last_seen": seen, "first_run": run,
                }
                rows = self._versions(rid) if old is not None else []
                if not rows or version_key(added) > version_key(rows[-1]):  # the latest: numbered last
                    if rows:
                        added["version"] = rows[-1]["version"] + 1
                        added["changes"] = json.dumps(changed_cells(json.loads(rows[-1]["values_json"] or "null"),
                                                                    values), ensure_ascii=False)
                    self._insert("report_versions", added)
                    current = added
                else:  # published before a stored version: the report's versions numbered again
                    rows = sorted([*rows, added], key=version_key)
                    self._renumber(rid, rows)
                    renumbered, current = True, rows[-1]
                version = added["version"]
            if outcome != "unchanged" and current["version"] == version:
                row = dict(report, version=version, first_seen=old["first_seen"] if old else seen)
                self._upsert("reports", row, "id")
                if values is not None:
                    self._save_values(rid, values)
            elif renumbered:  # an older version seen after a newer one: the current one's number moved
                conn.execute("update reports set last_seen = ?, version = ? where id = ?", [seen, current["version"], rid])
            else:  # a copy of a known version
                conn.execute("update reports set last_seen = ? where id = ?", [seen, rid])
            self._save_source(source, seen)
            conn.execute("delete from fetch_errors where url = ?", [source["url"]])
            self.choose_canonical(rid, current)
        return outcome

    def _versions(self, report_id: str) -> list[dict]:
        """A report's stored versions, every column, in their numbers' order."""
        cursor = self.db.conn.execute("select * from report_versions where report_id = ? order by version", [report_id])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def _renumber(self, report_id: str, rows: list[dict]):
        """Number a report's versions 1, 2, ... in VERSION_ORDER (`rows` is sorted and numbered in
        place), each one's `changes` against the one before it; written in place of the old rows."""
        rows.sort(key=version_key)
        before = None
        for n, row in enumerate(rows, 1):
            values = json.loads(row["values_json"] or "null")
            row["version"] = n
            row["changes"] = None if n == 1 else json.dumps(changed_cells(before, values), ensure_ascii=False)
            before = values
        self.db.conn.execute("delete from report_versions where report_id = ?", [report_id])
        columns = list(dict.fromkeys(c for row in rows for c in row))
        self._insert_many("report_versions", [{c: row.get(c) for c in columns} for row in rows])

    def matcher_rows(self):
        """Every stored version with what the near-duplicate matcher needs to know it again."""
        return self.db.query(
            "select v.report_id, r.agency, r.year, v.content_hash, v.values_json, v.signature "
            "from report_versions v join reports r on r.id = v.report_id where v.signature is not null "
            "order by v.report_id, v.version")

    def current_version(self, report_id: str) -> dict | None:
        """The version published last (VERSION_ORDER numbers it last; a harvest's older numbers
        are ordered by date first all the same)."""
        rows = list(self.db.query(
            "select * from report_versions where report_id = ? order by coalesce(published, '') desc, version desc "
            "limit 1", [report_id]))
        return rows[0] if rows else None

    def choose_canonical(self, report_id: str, current: dict | None = None):
        """Mark one source canonical and make it the report's URL (rule: CANONICAL_RULE).
        `current`: the report's current version, when the caller knows it already."""
        report = self._one("select agency from reports where id = ?", [report_id])
        if report is None:
            return
        sources = list(self.db.query(
            "select s.url, s.kind, s.published, s.first_seen, s.content_hash, t.agency site_agency "
            "from report_sources s left join sites t on t.id = s.site_id where s.report_id = ?", [report_id]))
        if not sources:
            return
        current = current or self.current_version(report_id)
        of_current = [s for s in sources if current and s["content_hash"] == current["content_hash"]]
        best = min(of_current or sources, key=lambda s: canonical_rank(s, report["agency"]))
        with self._writing() as conn:
            conn.execute("update report_sources set canonical = (url = ?) where report_id = ?", [best["url"], report_id])
            conn.execute("update reports set url = ?, sources = ? where id = ?", [best["url"], len(sources), report_id])

    def save_alias(self, report_id: str, url: str, site_id: str, seen: str, of: str):
        """Another address of a fetched page (tracking link, redirect start, second URL)."""
        known = self.source_row(url)
        if known is not None and known["kind"] != "alias":
            return
        with self.db.atomic():
            self._save_source({"url": url, "report_id": report_id, "site_id": site_id, "kind": "alias",
                               "twins": json.dumps([of], ensure_ascii=False)}, seen)
            self.choose_canonical(report_id)

    def save_attachment(self, report_id: str, url: str, site_id: str, seen: str, name: str | None = None,
                        page_hash: str | None = None):
        """An attachment (PDF, DOC, ...) of a report: one more source, linked; `page_hash`: its
        bytes were fetched and kept in pages (read for the report's tables, or tried)."""
        known = self.source_row(url)
        if known is not None and known["kind"] != "attachment":
            return
        with self.db.atomic():
            row = {"url": url, "report_id": report_id, "site_id": site_id, "kind": "attachment",
                   "attachments": json.dumps({"name": name}, ensure_ascii=False) if name else None}
            if page_hash:
                row["page_hash"] = page_hash
            self._save_source(row, seen)
            self.choose_canonical(report_id)

    def touch_source(self, url: str, seen: str, checked: bool = True):
        """A known source seen again: answered 304 (`checked`), or listed and not yet due for
        a check (harvester/recheck.py). It and its report were seen; nothing else changes."""
        source = self.source_row(url)
        if source is None:
            return
        with self.db.atomic():
            self.db["report_sources"].update(url, dict({"last_seen": seen}, **({"last_checked": seen} if checked else {})))
            self.db["reports"].update(source["report_id"], {"last_seen": seen})

    def known_pages(self, site_id: str) -> dict[str, dict]:
        """{url: {"etag", "last_modified", "twins", "published", "last_checked"}} of one site's
        report pages stored before (read when the site starts, so a run never holds every
        site's pages at once)."""
        return {row["url"]: {"etag": row["etag"], "last_modified": row["last_modified"],
                             "twins": json.loads(row["twins"] or "[]"), "published": row["published"],
                             "last_checked": row["last_checked"] or row["last_seen"], "kind": row["kind"]}
                for row in self.db.query(
                    "select url, etag, last_modified, twins, published, last_checked, last_seen, kind "
                    "from report_sources where site_id = ?", [site_id])}

    def known_lists(self, site_id: str) -> dict[str, dict]:
        """{url: {"year", "newest", "entries", "subcolumns", "walked"}} of a site's walked lists."""
        if not self.db["crawl_lists"].exists():
            return {}
        return {r["url"]: dict(r, entries=json.loads(r["entries"] or "[]"), subcolumns=json.loads(r["subcolumns"] or "[]"))
                for r in self.db.query("select url, year, newest, entries, subcolumns, walked from crawl_lists "
                                       "where site_id = ?", [site_id])}

    def save_list_walks(self, site_id: str, walks: dict[str, dict], walked: str):
        """What a finished walk's lists showed ({url: {"entries", "subcolumns", "newest", "year"}}),
        joined to what earlier walks of each list showed, in one transaction."""
        before = self.known_lists(site_id)
        rows = []
        for url, walk in walks.items():
            old = before.get(url, {})
            dates = [d for d in (walk.get("newest"), old.get("newest")) if d]
            rows.append({"site_id": site_id, "url": url, "walked": walked,
                         "year": walk.get("year") or old.get("year"), "newest": max(dates) if dates else None,
                         "entries": json.dumps(list(dict.fromkeys([*old.get("entries", []), *walk["entries"]])),
                                               ensure_ascii=False),
                         "subcolumns": json.dumps(list(dict.fromkeys([*old.get("subcolumns", []), *walk["subcolumns"]])),
                                                  ensure_ascii=False)})
        self.db["crawl_lists"].upsert_all(rows, pk=("site_id", "url"))

    def robots_since(self, since: str) -> dict[str, bytes]:
        """{origin: robots.txt body} of the robots files fetched at or after `since`."""
        return {r["origin"]: r["body"] or b"" for r in self.db.query(
            "select origin, body from robots where fetched >= ?", [since])}

    def save_robots(self, rows: list[dict]):
        """Robots files fetched by a run ({"origin", "url", "status", "body", "fetched"}), in one write."""
        if rows:
            self.db["robots"].upsert_all(rows, pk="origin")

    def _save_source(self, source: dict, seen: str):
        """Upsert a source row; first_seen is set when the URL is new only."""
        self._upsert("report_sources", dict(source, last_seen=seen, last_checked=seen, first_seen=seen), "url",
                     insert_only=("first_seen",))

    def _save_values(self, report_id: str, values: dict):
        """Replace the table rows of a report with those of its current version."""
        conn = self.db.conn
        for name in ("active_disclosure", "applications", "reviews_litigation", "check_failures"):
            conn.execute(f"delete from [{name}] where report_id = ?", [report_id])
        raw = values.get("raw") or {}
        units = values.get("units") or {}
        ad = values.get("active_disclosure") or {}
        self._insert_many("active_disclosure", [
            {"report_id": report_id, "item": item, "metric": metric, "value": value,
             "unit": units.get(f"active_disclosure/{item}/{metric}"),
             "raw": raw.get(f"active_disclosure/{item}/{metric}")}
            for item, metrics in ad.items() for metric, value in (metrics or {}).items()])
        apps = values.get("applications") or {}
        rows = []
        for position, (row_key, cells) in enumerate(apps.items()):
            cells = cells or {}
            row_raw = {c: raw[f"applications/{row_key}/{c}"] for c in APPLICANT_COLUMNS
                       if f"applications/{row_key}/{c}" in raw}
            rows.append(dict({"report_id": report_id, "row": row_key, "position": position},
                             **{c: cells.get(c) for c in APPLICANT_COLUMNS},
                             raw=json.dumps(row_raw, ensure_ascii=False) if row_raw else None))
        self._insert_many("applications", rows)
        rl = values.get("reviews_litigation")
        if rl:
            rl_raw = {k: raw[f"reviews_litigation/{k}"] for k in REVIEW_KEYS if f"reviews_litigation/{k}" in raw}
            self._insert("reviews_litigation",
                         dict({"report_id": report_id}, **{review_column(k): rl.get(k) for k in REVIEW_KEYS},
                              raw=json.dumps(rl_raw, ensure_ascii=False) if rl_raw else None))
        self._insert_many("check_failures", [
            {"report_id": report_id, "check": f["check"], "column": f["column"],
             "expected": f.get("expected"), "actual": f.get("actual")}
            for f in values.get("check_failures") or []], verb="insert or replace")

    # --- summaries ----------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return {name: self.db[name].count for name in SCHEMA}
