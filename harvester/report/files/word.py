"""DOCX (and DOC/WPS/ODT/RTF once LibreOffice has converted them) as rows.

python-docx opens the package; the body is then walked in document order on its XML, since
python-docx's table API repeats a merged cell in every slot it covers and hides the grid
positions: here a horizontally merged cell (w:gridSpan) is one cell with its colspan, a
vertically merged one (w:vMerge) one cell with its rowspan, and rows that skip leading grid
columns (w:gridBefore) keep their cells in the right columns. A table holding tables is page
layout: its cells are read as text and the tables inside as tables, as htmldoc does.
"""

from __future__ import annotations

from io import BytesIO

from .layout import Document, Placed
from .safety import FileRejected, check_zip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = (W + n for n in ("p", "tbl", "tr", "tc", "sdt", "sdtContent"))
_CONTAINERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag", W + "ins"}
_MAX_ROWS = 5000


def read_docx(body: bytes) -> Document:
    check_zip(body)
    import docx  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        package = docx.Document(BytesIO(body))
    except (PackageNotFoundError, KeyError, ValueError) as e:
        raise FileRejected(f"not a readable DOCX: {type(e).__name__}: {e}") from None
    except Exception as e:  # lxml errors on a broken part, bad relationships, ...
        raise FileRejected(f"corrupt DOCX: {type(e).__name__}: {str(e)[:200]}") from None
    doc = Document()
    title = (package.core_properties.title or "").strip()
    doc.title = title or None
    _blocks(package.element.body, doc)
    return doc


def _children(el):
    """Child elements, looking through content controls and change-tracking wrappers."""
    for child in el:
        if child.tag in _CONTAINERS:
            yield from _children(child)
        else:
            yield child


def _blocks(container, doc: Document) -> None:
    for el in _children(container):
        if el.tag == _P:
            doc.add_line(paragraph_text(el))
        elif el.tag == _TBL:
            _table(el, doc)


def paragraph_text(p) -> str:
    parts = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen"):
        tag = el.tag
        if tag == W + "t":
            parts.append(el.text or "")
        elif tag == W + "tab":
            parts.append("\t")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        else:
            parts.append("\n")
    return "".join(parts)


def _cell_text(tc) -> str:
    return "\n".join(paragraph_text(p) for p in _children(tc) if p.tag == _P)


def _int_attr(el, path: str, default: int) -> int:
    found = el.find(path)
    if found is None:
        return default
    try:
        return max(int(found.get(W + "val", default)), 0)
    except ValueError:
        return default


def _table(tbl, doc: Document) -> None:
    rows = [tr for tr in _children(tbl) if tr.tag == _TR]
    if any(True for _ in tbl.iter(_TBL) if _ is not tbl):  # a layout table: recurse into its cells
        for tr in rows:
            for tc in _children(tr):
                if tc.tag == _TC:
                    _blocks(tc, doc)
        return
    if len(rows) > _MAX_ROWS:
        raise FileRejected(f"DOCX table with {len(rows):,} rows (limit {_MAX_ROWS:,})")
    cells: list[Placed] = []
    open_at: dict[int, Placed] = {}  # grid column -> cell a vMerge continues
    for r, tr in enumerate(rows):
        col = _int_attr(tr, f"{W}trPr/{W}gridBefore", 0)
        seen_here: dict[int, Placed] = {}
        for tc in _children(tr):
            if tc.tag != _TC:
                continue
            span = min(max(_int_attr(tc, f"{W}tcPr/{W}gridSpan", 1), 1), 64)
            vmerge = tc.find(f"{W}tcPr/{W}vMerge")
            if vmerge is not None and vmerge.get(W + "val", "continue") != "restart" and col in open_at:
                above = open_at[col]
                above.rowspan = r - above.row + 1
                seen_here[col] = above
            else:
                placed = Placed(r, col, _cell_text(tc), colspan=span)
                cells.append(placed)
                seen_here[col] = placed
            col += span
        open_at = seen_here
    doc.add_table(cells)
