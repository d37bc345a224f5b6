"""The indicator pages of Datasette (issue 15): data shaping over the tables harvester/indicators.py
writes, used by plugins/harvester_indicators.py.

- `/-/indicators`: per province and level, the shares that supervisors look at; and a ranking of
  agencies by the problems found (late, incomplete, a table left blank, failed checks, a broken
  carried-over chain, reused prose, years without a report), each count linked to its facts.
- `/-/agency/ID`: one agency, its years side by side (coverage, indicators, table 3 and 4 figures
  with the change from the year before, ratios with their bases and the median of its peers: the
  other agencies of its province and level), and an inline SVG chart.

The SVG is drawn here, in a few lines, rather than by a charting plugin: it needs no script, no
network and nothing more to install, and it survives a screenshot and a static export.
"""

from __future__ import annotations

import json
import statistics
from html import escape

from harvester import indicators

# A report's problems, each a SQL condition on the pivoted indicator row (indicator_summary).
PROBLEMS = {
    "late": ("逾期发布", "published late", "on_time = 0"),
    "incomplete": ("内容不全", "a section or table missing", "sections_present < 6"),
    "blank_table": ("整表空白", "a table left blank", "blank_tables > 0"),
    "failed_checks": ("勾稽不符", "failed 勾稽 checks", "check_failures > 0"),
    "broken_chain": ("结转不衔接", "carried-over chain broken", "carried_chain = 0"),
    "reused_prose": ("文字沿用", "prose reused", "reuses_prose = 1"),
}
PIVOT = ("on_time", "days_late", "sections_present", "tables_present", "blank_cells", "zero_cells", "blank_tables",
         "check_failures", "carried_chain", "reused_from_previous", "reused_from_peers", "reuses_prose", "versions",
         "changed_after_publishing")


def summary_view_sql() -> str:
    """One row per report with its indicators as columns and the count of problems found."""
    cols = ",\n  ".join(f"max(case when i.indicator = '{k}' then i.value end) as [{k}]" for k in PIVOT)
    problems = " + ".join(f"coalesce({cond}, 0)" for _, _, cond in PROBLEMS.values())
    return (f"select s.*, {problems} as problems from (select r.id as report_id, r.agency_id, r.agency, r.province, "
            "coalesce(a.level, a.kind, r.level) as level, r.year, r.title,\n"
            "  max(case when i.indicator = 'first_published' then i.detail end) as first_published,\n  "
            f"{cols}\nfrom reports r join indicators i on i.report_id = r.id left join agencies a on a.id = r.agency_id "
            "group by r.id) s")


VIEWS = {"indicator_summary": summary_view_sql()}


async def rows(db, sql, params=None) -> list[dict]:
    result = await db.execute(sql, params or [])
    return [dict(r) for r in result.rows]


async def ready(db) -> bool:
    return all([await db.table_exists(t) for t in ("indicators", "coverage", "yoy")]) and \
        bool(await rows(db, "select name from sqlite_master where type = 'view' and name = 'indicator_summary'"))


def _where(filters: dict, alias: str = "") -> tuple[str, list]:
    conds, params = [], []
    for key in ("province", "level", "year"):
        if filters.get(key) not in (None, ""):
            conds.append(f"{alias}[{key}] = ?")
            params.append(filters[key])
    return (" where " + " and ".join(conds)) if conds else "", params


