"""The report's skeleton: section headings, the copy of the report to read, table regions, prose.

Headings are recognised by their words (总体情况, 主动公开政府信息情况, ...), not by their
numbers: table 3 has rows numbered 一、 to 四、 too. A page that prints the report twice is cut
into copies at the repeats of its first heading; the first copy with content is read.
"""

from __future__ import annotations

import re

from .cells import NUMBER, Row
from . import labels as L
from .memo import remembered

KINDS = ("overview", "active", "applications", "reviews", "problems", "other")
TABLE_KINDS = {"active": "active_disclosure", "applications": "applications", "reviews": "reviews_litigation"}

_TOP = r"(?:[一二三四五六七八九十]{1,3}[、.,:]|\d{1,2}[、.]|第[一二三四五六七八九十]{1,3}部分[、.:]?)"
_LOOSE = {
    "overview": r"总体情况|总体概况|基本情况|概述",
    "active": r"主动公开政府信息|主动公开情况",
    "applications": r"收到和处理政府信息公开申请|依申请公开(?:政府信息)?(?:的)?情况",
    "reviews": r"行政复议.{0,3}行政诉讼|被申请行政复议|提起行政诉讼",
    "problems": r"存在的主要问题|主要问题及|存在(?:的)?问题|问题及改进",
    "other": r"其他需要报告|其他事项",
}
_EXACT = {
    "overview": r"总体情况",
    "active": r"主动公开政府信息(?:的)?情况",
    "applications": r"收到和处理政府信息公开申请(?:的)?情况",
    "reviews": r"(?:政府信息公开)?(?:的)?行政复议、?行政诉讼(?:的)?情况",
    "problems": r"(?:政府信息公开工作)?存在的主要问题及改进情况",
    "other": r"其他需要报告的事项",
}
_NUMBERED = re.compile(rf"^{_TOP}.{{0,14}}?(?:" + "|".join(f"(?P<{k}>{p})" for k, p in _LOOSE.items()) + ")")
_BARE = re.compile("^(?:" + "|".join(f"(?P<{k}>{p})" for k, p in _EXACT.items()) + ")$")
_SUB = re.compile(r"^\(?[一二三四五六七八九十\d]{1,3}\)")
_ANCHORS = {
    "active": re.compile(r"^第二十条第\(一\)项|^信息内容$"),
    "applications": re.compile(r"申请人情况|^(?:一[、.]?)?本年新收政府信息公开申请"),
    "reviews": L.T4_ANCHOR,
}
_STOP = re.compile(r"^(?:附件|文件下载|相关附件|相关链接|相关文档|关联文件|相关阅读|相关信息|扫一扫|"
                   r"【打印|打印本页|关闭窗口|分享到|上一篇|下一篇|主办单位|承办单位|主办:|版权所有|网站标识码|"
                   r"联系我们|网站地图|技术支持)")
_LONE_NUMBER = re.compile(r"^\d{1,3}$")


def heading_of(row: Row) -> str | None:
    """Section kind of a row that is a heading: one non-blank cell, short, heading words."""
    cells = row.cells
    if len(cells) == 1:  # a text line, most rows
        cell = cells[0]
        return _heading_kind(cell.norm) if cell.text else None
    texts = [c for c in cells if c.text]
    if len(texts) != 1:
        return None
    return _heading_kind(texts[0].norm)


@remembered
def _kind_of(n: str) -> str | None:
    if _SUB.match(n):
        return None
    m = _NUMBERED.match(n) or (_BARE.match(n) if len(n) <= 24 else None)
    return m.lastgroup if m else None


def _heading_kind(n: str) -> str | None:
    """The section a heading's normalised text names (remembered: headings repeat on every page)."""
    return None if len(n) > 60 else _kind_of(n)


