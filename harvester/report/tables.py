"""Readers of tables 2, 3 and 4 over a stream of rows.

Each reader walks the rows of its region as a small state machine: labels set the row (and
group) being read, the values after them fill it. Columns come from the table's own header
labels when the rows carry grid positions (HTML), else from the template order; a row that
prints fewer values than columns fills the first ones and leaves the rest blank.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import labels as L
from .memo import remembered
from .cells import BLANK, LABEL, Cell, Row


def segments(cells: list[Cell]) -> list[tuple[list[Cell], list[Cell]]]:
    """(labels, values) runs of one row; blank cells between labels are spacing, not values."""
    if len(cells) == 1:  # a line of text
        return [(cells, [])] if cells[0].kind == LABEL else [([], cells)]
    out, labels, values = [], [], []
    for c in cells:
        if c.kind == LABEL:
            if values and any(v.kind != BLANK for v in values):
                out.append((labels, values))
                labels = []
            values = []
            labels.append(c)
        else:
            values.append(c)
    if labels or values:
        out.append((labels, values))
    return out


def fit(values: list[Cell], n: int) -> list[Cell]:
    """At most n values: trailing, then leading blanks (padding, spacer cells) go first."""
    values = list(values)
    while len(values) > n and values[-1].kind == BLANK:
        values.pop()
    while len(values) > n and values[0].kind == BLANK:
        values.pop(0)
    return values[:n]


def assign(values: list[Cell], order: tuple[str, ...], colmap: dict[int, str] | None) -> dict[str, Cell]:
    """Map a row's value cells to keys: by header column where every printed value falls under
    a known header, otherwise by position in template order."""
    if colmap and values and None not in [v.col for v in values]:
        out: dict[str, Cell] = {}
        for v in values:
            key = colmap.get(v.col)
            if key is None:
                if v.kind == BLANK:
                    continue
                break
            if key not in out or out[key].kind == BLANK:  # a spacer row must not hide the value
                out[key] = v
        else:
            if out:
                return out
    return dict(zip(order, fit(values, len(order))))


@dataclass
class Read:
    """What one reader found: cells by key, the label keys it recognised, images seen."""

    cells: dict = field(default_factory=dict)
    seen: set = field(default_factory=set)
    images: int = 0
    units: dict = field(default_factory=dict)  # key -> unit printed in a header label

    def put(self, key, cell: Cell) -> None:
        """First printed value wins; a blank never hides one (repeated rows, spacer rows)."""
        old = self.cells.get(key)
        if old is None or (old.kind == BLANK and cell.kind != BLANK):
            self.cells[key] = cell


class _Pending:
    """The row whose values are being collected (loose lines keep collecting until a label)."""

    def __init__(self):
        self.key = None
        self.values: list[Cell] = []
        self.row: Row | None = None

    def start(self, key, row):
        self.key, self.values, self.row = key, [], row


# Label lookups of each reader in one remembered call per distinct label text.
@remembered
def _t2_label(n: str) -> tuple[str | None, bool, str | None, str | None]:
    """(metric, section heading, item, unit printed in the label) of a table-2 label."""
    metric = L.t2_metric(n)
    return metric, bool(L.T2_SECTION.search(n)), L.t2_item(n), L.label_unit(n)


@remembered
def _t3_label(n: str) -> tuple[str | None, str | None]:
    """(column, group) of a table-3 label."""
    return L.t3_column(n), L.t3_group(n)


# --- table 2 ----------------------------------------------------------------------------------
def read_active(rows: list[Row]) -> Read:
    out = Read()
    metrics: list[Cell] = []   # header cells of the current block ...
    keys: list[str] = []       # ... and their metric keys
    header_table = None        # the table those header cells are in
    last = None
    pend = _Pending()

    def flush():
        if pend.key and pend.values:
            colmap = {}
            if pend.row is not None and pend.row.table is not None and pend.row.table == header_table:
                for cell, key in zip(metrics, keys):
                    if cell.col is not None:
                        for c in range(cell.col, cell.col + cell.span):
                            colmap[c] = key
            order = tuple(keys) if keys else tuple(range(len(pend.values)))
            for k, cell in assign(pend.values, order, colmap or None).items():
                out.put((pend.key, k), cell)
        pend.start(None, None)

    for row in rows:
        if row.image:
            out.images += 1
            continue
        row_cells = row.cells
        if len(row_cells) == 1 and row_cells[0].kind != LABEL:  # a value on a line of its own
            if pend.key:
                pend.values.append(row_cells[0])
            if not row.loose and pend.values:
                flush()
            continue
        for labs, vals in segments(row_cells):
            for lab in labs:
                metric, section, item, unit = _t2_label(lab.norm)
                if section and not metric:
                    flush()
                    metrics, keys, last = [], [], "head"
                elif metric:
                    flush()
                    if last != "metric":
                        metrics, keys, header_table = [], [], row.table
                    metrics.append(lab)
                    keys.append(metric)
                    out.seen.add(metric)
                    if unit:
                        out.units[metric] = unit
                    last = "metric"
                else:
                    if item:
                        flush()
                        pend.start(item, row)
                        out.seen.add(item)
                        last = "item"
            if vals and pend.key:
                pend.values.extend(vals)
        if not row.loose and pend.values:
            flush()
    flush()
    return out


# --- table 3 ----------------------------------------------------------------------------------
def read_applications(rows: list[Row]) -> Read:
    out = Read()
    cells, seen = out.cells, out.seen
    colmaps: dict[int, dict[int, str]] = {}   # table id -> grid column -> column key
    widths: dict[int, int] = {}
    row_groups, columns_in_order, t3_row = L.ROW_GROUPS, L.COLUMNS, L.t3_row
    group = None
    # the row being collected (the state of _Pending, in locals: this loop sees every cell)
    key, values, key_row = None, [], None

    def colmap_for(row):
        if row is None or row.table is None:
            return None
        if row.table in colmaps:
            return colmaps[row.table]
        for t, cm in reversed(colmaps.items()):  # a split table continues its header's columns
            if widths.get(t) == row.width:
                return cm
        return None

    def flush(key, values, row):
        """Store the values collected for row `key` (Read.put, inline: once per value)."""
        if key in row_groups and any(v.kind != BLANK for v in values):
            seen.add(key)  # a group printed as one row (2019's 其他处理): a row only with values
        for col, cell in assign(values, columns_in_order, colmap_for(row)).items():
            old = cells.get((key, col))
            if old is None or (old.kind == BLANK and cell.kind != BLANK):
                cells[(key, col)] = cell

    for row in rows:
        if row.image:
            out.images += 1
            continue
        row_cells = row.cells
        if len(row_cells) == 1 and row_cells[0].kind != LABEL:  # a value on a line of its own
            if key:
                values.append(row_cells[0])
            if values and not row.loose:
                flush(key, values, key_row)
                key, values, key_row = None, [], None
            continue
        for labs, vals in segments(row_cells):
            if labs:
                norms = [lab.norm for lab in labs]
                found = [_t3_label(n) for n in norms]
                columns = [column for column, _ in found]
                if len(columns) - columns.count(None) >= 2:   # a header row: remember where columns are
                    if key and values:
                        flush(key, values, key_row)
                    key, values, key_row = None, [], None
                    if row.table is not None and all(lab.col is not None for lab in labs):
                        cm = colmaps.setdefault(row.table, {})
                        widths[row.table] = row.width
                        for lab, col_key in zip(labs, columns):
                            if col_key:
                                for c in range(lab.col, lab.col + lab.span):
                                    cm[c] = col_key
                    continue
                if key and values:
                    flush(key, values, key_row)
                key, values, key_row = None, [], None
                for n, (_, g) in zip(norms, found):
                    if g:
                        group = g
                    k = t3_row(n, group)
                    if k:
                        key = k
                        if "." not in k and k not in row_groups:
                            group = None
                if key:
                    if key not in row_groups:
                        seen.add(key)
                    key_row = row
            if vals and key:
                values.extend(vals)
        if values and not row.loose:
            if key:
                flush(key, values, key_row)
            key, values, key_row = None, [], None
    if key and values:
        flush(key, values, key_row)
    return out


# --- table 4 ----------------------------------------------------------------------------------
def read_reviews(rows: list[Row]) -> Read:
    out = Read()
    groups: dict[int, str] = {}
    metrics: dict[int, str] = {}
    data: list[list[Cell]] = []  # value runs without a group label: the data row(s)
    by_group: dict[str, list[Cell]] = {}
    for row in rows:
        if row.image:
            out.images += 1
            continue
        row_cells = row.cells
        if len(row_cells) == 1 and row_cells[0].kind != LABEL:  # a value on a line of its own
            data.append(row_cells)
            continue
        for labs, vals in segments(row_cells):
            group = None
            for lab in labs:
                g, m = L.t4_group(lab.norm), L.t4_metric(lab.norm)
                if g or m:
                    out.seen.add(g or m)
                group = group or g
                if lab.col is not None:
                    for c in range(lab.col, lab.col + lab.span):
                        if g:
                            groups[c] = g
                        if m:
                            metrics[c] = m
            printed = any(v.kind != BLANK for v in vals)
            if group and labs:           # transposed layout: one row per group
                if printed:
                    by_group.setdefault(group, vals)
            elif printed or not labs:
                data.append(vals)
    if by_group:
        for g, vals in by_group.items():
            for m, cell in zip(L.T4_METRICS, fit(vals, len(L.T4_METRICS))):
                out.cells[f"{g}.{m}"] = cell
        return out
    colmap = {c: f"{groups[c]}.{metrics[c]}" for c in groups if c in metrics}
    if len(set(colmap.values())) < len(L.T4_KEYS):
        colmap = None
    printed = [vals for vals in data if any(v.kind != BLANK for v in vals)]
    # blank rows are spacers (Word's width row) unless nothing at all is printed
    chosen = printed or sorted(data, key=len, reverse=True)[:1]
    out.cells.update(assign([v for vals in chosen for v in vals], L.T4_KEYS, colmap))
    return out
