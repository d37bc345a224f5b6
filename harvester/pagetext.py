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
# lxml.html's parser options, without its element classes (a proxy class looked up per node
# costs as much as the walk); its test for a whole document, as lxml.html.fromstring makes it.
_PARSER = etree.HTMLParser()
_WHOLE_DOCUMENT = re.compile(r"^\s*<(?:html|!doctype)", re.I).match
_BLOCK = frozenset(("p", "div", "tr", "li", "h1", "h2", "h3", "table", "section"))
_CELL = frozenset(("td", "th"))


def page_text(html: str) -> str:
    """Text of the report body: the first known container holding most of the page's text.
    (One walk of a plain lxml tree gives the page's text and every container's: the same
    text as walking the page, then each container, cost twice as much.)"""
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
    parts, found = _walk(doc)
    whole = _join(parts)
    for spans in found:  # the selectors in CONTAINERS' order
        if spans:
            text = "\n".join(_join(parts[start:tail] + parts[tail + 1:end] if tail >= 0 else parts[start:end])
                             for start, tail, end in spans)
            if len(text) >= 0.3 * len(whole):
                return text
    return whole


def _selectors() -> tuple[dict, dict, dict]:
    """CONTAINERS as lookups by tag, id and class: {key: [(selector index, tag or None)]}."""
    by_tag, by_id, by_class = {}, {}, {}
    for i, sel in enumerate(CONTAINERS):
        tag, _, rest = sel.partition("#") if "#" in sel else sel.partition(".")
        if "#" in sel:
            by_id.setdefault(rest, []).append((i, tag or None))
        elif "." in sel:
            by_class.setdefault(rest, []).append((i, tag or None))
        else:
            by_tag.setdefault(tag, []).append((i, None))
    return by_tag, by_id, by_class


_BY_TAG, _BY_ID, _BY_CLASS = _selectors()
_XML_SPACE = re.compile(r"[ \t\r\n]+")  # what XPath's normalize-space() splits a class list on


def _walk(root) -> tuple[list[str], list[list]]:
    """The pieces of the root's text in one walk (a line break before each block, a space
    before each cell, one after each <br>; each node's tail read right after its own text, as
    the stored texts always were), and for each container selector
    the (start, tail, end) piece spans of the elements it selects (CSS semantics: tag, exact
    id, class token), so each container's text is a slice of the same pieces: its own tail
    left out, leading breaks stripped as a walk of the container alone strips them."""
    parts: list[str] = []
    append = parts.append
    found: list[list] = [[] for _ in CONTAINERS]
    closing: dict = {}  # the node just after a container's subtree -> that container's spans
    for node in root.iter():
        if closing and node in closing:
            for span in closing.pop(node):
                span[2] = len(parts)
        tag = node.tag
        if tag in _BLOCK:
            if parts:
                append("\n")
        elif tag in _CELL:
            append(" ")
        start = len(parts)
        if node.text and isinstance(tag, str):
            append(node.text)
        tail = -1
        if node is not root:
            if tag == "br":
                append("\n")
            if node.tail:
                tail = len(parts)
                append(node.tail)
        if not isinstance(tag, str):
            continue
        hits = _BY_TAG.get(tag)
        ident = node.get("id")
        if ident is not None and ident in _BY_ID:
            hits = (hits or []) + [h for h in _BY_ID[ident] if h[1] is None or h[1] == tag]
        classes = node.get("class")
        if classes:
            for name in _XML_SPACE.split(classes.strip(" \t\r\n")):
                if name in _BY_CLASS:
                    hits = (hits or []) + [h for h in _BY_CLASS[name] if h[1] is None or h[1] == tag]
        if hits:
            span = [start, tail, None]
            for i in dict.fromkeys(i for i, _ in hits):
                found[i].append(span)
            after = _following(node, root)
            if after is None:
                span[2] = -1  # to the end of the walk
            else:
                closing.setdefault(after, []).append(span)
    for spans in found:
        for span in spans:
            if span[2] is None or span[2] < 0:
                span[2] = len(parts)
    return parts, found


def _following(el, root):
    """The first node after el's subtree in document order, within root (None: the end)."""
    while el is not root and el is not None:
        after = el.getnext()
        if after is not None:
            return after
        el = el.getparent()
    return None


def _join(parts: list[str]) -> str:
    return LINES.sub("\n", BLANKS.sub(" ", "".join(parts))).strip()


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
