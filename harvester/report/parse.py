"""parse(): a report page (HTML bytes or text, or a text dump) in, the canonical report dict out.

Pure: no network, no storage. The steps, each in its own module: decode → rows (htmldoc or
textdump) → headings and the copy to read (sections) → tables (tables, labels) → title,
agency, year, date (meta, places) → checks.
"""

from __future__ import annotations

from urllib.parse import urljoin

from . import meta as M
from .cells import BLANK, Row, nfkc
from .checks import evaluate, failures
from .decode import check_not_binary, decode_html
from .errors import ParseError
from . import gkmlpt
from .htmldoc import read_html
from . import templates
from .labels import COLUMNS, T4_KEYS
from .sections import TABLE_KINDS, choose_copy, headings, prose, regions
from .tables import Read, read_active, read_applications, read_reviews
from .templates import Template
from .textdump import looks_like_html, read_text

KEYS = ("is_report", "title", "title_composed", "agency", "province", "year", "published", "format",
        "mirrored_copy_in_page", "active_disclosure", "applications", "reviews_litigation",
        "check_failures", "balanced", "units", "raw", "sections", "checks", "parse_status",
        "parse_reason")
# Metrics whose key already fixes the unit: a header's (单位:万元) is not repeated in "units".
_UNIT_IN_KEY = {"amount_10k_yuan"}


def parse(source: bytes | str, *, url: str | None = None, content_type: str | None = None) -> dict:
    """Parse one page. Never raises on a bad page (the result says what went wrong); raises
    ParseError only for input that is not a page at all (binary, wrong type)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        body = bytes(source)
        check_not_binary(body, content_type)
        text = decode_html(body, content_type)
    elif isinstance(source, str):
        text = source
    else:
        raise ParseError(f"cannot parse a {type(source).__name__}: expected bytes or str")
    try:
        return _parse_text(readable_html(text, url=url), url)
    except Exception as e:  # a page must never stop a crawl: report the failure instead
        return _result(parse_status="failed", parse_reason=f"parser error: {type(e).__name__}: {e}")


def readable_html(source: bytes | str, content_type: str | None = None, *, url: str | None = None,
                  title: str | None = None, published: str | None = None,
                  attachments: list[dict] | None = None) -> str:
    """The HTML to read for a served page: the page decoded, or for an app page that carries its
    article as data (gkmlpt), a document made of that data. The harvester stores the served
    bytes and reads this; ``title``/``published``/``attachments`` (what the list told) fill
    what the page's data leaves out."""
    text = source if isinstance(source, str) else decode_html(bytes(source), content_type)
    return gkmlpt.readable(text, url=url, title=title, published=published, attachments=attachments) or text


def _result(**values) -> dict:
    out = dict.fromkeys(KEYS)
    out.update(is_report=False, title_composed=False, mirrored_copy_in_page=False, check_failures=[], units={}, raw={},
               sections={"overview": None, "problems": None, "other_matters": None}, checks=[])
    out.update(values)
    return out


def _joined(rows: list[Row]) -> str:
    return "\n".join([r.cells[0].text if len(r.cells) == 1 else ":".join([c.text for c in r.cells if c.text])
                      for r in rows])


def _parse_text(text: str, url: str | None) -> dict:
    if not text.strip():
        return _result(parse_status="not_report", parse_reason="empty page")
    if looks_like_html(text):
        page = read_html(text)
        rows, page_meta, attachments = page.rows, page.meta, page.attachments
        cms_title = M.page_title(page.meta, page.title)
    else:
        rows, page_meta, attachments, cms_title = read_text(text), {}, [], None
    return parse_rows(rows, url=url, page_meta=page_meta, attachments=attachments, cms_title=cms_title)


def parse_rows(rows: list[Row], *, url: str | None = None, page_meta: dict | None = None,
               attachments: list[str] | None = None, cms_title: str | None = None,
               cell_paths: dict | None = None) -> dict:
    """The shared back half of every reader (HTML, text, PDF, Office, OCR): rows in, report out.
    ``cell_paths``, when given, receives the Cell each stored value was read from, by path
    (the OCR reader uses it to attach confidences)."""
    page_meta, attachments = page_meta or {}, attachments or []
    heads = headings(rows)
    start, end, mirrored = choose_copy(rows, heads)
    copy_heads = [(i, k) for i, k in heads if start <= i < end]
    first = copy_heads[0][0] if copy_heads else min(end, start + 40)
    head_rows = rows[:first]
    body_text = nfkc(_joined(rows[:end]))
    head_text = _joined(head_rows)

    title = M.find_title([r.cells[0].text for r in head_rows if r.loose and r.cells][::-1], cms_title,
                         body_text)
    source = M.find_source(head_text, page_meta)
    agency = M.find_agency(title, body_text, source)
    year = M.find_year(title, body_text)
    published = M.find_published(page_meta, head_text)
    province = M.find_province(agency, title, body_text)
    facts = dict(title=title, agency=agency, province=province, year=year, published=published)

    spans = regions(rows, heads, start, end)
    reads = {key: reader(rows[slice(*spans[kind])]) if kind in spans else Read()
             for kind, key, reader in (("active", "active_disclosure", read_active),
                                       ("applications", "applications", read_applications),
                                       ("reviews", "reviews_litigation", read_reviews))}
    found = {key: _found(key, r) for key, r in reads.items()}
    kinds = {k for _, k in copy_heads}

    verdict = M.title_verdict(title)
    if verdict is False:
        return _result(**facts, parse_status="not_report", parse_reason=f"title is not a report: {title}")
    structure = len(kinds) + sum(found.values())
    if not (structure >= 3 or found["applications"] or (verdict and (M.year_from_title(title) or structure))):
        why = "no report title and no report sections or tables" if not verdict else \
            "report title without a year and without report content (a list or column page?)"
        return _result(**facts, parse_status="not_report", parse_reason=why)

    template = _template(reads, found, year)
    out = _result(**facts, is_report=True, mirrored_copy_in_page=mirrored,
                  format=template.name if template else ("legacy" if year and year < templates.first_year() else None))
    if not title and (composed := M.compose_title(agency, year)):  # a report needs a title to be listed by
        out.update(title=composed, title_composed=True)
    notes = _fill_tables(out, reads, found, template, cell_paths)
    checks = evaluate(out["applications"], out["reviews_litigation"], template)
    out["checks"] = checks
    out["check_failures"] = failures(checks)
    out["balanced"] = (not out["check_failures"]) if checks else None
    out["sections"] = {name: prose(rows, spans.get(kind), M.looks_like_report_title)
                       for name, kind in (("overview", "overview"), ("problems", "problems"),
                                          ("other_matters", "other"))}
    missing = {key: _why_missing(key, reads[key], kind in spans, attachments, url, out["format"])
               for kind, key in TABLE_KINDS.items() if not found[key]}
    if not missing:
        out["parse_status"] = "partial" if notes else "ok"
        out["parse_reason"] = "; ".join(notes) or None
    else:
        out["parse_status"] = "partial" if len(missing) < 3 else "no_tables"
        out["parse_reason"] = "; ".join([f"{k}: {why}" for k, why in missing.items()] + notes)
    return out


