"""PDF as rows: text PDFs read from their characters and ruling lines (pdfplumber), pages that
are only an image (scans) sent to OCR.

A table is rebuilt from the cells pdfplumber finds between ruling lines: the distinct cell
edges give the grid, so a merged cell gets its row and column spans, and characters are put in
the cell under their centre, lines joined (a label wrapped over three lines is one label). A
table that runs onto the next page continues the same table when its column edges match, with
a repeated header dropped; text outside tables becomes lines, in reading order.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from io import BytesIO

from ..cells import Cell
from .layout import Document, OcrCell, Placed
from .safety import MAX_OCR_PAGES, MAX_PAGES, FileRejected

_LINE_GAP = 0.6          # chars whose tops differ less than this share of their size: one line
_CELL_GAP = 1.5          # a gap wider than this many character heights separates cells
_SCANNED_CHARS = 20      # a page with fewer characters than this and an image is a scan


@dataclass
class Item:
    """One thing on a page, in page coordinates: a text line or a table (cells and the x of
    its column edges, for matching a continuation on the next page)."""

    top: float
    text: str | None = None
    cells: list[Placed] = field(default_factory=list)
    edges: list[float] = field(default_factory=list)
    bottom: float = 0.0


@dataclass
class PageItems:
    items: list[Item]
    width: float
    height: float
    layout_tables: bool = False  # rows of a table without ruling lines (three or more runs a line)


def read_pdf(body: bytes, *, ocr: bool = True) -> Document:
    pages = _open_check(body)
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.psparser import PSException

    doc = Document()
    scanned: list[int] = []
    per_page: list[PageItems | None] = []
    try:
        with pdfplumber.open(BytesIO(body)) as pdf:
            title = (pdf.metadata or {}).get("Title")
            doc.title = title.strip() if isinstance(title, str) and title.strip() else None
            for i, page in enumerate(pdf.pages[:pages]):
                if (len(page.chars) < _SCANNED_CHARS and page.images) or _unmapped(page.chars):
                    scanned.append(i)
                    per_page.append(None)
                    continue
                per_page.append(page_items(page))
                page.flush_cache()
    except PDFPasswordIncorrect:
        raise FileRejected("encrypted PDF: a password is needed to open it") from None
    except (PSException, ValueError, KeyError, TypeError, AttributeError, AssertionError, IndexError) as e:
        raise FileRejected(f"corrupt PDF: {type(e).__name__}: {str(e)[:200]}") from None
    if scanned:
        if not ocr and len(scanned) == pages:
            raise FileRejected(f"image-only PDF ({pages} pages): OCR not run")
        if not ocr:
            doc.notes.append(f"{len(scanned)} page(s) are images: OCR not run")
        elif len(scanned) > MAX_OCR_PAGES:
            raise FileRejected(f"scanned PDF of {len(scanned)} pages (OCR limit {MAX_OCR_PAGES})")
        else:
            from .ocr import ocr_pdf_pages

            for i, items in zip(scanned, ocr_pdf_pages(body, scanned)):
                per_page[i] = items
            doc.read_by = "ocr"
    assemble(doc, [p for p in per_page if p is not None])
    return doc


def _unmapped(chars: list[dict]) -> bool:
    """A text layer that cannot be read: fonts without a Unicode map print as (cid:123);
    such a page is read like a scan."""
    if len(chars) < _SCANNED_CHARS:
        return False
    return sum(1 for c in chars if c["text"].startswith("(cid:")) > 0.3 * len(chars)


def _open_check(body: bytes) -> int:
    """Page count by pdfium (fast, in C) before any page is read: encrypted, corrupt and
    oversized files stop here."""
    import pypdfium2 as pdfium

    if b"%%EOF" not in body[-4096:]:
        raise FileRejected("truncated PDF: no end-of-file marker (an interrupted download?)")
    try:
        pdf = pdfium.PdfDocument(body)
    except pdfium.PdfiumError as e:
        text = str(e)
        if "password" in text.lower():
            raise FileRejected("encrypted PDF: a password is needed to open it") from None
        raise FileRejected(f"corrupt PDF: {text}") from None
    try:
        n = len(pdf)
    finally:
        pdf.close()
    if n == 0:
        raise FileRejected("PDF without pages")
    if n > MAX_PAGES:
        raise FileRejected(f"PDF of {n:,} pages (limit {MAX_PAGES})")
    return n


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(edges: list[float], v: float, tol: float) -> int:
    i = bisect.bisect_left(edges, v - tol)
    return min(i, len(edges) - 1)


def grid_cells(bboxes: list[tuple], tol: float) -> tuple[list[tuple], list[float], list[float]]:
    """Cell boxes to grid slots: (row, col, rowspan, colspan, bbox) for each, with the edges."""
    xs = _cluster([b[0] for b in bboxes] + [b[2] for b in bboxes], tol)
    ys = _cluster([b[1] for b in bboxes] + [b[3] for b in bboxes], tol)
    out = []
    for b in bboxes:
        c0, c1 = _index(xs, b[0], tol), _index(xs, b[2], tol)
        r0, r1 = _index(ys, b[1], tol), _index(ys, b[3], tol)
        if c1 <= c0 or r1 <= r0:
            continue
        out.append((r0, c0, r1 - r0, c1 - c0, b))
    return out, xs, ys


def join_lines(chars: list[dict]) -> str:
    """Characters to text: lines by their tops, left to right; lines joined with newlines."""
    if not chars:
        return ""
    chars = sorted(chars, key=lambda c: (c["top"], c["x0"]))
    lines: list[list[dict]] = []
    for ch in chars:
        size = max(ch["bottom"] - ch["top"], 1.0)
        if lines and abs(ch["top"] - lines[-1][0]["top"]) < _LINE_GAP * size:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    out = []
    for ln in lines:
        ln.sort(key=lambda c: c["x0"])
        text = ln[0]["text"]
        for a, b in zip(ln, ln[1:]):
            gap = b["x0"] - a["x1"]
            text += (" " if gap > 0.5 * max(a["x1"] - a["x0"], 1.0) else "") + b["text"]
        out.append(text)
    return "\n".join(out)


def page_items(page) -> PageItems:
    """A text page's tables and lines."""
    page = page.dedupe_chars()
    tol = 0.004 * float(page.width)
    tables = page.find_tables()
    items = []
    boxes = []
    for t in tables:
        slots, xs, ys = grid_cells([c for c in t.cells if c], tol)
        if not slots:
            continue
        x0, top, x1, bottom = t.bbox
        boxes.append(t.bbox)
        inside = [ch for ch in page.chars if x0 <= (ch["x0"] + ch["x1"]) / 2 <= x1
                  and top <= (ch["top"] + ch["bottom"]) / 2 <= bottom]
        by_cell: dict[int, list[dict]] = {}
        for ch in inside:
            cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
            for k, (_, _, _, _, b) in enumerate(slots):
                if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]:
                    by_cell.setdefault(k, []).append(ch)
                    break
        cells = [Placed(r, c, join_lines(by_cell.get(k, [])), rowspan=rs, colspan=cs)
                 for k, (r, c, rs, cs, _) in enumerate(slots)]
        items.append(Item(top=top, cells=cells, edges=xs, bottom=bottom))

    def outside(obj):
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

    free = [ch for ch in page.chars if outside(ch)]
    lines = text_lines(free)
    tops = [top for _, top in lines]
    gapped = sum(1 for t in set(tops) if tops.count(t) >= 3)
    for text, top in lines:
        items.append(Item(top=top, text=text))
    items.sort(key=lambda it: it.top)
    return PageItems(items, float(page.width), float(page.height), layout_tables=gapped >= 3)


