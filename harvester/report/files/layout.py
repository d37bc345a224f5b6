"""The intermediate every file reader produces: the rows the HTML reader produces.

A reader places the cells of each table on a grid (row, column, spans) and lists the text
lines around the tables in reading order; ``Document`` turns that into the same ``Row``s
(text lines as loose rows, table rows with grid columns) that htmldoc yields for a page, so
the sections, tables, labels and checks of the HTML parser read files unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..cells import Cell, Row, line
from ..grid import LAYOUT_TEXT


@dataclass
class Placed:
    """One cell of a table as printed: its top-left grid slot, its spans and text.
    ``confidence`` is set by OCR (0 to 100); None for text read from the file itself."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    confidence: float | None = None


class OcrCell(Cell):
    """A cell whose text came from OCR, with its confidence (the lowest of its words)."""

    __slots__ = ("confidence",)

    def __init__(self, text: str, col: int | None, span: int, confidence: float):
        super().__init__(text, col, span)
        self.confidence = confidence


@dataclass
class Document:
    """Rows in reading order plus what the file says about itself."""

    rows: list[Row] = field(default_factory=list)
    meta: dict = field(default_factory=dict)   # e.g. {"pubdate": ...}: read like HTML meta tags
    title: str | None = None                   # the file's own title property, if any
    notes: list[str] = field(default_factory=list)  # facts for parse_reason (pages skipped, ...)
    read_by: str = "text"                      # text, converted, ocr
    tables: int = 0
    layout_tables: bool = False                # rows of a table without ruling lines, read in text order

    def add_line(self, text: str) -> None:
        for part in text.splitlines():
            part = part.strip(" \t\u00a0\u3000")
            if part:
                self.rows.append(line(part))

    def add_table(self, cells: list[Placed], continues: bool = False) -> None:
        """A table's cells; a table the reader knows to continue the previous one (a PDF table
        running onto the next page) keeps its table id so headers and columns carry over."""
        rows = table_rows(cells, self.tables - 1 if continues and self.tables else self.tables)
        if not rows:
            return
        if not is_data(rows):  # layout, not statistics: read as text, as htmldoc does
            for r in rows:
                for c in r.cells:
                    self.add_line(c.text)
            return
        if not (continues and self.tables):
            self.tables += 1
        self.rows.extend(rows)


def table_rows(cells: list[Placed], table_id: int) -> list[Row]:
    """Rows listing the cells that start in them, each at its grid column with its colspan
    (a merged cell is one cell, never copied into the slots it covers: as grid.table_rows)."""
    if not cells:
        return []
    height = max(c.row + c.rowspan for c in cells)
    width = max(c.col + c.colspan for c in cells)
    by_row: list[list[Placed]] = [[] for _ in range(height)]
    for c in cells:
        by_row[c.row].append(c)
    out = []
    for placed in by_row:
        row_cells = []
        for p in sorted(placed, key=lambda c: c.col):
            if p.confidence is None:
                row_cells.append(Cell(p.text, p.col, p.colspan))
            else:
                row_cells.append(OcrCell(p.text, p.col, p.colspan, p.confidence))
        out.append(Row(row_cells, table=table_id, width=width))
    while out and not any(c.text for c in out[-1].cells):
        out.pop()
    return out


def is_data(rows: list[Row]) -> bool:
    """A statistics table: two columns somewhere and short cells (grid.is_data_table's rule)."""
    if not rows or max((len(r.cells) for r in rows), default=0) < 2:
        return False
    return all(len(c.text) <= LAYOUT_TEXT for r in rows for c in r.cells)
