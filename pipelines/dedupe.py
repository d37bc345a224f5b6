"""Stage 3: give each report page its report id, canonical URL and content hash.

Copies of one report (twins, re-posts, the page that prints the report twice) get the same
report id; a copy whose table values differ is a new version of that report (the store keeps
both). The rules live in harvester/dedupe.py.
"""

from __future__ import annotations

from harvester import dedupe
from harvester.items import ReportPage


class DedupePipeline:
    def process_item(self, item):
        if not isinstance(item, ReportPage) or item.kind != "report":
            return item
        parsed = item.parsed or {}
        item.canonical_url = dedupe.canonical_url(item.url)
        agency = parsed.get("agency") or dedupe.agency_from_title(item.title) or item.agency
        year = parsed.get("year") or item.year
        item.report_id = dedupe.report_id(agency, year, item.canonical_url)
        item.content_hash = dedupe.content_hash(parsed, parsed.get("text") or item.html or "")
        return item
