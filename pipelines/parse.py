"""Stage 1: decode the fetched bytes and parse them into the canonical report structure.

The item's body stays the bytes the portal served (they are what the pages table keeps); what
is read of them is item.html: the decoded page, or for an app page that carries its article as
data (gkmlpt) the document made of that data (harvester.report.readable_html).

A page that cannot be parsed keeps going down the line with parse_status "failed" and the
reason: it is stored, never dropped.
"""

from __future__ import annotations

import logging

from harvester.items import ReportPage
from harvester.report import parse, readable_html


logger = logging.getLogger(__name__)


def failed(reason: str) -> dict:
    return {"is_report": None, "parse_status": "failed", "parse_reason": reason}


class ParsePipeline:
    def process_item(self, item):
        if not isinstance(item, ReportPage):
            return item
        try:
            item.html = readable_html(item.body, item.content_type, url=item.url, title=item.title,
                                      published=item.published, attachments=item.attachments)
        except Exception as e:  # a charset no decoder takes: record, keep the bytes
            item.parsed = failed(f"undecodable page: {e}")
            return item
        try:
            item.parsed = parse(item.html, url=item.url, content_type=item.content_type)
        except Exception as e:  # one bad page never stops a run
            logger.warning("parse failed for %s: %s", item.url, e)
            item.parsed = failed(f"{type(e).__name__}: {e}")
        return item
