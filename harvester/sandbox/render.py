"""Render a canonical report dict to the HTML of its body (the six sections and three tables).

``render_report(report, style=...)`` takes the golden shape of shared/golden/seeds.json plus
``format`` ("2021", "2019" or "legacy"), the report's prose (``prose``) and render options
(``render``), and returns an HTML fragment: what a portal puts inside its body container
(div.TRS_Editor, #zoom, ...). The portal's page chrome is the portal template's business.

Styles (markup variety seen on real portals):

- ``official``: one plain <table> per statistical table, rowspan/colspan as the official
  template, narrow header labels broken with <br>;
- ``word``: pasted from Word: ``table.MsoNormalTable``, every cell a ``<p class=MsoNormal>``
  with ``<span>`` runs and ``<o:p>`` tags, widths in pt;
- ``split``: table 2 cut into one table per article of the 条例, table 3 cut into a header
  table and a body table;
- ``thead``: header rows in <thead> as <th>, row labels as <th scope=row>.

Render options (``report["render"]``): ``style``, ``label_variants`` (names in
schema.LABEL_VARIANTS), ``labels`` (per-key overrides), ``number_format`` ("plain", "comma",
"fullwidth"), ``blank`` (text printed in a blank cell: "" or "/" ...), ``quirks``:
``merge_single_value_rows`` (table 3: a row whose only value is the first column prints it
once in a cell spanning the seven columns), ``omit_blank_cells`` (table 3: a row with no value
carries no value cells at all), ``t3_image`` (table 3 only as an image: ``t3_image_src``),
``tables_as_images`` (tables 2, 3 and 4 only as images: ``table_image_srcs`` {"t2", "t3", "t4"});
``omit_sections`` (section keys whose heading and body the report leaves out).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from .schema import (COLUMNS, DENIED, NOT_PROCESSED, OTHER_2021, T4_GROUPS,
                     T4_METRICS, UNABLE, labels_for, table2_layout)

STYLES = ("official", "word", "split", "thead")


# --- a small table model ----------------------------------------------------------------------
@dataclass
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    kind: str = "value"          # header | label | value


@dataclass
class Table:
    rows: list[list[Cell]] = field(default_factory=list)
    head: int = 0                # number of header rows at the top


_FW = str.maketrans("0123456789.-+", "０１２３４５６７８９．－＋")


def fmt_number(v, number_format="plain", blank="") -> str:
    """A cell's text: blank for None, a unit where the value carries one."""
    if v is None:
        return blank
    unit = ""
    if isinstance(v, dict):                      # {"value": 251000, "unit": "元"}
        unit, v = v.get("unit") or "", v.get("value")
        if v is None:
            return blank
    if isinstance(v, float):
        s = str(int(v)) if v.is_integer() else repr(v)
    else:
        s = str(v)
    if number_format == "comma" and abs(v) >= 1000:
        whole, _, frac = s.partition(".")
        s = f"{int(whole):,}" + ("." + frac if frac else "")
    elif number_format == "fullwidth":
        s = s.translate(_FW)
    return s + unit


# --- table builders --------------------------------------------------------------------------
def table2(values: dict, fmt: str, L: dict, num) -> list[Table]:
    """One Table per 条例 article block (joined later unless the style splits them)."""
    blocks = []
    for article, items in table2_layout(fmt):
        t = Table(head=2)
        t.rows.append([Cell(article, colspan=4, kind="header")])
        metrics = items[0][1]
        spans = {3: [1, 1, 1], 2: [1, 2], 1: [3]}[len(metrics)]
        t.rows.append([Cell(L["t2.info"], kind="header")]
                      + [Cell(L[f"t2.metric.{m}"], colspan=s, kind="header")
                         for m, s in zip(metrics, spans)])
        for item, ms in items:
            row = (values or {}).get(item) or {}
            t.rows.append([Cell(L[f"t2.item.{item}"], kind="label")]
                          + [Cell(num(row.get(m)), colspan=s) for m, s in zip(ms, spans)])
        blocks.append(t)
    return blocks


