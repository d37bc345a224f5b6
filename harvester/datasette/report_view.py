"""The report view: one report's tables 2, 3 and 4 as printed, with its sources and versions.

Pure data shaping over a Datasette database (async `execute`), used by the plugin in
plugins/harvester_browse.py for /-/report/ID (HTML), /-/report/ID.json and /-/report/ID.csv.
Layouts follow the national templates as harvester/report/templates.py declares them; labels
come from the `labels` table, which browse.prepare fills from the same declarations.
"""

from __future__ import annotations

import csv
import io
import json

from harvester.report import templates
from harvester.report.labels import COLUMNS, T4_GROUPS, T4_METRICS

TABLE3_COLUMNS = COLUMNS
TABLE4_GROUPS = T4_GROUPS
TABLE4_RESULTS = T4_METRICS
# How a report's tables were read (reports.read_by), for the view.
READ_BY = {
    "text": ("从文件自身文字读取", "read from the text of the file itself"),
    "converted": ("经 LibreOffice 转换后读取", "converted by LibreOffice, then read"),
    "ocr": ("光学字符识别（OCR）读取，数值需核对", "read by OCR from images: check the values"),
}
CSV_COLUMNS = ("table", "row", "row_label_zh", "row_label_en", "column", "column_label_zh", "column_label_en",
               "value", "unit", "raw")


class Labels:
    """The labels table, looked up by (section, kind, key) with the report's template first."""

    def __init__(self, rows):
        self.rows = [dict(r) for r in rows]
        self.index: dict[tuple, list[dict]] = {}
        for r in self.rows:
            self.index.setdefault((r["section"], r["kind"], r["key"]), []).append(r)
        self.rank = {t.name: n for n, t in enumerate(templates.newest_first())}

    def get(self, section, kind, key, template=None) -> dict:
        """The label of the report's template, else the one all templates share, else the newest
        template's that has the key (as browse.py's views choose)."""
        found = self.index.get((section, kind, key))
        if found:
            return min(found, key=lambda r: (r["template"] != template, r["template"] != "",
                                             self.rank.get(r["template"], len(self.rank))))
        return {"key": key, "label_zh": key, "label_en": key, "position": 999, "group_zh": None, "subgroup_zh": None,
                "group_en": None, "subgroup_en": None, "unit": None, "article": None, "template": ""}

    def of_kind(self, section, kind):
        return sorted((r for r in self.rows if r["section"] == section and r["kind"] == kind),
                      key=lambda r: (r["position"] or 0, r["template"]))


def full_label(label: dict, lang: str) -> str:
    parts = [label.get(f"group_{lang}"), label.get(f"subgroup_{lang}"), label.get(f"label_{lang}")]
    return " ".join(p for p in parts if p)


async def rows(db, sql, params=None) -> list[dict]:
    result = await db.execute(sql, params or [])
    return [dict(r) for r in result.rows]


def _raw(text) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def template_of(report: dict, ad_rows: list[dict]) -> str:
    """The report's template; for a report stored without one, the template its table-2 keys
    belong to (the newest when they do not say)."""
    fmt = report.get("format")
    if templates.get(fmt):
        return fmt
    return templates.detect({r["metric"] for r in ad_rows} | {r["item"] for r in ad_rows}, None).name


def document_of(fmt: str | None) -> str | None:
    """The document that set a template (国办公开办函〔2021〕30号), for the page."""
    template = templates.get(fmt)
    return template.document if template else None


async def report_data(db, report_id: str) -> dict | None:
    """Everything the report view shows, as plain data (also the JSON answer)."""
    found = await rows(db, "select * from reports where id = ?", [report_id])
    if not found:
        return None
    report = found[0]
    labels = Labels(await rows(db, "select * from labels"))
    ad_rows = await rows(db, "select * from active_disclosure where report_id = ?", [report_id])
    app_rows = await rows(db, "select * from applications where report_id = ?", [report_id])
    rl_rows = await rows(db, "select * from reviews_litigation where report_id = ?", [report_id])
    failures = await rows(db, 'select "check", "column", expected, actual from check_failures '
                              'where report_id = ? order by "check", "column"', [report_id])
    sources = await rows(db, "select * from report_sources where report_id = ? order by canonical desc, url",
                         [report_id])
    versions = await rows(db, "select report_id, version, content_hash, page_hash, url, published, first_seen, "
                              "last_seen from report_versions where report_id = ? order by version", [report_id])
    template = template_of(report, ad_rows)
    report.pop("text", None)
    how = READ_BY.get(report.get("read_by") or "")
    return {
        "report": report,
        "template": template,
        "check_failures": sorted((_failure(f, labels) for f in failures), key=lambda f: (f["check"], f["position"])),
        "active_disclosure": _table2(ad_rows, labels, template) if ad_rows else None,
        "applications": _table3(app_rows, labels, template) if app_rows else None,
        "reviews_litigation": _table4(rl_rows[0], labels) if rl_rows else None,
        "sources": sources,
        "versions": versions,
        "headings": {s: labels.get(s, "section", s) for s in ("active_disclosure", "applications", "reviews_litigation")},
        # where the tables were read from and how (a file: pipelines/files.py), and the OCR
        # confidence of every cell read from an image ({cell path: 0-100})
        "tables_source": {"url": report.get("tables_from"), "format": report.get("source_format"),
                          "read_by": report.get("read_by"), "file": bool(report.get("tables_from")),
                          "how_zh": how[0] if how else None, "how_en": how[1] if how else None},
        "ocr": _raw(report.get("ocr_cells")),
    }


