"""Reports published as files: one entry for bytes of any kind.

    from harvester.report import parse_bytes
    result = parse_bytes(body, url=url, content_type=content_type)

The bytes are sniffed (sniff.py) and sent to their reader: HTML and text to the page parser;
PDF (pdf.py, OCR for scanned pages in ocr.py), DOCX (word.py), XLSX (excel.py); DOC, WPS,
XLS, ET, ODT, ODS and RTF through LibreOffice (convert.py) to DOCX/XLSX; images to OCR. Every
reader yields the rows the HTML reader yields (layout.py), so labels, tables, checks and the
result dict are the page parser's. The result has the page parser's keys plus:

- ``source_format``: html, text, pdf, docx, doc, wps, xlsx, xls, et, odt, ods, rtf, image
  (or what the bytes were when they could not be read: zip, ofd, binary, ...);
- ``read_by``: text (read from the file's own text), converted (LibreOffice first), ocr;
- ``ocr_cells``: {path: confidence 0-100} for every table cell read by OCR, blank ones
  included, paths as in ``raw`` and ``units`` (``applications/granted/total``); {} otherwise;
- ``needs_review``: true when OCR values fail a 勾稽 check or fall below OCR_TRUST, or when
  a PDF table drawn without ruling lines (read in text order) fails a check: such a report
  is never silently trusted (the reason says which).

A file that cannot be read is a result with parse_status "failed" and the reason; this
function never raises.
"""

from __future__ import annotations

from ..errors import ParseError
from ..meta import looks_like_report_title
from ..parse import KEYS, _result, parse, parse_rows
from .layout import Document, OcrCell
from .safety import FileRejected, check_size
from .sniff import hint, sniff

FILE_KEYS = ("source_format", "read_by", "ocr_cells", "needs_review")
OCR_TRUST = 80.0  # an OCR value below this confidence is flagged for review
_TEXT_TYPES = ("text/html", "text/plain", "application/xhtml+xml", "text/xml", "application/xml")
_CONVERTED = {"doc", "wps", "odt", "rtf", "xls", "et", "ods"}
_UNREADABLE = {
    "encrypted-office": "encrypted Office file: a password is needed to open it",
    "ofd": "OFD file (Chinese fixed-layout format): no reader for it yet",
    "zip": "a zip archive that is not a DOCX or XLSX",
    "broken-zip": "truncated or corrupt zip container (a DOCX or XLSX cut short?)",
    "archive": "a compressed archive (RAR, 7z, gzip): not opened",
    "ole": "an OLE2 file that is neither a Word nor an Excel document",
    "binary": "binary data of no known document format",
}

__all__ = ["parse_bytes", "sniff", "FILE_KEYS", "OCR_TRUST"]


def parse_bytes(body: bytes | str, url: str | None = None, content_type: str | None = None, *,
                name: str | None = None, ocr: bool = True, keep_text: bool = False) -> dict:
    """Parse a report of any format into the canonical report dict (see the module doc).
    ``name``: a file name whose extension hints the format when there is no URL;
    ``ocr=False`` leaves image pages unread (noted in parse_reason) instead of running OCR;
    ``keep_text=True`` adds "text", the file's text in reading order (for near-duplicate
    matching; a page's own text is its HTML), None for HTML and text input."""
    texts: list[str] = []
    out = _parse_bytes(body, url, content_type, url or name, ocr, texts)
    if keep_text:
        out["text"] = texts[0] if texts else None
    return out


def _parse_bytes(body, url, content_type, where, ocr, texts: list[str]) -> dict:
    if isinstance(body, str):
        return _finish(parse(body, url=url), "html" if _looks_html(body) else "text", "text")
    if not isinstance(body, (bytes, bytearray, memoryview)):
        return _failed(f"cannot parse a {type(body).__name__}: expected bytes", None)
    body = bytes(body)
    try:
        check_size(body)
        kind = sniff(body, where, content_type)
    except FileRejected as e:
        return _failed(str(e), None)
    if kind in ("html", "text"):
        return _page(body, url, content_type, kind, where)
    if kind in _UNREADABLE:
        return _failed(_UNREADABLE[kind], kind)
    try:
        doc = read_document(body, kind, ocr=ocr)
    except FileRejected as e:
        return _failed(str(e), kind, "ocr" if kind == "image" else None)
    except MemoryError:
        return _failed("out of memory reading the file", kind)
    except Exception as e:  # a reader's bug or a library's surprise must not stop a crawl
        return _failed(f"reader error: {type(e).__name__}: {str(e)[:200]}", kind)
    texts.append("\n".join(row.text for row in doc.rows if row.text))
    return from_document(doc, kind, url)


