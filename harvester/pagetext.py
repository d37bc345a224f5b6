"""The readable text of a report page without its portal chrome (menus, footers, links).

Used for full-text search and for comparing copies of a report published on different
portals, whose chrome differs while the report does not.
"""

from __future__ import annotations

import re

import lxml.html

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


def page_text(html: str) -> str:
    """Text of the report body: the first known container holding most of the page's text."""
    if not html or "<" not in html:
        return (html or "").strip()
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for sel in DROP:
        for el in doc.cssselect(sel):
            el.drop_tree()
    whole = _text(doc)
    for sel in CONTAINERS:
        found = doc.cssselect(sel)
        if found:
            text = "\n".join(_text(el) for el in found)
            if len(text) >= 0.3 * len(whole):
                return text
    return whole


def _text(el) -> str:
    for br in el.iter("br"):
        br.tail = "\n" + (br.tail or "")
    parts = []
    for node in el.iter():
        if node.tag in ("p", "div", "tr", "li", "h1", "h2", "h3", "table", "section") and parts:
            parts.append("\n")
        if node.tag in ("td", "th"):
            parts.append(" ")
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
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
