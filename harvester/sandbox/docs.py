"""Attachments as real files: a report (or any text) as a small valid PDF or DOCX.

Portals put a PDF or Word copy of the report beside its HTML page (附件). The sandbox makes
them from the same report dict that renders the page, with the standard library only:

- PDF 1.4, one Type0 font (STSong-Light, encoding UniGB-UCS2-H: a CJK font every PDF reader
  and text extractor knows without embedding), the text as lines; the tables as rows of cells
  separated by spaces, one row a line.
- DOCX (Office Open XML, a zip of XML parts): paragraphs and real ``w:tbl`` tables, merged
  cells as ``w:gridSpan`` / ``w:vMerge``.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape as xesc

from .render import fmt_number, table2, table3, table4
from .schema import labels_for


# --- the report as paragraphs and tables --------------------------------------------------
def report_blocks(report: dict, title: str | None = None) -> list:
    """[("p", text) | ("h", text) | ("table", [[{"text","colspan","rowspan"}]])] in page order."""
    fmt = report.get("format") or "2021"
    prose = report.get("prose") or {}
    out: list = []
    if title:
        out.append(("h", title))
    out += [("p", p) for p in prose.get("preamble") or []]
    if fmt == "legacy":
        for heading, paras in prose.get("legacy") or []:
            out.append(("h", heading))
            out += [("p", p) for p in paras]
        out += [("p", p) for p in prose.get("closing") or []]
        return out
    opts = report.get("render") or {}
    L = labels_for(fmt, opts.get("label_variants") or (), opts.get("labels"))
    num = lambda v: fmt_number(v, "plain", opts.get("blank", ""))  # noqa: E731

    def grid(tables):
        rows = []
        for t in tables:
            rows += [[{"text": c.text.replace("\n", ""), "colspan": c.colspan, "rowspan": c.rowspan}
                      for c in row] for row in t.rows]
        return rows

    out.append(("h", L["h.overview"]))
    out += [("p", p) for p in prose.get("overview") or []]
    out.append(("h", L["h.active_disclosure"]))
    out += [("p", p) for p in prose.get("active_disclosure") or []]
    if report.get("active_disclosure") is not None:
        out.append(("table", grid(table2(report["active_disclosure"], fmt, L, num))))
    out.append(("h", L["h.applications"]))
    out += [("p", p) for p in prose.get("applications") or []]
    if report.get("applications") is not None:
        out.append(("table", grid(table3(report["applications"], fmt, L, num))))
    out.append(("h", L["h.reviews_litigation"]))
    out += [("p", p) for p in prose.get("reviews_litigation") or []]
    if report.get("reviews_litigation") is not None:
        out.append(("table", grid([table4(report["reviews_litigation"], L, num)])))
    out.append(("h", L["h.problems"]))
    out += [("p", p) for p in prose.get("problems") or []]
    out.append(("h", L["h.other_matters"]))
    out += [("p", p) for p in prose.get("other_matters") or []]
    out += [("p", p) for p in prose.get("closing") or []]
    return out


# --- PDF ------------------------------------------------------------------------------------
def _ucs2(text: str) -> str:
    return "".join(f"{ord(ch):04X}" if ord(ch) < 0x10000 else "003F" for ch in text)


def _wrap(text: str, width: int = 46) -> list[str]:
    lines, cur, w = [], "", 0
    for ch in text:
        cw = 1 if ord(ch) > 0x7F else 0.5
        if w + cw > width:
            lines.append(cur)
            cur, w = "", 0
        cur += ch
        w += cw
    if cur or not lines:
        lines.append(cur)
    return lines


def text_pdf(lines_or_blocks) -> bytes:
    """A PDF of text lines (or of report blocks)."""
    lines: list[str] = []
    for b in lines_or_blocks:
        kind, val = b if isinstance(b, tuple) else ("p", b)
        if kind == "table":
            for row in val:
                lines += _wrap("  ".join(c["text"] for c in row if c["text"]), 60)
        else:
            lines += _wrap(val)
    per_page = 54
    pages = [lines[i:i + per_page] for i in range(0, len(lines), per_page)] or [[""]]
    objs: list[bytes] = []

    def add(b: bytes) -> int:
        objs.append(b)
        return len(objs)

    add(b"<< /Type /Catalog /Pages 2 0 R >>")
    add(b"")                                                  # the page tree, filled below
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
               b"/DescendantFonts [4 0 R] >>")
    add(b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R "
        b"/DW 1000 /W [1 95 500] >>")
    add(b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>")
    kids = []
    for page in pages:
        ops = ["BT", "/F1 10 Tf", "14 TL", "50 800 Td"]
        for ln in page:
            ops.append(f"<{_ucs2(ln)}> Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("ascii")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
                        b"<< /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, content)))
    objs[1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
               + b"] /Count %d >>" % len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def report_pdf(report: dict, title: str | None = None) -> bytes:
    return text_pdf(report_blocks(report, title))


# --- DOCX ---------------------------------------------------------------------------------
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _p(text: str, bold=False, center=False) -> str:
    ppr = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else ""
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">{xesc(text)}</w:t></w:r></w:p>'


def _grid(rows: list[list[dict]]):
    """Lay HTML-like rows (colspan/rowspan) on a grid: {(r, c): (cell, row offset, col offset)}."""
    occupied: dict = {}
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in occupied:
                c += 1
            for dr in range(cell["rowspan"]):
                for dc in range(cell["colspan"]):
                    occupied[(r + dr, c + dc)] = (cell, dr, dc)
            c += cell["colspan"]
            width = max(width, c)
    return occupied, width


def _tbl(rows: list[list[dict]], cant_split: bool = False) -> str:
    occ, width = _grid(rows)
    nrows = max((r for r, _ in occ), default=-1) + 1
    out = ['<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
           '<w:tblBorders><w:top w:val="single" w:sz="4"/><w:left w:val="single" w:sz="4"/>'
           '<w:bottom w:val="single" w:sz="4"/><w:right w:val="single" w:sz="4"/>'
           '<w:insideH w:val="single" w:sz="4"/><w:insideV w:val="single" w:sz="4"/></w:tblBorders>'
           '</w:tblPr><w:tblGrid>' + '<w:gridCol w:w="700"/>' * width + "</w:tblGrid>"]
    for r in range(nrows):
        # cant_split: a row is never cut by a page break (Word's "allow row to break across
        # pages" off), as in most agencies' templates
        out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>" if cant_split else "<w:tr>")
        c = 0
        while c < width:
            got = occ.get((r, c))
            if got is None:
                out.append("<w:tc><w:p/></w:tc>")
                c += 1
                continue
            cell, dr, dc = got
            if dc:                          # inside a colspan: written with its first column
                c += 1
                continue
            span = cell["colspan"]
            tcpr = (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
            if cell["rowspan"] > 1:
                tcpr += '<w:vMerge w:val="restart"/>' if dr == 0 else "<w:vMerge/>"
            text = cell["text"] if dr == 0 else ""
            out.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr>" + (_p(text) if text else "<w:p/>") + "</w:tc>")
            c += span
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def text_docx(lines_or_blocks, cant_split: bool = False) -> bytes:
    body = []
    for b in lines_or_blocks:
        kind, val = b if isinstance(b, tuple) else ("p", b)
        if kind == "table":
            body.append(_tbl(val, cant_split))
            body.append("<w:p/>")
        elif kind == "h":
            body.append(_p(val, bold=True, center=not body))
        else:
            body.append(_p(val))
    doc = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {W}><w:body>'
           + "".join(body) + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>')
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("[Content_Types].xml", types), ("_rels/.rels", rels),
                           ("word/document.xml", doc)):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def report_docx(report: dict, title: str | None = None) -> bytes:
    return text_docx(report_blocks(report, title))


__all__ = ["report_blocks", "report_pdf", "report_docx", "text_pdf", "text_docx"]
