"""The national templates of the annual report, each declared once (shared/spec/report-format.md).

A template is one ``Template`` entry: its name (the format stored with a report), the document
that set it, the first year it applies to, and its tables as printed: table 2's blocks (the
article of 第二十条, its items, their metrics) and table 3's rows in order under their header
cells, every label in Chinese and English. Table 3's columns and table 4 are the same in every
template (and are the store's columns), so they are declared once below the templates.

Everything else derives from these entries: the parser's label maps, its template detection
and year fallback (labels.py, parse.py, checks.py), the report view's layout
(harvester/datasette/report_view.py), the `labels` table and the as-printed views
(harvester/browse.py), the OCR vocabulary (files/ocr.py). `labels_csv()` gives the labels as CSV
(as does a served harvest at /reports/labels.csv).

Why Python and not a data file: the entries share most of their rows (written once here,
reused), the reading patterns are regular expressions, and a wrong entry fails at import with a
one-line message (`check`), not on the first page that needs it.

Adding a template: one ``Template(...)`` in ``_DECLARED``. Rows and items it shares with an
older template are reused as they are; a key it adds is a new ``Label`` with its Chinese and
English label and ``match``, the pattern its printed label is recognised by (tried before the
shared patterns of ``READING``). A test may add one for its own duration with ``registered()``.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


class TemplateError(ValueError):
    """A template entry that cannot be used (a key without a label or a reading pattern, ...)."""


@dataclass(frozen=True)
class Label:
    """One printed label. ``match``: how the parser recognises it (a pattern over the
    normalised label, cells.norm_label), needed only for a key that ``READING`` lacks."""

    key: str
    zh: str
    en: str
    unit: str | None = None
    match: str | None = None


@dataclass(frozen=True)
class Header:
    """A header cell over several rows or columns: 三、本年度办理结果, （三）不予公开, 申请人情况."""

    zh: str
    en: str


@dataclass(frozen=True)
class Line:
    """A row (or column) of table 3 or a group of table 4: its label under up to two header cells."""

    label: Label
    group: Header | None = None
    subgroup: Header | None = None

    @property
    def key(self) -> str:
        return self.label.key


@dataclass(frozen=True)
class Block:
    """Table 2: one article of 第二十条, its items, and the metrics every item of it carries."""

    article: str
    items: tuple[Label, ...]
    metrics: tuple[Label, ...]


@dataclass(frozen=True)
class Template:
    """One national template. It applies to reports on ``first_year`` and later, until the next
    template's first year; a report's own tables decide before its year does (parse.py)."""

    name: str
    document: str
    first_year: int
    table2: tuple[Block, ...]
    table3: tuple[Line, ...]

    # Derived once per template (every parsed report reads them): cached_property writes the
    # instance's __dict__ directly, which a frozen dataclass allows.
    @cached_property
    def row_keys(self) -> tuple[str, ...]:
        """Table 3's rows in the printed order."""
        return tuple(line.key for line in self.table3)

    @cached_property
    def results(self) -> tuple[str, ...]:
        """Rows summed by check results_sum: from granted to the row before the total."""
        rows = self.row_keys
        return rows[rows.index("granted"):rows.index("total")]

    def items(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Table 2's (item, metrics) in the printed order."""
        return self._items

    @cached_property
    def _items(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple((item.key, tuple(m.key for m in block.metrics)) for block in self.table2 for item in block.items)

    def layout2(self) -> list[tuple[str, list[tuple[str, list[str]]]]]:
        """Table 2 as the report view lays it out: [(article, [(item, [metrics])])]."""
        return [(b.article, [(i.key, [m.key for m in b.metrics]) for i in b.items]) for b in self.table2]

    def keys(self) -> set[str]:
        """Every item, metric and row key the template prints (for telling templates apart)."""
        out = set(self.row_keys)
        for item, metrics in self.items():
            out.add(item)
            out.update(metrics)
        return out


# --- shared labels --------------------------------------------------------------------------------
def _count(key: str, zh: str, en: str, match: str | None = None) -> Label:
    """A label of a count of requests (table 3, table 4): unit 件."""
    return Label(key, zh, en, "件", match)


OUTCOMES = Header("三、本年度办理结果", "III. Outcomes this year")
DENIED = Header("（三）不予公开", "(3) Refused")
UNABLE = Header("（四）无法提供", "(4) Cannot be provided")
NOT_PROCESSED = Header("（五）不予处理", "(5) Not processed")
OTHER_HANDLING = Header("（六）其他处理", "(6) Other handling")

_HEAD = (
    Line(_count("new_received", "一、本年新收政府信息公开申请数量", "I. New requests received this year")),
    Line(_count("carried_over", "二、上年结转政府信息公开申请数量", "II. Requests carried over from the previous year")),
    Line(_count("granted", "（一）予以公开", "(1) Disclosed"), OUTCOMES),
    Line(_count("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                "(2) Partly disclosed (a request handled in parts counts here only, not under other outcomes)"),
         OUTCOMES),
)
_DENIED = tuple(Line(_count(key, zh, en), OUTCOMES, DENIED) for key, zh, en in (
    ("denied.state_secret", "1.属于国家秘密", "1. State secret"),
    ("denied.prohibited_by_law", "2.其他法律行政法规禁止公开",
     "2. Disclosure prohibited by other laws or administrative regulations"),
    ("denied.endangers_safety_stability", "3.危及“三安全一稳定”",
     "3. Would endanger national, public or economic security or social stability"),
    ("denied.third_party_rights", "4.保护第三方合法权益", "4. Protects a third party's lawful rights"),
    ("denied.internal_affairs", "5.属于三类内部事务信息", "5. Internal-affairs information (three kinds)"),
    ("denied.process_information", "6.属于四类过程性信息", "6. Process information (four kinds)"),
    ("denied.enforcement_case_files", "7.属于行政执法案卷", "7. Administrative enforcement case files"),
    ("denied.administrative_inquiry", "8.属于行政查询事项", "8. A matter for administrative inquiry"),
))
_UNABLE = tuple(Line(_count(key, zh, en), OUTCOMES, UNABLE) for key, zh, en in (
    ("unable.not_held", "1.本机关不掌握相关政府信息", "1. The agency does not hold the information"),
    ("unable.needs_creation", "2.没有现成信息需要另行制作", "2. No existing information; it would have to be created"),
    ("unable.unclear_after_correction", "3.补正后申请内容仍不明确", "3. Request still unclear after correction"),
))
_NOT_PROCESSED = tuple(Line(_count(key, zh, en), OUTCOMES, NOT_PROCESSED) for key, zh, en in (
    ("not_processed.petition_complaint", "1.信访举报投诉类申请", "1. A petition, report or complaint"),
    ("not_processed.repeated", "2.重复申请", "2. Repeated request"),
    ("not_processed.publication", "3.要求提供公开出版物", "3. Asks for a public publication"),
    ("not_processed.excessive", "4.无正当理由大量反复申请", "4. Numerous repeated requests without good reason"),
    ("not_processed.confirm_or_reissue", "5.要求行政机关确认或重新出具已获取信息",
     "5. Asks the agency to confirm or re-issue information already obtained"),
))
_TAIL = (
    Line(_count("total", "（七）总计", "(7) Total"), OUTCOMES),
    Line(_count("carried_forward", "四、结转下年度继续办理", "IV. Carried forward to next year")),
)

# Table 2 labels both templates print alike.
_RULES = Label("rules", "规章", "Rules (regulations made by the agency)")
_LICENSING = Label("licensing", "行政许可", "Administrative licensing")
_PENALTY = Label("penalty", "行政处罚", "Administrative penalties")
_COERCION = Label("coercion", "行政强制", "Administrative coercive measures")
_FEES = Label("fees", "行政事业性收费", "Administrative and institutional fees")

# --- the templates --------------------------------------------------------------------------------
_DECISIONS_2021 = (Label("decisions", "本年处理决定数量", "Decisions made this year", "件"),)
_ITEMS_2019 = (Label("prior_year_items", "上一年项目数量", "Items in the previous year", "项"),
               Label("change", "本年增/减", "Increase/decrease this year", "项"),
               Label("decisions", "处理决定数量", "Decisions made", "件"))

_DECLARED = (
    Template(
        "2021", "国办公开办函〔2021〕30号", 2021,
        table2=(
            Block("第二十条第（一）项",
                  (_RULES, Label("normative_documents", "行政规范性文件", "Administrative normative documents")),
                  (Label("issued", "本年制发件数", "Issued this year", "件"),
                   Label("repealed", "本年废止件数", "Repealed this year", "件"),
                   Label("in_force", "现行有效件数", "In force", "件"))),
            Block("第二十条第（五）项", (_LICENSING,), _DECISIONS_2021),
            Block("第二十条第（六）项", (_PENALTY, _COERCION), _DECISIONS_2021),
            Block("第二十条第（八）项", (_FEES,),
                  (Label("amount_10k_yuan", "本年收费金额（单位：万元）", "Fees collected this year (10 000 yuan)", "万元"),)),
        ),
        table3=_HEAD + _DENIED + _UNABLE + _NOT_PROCESSED + tuple(
            Line(_count(key, zh, en), OUTCOMES, OTHER_HANDLING) for key, zh, en in (
                ("other.no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                 "1. Applicant did not correct the request in time without good reason; no longer processed"),
                ("other.unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                 "2. Applicant did not pay the notified fee in time; no longer processed"),
                ("other.other", "3.其他", "3. Other"),
            )) + _TAIL,
    ),
    Template(
        "2019", "国办公开办函〔2019〕60号", 2019,
        table2=(
            Block("第二十条第（一）项", (_RULES, Label("normative_documents", "规范性文件", "Normative documents")),
                  (Label("new_made", "本年新制作数量", "Newly made this year", "件"),
                   Label("new_published", "本年新公开数量", "Newly published this year", "件"),
                   Label("total_published", "对外公开总数量", "Total published", "件"))),
            Block("第二十条第（五）项", (_LICENSING, Label("other_services", "其他对外管理服务事项",
                                                     "Other external management and service matters")),
                  _ITEMS_2019),
            Block("第二十条第（六）项", (_PENALTY, _COERCION), _ITEMS_2019),
            Block("第二十条第（八）项", (_FEES,), _ITEMS_2019[:2]),
            Block("第二十条第（九）项", (Label("procurement", "政府集中采购", "Centralised government procurement"),),
                  (Label("projects", "采购项目数量", "Procurement projects", "项"),
                   Label("amount", "采购总金额", "Total procurement amount (unit as printed: 元 or 万元)", "as printed"))),
        ),
        # (六)其他处理 is a single row
        table3=_HEAD + _DENIED + _UNABLE + _NOT_PROCESSED + (
            Line(_count("other", "（六）其他处理", "(6) Other handling"), OUTCOMES),) + _TAIL,
    ),
)

# --- shared by every template: table 3's columns, table 4, the section headings -------------------
_APPLICANTS = Header("申请人情况", "Applicants")
_ORGANISATIONS = Header("法人或其他组织", "Legal persons or other organisations")
COLUMNS = (
    Line(_count("natural_person", "自然人", "Natural persons"), _APPLICANTS),
    *(Line(_count(key, zh, en), _APPLICANTS, _ORGANISATIONS) for key, zh, en in (
        ("commercial_enterprise", "商业企业", "Commercial enterprises"),
        ("research_institution", "科研机构", "Research institutions"),
        ("social_welfare_org", "社会公益组织", "Public-interest organisations"),
        ("legal_service_org", "法律服务机构", "Legal service organisations"),
        ("other_org", "其他", "Other organisations"))),
    Line(_count("total", "总计", "Total"), _APPLICANTS),
)
_LITIGATION = Header("行政诉讼", "Administrative litigation")
T4_GROUPS = (
    Line(_count("review", "行政复议", "Administrative review")),
    Line(_count("suit_direct", "未经复议直接起诉", "Lawsuit filed directly (without review)"), _LITIGATION),
    Line(_count("suit_after_review", "复议后起诉", "Lawsuit filed after review"), _LITIGATION),
)
T4_RESULTS = (_count("upheld", "结果维持", "Upheld"), _count("corrected", "结果纠正", "Corrected"),
              _count("other", "其他结果", "Other result"), _count("pending", "尚未审结", "Pending"),
              _count("total", "总计", "Total"))
SECTIONS = (  # the three table sections, with their number in the report
    (2, Label("active_disclosure", "二、主动公开政府信息情况", "II. Information disclosed proactively")),
    (3, _count("applications", "三、收到和处理政府信息公开申请情况",
               "III. Requests for government information received and handled")),
    (4, _count("reviews_litigation", "四、政府信息公开行政复议、行政诉讼情况",
               "IV. Administrative reviews and lawsuits over disclosure")),
)
HEADERS = (  # corner cells: (section, label)
    ("active_disclosure", Label("info", "信息内容", "Information item")),
    ("applications", Label("corner", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                           "(Each column balances: item I plus item II equals item III plus item IV)")),
)

# --- how printed labels are read ------------------------------------------------------------------
# (key, pattern) pairs over the normalised label (cells.norm_label), in the order they are tried:
# the first pattern that matches names the key. One pattern per key, whichever template prints it;
# a template's new key brings its own (Label.match), tried before these.
READING = {
    "t2_item": (
        ("rules", r"^规章$"),
        ("normative_documents", r"^(?:行政)?规范性文件$"),
        ("other_services", r"对外管理服务"),
        ("licensing", r"^行政许可$"),
        ("penalty", r"^行政处罚$"),
        ("coercion", r"^行政强制$"),
        ("fees", r"事业性收费$"),
        ("procurement", r"集中采购$"),
    ),
    "t2_metric": (
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
    ),
    "t3_column": (
        ("natural_person", r"^自然人$"),
        ("commercial_enterprise", r"^商业企业$"),
        ("research_institution", r"^科研机构$"),
        ("social_welfare_org", r"^社会公益组织$"),
        ("legal_service_org", r"^法律服务机构$"),
        ("other_org", r"^其他(?:组织)?$"),
        ("total", r"^(?:总计|合计)$"),
    ),
    # Groups of result rows: a group label sets the context for its numbered sub-items (the
    # group of a row key is the part before its dot).
    "t3_group": (
        ("results", r"办理结果"),
        ("denied", r"不予公开"),
        ("unable", r"无法提供"),
        ("not_processed", r"不予处理"),
        ("other", r"其他处理"),
    ),
    "t3_row": (
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
        # other.other (3.其他) and 2019's single (六)其他处理 are read by their group (labels.t3_row)
    ),
    "t4_group": (("suit_direct", r"未经复议"), ("suit_after_review", r"复议后"), ("review", r"^行政复议")),
    "t4_result": (("upheld", r"维持"), ("corrected", r"纠正"), ("other", r"^(?:其他|其他结果)$"),
                  ("pending", r"尚未|审结"), ("total", r"^(?:总计|合计|小计)$")),
}
# Keys read without a pattern of their own (by their group and number, see labels.t3_row).
_READ_BY_GROUP = {"other.other", "other"}

# --- the registry ---------------------------------------------------------------------------------
TEMPLATES: dict[str, Template] = {}  # by name, newest first
_listeners: list = []
_derived: dict = {}


def on_change(listener) -> None:
    """Call `listener()` whenever a template is registered or removed (derived maps rebuild)."""
    _listeners.append(listener)


def _changed() -> None:
    _derived.clear()
    for listener in _listeners:
        listener()


def _once(name):
    """A value derived from the registry, computed once per registry state."""
    def wrap(func):
        def get():
            if name not in _derived:
                _derived[name] = func()
            return _derived[name]
        get.__doc__ = func.__doc__
        return get
    return wrap


def get(name: str | None) -> Template | None:
    return TEMPLATES.get(name) if name else None


def newest_first() -> list[Template]:
    return list(TEMPLATES.values())


def oldest_first() -> list[Template]:
    return list(reversed(TEMPLATES.values()))


def check(template: Template) -> None:
    """Raise TemplateError (one line) unless the entry can be used: its keys unique where they
    must be, every key labelled in Chinese and English and readable by a pattern, the rows the
    checks need present, its name and first year its own."""
    others = [t for t in newest_first() if t.name != template.name]
    where = f"template {template.name!r}"
    if not re.fullmatch(r"[0-9A-Za-z_-]+", template.name or "") or template.name == "legacy":
        raise TemplateError(f"{where}: a template is named by letters, digits, _ or - (and not 'legacy')")
    for other in others:
        if other.first_year == template.first_year:
            raise TemplateError(f"{where}: first year {template.first_year} is already template {other.name!r}'s")
    rows = template.row_keys
    if len(set(rows)) != len(rows):
        raise TemplateError(f"{where}: a table-3 row key is printed twice")
    missing = [k for k in ("new_received", "carried_over", "granted", "total", "carried_forward") if k not in rows]
    if missing or rows.index("granted") > rows.index("total"):
        raise TemplateError(f"{where}: table 3 needs new_received, carried_over, granted ... total, carried_forward"
                            f" (missing: {', '.join(missing) or 'none; granted comes after total'})")
    items = [i.key for b in template.table2 for i in b.items]
    if len(set(items)) != len(items):
        raise TemplateError(f"{where}: a table-2 item is printed twice")
    metric_labels: dict[str, Label] = {}
    for b in template.table2:
        for m in b.metrics:
            if metric_labels.setdefault(m.key, m) != m:
                raise TemplateError(f"{where}: metric {m.key!r} is labelled two ways")
    known = {table: {k for k, _ in pairs} for table, pairs in READING.items()}
    labelled = [("t2_item", i) for b in template.table2 for i in b.items] + \
               [("t2_metric", m) for b in template.table2 for m in b.metrics] + \
               [("t3_row", line.label) for line in template.table3]
    for table, label in labelled:
        if not (label.key and _CJK.search(label.zh or "") and _LATIN.search(label.en or "")):
            raise TemplateError(f"{where}: key {label.key!r} needs a Chinese and an English label")
        if not (label.match or label.key in known[table] or label.key in _READ_BY_GROUP):
            raise TemplateError(f"{where}: key {label.key!r} has no reading pattern (give its Label a match)")
        if label.match:
            try:
                re.compile(label.match)
            except re.error as e:
                raise TemplateError(f"{where}: key {label.key!r}: bad match pattern: {e}") from None
    for line in template.table3:
        for header in (line.group, line.subgroup):
            if header and not (_CJK.search(header.zh) and _LATIN.search(header.en)):
                raise TemplateError(f"{where}: a header of row {line.key!r} needs Chinese and English")


def register(template: Template) -> None:
    """Add a template (or replace the one of the same name); everything derived follows."""
    check(template)
    TEMPLATES[template.name] = template
    ordered = sorted(TEMPLATES.values(), key=lambda t: t.first_year, reverse=True)
    TEMPLATES.clear()
    TEMPLATES.update((t.name, t) for t in ordered)
    _changed()


def unregister(name: str) -> None:
    if TEMPLATES.pop(name, None) is not None:
        _changed()


@contextmanager
def registered(template: Template):
    """The template registered for the duration of a `with` block (tests); the registry as it
    was afterwards."""
    before = TEMPLATES.get(template.name)
    register(template)
    try:
        yield template
    finally:
        if before is not None:
            register(before)
        else:
            unregister(template.name)


# --- what derives from the registry ---------------------------------------------------------------
def for_year(year: int | None) -> Template:
    """The template in force for a year: the latest whose first year is not after it (the
    oldest for earlier years; the newest when the year is unknown)."""
    ordered = newest_first()
    if not year:
        return ordered[0]
    for t in ordered:
        if t.first_year <= year:
            return t
    return ordered[-1]


def first_year() -> int:
    """Reports on years before this one are `legacy`: no national tables."""
    return min(t.first_year for t in TEMPLATES.values())


@_once("distinctive")
def distinctive() -> dict[str, set[str]]:
    """For each template, the keys no other template prints: evidence of the layout used."""
    out = {}
    for t in newest_first():
        others = set().union(*(o.keys() for o in newest_first() if o is not t))
        out[t.name] = t.keys() - others
    return out


def detect(evidence: set[str], year: int | None) -> Template:
    """The template whose own keys the evidence shows most (one clear winner), else the year's."""
    scores = {name: len(evidence & keys) for name, keys in distinctive().items()}
    best = max(scores.values())
    winners = [n for n, s in scores.items() if s == best]
    if best and len(winners) == 1:
        return TEMPLATES[winners[0]]
    return for_year(year)


def reading(table: str) -> tuple[tuple[str, str], ...]:
    """(key, pattern) pairs of one READING table in the order tried: the patterns templates
    bring for their own keys (newest template first), then the shared ones."""
    own = []
    for t in newest_first():
        if table == "t2_item":
            labels = [i for b in t.table2 for i in b.items]
        elif table == "t2_metric":
            labels = [m for b in t.table2 for m in b.metrics]
        elif table == "t3_row":
            labels = [line.label for line in t.table3]
        else:
            labels = []
        own += [(label.key, label.match) for label in labels if label.match and (label.key, label.match) not in own]
    return tuple(own) + READING[table]


@_once("group_items")
def group_items() -> dict[str, tuple[str, ...]]:
    """The numbered rows of each group of table 3 (denied → denied.state_secret, ...), as the
    newest template that has the group prints them: a row worded unlike any pattern is read
    by its group and number."""
    out: dict[str, tuple[str, ...]] = {}
    for t in newest_first():
        mine: dict[str, list[str]] = {}
        for key in t.row_keys:
            if "." in key:
                mine.setdefault(key.split(".", 1)[0], []).append(key)
        for group, keys in mine.items():
            out.setdefault(group, tuple(keys))
    return out


def _merged(sequences: list[list[str]]) -> list[str]:
    """One order holding every sequence's order: a key the first ones lack goes right before
    the next key of its own sequence that is already placed."""
    out: list[str] = []
    for seq in sequences:
        for i, key in enumerate(seq):
            if key in out:
                continue
            after = next((k for k in seq[i + 1:] if k in out), None)
            out.insert(out.index(after) if after else len(out), key)
    return out


@_once("row_order")
def row_order() -> list[str]:
    """Every table-3 row key of every template in one printed order (positions in `labels`)."""
    return _merged([list(t.row_keys) for t in oldest_first()])


@_once("item_order")
def item_order() -> list[str]:
    """Every table-2 item of every template in one printed order (positions in `labels`)."""
    return _merged([[i.key for b in t.table2 for i in b.items] for t in oldest_first()])


# --- the labels table -----------------------------------------------------------------------------
LABEL_COLUMNS = ("section", "kind", "key", "template", "position", "article", "group_zh", "subgroup_zh",
                 "label_zh", "group_en", "subgroup_en", "label_en", "unit")


def _label_row(section, kind, label: Label, template="", position=None, article=None, group=None, subgroup=None):
    return {"section": section, "kind": kind, "key": label.key, "template": template, "position": position,
            "article": article, "group_zh": group.zh if group else None,
            "subgroup_zh": subgroup.zh if subgroup else None, "label_zh": label.zh,
            "group_en": group.en if group else None, "subgroup_en": subgroup.en if subgroup else None,
            "label_en": label.en, "unit": label.unit}


def label_rows() -> list[dict]:
    """Every official label, one dict per (section, kind, key, template): the `labels` table.

    `template` is '' for a label every template prints alike; table 2 is each template's own
    (its blocks and metrics differ), so its labels are listed per template. Positions follow
    the printed order (table 2 items and table 3 rows: one order over every template)."""
    rows = [_label_row(label.key, "section", label, position=number) for number, label in SECTIONS]
    rows += [_label_row(section, "header", label, position=0) for section, label in HEADERS]
    items = {key: n for n, key in enumerate(item_order(), 1)}
    for t in newest_first():
        for b in t.table2:
            rows += [_label_row("active_disclosure", "item", i, t.name, items[i.key], b.article) for i in b.items]
        seen = set()
        for b in t.table2:
            for n, m in enumerate(b.metrics, 1):
                if m.key not in seen:
                    seen.add(m.key)
                    rows.append(_label_row("active_disclosure", "metric", m, t.name, n))
    everyone = newest_first()
    for n, key in enumerate(row_order(), 1):
        printed = [(t, next(line for line in t.table3 if line.key == key)) for t in everyone if key in t.row_keys]
        lines = {line for _, line in printed}
        if len(printed) == len(everyone) and len(lines) == 1:
            line = printed[0][1]
            rows.append(_label_row("applications", "row", line.label, "", n, None, line.group, line.subgroup))
        else:
            rows += [_label_row("applications", "row", line.label, t.name, n, None, line.group, line.subgroup)
                     for t, line in printed]
    rows += [_label_row("applications", "column", c.label, "", n, None, c.group, c.subgroup)
             for n, c in enumerate(COLUMNS, 1)]
    rows += [_label_row("reviews_litigation", "group", g.label, "", n, None, g.group)
             for n, g in enumerate(T4_GROUPS, 1)]
    rows += [_label_row("reviews_litigation", "result", r, "", n) for n, r in enumerate(T4_RESULTS, 1)]
    return rows


def labels_csv() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LABEL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in label_rows():
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


for _template in _DECLARED:
    register(_template)
del _template
