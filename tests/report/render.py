"""Render a canonical report as an HTML page, in one of many markup styles seen on portals.

``render_page(report, style)`` takes the golden shape of shared/golden/seeds.json (``format``,
``active_disclosure``, ``applications``, ``reviews_litigation``; optional ``title``,
``published``) and returns a whole HTML page: meta tags, a title line, the six sections and the
three statistical tables laid out as the national templates print them (国办公开办函〔2021〕30号
and 〔2019〕60号). ``Style`` picks the markup: rowspan/colspan or explicit blank cells, tables
split into several <table>s, <thead>/<th>, Word-pasted markup, <br> and spaces inside labels,
full-width digits, thousands separators, units, and what a blank cell prints ('', '/', '—').

Whatever the style, a correct parser reads the same values back: that is the property the
parser tests check. Standalone (standard library only) so it can move into the sandbox.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from html import escape

__all__ = ["Style", "render_page", "render_bytes", "printed", "STYLES"]

_FULL_WIDTH = str.maketrans("0123456789,.-", "０１２３４５６７８９，．－")


@dataclass(frozen=True)
class Style:
    spans: bool = True            # rowspan/colspan as the templates; False: explicit blank cells
    split_t2: bool = False        # table 2: one <table> per 第二十条 block
    split_t3: tuple = ()          # table 3: start a new <table> before these body rows (0-based)
    repeat_header: bool = False   # each part of a split table 3 repeats the header rows
    keep_cut_labels: bool = True  # a merged label cut by a split is printed again in the next part
    split_t4: bool = False        # table 4: header rows and the data row in two tables
    thead: bool = False           # header rows in <thead>, as <th>
    word: bool = False            # pasted from Word: MsoNormalTable, <p class=MsoNormal><span>
    label_noise: int = 0          # seed for <br>, spaces and line breaks put inside labels (0: none)
    fullwidth: bool = False       # digits printed full width
    thousands: bool = False       # 1,234,567
    null: str = ""                # what a blank cell prints: "", "/", "—", "-", "无"
    unit: str = ""                # unit printed after counts, e.g. "件"
    money_unit: str = ""          # unit printed after 2019 procurement amounts, e.g. "万元"
    encoding: str = "utf-8"       # the page's declared charset (render_bytes encodes with it)
    title_line: bool = True       # False: no title line, and <title> is only the site's name


STYLES = {
    "official": Style(),
    "flat": Style(spans=False, null="/"),
    "word": Style(word=True, label_noise=7, null="—"),
    "split": Style(split_t2=True, split_t3=(5, 14), repeat_header=True, split_t4=True),
    "thead": Style(thead=True, thousands=True, fullwidth=True, unit="件"),
}

# --- labels as printed -------------------------------------------------------------------------
T2 = {
    "2021": [
        ("第二十条第(一)项", ["本年制发件数", "本年废止件数", "现行有效件数"],
         [("rules", "规章"), ("normative_documents", "行政规范性文件")], ["issued", "repealed", "in_force"]),
        ("第二十条第(五)项", ["本年处理决定数量"], [("licensing", "行政许可")], ["decisions"]),
        ("第二十条第(六)项", ["本年处理决定数量"], [("penalty", "行政处罚"), ("coercion", "行政强制")],
         ["decisions"]),
        ("第二十条第(八)项", ["本年收费金额(单位:万元)"], [("fees", "行政事业性收费")], ["amount_10k_yuan"]),
    ],
    "2019": [
        ("第二十条第(一)项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
         [("rules", "规章"), ("normative_documents", "规范性文件")], ["new_made", "new_published", "total_published"]),
        ("第二十条第(五)项", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")],
         ["prior_year_items", "change", "decisions"]),
        ("第二十条第(六)项", ["上一年项目数量", "本年增/减", "处理决定数量"],
         [("penalty", "行政处罚"), ("coercion", "行政强制")], ["prior_year_items", "change", "decisions"]),
        ("第二十条第(八)项", ["上一年项目数量", "本年增/减"], [("fees", "行政事业性收费")],
         ["prior_year_items", "change"]),
        ("第二十条第(九)项", ["采购项目数量", "采购总金额"], [("procurement", "政府集中采购")], ["projects", "amount"]),
    ],
}
COLUMNS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
           "legal_service_org", "other_org", "total"]
_GROUPS = [
    ("(三)不予公开", [("denied.state_secret", "1.属于国家秘密"), ("denied.prohibited_by_law", "2.其他法律行政法规禁止公开"),
                    ("denied.endangers_safety_stability", "3.危及“三安全一稳定”"),
                    ("denied.third_party_rights", "4.保护第三方合法权益"), ("denied.internal_affairs", "5.属于三类内部事务信息"),
                    ("denied.process_information", "6.属于四类过程性信息"), ("denied.enforcement_case_files", "7.属于行政执法案卷"),
                    ("denied.administrative_inquiry", "8.属于行政查询事项")]),
    ("(四)无法提供", [("unable.not_held", "1.本机关不掌握相关政府信息"), ("unable.needs_creation", "2.没有现成信息需要另行制作"),
                    ("unable.unclear_after_correction", "3.补正后申请内容仍不明确")]),
    ("(五)不予处理", [("not_processed.petition_complaint", "1.信访举报投诉类申请"), ("not_processed.repeated", "2.重复申请"),
                    ("not_processed.publication", "3.要求提供公开出版物"), ("not_processed.excessive", "4.无正当理由大量反复申请"),
                    ("not_processed.confirm_or_reissue", "5.要求行政机关确认或重新出具已获取信息")]),
]
_OTHER_2021 = ("(六)其他处理", [
    ("other.no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other.unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other.other", "3.其他")])
# Table 3's outcome rows under 三、本年度办理结果, by template: (key, label) for a row whose label
# spans two columns, (group label, [(key, label)]) for a group of numbered rows.
T3 = {
    "2021": [("granted", "(一)予以公开"), ("partially_granted", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"),
             *_GROUPS, _OTHER_2021, ("total", "(七)总计")],
    "2019": [("granted", "(一)予以公开"), ("partially_granted", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"),
             *_GROUPS, ("other", "(六)其他处理"), ("total", "(七)总计")],
}
T4_GROUPS = ["review", "suit_direct", "suit_after_review"]
T4_METRICS = ["upheld", "corrected", "other", "pending", "total"]
_T4_LABELS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


# --- a small grid model -----------------------------------------------------------------------
class _Cell:
    def __init__(self, row, col, text, rs=1, cs=1, label=True, path=None):
        self.row, self.col, self.text, self.rs, self.cs = row, col, text, rs, cs
        self.label, self.path = label, path


class _Grid:
    """Cells placed on a grid; rendered as one or more <table>s."""

    def __init__(self, width):
        self.width, self.cells, self.rows, self.header_rows = width, [], 0, 0

    def add(self, row, col, text, rs=1, cs=1, label=True, path=None):
        self.cells.append(_Cell(row, col, text, rs, cs, label, path))
        self.rows = max(self.rows, row + rs)


def printed(value, style: Style, unit: str = "") -> str:
    """The text a cell prints for a value in a style (None prints style.null)."""
    if value is None:
        return style.null
    if isinstance(value, float):
        text = f"{value:,}" if style.thousands else repr(value)
    else:
        text = f"{value:,}" if style.thousands else str(value)
    if style.fullwidth:
        text = text.translate(_FULL_WIDTH)
    return text + unit


def _noisy(text: str, rng: random.Random | None) -> str:
    """Escaped label text, with a <br>, a space or a source line break put inside it."""
    if rng is None or len(text) < 3:
        return escape(text)
    i = rng.randrange(1, len(text) - 1)
    sep = rng.choice(["<br>", "<br/>", " ", "\n    ", "&nbsp;", "</span><span>"])
    if sep == "</span><span>":
        return f"<span>{escape(text[:i])}</span><span>{escape(text[i:])}</span>"
    return escape(text[:i]) + sep + escape(text[i:])


def _cell_html(cell: _Cell, style: Style, rng, header: bool) -> str:
    tag = "th" if (header and style.thead) else "td"
    attrs = ""
    if cell.rs > 1:
        attrs += f' rowspan="{cell.rs}"'
    if cell.cs > 1:
        attrs += f' colspan="{cell.cs}"'
    inner = _noisy(cell.text, rng) if cell.label else escape(cell.text)
    if style.word:
        attrs += " width=72 valign=center style='width:54.0pt;border:solid windowtext 1.0pt;padding:0cm 5.4pt'"
        lang = "" if cell.label else " lang=EN-US"
        inner = (f"<p class=MsoNormal align=center style='text-align:center'><span{lang} "
                 f"style='font-size:10.0pt;font-family:宋体'>{inner}<span lang=EN-US><o:p></o:p></span></span></p>")
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _render_grid(grid: _Grid, style: Style, cuts, rng, repeat_header=False) -> str:
    """HTML of the grid, cut into several tables before the given rows."""
    cells = list(grid.cells)
    if not style.spans:
        flat = []
        for c in cells:
            for r in range(c.row, c.row + c.rs):
                for k in range(c.col, c.col + c.cs):
                    first = (r, k) == (c.row, c.col)
                    flat.append(_Cell(r, k, c.text if first else "", label=c.label and first, path=c.path))
        cells = flat
    bounds = sorted({0, *[c for c in cuts if 0 < c < grid.rows], grid.rows})
    parts = []
    for top, bottom in zip(bounds, bounds[1:]):
        part = []
        if repeat_header and top >= grid.header_rows > 0:
            part += [c for c in cells if c.row < grid.header_rows]
            offset = top - grid.header_rows
        else:
            offset = 0
        for c in cells:
            if c.row < top <= c.row + c.rs - 1 and not (repeat_header and c.row < grid.header_rows):
                text = c.text if style.keep_cut_labels else ""
                part.append(_Cell(top, c.col, text, min(c.row + c.rs, bottom) - top, c.cs, c.label, c.path))
            elif top <= c.row < bottom and not (repeat_header and top > 0 and c.row < grid.header_rows):
                part.append(_Cell(c.row, c.col, c.text, min(c.rs, bottom - c.row), c.cs, c.label, c.path))
        parts.append(_table(part, style, rng, top, offset, grid.header_rows, repeat_header))
    return "\n".join(parts)


def _table(cells, style, rng, top, offset, header_rows, repeat_header) -> str:
    def pos(c):  # repeated header rows sit above the part's own rows
        return c.row if (repeat_header and c.row < header_rows and top > 0) else c.row - offset
    by_row: dict[int, list[_Cell]] = {}
    for c in cells:
        by_row.setdefault(pos(c), []).append(c)
    head, body = [], []
    for r in sorted(by_row):
        is_header = (repeat_header and top > 0 and r < header_rows) or (top == 0 and r < header_rows)
        row_cells = sorted(by_row[r], key=lambda c: c.col)
        tr_attr = " style='height:20.0pt'" if style.word else ""
        html = f"<tr{tr_attr}>" + "".join(_cell_html(c, style, rng, is_header) for c in row_cells) + "</tr>"
        (head if is_header and style.thead else body).append(html)
    opening = ("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 "
               "style='border-collapse:collapse;border:none'>" if style.word else '<table border="1">')
    out = opening
    if head:
        out += "<thead>" + "".join(head) + "</thead>"
    out += "<tbody>" + "".join(body) + "</tbody>"
    if style.word:
        out += "<![if !supportMisalignedColumns]><tr height=0>" + "<td width=72 style='border:none'></td>" * 3 + "</tr><![endif]>"
    return out + "</table>"


# --- the three tables -------------------------------------------------------------------------
def _table2(values: dict, fmt: str, style: Style) -> list[_Grid]:
    blocks = []
    grid = _Grid(4)
    r = 0
    for article, headers, items, metrics in T2[fmt]:
        if style.split_t2 and r:
            blocks.append(grid)
            grid, r = _Grid(4), 0
        grid.add(r, 0, article, cs=4)
        grid.add(r + 1, 0, "信息内容")
        spans = _spread(len(headers), 3)
        col = 1
        for h, cs in zip(headers, spans):
            grid.add(r + 1, col, h, cs=cs)
            col += cs
        r += 2
        for key, label in items:
            grid.add(r, 0, label)
            col = 1
            for m, cs in zip(metrics, spans):
                unit = style.money_unit if m == "amount" else (style.unit if m not in ("amount_10k_yuan",) else "")
                v = (values.get(key) or {}).get(m)
                grid.add(r, col, printed(v, style, unit if v is not None else ""), cs=cs, label=False,
                         path=f"active_disclosure/{key}/{m}")
                col += cs
            r += 1
    blocks.append(grid)
    return blocks


def _spread(n: int, width: int) -> list[int]:
    """Column spans of n header cells over width columns (the last one takes the rest)."""
    return [1] * (n - 1) + [width - (n - 1)]


def _table3(values: dict, fmt: str, style: Style) -> _Grid:
    g = _Grid(10)
    g.add(0, 0, "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", rs=3, cs=3)
    g.add(0, 3, "申请人情况", cs=7)
    g.add(1, 3, "自然人", rs=2)
    g.add(1, 4, "法人或其他组织", cs=5)
    g.add(1, 9, "总计", rs=2)
    for i, label in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        g.add(2, 4 + i, label)
    g.header_rows = 3

    def values_of(row, key):
        for i, c in enumerate(COLUMNS):
            v = (values.get(key) or {}).get(c)
            g.add(row, 3 + i, printed(v, style, style.unit if v is not None else ""), label=False,
                  path=f"applications/{key}/{c}")

    r = 3
    for key, label in [("new_received", "一、本年新收政府信息公开申请数量"), ("carried_over", "二、上年结转政府信息公开申请数量")]:
        g.add(r, 0, label, cs=3)
        values_of(r, key)
        r += 1
    outcomes = T3[fmt]
    n_results = sum(len(entry[1]) if isinstance(entry[1], list) else 1 for entry in outcomes)
    g.add(r, 0, "三、本年度办理结果", rs=n_results)
    for first, second in outcomes:
        if isinstance(second, list):  # a group: its label beside its numbered rows
            g.add(r, 1, first, rs=len(second))
            for key, label in second:
                g.add(r, 2, label)
                values_of(r, key)
                r += 1
        else:
            g.add(r, 1, second, cs=2)
            values_of(r, first)
            r += 1
    g.add(r, 0, "四、结转下年度继续办理", cs=3)
    values_of(r, "carried_forward")
    return g


def _table4(values: dict, style: Style) -> _Grid:
    g = _Grid(15)
    g.add(0, 0, "行政复议", cs=5)
    g.add(0, 5, "行政诉讼", cs=10)
    for i, label in enumerate(_T4_LABELS):
        g.add(1, i, label, rs=2)
    g.add(1, 5, "未经复议直接起诉", cs=5)
    g.add(1, 10, "复议后起诉", cs=5)
    for k in (5, 10):
        for i, label in enumerate(_T4_LABELS):
            g.add(2, k + i, label)
    g.header_rows = 3
    col = 0
    for group in T4_GROUPS:
        for metric in T4_METRICS:
            key = f"{group}.{metric}"
            v = values.get(key)
            g.add(3, col, printed(v, style, style.unit if v is not None else ""), label=False,
                  path=f"reviews_litigation/{key}")
            col += 1
    return g


# --- the page ---------------------------------------------------------------------------------
def render_page(report: dict, style: Style = Style()) -> str:
    """A whole report page (head, title line, six sections, three tables) in the given style."""
    fmt = report.get("format") or "2021"
    rng = random.Random(style.label_noise) if style.label_noise else None
    year = report.get("year") or (2022 if fmt == "2021" else 2020)
    agency = report.get("agency") or "某某市人民政府"
    title = report.get("title") or f"{agency}{year}年政府信息公开工作年度报告"
    published = report.get("published") or f"{year + 1}-01-28"
    body = [f"<p>本年度报告根据《中华人民共和国政府信息公开条例》要求，由{escape(agency)}编制。"
            f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。</p>",
            "<p>一、总体情况</p>", f"<p>{year}年，我单位认真贯彻落实《条例》，政务公开工作有序开展。</p>",
            "<p>二、主动公开政府信息情况</p>"]
    if report.get("active_disclosure") is not None:
        body += [_render_grid(g, style, (), rng) for g in _table2(report["active_disclosure"], fmt, style)]
    body.append("<p>三、收到和处理政府信息公开申请情况</p>")
    if report.get("applications") is not None:
        body.append(_render_grid(_table3(report["applications"], fmt, style), style,
                                 [3 + c for c in style.split_t3], rng, style.repeat_header))
    body.append("<p>四、政府信息公开行政复议、行政诉讼情况</p>")
    if report.get("reviews_litigation") is not None:
        body.append(_render_grid(_table4(report["reviews_litigation"], style), style,
                                 [3] if style.split_t4 else (), rng))
    body += ["<p>五、存在的主要问题及改进情况</p>", "<p>政策解读形式还不够丰富，下一步将加强解读。</p>",
             "<p>六、其他需要报告的事项</p>", "<p>本年度未收取信息处理费。</p>"]
    container = ("<div class=WordSection1>" if style.word else "<div class=\"TRS_Editor\">") + "\n".join(body) + "</div>"
    head_title = f"<title>{escape(title)}_{escape(agency)}门户网站</title><meta name=\"ArticleTitle\" content=\"{escape(title)}\">" \
        if style.title_line else f"<title>{escape(agency)}</title>"
    title_line = f"<h1>{escape(title)}</h1>" if style.title_line else ""
    return (f"<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={style.encoding}\">"
            f"{head_title}"
            f"<meta name=\"PubDate\" content=\"{published} 09:30\"></head><body>"
            f"<div class=\"nav\"><a href=\"/\">首页</a> &gt; <a href=\"/zfxxgk/\">政府信息公开</a> &gt; 政府信息公开年报</div>"
            f"{title_line}<div class=\"info\">来源：{escape(agency)} 发布日期：{published}</div>"
            f"{container}<div class=\"footer\">主办单位：{escape(agency)}办公室</div></body></html>")


def render_bytes(report: dict, style: Style = Style()) -> bytes:
    """render_page encoded in the style's charset (GB2312/GBK pages are written as GB18030)."""
    enc = "gb18030" if style.encoding.lower() in ("gb2312", "gbk") else style.encoding
    return render_page(report, style).encode(enc)
