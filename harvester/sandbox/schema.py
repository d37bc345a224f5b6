"""The report's canonical keys and the official labels the sandbox prints.

Keys follow shared/spec/report-format.md (the data contract). Labels are those of the national
templates (国办公开办函〔2021〕30号 and 〔2019〕60号) with full-width punctuation as published;
a report may override any label (variants seen on real pages: line breaks inside cells,
ASCII brackets, 规范性文件 for 行政规范性文件, 三安全一稳定 without quotes ...).

Self-contained on purpose: the sandbox never imports the harvester's parsing code.
"""

from __future__ import annotations

# --- table 3: applicant columns -----------------------------------------------------------
ORG_COLUMNS = ["commercial_enterprise", "research_institution", "social_welfare_org",
               "legal_service_org", "other_org"]
APPLICANT_COLUMNS = ["natural_person", *ORG_COLUMNS]          # the six summed by `total`
COLUMNS = [*APPLICANT_COLUMNS, "total"]

# --- table 3: rows ------------------------------------------------------------------------
DENIED = ["denied.state_secret", "denied.prohibited_by_law", "denied.endangers_safety_stability",
          "denied.third_party_rights", "denied.internal_affairs", "denied.process_information",
          "denied.enforcement_case_files", "denied.administrative_inquiry"]
UNABLE = ["unable.not_held", "unable.needs_creation", "unable.unclear_after_correction"]
NOT_PROCESSED = ["not_processed.petition_complaint", "not_processed.repeated",
                 "not_processed.publication", "not_processed.excessive",
                 "not_processed.confirm_or_reissue"]
OTHER_2021 = ["other.no_correction", "other.unpaid_fee", "other.other"]
OTHER_2019 = ["other"]


def result_rows(fmt: str) -> list[str]:
    """The result rows summed by `total` (21 in the 2021 template, 19 in 2019)."""
    other = OTHER_2019 if fmt == "2019" else OTHER_2021
    return ["granted", "partially_granted", *DENIED, *UNABLE, *NOT_PROCESSED, *other]


def app_rows(fmt: str) -> list[str]:
    return ["new_received", "carried_over", *result_rows(fmt), "total", "carried_forward"]


# --- table 2 --------------------------------------------------------------------------------
# (article label, [(item key, [metric keys])], [metric keys of the header row])
TABLE2_2021 = [
    ("第二十条第（一）项", [("rules", ["issued", "repealed", "in_force"]),
                        ("normative_documents", ["issued", "repealed", "in_force"])]),
    ("第二十条第（五）项", [("licensing", ["decisions"])]),
    ("第二十条第（六）项", [("penalty", ["decisions"]), ("coercion", ["decisions"])]),
    ("第二十条第（八）项", [("fees", ["amount_10k_yuan"])]),
]
TABLE2_2019 = [
    ("第二十条第（一）项", [("rules", ["new_made", "new_published", "total_published"]),
                        ("normative_documents", ["new_made", "new_published", "total_published"])]),
    ("第二十条第（五）项", [("licensing", ["prior_year_items", "change", "decisions"]),
                        ("other_services", ["prior_year_items", "change", "decisions"])]),
    ("第二十条第（六）项", [("penalty", ["prior_year_items", "change", "decisions"]),
                        ("coercion", ["prior_year_items", "change", "decisions"])]),
    ("第二十条第（八）项", [("fees", ["prior_year_items", "change"])]),
    ("第二十条第（九）项", [("procurement", ["projects", "amount"])]),
]


def table2_layout(fmt: str):
    return TABLE2_2019 if fmt == "2019" else TABLE2_2021


# --- table 4 --------------------------------------------------------------------------------
T4_GROUPS = ["review", "suit_direct", "suit_after_review"]
T4_METRICS = ["upheld", "corrected", "other", "pending", "total"]
T4_KEYS = [f"{g}.{m}" for g in T4_GROUPS for m in T4_METRICS]

SECTIONS = ["overview", "active_disclosure", "applications", "reviews_litigation",
            "problems", "other_matters"]

