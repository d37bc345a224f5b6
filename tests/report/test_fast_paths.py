"""The parser's shortcuts (issue 13) read exactly what their plain definitions read.

Each fast path is compared, on generated input, with the slow and obvious form it replaced:
the HTML reader with "rewrite every node's text, then take the page's string", the cue-driven
searches with the patterns searched everywhere, the place-name tries with the alternations,
NFKC computed as NFC of NFKD with unicodedata's own NFKC. Parsing never depends on what the
memos hold.
"""

from __future__ import annotations

import contextlib
import random
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from report_helpers import FIXTURES

from harvester.report import parse
from harvester.report import cells as C
from harvester.report import htmldoc as H
from harvester.report import labels as L
from harvester.report import meta as M
from harvester.report import places as P
from harvester.report.grid import is_data_table, is_leaf, table_rows, text_of
from harvester.report.memo import forget

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the HTML reader against its plain definition -----------------------------------------------
def plain_read_html(text: str) -> H.Page:
    """The reader as first written: collapse every text node and add line breaks in place,
    read each cell with XPath string(), replace data tables by stand-in lines, split the page's
    string into lines."""
    text = H._XML_DECL.sub("", text, count=1)
    try:
        doc = etree.fromstring(text, H._PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        doc = None
    if doc is None:
        return H.Page([], None, {}, [])
    meta = {}
    for m in doc.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        if name and m.get("content") and name not in meta:
            meta[name] = m.get("content").strip()
    title_el = next(doc.iter("title"), None)
    title = H._WS.sub(" ", text_of(title_el)).strip() if title_el is not None else None
    attachments = [a.get("href") for a in doc.iter("a") if H._ATTACHMENT.search(a.get("href") or "")]
    head = doc.find("head")
    if head is not None:
        head.getparent().remove(head)
    etree.strip_elements(doc, *H._DROP, with_tail=False)
    for el in doc.iter():
        if el.text:
            el.text = H._WS.sub(" ", el.text)
        if el.tail:
            el.tail = H._WS.sub(" ", el.tail)
    for el in doc.iter(*H._BLOCKS):
        el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")
    for el in doc.iter("br"):
        el.tail = "\n" + (el.tail or "")
    for el in doc.iter("img"):
        el.tail = f"\n{H.IMAGE_MARK}\n" + (el.tail or "")
    tables = []
    for table in list(doc.iter("table")):
        if table.getparent() is None or not is_leaf(table):
            continue
        grid = table_rows(table, len(tables))  # the default reading: string() of each cell
        if not is_data_table(table, grid):
            continue
        tables.append(grid)
        holder = etree.Element("p")
        holder.text = f"\n{H._MARK}T{len(tables) - 1}{H._MARK}\n"
        holder.tail = table.tail
        table.getparent().replace(table, holder)
    rows = []
    for raw in text_of(doc).split("\n"):
        s = raw.strip(" \u00a0\u3000\t")
        if not s:
            continue
        if s == H.IMAGE_MARK:
            rows.append(C.Row([], None, None, True, True))
        elif s.startswith(H._MARK) and s.endswith(H._MARK):
            rows.extend(tables[int(s.strip(H._MARK)[1:])])
        else:
            rows.append(C.line(s.replace(H.IMAGE_MARK, "")))
    return H.Page(rows, title, meta, attachments)


def rows_of(page: H.Page) -> list:
    return [page.title, page.meta, page.attachments] + [
        (r.table, r.width, r.loose, r.image, [(c.text, c.col, c.span, c.kind, c.value, c.unit, c.raw)
                                               for c in r.cells]) for r in page.rows]


WORDS = ["规章", "行政许可", "本年新收政府信息公开申请数量", "（一）予以公开", "自然人", "总计", "维持", "0", "12",
         "1,200", "１２", "3件", "—", "/", "无", "一、总体情况", "本机关", "“条例”", "2023年", "附件"]
SPACES = ["", " ", "  ", "\n", "\t", "\u00a0", "&nbsp;", "\u3000", "\r\n  "]
INLINE = ["span", "b", "font", "a", "o:p", "em"]
BLOCKS = ["p", "div", "li", "h3", "center"]


def _text(rng) -> str:
    return "".join(rng.choice(SPACES) + rng.choice(WORDS) for _ in range(rng.randint(1, 3))) + rng.choice(SPACES)


# elements the reader reads as removed (htmldoc._DROP), their tails kept: texts on either side join
DROPPED = ["<script>var s = '<p>1</p>';</script>", "<style>td {color: red}</style>", "<noscript><p>启用</p></noscript>",
           "<template><tr><td>9</td></tr></template>", "<button>打印</button>", "<select><option>2</option></select>",
           "<svg><text>3</text></svg>", "<iframe src='x'></iframe>", "<textarea> 4 </textarea>"]


def _inline(rng, depth=0) -> str:
    r = rng.random()
    if r < 0.08:
        return rng.choice(SPACES) + rng.choice(DROPPED) + rng.choice(SPACES) + _text(rng)
    if r < 0.12:  # what page_facts reads anywhere in the tree: links, metas, a title
        return rng.choice(["<a href='r.DOC?id=1'>附件1</a>", "<a name='top'>顶</a>", "<a href=''>空</a>",
                           "<meta property='og:title' content='副'>", "<meta name='Keywords'>",
                           "<meta name='ArticleTitle' content='后'>", "<title>第二</title>"]) + _text(rng)
    if depth > 2 or r < 0.45:
        return _text(rng)
    if r < 0.55:
        return "<br>" + _text(rng)
    if r < 0.6:
        return '<img src="a.png">'
    if r < 0.7:
        t = rng.choice(BLOCKS)
        return f"<{t}>{_inline(rng, depth + 1)}</{t}>"
    t = rng.choice(INLINE)
    return f"<{t}>{_inline(rng, depth + 1)}{_inline(rng, depth + 1)}</{t}>{rng.choice(SPACES)}"


def _table(rng, depth=0) -> str:
    rows = []
    for _ in range(rng.randint(1, 6)):
        cells = []
        for _ in range(rng.randint(1, 5)):
            attrs = ""
            if rng.random() < 0.2:
                attrs += f' colspan="{rng.choice(["2", "3", "x", "2;", "0", "99", " 3", "1234567890"])}"'
            if rng.random() < 0.2:
                attrs += f' rowspan="{rng.choice(["2", "3", "9", "0", "x"])}"'
            r = rng.random()  # a nested table, or a prose cell (both make a layout table), or text
            body = (_table(rng, depth + 1) if depth < 1 and r < 0.05 else
                    "某" * rng.choice([299, 300, 301]) if r < 0.08 else _inline(rng))
            cells.append(f"<{rng.choice(['td', 'td', 'th'])}{attrs}>{body}</td>")
        rows.append("<tr>" + rng.choice(SPACES) + "".join(cells) + "</tr>"
                    + (rng.choice(DROPPED) if rng.random() < 0.05 else ""))
    body = "\n".join(rows)
    return f"<table>{'<tbody>' + body + '</tbody>' if rng.random() < 0.3 else body}</table>{rng.choice(SPACES)}"


def html_page(rng) -> str:
    parts = []
    for _ in range(rng.randint(1, 8)):
        r = rng.random()
        parts.append(_table(rng) if r < 0.4 else f"<{rng.choice(BLOCKS)}>{_inline(rng)}</p>" if r < 0.8
                     else "<script>var s = '<p>x</p>';</script>" + _inline(rng))
    head = ("<head><title> 某某市2023年 政府信息公开\n年报 </title><meta name='ArticleTitle' content=' 标题 '>"
            + rng.choice(["", "<script>document.write('<table><tr><td>1</td><td>2</td></tr></table>')</script>",
                          "<style>p {}</style>"]) + "</head>" + rng.choice(["", " ", "\n尾"]))
    return (f"<html>{rng.choice(['', ' ', '前'])}{head if rng.random() < 0.7 else ''}<body>{''.join(parts)}"
            f"<a href='f.pdf'>附件</a></body></html>")


COMPILED = H.WALK


WALKS = pytest.mark.parametrize("walk", ["compiled", "python"])


@contextlib.contextmanager
def walking(walk: str):
    """The compiled walks (harvester/report/_htmlwalk.pyx) or htmldoc's Python walks."""
    saved = H.WALK
    H.WALK = COMPILED if walk == "compiled" else None
    try:
        yield
    finally:
        H.WALK = saved


def test_the_compiled_walks_are_built():
    """The install builds them (setup.py): a failed build would leave every page to the slower
    Python walks without a word."""
    assert COMPILED is not None, "harvester/report/_htmlwalk was not built: run pip install -e . again"


@WALKS
@SETTINGS
@given(rng=st.randoms(use_true_random=False))
def test_html_rows_equal_the_plain_reading(walk, rng):
    page = html_page(rng)
    with walking(walk):
        assert rows_of(H.read_html(page)) == rows_of(plain_read_html(page)), page


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.html")))
def test_both_walks_read_each_fixture_alike(name):
    text = (FIXTURES / name).read_bytes().decode("utf-8", "replace")
    with walking("compiled"):
        compiled = rows_of(H.read_html(text))
    with walking("python"):
        python = rows_of(H.read_html(text))
    assert compiled == python
    assert len(compiled) > 3


@WALKS
def test_text_that_looks_like_the_readers_markers_is_read_as_text(walk):
    """A page's own private-use characters (U+E000 is the image marker's) never pass for a
    table or break the page: each table's rows appear once, where the table stands."""
    table = "<table><tr><td>本年新收</td><td>12</td></tr><tr><td>自然人</td><td>3</td></tr></table>"
    page = f"<p>\ue000</p><p>\ue000T0\ue000</p>{table}<p>\ue000T0\ue000 尾</p>"
    with walking(walk):
        rows = H.read_html(page).rows
    texts = [[c.text for c in r.cells] for r in rows]
    assert texts == [["\ue000"], ["\ue000T0\ue000"], ["本年新收", "12"], ["自然人", "3"], ["\ue000T0\ue000 尾"]]
    assert [r.table for r in rows] == [None, None, 0, 0, None]


@WALKS
@pytest.mark.parametrize("value, expected", [("2", 2), (" 3 ", 3), ("2;", 2), ("x", 1), ("0", 1), ("-1", 1),
                                             ("", 1), ("①", 1), ("²", 1), ("２", 1), ("99", 64), ("123456", 64)])
def test_spans_read_as_a_browser_reads_them(walk, value, expected):
    page = f"<table><tr><td colspan='{value}'>a</td><td>b</td><td>c</td></tr><tr><td>d</td><td>e</td></tr></table>"
    with walking(walk):
        first = H.read_html(page).rows[0]
    assert [(c.text, c.col, c.span) for c in first.cells] == [("a", 0, expected), ("b", expected, 1),
                                                              ("c", expected + 1, 1)]


def test_a_table_at_the_root_is_offered_for_a_stand_in_by_both_walks():
    table = etree.fromstring("<table><tr><td>1</td><td>2</td></tr></table>")
    assert COMPILED.pieces(table, lambda t: ["stand-in"]) == H._pieces(table, [], lambda t: ["stand-in"])
    assert COMPILED.pieces(table, lambda t: None) == H._pieces(table, [], lambda t: None)


@WALKS
def test_the_plain_reading_tells_the_layouts_apart(walk):
    """The comparison above can fail: a cell's line breaks, spans and spacing all show in it."""
    a = "<table><tr><td><p>1</p><p>2</p></td><td colspan=2>x  <b> y</b></td></tr></table>"
    b = "<table><tr><td><span>1</span><span>2</span></td><td colspan=2>x <b>y</b></td></tr></table>"
    assert rows_of(plain_read_html(a)) != rows_of(plain_read_html(b))
    with walking(walk):
        assert [c.text for c in H.read_html(a).rows[0].cells] == ["1\n\n2", "x  y"]


# --- searches tried only near their cues ----------------------------------------------------------
TOKENS = ["以下", "简称", "(", "（", ")", "）", "“", "”", '"', "：", "网站", "门户", "人民政府", "政府", "局",
          "管理委员会", "管委会", "办公室", "，", "。", " ", "、", "《", "》", "某", "市", "柳州", "本", "网", "站"]


def cue_text(rng) -> str:
    parts = []
    for _ in range(rng.randint(0, 60)):
        r = rng.random()
        if r < 0.15:  # an alias definition, with its name near the pattern's limits
            parts.append("某" * rng.randint(1, 44) + rng.choice(["（以下简称“", "(简称", "（简称：", "(以下简称\""])
                         + "甲" * rng.randint(0, 22) + rng.choice(["”）", ")", "\")", "）", ""]))
        elif r < 0.3:
            parts.append("某" * rng.randint(1, 40))
        else:
            parts.append(rng.choice(TOKENS))
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(st.randoms(use_true_random=False))
def test_cue_searches_find_what_the_patterns_find(rng):
    text = cue_text(rng)
    assert ([(m.span(), m.groups()) for m in M.alias_matches(text)]
            == [(m.span(), m.groups()) for m in M._ALIAS.finditer(text)])
    fast, plain = M.portal_match(text), M._PORTAL.search(text)
    assert (fast and (fast.span(), fast.groups())) == (plain and (plain.span(), plain.groups()))


# --- place names --------------------------------------------------------------------------------
def _alternation(names) -> re.Pattern:
    return re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)))


