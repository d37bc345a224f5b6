"""Label → key maps for the national templates (shared/spec/report-format.md).

Labels are matched in their normalised form (cells.norm_label: no spaces, ASCII punctuation,
() brackets, no quotes). A template is one ``Template`` entry: its table-2 items with their
metrics and its table-3 rows. Label patterns are shared where the templates print the same
words; a new template adds its entry and any new label patterns here, nothing elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
T2_ITEMS = _compile([
    ("rules", r"^规章$"),
    ("normative_documents", r"^(?:行政)?规范性文件$"),
    ("other_services", r"对外管理服务"),
    ("licensing", r"^行政许可$"),
    ("penalty", r"^行政处罚$"),
    ("coercion", r"^行政强制$"),
    ("fees", r"事业性收费$"),
    ("procurement", r"集中采购$"),
])
T2_METRICS = _compile([
    ("issued", r"制发件数|本年制发"),
    ("repealed", r"废止件数|本年废止"),
    ("in_force", r"现行有效"),
    ("new_made", r"新制作"),
    ("new_published", r"新公开"),
    ("total_published", r"公开总数"),
    ("prior_year_items", r"上一年.*数量|上年.*项目数"),
    ("change", r"增/?减|增加/减少"),
    ("decisions", r"处理决定"),
    ("amount_10k_yuan", r"收费金额"),
    ("projects", r"采购项目"),
    ("amount", r"采购.*金额|总金额"),
])
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
COLUMNS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
           "legal_service_org", "other_org", "total")
T3_COLUMNS = _compile([
    ("natural_person", r"^自然人$"),
    ("commercial_enterprise", r"^商业企业$"),
    ("research_institution", r"^科研机构$"),
    ("social_welfare_org", r"^社会公益组织$"),
    ("legal_service_org", r"^法律服务机构$"),
    ("other_org", r"^其他(?:组织)?$"),
    ("total", r"^(?:总计|合计)$"),
])
# Groups of result rows: a group label sets the context for its numbered sub-items.
T3_GROUPS = _compile([
    ("results", r"办理结果"),
    ("denied", r"不予公开"),
    ("unable", r"无法提供"),
    ("not_processed", r"不予处理"),
    ("other", r"其他处理"),
])
T3_ROWS = _compile([
    ("new_received", r"本年新收|新收.*申请"),
    ("carried_over", r"上年结转"),
    ("carried_forward", r"结转下年|转下年度"),
    ("partially_granted", r"部分公开"),
    ("granted", r"予以公开"),
    ("denied.state_secret", r"国家秘密"),
    ("denied.prohibited_by_law", r"法律行政法规禁止|禁止公开"),
    ("denied.endangers_safety_stability", r"三安全一稳定|危及"),
    ("denied.third_party_rights", r"第三方"),
    ("denied.internal_affairs", r"内部事务"),
    ("denied.process_information", r"过程性信息"),
    ("denied.enforcement_case_files", r"执法案卷"),
    ("denied.administrative_inquiry", r"行政查询"),
    ("unable.not_held", r"不掌握"),
    ("unable.needs_creation", r"另行制作"),
    ("unable.unclear_after_correction", r"补正后|仍不明确"),
    ("not_processed.petition_complaint", r"信访|举报|投诉"),
    ("not_processed.repeated", r"重复申请"),
    ("not_processed.publication", r"出版物"),
    ("not_processed.excessive", r"大量反复"),
    ("not_processed.confirm_or_reissue", r"重新出具|确认"),
    ("other.no_correction", r"逾期不补正|不补正"),
    ("other.unpaid_fee", r"缴纳费用|收费通知|未按.*缴纳"),
    ("total", r"^(?:\(七\)|七[、.]?)?(?:总计|合计)$"),
])
GROUP_ITEMS = {
    "denied": ("denied.state_secret", "denied.prohibited_by_law", "denied.endangers_safety_stability",
               "denied.third_party_rights", "denied.internal_affairs", "denied.process_information",
               "denied.enforcement_case_files", "denied.administrative_inquiry"),
    "unable": ("unable.not_held", "unable.needs_creation", "unable.unclear_after_correction"),
    "not_processed": ("not_processed.petition_complaint", "not_processed.repeated",
                      "not_processed.publication", "not_processed.excessive",
                      "not_processed.confirm_or_reissue"),
    "other": ("other.no_correction", "other.unpaid_fee", "other.other"),
}
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
    if group == "other" and t3_group(label) == "other":
        return "other"  # 2019: (六)其他处理 is itself a row
    return None


# --- table 4: reviews and litigation ----------------------------------------------------------
T4_GROUPS = ("review", "suit_direct", "suit_after_review")
T4_METRICS = ("upheld", "corrected", "other", "pending", "total")
T4_KEYS = tuple(f"{g}.{m}" for g in T4_GROUPS for m in T4_METRICS)
_T4_GROUP = _compile([("suit_direct", r"未经复议"), ("suit_after_review", r"复议后"),
                      ("review", r"^行政复议")])
_T4_METRIC = _compile([("upheld", r"维持"), ("corrected", r"纠正"), ("other", r"^(?:其他|其他结果)$"),
                       ("pending", r"尚未|审结"), ("total", r"^(?:总计|合计|小计)$")])
T4_ANCHOR = re.compile(r"^行政复议$")


@_memo
def t4_group(label: str) -> str | None:
    return _first(_T4_GROUP, label)


@_memo
def t4_metric(label: str) -> str | None:
    return _first(_T4_METRIC, label)


# --- templates --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Template:
    """One national template: table-2 items with their metrics, table-3 rows in order."""

    name: str
    table2: tuple[tuple[str, tuple[str, ...]], ...]
    table3: tuple[str, ...]

    @property
    def results(self) -> tuple[str, ...]:
        """Rows summed by check results_sum: from granted to the last 其他处理 row."""
        rows = self.table3
        return rows[rows.index("granted"):rows.index("total")]

    def keys(self) -> set[str]:
        """Every item, metric and row key the template prints (for telling templates apart)."""
        out = set(self.table3)
        for item, metrics in self.table2:
            out.add(item)
            out.update(metrics)
        return out


_T3_HEAD = ("new_received", "carried_over", "granted", "partially_granted") + GROUP_ITEMS["denied"] \
    + GROUP_ITEMS["unable"] + GROUP_ITEMS["not_processed"]
_T3_TAIL = ("total", "carried_forward")
_DOC_METRICS_2021 = ("issued", "repealed", "in_force")
_ITEM_METRICS_2019 = ("prior_year_items", "change", "decisions")

TEMPLATES = {
    "2021": Template(  # 国办公开办函〔2021〕30号
        "2021",
        (("rules", _DOC_METRICS_2021), ("normative_documents", _DOC_METRICS_2021),
         ("licensing", ("decisions",)), ("penalty", ("decisions",)), ("coercion", ("decisions",)),
         ("fees", ("amount_10k_yuan",))),
        _T3_HEAD + GROUP_ITEMS["other"] + _T3_TAIL,
    ),
    "2019": Template(  # 国办公开办函〔2019〕60号
        "2019",
        (("rules", ("new_made", "new_published", "total_published")),
         ("normative_documents", ("new_made", "new_published", "total_published")),
         ("licensing", _ITEM_METRICS_2019), ("other_services", _ITEM_METRICS_2019),
         ("penalty", _ITEM_METRICS_2019), ("coercion", _ITEM_METRICS_2019),
         ("fees", ("prior_year_items", "change")), ("procurement", ("projects", "amount"))),
        _T3_HEAD + ("other",) + _T3_TAIL,
    ),
}


def distinctive_keys() -> dict[str, set[str]]:
    """For each template, the keys no other template prints: evidence of the layout used."""
    out = {}
    for name, t in TEMPLATES.items():
        others = set().union(*(o.keys() for n, o in TEMPLATES.items() if n != name))
        out[name] = t.keys() - others
    return out


DISTINCTIVE = distinctive_keys()
