"""Reading printed labels as keys: the parser's label maps, built from harvester/report/templates.py.

Labels are matched in their normalised form (cells.norm_label: no spaces, ASCII punctuation,
() brackets, no quotes). What a template prints and which pattern reads which key live in
templates.py; this module compiles them into lookups (remembered per label) and holds the reading
rules every template shares: numbering, group context, the 第二十条 and 行政复议 anchors. The maps
are rebuilt when a template is registered.
"""

from __future__ import annotations

import re

from . import memo, templates
from .memo import remembered

# Numbering in front of a label: 一、 (一) 1. ①
NUMBERING = re.compile(r"^(?:\(?[一二三四五六七八九十]{1,3}\)|[一二三四五六七八九十]{1,3}[、.,:]|\(?\d{1,2}\)|\d{1,2}[、.,:]?|[①-⑳])")


def strip_numbering(label: str) -> str:
    return NUMBERING.sub("", label, count=1)


def item_number(label: str) -> int | None:
    """The N of a sub-item label "N.xxx" (1-based), for labels worded unlike the template."""
    m = re.match(r"^\(?(\d{1,2})[).、,:]", label) or re.match(r"^([①-⑳])", label)
    if not m:
        return None
    g = m.group(1)
    return int(g) if g.isdigit() else ord(g) - ord("①") + 1


def _first(table, label):
    if not table.any.search(label):  # most labels match no pattern of a table: one search says so
        return None
    for key, pattern in table:
        if pattern.search(label):
            return key
    return None


class _Patterns(tuple):
    """(key, pattern) pairs in the order they are tried, and `any`: all of them in one pattern."""


def _compile(pairs):
    out = _Patterns((k, re.compile(p)) for k, p in pairs)
    out.any = re.compile("|".join(f"(?:{p})" for _, p in pairs))
    return out


# Label lookups are pure functions of the label text, and every page of a template prints the
# same few hundred labels: each lookup is computed once per distinct label, then remembered.
_memo = remembered


# --- table 2: active disclosure ---------------------------------------------------------------
T2_SECTION = re.compile(r"^第二十条|^信息内容$|^内容$")
_UNIT_IN_LABEL = re.compile(r"万元|亿元|元")


@_memo
def t2_item(label: str) -> str | None:
    return _first(T2_ITEMS, strip_numbering(label))


@_memo
def t2_metric(label: str) -> str | None:
    return _first(T2_METRICS, label)


@_memo
def label_unit(label: str) -> str | None:
    """A money unit printed in a header label: 采购总金额(万元) → 万元."""
    m = _UNIT_IN_LABEL.search(label)
    return m.group() if m else None


# --- table 3: applications --------------------------------------------------------------------
COLUMNS = tuple(c.key for c in templates.COLUMNS)
_OTHER_ITEM = re.compile(r"^其他(?:情形|情况)?$")


@_memo
def t3_column(label: str) -> str | None:
    return _first(T3_COLUMNS, label)


@_memo
def t3_group(label: str) -> str | None:
    return _first(T3_GROUPS, label)


@_memo
def t3_row(label: str, group: str | None) -> str | None:
    """Row key of a table-3 label; "3.其他" and worded-differently items need their group."""
    key = _first(T3_ROWS, label)
    if key:
        return key
    bare = strip_numbering(label)
    if group == "other" and _OTHER_ITEM.match(bare):
        return "other.other"
    if group in GROUP_ITEMS and bare and not t3_group(label):
        n = item_number(label)
        items = GROUP_ITEMS[group]
        if n and n <= len(items):
            return items[n - 1]
    if group in ROW_GROUPS and t3_group(label) == group:
        return group  # a group printed as one row (2019: (六)其他处理)
    return None


# --- table 4: reviews and litigation ----------------------------------------------------------
T4_GROUPS = tuple(g.key for g in templates.T4_GROUPS)
T4_METRICS = tuple(r.key for r in templates.T4_RESULTS)
T4_KEYS = tuple(f"{g}.{m}" for g in T4_GROUPS for m in T4_METRICS)
T4_ANCHOR = re.compile(r"^行政复议$")


@_memo
def t4_group(label: str) -> str | None:
    return _first(_T4_GROUP, label)


@_memo
def t4_metric(label: str) -> str | None:
    return _first(_T4_METRIC, label)


# --- the maps, from the templates -------------------------------------------------------------
def _rebuild() -> None:
    """Compile the maps from the registered templates; forget every remembered lookup."""
    global T2_ITEMS, T2_METRICS, T3_COLUMNS, T3_GROUPS, T3_ROWS, _T4_GROUP, _T4_METRIC, GROUP_ITEMS, ROW_GROUPS
    T2_ITEMS, T2_METRICS = _compile(templates.reading("t2_item")), _compile(templates.reading("t2_metric"))
    T3_COLUMNS, T3_GROUPS = _compile(templates.reading("t3_column")), _compile(templates.reading("t3_group"))
    T3_ROWS = _compile(templates.reading("t3_row"))
    _T4_GROUP, _T4_METRIC = _compile(templates.reading("t4_group")), _compile(templates.reading("t4_result"))
    GROUP_ITEMS = templates.group_items()
    # groups some template prints as a single row of their own (2019's other): a row key too
    ROW_GROUPS = frozenset(k for k, _ in templates.READING["t3_group"]
                           if any(k in t.row_keys for t in templates.newest_first()))
    memo.forget()


_rebuild()
templates.on_change(_rebuild)
