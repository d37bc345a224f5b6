"""page_text as it is now (compiled selectors, a plain lxml tree) gives the very text the
former implementation gave: the stored texts, content hashes and MinHash signatures of earlier
runs stay valid. The former code is kept here as the reference."""

from __future__ import annotations

import urllib.request

import lxml.html
import pytest

from harvester.pagetext import BLANKS, CONTAINERS, DROP, LINES, page_text
from harvester.report import readable_html


def reference_page_text(html: str) -> str:
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
    whole = _reference_text(doc)
    for sel in CONTAINERS:
        found = doc.cssselect(sel)
        if found:
            text = "\n".join(_reference_text(el) for el in found)
            if len(text) >= 0.3 * len(whole):
                return text
    return whole


def _reference_text(el) -> str:
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



TRICKY = [
    # comments and dropped elements whose tails join the text before them
    "<html><body><div class='content'><p>甲<b>乙</b></p><!-- c -->丙<script>x</script>丁<p>戊</p></div></body></html>",
    "<!DOCTYPE html><html><head><title>标题</title></head><body><nav>首页</nav>尾<div id='zoom'>一<br>二<br/>"
    "<table><tr><td>1</td><th>2</th></tr></table><header>h</header>三</div><footer>f</footer></body></html>",
    # nested containers, a search form, breaks at the very start
    "<html><body><form name='search'><input>查</form><div class='content'><br>外<div class='content'>内<br>"
    "  里 </div>尾</div><div>页脚很长很长很长很长很长很长很长很长很长很长很长很长很长很长</div></body></html>",
    # selectors as CSS matches them: a class list split on XML whitespace only, div.X on a
    # <span> no match, an exact id, a container's tail left out, two containers of one selector
    "<html><body><span class='TRS_Editor'>非容器</span><div class='a\tTRS_Editor\nb'>甲<br>乙</div>尾巴"
    "<p id='zoomcon2'>x</p><section id='zoom'>一<i>二</i>三</section>尾</body></html>",
    "<html><body><div class='content\u3000x'>不算</div><div class=' v_news_content '>一</div>中"
    "<div class='v_news_content'>二<div class='v_news_content'>三</div>四</div><p>很长很长很长很长的页脚文字</p>"
    "</body></html>",
    "<html class='content'><body><p>整页</p></body></html>",
    # fragments (no <html>): lxml.html.fromstring's own rules
    "<div class='TRS_Editor'><p>一、总体情况</p><p>正文</p></div>",
    "<p>段一</p><p>段二<br>段三</p>",
    # no container, empty, text only, an XML declaration
    "<html><body><p>a\u3000\xa0 b</p>\n\n<p>c</p></body></html>",
    "", "没有标签的文字", '<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
]


@pytest.mark.parametrize("html", TRICKY)
def test_page_text_is_the_former_text_on_tricky_markup(html):
    assert page_text(html) == reference_page_text(html)


def test_page_text_is_the_former_text_on_every_hand_made_sandbox_report():
    from harvester.sandbox import Sandbox

    with Sandbox() as sb:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": sb.proxy_url, "https": sb.proxy_url}))
        checked = 0
        for report in sb.truth.reports:
            if not report["url"].startswith("http://"):
                continue
            try:
                with opener.open(report["url"], timeout=10) as answer:
                    body, ctype = answer.read(), answer.headers.get("Content-Type")
            except OSError:  # a wall, a 404 link: not a page to compare
                continue
            html = readable_html(body, ctype, url=report["url"])
            assert page_text(html) == reference_page_text(html), report["url"]
            checked += 1
    assert checked >= 150