def table3(values: dict, fmt: str, L: dict, num, quirks=()) -> list[Table]:
    """The applications table: a header Table and a body Table (10 grid columns)."""
    head = Table(head=3)
    head.rows.append([Cell(L["t3.corner"], colspan=3, rowspan=3, kind="header"),
                      Cell(L["t3.applicant"], colspan=7, kind="header")])
    head.rows.append([Cell(L["t3.col.natural_person"], rowspan=2, kind="header"),
                      Cell(L["t3.col.legal_persons"], colspan=5, kind="header"),
                      Cell(L["t3.col.total"], rowspan=2, kind="header")])
    head.rows.append([Cell(L[f"t3.col.{c}"], kind="header") for c in
                      ["commercial_enterprise", "research_institution", "social_welfare_org",
                       "legal_service_org", "other_org"]])

    def vals(key):
        row = values.get(key) or {c: None for c in COLUMNS}
        cells = [row.get(c) for c in COLUMNS]
        if "omit_blank_cells" in quirks and all(v is None for v in cells):
            return []
        if ("merge_single_value_rows" in quirks and cells[0] is not None
                and all(v is None for v in cells[1:])):
            return [Cell(num(cells[0]), colspan=7)]
        return [Cell(num(v)) for v in cells]

    body = Table()
    body.rows.append([Cell(L["t3.row.new_received"], colspan=3, kind="label"), *vals("new_received")])
    body.rows.append([Cell(L["t3.row.carried_over"], colspan=3, kind="label"), *vals("carried_over")])
    groups = [("denied", DENIED), ("unable", UNABLE), ("not_processed", NOT_PROCESSED)]
    if fmt == "2019":
        n_results = 2 + sum(len(g[1]) for g in groups) + 1 + 1
    else:
        groups.append(("other", OTHER_2021))
        n_results = 2 + sum(len(g[1]) for g in groups) + 1
    first = [Cell(L["t3.group.results"], rowspan=n_results, kind="label")]
    body.rows.append(first + [Cell(L["t3.row.granted"], colspan=2, kind="label"), *vals("granted")])
    body.rows.append([Cell(L["t3.row.partially_granted"], colspan=2, kind="label"),
                      *vals("partially_granted")])
    for gkey, rows in groups:
        for i, r in enumerate(rows):
            lead = [Cell(L[f"t3.group.{gkey}"], rowspan=len(rows), kind="label")] if i == 0 else []
            body.rows.append(lead + [Cell(L[f"t3.row.{r}"], kind="label"), *vals(r)])
    if fmt == "2019":
        body.rows.append([Cell(L["t3.row.other"], colspan=2, kind="label"), *vals("other")])
    body.rows.append([Cell(L["t3.row.total"], colspan=2, kind="label"), *vals("total")])
    body.rows.append([Cell(L["t3.row.carried_forward"], colspan=3, kind="label"),
                      *vals("carried_forward")])
    return [head, body]


def table4(values: dict, L: dict, num) -> Table:
    t = Table(head=3)
    t.rows.append([Cell(L["t4.review"], colspan=5, kind="header"),
                   Cell(L["t4.suit"], colspan=10, kind="header")])
    t.rows.append([Cell(L[f"t4.review.{m}"], rowspan=2, kind="header") for m in T4_METRICS]
                  + [Cell(L["t4.suit_direct"], colspan=5, kind="header"),
                     Cell(L["t4.suit_after_review"], colspan=5, kind="header")])
    t.rows.append([Cell(L[f"t4.suit.{m}"], kind="header") for _ in range(2) for m in T4_METRICS])
    t.rows.append([Cell(num((values or {}).get(f"{g}.{m}"))) for g in T4_GROUPS for m in T4_METRICS])
    return t