async def overview(db, filters: dict) -> dict:
    """Per province and level: reports, shares, and coverage; then the ranking of agencies."""
    where, params = _where(filters)
    share = lambda cond: f"round(avg(case when {cond} then 1.0 when {cond.split(' ')[0]} is null then null else 0 end), 3)"  # noqa: E731
    by_group = await rows(db, (
        "select province, level, count(*) reports, count(distinct agency_id) agencies, "
        f"{share('on_time = 1')} on_time, {share('sections_present = 6')} complete, "
        f"{share('check_failures = 0')} balanced, {share('carried_chain = 1')} chain_holds, "
        f"{share('reuses_prose = 1')} reused, sum(problems) problems "
        f"from indicator_summary{where} group by province, level order by province, level"), params)
    cwhere, cparams = _where(filters)
    coverage = await rows(db, f"select province, level, status, count(*) n from coverage{cwhere} "
                              "group by province, level, status", cparams)
    for g in by_group:
        g["coverage"] = {c["status"]: c["n"] for c in coverage
                         if c["province"] == g["province"] and c["level"] == g["level"]}
    flags = ", ".join(f"sum(coalesce({cond}, 0)) as [{k}]" for k, (_, _, cond) in PROBLEMS.items())
    ranking = await rows(db, (
        f"select s.agency_id, s.agency, s.province, s.level, count(*) reports, min(s.year) first_year, "
        f"max(s.year) last_year, {flags}, sum(s.problems) problems from indicator_summary s{_where(filters, 's.')[0]} "
        "group by s.agency_id"), params)
    missing = {r["agency_id"]: r["n"] for r in await rows(
        db, f"select agency_id, count(*) n from coverage{cwhere}{' and' if cwhere else ' where'} status = 'not_found' "
            "group by agency_id", cparams)}
    for r in ranking:
        r["not_found"] = missing.get(r["agency_id"], 0)
        r["score"] = r["problems"] + r["not_found"]
    ranking.sort(key=lambda r: (-r["score"], r["province"] or "", r["agency"] or ""))
    for n, r in enumerate(ranking, 1):
        r["rank"] = n
    choices = {k: [r[k] for r in await rows(db, f"select distinct [{k}] from indicator_summary where [{k}] is not null "
                                                f"order by [{k}]")] for k in ("province", "level", "year")}
    return {"groups": by_group, "ranking": ranking, "filters": filters, "choices": choices,
            "problems": PROBLEMS, "coverage_status": indicators.COVERAGE_STATUS}


async def agency(db, agency_id: str) -> dict | None:
    found = await rows(db, "select * from agencies where id = ?", [agency_id])
    if not found:
        return None
    ag = found[0]
    coverage = {r["year"]: r for r in await rows(db, "select * from coverage where agency_id = ? order by year",
                                                 [agency_id])}
    summary = {r["year"]: r for r in await rows(
        db, "select * from indicator_summary where agency_id = ? order by year", [agency_id])}
    details = {}
    for r in await rows(db, "select i.year, i.indicator, i.detail from indicators i where i.agency_id = ? "
                            "and i.detail is not null", [agency_id]):
        details[(r["year"], r["indicator"])] = r["detail"]
    yoy: dict[str, dict[int, dict]] = {}
    for r in await rows(db, "select * from yoy where agency_id = ? order by year", [agency_id]):
        yoy.setdefault(r["figure"], {})[r["year"]] = r
    # peers: the other agencies of the same province and level, their median per ratio and year
    peer_values: dict[tuple, list[float]] = {}
    for r in await rows(db, "select y.figure, y.year, y.value from yoy y join agencies a on a.id = y.agency_id "
                            "where a.province is ? and coalesce(a.level, a.kind) is ? and y.agency_id != ? "
                            "and y.derived = 1 and y.value is not null",
                        [ag["province"], ag["level"] or ag["kind"], agency_id]):
        peer_values.setdefault((r["figure"], r["year"]), []).append(r["value"])
    peers = {k: {"median": statistics.median(v), "n": len(v)} for k, v in peer_values.items()}
    years = sorted(set(coverage) | set(summary))
    labels = {k: (i.zh, i.en) for k, i in indicators.INDICATORS.items()}
    figures = [(k, zh, en, False) for k, (zh, en, _, _) in indicators.FIGURES.items()]
    figures += [(k, zh, en, True) for k, (zh, en, _) in indicators.RATIOS.items()]
    return {"agency": ag, "years": years, "coverage": coverage, "summary": summary, "details": details,
            "labels": labels, "yoy": yoy, "figures": figures, "pivot": PIVOT, "peers": peers,
            "chart": chart_svg(years, yoy), "basis": {k: i.basis for k, i in indicators.INDICATORS.items()},
            "ratio_basis": {k: v[2] for k, v in indicators.RATIOS.items()}}


