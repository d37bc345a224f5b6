"""A plain-text dump of a report page as rows, in the three flattenings seen in the seeds.

1. one cell per line, cells between blank lines: every line is a loose row (its values are
   the ones that follow a label, up to the next label);
2. ``|``-terminated cells, one per line, rows opened by a bare ``|`` line;
3. one row per line, cells separated by `` | `` (merged cells print as ``||``).
Pipe rows keep their cells but no grid columns: spans are not recoverable from them.
"""

from __future__ import annotations

import re

from .cells import Cell, Row, cell, read_line

_TAG = re.compile(r"<\s*(?:!doctype|html|head|body|meta|div|p|table|tr|td|span|br|title|a)\b", re.I)


def looks_like_html(text: str) -> bool:
    """Text dumps have no tags; a page has at least one of the usual ones."""
    return bool(_TAG.search(text[:200000]))


def _is_pipe(s: str) -> bool:
    return s.endswith("|")


def _cells(s: str) -> list[Cell]:
    parts = s[:-1].split("|") if s.endswith("|") else s.split("|")
    return [cell(p) for p in parts]


def read_text(text: str) -> list[Row]:
    lines = [s.strip(" \t\u00a0\u3000\ufeff") for s in text.splitlines()]
    rows: list[Row] = []
    table = 0
    i, n = 0, len(lines)
    # where pipe rows start: the lines between are text, read in one list comprehension each
    pipes = [j for j, s in enumerate(lines) if s.endswith("|")]
    p = 0
    while i < n:
        while p < len(pipes) and pipes[p] < i:
            p += 1
        stop = pipes[p] if p < len(pipes) else n
        if i < stop:
            rows += [read_line(s) for s in lines[i:stop] if s]
            i = stop
            continue
        block = []
        while i < n:
            s = lines[i]
            if _is_pipe(s):
                block.append(s)
                i += 1
            elif "|" in block and s and i + 1 < n and _is_pipe(lines[i + 1]) and lines[i + 1] != "|":
                lines[i + 1] = s + lines[i + 1]  # flattening 2: a cell broken over two lines
                i += 1
            else:
                break
        rows.extend(_pipe_rows(block, table))
        table += 1
    return rows


def _pipe_rows(block: list[str], table: int) -> list[Row]:
    rows: list[list[Cell]] = []
    if "|" in block:  # flattening 2: a bare "|" opens each row
        for s in block:
            if s == "|":
                rows.append([])
            elif rows:
                rows[-1].extend(_cells(s))
            else:
                rows.append(_cells(s))
    else:             # flattening 3: a line is a row
        rows = [_cells(s) for s in block]
    width = max((len(r) for r in rows), default=0)
    return [Row(cells, table, width) for cells in rows if cells]
