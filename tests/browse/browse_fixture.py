"""A small harvest written through harvester.store, and the truth it was made from.

`build(path)` writes the database and returns the truth: the reports as generated (canonical
values, the check failures they really have), so tests compare what Datasette answers with
what went in, never with what the database says. Each report has the keys of the sandbox
truth (harvester.sandbox.truth, golden shape): `title, agency, province, year, published,
format, active_disclosure, applications, reviews_litigation, check_failures, balanced, url,
site_id, mirrors`, and also `level`, `parse_status`, `earlier_versions`.

Made to exercise every view: two provinces, years 2018-2023, templates 2021, 2019 and legacy,
a report failing check 1 (as seed 002 does), a carried_forward (2022) that differs from the
next year's carried_over (2023), an agency whose last report is for 2022, a report whose
table 3 is an image (tables null), a report with two versions and a mobile twin, GBK pages.
"""

from __future__ import annotations

from harvester import dedupe, urls
from harvester.items import utcnow
from harvester.store import APPLICANT_COLUMNS, Store

SIX = APPLICANT_COLUMNS[:-1]
RESULT_ROWS_2021 = [
    "granted", "partially_granted",
    "denied.state_secret", "denied.prohibited_by_law", "denied.endangers_safety_stability",
    "denied.third_party_rights", "denied.internal_affairs", "denied.process_information",
    "denied.enforcement_case_files", "denied.administrative_inquiry",
    "unable.not_held", "unable.needs_creation", "unable.unclear_after_correction",
    "not_processed.petition_complaint", "not_processed.repeated", "not_processed.publication",
    "not_processed.excessive", "not_processed.confirm_or_reissue",
    "other.no_correction", "other.unpaid_fee", "other.other",
]
RESULT_ROWS_2019 = RESULT_ROWS_2021[:-3] + ["other"]

SITES = {
    "gx-guigang": ("贵港市人民政府", "广西壮族自治区", "prefecture", "http://www.gxgg.gov.cn/zfxxgk/zfxxgkndbg_2954/"),
    "gx-liuzhou-liunan": ("柳州市柳南区人民政府", "广西壮族自治区", "county", "http://www.liunan.gov.cn/xxgk/zfxxgknb/"),
    "hb-xianning-zwsjj": ("咸宁市政务服务和大数据管理局", "湖北省", "department", "http://zwsjj.xianning.gov.cn/xxgk/ndbg/"),
    "hb-xianning": ("咸宁市人民政府", "湖北省", "prefecture", "http://www.xianning.gov.cn/xxgk/zfxxgknb/"),
}


def cells(**kw) -> dict:
    """One table-3 row: the six applicant columns (0 unless given) and their total."""
    row = {c: kw.get(c, 0) for c in SIX}
    present = [v for v in row.values() if v is not None]
    row["total"] = sum(present) if present else None
    return row


def applications(fmt: str, new: dict, over: dict, results: dict[str, dict], forward: dict | None = None) -> dict:
    """Table 3 with `total` the sum of the result rows and, unless given, a balancing carried_forward."""
    rows = RESULT_ROWS_2019 if fmt == "2019" else RESULT_ROWS_2021
    out = {"new_received": cells(**new), "carried_over": cells(**over)}
    for r in rows:
        out[r] = cells(**results.get(r, {}))
    out["total"] = {c: sum(out[r][c] or 0 for r in rows) for c in APPLICANT_COLUMNS}
    if forward is None:
        forward = {c: (out["new_received"][c] or 0) + (out["carried_over"][c] or 0) - out["total"][c] for c in SIX}
    out["carried_forward"] = cells(**forward)
    return out


def table2(fmt: str, seed: int) -> dict:
    if fmt == "2019":
        return {
            "rules": {"new_made": 0, "new_published": 0, "total_published": 0},
            "normative_documents": {"new_made": seed, "new_published": seed, "total_published": 10 * seed},
            "licensing": {"prior_year_items": 120, "change": -3, "decisions": 100 * seed},
            "other_services": {"prior_year_items": 15, "change": 0, "decisions": 7},
            "penalty": {"prior_year_items": 40, "change": 2, "decisions": 5 * seed},
            "coercion": {"prior_year_items": 8, "change": 0, "decisions": 1},
            "fees": {"prior_year_items": 3, "change": -1},
            "procurement": {"projects": 6, "amount": 251000.0},
        }
    return {
        "rules": {"issued": 1, "repealed": 0, "in_force": seed},
        "normative_documents": {"issued": 2 * seed, "repealed": 1, "in_force": 30 + seed},
        "licensing": {"decisions": 1000 * seed},
        "penalty": {"decisions": 100 * seed},
        "coercion": {"decisions": seed},
        "fees": {"amount_10k_yuan": 34572.2 + seed},
    }