def text_lines(chars: list[dict]) -> list[tuple[str, float]]:
    """Lines of free text with their tops (a line of the page, not of a cell). A line with
    wide gaps is a row of a table drawn without ruling lines: each run of text is its own
    line, as in a text dump with one cell per line, so labels and values are read in order."""
    if not chars:
        return []
    chars = sorted(chars, key=lambda c: (c["top"], c["x0"]))
    groups: list[list[dict]] = []
    for ch in chars:
        size = max(ch["bottom"] - ch["top"], 1.0)
        if groups and abs(ch["top"] - groups[-1][0]["top"]) < _LINE_GAP * size:
            groups[-1].append(ch)
        else:
            groups.append([ch])
    out = []
    for g in groups:
        g.sort(key=lambda c: c["x0"])
        part = [g[0]]
        for a, b in zip(g, g[1:]):
            if b["x0"] - a["x1"] > _CELL_GAP * max(a["bottom"] - a["top"], 1.0):
                out.append((join_lines(part), part[0]["top"]))
                part = []
            part.append(b)
        out.append((join_lines(part), part[0]["top"]))
    return out


def assemble(doc: Document, pages: list[PageItems]) -> None:
    """Pages' items into the document, joining a table that runs onto the next page."""
    prev: Item | None = None      # the last table of the previous page, if it ended the page
    header: list[str] = []        # the texts of the first rows of that table
    for page in pages:
        tol = 0.006 * page.width
        doc.layout_tables = doc.layout_tables or page.layout_tables
        body = [it for it in page.items if not _furniture(it, page)]
        for n, it in enumerate(body):
            if it.text is not None:
                doc.add_line(it.text)
                continue
            cells = it.cells
            continues = bool(n == 0 and prev is not None and _same_columns(prev.edges, it.edges, tol))
            if continues:
                cells = _drop_repeated_header(cells, header)
                cells = _realign(cells, it.edges, prev.edges, tol)
                cells = _join_split_row(doc, cells)
            else:
                header = _row_texts(cells, 3)
            doc.add_table(cells, continues=continues)
            if not continues:
                prev = it
            else:
                prev = Item(top=it.top, cells=it.cells, edges=prev.edges, bottom=it.bottom)
        last = body[-1] if body else None
        if last is None or last.text is not None:
            prev = None