def read_document(body: bytes, kind: str, *, ocr: bool = True) -> Document:
    """The rows of a file of a sniffed kind (FileRejected when it cannot be read)."""
    if kind == "pdf":
        from .pdf import read_pdf
        return read_pdf(body, ocr=ocr)
    if kind == "docx":
        from .word import read_docx
        return read_docx(body)
    if kind == "xlsx":
        from .excel import read_xlsx
        return read_xlsx(body)
    if kind in _CONVERTED:
        from .convert import TARGETS, convert
        converted = convert(body, kind)
        if TARGETS[kind][1] == "docx":
            from .word import read_docx
            doc = read_docx(converted)
        else:
            from .excel import read_xlsx
            doc = read_xlsx(converted)
        doc.read_by = "converted"
        return doc
    if kind == "image":
        if not ocr:
            raise FileRejected("an image: OCR not run")
        from .ocr import ocr_image
        return ocr_image(body)
    raise FileRejected(f"no reader for {kind}")


def from_document(doc: Document, kind: str, url: str | None = None) -> dict:
    """The report dict of a read document, with the file keys and the OCR review."""
    title = doc.title if doc.title and looks_like_report_title(doc.title) else None
    paths: dict | None = {} if doc.read_by == "ocr" else None
    try:
        out = parse_rows(doc.rows, url=url, page_meta=doc.meta, cms_title=title, cell_paths=paths)
    except Exception as e:
        return _failed(f"parser error: {type(e).__name__}: {e}", kind, doc.read_by)
    if doc.notes:
        out["parse_reason"] = "; ".join(([out["parse_reason"]] if out["parse_reason"] else []) + doc.notes)
    out = _finish(out, kind, doc.read_by)
    if paths is not None:
        _review_ocr(out, paths)
    elif doc.layout_tables and out["check_failures"]:
        # a table drawn without ruling lines is read in text order: a wrapped label can shift
        # values, and failed checks are the sign of it
        out["needs_review"] = True
        out["parse_reason"] = "; ".join(([out["parse_reason"]] if out["parse_reason"] else []) + [
            f"needs review: a table without ruling lines, read in text order, fails "
            f"{len(out['check_failures'])} check(s)"])
    return out


def _review_ocr(out: dict, paths: dict) -> None:
    """Confidences of the values read by OCR, and the review flag: low confidence or a failed
    check means a person must look before the numbers are used."""
    cells = {p: round(c.confidence, 1) for p, c in paths.items() if isinstance(c, OcrCell)}
    for path in _table_paths(out):
        cells.setdefault(path, 0.0)  # a template cell OCR did not find: its blank is not a reading
    out["ocr_cells"] = cells
    low = sorted(p for p, conf in cells.items() if conf < OCR_TRUST)
    why = []
    if low:
        why.append(f"{len(low)} OCR value(s) below confidence {OCR_TRUST:g}: " + ", ".join(low[:8])
                   + (" ..." if len(low) > 8 else ""))
    if out["check_failures"]:
        why.append(f"OCR values fail {len(out['check_failures'])} check(s)")
    if out["is_report"] and not cells:
        why.append("read by OCR: no table values found")
    out["needs_review"] = bool(why and out["is_report"])
    if out["needs_review"]:
        out["parse_reason"] = "; ".join(([out["parse_reason"]] if out["parse_reason"] else [])
                                        + ["needs review: " + "; ".join(why)])


def _table_paths(out: dict) -> list[str]:
    paths = []
    for key in ("active_disclosure", "applications", "reviews_litigation"):
        table = out.get(key)
        for k, v in (table or {}).items():
            if isinstance(v, dict):
                paths += [f"{key}/{k}/{m}" for m in v]
            else:
                paths.append(f"{key}/{k}")
    return paths


def _page(body: bytes, url: str | None, content_type: str | None, kind: str, where: str | None) -> dict:
    """HTML or text bytes: the page parser. A file declared as a document format that turns
    out to be a page which is no report (a portal's error or login page) is a failed read."""
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        out = parse(body, url=url, content_type=content_type if media in _TEXT_TYPES or not media else None)
    except ParseError as e:
        return _failed(str(e), kind)
    claimed = hint(where, content_type)
    if claimed and claimed not in ("html", "text") and not out["is_report"]:
        return _failed(f"declared {claimed.upper()} but the bytes are an {kind.upper()} page that is no report "
                       f"(an error or login page?): {out['parse_reason']}", kind, "text")
    return _finish(out, kind, "text")


def _looks_html(text: str) -> bool:
    from ..textdump import looks_like_html
    return looks_like_html(text)


def _finish(out: dict, kind: str | None, read_by: str | None) -> dict:
    out["source_format"] = kind
    out["read_by"] = read_by
    out.setdefault("ocr_cells", {})
    out.setdefault("needs_review", False)
    return out


def _failed(reason: str, kind: str | None, read_by: str | None = None) -> dict:
    return _finish(_result(parse_status="failed", parse_reason=reason), kind, read_by)


assert set(FILE_KEYS).isdisjoint(KEYS)
