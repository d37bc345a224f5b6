"""A table row cut by a page break in a PDF (Word's default lets a row break across pages):
the tail of its label on the next page joins the label again (harvester/report/files/pdf.py
_join_split_row), so the row keeps its value. The PDF is LibreOffice's print of a sandbox
report whose 行政事业性收费 row breaks after 行政事业性收."""

from __future__ import annotations

import io
import shutil

import pytest

from harvester.report.files import parse_bytes
from harvester.sandbox import docs, files
from harvester.sandbox.portal import Portal, load_configs

pytestmark = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")


def cells(tables: dict) -> dict:
    out = {}
    for key in ("active_disclosure", "applications", "reviews_litigation"):
        for k, v in (tables.get(key) or {}).items():
            out.update({f"{key}/{k}/{m}": x for m, x in v.items()} if isinstance(v, dict) else {f"{key}/{k}": v})
    return out


def test_a_row_cut_by_a_page_break_keeps_its_label_and_value():
    import pdfplumber

    portal = Portal(load_configs(["gx-liuzhou-czj"])[0], delay_scale=0)
    it = next(i for i in portal.all_items() if i.kind == "report" and i.year == 2024 and i.spec.get("tables_in_file"))
    pdf = files.soffice_convert({"r.docx": docs.report_docx(it.report, it.title)}, "pdf")["r.docx"]
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        tops = [(p.extract_text() or "").lstrip().split("\n")[0] for p in doc.pages]
    assert "费" in tops[1:], tops  # the case is there: a page starts with the label's tail
    got = parse_bytes(pdf, name="r.pdf")
    assert got["parse_status"] == "ok" and got["active_disclosure"]["fees"] == {"amount_10k_yuan": 0}
    want = cells(it.report)
    assert {p: v for p, v in cells(got).items() if want.get(p) != v} == {}