def headings(rows: list[Row]) -> list[tuple[int, str]]:
    """(row index, kind) of every heading row: heading_of, inline (it sees every row)."""
    out = []
    for i, row in enumerate(rows):
        cells = row.cells
        if len(cells) == 1:
            cell = cells[0]
            if not cell.text:
                continue
        else:  # a heading row prints one cell: stop at the second printed one
            cell, second = None, False
            for c in cells:
                if c.text:
                    if cell is not None:
                        second = True
                        break
                    cell = c
            if cell is None or second:
                continue
        n = cell.norm
        if len(n) <= 60 and (k := _kind_of(n)):
            out.append((i, k))
    return out


def _prose_lines(rows: list[Row]) -> set[str]:
    return {r.cells[0].norm for r in rows if r.loose and r.cells and "。" in r.cells[0].text
            and len(r.cells[0].text) >= 15}


def _numbers(rows: list[Row]) -> list[str]:
    return [c.text for r in rows for c in r.cells if c.kind == NUMBER]


def _substantive(rows: list[Row], heads: list[tuple[int, str]], start: int) -> bool:
    """A copy with content after its first heading (a table of contents has none)."""
    heading_rows = {i for i, _ in heads}
    chars = 0
    for i in range(start, len(rows)):
        if i in heading_rows:
            continue
        row = rows[i]
        if any(c.kind == NUMBER for c in row.cells) and not row.loose:
            return True
        chars += len(row.text)
        if chars >= 150:
            return True
    return False


def choose_copy(rows: list[Row], heads: list[tuple[int, str]]) -> tuple[int, int, bool]:
    """(start, end, mirrored): the span of rows holding the first copy of the report with
    content, and whether a second, matching copy follows it on the page."""
    if not heads:
        return 0, len(rows), False
    first_kind = heads[0][1]
    starts = [i for i, k in heads if k == first_kind]
    bounds = [0] + starts[1:] + [len(rows)]
    spans = list(zip(bounds, bounds[1:]))
    good = []
    for a, b in spans:
        part = rows[a:b]
        part_heads = [(i - a, k) for i, k in heads if a <= i < b]
        first = part_heads[0][0] if part_heads else 0
        if _substantive(part, part_heads, first + 1):
            good.append((a, b))
    if not good:
        return 0, len(rows), False
    a, b = good[0]
    mirrored = False
    if len(good) > 1:
        mine, mine_nums = _prose_lines(rows[a:b]), _numbers(rows[a:b])
        for c, d in good[1:]:
            theirs = _prose_lines(rows[c:d])
            if mine and theirs:
                share = len(mine & theirs) / min(len(mine), len(theirs))
                mirrored = mirrored or share >= 0.6
            elif _numbers(rows[c:d]) == mine_nums and mine_nums:
                mirrored = True
    return a, b, mirrored


def regions(rows: list[Row], heads: list[tuple[int, str]], start: int, end: int) -> dict[str, tuple[int, int]]:
    """Row span of each section: after its heading (or from a table's own anchor row when its
    heading is missing) to the next heading or anchor."""
    marks: dict[str, tuple[int, int]] = {}   # kind -> (marker row, first row of content)
    bounds = set()
    for i, k in heads:
        if start <= i < end:
            bounds.add(i)
            marks.setdefault(k, (i, i + 1))
    for kind, anchor in _ANCHORS.items():
        if kind in marks:
            continue
        after = max([marks[k][0] for k in KINDS[:KINDS.index(kind)] if k in marks], default=start)
        for i in range(after, end):
            if any(c.text and anchor.search(c.norm) for c in rows[i].cells):
                marks[kind] = (i, i)
                bounds.add(i)
                break
    ordered = sorted(bounds)
    return {kind: (first, next((j for j in ordered if j > mark), end))
            for kind, (mark, first) in marks.items()}


def prose(rows: list[Row], span: tuple[int, int] | None, looks_like_title) -> str | None:
    """Text lines of a prose section, up to page furniture (附件, 相关链接, a report title)."""
    if not span:
        return None
    lines = []
    for row in rows[span[0]:span[1]]:
        if not row.loose or not row.cells:
            continue
        text = row.cells[0].text
        if _STOP.match(row.cells[0].norm) or (len(text) <= 60 and looks_like_title(text)):
            break
        if _LONE_NUMBER.match(text):
            continue
        lines.append(text)
    return "\n".join(lines) or None
