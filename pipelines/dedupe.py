"""Stage 3: decide which report each fetched copy is, and which version of it.

A copy is the report of an agency for a year. The exact key (agency, year) decides where the
page names both; the near-duplicate matcher (harvester/neardup.py, MinHash/LSH over the text
with the chrome removed) finds the report a copy belongs to where names are spelled
differently or missing, and never merges two agencies for sharing template prose. The store
then tells versions apart by the table values (harvester/dedupe.py content_hash).
"""

from __future__ import annotations

import json

from harvester import dedupe, urls
from harvester.items import ReportPage
from harvester.neardup import Candidate, ReportMatcher
from harvester.pagetext import first_copy, page_text
from harvester.store import Store


def body_text(item) -> str:
    """The report's text of a parsed page, without the page's chrome ("" for a file no reader read)."""
    if item.html is None:
        return ""
    text = page_text(item.html)
    if (item.parsed or {}).get("mirrored_copy_in_page"):
        text = first_copy(text)  # the page prints the report twice: keep it once
    return text


class DedupePipeline:
    """One matcher for the run: every site's pages meet in it, so a re-post found on a parent
    portal meets the report its agency's own portal gave (one engine walks every site)."""

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.matcher: ReportMatcher | None = None
        self.current: dict[str, str] = {}  # report id -> content hash last added

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("HARVESTER_DB"))

    def open_spider(self):
        """The reports stored by earlier runs join the matcher by their stored signatures."""
        self.matcher = ReportMatcher()
        store = Store(self.db_path)
        for row in store.matcher_rows():
            self.current[row["report_id"]] = row["content_hash"]
            values = json.loads(row["values_json"]) if row["values_json"] else None
            cand = Candidate(agency=row["agency"], year=row["year"], values_hash=row["content_hash"],
                             values=values, text="")
            self.matcher.add(row["report_id"], cand, signature=row["signature"])
        store.close()

    def process_item(self, item):
        if not isinstance(item, ReportPage) or item.kind != "report":
            return item
        parsed = item.parsed or {}
        item.canonical_url = urls.canonical_url(item.url)
        # made by the parse worker (harvester/offload.py) or read with its file (pipelines/files.py)
        if item.text is None:
            item.text = body_text(item)
        agency = parsed.get("agency") or dedupe.agency_from_title(item.title) or item.agency
        year = parsed.get("year") or item.year
        item.content_hash = dedupe.content_hash(parsed, item.text)
        tables = {k: parsed.get(k) for k in dedupe.TABLE_KEYS[1:]} if any(
            parsed.get(k) for k in dedupe.TABLE_KEYS[1:]) else None
        cand = Candidate(agency=agency, year=year, values_hash=item.content_hash if tables else None,
                         values=tables, text=item.text)
        if item.signature is None:
            item.signature = self.matcher.signature(item.text)
        found = self.matcher.match(cand, signature=item.signature)
        item.report_id = found.report_id if found else dedupe.report_id(agency, year, item.canonical_url)
        hashes = self.current
        if found and found.relation == "same" and not tables and found.report_id in hashes:
            # a copy without tables (print view, legacy report) that the text shows to be the same:
            # the same version, though its page chrome hashes differently
            item.content_hash = hashes[found.report_id]
        hashes[item.report_id] = item.content_hash
        self.matcher.add(item.report_id, cand, signature=item.signature)
        return item
