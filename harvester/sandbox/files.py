"""Reports as the files agencies publish, rendered from the same report dict as the pages.

docs.py makes the DOCX (real ``w:tbl`` tables, merged cells) and the blocks; here the rest:
XLSX (openpyxl, the tables on one sheet with merged ranges), and through LibreOffice
(Debian's libreoffice-writer-nogui/-calc-nogui) the PDF, DOC and XLS, a scan of the PDF
(pdftoppm from poppler-utils, pages as noisy JPEGs in an image-only PDF: OCR's work), and the
hostile files (a truncated DOCX, an encrypted Office file, a zip bomb).

A LibreOffice start costs 1-2 s, so every rendered file is kept on disk under
``HARVESTER_SANDBOX_CACHE`` (default ~/.cache/gov-report-harvester/sandbox-files), keyed by
the hash of what it was made from: a second run serves them at once. The report tests
(tests/report/render_files.py) use the same converters.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import random
import re
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path

from . import docs

RENDER_VERSION = "1"  # part of every cache key: bump it when a renderer changes its output
FORMATS = ("pdf", "docx", "doc", "xlsx", "xls", "scan")
HOSTILE = ("truncated-docx", "encrypted-docx", "zip-bomb")
_lock = threading.Lock()  # one LibreOffice at a time (its profile directory is per call, its CPU is not)


def cache_dir() -> Path:
    return Path(os.environ.get("HARVESTER_SANDBOX_CACHE")
                or Path.home() / ".cache" / "gov-report-harvester" / "sandbox-files")


def _cached(key_parts: tuple, make) -> bytes:
    key = hashlib.sha256(repr((RENDER_VERSION, *key_parts)).encode("utf-8")).hexdigest()
    path = cache_dir() / key[:2] / key
    try:
        return path.read_bytes()
    except OSError:
        pass
    body = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(body)
        tmp.replace(path)
    except OSError:  # a read-only home: served all the same, made again next time
        pass
    return body


def report_file(report: dict, title: str | None, kind: str) -> bytes:
    """The report as a file of ``kind`` (FORMATS or HOSTILE)."""
    # rows are kept whole across page breaks: a row cut by a page break is not joined again
    # by the PDF reader yet (harvester/report/files/pdf.py)
    docx = docs.text_docx(docs.report_blocks(report, title), cant_split=True)
    if kind == "docx":
        return docx
    if kind == "xlsx":
        return report_xlsx(report, title)
    if kind in ("pdf", "doc"):
        return _cached(("soffice", kind, hashlib.sha256(docx).hexdigest()),
                       lambda: soffice_convert({"report.docx": docx}, kind)["report.docx"])
    if kind == "xls":
        xlsx = report_xlsx(report, title)
        return _cached(("soffice", "xls", hashlib.sha256(xlsx).hexdigest()),
                       lambda: soffice_convert({"report.xlsx": xlsx}, "xls")["report.xlsx"])
    if kind == "scan":
        pdf = report_file(report, title, "pdf")
        return _cached(("scan", hashlib.sha256(pdf).hexdigest()), lambda: scan_pdf(pdf))
    return hostile_file(docx, kind)


def hostile_file(docx: bytes, kind: str) -> bytes:
    """A file no reader may open (HOSTILE), made from a DOCX."""
    if kind == "truncated-docx":
        return docx[: len(docx) // 2]
    if kind == "encrypted-docx":
        return encrypted_office(docx)
    if kind == "zip-bomb":
        return zip_bomb(docx, 48 << 20)
    raise ValueError(f"no file kind {kind!r}")


def report_xlsx(report: dict, title: str | None) -> bytes:
    """One sheet: text lines in column A, each table on the grid with its merged ranges, a
    blank row between blocks; value cells stored as numbers, as a spreadsheet keeps them."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "年报"
    r = 1
    for kind, item in docs.report_blocks(report, title):
        if kind != "table":
            sheet.cell(r, 1, item)
            r += 1
            continue
        occupied, _ = docs._grid(item)
        rows = 0
        for (row, col), (cell, dr, dc) in occupied.items():
            rows = max(rows, row + 1)
            if dr or dc:
                continue
            sheet.cell(r + row, 1 + col, _number(cell["text"]))
            if cell["rowspan"] > 1 or cell["colspan"] > 1:
                sheet.merge_cells(start_row=r + row, start_column=1 + col,
                                  end_row=r + row + cell["rowspan"] - 1, end_column=1 + col + cell["colspan"] - 1)
        r += rows + 1
    stamp = datetime.datetime(int(report.get("year") or 2020) + 1, 1, 15, 9, 0)
    book.properties.created = book.properties.modified = stamp
    buf = io.BytesIO()
    book.save(buf)
    return _fixed_zip_times(buf.getvalue())