ANY_PLAIN = _alternation({**P.SHORT_FORMS, **P.FULL_FORMS})
FULL_PLAIN = _alternation(P.FULL_FORMS)
NAMES = sorted({**P.SHORT_FORMS, **P.FULL_FORMS})


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_place_tries_match_as_the_alternations_do(rng):
    parts = []
    for _ in range(rng.randint(0, 40)):
        name = rng.choice(NAMES)
        r = rng.random()
        parts.append(name if r < 0.4 else name[rng.randrange(len(name)):] if r < 0.6 else name[:rng.randint(1, len(name))]
                     if r < 0.8 else rng.choice("马的市区县省州，。 "))
    text = "".join(parts)
    assert [m.span() for m in P._ANY.finditer(text)] == [m.span() for m in ANY_PLAIN.finditer(text)]
    assert P._full_names(text) == FULL_PLAIN.findall(text)
    assert P._FULL_BY_CUES  # the cue search is in use, not its fallback


# --- text forms ---------------------------------------------------------------------------------
ODD = "ａ１２，（）〔〕【】“”‘’「」\u00a0\u3000\u200b\ufeff\u00ade\u0301\u0344①㈠ﬁ가\u1100\u1161\u11a8각\u0f73 规章ab"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(ODD) | st.characters(), max_size=200))
def test_text_forms_equal_their_definitions(text):
    assert C.nfkc(text) == unicodedata.normalize("NFKC", text)
    assert C.squash(text) == re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    assert C.norm_label(text) == C.squash(text).translate(C._LABEL_TABLE)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(ODD) | st.characters(), max_size=45))
