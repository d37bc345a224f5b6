"""What each canned query must answer, computed in Python from the truth (never from the DB).

The truth is a list of golden-shaped reports (agency, province, year, applications, ...), the
same shape for the store fixture and for the sandbox truth. Sums follow SQL: NULL cells are
skipped, a sum of nothing but NULLs is NULL.
"""

from __future__ import annotations

SIX = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
       "legal_service_org", "other_org"]
COLUMNS = SIX + ["total"]
OUTCOMES = ("granted", "partially_granted", "denied", "unable", "not_processed", "other")
REPORT_CHECKS = ("received_balance", "results_sum", "row_total", "table4_total")


def labels() -> list[dict]:
    """The official labels as the templates declare them (harvester/report/templates.py)."""
    from harvester.report import templates

    return templates.label_rows()


def row_position(key: str) -> int:
    for label in labels():
        if label["section"] == "applications" and label["kind"] == "row" and label["key"] == key:
            return int(label["position"])
    return 999


def ssum(values):
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def with_table3(truth):
    return [r for r in truth if r.get("applications")]


def outcome_of(row: str) -> str | None:
    if row in ("new_received", "carried_over", "total", "carried_forward"):
        return None
    if row in ("granted", "partially_granted"):
        return row
    prefix = row.split(".")[0]
    return prefix if prefix in ("denied", "unable", "not_processed", "other") else "other"


def cell(report, row, column="total"):
    return ((report.get("applications") or {}).get(row) or {}).get(column)


def requests_by_province_year(truth) -> list[dict]:
    groups: dict[tuple, list] = {}
    for r in with_table3(truth):
        if "new_received" in r["applications"]:
            groups.setdefault((r["province"], r["year"]), []).append(r)
    out = []
    for (province, year), reports in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        out.append({
            "province": province, "year": year, "reports": len(reports),
            "new_received": ssum(cell(r, "new_received") for r in reports),
            "natural_person": ssum(cell(r, "new_received", "natural_person") for r in reports),
            "organisations": sum(sum(cell(r, "new_received", c) or 0 for c in SIX[1:]) for r in reports),
            "carried_over": ssum(cell(r, "carried_over") for r in reports if "carried_over" in r["applications"]),
        })
    return out


def refusal_reasons(truth) -> dict[str, dict]:
    by_reason: dict[str, list] = {}
    for r in with_table3(truth):
        for row, cells in r["applications"].items():
            if row.startswith(("denied.", "not_processed.")):
                by_reason.setdefault(row, []).append((cells or {}).get("total"))
    everything = ssum(v for values in by_reason.values() for v in values)
    out = {}
    for reason, values in by_reason.items():
        requests = ssum(values)
        out[reason] = {
            "reason": reason, "requests": requests,
            "reports_citing": sum(1 for v in values if v is not None and v > 0),
            "percent": None if requests is None or not everything else 100.0 * requests / everything,  # unrounded
        }
    return out


def failing_checks(truth) -> set[tuple]:
    return {(r["agency"], r["province"], r["year"], f["check"], f["column"], float(f["expected"]), float(f["actual"]))
            for r in truth for f in (r.get("check_failures") or []) if f["check"] in REPORT_CHECKS}


def carried_chain_breaks(truth) -> set[tuple]:
    by_agency: dict[tuple, dict[int, dict]] = {}
    for r in with_table3(truth):
        by_agency.setdefault((r["agency"], r["province"]), {})[r["year"]] = r
    out = set()
    for (agency, province), years in by_agency.items():
        for year, r in years.items():
            nxt = years.get(year + 1) if year is not None else None
            if nxt is None or "carried_forward" not in r["applications"] or "carried_over" not in nxt["applications"]:
                continue
            for c in COLUMNS:
                cf, co = cell(r, "carried_forward", c), cell(nxt, "carried_over", c)
                if cf is not None and co is not None and cf != co:
                    out.add((agency, province, year, year + 1, c, cf, co))
    return out


def missing_latest_year(truth) -> dict[tuple, dict]:
    years = [r["year"] for r in truth if r.get("year") is not None]
    latest = max(years)
    by_agency: dict[tuple, set] = {}
    for r in truth:
        if r.get("year") is not None and r.get("agency"):
            by_agency.setdefault((r["agency"], r["province"]), set()).add(r["year"])
    return {key: {"years": ", ".join(str(y) for y in sorted(ys)), "last_year": max(ys), "latest_year": latest,
                  "years_missing": latest - max(ys)}
            for key, ys in by_agency.items() if max(ys) < latest}


def summary(r) -> dict:
    apps = r["applications"]
    out = {"new_received": cell(r, "new_received"), "carried_over": cell(r, "carried_over"),
           "total": cell(r, "total"), "carried_forward": cell(r, "carried_forward")}
    for outcome in OUTCOMES:
        out[outcome] = ssum(cells.get("total") for row, cells in apps.items() if outcome_of(row) == outcome)
    return out


def requests_by_year(truth) -> list[dict]:
    groups: dict[int, list] = {}
    for r in with_table3(truth):
        if cell(r, "new_received") is not None:
            groups.setdefault(r["year"], []).append(r)
    out = []
    for year in sorted(groups):
        sums = [summary(r) for r in groups[year]]
        row = {"year": year, "reports": len(sums)}
        for key in ("new_received", "carried_over", *OUTCOMES, "carried_forward"):
            row[key] = ssum(s[key] for s in sums)
        row["reviews"] = ssum((r.get("reviews_litigation") or {}).get("review.total") for r in groups[year])
        out.append(row)
    return out


def outcomes_by_province(truth) -> dict[tuple, int]:
    out: dict[tuple, list] = {}
    for r in with_table3(truth):
        for row, cells in r["applications"].items():
            outcome = outcome_of(row)
            if outcome:
                out.setdefault((r["province"], outcome), []).append((cells or {}).get("total"))
    return {k: ssum(v) for k, v in out.items()}