# --- labels ---------------------------------------------------------------------------------
LABELS_2021: dict[str, str] = {
    # section headings
    "h.overview": "一、总体情况",
    "h.active_disclosure": "二、主动公开政府信息情况",
    "h.applications": "三、收到和处理政府信息公开申请情况",
    "h.reviews_litigation": "四、政府信息公开行政复议、行政诉讼情况",
    "h.problems": "五、存在的主要问题及改进情况",
    "h.other_matters": "六、其他需要报告的事项",
    # table 2
    "t2.info": "信息内容",
    "t2.item.rules": "规章",
    "t2.item.normative_documents": "行政规范性文件",
    "t2.item.licensing": "行政许可",
    "t2.item.penalty": "行政处罚",
    "t2.item.coercion": "行政强制",
    "t2.item.fees": "行政事业性收费",
    "t2.metric.issued": "本年制发件数",
    "t2.metric.repealed": "本年废止件数",
    "t2.metric.in_force": "现行有效件数",
    "t2.metric.decisions": "本年处理决定数量",
    "t2.metric.amount_10k_yuan": "本年收费金额（单位：万元）",
    # table 3
    "t3.corner": "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "t3.applicant": "申请人情况",
    "t3.col.natural_person": "自然人",
    "t3.col.legal_persons": "法人或其他组织",
    "t3.col.commercial_enterprise": "商业企业",
    "t3.col.research_institution": "科研机构",
    "t3.col.social_welfare_org": "社会公益组织",
    "t3.col.legal_service_org": "法律服务机构",
    "t3.col.other_org": "其他",
    "t3.col.total": "总计",
    "t3.row.new_received": "一、本年新收政府信息公开申请数量",
    "t3.row.carried_over": "二、上年结转政府信息公开申请数量",
    "t3.group.results": "三、本年度办理结果",
    "t3.row.granted": "（一）予以公开",
    "t3.row.partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "t3.group.denied": "（三）不予公开",
    "t3.row.denied.state_secret": "1.属于国家秘密",
    "t3.row.denied.prohibited_by_law": "2.其他法律行政法规禁止公开",
    "t3.row.denied.endangers_safety_stability": "3.危及“三安全一稳定”",
    "t3.row.denied.third_party_rights": "4.保护第三方合法权益",
    "t3.row.denied.internal_affairs": "5.属于三类内部事务信息",
    "t3.row.denied.process_information": "6.属于四类过程性信息",
    "t3.row.denied.enforcement_case_files": "7.属于行政执法案卷",
    "t3.row.denied.administrative_inquiry": "8.属于行政查询事项",
    "t3.group.unable": "（四）无法提供",
    "t3.row.unable.not_held": "1.本机关不掌握相关政府信息",
    "t3.row.unable.needs_creation": "2.没有现成信息需要另行制作",
    "t3.row.unable.unclear_after_correction": "3.补正后申请内容仍不明确",
    "t3.group.not_processed": "（五）不予处理",
    "t3.row.not_processed.petition_complaint": "1.信访举报投诉类申请",
    "t3.row.not_processed.repeated": "2.重复申请",
    "t3.row.not_processed.publication": "3.要求提供公开出版物",
    "t3.row.not_processed.excessive": "4.无正当理由大量反复申请",
    "t3.row.not_processed.confirm_or_reissue": "5.要求行政机关确认或重新出具已获取信息",
    "t3.group.other": "（六）其他处理",
    "t3.row.other.no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "t3.row.other.unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "t3.row.other.other": "3.其他",
    "t3.row.other": "（六）其他处理",
    "t3.row.total": "（七）总计",
    "t3.row.carried_forward": "四、结转下年度继续办理",
    # table 4
    "t4.review": "行政复议",
    "t4.suit": "行政诉讼",
    "t4.suit_direct": "未经复议直接起诉",
    "t4.suit_after_review": "复议后起诉",
    "t4.review.upheld": "结果维持",
    "t4.review.corrected": "结果纠正",
    "t4.review.other": "其他结果",
    "t4.review.pending": "尚未审结",
    "t4.review.total": "总计",
    "t4.suit.upheld": "结果维持",
    "t4.suit.corrected": "结果纠正",
    "t4.suit.other": "其他结果",
    "t4.suit.pending": "尚未审结",
    "t4.suit.total": "总计",
}

LABELS_2019: dict[str, str] = {
    **LABELS_2021,
    "t2.item.normative_documents": "规范性文件",
    "t2.item.other_services": "其他对外管理服务事项",
    "t2.item.procurement": "政府集中采购",
    "t2.metric.new_made": "本年新制作数量",
    "t2.metric.new_published": "本年新公开数量",
    "t2.metric.total_published": "对外公开总数量",
    "t2.metric.prior_year_items": "上一年项目数量",
    "t2.metric.change": "本年增/减",
    "t2.metric.decisions": "处理决定数量",
    "t2.metric.projects": "采购项目数量",
    "t2.metric.amount": "采购总金额",
}

# Named label variants a report or portal can switch on (``labels_variant``), as seen in the
# seeds: the official .doc template breaks narrow header cells over two lines.
LABEL_VARIANTS: dict[str, dict[str, str]] = {
    "official_breaks": {
        "t3.col.commercial_enterprise": "商业\n企业",
        "t3.col.research_institution": "科研\n机构",
        "t4.review.corrected": "结果\n纠正",
        "t4.review.other": "其他\n结果",
        "t4.review.pending": "尚未\n审结",
        "t4.suit.upheld": "结果\n维持",
        "t4.suit.corrected": "结果\n纠正",
        "t4.suit.other": "其他\n结果",
        "t4.suit.pending": "尚未\n审结",
    },
    "ascii_brackets": {},      # filled below: every （） → ()
    "spaced": {
        "t3.col.commercial_enterprise": "商业 企业",
        "t3.col.research_institution": "科研 机构",
    },
}


def _ascii(labels: dict[str, str]) -> dict[str, str]:
    tbl = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ","})
    return {k: v.translate(tbl) for k, v in labels.items() if v.translate(tbl) != v}


LABEL_VARIANTS["ascii_brackets"] = _ascii(LABELS_2019)


def labels_for(fmt: str, variants=(), overrides=None) -> dict[str, str]:
    labels = dict(LABELS_2019 if fmt == "2019" else LABELS_2021)
    for v in variants:
        labels.update({k: x for k, x in LABEL_VARIANTS[v].items() if k in labels})
    labels.update(overrides or {})
    return labels


def empty_values(fmt: str) -> dict:
    """A report's three tables with every cell blank (None)."""
    return {
        "active_disclosure": {item: {m: None for m in metrics}
                              for _, items in table2_layout(fmt) for item, metrics in items},
        "applications": {r: {c: None for c in COLUMNS} for r in app_rows(fmt)},
        "reviews_litigation": {k: None for k in T4_KEYS},
    }