def test_a_norm_kept_from_a_cells_reading_equals_its_definition(text):
    """Reading a short label cell keeps its norm (cells._read): the norm computed on its own."""
    forget()
    cell = C.Cell(text)
    assert cell.norm == C.squash(cell.text).translate(C._LABEL_TABLE)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=3))
def test_plain_numbers_read_as_the_number_pattern_reads_them(n, zeros):
    printed = "0" * zeros + str(n)
    assert C.classify(printed) == C.classify(f"{printed} ")  # the second goes the regex way
    assert C.Cell(printed).raw == (None if printed == str(n) else printed)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS + ["其他", "合计", "行政复议", "尚未审结", "第二十条", "信息内容", "采购总金额",
                                         "不予处理", "信访", "x"]), max_size=4).map("".join))
def test_labels_found_as_by_trying_each_pattern(label):
    label = C.norm_label(label)
    for table in (L.T2_ITEMS, L.T2_METRICS, L.T3_COLUMNS, L.T3_GROUPS, L.T3_ROWS, L._T4_GROUP, L._T4_METRIC):
        assert L._first(table, label) == next((k for k, p in table if p.search(label)), None)


# --- memos --------------------------------------------------------------------------------------
def test_results_do_not_depend_on_what_the_memos_hold():
    pages = [p.read_bytes() for p in sorted(FIXTURES.iterdir())]
    warm = [parse(b) for b in pages] and [parse(b) for b in pages]
    cold = []
    for b in pages:
        forget()
        cold.append(parse(b))
    assert cold == warm
    assert any(r["parse_status"] == "ok" for r in cold)


def test_generated_pages_parse_alike_with_and_without_memos():
    rng = random.Random(13)
    pages = [html_page(rng).encode() for _ in range(30)]
    warm = [parse(b) for b in pages]
    forget()
    assert [parse(b) for b in pages] == warm