def _fixed_zip_times(body: bytes) -> bytes:
    """The same zip with every entry dated 2024-01-01: the same report gives the same bytes in
    every sandbox process (a portal's file does not change between crawls; the disk cache's
    keys hold)."""
    src = zipfile.ZipFile(io.BytesIO(body))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(item)
            if item.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the clock
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", data)
            out.writestr(info, data)
    return buf.getvalue()


def _number(text: str):
    if text == "":
        return None
    if re.fullmatch(r"-?\d{1,15}", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return text


def soffice_convert(files: dict[str, bytes], target: str) -> dict[str, bytes]:
    """Convert several files with one LibreOffice start (``target``: pdf, doc, xls)."""
    with _lock, tempfile.TemporaryDirectory(prefix="render-files-") as tmp:
        tmp = Path(tmp)
        paths = []
        for name, body in files.items():
            (tmp / name).write_bytes(body)
            paths.append(str(tmp / name))
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", target, "--outdir", str(tmp / "out"), *paths],
                       check=True, capture_output=True, timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp)})
        return {name: (tmp / "out" / (Path(name).stem + "." + target.split(":")[0])).read_bytes() for name in files}


def scan_pdf(pdf: bytes, dpi: int = 200, noise: float = 0.01, seed: int = 1, tilt: float = 0.3) -> bytes:
    """A scan of a PDF: its pages rendered (pdftoppm), tilted a little, speckled with noise,
    saved as JPEG images in an image-only PDF (Pillow)."""
    from PIL import Image

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="scan-") as tmp:
        (Path(tmp) / "in.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "in.pdf", "page"], cwd=tmp, check=True,
                       capture_output=True, timeout=120)
        pages = []
        for path in sorted(Path(tmp).glob("page*.png")):
            img = Image.open(path).convert("L")
            if tilt:
                img = img.rotate(rng.uniform(-tilt, tilt), resample=Image.BICUBIC, expand=False, fillcolor=255)
            px = img.load()
            w, h = img.size
            for _ in range(int(w * h * noise)):
                x, y = rng.randrange(w), rng.randrange(h)
                px[x, y] = rng.choice((0, 90, 170))
            pages.append(img.convert("RGB"))
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=dpi, save_all=True, append_images=pages[1:], quality=85)
    return buf.getvalue()


def zip_bomb(docx: bytes, inflated: int) -> bytes:
    """A DOCX whose document part inflates to ``inflated`` bytes of spaces (about 1,000-fold)."""
    src = zipfile.ZipFile(io.BytesIO(docx))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, src.read(item))
        with out.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b" " * (1 << 20)
            for _ in range(inflated >> 20):
                part.write(chunk)
    return buf.getvalue()


def encrypted_office(docx: bytes) -> bytes:
    """What Word saves for a DOCX with a password: an OLE2 compound file holding the
    EncryptionInfo and EncryptedPackage streams. Made up in that shape (the OLE2 header, a
    directory naming both streams, the package scrambled): no reader can open it without the
    password, and none should try."""
    names = b"".join(n.encode("utf-16-le").ljust(64, b"\x00") + len(n.encode("utf-16-le")).to_bytes(2, "little")
                     + b"\x02" + b"\x00" * 61 for n in ("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    scrambled = bytes(b ^ 0x5A for b in docx)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    return header.ljust(512, b"\xff") + names.ljust(512, b"\x00") + scrambled


__all__ = ["report_file", "hostile_file", "report_xlsx", "soffice_convert", "scan_pdf", "zip_bomb", "encrypted_office",
           "FORMATS", "HOSTILE"]