def _found(key: str, read: Read) -> bool:
    """Enough recognised labels that the values are a template table, not stray numbers."""
    if not read.cells:
        return False
    need = {"active_disclosure": 2, "applications": 8, "reviews_litigation": 2}[key]
    return len(read.seen) >= need


def _template(reads: dict[str, Read], found: dict[str, bool], year: int | None) -> Template | None:
    """The template the tables themselves use; the year decides only when they do not say."""
    if not any(found.values()):
        return None
    evidence = set()
    for key in ("active_disclosure", "applications"):
        if found[key]:
            evidence |= reads[key].seen
    return templates.detect(evidence, year)


def _fill_tables(out: dict, reads: dict[str, Read], found: dict[str, bool], template: Template | None,
                 cell_paths: dict | None = None) -> list[str]:
    """Write the three tables in the template's shape, with units and raw texts; return notes
    on values the template has no place for."""
    notes = []
    units, raw = out["units"], out["raw"]

    def put(cell, table, key, header_unit=None):
        """The cell's value; its unit and raw text noted under "table/key" (the path is only
        spelt out for the few cells that have either)."""
        if cell is None:
            return None
        if cell_paths is not None:
            cell_paths[f"{table}/{key}"] = cell
        if cell.unit or cell.raw is not None or header_unit:
            path = f"{table}/{key}"
            if cell.unit:
                units[path] = cell.unit
            elif header_unit and cell.kind != BLANK and cell.value is not None:
                units[path] = header_unit
            if cell.raw is not None:
                raw[path] = cell.raw
        return cell.value

    if found["active_disclosure"] and template:
        r = reads["active_disclosure"]
        table = {}
        get, units_in_header = r.cells.get, r.units
        for item, metrics in template.items():
            values = table[item] = {}
            for i, m in enumerate(metrics):
                cell = get((item, m)) or get((item, i))
                unit = units_in_header.get(m) if m not in _UNIT_IN_KEY else None
                if cell is None or (cell.unit is None and cell.raw is None and unit is None and cell_paths is None):
                    values[m] = cell if cell is None else cell.value  # nothing to note beside the value
                else:
                    values[m] = put(cell, f"active_disclosure/{item}", m, unit)
        out["active_disclosure"] = table
        known = {(i, m) for i, ms in template.items() for m in ms}
        stray = sorted({f"{i}/{m}" for (i, m), c in r.cells.items()
                        if isinstance(m, str) and (i, m) not in known and c.kind != BLANK})
        if stray:
            notes.append(f"active_disclosure: values outside the {template.name} template: {', '.join(stray)}")
    if found["applications"] and template:
        r = reads["applications"]
        cells = r.cells
        table = {}
        get = cells.get
        for row in template.row_keys:
            prefix = f"applications/{row}"
            values = table[row] = {}
            for col in COLUMNS:
                cell = get((row, col))
                # most cells: a plain number or a blank, with nothing to note beside the value
                if cell is None or (cell.unit is None and cell.raw is None and cell_paths is None):
                    values[col] = cell if cell is None else cell.value
                else:
                    values[col] = put(cell, prefix, col)
        out["applications"] = table
        rows = set(template.row_keys)
        stray = sorted({row for (row, _), c in cells.items() if row not in rows and c.kind != BLANK})
        if stray:
            notes.append(f"applications: rows outside the {template.name} template: {', '.join(stray)}")
    if found["reviews_litigation"]:
        r = reads["reviews_litigation"]
        out["reviews_litigation"] = {k: put(r.cells.get(k), "reviews_litigation", k) for k in T4_KEYS}
    return notes


def _why_missing(key: str, read: Read, has_region: bool, attachments: list[str], url: str | None,
                 fmt: str | None) -> str:
    if fmt == "legacy":
        return "legacy report (before 2019): no national template table"
    if read.images and not read.cells:
        return "printed as an image, not as text"
    if read.cells:
        return "table not recognised (too few template labels)"
    if attachments:
        first = urljoin(url, attachments[0]) if url else attachments[0]
        return f"not in the page text; attachment: {first}"
    return "table not found in the page" if not has_region else "section has no table"
