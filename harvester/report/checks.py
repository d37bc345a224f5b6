"""The 勾稽 checks of the spec, evaluated as facts about a report (never used to alter a value).

Names: received_balance, results_sum, row_total (column = the row key), table4_total (column =
the group). ``expected`` is the left side of the equation as the spec writes it, ``actual`` the
right side; an equation with a blank cell on either side is not evaluated.
"""

from __future__ import annotations

from .labels import COLUMNS, T4_GROUPS
from .templates import Template

APPLICANTS = COLUMNS[:-1]
_T4_PARTS = ("upheld", "corrected", "other", "pending")


def _sum(values):
    s = sum(values)
    return round(s, 6) if isinstance(s, float) else s


def _check(name, column, left, right):
    if left is None or right is None:
        return None
    return {"check": name, "column": column, "expected": left, "actual": right,
            "ok": abs(left - right) < 1e-6}


def _total(values: list):
    return None if None in values else _sum(values)


def evaluate(applications: dict | None, reviews: dict | None, template: Template | None) -> list[dict]:
    """Every check whose cells are present, each with ok true/false."""
    out = []
    if applications and template:
        rows = {row: applications.get(row) or {} for row in template.row_keys}
        for key in ("new_received", "carried_over", "total", "carried_forward"):
            if key not in rows:
                rows[key] = applications.get(key) or {}
        received, carried, total, forward = (rows["new_received"], rows["carried_over"], rows["total"],
                                             rows["carried_forward"])
        for c in COLUMNS:
            out.append(_check("received_balance", c, _total([received.get(c), carried.get(c)]),
                              _total([total.get(c), forward.get(c)])))
        results = [rows[r] if r in rows else (applications.get(r) or {}) for r in template.results]
        for c in COLUMNS:
            out.append(_check("results_sum", c, total.get(c), _total([row.get(c) for row in results])))
        for r in template.row_keys:  # the most checks: one per row; a blank total skips the sum
            row = rows[r]
            left = row.get("total")
            if left is not None:
                out.append(_check("row_total", r, left, _total([row.get(c) for c in APPLICANTS])))
    if reviews:
        for g in T4_GROUPS:
            out.append(_check("table4_total", g, reviews.get(f"{g}.total"),
                              _total([reviews.get(f"{g}.{m}") for m in _T4_PARTS])))
    return [c for c in out if c]


def failures(checks: list[dict]) -> list[dict]:
    return [{k: c[k] for k in ("check", "column", "expected", "actual")} for c in checks if not c["ok"]]