_SPLIT_TAIL = 3  # characters: the tail of a label cut by a page break (性收|费), not a row of its own


def _join_split_row(doc: Document, cells: list[Placed]) -> list[Placed]:
    """A row cut by a page break: the continuation starts with the tail of the last row's
    label and nothing else (行政事业性收 | 0 on one page, 费 on the next). The tail joins that
    label; a row with its own label (4 characters and more) or any value is left alone."""
    first = [c for c in cells if c.row == 0]
    said = [c for c in first if c.text.strip()]
    last = doc.rows[-1] if doc.rows else None
    if (len(said) != 1 or len(said[0].text.strip()) > _SPLIT_TAIL or any(c.rowspan > 1 for c in first)
            or last is None or last.table is None or last.loose or not last.cells
            or said[0].col != last.cells[0].col or sum(1 for c in last.cells if c.text) < 2):
        return cells
    head, tail = last.cells[0], said[0]
    text = head.text + tail.text.strip()
    if isinstance(head, OcrCell):
        last.cells[0] = OcrCell(text, head.col, head.span, min(head.confidence, tail.confidence or 100.0))
    else:
        last.cells[0] = Cell(text, head.col, head.span)
    return [Placed(c.row - 1, c.col, c.text, c.rowspan, c.colspan, c.confidence) for c in cells if c.row > 0]


def _furniture(it: Item, page: PageItems) -> bool:
    """Page numbers and running headers in the top or bottom margin: not report text."""
    if it.text is None:
        return False
    in_margin = it.top < 0.06 * page.height or it.top > 0.92 * page.height
    t = it.text.strip(" -—–第页/")
    return in_margin and (t.isdigit() or len(t) <= 3)


def _same_columns(a: list[float], b: list[float], tol: float) -> bool:
    """Every column edge of the continuation is an edge of the table it continues."""
    if not a or not b or abs(a[0] - b[0]) > tol or abs(a[-1] - b[-1]) > tol:
        return False
    return all(any(abs(x - y) <= tol for y in a) for x in b)


def _realign(cells: list[Placed], own: list[float], target: list[float], tol: float) -> list[Placed]:
    """Columns of a continuation counted on the edges of the table it continues."""
    def to(i):
        x = own[min(i, len(own) - 1)]
        return min(range(len(target)), key=lambda k: abs(target[k] - x))
    out = []
    for c in cells:
        c0, c1 = to(c.col), to(c.col + c.colspan)
        out.append(Placed(c.row, c0, c.text, c.rowspan, max(c1 - c0, 1), c.confidence))
    return out


def _row_texts(cells: list[Placed], n: int) -> list[str]:
    rows: dict[int, list[Placed]] = {}
    for c in cells:
        rows.setdefault(c.row, []).append(c)
    return ["|".join(c.text for c in sorted(rows[r], key=lambda c: c.col)) for r in sorted(rows)[:n]]


def _drop_repeated_header(cells: list[Placed], header: list[str]) -> list[Placed]:
    """A continuation that starts by printing the table's header rows again loses them."""
    mine = _row_texts(cells, len(header))
    k = 0
    while k < len(header) and k < len(mine) and mine[k] == header[k] and mine[k].strip("|"):
        k += 1
    if not k:
        return cells
    rows = sorted({c.row for c in cells})
    cut = rows[k] if k < len(rows) else rows[-1] + 1
    return [Placed(c.row - cut, c.col, c.text, c.rowspan, c.colspan, c.confidence) for c in cells if c.row >= cut]