def chart_svg(years: list[int], yoy: dict, width: int = 640, height: int = 240) -> str:
    """Requests received and decided per year (bars), and the share disclosed (line, right axis)."""
    if not years:
        return ""
    series = [("new_received", "本年新收 received", "#4a78b5"), ("handled", "办结 decided", "#9bbce0")]
    top = max([1.0] + [yoy.get(k, {}).get(y, {}).get("value") or 0 for k, _, _ in series for y in years])
    left, right, pad_top, pad_bottom = 48, 48, 28, 36
    plot_w, plot_h = width - left - right, height - pad_top - pad_bottom
    slot = plot_w / len(years)
    bar = slot / 3
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="agency-chart" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="requests per year">',
           f'<line x1="{left}" y1="{pad_top + plot_h}" x2="{left + plot_w}" y2="{pad_top + plot_h}" stroke="#333"/>',
           f'<text x="{left - 6}" y="{pad_top + 4}" text-anchor="end" font-size="11">{int(top):,}</text>',
           f'<text x="{left - 6}" y="{pad_top + plot_h}" text-anchor="end" font-size="11">0</text>',
           f'<text x="{left + plot_w + 6}" y="{pad_top + 4}" font-size="11">100%</text>',
           f'<text x="{left + plot_w + 6}" y="{pad_top + plot_h}" font-size="11">0%</text>']
    points = []
    for n, y in enumerate(years):
        x0 = left + n * slot + bar / 2
        for m, (key, _, colour) in enumerate(series):
            v = yoy.get(key, {}).get(y, {}).get("value")
            if v is None:  # blank or no report: no bar, never a zero bar
                continue
            h = plot_h * v / top
            out.append(f'<rect x="{x0 + m * bar:.1f}" y="{pad_top + plot_h - h:.1f}" width="{bar - 2:.1f}" '
                       f'height="{h:.1f}" fill="{colour}"><title>{y} {escape(key)}: {int(v):,}</title></rect>')
            out.append(f'<text x="{x0 + m * bar + bar / 2 - 1:.1f}" y="{pad_top + plot_h - h - 3:.1f}" '
                       f'text-anchor="middle" font-size="10">{int(v):,}</text>')
        out.append(f'<text x="{left + n * slot + slot / 2:.1f}" y="{pad_top + plot_h + 16}" text-anchor="middle" '
                   f'font-size="12">{y}</text>')
        rate = yoy.get("disclosure_rate", {}).get(y, {}).get("value")
        if rate is not None:
            points.append((left + n * slot + slot / 2, pad_top + plot_h * (1 - rate), y, rate))
    if points:
        out.append('<polyline fill="none" stroke="#c0392b" stroke-width="2" points="'
                   + " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points) + '"/>')
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#c0392b"><title>{yr} 公开率 disclosure rate: '
                f'{rate:.0%}</title></circle>' for x, y, yr, rate in points]
    legend = series + [("disclosure_rate", "公开率 share disclosed", "#c0392b")]
    for m, (_, label, colour) in enumerate(legend):
        out.append(f'<rect x="{left + m * 170}" y="6" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{left + m * 170 + 14}" y="15" font-size="11">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def to_json(data: dict) -> dict:
    """The agency page as JSON (no SVG, no label tables)."""
    return {"agency": data["agency"], "years": data["years"],
            "coverage": {y: r["status"] for y, r in data["coverage"].items()},
            "indicators": {y: {k: r[k] for k in PIVOT + ("problems", "first_published", "report_id")}
                           for y, r in data["summary"].items()},
            "yoy": {k: {y: {c: r[c] for c in ("value", "previous", "change", "numerator", "denominator", "derived")}
                        for y, r in v.items()} for k, v in data["yoy"].items()},
            "peers": {f"{k}/{y}": v for (k, y), v in data["peers"].items()}}


def detail_text(raw: str | None) -> str:
    """A detail JSON as a short line for a title attribute."""
    if not raw:
        return ""
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False)[:400]
    except ValueError:
        return raw[:400]
