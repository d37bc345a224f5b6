"""Stage 4: write everything to SQLite through harvester.store (the only module that writes).

Reports, their sources and versions, their table rows; pages that turned out not to be
reports; links that failed. Every write is an upsert on a stable key, so a re-run adds nothing
twice. Outcomes are counted in the crawl stats for the run record.
"""

from __future__ import annotations

import json
import time

from harvester import dedupe
from harvester.urls import source_kind
from harvester.items import ColumnFound, FetchError, ReportPage, Unchanged, utcnow
from harvester.report.meta import compose_title, looks_like_report_title
from harvester.store import Store

# Writes are committed in batches, at most this many seconds apart: a commit per page cost as
# much as the page's statements. Each page is still all-or-nothing (a savepoint inside the
# batch), and a site's crawl_sites row is written after its pages in the same order, so a
# kill loses at most the last second's pages whole, and never a finished site's pages.
COMMIT_SECONDS = 1.0


class StorePipeline:
    def __init__(self, db_path: str, run_id: int | None, crawler):
        self.db_path, self.run_id, self.crawler, self.stats = db_path, run_id, crawler, crawler.stats
        self.store = None
        self.epoch = None
        self.batch_started = 0.0
        self.ticker = None
        self.levels: dict[str, str | None] = {}  # site id -> level, read from the sites table once each
        self.site_reports: dict[str, int] = {}  # reports stored per open site, for its crawl_sites row

    @classmethod
    def from_crawler(cls, crawler):
        from spiders.harvest import site_finished

        s = crawler.settings
        pipeline = cls(s.get("HARVESTER_DB"), s.getint("HARVESTER_RUN_ID") or None, crawler)
        crawler.signals.connect(pipeline.site_finished, signal=site_finished)
        return pipeline

    def open_spider(self):
        self.store = Store(self.db_path)
        self.epoch = self.store.run_epoch(self.run_id)  # what orders versions of one date (VERSION_ORDER)
        from scrapy.utils.reactor import is_reactor_installed

        if is_reactor_installed():  # a quiet spell (slow portals) still commits what was written
            from twisted.internet import task

            self.ticker = task.LoopingCall(self.commit, due_only=True)
            self.ticker.start(COMMIT_SECONDS, now=False)
        site = getattr(self.crawler.spider, "site", None)
        if site is not None:  # one site's spider run on its own (`scrapy crawl gx_liunan`)
            self.store.upsert_sites([site])

    def close_spider(self):
        if self.ticker is not None and self.ticker.running:
            self.ticker.stop()
        if self.store:
            self.commit()
            self.store.close()
            self.store = None

    def batch(self):
        """Open the batch's transaction if none is open."""
        conn = self.store.db.conn
        if not conn.in_transaction:
            conn.execute("BEGIN")
            self.batch_started = time.monotonic()

    def commit(self, due_only: bool = False):
        if self.store is None:
            return
        conn = self.store.db.conn
        if conn.in_transaction and not (due_only and time.monotonic() - self.batch_started < COMMIT_SECONDS):
            conn.execute("COMMIT")

    def site_finished(self, site_id: str, outcome):
        """A site's walk is done and all its items are stored: its record says so, and what its
        lists showed is kept for the next run (harvester/recheck.py list_due)."""
        if self.store is None:
            return
        if outcome.status == "finished" and outcome.lists:
            self.store.save_list_walks(site_id, outcome.lists, utcnow())
        if self.run_id is None:
            return
        self.batch()
        self.store.finish_site(self.run_id, site_id, outcome.status, reason=outcome.reason,
                               requests=outcome.requests, answered=outcome.answered,
                               browser_pages=outcome.browser_pages, column_found=int(outcome.column_found),
                               report_pages=outcome.report_pages, reports=self.site_reports.pop(site_id, 0),
                               errors=outcome.errors)
        self.commit(due_only=True)

    def level(self, site_id: str) -> str | None:
        if site_id not in self.levels:
            row = self.store.db.execute("select level from sites where id = ?", [site_id]).fetchone()
            self.levels[site_id] = row[0] if row else None
        return self.levels[site_id]

    def process_item(self, item):
        self.batch()
        self.write(item)
        self.commit(due_only=True)
        return item

    def write(self, item):
        if isinstance(item, Unchanged):
            self.store.touch_source(item.url, item.fetched_at, item.checked)
            self.stats.inc_value("harvester/reports_unchanged")
            self.site_reports[item.site_id] = self.site_reports.get(item.site_id, 0) + 1
        elif isinstance(item, ColumnFound):
            self.store.record_column(item.site_id, item.url, item.family)
            self.stats.inc_value("harvester/columns_found")
        elif isinstance(item, FetchError):
            self.store.save_fetch_error(item, self.run_id)
            self.stats.inc_value("harvester/fetch_errors")
        elif isinstance(item, ReportPage):
            with self.store.db.atomic():  # a page's every row or none: a kill never leaves half of it
                self.save_page_item(item)

    def save_page_item(self, item: ReportPage):
        """One fetched page: its raw bytes, and its report (with sources) or its non-report row."""
        known = self.store.source_row(item.url) if item.kind == "report" else None
        if known and known["content_hash"] == item.content_hash and known["page_hash"]:
            # the same content again (a page re-rendered by the browser differs in its bytes
            # only): the raw page stored for it stays the record
            page_hash = known["page_hash"]
        else:
            page_hash = self.store.save_page(item.url, item.body, item.content_type, item.fetched_at)
        if item.kind == "report":
            if item.agency_id:
                self.store.save_agency(item.agency_id, (item.parsed or {}).get("agency") or item.agency,
                                       item.agency_kind, item.agency_parent, item.province, item.fetched_at)
            files = self.save_files(item)
            outcome = self.store.save_report(*self.rows(item, page_hash, files.get(item.tables_from)),
                                               run=self.epoch)
            self.stats.inc_value(f"harvester/reports_{outcome}")
            self.site_reports[item.site_id] = self.site_reports.get(item.site_id, 0) + 1
            for alias in item.aliases:  # the same page under another address
                self.store.save_alias(item.report_id, alias, item.site_id, item.fetched_at, item.url)
            for attachment in item.attachments:  # one more source each; its bytes if it was fetched
                self.store.save_attachment(item.report_id, attachment["url"], item.site_id, item.fetched_at,
                                           attachment.get("name"), page_hash=files.get(attachment["url"]))
        else:
            parsed = item.parsed or {}
            self.store.save_non_report(item.url, item.site_id, parsed.get("title") or item.title,
                                       parsed.get("parse_reason") or "not a report", page_hash, item.fetched_at)
            self.stats.inc_value("harvester/non_reports")

    def save_files(self, item: ReportPage) -> dict[str, str]:
        """The attachments fetched for a report (pipelines/files.py): their bytes kept like any
        page's ({url: page hash}); one that could not be fetched is a fetch error."""
        hashes = {}
        for f in item.files:
            if f.get("body") is not None:
                hashes[f["url"]] = self.store.save_page(f["url"], f["body"], f.get("content_type"),
                                                        f.get("fetched_at") or item.fetched_at)
            else:
                self.store.save_fetch_error(FetchError(
                    url=f["url"], site_id=item.site_id, status=f.get("status"), list_url=item.url,
                    reason=f"attachment: {f.get('reason')}", title=f.get("name")), self.run_id)
                self.stats.inc_value("harvester/fetch_errors")
        if item.tables_from == item.url:
            hashes[item.url] = None  # the report's own page is the file: its page_hash
        return hashes

    def rows(self, item: ReportPage, page_hash: str, tables_page: str | None = None):
        p = item.parsed or {}
        sections = p.get("sections") or {}
        failures = p.get("check_failures")
        agency, year = p.get("agency") or item.agency, p.get("year") or item.year
        if not p.get("agency") and item.html is None:  # a file that could not be read: its link's title
            agency = dedupe.agency_from_title(item.title) or agency
        title, composed = stored_title(p, item.title, agency, year)
        report = {
            "id": item.report_id, "site_id": item.site_id, "agency_id": item.agency_id,
            "agency": agency, "province": p.get("province") or item.province,
            "level": self.level(item.site_id), "year": year,
            "title": title, "title_composed": int(composed), "url": item.url,
            "published": p.get("published") or item.published, "format": p.get("format"),
            "parse_status": p.get("parse_status"), "parse_reason": p.get("parse_reason"),
            "check_status": None if failures is None else ("failed" if failures else "passed"),
            "balanced": p.get("balanced"), "mirrored_copy_in_page": p.get("mirrored_copy_in_page"),
            "overview": sections.get("overview"), "problems": sections.get("problems"),
            "other_matters": sections.get("other_matters"),
            "text": item.text, "content_hash": item.content_hash, "page_hash": page_hash,
            "signature": item.signature,
            "last_seen": item.fetched_at,
            "source_format": p.get("source_format") or ("html" if item.html is not None else None),
            "read_by": p.get("read_by") or ("text" if item.html is not None else None),
            "needs_review": int(bool(p.get("needs_review"))),
            "ocr_cells": json.dumps(p["ocr_cells"], ensure_ascii=False) if p.get("ocr_cells") else None,
            "tables_from": item.tables_from,
            "tables_page": (tables_page or page_hash) if item.tables_from else None,
        }
        source = {
            "url": item.url, "report_id": item.report_id, "site_id": item.site_id,
            "kind": source_kind(item.url),
            "content_hash": item.content_hash, "page_hash": page_hash, "published": report["published"],
            "etag": item.headers.get("ETag"), "last_modified": item.headers.get("Last-Modified"),
            "twins": json.dumps(item.twins, ensure_ascii=False) if item.twins else None,
            "attachments": json.dumps(item.attachments, ensure_ascii=False) if item.attachments else None,
        }
        values = p if p.get("parse_status") not in (None, "failed") else None
        return report, source, values


def stored_title(parsed: dict, list_title: str | None, agency: str | None, year: int | None) -> tuple[str | None, bool]:
    """(title, composed) of a report: the page's title line; else the title the listing gave
    it; else one composed from its agency and year (never a bare name: a report is listed and
    searched by its title), marked composed."""
    if parsed.get("title") and not parsed.get("title_composed"):
        return parsed["title"], False
    if list_title and looks_like_report_title(list_title):
        return list_title, False
    composed = compose_title(agency, year)
    return (composed, True) if composed else (list_title, False)
