"""What a body of bytes is: by its magic bytes and container contents first, by the declared
Content-Type and the URL's extension only as hints.

Portals mislabel files often (a .doc that is Word-saved HTML, a PDF served as
application/octet-stream, a .wps that is a Word 97 file), so the bytes decide. The hints only
split formats the bytes cannot tell apart (DOC and WPS, XLS and ET share one container) and
are kept so a contradiction can be reported.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from urllib.parse import urlsplit

from ..decode import decode_html
from ..textdump import looks_like_html

_EXTENSIONS = {
    "pdf": "pdf", "doc": "doc", "docx": "docx", "wps": "wps", "xls": "xls", "xlsx": "xlsx", "et": "et",
    "odt": "odt", "ods": "ods", "rtf": "rtf", "ofd": "ofd", "htm": "html", "html": "html", "shtml": "html",
    "txt": "text", "png": "image", "jpg": "image", "jpeg": "image", "gif": "image", "bmp": "image",
    "tif": "image", "tiff": "image", "zip": "zip", "rar": "rar", "7z": "7z", "xml": "html",
}
_TYPES = {
    "application/pdf": "pdf", "application/msword": "doc", "application/vnd.ms-works": "wps",
    "application/kswps": "wps", "application/wps-office.wps": "wps", "application/vnd.ms-excel": "xls",
    "application/kset": "et", "application/wps-office.et": "et",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.text": "odt", "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/rtf": "rtf", "text/rtf": "rtf", "application/ofd": "ofd", "text/html": "html",
    "application/xhtml+xml": "html", "text/plain": "text", "application/zip": "zip",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def hint(url: str | None, content_type: str | None) -> str | None:
    """The format a URL's extension or a Content-Type claims (the extension wins: servers send
    application/octet-stream for anything)."""
    if url:
        path = urlsplit(url).path if "://" in url else url
        m = re.search(r"\.([A-Za-z0-9]{1,5})$", path)
        if m and m.group(1).lower() in _EXTENSIONS:
            return _EXTENSIONS[m.group(1).lower()]
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind.startswith("image/"):
        return "image"
    return _TYPES.get(kind)


def sniff(body: bytes, url: str | None = None, content_type: str | None = None) -> str:
    """One of: html, text, pdf, docx, xlsx, odt, ods, doc, wps, xls, et, rtf, image,
    encrypted-office, ofd, zip, broken-zip, ole, archive, binary."""
    claimed = hint(url, content_type)
    head = body[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if body.startswith(b"PK\x03\x04") or body.startswith(b"PK\x05\x06"):
        return _zip_kind(body)
    if body.startswith(_OLE):
        return _ole_kind(body, claimed)
    if body.startswith(_IMAGES):
        return "image"
    if body[:12].startswith(b"RIFF") and body[8:12] == b"WEBP":
        return "image"
    if body.startswith(b"{\\rtf"):
        return "rtf"
    if body.startswith((b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")):
        return "archive"
    sample = body[:4096]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    text = decode_html(body[:200_000])
    return "html" if looks_like_html(text) else "text"


def _zip_kind(body: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(BytesIO(body)).namelist())
    except (zipfile.BadZipFile, EOFError, ValueError, OSError):
        return "broken-zip"  # truncated or corrupt
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names:
        try:
            kind = zipfile.ZipFile(BytesIO(body)).read("mimetype")[:100]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
            kind = b""
        if b"opendocument.text" in kind:
            return "odt"
        if b"opendocument.spreadsheet" in kind:
            return "ods"
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def _ole_kind(body: bytes, claimed: str | None) -> str:
    """An OLE2 compound file: the stream names in its directory say what it holds."""
    if _utf16("EncryptedPackage") in body or _utf16("EncryptionInfo") in body:
        return "encrypted-office"  # an encrypted DOCX/XLSX wrapped in OLE2
    if _utf16("WordDocument") in body:
        return "wps" if claimed == "wps" else "doc"
    if _utf16("Workbook") in body or _utf16("Book") in body:
        return "et" if claimed == "et" else "xls"
    return claimed if claimed in ("doc", "wps", "xls", "et") else "ole"
