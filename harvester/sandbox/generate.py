"""Deterministic made-up content: reports for the years the seeds do not cover, legacy
(pre-2019) reports, and the non-report pages that share a column with them.

Everything is seeded by (portal, agency, year, kind), so every Sandbox and every truth load
builds the same web. Values are scaled to the agency's level (a prefecture city receives
hundreds of applications, a bureau a handful), chained across years (carried_forward of year
N is carried_over of year N+1) and anchored on the seed reports; a portal's data file may ask
for a deliberate fault (``faults = ["results_sum"]`` ...) so that some reports fail a check
as real ones do.
"""

from __future__ import annotations

import hashlib
import random

from .schema import APPLICANT_COLUMNS, COLUMNS, T4_GROUPS, app_rows, empty_values, result_rows


def rng_for(*parts) -> random.Random:
    h = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


# --- scale by level -----------------------------------------------------------------------
PROFILES = {
    #          applications  org share  licensing         penalty          coercion      fees (万元)     normative
    "省":   dict(apps=(400, 1500), org=20, lic=(800_000, 4_000_000), pen=(100_000, 900_000),
                coe=(5_000, 60_000), fees=(20_000, 90_000), rules=True, norm=(20, 120),
                norm_force=(300, 900), t4=8),
    "市":   dict(apps=(150, 420), org=8, lic=(150_000, 1_300_000), pen=(40_000, 500_000),
                coe=(2_000, 25_000), fees=(8_000, 40_000), rules=True, norm=(80, 500),
                norm_force=(800, 2000), t4=4),
    "县":   dict(apps=(6, 60), org=3, lic=(5_000, 60_000), pen=(300, 5_000), coe=(10, 300),
                fees=(0, 600), rules=False, norm=(1, 20), norm_force=(10, 80), t4=2),
    "部门": dict(apps=(0, 8), org=1, lic=(0, 300), pen=(0, 40), coe=(0, 6), fees=(0, 0),
                rules=False, norm=(0, 3), norm_force=(1, 15), t4=1),
    "开发区": dict(apps=(0, 3), org=1, lic=(0, 80), pen=(0, 10), coe=(0, 2), fees=(0, 0),
                 rules=False, norm=(0, 3), norm_force=(20, 110), t4=1),
    "乡镇": dict(apps=(0, 4), org=0, lic=(0, 50), pen=(0, 20), coe=(0, 3), fees=(0, 0),
                rules=False, norm=(0, 1), norm_force=(0, 5), t4=0),
}

RESULT_WEIGHTS = {
    "granted": 40, "partially_granted": 8, "denied.state_secret": 0.3,
    "denied.prohibited_by_law": 0.5, "denied.endangers_safety_stability": 0.3,
    "denied.third_party_rights": 3, "denied.internal_affairs": 1, "denied.process_information": 2,
    "denied.enforcement_case_files": 2.5, "denied.administrative_inquiry": 1,
    "unable.not_held": 25, "unable.needs_creation": 3, "unable.unclear_after_correction": 2,
    "not_processed.petition_complaint": 2, "not_processed.repeated": 2,
    "not_processed.publication": 0.5, "not_processed.excessive": 0.5,
    "not_processed.confirm_or_reissue": 1, "other.no_correction": 2, "other.unpaid_fee": 0.1,
    "other.other": 4, "other": 6,
}


def _ri(rng, lo_hi):
    lo, hi = lo_hi
    return rng.randint(lo, hi) if hi > lo else lo


