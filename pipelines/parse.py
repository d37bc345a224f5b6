"""Stage 1: decode the fetched bytes and parse them into the canonical report structure.

A page that cannot be parsed keeps going down the line with parse_status "failed" and the
reason: it is stored, never dropped.
"""

from __future__ import annotations

import logging

from harvester.items import ReportPage
from harvester.report import decode_html, parse


logger = logging.getLogger(__name__)


def failed(reason: str) -> dict:
    return {"is_report": None, "parse_status": "failed", "parse_reason": reason}


class ParsePipeline:
    def process_item(self, item):
        if not isinstance(item, ReportPage):
            return item
        try:
            item.html = decode_html(item.body, item.content_type)
        except Exception as e:  # a charset no decoder takes: record, keep the bytes
            item.parsed = failed(f"undecodable page: {e}")
            return item
        try:
            item.parsed = parse(item.html, url=item.url, content_type=item.content_type)
        except Exception as e:  # one bad page never stops a run
            logger.warning("parse failed for %s: %s", item.url, e)
            item.parsed = failed(f"{type(e).__name__}: {e}")
        return item
