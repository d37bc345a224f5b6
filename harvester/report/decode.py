"""Bytes to text with the charset rules real portals need.

Portals declare gb2312 and send UTF-8, declare gb2312 and use GB18030-only characters, send a
Content-Type charset that contradicts the meta tag, or declare nothing. The rules below pick
the reading that decodes cleanly instead of trusting any single declaration.
"""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import (html_body_declared_encoding, http_content_type_encoding, read_bom,
                            resolve_encoding)

from .errors import ParseError

# Single-byte codecs decode any byte string "cleanly", so they are tried last.
_LATIN = {"cp1252", "latin_1", "iso8859_1", "ascii"}
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
# What an lxml tree cannot hold: C0 controls but tab, LF and CR, NUL, lone surrogates, U+FFFE and
# U+FFFF (lxml refuses them, or the HTML parser drops the rest of the page after NUL or a
# surrogate); DEL too, which a browser does not show either.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# The same C0 controls and DEL as bytes: in UTF-8 each stands for itself, and bytes.translate
# finds them four times faster than the regex scans the decoded text.
_UNSAFE_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])


def _codec(label: str | None) -> str | None:
    """Python codec name for a declared charset; GB2312/GBK widen to GB18030 (w3lib does that)."""
    if not label:
        return None
    name = resolve_encoding(label.strip().lower()) or resolve_encoding(label.strip().lower().replace("x-", ""))
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# The text decode_html returned last: parse() hands it to read_html, which cleans its input
# too; one scan of a page is enough (a str is immutable: the same object is the same text).
_LAST_CLEAN: list = [None]


def clean_controls(text: str) -> str:
    """Drop the characters an lxml tree cannot hold, so one stray byte costs a cell at most,
    never the page; a form feed (HTML whitespace) becomes a space."""
    if text is _LAST_CLEAN[0] or _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: " " if m.group() == "\x0c" else "", text)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a page: BOM, then valid UTF-8, then the declared charsets that decode cleanly
    (header before meta), then GB18030; never raises on odd bytes (replacement characters).
    The text comes back cleaned of what no HTML tree can hold (clean_controls)."""
    text, utf8 = _decode(body, content_type)
    # strict UTF-8 never decodes to a surrogate: what is left to look for is in the bytes,
    # but U+FFFE and U+FFFF (the common page, told without a regex scan of the text)
    if not (utf8 and len(body.translate(None, _UNSAFE_BYTES)) == len(body)
            and "\ufffe" not in text and "\uffff" not in text):
        text = clean_controls(text)
    _LAST_CLEAN[0] = text
    return text


def _decode(body: bytes, content_type: str | None) -> tuple[str, bool]:
    """The text, and whether it is `body` read as strict UTF-8."""
    if isinstance(body, str):
        return body, False
    if not body:
        return "", False
    bom_codec, bom = read_bom(body)
    if bom_codec:
        return body[len(bom):].decode(bom_codec, "replace"), False
    try:
        return body.decode("utf-8"), True
    except UnicodeDecodeError:
        pass
    declared = [_codec(http_content_type_encoding(content_type) if content_type else None),
                _codec(html_body_declared_encoding(body))]
    candidates = [c for c in declared if c and c != "utf-8" and c not in _LATIN]
    candidates.append("gb18030")
    candidates += [c for c in declared if c in _LATIN]
    for name in dict.fromkeys(candidates):
        try:
            return body.decode(name), False
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("gb18030", "replace"), False


def check_not_binary(body: bytes, content_type: str | None) -> None:
    """Raise ParseError for a PDF, Office file, archive or image handed to the page parser."""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind.startswith(("image/", "audio/", "video/")) or kind in ("application/pdf", "application/zip",
                                                                    "application/msword"):
        raise ParseError(f"not an HTML page or text: Content-Type {kind}")
    head = body[:2048]
    if head.startswith(_BINARY_MAGIC):
        raise ParseError("not an HTML page or text: binary file (PDF, Office, archive or image)")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError("not an HTML page or text: binary bytes (NUL)")