def table4(seed: int) -> dict:
    out = {}
    for i, group in enumerate(("review", "suit_direct", "suit_after_review")):
        parts = {"upheld": seed + i, "corrected": 1, "other": 0, "pending": i}
        for k, v in parts.items():
            out[f"{group}.{k}"] = v
        out[f"{group}.total"] = sum(parts.values())
    return out


def checks(values: dict) -> list[dict]:
    """The report's own checks (report-format.md): 1 received_balance, 2 results_sum, 3 row_total, table4_total."""
    apps, fmt, failures = values.get("applications"), values.get("format"), []
    if apps:
        rows = RESULT_ROWS_2019 if fmt == "2019" else RESULT_ROWS_2021
        for c in APPLICANT_COLUMNS:
            left = [apps["new_received"][c], apps["carried_over"][c]]
            right = [apps["total"][c], apps["carried_forward"][c]]
            if None not in left + right and sum(left) != sum(right):
                failures.append({"check": "received_balance", "column": c, "expected": sum(left), "actual": sum(right)})
        for c in APPLICANT_COLUMNS:
            parts = [apps[r][c] for r in rows]
            if apps["total"][c] is not None and None not in parts and apps["total"][c] != sum(parts):
                failures.append({"check": "results_sum", "column": c, "expected": apps["total"][c], "actual": sum(parts)})
        for r, row in apps.items():
            parts = [row[c] for c in SIX]
            if row["total"] is not None and None not in parts and row["total"] != sum(parts):
                failures.append({"check": "row_total", "column": r, "expected": row["total"], "actual": sum(parts)})
    rl = values.get("reviews_litigation")
    if rl:
        for g in ("review", "suit_direct", "suit_after_review"):
            parts = [rl[f"{g}.{k}"] for k in ("upheld", "corrected", "other", "pending")]
            if rl[f"{g}.total"] is not None and None not in parts and rl[f"{g}.total"] != sum(parts):
                failures.append({"check": "table4_total", "column": g, "expected": rl[f"{g}.total"], "actual": sum(parts)})
    return failures


def report_values(fmt: str, seed: int, apps: dict | None, raw: dict | None = None) -> dict:
    values = {
        "format": fmt,
        "active_disclosure": table2(fmt, seed) if apps is not None else None,
        "applications": apps,
        "reviews_litigation": table4(seed) if apps is not None else None,
        "raw": raw or {},
        "units": {"active_disclosure/fees/amount_10k_yuan": "万元"} if fmt == "2021" else
                 {"active_disclosure/procurement/amount": "元"},
    }
    values["check_failures"] = checks(values) if apps is not None else None
    values["balanced"] = None if apps is None else not values["check_failures"]
    values["parse_status"] = "ok" if apps is not None else "partial"
    return values


