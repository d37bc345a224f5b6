"""XLSX (and XLS/ET/ODS once LibreOffice has converted them) as rows.

Each sheet is read with openpyxl (values, not formulas: a report's totals are often formulas
and the cached value is what was printed). A merged range is one cell with its spans at its
top-left slot. Within a sheet, a row whose only text is a section heading or a line of prose
is a text line, so a sheet that prints the whole report (headings, tables, notes) reads like a
page; the other rows form the tables.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from ..meta import looks_like_report_title
from ..sections import heading_of
from ..cells import line
from .layout import Document, Placed
from .safety import FileRejected, check_zip

_MAX_CELLS = 200_000
_PROSE = 60  # a lone cell this long is a line of text, not a table label


def read_xlsx(body: bytes) -> Document:
    check_zip(body)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(BytesIO(body), data_only=True, read_only=False)
    except (InvalidFileException, KeyError, ValueError, TypeError) as e:
        raise FileRejected(f"not a readable XLSX: {type(e).__name__}: {str(e)[:200]}") from None
    except Exception as e:  # broken XML parts and the like
        raise FileRejected(f"corrupt XLSX: {type(e).__name__}: {str(e)[:200]}") from None
    doc = Document()
    doc.title = (book.properties.title or "").strip() or None if book.properties else None
    total = 0
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        total += (sheet.max_row or 0) * (sheet.max_column or 0)
        if total > _MAX_CELLS:
            raise FileRejected(f"XLSX too large: more than {_MAX_CELLS:,} cells")
        _sheet(sheet, doc)
    return doc


def cell_text(value) -> str:
    """What a cell prints: integers without '.0' (spreadsheets store every number as a float)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _sheet(sheet, doc: Document) -> None:
    merged = {}
    from_above = set()  # slots covered by a merged cell that starts in a row above
    covered = set()
    for rng in sheet.merged_cells.ranges:
        merged[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    covered.add((r, c))
                    if r > rng.min_row:
                        from_above.add((r, c))
    block: list[Placed] = []
    top = None

    def flush():
        nonlocal block, top
        if block:
            for p in block:
                p.row -= top
                p.col -= 1
            doc.add_table(block)
        block, top = [], None

    for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        texts = [(c, cell_text(v)) for c, v in enumerate(row, start=1) if (r, c) not in covered]
        filled = [(c, t) for c, t in texts if t.strip()]
        held = any((r, c) in from_above for c in range(1, len(row) + 1))
        if not filled and not held:
            flush()  # a blank row ends a table
            continue
        if len(filled) == 1 and not held and merged.get((r, filled[0][0]), (1, 1))[0] == 1:
            text = filled[0][1].strip()
            if heading_of(line(text)) or len(text) > _PROSE or looks_like_report_title(text):
                flush()
                doc.add_line(text)
                continue
        if top is None:
            top = r
        last = max((c for c, _ in filled), default=0)
        for c, t in texts:
            if c > last and not t:
                break
            rs, cs = merged.get((r, c), (1, 1))
            block.append(Placed(r, c, t, rowspan=rs, colspan=cs))
    flush()