def _failure(f: dict, labels: Labels) -> dict:
    section, kind = {"row_total": ("applications", "row"), "table4_total": ("reviews_litigation", "group")}.get(
        f["check"], ("applications", "column"))
    label = labels.get(section, kind, f["column"])
    return dict(f, column_zh=full_label(label, "zh"), column_en=full_label(label, "en"), position=label["position"])


def _table2(ad_rows: list[dict], labels: Labels, template: str) -> list[dict]:
    """Blocks by article: [{article, metrics: [labels], items: [{item, label, cells: [...]}]}]."""
    by_key = {(r["item"], r["metric"]): r for r in ad_rows}
    used = set()
    blocks = []
    for article, items in templates.get(template).layout2():
        present = [(item, metrics) for item, metrics in items if any((item, m) in by_key for m in metrics)]
        if not present:
            continue
        metric_keys = []
        for _item, metrics in present:
            metric_keys += [m for m in metrics if m not in metric_keys]
        block = {"article": article,
                 "metrics": [_label_dict(labels.get("active_disclosure", "metric", m, template)) for m in metric_keys],
                 "items": []}
        for item, metrics in present:
            cells = []
            for m in metric_keys:
                row = by_key.get((item, m))
                used.add((item, m))
                unit = (row or {}).get("unit") or labels.get("active_disclosure", "metric", m, template).get("unit")
                cells.append({"metric": m, "value": (row or {}).get("value"), "unit": unit,
                              "raw": (row or {}).get("raw"), "present": row is not None})
            block["items"].append(dict(_label_dict(labels.get("active_disclosure", "item", item, template)),
                                       item=item, cells=cells))
        blocks.append(block)
    rest = [r for r in ad_rows if (r["item"], r["metric"]) not in used]
    if rest:  # keys the templates do not have: shown, not dropped
        metric_keys = list(dict.fromkeys(r["metric"] for r in rest))
        block = {"article": None,
                 "metrics": [_label_dict(labels.get("active_disclosure", "metric", m, template)) for m in metric_keys],
                 "items": []}
        for item in dict.fromkeys(r["item"] for r in rest):
            cells = []
            for m in metric_keys:
                row = by_key.get((item, m))
                cells.append({"metric": m, "value": (row or {}).get("value"), "unit": (row or {}).get("unit"),
                              "raw": (row or {}).get("raw"), "present": row is not None})
            block["items"].append(dict(_label_dict(labels.get("active_disclosure", "item", item, template)),
                                       item=item, cells=cells))
        blocks.append(block)
    return blocks


def _label_dict(label: dict) -> dict:
    return {"key": label["key"], "label_zh": label["label_zh"], "label_en": label["label_en"],
            "unit": label.get("unit"), "article": label.get("article")}


def _table3(app_rows: list[dict], labels: Labels, template: str) -> dict:
    """Rows in the official order with the three-level row header cells the template prints."""
    ordered = sorted(app_rows, key=lambda r: (labels.get("applications", "row", r["row"], template)["position"],
                                              r["position"] or 0))
    out_rows = []
    for r in ordered:
        label = labels.get("applications", "row", r["row"], template)
        out_rows.append({
            "row": r["row"],
            "label_zh": full_label(label, "zh"), "label_en": full_label(label, "en"),
            "group_zh": label.get("group_zh"), "group_en": label.get("group_en"),
            "subgroup_zh": label.get("subgroup_zh"), "subgroup_en": label.get("subgroup_en"),
            "item_zh": label["label_zh"], "item_en": label["label_en"],
            "values": {c: r[c] for c in TABLE3_COLUMNS},
            "raw": _raw(r.get("raw")),
        })
    _row_header_spans(out_rows)
    columns = [dict(_label_dict(labels.get("applications", "column", c)),
                    group_zh=labels.get("applications", "column", c).get("subgroup_zh"),
                    group_en=labels.get("applications", "column", c).get("subgroup_en"))
               for c in TABLE3_COLUMNS]
    return {"columns": columns, "rows": out_rows,
            "corner": _label_dict(labels.get("applications", "header", "corner"))}