def reports() -> list[dict]:
    """The reports of the fixture harvest, with their canonical values."""
    out = []

    def add(site, year, fmt, apps, *, seed=1, raw=None, title=True, published=None, versions=None,
            twin=False, reason=None):
        agency, province, level, column = SITES[site]
        url = f"{column}t{year + 1}0130_{1000 + year}.shtml"
        values = report_values(fmt, seed, apps, raw) if fmt != "legacy" else None
        out.append({
            "id": dedupe.report_id(agency, year, urls.canonical_url(url)),
            "site_id": site, "agency": agency, "province": province, "level": level, "year": year,
            "format": fmt, "title": f"{agency}{year}年政府信息公开工作年度报告" if title else None,
            "published": published or f"{year + 1}-01-30", "url": url,
            "parse_status": "legacy" if fmt == "legacy" else values["parse_status"],
            "parse_reason": reason,
            "values": values, "check_failures": values["check_failures"] if values else None,
            "active_disclosure": values["active_disclosure"] if values else None,
            "applications": values["applications"] if values else None,
            "reviews_litigation": values["reviews_litigation"] if values else None,
            "balanced": values["balanced"] if values else None,
            "sources": [url] + ([url.replace(".shtml", "_app.shtml")] if twin else []),
            "mirrors": [url.replace(".shtml", "_app.shtml")] if twin else [],
            "earlier_versions": versions or [],
        })

    # 贵港 (市): legacy 2018, then 2021-2023; 2022 has a corrected re-post and a mobile twin;
    # its carried_forward (natural_person 20) is not 2023's carried_over (18).
    add("gx-guigang", 2018, "legacy", None, title=True)
    add("gx-guigang", 2021, "2021", applications(
        "2021", new={"natural_person": 220, "commercial_enterprise": 6, "legal_service_org": 2},
        over={"natural_person": 9},
        results={"granted": {"natural_person": 90, "commercial_enterprise": 3},
                 "partially_granted": {"natural_person": 20, "legal_service_org": 1},
                 "denied.third_party_rights": {"natural_person": 7},
                 "denied.process_information": {"natural_person": 5, "commercial_enterprise": 1},
                 "unable.not_held": {"natural_person": 60, "commercial_enterprise": 2},
                 "not_processed.petition_complaint": {"natural_person": 15},
                 "not_processed.repeated": {"natural_person": 10},
                 "other.other": {"natural_person": 10, "legal_service_org": 1}},
        forward={"natural_person": 12}), seed=3)
    first_2022 = applications(
        "2021", new={"natural_person": 300, "commercial_enterprise": 10},
        over={"natural_person": 12},
        results={"granted": {"natural_person": 150, "commercial_enterprise": 6}},
        forward={"natural_person": 162, "commercial_enterprise": 4})
    add("gx-guigang", 2022, "2021", applications(
        "2021", new={"natural_person": 300, "commercial_enterprise": 10},
        over={"natural_person": 12},
        results={"granted": {"natural_person": 140, "commercial_enterprise": 6},
                 "partially_granted": {"natural_person": 30},
                 "denied.state_secret": {"natural_person": 1},
                 "denied.internal_affairs": {"natural_person": 4},
                 "denied.enforcement_case_files": {"natural_person": 8, "commercial_enterprise": 1},
                 "unable.not_held": {"natural_person": 70, "commercial_enterprise": 3},
                 "unable.needs_creation": {"natural_person": 6},
                 "not_processed.petition_complaint": {"natural_person": 20},
                 "not_processed.excessive": {"natural_person": 4},
                 "other.no_correction": {"natural_person": 9}},
        forward={"natural_person": 20}), seed=4, twin=True, versions=[first_2022])
    add("gx-guigang", 2023, "2021", applications(
        "2021", new={"natural_person": 260, "commercial_enterprise": 4, "research_institution": 1},
        over={"natural_person": 18},
        results={"granted": {"natural_person": 130, "commercial_enterprise": 4, "research_institution": 1},
                 "partially_granted": {"natural_person": 25},
                 "denied.third_party_rights": {"natural_person": 11},
                 "denied.process_information": {"natural_person": 6},
                 "unable.not_held": {"natural_person": 55},
                 "not_processed.repeated": {"natural_person": 12},
                 "not_processed.confirm_or_reissue": {"natural_person": 3},
                 "other.other": {"natural_person": 21}},
        forward={"natural_person": 15}), seed=5)

    # 柳南区 (县): 2022 balanced, with a blank cell printed as "/"; 2023 fails check 1 as seed 002 does.
    liunan_2022 = applications(
        "2021", new={"natural_person": 14, "other_org": None}, over={"natural_person": 1},
        results={"granted": {"natural_person": 6}, "partially_granted": {"natural_person": 2},
                 "unable.not_held": {"natural_person": 4}, "not_processed.repeated": {"natural_person": 1}},
        forward={"natural_person": 2})
    add("gx-liuzhou-liunan", 2022, "2021", liunan_2022, seed=2,
        raw={"applications/new_received/other_org": "/"})
    liunan_2023 = applications(
        "2021", new={"natural_person": 9}, over={"natural_person": 2},
        results={"granted": {"natural_person": 3, "commercial_enterprise": 1},
                 "partially_granted": {"natural_person": 1},
                 "denied.third_party_rights": {"natural_person": 1},
                 "unable.not_held": {"natural_person": 2},
                 "not_processed.petition_complaint": {"natural_person": 1}},
        forward={"natural_person": 2, "commercial_enterprise": 0})
    # The printed 总计 column balances (9 + 2 == 9 + 2); 自然人 (11 vs 10) and 商业企业 (0 vs 1) do not.
    liunan_2023["new_received"]["total"] = 9
    liunan_2023["total"]["total"] = 9
    liunan_2023["carried_forward"]["total"] = 2
    add("gx-liuzhou-liunan", 2023, "2021", liunan_2023, seed=1)

    # 咸宁市政务服务和大数据管理局 (部门): 2020 on the 2019 template, 2021, 2022; nothing for 2023.
    add("hb-xianning-zwsjj", 2020, "2019", applications(
        "2019", new={"natural_person": 5, "commercial_enterprise": 1}, over={},
        results={"granted": {"natural_person": 3, "commercial_enterprise": 1},
                 "unable.not_held": {"natural_person": 1}, "other": {"natural_person": 1}}), seed=2)
    add("hb-xianning-zwsjj", 2021, "2021", applications(
        "2021", new={"natural_person": 3}, over={},
        results={"granted": {"natural_person": 2}, "denied.administrative_inquiry": {"natural_person": 1}}), seed=1)
    add("hb-xianning-zwsjj", 2022, "2021", applications(
        "2021", new={"natural_person": 4, "social_welfare_org": 1}, over={},
        results={"granted": {"natural_person": 2, "social_welfare_org": 1},
                 "not_processed.publication": {"natural_person": 1}},
        forward={"natural_person": 1}), seed=1)
    # 咸宁市人民政府 (市) 2023: the tables are images; nothing parsed, nothing invented.
    add("hb-xianning", 2023, "2021", None, reason="tables 2-4 are images")
    return out


