"""An HTML page as a stream of rows in reading order: text lines and table rows.

Block elements become line breaks and data tables become grid rows, so the extractors see an
HTML page the same way they see a text dump. Meta tags, the <title> and attachment links are
kept aside for the title, date and parse-status rules.
"""

from __future__ import annotations

import logging
import re

from lxml import etree

from .cells import CELLS, MEMO_TEXT, Row, cell, read_line
from .decode import clean_controls
from .grid import (IMAGE_MARK, LAYOUT_TEXT, MAX_COLSPAN, is_data_table, is_leaf, reserve, span, table_rows,
                   text_of)

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_WS = re.compile(r"[\s\u00a0\u3000]+")
_DROP = ("script", "style", "noscript", "template", "textarea", "select", "button", "iframe", "svg")
_BLOCKS = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
           "section", "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre",
           "center", "form", "address", "figure", "figcaption", "hr", "table", "tr", "td", "th",
           "caption", "thead", "tbody", "tfoot", "ucapcontent")
_ATTACHMENT = re.compile(r"\.(?:pdf|docx?|xlsx?|wps|et|ofd|zip|rar)(?:$|[?#])", re.I)
_BLOCK_SET = frozenset(_BLOCKS)
_MARK = IMAGE_MARK[0]
_IMAGE_LINE = f"\n{IMAGE_MARK}\n"
_HREFS = etree.XPath("//a/@href", smart_strings=False)  # in document order, as plain strings
# collect_ids=False: nothing looks an element up by id, and the id table costs a parse 4%
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, collect_ids=False)

try:  # the same walks compiled (setup.py); without it, the Python walks below
    from ._htmlwalk import Reader as _Compiled
except ImportError:
    _Compiled = None
except Exception as e:  # built against another lxml: rebuild it (pip install -e .)
    logging.getLogger(__name__).warning("compiled HTML walk not loaded (%s); using the Python walks", e)
    _Compiled = None


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
    if WALK is not None:
        metas, title_el, hrefs = WALK.page_facts(doc)
    else:
        metas = [(m.get("name"), m.get("property"), m.get("content")) for m in doc.iter("meta")]
        title_el, hrefs = next(doc.iter("title"), None), _HREFS(doc)
    meta = {}
    for name, prop, content in metas:
        name = (name or prop or "").strip().lower()
        if name and content and name not in meta:
            meta[name] = content.strip()
    title = _WS.sub(" ", text_of(title_el)).strip() if title_el is not None else None
    attachments = [href for href in hrefs if _ATTACHMENT.search(href)]
    if WALK is None:  # (the compiled walks pass over these as if removed)
        head = doc.find("head")
        if head is not None:
            head.getparent().remove(head)
        etree.strip_elements(doc, *_DROP, with_tail=False)
    tables: list[list[Row]] = []

    def data_table(table) -> list[Row] | None:
        """The rows of a leaf data table, which stand in the pieces for it; else None."""
        if table is doc:
            return None
        if WALK is not None:
            grid = WALK.data_table(table, len(tables))
        elif is_leaf(table):
            grid = table_rows(table, len(tables), _cell_reader(table))
            grid = grid if is_data_table(table, grid) else None
        else:
            grid = None
        if grid is not None:
            tables.append(grid)
        return grid

    pieces = WALK.pieces(doc, data_table) if WALK is not None else _pieces(doc, [], data_table)
    # the text between data tables read as lines; each table's rows in its place (found by
    # identity: no text on the page can pass for a table)
    rows: list[Row] = []
    start = 0
    for grid in tables:
        at = pieces.index(grid, start)
        _read_lines(pieces[start:at], rows)
        rows.extend(grid)
        start = at + 1
    _read_lines(pieces[start:] if start else pieces, rows)
    return Page(rows, title, meta, attachments)


