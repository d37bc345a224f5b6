"""Issue 14, the crawl's file stage (pipelines/files.py) in parts: which bytes are files, what a
page and its file each give the report, which pages fetch their attachments, and that the
parse stage hands a file to the thread path while a page stays on the fast path.

The whole of it runs in tests/e2e/test_attachments_crawl.py (a real crawl)."""

from __future__ import annotations

import inspect

from harvester.items import ReportPage
from harvester.report import parse
from harvester.sandbox import docs
from pipelines.files import AttachmentPipeline, has_tables, is_file, merge
from pipelines.parse import ParsePipeline

REPORT = {"format": "2021", "agency": "某某市财政局", "year": 2023,
          "active_disclosure": {"licensing": {"decisions": 5}}, "applications": None, "reviews_litigation": None}
TITLE = "某某市财政局2023年政府信息公开工作年度报告"
PAGE = (f"<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1><p>发布日期：2024-01-26</p>"
        f"<p>现将{TITLE}予以公开，详见附件。</p><a href='./P020240126123.pdf'>附件</a></body></html>")


def item(body: bytes, url: str, content_type: str | None = None, **kw) -> ReportPage:
    return ReportPage(url=url, site_id="s", agency="某某市人民政府", province="广西壮族自治区", body=body,
                      content_type=content_type, title=TITLE, **kw)


def test_the_bytes_decide_what_is_a_file():
    pdf, docx = docs.report_pdf(REPORT, TITLE), docs.report_docx(REPORT, TITLE)
    assert is_file(pdf) and is_file(docx) and is_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert is_file(pdf, "application/octet-stream", "http://x.gov.cn/download.jsp?id=1")
    assert not is_file(PAGE.encode("utf-8"), "text/html", "http://x.gov.cn/t20240126_1.shtml")
    # an HTML page named .docx goes to the file reader, which says what it really is
    assert is_file(PAGE.encode("utf-8"), None, "http://x.gov.cn/P020240126123.docx")


def test_parse_stage_sends_a_file_to_the_thread_path_and_a_page_through_at_once():
    stage = ParsePipeline()
    page = stage.process_item(item(PAGE.encode("utf-8"), "http://x.gov.cn/t20240126_1.shtml", "text/html"))
    assert isinstance(page, ReportPage) and page.parsed is not None  # synchronous, as before
    pending = stage.process_item(item(docs.report_pdf(REPORT, TITLE), "http://x.gov.cn/P0.pdf"))
    assert inspect.isawaitable(pending)  # read off the reactor thread by FileReader
    pending.close()


def test_a_page_with_no_tables_and_a_file_wants_its_attachments():
    page = item(PAGE.encode("utf-8"), "http://x.gov.cn/t20240126_1.shtml", "text/html",
                attachments=[{"url": "http://x.gov.cn/P020240126123.pdf", "name": "附件"}])
    page.html, page.parsed = PAGE, parse(PAGE)
    assert not has_tables(page.parsed) and AttachmentPipeline.wanted(page)
    page.attachments = []
    assert not AttachmentPipeline.wanted(page)
    with_tables = dict(page.parsed, applications={"total": {"total": 1}})
    page.attachments, page.parsed = [{"url": "http://x.gov.cn/P0.pdf"}], with_tables
    assert not AttachmentPipeline.wanted(page)  # its own tables: the copy beside it is not read
    page.parsed, page.html = parse(PAGE), None
    assert not AttachmentPipeline.wanted(page)  # a file is never asked for attachments


def test_the_page_gives_title_date_agency_and_the_file_gives_tables():
    page = parse(PAGE)
    file = dict(parse(PAGE), title="另一个标题2023年政府信息公开工作年度报告", published="2024-02-01",
                active_disclosure={"licensing": {"decisions": 5}}, applications=None, reviews_litigation=None,
                check_failures=[], source_format="pdf", read_by="text", ocr_cells={}, needs_review=False,
                parse_status="ok", parse_reason=None)
    out = merge(page, file, "http://x.gov.cn/P0.pdf")
    assert (out["title"], out["published"], out["agency"]) == (page["title"], page["published"], page["agency"])
    assert out["active_disclosure"] == {"licensing": {"decisions": 5}}
    assert (out["source_format"], out["read_by"], out["is_report"]) == ("pdf", "text", True)
    assert "http://x.gov.cn/P0.pdf" in out["parse_reason"]


def test_what_the_reader_thread_runs_gives_the_report_and_the_files_text():
    """FileReader.parse runs this in Twisted's thread pool (the crawl test runs it for real)."""
    from pipelines.files import _parse

    got = _parse(docs.report_docx(REPORT, TITLE), "http://x.gov.cn/P0.docx", None, None)
    assert got["source_format"] == "docx" and got["active_disclosure"]["licensing"]["decisions"] == 5
    assert TITLE in got["text"]  # the file's text, for near-duplicate matching
    bad = _parse(b"PK\x03\x04 cut short", "http://x.gov.cn/P0.docx", None, None)
    assert bad["parse_status"] == "failed" and "truncated" in bad["parse_reason"]
