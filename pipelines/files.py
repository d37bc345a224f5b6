"""Reports published as files: reading them off the reactor thread, and a page's attachments.

Two things live here, apart from the HTML path of pipelines/parse.py:

- ``is_file`` decides whether fetched bytes are a document (PDF, Word, WPS, Excel, a scan)
  rather than a page; ``FileReader`` reads such bytes with harvester.report.parse_bytes in a
  thread, at most ``HARVESTER_FILE_READERS`` (2) at once, so a LibreOffice conversion or an
  OCR run (seconds each) never stalls the crawl's reactor.
- ``AttachmentPipeline``: a report page that holds no tables of its own but links files
  (详见附件) has them fetched (through Scrapy's downloader, as Scrapy's FilesPipeline does)
  and read; the first file that gives tables gives the report its tables, while the page
  keeps its title, date and agency. Every fetched file is one more source of the report,
  its bytes kept like any page's (pipelines/store.py). A file that cannot be fetched or read
  is recorded with its reason; the page is stored all the same.
"""

from __future__ import annotations

import logging

import scrapy
from twisted.internet import threads
from twisted.internet.defer import DeferredSemaphore

from harvester.items import ReportPage
from harvester.report import looks_like_report_title
from harvester.report.files import parse_bytes
from harvester.report.files.sniff import hint
from harvester.urls import ATTACHMENT

logger = logging.getLogger(__name__)

TABLES = ("active_disclosure", "applications", "reviews_litigation")
# What a file gives a report whose page has no tables: its tables and what goes with them.
FROM_FILE = (*TABLES, "format", "check_failures", "balanced", "units", "raw", "checks",
             "source_format", "read_by", "ocr_cells", "needs_review")
