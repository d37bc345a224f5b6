"""The 勾稽 checks of shared/spec/report-format.md, computed on the sandbox's own values.

The truth states, for every report it serves, which checks fail: the generated reports are
mostly consistent, a few fail on purpose (as real ones do). Names and shape as in
golden/seeds.json: ``{"check", "column", "expected", "actual"}``, expected = left side of the
equation, actual = right side; a side with a blank cell is not checked.
"""

from __future__ import annotations

from .schema import APPLICANT_COLUMNS, COLUMNS, T4_GROUPS, app_rows, result_rows


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _sum(vals):
    s = sum(vals)
    return round(s, 6) if isinstance(s, float) else s


def report_failures(values: dict, fmt: str) -> list[dict]:
    out: list[dict] = []
    apps = values.get("applications")
    if apps:
        cell = lambda r, c: _num((apps.get(r) or {}).get(c))  # noqa: E731
        for c in COLUMNS:                                     # 1. received_balance
            a, b, t, f = (cell("new_received", c), cell("carried_over", c),
                          cell("total", c), cell("carried_forward", c))
            if None not in (a, b, t, f) and a + b != t + f:
                out.append({"check": "received_balance", "column": c,
                            "expected": a + b, "actual": t + f})
        results = result_rows(fmt)
        for c in COLUMNS:                                     # 2. results_sum
            t = cell("total", c)
            parts = [cell(r, c) for r in results]
            if t is not None and None not in parts and t != _sum(parts):
                out.append({"check": "results_sum", "column": c,
                            "expected": t, "actual": _sum(parts)})
        for r in app_rows(fmt):                               # 3. row_total
            t = cell(r, "total")
            parts = [cell(r, c) for c in APPLICANT_COLUMNS]
            if t is not None and None not in parts and t != _sum(parts):
                out.append({"check": "row_total", "column": r,
                            "expected": t, "actual": _sum(parts)})
    rl = values.get("reviews_litigation")
    if rl:
        for g in T4_GROUPS:                                   # table4_total
            t = _num(rl.get(f"{g}.total"))
            parts = [_num(rl.get(f"{g}.{m}")) for m in ("upheld", "corrected", "other", "pending")]
            if t is not None and None not in parts and t != _sum(parts):
                out.append({"check": "table4_total", "column": g,
                            "expected": t, "actual": _sum(parts)})
    return out


def chain_failures(reports: list[dict]) -> list[dict]:
    """carried_chain across years for one agency: carried_forward(N) == carried_over(N+1).

    ``reports``: truth entries of one agency (any order). Only consecutive years are compared.
    """
    by_year = {r["year"]: r for r in reports if r.get("applications")}
    out = []
    for y in sorted(by_year):
        nxt = by_year.get(y + 1)
        if not nxt:
            continue
        fwd = by_year[y]["applications"].get("carried_forward") or {}
        over = nxt["applications"].get("carried_over") or {}
        for c in COLUMNS:
            a, b = _num(fwd.get(c)), _num(over.get(c))
            if a is not None and b is not None and a != b:
                out.append({"check": "carried_chain", "column": c, "year": y,
                            "expected": a, "actual": b})
    return out
