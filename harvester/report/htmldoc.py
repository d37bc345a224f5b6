"""An HTML page as a stream of rows in reading order: text lines and table rows.

Block elements become line breaks and data tables become grid rows, so the extractors see an
HTML page the same way they see a text dump. Meta tags, the <title> and attachment links are
kept aside for the title, date and parse-status rules.
"""

from __future__ import annotations

import re

from lxml import etree

from .cells import Row, line
from .decode import clean_controls
from .grid import IMAGE_MARK, is_data_table, is_leaf, table_rows, text_of

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_WS = re.compile(r"[\s\u00a0\u3000]+")
_DROP = ("script", "style", "noscript", "template", "textarea", "select", "button", "iframe", "svg")
_BLOCKS = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
           "section", "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre",
           "center", "form", "address", "figure", "figcaption", "hr", "table", "tr", "td", "th",
           "caption", "thead", "tbody", "tfoot", "ucapcontent")
_ATTACHMENT = re.compile(r"\.(?:pdf|docx?|xlsx?|wps|et|ofd|zip|rar)(?:$|[?#])", re.I)
_MARK = IMAGE_MARK[0]
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


class Page:
    """What the HTML reader hands on: rows plus page-level facts."""

    __slots__ = ("rows", "title", "meta", "attachments")

    def __init__(self, rows, title, meta, attachments):
        self.rows = rows
        self.title = title
        self.meta = meta
        self.attachments = attachments


def read_html(text: str) -> Page:
    """Rows of the page body (text lines, table grid rows, image markers) and page facts."""
    text = clean_controls(_XML_DECL.sub("", text, count=1))
    try:
        doc = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        doc = None
    if doc is None:
        return Page([], None, {}, [])
    meta = {}
    for m in doc.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        if name and m.get("content") and name not in meta:
            meta[name] = m.get("content").strip()
    title_el = next(doc.iter("title"), None)
    title = _WS.sub(" ", text_of(title_el)).strip() if title_el is not None else None
    attachments = [a.get("href") for a in doc.iter("a") if _ATTACHMENT.search(a.get("href") or "")]
    head = doc.find("head")
    if head is not None:
        head.getparent().remove(head)
    etree.strip_elements(doc, *_DROP, with_tail=False)
    _mark_lines(doc)
    tables = []
    for table in list(doc.iter("table")):
        if table.getparent() is None or not is_leaf(table):
            continue
        grid = table_rows(table, len(tables))
        if not is_data_table(table, grid):
            continue
        tables.append(grid)
        holder = etree.Element("p")
        holder.text = f"\n{_MARK}T{len(tables) - 1}{_MARK}\n"
        holder.tail = table.tail
        table.getparent().replace(table, holder)
    rows: list[Row] = []
    for raw in text_of(doc).split("\n"):
        s = raw.strip(" \u00a0\u3000\t")
        if not s:
            continue
        if s == IMAGE_MARK:
            rows.append(Row([], loose=True, image=True))
        elif s.startswith(_MARK) and s.endswith(_MARK):
            rows.extend(tables[int(s.strip(_MARK)[1:])])
        else:
            rows.append(line(s.replace(IMAGE_MARK, "")))
    return Page(rows, title, meta, attachments)


def _mark_lines(doc) -> None:
    """Collapse source whitespace, then turn blocks, <br> and images into line breaks/markers."""
    for el in doc.iter():
        if el.text:
            el.text = _WS.sub(" ", el.text)
        if el.tail:
            el.tail = _WS.sub(" ", el.tail)
    for el in doc.iter(*_BLOCKS):
        el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")
    for el in doc.iter("br"):
        el.tail = "\n" + (el.tail or "")
    for el in doc.iter("img"):
        el.tail = f"\n{IMAGE_MARK}\n" + (el.tail or "")
