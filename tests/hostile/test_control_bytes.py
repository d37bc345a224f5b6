"""Control characters in a report page cost a cell at most, never the page.

Issue 12: one control byte (0x01-0x08, 0x0E-0x1F) in a table cell made lxml refuse the page
("All strings must be XML compatible"), and the page was classified not a report though its
listing title said it was one. NUL, lone surrogates and U+FFFE/U+FFFF did worse or the same
(the HTML parser drops the rest of the page after NUL or a surrogate).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harvester.items import ReportPage
from harvester.pagetext import page_text
from harvester.report import decode_html, parse
from pipelines.classify import ClassifyPipeline
from pipelines.parse import ParsePipeline

FIXTURES = Path(__file__).resolve().parents[1] / "report" / "fixtures"
PAGE = (FIXTURES / "spans_2021.html").read_text(encoding="utf-8")
GBK_PAGE = (FIXTURES / "word_2019_gbk.html").read_bytes()
TITLE = "某某区2022年政府信息公开工作年度报告"
TABLES = ("active_disclosure", "applications", "reviews_litigation")

CONTROLS = [chr(c) for c in [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]]
# Only a str can carry these: no decoder makes them from bytes.
STR_ONLY = ["\x00", "\ud800", "\udfff", "\ufffe", "\uffff"]


def name(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def with_char_in_a_cell(page: str, ch: str, *, inside: bool) -> str:
    """The page with `ch` in the first cell of the new-requests row of table 3: before the
    number (`inside=False`) or between its digits."""
    row = page.index("本年新收政府信息公开申请数量")
    cell = page.index("<td>", row) + len("<td>")
    if inside:
        return page[:cell + 1] + ch + page[cell + 1:]
    return page[:cell] + ch + page[cell:]


@pytest.fixture(scope="module")
def clean():
    result = parse(PAGE.encode("utf-8"))
    assert result["is_report"] and result["parse_status"] == "ok"
    assert result["applications"]["new_received"]["natural_person"] >= 10  # two digits to split
    return result


@pytest.mark.parametrize("inside", [False, True], ids=["before-number", "inside-number"])
@pytest.mark.parametrize("ch", CONTROLS + STR_ONLY, ids=name)
def test_a_control_character_in_a_cell_keeps_the_page_and_its_values(ch, inside, clean):
    page = with_char_in_a_cell(PAGE, ch, inside=inside)
    source = page if ch in STR_ONLY else page.encode("utf-8")
    result = parse(source)
    assert result["parse_status"] == "ok", result["parse_reason"]
    assert result["is_report"] is True
    for key in TABLES:
        assert result[key] == clean[key], key
    assert result["title"] == clean["title"]


@pytest.mark.parametrize("ch", ["\x01", "\x08", "\x1b", "\x7f"], ids=name)
def test_gbk_page_with_a_control_byte(ch):
    clean = parse(GBK_PAGE)
    assert clean["is_report"]
    at = GBK_PAGE.index(b"<td", GBK_PAGE.index("本年新收政府信息公开申请数量".encode("gbk")))
    at = GBK_PAGE.index(b">", at) + 1
    result = parse(GBK_PAGE[:at] + ch.encode() + GBK_PAGE[at:])
    assert result["parse_status"] == clean["parse_status"]
    for key in TABLES:
        assert result[key] == clean[key], key


def test_control_characters_in_the_title_are_dropped():
    page = PAGE.replace("<title>", "<title>\x02", 1)
    assert "<title>\x02" in page
    result = parse(page.encode("utf-8"))
    assert result["is_report"]
    assert "\x02" not in (result["title"] or "")


def test_page_text_of_a_decoded_page_with_control_bytes():
    """The dedupe stage reads the decoded page with lxml too (harvester.pagetext)."""
    html = decode_html(with_char_in_a_cell(PAGE, "\x01", inside=False).replace("</td>", "<br>\x03</td>", 1)
                       .encode("utf-8"))
    text = page_text(html)
    assert "本年新收政府信息公开申请数量" in text
    assert "\x01" not in text and "\x03" not in text


def report_page(body: bytes, title: str | None) -> ReportPage:
    return ReportPage(url="http://www.example.gov.cn/xxgk/nb/t1.html", site_id="x", agency="某某区人民政府",
                      province="广西壮族自治区", body=body, content_type="text/html; charset=utf-8", title=title)


def test_pipeline_keeps_a_page_with_control_bytes_as_a_report():
    body = with_char_in_a_cell(PAGE, "\x05", inside=True).encode("utf-8")
    item = ClassifyPipeline().process_item(ParsePipeline().process_item(report_page(body, TITLE)))
    assert item.kind == "report"
    assert item.parsed["parse_status"] == "ok"
    assert "\x05" not in item.html


@pytest.mark.parametrize("title, kind", [(TITLE, "report"), ("关于开展政务公开培训的通知", "not_report"),
                                         (None, "not_report")])
def test_a_page_the_parser_fails_on_is_classified_by_its_listing_title(title, kind, monkeypatch):
    """A parser failure says nothing about the page: the title it was listed under decides.
    The failure is made where issue 12's was: building the page's tree."""
    parser = sys.modules["harvester.report.parse"]  # the package's `parse` is the function

    def broken(text):
        raise ValueError("All strings must be XML compatible (as lxml said)")

    monkeypatch.setattr(parser, "read_html", broken)
    item = ParsePipeline().process_item(report_page(PAGE.encode("utf-8"), title))
    assert item.parsed["parse_status"] == "failed"
    assert item.parsed["is_report"] is False  # what parse() says of a page it failed on
    assert "XML compatible" in item.parsed["parse_reason"]
    assert ClassifyPipeline().process_item(item).kind == kind
