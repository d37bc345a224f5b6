"""Render a canonical report as the files agencies publish: DOCX, XLSX, and through
LibreOffice PDF, DOC and XLS; and a scan of the PDF (pages as noisy images in a PDF).

The tables are render.py's grids (the national templates' layout, merged cells included), so
files and HTML pages carry the same labels and values. Fixtures are made at test time, not
committed: LibreOffice (Debian's libreoffice-writer-nogui/-calc-nogui) and pdftoppm
(poppler-utils) are needed for the converted ones.
"""

from __future__ import annotations

import io
import shutil

from report_helpers import render as R


def blocks(report: dict, style: "R.Style" = R.Style()) -> list:
    """The report in reading order: ("line", text) and ("table", grid) blocks, the same
    content render_page prints as HTML."""
    fmt = report.get("format") or "2021"
    year = report.get("year") or (2022 if fmt == "2021" else 2020)
    agency = report.get("agency") or "某某市人民政府"
    title = report.get("title") or f"{agency}{year}年政府信息公开工作年度报告"
    out = [("line", title)]
    if report.get("published"):
        out.append(("line", f"来源：{agency}  发布日期：{report['published']}"))
    out += [("line", f"本年度报告根据《中华人民共和国政府信息公开条例》要求，由{agency}编制。"
                     f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"),
            ("line", "一、总体情况"), ("line", f"{year}年，我单位认真贯彻落实《条例》，政务公开工作有序开展。"),
            ("line", "二、主动公开政府信息情况")]
    if report.get("active_disclosure") is not None:
        out += [("table", g) for g in R._table2(report["active_disclosure"], fmt, style)]
    out.append(("line", "三、收到和处理政府信息公开申请情况"))
    if report.get("applications") is not None:
        out.append(("table", R._table3(report["applications"], fmt, style)))
    out.append(("line", "四、政府信息公开行政复议、行政诉讼情况"))
    if report.get("reviews_litigation") is not None:
        out.append(("table", R._table4(report["reviews_litigation"], style)))
    out += [("line", "五、存在的主要问题及改进情况"), ("line", "政策解读形式还不够丰富，下一步将加强解读。"),
            ("line", "六、其他需要报告的事项"), ("line", "本年度未收取信息处理费。")]
    return out


def docx_bytes(report: dict, style: "R.Style" = R.Style(), nest_tables: bool = False, borders: bool = True) -> bytes:
    """A Word document: paragraphs and bordered tables with merged cells (python-docx).
    ``nest_tables`` puts each table inside a one-cell layout table, as some templates do;
    ``borders=False`` draws the tables without ruling lines."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.styles["Normal"].font.size = Pt(9)
    for kind, item in blocks(report, style):
        if kind == "line":
            document.add_paragraph(item)
            continue
        holder = document
        if nest_tables:
            outer = document.add_table(rows=1, cols=1)
            holder = outer.cell(0, 0)
        table = holder.add_table(rows=item.rows, cols=item.width)
        if borders:
            table.style = "Table Grid"
        for c in item.cells:
            cell = table.cell(c.row, c.col)
            if c.rs > 1 or c.cs > 1:
                cell = cell.merge(table.cell(c.row + c.rs - 1, c.col + c.cs - 1))
            cell.text = c.text
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def xlsx_bytes(report: dict, style: "R.Style" = R.Style()) -> bytes:
    """A workbook with the whole report on one sheet: text lines in column A, tables with
    merged ranges, a blank row between blocks (openpyxl)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "年报"
    r = 1
    for kind, item in blocks(report, style):
        if kind == "line":
            sheet.cell(r, 1, item)
            r += 1
            continue
        for c in item.cells:
            value = _number(c.text) if not c.label else c.text
            sheet.cell(r + c.row, 1 + c.col, value)
            if c.rs > 1 or c.cs > 1:
                sheet.merge_cells(start_row=r + c.row, start_column=1 + c.col,
                                  end_row=r + c.row + c.rs - 1, end_column=1 + c.col + c.cs - 1)
        r += item.rows + 1
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _number(text: str):
    """A value cell as a spreadsheet stores it: a number where the text is one, else text."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


# LibreOffice conversions and scans are the sandbox's (it serves reports as these files too)
from harvester.sandbox.files import scan_pdf, soffice_convert  # noqa: E402,F401


def have(*programs: str) -> bool:
    return all(shutil.which(p) for p in programs)
