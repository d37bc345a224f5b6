"""Cell text: how labels are normalised for matching and how printed values become numbers.

Reports print one label with spaces, line breaks, bracket and quote variants, and print values
as ``1,200,631``, ``１２``, ``251000元``, ``0件``, ``—`` or nothing. Every extractor reads cells
through this module, so these rules live in one place.
"""

from __future__ import annotations

import re
import unicodedata

from . import memo

# Brackets fold to (), quotes and invisible characters go: labels compare without them.
_OPENING, _CLOSING, _DROPPED = "〔【[｛{〖", "〕】]｝}〗", "“”\"‘’'「」『』\u200b\u200c\u200d\u2060\ufeff\u00ad"
_LABEL_TABLE = str.maketrans({**{c: "(" for c in _OPENING}, **{c: ")" for c in _CLOSING},
                              **{c: None for c in _DROPPED}})
# The same mapping as one regex pass: on long lines far cheaper than str.translate, which
# looks every character up in the table (most long lines hold none of these characters).
_LABEL_CHARS = re.compile("[" + re.escape(_OPENING + _CLOSING + _DROPPED) + "]")
_LABEL_MAP = {c: ("" if by is None else by) for c, by in
              ((chr(k), v) for k, v in _LABEL_TABLE.items())}
_NUMBER = re.compile(
    r"(?P<sign>[+-]|增加|增|减少|减)?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?P<unit>万元|亿元|元|件|个|条|项|次|宗|人次|家|笔|份|人|户|起|篇|部|批|万)?")
_NULL = re.compile(r"[/\\\-—–―‐‑_~～·.。×*]+|无|空|暂无|无数据|N/?A|不适用|未统计", re.I)

BLANK, NULL, NUMBER, LABEL = "blank", "null", "number", "label"
# A cell this long is prose: numbers and null markers are short.
_SHORT = 40
# Texts up to this length are memoised (memo.py): labels, numbers and markers repeat across
# cells and pages (the same template everywhere); longer lines are prose, seldom seen twice.
MEMO_TEXT = 40
_PROSE = ("label", None, None, None)


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), computed as NFC of NFKD (the same by definition):
    CPython's own NFKC composes slowly, 20 µs for a 250-character line of Chinese prose."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFKD", text))


def squash(text: str) -> str:
    """NFKC with all whitespace removed: full-width digits and punctuation become ASCII."""
    # str.split() splits on exactly the characters regex \s matches (str.isspace), faster
    return "".join(nfkc(text).split())


def _norm_label(text: str) -> str:
    if len(text) <= MEMO_TEXT:
        return squash(text).translate(_LABEL_TABLE)
    text = squash(text)
    if _LABEL_CHARS.search(text) is None:
        return text
    return _LABEL_CHARS.sub(lambda m: _LABEL_MAP[m.group()], text)


_NORMS: dict[str, str] = memo.table()


def norm_label(text: str) -> str:
    """The form labels are matched in: no whitespace, ASCII punctuation, () brackets, no quotes."""
    norm = _NORMS.get(text)
    if norm is None:
        norm = _norm_label(text)
        if len(text) <= MEMO_TEXT:
            memo.keep(_NORMS, text, norm)
    return norm


def _read(text: str):
    """(kind, value, unit, raw) of a stripped cell text; see classify and Cell.raw."""
    if len(text) > _SHORT:
        return _PROSE
    if text.isdigit() and text.isascii():  # a plain number, the commonest cell (NFKC keeps it)
        value = int(text)
        return NUMBER, value, None, (text if text != repr(value) else None)
    t = squash(text)
    if not t:
        return BLANK, None, None, None
    if t.isascii() and t.isdigit():  # the common case, as _NUMBER would read it
        value = int(t)
        return NUMBER, value, None, (text if "".join(text.split()) != repr(value) else None)
    if _NULL.fullmatch(t):
        return NULL, None, None, text
    m = _NUMBER.fullmatch(t)
    if m:
        digits = m["int"].replace(",", "")
        value = float(f"{digits}.{m['frac']}") if m["frac"] is not None else int(digits)
        if m["sign"] in ("-", "减", "减少"):
            value = -value
        # the printed text where it says more than the value (1,200,631, full width, a unit)
        return NUMBER, value, m["unit"], (text if "".join(text.split()) != repr(value) else None)
    if text not in _NORMS:  # a label: its norm is the squashed text translated, wanted next
        memo.keep(_NORMS, text, t.translate(_LABEL_TABLE))
    return _PROSE


