"""Stage 1: decode the fetched bytes and parse them into the canonical report structure.

The item's body stays the bytes the portal served (they are what the pages table keeps); what
is read of them is item.html: the decoded page, or for an app page that carries its article as
data (gkmlpt) the document made of that data (harvester.report.readable_html).

Bytes that are a document (PDF, Word, WPS, Excel, a scan: pipelines/files.py ``is_file``)
are read by harvester.report.parse_bytes in a thread, never on the reactor (a conversion or an
OCR run takes seconds); item.html stays None and item.text is the file's text.

A page that cannot be parsed keeps going down the line with parse_status "failed" and the
reason: it is stored, never dropped.
"""

from __future__ import annotations

import logging

from harvester.items import ReportPage
from harvester.report import parse, readable_html
from pipelines.files import FileReader, is_file, read_file_item


logger = logging.getLogger(__name__)


def failed(reason: str) -> dict:
    return {"is_report": None, "parse_status": "failed", "parse_reason": reason}


class ParsePipeline:
    def __init__(self, reader: FileReader | None = None, workers: int = 0, stats=None):
        self.reader = reader
        self.workers = workers  # HARVESTER_PARSE_WORKERS: 1 parses in a worker process (harvester/offload.py)
        self.worker = None
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(FileReader.of(crawler), crawler.settings.getint("HARVESTER_PARSE_WORKERS", 0), crawler.stats)

    def open_spider(self):
        from scrapy.utils.reactor import is_asyncio_reactor_installed

        if self.workers > 0 and is_asyncio_reactor_installed():
            from harvester.offload import ParseWorker

            self.worker = ParseWorker(self.stats)

    def close_spider(self):
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def process_item(self, item):
        if not isinstance(item, ReportPage):
            return item
        if is_file(item.body, item.content_type, item.url):  # a document: read in a thread
            return read_file_item(self.reader or FileReader(), item)
        if self.worker is not None:
            return self.worker.read(item, parse_item)  # awaited by Scrapy
        return parse_item(item)


def parse_item(item: ReportPage) -> ReportPage:
    """item.html and item.parsed of a fetched page."""
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
