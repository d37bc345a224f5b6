"""An HTML <table> as rows of cells placed on a grid (rowspan/colspan expanded).

Each row lists the cells that start in it, each with the grid column where it starts and its
colspan. A value typed once into a merged cell is therefore one cell (at the first column it
covers): it is recorded once, never copied into the columns it spans.
"""

from __future__ import annotations

from lxml import etree

from .cells import Row, cell

text_of = etree.XPath("string()")  # an element's text, in C

MAX_COLSPAN = 64
IMAGE_MARK = "\ue000IMG\ue000"  # left in the text by htmldoc where an <img> stood
# A cell this long is prose: the table holds page layout, not statistics.
LAYOUT_TEXT = 300


def span(value: str | None, limit: int) -> int:
    """A rowspan or colspan attribute as a count from 1 to `limit`: its ASCII digits (as a
    browser reads it, ２ or ² is no number), 1 when it has none."""
    if value is None:
        return 1
    if not (value.isascii() and value.isdigit()):
        value = "".join([ch for ch in value if "0" <= ch <= "9"])[:4]
    n = int(value) if value else 1
    return min(max(n, 1), limit)


def is_data_table(table, rows: list[Row]) -> bool:
    """A leaf table of short cells, at least two columns wide somewhere: a statistics table.
    Layout tables (nested tables, one column, prose cells) are read as text instead."""
    if not rows or max([len(r.cells) for r in rows]) < 2:
        return False
    for r in rows:  # (plain loops: cheaper than all() over a generator on every cell)
        for c in r.cells:
            if len(c.text) > LAYOUT_TEXT:
                return False
    return True


def is_leaf(table) -> bool:
    return next(table.iterdescendants("table"), None) is None


def _cell_text(td) -> str:
    return text_of(td).replace(IMAGE_MARK, "")


def reserve(until: list[int], col: int, colspan: int, last: int) -> None:
    """Grid columns col .. col+colspan-1 taken down to row `last` by a cell's rowspan."""
    if len(until) < col + colspan:
        until.extend([-1] * (col + colspan - len(until)))
    for c in range(col, col + colspan):
        if until[c] < last:
            until[c] = last


def table_rows(table, table_id: int, text=_cell_text) -> list[Row]:
    """Rows of a leaf table with grid columns; spans are expanded only to place later cells.
    ``text`` gives a cell's printed text (htmldoc passes its own reading of the cell)."""
    # per grid column, the last row a rowspan from a row above reaches down to: a list indexed
    # by column, cheaper to ask on every cell than a set of (row, column) slots
    until: list[int] = []
    trs = list(table.iter("tr"))  # a leaf table: all its rows are its own
    n = len(trs)
    out = []
    width = 0
    for r, tr in enumerate(trs):
        cells = []
        append = cells.append
        c = 0
        for td in tr:
            tag = td.tag
            if tag != "td" and tag != "th":
                continue
            if until:
                while c < len(until) and until[c] >= r:
                    c += 1
            attrib = td.attrib  # most cells have no attribute at all: one look says so
            if attrib:
                rowspan = attrib.get("rowspan")
                colspan = attrib.get("colspan")
                colspan = 1 if colspan is None else span(colspan, MAX_COLSPAN)
            else:
                rowspan, colspan = None, 1
            append(cell(text(td), c, colspan))
            if rowspan is not None:
                reserve(until, c, colspan, r + span(rowspan, n - r) - 1)
            c += colspan
        if until:
            while c < len(until) and until[c] >= r:
                c += 1
        if c > width:
            width = c
        out.append(Row(cells, table_id))
    for row in out:
        row.width = width
    return out