# What the page gives (the file only fills what the page leaves out).
FROM_PAGE = ("title", "agency", "province", "year", "published")
# Magic bytes of documents: checked before anything is decoded, so pages pay nothing.
_MAGIC = (b"%PDF-", b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf",
          b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")
_DOCUMENTS = {"pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "odt", "ods", "rtf", "ofd", "image", "zip",
              "rar", "7z"}
MAX_ATTACHMENTS = 3  # files of one page fetched at most (pages link 1 or 2)
FILE_MAXSIZE = 64 * 1024 * 1024  # Scrapy's download cap for a file (harvester.report.files.safety.MAX_BYTES)


def is_file(body: bytes, content_type: str | None = None, url: str | None = None) -> bool:
    """Whether fetched bytes are to be read as a document, not as a page: magic bytes of a
    document (a PDF at the head, a zip, an OLE2 file, an image...), or a URL or Content-Type
    that claims a document format (a .docx that is really an HTML page is then read by
    parse_bytes, which says so)."""
    head = bytes(body[:1024])
    if head.startswith(_MAGIC) or b"%PDF-" in head:
        return True
    return hint(url, content_type) in _DOCUMENTS


def has_tables(parsed: dict | None) -> bool:
    return bool(parsed) and any(parsed.get(k) for k in TABLES)


class FileReader:
    """parse_bytes in the reactor's thread pool, a bounded number at once (one per run)."""

    def __init__(self, concurrency: int = 2):
        self.semaphore = DeferredSemaphore(max(1, concurrency))
        self.read = 0

    @classmethod
    def of(cls, crawler) -> "FileReader":
        """The run's one reader (shared by the parse and attachment stages)."""
        reader = getattr(crawler, "_harvester_file_reader", None)
        if reader is None:
            reader = cls(crawler.settings.getint("HARVESTER_FILE_READERS", 2))
            crawler._harvester_file_reader = reader
        return reader

    async def parse(self, body: bytes, url: str | None, content_type: str | None, name: str | None = None) -> dict:
        from scrapy.utils.defer import maybe_deferred_to_future

        self.read += 1
        return await maybe_deferred_to_future(self.semaphore.run(
            threads.deferToThread, _parse, body, url, content_type, name))


def _parse(body, url, content_type, name) -> dict:
    try:
        return parse_bytes(body, url=url, content_type=content_type, name=name, keep_text=True)
    except Exception as e:  # parse_bytes never raises; this guards the thread all the same
        return {"parse_status": "failed", "parse_reason": f"{type(e).__name__}: {e}", "is_report": None}


async def read_file_item(reader: FileReader, item: ReportPage) -> ReportPage:
    """A list link that led straight to a file: the file is the report's page."""
    parsed = await reader.parse(item.body, item.url, item.content_type)
    item.text = parsed.pop("text", None)
    item.html = None
    item.parsed = parsed
    if has_tables(parsed):
        item.tables_from = item.url
    return item


class AttachmentPipeline:
    """Stage 1b: a report page without tables reads the files it links (see the module doc)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.reader = FileReader.of(crawler)
        self.maxsize = crawler.settings.getint("HARVESTER_FILE_MAXSIZE", FILE_MAXSIZE)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, ReportPage) or not self.wanted(item):
            return item
        return self.read_attachments(item)

    @staticmethod
    def wanted(item: ReportPage) -> bool:
        """A page (not a file) that its list or itself calls a report, with no tables of its
        own, linking files."""
        parsed = item.parsed or {}
        if item.html is None or has_tables(parsed) or not item.attachments:
            return False
        title = parsed.get("title") or item.title
        return bool(parsed.get("is_report") or (title and looks_like_report_title(title))
                    or (item.title and looks_like_report_title(item.title)))

    async def read_attachments(self, item: ReportPage) -> ReportPage:
        urls = []
        for a in item.attachments:
            if a["url"] not in urls and a["url"] != item.url and ATTACHMENT.search(a["url"]):
                urls.append(a["url"])
        names = {a["url"]: a.get("name") for a in item.attachments}
        for url in urls[:MAX_ATTACHMENTS]:
            got = await self.fetch(url, names.get(url))
            item.files.append(got)
            if got.get("body") is None:
                continue
            parsed = await self.reader.parse(got["body"], url, got["content_type"], got["name"])
            parsed.pop("text", None)
            if parsed.get("parse_status") == "failed":
                got["reason"] = parsed.get("parse_reason")
                continue
            if not has_tables(parsed):
                got["reason"] = "no report tables in the file"
                continue
            item.parsed = merge(item.parsed or {}, parsed, url)
            item.tables_from = url
            break
        if item.tables_from is None:
            failed = [f"{f['url']}: {f['reason']}" for f in item.files if f.get("reason")]
            if failed:
                p = item.parsed = dict(item.parsed or {})
                p["parse_reason"] = "; ".join(filter(None, [p.get("parse_reason"), "attachment not read: "
                                                            + "; ".join(failed)]))
        return item

    async def fetch(self, url: str, name: str | None) -> dict:
        """One attachment through Scrapy's downloader (its middlewares, slots and proxy)."""
        from harvester.items import utcnow

        request = scrapy.Request(url, meta={"download_maxsize": self.maxsize, "handle_httpstatus_all": True},
                                 dont_filter=True)
        out = {"url": url, "name": name, "body": None, "content_type": None, "status": None, "reason": None,
               "fetched_at": utcnow()}
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as e:  # size cap, timeout, refused: recorded, the page goes on
            out["reason"] = f"{type(e).__name__}: {e}"[:300]
            return out
        out["status"] = response.status
        out["url"] = response.url
        if response.status != 200:
            out["reason"] = f"HTTP {response.status}"
            return out
        out["body"] = response.body
        out["content_type"] = response.headers.get("Content-Type", b"").decode("latin-1") or None
        return out


def merge(page: dict, file: dict, url: str) -> dict:
    """The page's report with the tables of its file: title, date and agency from the page
    (the file's where the page has none), tables, checks and how they were read from the file."""
    out = dict(page)
    for key in FROM_FILE:
        if key in file:
            out[key] = file[key]
    for key in FROM_PAGE:
        if not out.get(key) and file.get(key):
            out[key] = file[key]
            if key == "title":
                out["title_composed"] = file.get("title_composed", False)
    sections = dict(page.get("sections") or {})
    for key, text in (file.get("sections") or {}).items():
        if text and not sections.get(key):
            sections[key] = text
    out["sections"] = sections
    out["is_report"] = True
    out["parse_status"] = file.get("parse_status")
    out["parse_reason"] = "; ".join(filter(None, [file.get("parse_reason"), f"tables read from the attachment {url}"]))
    return out