def gen_applications(rng, level, fmt, carried_over=None, carried_forward=None):
    """Table 3, consistent: each column balances, totals add up.

    ``carried_over`` / ``carried_forward``: fixed values per applicant column (anchors from the
    neighbouring years), else drawn.
    """
    p = PROFILES[level]
    rows = app_rows(fmt)
    res = result_rows(fmt)
    v = {r: {c: 0 for c in COLUMNS} for r in rows}
    n_total = _ri(rng, p["apps"])
    for c in APPLICANT_COLUMNS:
        if c == "natural_person":
            new = n_total
        else:
            new = rng.randint(0, p["org"]) if rng.random() < 0.5 else 0
        co = (carried_over or {}).get(c)
        if co is None:
            co = rng.randint(0, max(0, new // 20)) if new > 20 else 0
        cf = (carried_forward or {}).get(c)
        if cf is None:
            cf = rng.randint(0, max(0, (new + co) // 25)) if new + co > 25 else 0
        if new + co < cf:
            new = cf - co
        handled = new + co - cf
        v["new_received"][c], v["carried_over"][c], v["carried_forward"][c] = new, co, cf
        weights = [RESULT_WEIGHTS[r] for r in res]
        for r in rng.choices(res, weights, k=handled) if handled else []:
            v[r][c] += 1
        v["total"][c] = handled
    for r in rows:
        v[r]["total"] = sum(v[r][c] for c in APPLICANT_COLUMNS)
    return v


def gen_active(rng, level, fmt):
    p = PROFILES[level]
    out = {}
    if fmt == "2019":
        norm_new = _ri(rng, p["norm"])
        out["rules"] = ({"new_made": rng.randint(0, 3), "new_published": 0, "total_published": 0}
                        if p["rules"] else {"new_made": 0, "new_published": 0, "total_published": 0})
        if p["rules"]:
            out["rules"]["new_published"] = out["rules"]["new_made"]
            out["rules"]["total_published"] = rng.randint(5, 40)
        out["normative_documents"] = {"new_made": norm_new, "new_published": norm_new,
                                      "total_published": _ri(rng, p["norm_force"]) + norm_new}
        for item, rng_key in (("licensing", "lic"), ("other_services", "lic"),
                              ("penalty", "pen"), ("coercion", "coe")):
            lo, hi = p[rng_key]
            items = (rng.randint(0, 300) if level in ("市", "县") else rng.randint(0, 15)) if hi else 0
            out[item] = {"prior_year_items": items,
                         "change": rng.choice([0, 0, 1, 2, -1, 3, -4]) if items else 0,
                         "decisions": _ri(rng, (lo, hi)) if item != "other_services"
                         else _ri(rng, (lo // 10, hi // 10))}
        out["fees"] = {"prior_year_items": rng.randint(0, 15) if p["fees"][1] else 0,
                       "change": rng.choice([0, 0, -1]) if p["fees"][1] else 0}
        amount = round(rng.uniform(50, 9000), 2) if level in ("市", "县") else 0
        out["procurement"] = {"projects": rng.randint(3, 120) if amount else 0, "amount": amount}
        return out
    rules_force = rng.randint(1, 12) if p["rules"] else 0
    out["rules"] = {"issued": rng.randint(0, 2) if p["rules"] else 0,
                    "repealed": rng.randint(0, 1) if p["rules"] else 0, "in_force": rules_force}
    issued = _ri(rng, p["norm"])
    out["normative_documents"] = {"issued": issued, "repealed": rng.randint(0, max(0, issued // 3)),
                                  "in_force": _ri(rng, p["norm_force"])}
    out["licensing"] = {"decisions": _ri(rng, p["lic"])}
    out["penalty"] = {"decisions": _ri(rng, p["pen"])}
    out["coercion"] = {"decisions": _ri(rng, p["coe"])}
    fees = p["fees"]
    out["fees"] = {"amount_10k_yuan": round(rng.uniform(*fees), 1) if fees[1] else 0}
    if fees[1] and rng.random() < 0.3:
        out["fees"]["amount_10k_yuan"] = 0
    return out


def gen_reviews(rng, level):
    hi = PROFILES[level]["t4"]
    out = {}
    for g in T4_GROUPS:
        cap = hi if g != "suit_after_review" else max(0, hi // 2)
        parts = [rng.randint(0, cap) if rng.random() < 0.5 else 0 for _ in range(4)]
        for m, x in zip(("upheld", "corrected", "other", "pending"), parts):
            out[f"{g}.{m}"] = x
        out[f"{g}.total"] = sum(parts)
    return out


def apply_fault(values: dict, fault: str, fmt: str):
    """Break one 勾稽 relation the way a typo does (the truth then reports the failure)."""
    a, t4 = values["applications"], values["reviews_litigation"]
    if fault == "results_sum":            # a result cell typed one too high, total row kept
        a["granted"]["natural_person"] += 1
        a["granted"]["total"] += 1
    elif fault == "received_balance":     # carried_forward typed wrong in one column
        a["carried_forward"]["natural_person"] += 2
        a["carried_forward"]["total"] += 2
    elif fault == "row_total":            # a row's total not the sum of its columns
        a["unable.not_held"]["total"] += 1
    elif fault == "table4_total":
        t4["review.total"] += 1
    elif fault == "carried_chain":        # handled in the series: carried_over not last year's
        pass
    else:
        raise ValueError(f"unknown fault {fault!r}")


def gen_values(rng, level, fmt, carried_over=None, carried_forward=None, faults=()):
    if fmt == "legacy":
        return {"active_disclosure": None, "applications": None, "reviews_litigation": None}
    values = {
        "active_disclosure": gen_active(rng, level, fmt),
        "applications": gen_applications(rng, level, fmt, carried_over, carried_forward),
        "reviews_litigation": gen_reviews(rng, level),
    }
    for f in faults:
        apply_fault(values, f, fmt)
    shape = empty_values(fmt)                      # same key order as the golden shape
    for k in shape:
        if isinstance(shape[k], dict):
            for kk in shape[k]:
                src = values[k].get(kk)
                shape[k][kk] = dict(src) if isinstance(src, dict) else src
    return shape


# --- prose ------------------------------------------------------------------------------------
def _tot(values, row):
    a = values.get("applications") or {}
    return (a.get(row) or {}).get("total")


def gen_prose(rng, ctx: dict, fmt: str, values: dict) -> dict:
    """The report's prose: preamble, the five parts of 总体情况, problems, other matters.

    ``ctx``: agency, we (我区/我局...), year, site_name, url, office, phone, address.
    """
    y, we, ag = ctx["year"], ctx["we"], ctx["agency"]
    site, url = ctx.get("site_name", ""), ctx.get("url", "")
    if fmt == "legacy":
        return gen_legacy_prose(rng, ctx)
    pre = [rng.choice([
        f"本年度报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开"
        f"工作年度报告格式》要求，由{ag}编制。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开"
        f"申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。本报告"
        f"所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。本报告电子版可在{site}（{url}）查阅或下载。"
        f"如对本报告有疑问，请与{ctx['office']}联系（地址：{ctx['address']}；电话：{ctx['phone']}）。",
        f"根据《中华人民共和国政府信息公开条例》规定，现公布{ag}{y}年政府信息公开工作年度报告。本报告所列数据"
        f"的统计期限自{y}年1月1日起至{y}年12月31日止。本报告在{site}（{url}）全文公开。如对本报告有任何疑问，"
        f"请与{ctx['office']}联系（电话：{ctx['phone']}）。",
        f"本报告由{ag}根据《中华人民共和国政府信息公开条例》要求编制，统计时间为{y}年1月1日至{y}年12月31日。",
    ])]
    if ctx.get("no_title_in_text"):
        pre = [f"{y}年，{we}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府"
               f"信息公开条例》和国务院、省政府政务公开工作要点，不断完善政府信息公开工作机制，深入推进政务公开。"]
    nr, co, tot, cf = (_tot(values, "new_received"), _tot(values, "carried_over"),
                       _tot(values, "total"), _tot(values, "carried_forward"))
    ad = values.get("active_disclosure") or {}
    posts = rng.randint(120, 4800)
    ov = [
        "（一）主动公开情况",
        f"{y}年，{we}坚持以公开为常态、不公开为例外，依托{site}主动公开各类政府信息{posts}条，"
        f"通过政务新媒体发布信息{rng.randint(40, 1500)}条。"
        + (f"全年制发行政规范性文件{ad['normative_documents']['issued']}件。"
           if fmt == "2021" and ad.get("normative_documents") else "")
        + rng.choice(["重点领域信息公开进一步深化。", "政策文件与解读材料同步发布。",
                      "及时回应社会关切，公开质量稳步提升。"]),
        "（二）依申请公开情况",
        (f"{y}年，{we}共收到政府信息公开申请{nr}件，上年结转{co}件，已办结{tot}件，结转下年度继续办理{cf}件，"
         f"均在法定期限内予以答复。" if nr else
         f"{y}年，{we}未收到政府信息公开申请。"),
        "（三）政府信息管理情况",
        rng.choice([
            "严格落实信息发布“三审三校”制度，对拟公开的政府信息进行保密审查，确保公开内容准确规范。"
            "定期对已公开的规范性文件进行清理，及时标注失效、废止情况。",
            "健全政府信息公开审查机制，明确公开属性源头认定，做好政府信息的动态调整和更新维护工作。",
        ]),
        "（四）政府信息公开平台建设情况",
        rng.choice([
            f"持续加强{site}建设，优化政府信息公开专栏设置，规范栏目内容更新，提升检索、查阅、下载功能。",
            f"推进政府网站集约化建设，完善政府信息公开平台，{site}全年访问量{rng.randint(5, 380)}万人次。",
        ]),
        "（五）监督保障情况",
        rng.choice([
            "将政务公开工作纳入年度绩效考核，定期开展网站和政务新媒体自查，及时整改发现的问题。"
            f"{y}年未发生因政府信息公开工作引发的责任追究情况。",
            "成立政务公开工作领导小组，明确专人负责，组织开展政务公开业务培训，切实提升工作人员业务水平。",
        ]),
    ]
    extra_t2 = []
    if rng.random() < 0.25 and fmt == "2021" and ad.get("normative_documents"):
        extra_t2 = [f"{y}年{we}制发规范性文件{ad['normative_documents']['issued']}件，现行有效"
                    f"{ad['normative_documents']['in_force']}件。"]
    problems = [
        rng.choice([
            f"{y}年，{we}政府信息公开工作取得了一定成效，但仍存在一些不足：一是政策解读形式较为单一，"
            "图解、视频等多样化解读偏少；二是个别栏目更新不够及时。",
            "存在的主要问题：政务公开工作人员业务水平有待进一步提高，主动公开的深度和广度还需加强。",
        ]),
        rng.choice([
            f"改进措施：{y + 1}年，{we}将进一步加强业务培训，丰富政策解读形式，落实栏目更新责任，"
            "不断提升政府信息公开工作质量。",
            "下一步，我们将严格对照《条例》要求，健全工作机制，强化监督检查，推动政务公开工作再上新台阶。",
        ]),
    ]
    other = [rng.choice([
        f"依据《政府信息公开信息处理费管理办法》，{y}年{we}未收取任何政府信息公开信息处理费。",
        f"{y}年，{we}未收取与政府信息公开相关的费用。无其他需要报告的事项。",
        "无。",
    ])]
    prose = {"preamble": pre, "overview": ov, "problems": problems, "other_matters": other}
    if extra_t2:
        prose["active_disclosure"] = extra_t2
    return prose


def gen_legacy_prose(rng, ctx) -> dict:
    y, we, ag = ctx["year"], ctx["we"], ctx["agency"]
    n = rng.randint(0, 30)
    done = max(0, n - rng.randint(0, 2))
    sec = [
        ("一、概述", [f"{y}年，{we}认真贯彻落实《中华人民共和国政府信息公开条例》，进一步健全政府信息公开工作机制，"
                    "扎实推进政府信息公开工作。本报告中所列数据的统计期限自"
                    f"{y}年1月1日起至{y}年12月31日止。"]),
        ("二、主动公开政府信息情况", [f"{y}年，{we}主动公开政府信息{rng.randint(300, 3000)}条，其中规范性文件"
                                  f"{rng.randint(0, 30)}件，通过政府网站公开{rng.randint(200, 2500)}条。"]),
        ("三、依申请公开政府信息情况", [f"{y}年，{we}共受理政府信息公开申请{n}件，已答复{done}件。"]),
        ("四、政府信息公开的收费及减免情况", [f"{y}年，{we}未收取政府信息公开相关费用。"]),
        ("五、因政府信息公开申请提起行政复议、行政诉讼的情况", [f"{y}年，{we}未发生因政府信息公开申请提起行政复议、"
                                                    "行政诉讼的情况。"]),
        ("六、存在的主要问题及改进措施", ["主要问题是公开内容不够全面，公开形式有待丰富。下一步将进一步规范公开程序，"
                                   "拓宽公开渠道。"]),
        ("七、其他需要报告的事项", ["无。"]),
    ]
    return {"preamble": [f"本报告根据《中华人民共和国政府信息公开条例》要求，由{ag}编制。"], "legacy": sec}


# --- non-report pages ---------------------------------------------------------------------------
NON_REPORT_TITLES = {
    "notice": "关于做好{year}年政府信息公开工作年度报告编制发布工作的通知",
    "graphic": "{short}{year}年政府信息公开工作年度报告（图解）",
    "work_points": "{short}{year}年政务公开工作要点",
    "budget": "{agency}{year}年部门预算公开",
    "final_accounts": "{agency}{year}年部门决算公开",
    "website_report": "{site_name}{year}年政府网站工作年度报表",
    "interpretation": "一图读懂《{short}{year}年政府信息公开工作年度报告》",
}


def non_report_body(rng, kind: str, ctx: dict) -> dict:
    """Content of a non-report page: {"paras": [...], "table": [[...]] | None, "images": n}."""
    y, we, ag = ctx["year"], ctx["we"], ctx["agency"]
    if kind == "notice":
        paras = [
            "各有关单位：",
            f"根据《中华人民共和国政府信息公开条例》第四十九条、第五十条规定，为做好{y}年政府信息公开工作年度报告"
            f"编制和发布工作，现将有关事项通知如下：",
            f"一、各单位要按照《中华人民共和国政府信息公开工作年度报告格式》要求，认真编制本单位{y}年政府信息公开"
            "工作年度报告，内容包括：总体情况，主动公开政府信息情况，收到和处理政府信息公开申请情况，政府信息公开"
            "行政复议、行政诉讼情况，存在的主要问题及改进情况，其他需要报告的事项。",
            f"二、年度报告应于{y + 1}年1月31日前在本单位门户网站“政府信息公开年报”栏目公开，并报送电子版。",
            "三、各单位要认真核对统计数据，确保表格中各项数据的勾稽关系准确无误。",
            f"附件：{y}年政府信息公开工作年度报告格式",
        ]
        return {"paras": paras, "table": None, "images": 0, "sign": [ctx.get("office", ag), ""]}
    if kind == "graphic":
        return {"paras": [f"图解：{ag}{y}年政府信息公开工作年度报告"], "table": None,
                "images": rng.randint(2, 4)}
    if kind == "interpretation":
        n = rng.randint(0, 300)
        return {"paras": [f"近日，{ag}发布了{y}年政府信息公开工作年度报告。一起来看看——",
                          f"{y}年，{we}全年主动公开政府信息{rng.randint(200, 5000)}条，办理政府信息公开申请{n}件。"],
                "table": None, "images": 1}
    if kind == "work_points":
        return {"paras": [
            f"为深入贯彻落实国务院办公厅和省（区）关于{y}年政务公开工作的部署要求，结合{we}实际，制定本要点。",
            "一、围绕稳住经济大盘加强政策发布解读",
            "二、围绕保障和改善民生加强信息公开",
            "三、围绕推进法治政府建设加强政务公开制度化规范化",
            "四、加强政务公开平台建设，提升政府网站和政务新媒体管理水平",
            "五、强化工作保障，将政务公开工作纳入绩效考核，确保各项任务落到实处。"],
            "table": None, "images": 0}
    if kind in ("budget", "final_accounts"):
        inc = round(rng.uniform(300, 90000), 2)
        word = "预算" if kind == "budget" else "决算"
        table = [["项目", f"{y}年{word}数（万元）"],
                 ["一般公共预算财政拨款收入", f"{inc:.2f}"],
                 ["政府性基金预算财政拨款收入", f"{round(inc * rng.uniform(0, 0.2), 2):.2f}"],
                 ["收入合计", f"{inc * 1.1:.2f}"],
                 ["支出合计", f"{inc * 1.1:.2f}"]]
        return {"paras": [f"根据《中华人民共和国预算法》和财政部门有关要求，现将{ag}{y}年部门{word}公开如下：",
                          f"一、{word}收支总体情况", f"{y}年收支总计{inc * 1.1:.2f}万元。"],
                "table": table, "images": 0}
    if kind == "website_report":
        table = [["网站名称", ctx.get("site_name", ag)], ["首页网址", ctx.get("url", "")],
                 ["主办单位", ag], ["网站标识码", ctx.get("site_code", "")],
                 ["独立用户访问总量（单位：个）", str(rng.randint(10_000, 900_000))],
                 ["网站总访问量（单位：次）", str(rng.randint(100_000, 9_000_000))],
                 ["信息发布（单位：条）总数", str(rng.randint(300, 6000))],
                 ["解读回应（单位：条）", str(rng.randint(5, 200))],
                 ["办事服务 是否发布服务事项目录", "是"],
                 ["互动交流 收到留言数量（单位：条）", str(rng.randint(0, 400))]]
        return {"paras": [], "table": table, "images": 0}
    raise ValueError(f"unknown non-report kind {kind!r}")