def page_html(r: dict) -> str:
    """A report page as a portal serves it: with links to the portal's own scripts and images."""
    host = r["url"].split("/")[2]
    title = r["title"] or ""
    return (
        f"<!DOCTYPE html><html><head><meta charset=\"{'gbk' if r['site_id'] == 'gx-guigang' else 'utf-8'}\">"
        f"<title>{title}</title><link rel=\"stylesheet\" href=\"http://{host}/css/style.css\">"
        f"<script src=\"http://{host}/js/common.js\"></script></head><body>"
        f"<img src=\"http://{host}/images/logo.png\"><h1 id=\"title\">{title}</h1>"
        f"<p>{r['agency']}{r['year']}年政府信息公开工作年度报告。一、总体情况 本机关依法办理政府信息公开申请。</p>"
        f"</body></html>"
    )


def build(path) -> list[dict]:
    """Write the fixture harvest to `path` through Store.save_report; return its truth."""
    truth = reports()
    store = Store(path)
    for site_id, (agency, province, level, column) in SITES.items():
        store.db["sites"].upsert({"id": site_id, "agency": agency, "province": province, "level": level,
                                  "homepage": "http://" + column.split("/")[2] + "/", "columns": column,
                                  "family": "trs", "spider": "generic", "verified": 0, "source": "test fixture"},
                                 pk="id")
    for r in truth:
        html = page_html(r)
        encoding = "gbk" if r["site_id"] == "gx-guigang" else "utf-8"
        ctype = "text/html; charset=GBK" if encoding == "gbk" else "text/html"
        history = [*r["earlier_versions"], None]  # None: the final values
        for n, apps in enumerate(history):
            values = r["values"] if apps is None else report_values(r["format"], 0, apps)
            body = (html + ("" if apps is None else f"<!-- version {n + 1} -->")).encode(encoding)
            seen = utcnow()
            page_hash = store.save_page(r["url"], body, ctype, seen)
            text = f"{r['title'] or ''}\n{r['agency']}{r['year']}年政府信息公开工作年度报告。一、总体情况 本机关依法办理政府信息公开申请。"
            failures = values["check_failures"] if values else None
            report = {
                "id": r["id"], "site_id": r["site_id"], "agency": r["agency"], "province": r["province"],
                "level": r["level"], "year": r["year"], "title": r["title"], "url": r["url"],
                "published": r["published"], "format": r["format"], "parse_status": r["parse_status"],
                "parse_reason": r["parse_reason"],
                "check_status": None if failures is None else ("failed" if failures else "passed"),
                "balanced": None if failures is None else int(not failures), "mirrored_copy_in_page": 0,
                "overview": "本机关依法办理政府信息公开申请。", "problems": "公开内容不够全面。", "other_matters": "无。",
                "text": text, "content_hash": dedupe.content_hash(values or {}, text),
                "page_hash": page_hash, "last_seen": seen,
            }
            for url in r["sources"]:
                source = {"url": url, "report_id": r["id"], "site_id": r["site_id"],
                          "kind": urls.source_kind(url), "canonical": int(url == r["url"]),
                          "content_hash": report["content_hash"], "page_hash": page_hash,
                          "published": r["published"]}
                # each earlier version as stored by an earlier run (they share a publish date)
                store.save_report(report, source, values if values and values.get("parse_status") != "failed" else values,
                                  run=n + 1)
    store.close()
    return truth