def _row_header_spans(out_rows: list[dict]):
    """Rowspans of the group and subgroup cells (三、本年度办理结果 spans (一) to (七), ...)."""
    for i, r in enumerate(out_rows):
        for level in ("group", "subgroup"):
            key = f"{level}_zh"
            if not r[key]:
                r[f"{level}_span"] = 0
                continue
            previous = out_rows[i - 1] if i else None
            same_run = previous is not None and previous[key] == r[key] and (
                level == "group" or previous["group_zh"] == r["group_zh"])
            if same_run:
                r[f"{level}_span"] = 0  # covered by the cell above
                continue
            n = 1
            while i + n < len(out_rows) and out_rows[i + n][key] == r[key] and out_rows[i + n]["group_zh"] == r["group_zh"]:
                n += 1
            r[f"{level}_span"] = n
        r["first_in_group"] = bool(r["group_zh"]) and r["group_span"] > 0
        r["first_in_subgroup"] = bool(r["subgroup_zh"]) and r["subgroup_span"] > 0
        # how many header columns the row's own label spans (3 columns in all)
        r["label_colspan"] = 3 - (1 if r["group_zh"] else 0) - (1 if r["subgroup_zh"] else 0)


def _table4(rl: dict, labels: Labels) -> dict:
    groups = []
    for g in TABLE4_GROUPS:
        label = labels.get("reviews_litigation", "group", g)
        groups.append(dict(_label_dict(label), group=g, parent_zh=label.get("group_zh"),
                           parent_en=label.get("group_en"),
                           values={res: rl.get(f"{g}_{res}") for res in TABLE4_RESULTS}))
    results = [_label_dict(labels.get("reviews_litigation", "result", res)) for res in TABLE4_RESULTS]
    return {"groups": groups, "results": results, "raw": _raw(rl.get("raw"))}


def long_rows(data: dict) -> list[dict]:
    """The three tables as one long table (the CSV answer): table, row, column, labels, value."""
    out = []
    for block in data["active_disclosure"] or []:
        metrics = {m["key"]: m for m in block["metrics"]}
        for item in block["items"]:
            for cell in item["cells"]:
                if not cell["present"]:
                    continue
                m = metrics[cell["metric"]]
                out.append({"table": "active_disclosure", "row": item["item"], "row_label_zh": item["label_zh"],
                            "row_label_en": item["label_en"], "column": cell["metric"],
                            "column_label_zh": m["label_zh"], "column_label_en": m["label_en"],
                            "value": cell["value"], "unit": cell["unit"], "raw": cell["raw"]})
    t3 = data["applications"]
    if t3:
        for row in t3["rows"]:
            for col in t3["columns"]:
                out.append({"table": "applications", "row": row["row"], "row_label_zh": row["label_zh"],
                            "row_label_en": row["label_en"], "column": col["key"], "column_label_zh": col["label_zh"],
                            "column_label_en": col["label_en"], "value": row["values"][col["key"]], "unit": "件",
                            "raw": row["raw"].get(col["key"])})
    t4 = data["reviews_litigation"]
    if t4:
        for g in t4["groups"]:
            for res in t4["results"]:
                out.append({"table": "reviews_litigation", "row": g["group"],
                            "row_label_zh": " ".join(p for p in (g["parent_zh"], g["label_zh"]) if p),
                            "row_label_en": " ".join(p for p in (g["parent_en"], g["label_en"]) if p),
                            "column": res["key"], "column_label_zh": res["label_zh"],
                            "column_label_en": res["label_en"], "value": g["values"][res["key"]], "unit": "件",
                            "raw": t4["raw"].get(f"{g['group']}.{res['key']}")})
    return out


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_csv(data: dict) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in long_rows(data):
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return buffer.getvalue()


def to_json(data: dict, links: dict) -> dict:
    """The JSON answer: the data without layout-only fields, plus links."""
    out = json.loads(json.dumps(data, default=str))
    for row in (out.get("applications") or {}).get("rows", []):
        for k in ("group_span", "subgroup_span", "first_in_group", "first_in_subgroup", "label_colspan"):
            row.pop(k, None)
    for block in out.get("active_disclosure") or []:
        for item in block["items"]:
            item["cells"] = [c for c in item["cells"] if c.pop("present")]
    out["links"] = links
    return out