# --- serializers -----------------------------------------------------------------------------
def _attrs(c: Cell) -> str:
    a = ""
    if c.colspan > 1:
        a += f' colspan="{c.colspan}"'
    if c.rowspan > 1:
        a += f' rowspan="{c.rowspan}"'
    return a


def _official(t: Table) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" '
           'style="border-collapse:collapse;width:100%;">', "<tbody>"]
    for row in t.rows:
        out.append("<tr>")
        for c in row:
            txt = "<br/>".join(escape(x) for x in c.text.split("\n"))
            out.append(f'<td{_attrs(c)} style="text-align:center;">{txt}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _thead(t: Table) -> str:
    out = ['<table class="table table-bordered">']
    if t.head:
        out.append("<thead>")
    for i, row in enumerate(t.rows):
        if t.head and i == t.head:
            out.append("</thead><tbody>")
        elif not t.head and i == 0:
            out.append("<tbody>")
        out.append("<tr>")
        for c in row:
            txt = "<br>".join(escape(x) for x in c.text.split("\n"))
            if i < t.head:
                out.append(f'<th{_attrs(c)}>{txt}</th>')
            elif c.kind == "label":
                out.append(f'<th scope="row"{_attrs(c)}>{txt}</th>')
            else:
                out.append(f'<td{_attrs(c)}>{txt}</td>')
        out.append("</tr>")
    out.append("</tbody></table>" if t.rows[t.head:] or not t.head else "</thead></table>")
    return "\n".join(out)


_W_TABLE = ('<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" '
            'style="border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;'
            'mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt">')
_W_TD = ('style="width:{w}pt;border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;'
         'padding:0cm 5.4pt 0cm 5.4pt"')


def _word_p(text: str, number=False) -> str:
    if not text:
        return ('<p class="MsoNormal" align="center" style="text-align:center">'
                '<span lang="EN-US"><o:p>&nbsp;</o:p></span></p>')
    font = ("font-size:10.5pt;font-family:'Times New Roman'" if number else
            "font-size:10.5pt;font-family:宋体;mso-ascii-font-family:'Times New Roman'")
    lang = ' lang="EN-US"' if number else ""
    return (f'<p class="MsoNormal" align="center" style="text-align:center">'
            f'<span{lang} style="{font}">{escape(text)}<o:p></o:p></span></p>')


def _word(t: Table) -> str:
    out = [_W_TABLE, "<tbody>"]
    for i, row in enumerate(t.rows):
        out.append(f'<tr style="mso-yfti-irow:{i};height:19.85pt">')
        for c in row:
            w = 42.5 * c.colspan if c.kind == "value" else 60.0 * c.colspan
            body = "".join(_word_p(x, number=c.kind == "value") for x in c.text.split("\n"))
            out.append(f'<td width="{int(w * 4 / 3)}"{_attrs(c)} valign="middle" '
                       f'{_W_TD.format(w=w)}>{body}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _join(tables: list[Table]) -> Table:
    t = Table(head=tables[0].head)
    for x in tables:
        t.rows.extend(x.rows)
    return t


def tables_html(kind: str, values, fmt: str, L: dict, num, style: str, quirks=()) -> str:
    ser = {"official": _official, "split": _official, "word": _word, "thead": _thead}[style]
    if kind == "t2":
        blocks = table2(values, fmt, L, num)
        if style == "split":
            return "\n<p></p>\n".join(ser(b) for b in blocks)
        return ser(_join(blocks))
    if kind == "t3":
        head, body = table3(values, fmt, L, num, quirks)
        if style == "split":
            return ser(head) + "\n" + ser(body)
        return ser(_join([head, body]))
    return ser(table4(values, L, num))


# --- prose -----------------------------------------------------------------------------------
def _para(text: str, style: str, kind: str = "p") -> str:
    t = escape(text)
    if style == "word":
        size = "16.0pt"
        if kind == "h":
            return (f'<p class="MsoNormal" style="text-indent:32.0pt;mso-char-indent-count:2.0;'
                    f'line-height:28.0pt"><b><span style="font-size:{size};font-family:黑体">{t}'
                    f'</span></b><span lang="EN-US"><o:p></o:p></span></p>')
        align = "text-align:right;" if kind == "right" else "text-indent:32.0pt;"
        return (f'<p class="MsoNormal" style="{align}line-height:28.0pt"><span style="font-size:'
                f'{size};font-family:仿宋_GB2312">{t}<span lang="EN-US"><o:p></o:p></span></span></p>')
    if kind == "h":
        return f'<p style="text-indent:2em;"><strong>{t}</strong></p>'
    if kind == "right":
        return f'<p style="text-align:right;">{t}</p>'
    return f'<p style="text-indent:2em;">{t}</p>'


def _paras(paras, style, kind="p") -> list[str]:
    return [_para(p, style, kind) for p in (paras or [])]


def render_report(report: dict, style: str | None = None, *, with_title: bool = False) -> str:
    """HTML of a report's body: title line (optional), prose, the three tables in order."""
    opts = report.get("render") or {}
    style = style or opts.get("style") or "official"
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; one of {STYLES}")
    fmt = report.get("format") or "2021"
    prose = report.get("prose") or {}
    out: list[str] = []
    if with_title and report.get("title"):
        out.append(f'<p style="text-align:center;"><strong>{escape(report["title"])}</strong></p>')
    out += _paras(prose.get("preamble"), style)
    if fmt == "legacy":
        for heading, paras in prose.get("legacy") or []:
            out.append(_para(heading, style, "h"))
            out += _paras(paras, style)
        out += _paras(prose.get("closing"), style, "right")
        return "\n".join(out)

    L = labels_for(fmt, opts.get("label_variants") or (), opts.get("labels"))
    number_format, blank = opts.get("number_format", "plain"), opts.get("blank", "")
    num = lambda v: fmt_number(v, number_format, blank)  # noqa: E731
    quirks = opts.get("quirks") or ()
    omitted = set(opts.get("omit_sections") or ())

    images = opts.get("table_image_srcs") if "tables_as_images" in quirks else None

    def image(kind: str) -> str:
        return (f'<p style="text-align:center;"><img src="{escape(images[kind])}" '
                f'alt="" width="600" border="0"/></p>')

    def section(key: str, body: list[str]) -> list[str]:
        """A section's heading and body, or nothing where the report leaves the section out."""
        return [] if key in omitted else [_para(L[f"h.{key}"], style, "h"), *body]

    out += section("overview", _paras(prose.get("overview"), style))
    body = _paras(prose.get("active_disclosure"), style)
    if images:
        body.append(image("t2"))
    elif report.get("active_disclosure") is not None:
        body.append(tables_html("t2", report["active_disclosure"], fmt, L, num, style))
    out += section("active_disclosure", body)
    body = _paras(prose.get("applications"), style)
    if images:
        body.append(image("t3"))
    elif "t3_image" in quirks:
        src = opts.get("t3_image_src", "table3.png")
        body.append(f'<p style="text-align:center;"><img src="{escape(src)}" '
                    f'alt="" width="600" border="0"/></p>')
    elif report.get("applications") is not None:
        body.append(tables_html("t3", report["applications"], fmt, L, num, style, quirks))
    out += section("applications", body)
    body = _paras(prose.get("reviews_litigation"), style)
    if images:
        body.append(image("t4"))
    elif report.get("reviews_litigation") is not None:
        body.append(tables_html("t4", report["reviews_litigation"], fmt, L, num, style))
    out += section("reviews_litigation", body)
    out += section("problems", _paras(prose.get("problems"), style))
    out += section("other_matters", _paras(prose.get("other_matters"), style))
    out += _paras(prose.get("closing"), style, "right")
    return "\n".join(out)


__all__ = ["render_report", "fmt_number", "tables_html", "STYLES"]