_READINGS: dict[str, tuple] = memo.table()


def _reading(text: str) -> tuple:
    """_read(text), remembered for short texts."""
    found = _READINGS.get(text)
    if found is None:
        found = _read(text)
        if len(text) <= MEMO_TEXT:
            memo.keep(_READINGS, text, found)
    return found


def classify(text: str):
    """(kind, value, unit) of a printed cell: blank, null marker, number (int or float) or label."""
    return _reading(text)[:3]


class Cell:
    """One printed cell (or one line of a text dump): text, grid column and span when known."""

    __slots__ = ("text", "col", "span", "kind", "value", "unit", "raw", "_norm")

    def __init__(self, text: str, col: int | None = None, span: int = 1):
        text = text.strip()
        self.text = text
        self.col = col
        self.span = span
        # raw: the printed text where it says more than the value: a null marker, or a number
        # printed otherwise than plainly (1,200,631, full width, with a unit); else None
        if len(text) > _SHORT:
            self.kind, self.value, self.unit, self.raw = _PROSE
        else:
            self.kind, self.value, self.unit, self.raw = _READINGS.get(text) or _reading(text)
        self._norm = None

    @property
    def norm(self) -> str:
        if self._norm is None:
            self._norm = norm_label(self.text)
        return self._norm

    def __repr__(self) -> str:
        return f"Cell({self.text!r}, col={self.col})"


# Cells of short texts, remembered by (text, column, span): a Cell is never changed once made
# (its norm is the same whoever asks first), so the cells every page of a template prints (its
# labels, blanks and small numbers in the same columns) are made once, not once per page.
# (htmldoc's compiled walk looks its cells up here itself, calling cell only for the others.)
CELLS: dict[tuple, Cell] = memo.table()


def cell(text: str, col: int | None = None, span: int = 1) -> Cell:
    """Cell(text, col, span), the same object for the same short text in the same place."""
    if len(text) > MEMO_TEXT:
        return Cell(text, col, span)
    key = (text, col, span)
    found = CELLS.get(key)
    if found is None:
        found = memo.keep(CELLS, key, Cell(text, col, span))
    return found


class Row:
    """A row of a table, or one line of text (loose: its values belong to the last label)."""

    __slots__ = ("cells", "table", "width", "loose", "image")

    def __init__(self, cells: list[Cell], table: int | None = None, width: int | None = None,
                 loose: bool = False, image: bool = False):
        self.cells = cells
        self.table = table
        self.width = width
        self.loose = loose
        self.image = image

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells if c.text)

    def __repr__(self) -> str:
        return f"Row({[c.text for c in self.cells]!r}, table={self.table})"


class Line(Row):
    """A line of text: a loose row of one cell (the commonest row: built without keywords)."""

    __slots__ = ()

    def __init__(self, text: str):
        self.cells = [Cell(text)]
        self.table = None
        self.width = None
        self.loose = True
        self.image = False


line = Line

_LINES: dict[str, Line] = memo.table()


def read_line(text: str) -> Line:
    """Line(text) for the page readers (htmldoc, textdump), the same Row for the same short
    text: the rows of a page are only looked at once read (the file readers, which join rows
    cut by a page break, make their own)."""
    found = _LINES.get(text)
    if found is None:
        found = Line(text)
        if len(text) <= MEMO_TEXT:
            memo.keep(_LINES, text, found)
    return found