def _read_lines(pieces: list[str], rows: list[Row]) -> None:
    """The lines of joined text pieces as rows: a line of text, or an image marker."""
    for raw in "".join(pieces).split("\n"):
        s = raw.strip(" \u00a0\u3000\t")
        if not s:
            continue
        if s == IMAGE_MARK:
            rows.append(Row([], None, None, True, True))
        else:
            rows.append(read_line(s.replace(IMAGE_MARK, "") if _MARK in s else s))


def _pieces(root, out: list, data_table=None) -> list:
    """The text of `root` as it reads, in one walk of the tree: source whitespace collapsed in
    each text node, a line break around each block and after <br>, an image marker line for
    each <img>; a data table (when `data_table` gives a stand-in for it) is replaced by that.
    Walking once instead of rewriting every node's text first is what keeps pages cheap."""
    append = out.append
    collapse = _WS.sub
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if tag in _BLOCK_SET:
                if tag == "table" and data_table is not None:
                    stand_in = data_table(el)
                    if stand_in is not None:
                        append(stand_in)
                        walker.skip_subtree()
                        continue
                append("\n")
            text = el.text
            if text and isinstance(tag, str):
                append(collapse(" ", text))
        else:
            if el is root:  # an element's own tail is not part of its text
                break
            if tag in _BLOCK_SET or tag == "br":
                append("\n")
            elif tag == "img":
                append(_IMAGE_LINE)
            tail = el.tail
            if tail:
                append(collapse(" ", tail))
    return out


def _cell_text(td) -> str:
    """A table cell's text as the page reads it (see _pieces), image markers left out."""
    if not len(td):  # text only: collapsed and stripped, as Cell strips it
        text = td.text
        return " ".join(text.split()).replace(IMAGE_MARK, "") if text else ""
    out = ["\n"]
    _inside(td, out)
    return "".join(out).replace(IMAGE_MARK, "")


# Cells whose markup holds at most one printed text (Word's <p><span>0<o:p>): line breaks and
# image markers can only stand at the ends of that text, where Cell strips them, so the text
# alone gives the cell, serialised by libxml2 at once. libxml2 lists the other cells of a table
# (the few with two printed texts or more), which are walked.
_MANY_TEXT_CELLS = etree.XPath(".//tr/*[descendant::text()[normalize-space()][2]]")


def _cell_reader(table):
    """_cell_text for the cells of one table, the cells around one text read without a walk."""
    many_texts = None

    def text(td) -> str:
        nonlocal many_texts
        if not len(td):
            text = td.text
            return " ".join(text.split()).replace(IMAGE_MARK, "") if text else ""
        if many_texts is None:
            many_texts = set(_MANY_TEXT_CELLS(table))
        if td not in many_texts:
            return " ".join(etree.tostring(td, method="text", encoding=str, with_tail=False).split()
                            ).replace(IMAGE_MARK, "")
        return _cell_text(td)

    return text


def _inside(el, out: list[str]) -> None:
    """What _pieces gives for the inside of `el` (its text and descendants, not its own block
    breaks or tail), by plain recursion: cheaper than a walker for the few nodes of a cell.
    libxml2 nests HTML at most 256 deep, well within Python's recursion limit."""
    text = el.text
    if text:
        out.append(_WS.sub(" ", text))
    for child in el:
        tag = child.tag
        if tag in _BLOCK_SET:
            out.append("\n")
            _inside(child, out)
            out.append("\n")
        else:
            if isinstance(tag, str):
                _inside(child, out)
            if tag == "br":
                out.append("\n")
            elif tag == "img":
                out.append(_IMAGE_LINE)
        tail = child.tail
        if tail:
            out.append(_WS.sub(" ", tail))


# The compiled walks, told what the Python ones above know (cell's memo too, looked up before
# calling it); None when the module is not built.
WALK = (_Compiled(_BLOCK_SET, _DROP, _IMAGE_LINE, IMAGE_MARK, cell, Row, span, reserve, MAX_COLSPAN,
                  CELLS, MEMO_TEXT, LAYOUT_TEXT) if _Compiled else None)
