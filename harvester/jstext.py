"""JavaScript string literals as text: shared by the parser (gkmlpt article apps) and the
list-script spiders (spiders/families/scriptlist.py), neither of which may import the other."""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|.)", re.S)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0", "\n": "", "\r\n": ""}


def js_unescape(text: str) -> str:
    """The value of a JS string literal's body: \\" \\' \\/ \\n \\uXXXX \\xXX (surrogate pairs joined)."""
    def one(m):
        e = m.group(1)
        if e.startswith("u{"):
            return chr(int(e[2:-1], 16))
        if e[0] in "ux" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _SIMPLE.get(e, e)

    out = _ESCAPE.sub(one, text)
    try:
        return out.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeError:
        return out
