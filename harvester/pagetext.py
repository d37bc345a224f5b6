"""The readable text of a report page without its portal chrome (menus, footers, links).

Used for full-text search and for comparing copies of a report published on different
portals, whose chrome differs while the report does not.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector

# Body containers seen on real portals (spec/portals.md), most specific first.
CONTAINERS = (
    "div.TRS_Editor", "div.trs_editor_view", "div.TRS_UEDITOR", "#zoom", "#UCAP-CONTENT",
    "ucapcontent", ".Custom_UnionStyle", "#vsb_content", ".v_news_content", ".article-content",
    "#ivs_content", "#zoomcon", ".content", "#content", "article",
)
DROP = ("script", "style", "noscript", "nav", "header", "footer", "select", "form[name=search]")
SECOND_HEAD = re.compile(r"年度报告|年报|发布日期|发布时间|来源|^\s*\d{0,3}\s*$")
BLANKS = re.compile(r"[ \t\u3000\xa0]+")
LINES = re.compile(r"\n\s*\n+")


_DROP_SELECT = [CSSSelector(sel, translator="html") for sel in DROP]
_CONTAINER_SELECT = [CSSSelector(sel, translator="html") for sel in CONTAINERS]
# lxml.html's parser options, without its element classes (a proxy class looked up per node
# costs as much as the walk); its test for a whole document, as lxml.html.fromstring makes it.
_PARSER = etree.HTMLParser()
_WHOLE_DOCUMENT = re.compile(r"^\s*<(?:html|!doctype)", re.I).match
_BLOCK = frozenset(("p", "div", "tr", "li", "h1", "h2", "h3", "table", "section"))
_CELL = frozenset(("td", "th"))


def page_text(html: str) -> str:
    """Text of the report body: the first known container holding most of the page's text.
    (The selectors are compiled once and the tree is plain lxml: a third of the former cost,
    the same text.)"""
    if not html or "<" not in html:
        return (html or "").strip()
    try:
        # a whole document is what lxml.html.fromstring returns for it; a fragment keeps its rules
        doc = etree.fromstring(html, _PARSER) if _WHOLE_DOCUMENT(html) else lxml.html.fromstring(html)
    except (ValueError, etree.ParserError):
        return ""
    if doc is None:  # lxml.html: "Document is empty"
        return ""
    for select in _DROP_SELECT:
        for el in select(doc):
            _drop_tree(el)
    whole = _text(doc)
    for select in _CONTAINER_SELECT:
        found = select(doc)
        if found:
            text = "\n".join(_text(el) for el in found)
            if len(text) >= 0.3 * len(whole):
                return text
    return whole


def _drop_tree(el) -> None:
    """lxml.html's drop_tree: the element goes, its tail joins the text before it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + el.tail
        else:
            previous.tail = (previous.tail or "") + el.tail
    parent.remove(el)


def _text(el) -> str:
    """The element's text: a line break before each block, a space before each cell, one after
    each <br>; each node's tail read right after its own text, as the stored texts always were."""
    parts = []
    append = parts.append
    for node in el.iter():
        tag = node.tag
        if tag in _BLOCK:
            if parts:
                append("\n")
        elif tag in _CELL:
            append(" ")
        if node.text and isinstance(tag, str):
            append(node.text)
        if node is not el:
            if tag == "br":
                append("\n")
            if node.tail:
                append(node.tail)
    text = BLANKS.sub(" ", "".join(parts))
    return LINES.sub("\n", text).strip()


def first_copy(text: str) -> str:
    """The report once, from the text of a page that prints it twice (seed 002, 柳南区): the
    text up to where its opening sentence starts again, less the title line before it."""
    lines = [l for l in text.split("\n") if len(l.strip()) >= 20]
    if not lines:
        return text
    opening = lines[0].strip()[:40]
    again = text.find(opening, text.find(opening) + len(opening))
    if again < 0.3 * len(text):
        return text
    head = text[:again].rstrip()
    # drop the second copy's title, date and column lines, which stand just before its opening
    lines = head.split("\n")
    while len(lines) > 1 and SECOND_HEAD.search(lines[-1]) and len(lines[-1]) < 80:
        lines.pop()
    return "\n".join(lines).rstrip()
