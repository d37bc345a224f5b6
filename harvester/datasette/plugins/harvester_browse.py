"""Datasette plugin of the harvest (loaded with --plugins-dir harvester/datasette/plugins).

- /-/report/ID          one report laid out as printed: tables 2, 3, 4 with their official
                        labels in the official order, its checks, sources, versions, raw page
- /-/report/ID.json     the same as JSON;  /-/report/ID.csv: its three tables as one long CSV
- /-/page/HASH          a stored raw page, its bytes as fetched with the Content-Type the portal
                        sent; a Content-Security-Policy keeps the browser from loading anything
                        the page links to, so no request leaves the machine
- cells: report titles and report ids link to the report view, page hashes to the raw page.

Read-only: every route only SELECTs, and any POST/PUT/PATCH/DELETE to the data gets a 405.
"""

from __future__ import annotations

import json
import re

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from harvester.datasette import harvest_db, report_view

HASH = re.compile(r"^[0-9a-f]{64}$")
BASE_TABLES = {"reports", "report_sources", "report_versions", "pages", "active_disclosure", "applications",
               "reviews_litigation", "check_failures", "non_reports", "fetch_errors", "crawl_runs", "sites",
               "labels"}
RAW_PAGE_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                "font-src 'self' data:; base-uri 'none'; form-action 'none'")




async def check_view(datasette, request, db, table):
    await datasette.ensure_permissions(request.actor, [
        ("view-table", (db.name, table)), ("view-database", db.name), "view-instance"])


def report_links(datasette, db, report: dict) -> dict:
    rid = report["id"]
    q = f"?report_id={rid}"
    path = datasette.urls.path
    return {
        "html": path(f"/-/report/{rid}"),
        "json": path(f"/-/report/{rid}.json"),
        "csv": path(f"/-/report/{rid}.csv"),
        "row": datasette.urls.row(db.name, "reports", rid),
        "raw_page": path(f"/-/page/{report['page_hash']}") if report.get("page_hash") else None,
        "tables_file": path(f"/-/page/{report['tables_page']}") if report.get("tables_page") else None,
        "original": report.get("url"),
        "sources": datasette.urls.table(db.name, "report_sources") + q,
        "versions": datasette.urls.table(db.name, "report_versions") + q,
        "check_failures": datasette.urls.table(db.name, "check_failures") + q,
        "table2": datasette.urls.table(db.name, "report_table2") + q,
        "table3": datasette.urls.table(db.name, "report_table3") + q,
        "table4": datasette.urls.table(db.name, "report_table4") + q,
    }


async def report_page(request, datasette):
    db = await harvest_db(datasette)
    await check_view(datasette, request, db, "reports")
    report_id = request.url_vars["id"]
    fmt = request.url_vars.get("format")
    data = await report_view.report_data(db, report_id)
    if data is None:
        raise NotFound(f"No report {report_id}")
    links = report_links(datasette, db, data["report"])
    if fmt == "json":
        body = json.dumps(report_view.to_json(data, links), ensure_ascii=False, default=str)
        return Response(body, content_type="application/json; charset=utf-8",
                        headers={"access-control-allow-origin": "*"})
    if fmt == "csv":
        return Response(report_view.to_csv(data), content_type="text/csv; charset=utf-8",
                        headers={"content-disposition": f'inline; filename="report-{report_id}.csv"'})
    for s in data["sources"]:
        s["raw_page"] = datasette.urls.path(f"/-/page/{s['page_hash']}") if s.get("page_hash") else None
    for v in data["versions"]:
        v["raw_page"] = datasette.urls.path(f"/-/page/{v['page_hash']}") if v.get("page_hash") else None
        v["row"] = datasette.urls.row(db.name, "report_versions", f"{v['report_id']},{v['version']}")
    return Response.html(await datasette.render_template(
        "report.html", {"data": data, "r": data["report"], "links": links, "database": db.name,
                        "document": report_view.document_of(data["report"].get("format"))},
        request=request))


def _sniff(body: bytes) -> str:
    head = body[:512].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "application/pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<!--")):
        return "text/html"
    return "application/octet-stream"


async def raw_page(request, datasette):
    db = await harvest_db(datasette)
    await check_view(datasette, request, db, "pages")
    digest = request.url_vars["hash"]
    found = await db.execute("select content_type, body from pages where hash = ?", [digest])
    row = found.first()
    if row is None:
        raise NotFound(f"No stored page {digest}")
    body = row["body"] or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    content_type = row["content_type"] or _sniff(body)
    headers = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
               "x-harvest-page-hash": digest}
    if any(t in content_type.lower() for t in ("html", "xml", "svg")):
        headers["content-security-policy"] = RAW_PAGE_CSP
    return Response(body, content_type=content_type, headers=headers)


READ_ONLY_ERROR = {"ok": False, "status": 405, "title": "Read-only",
                   "error": "This harvest is served read-only (immutable): writes are refused."}


@hookimpl
def asgi_wrapper(datasette):
    """Refuse every write-shaped request to the data with a clear 405 (Datasette 0.65 answers a
    POST to a read-only canned query with a 500). /-/ pages (login, messages) are left alone."""

    def wrap(app):
        async def read_only(scope, receive, send):
            if (scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS")
                    and not scope["path"].startswith("/-/")):
                response = Response.json(READ_ONLY_ERROR, status=405, headers={"allow": "GET, HEAD, OPTIONS"})
                await response.asgi_send(send)
                return
            await app(scope, receive, send)

        return read_only

    return wrap


@hookimpl
def register_routes():
    return [
        (r"^/-/report/(?P<id>[^/]+?)(\.(?P<format>json|csv))?$", report_page),
        (r"^/-/page/(?P<hash>[0-9a-f]{64})$", raw_page),
    ]


def _link(datasette, path: str, text: str, title: str | None = None):
    title_attr = f' title="{markupsafe.escape(title)}"' if title else ""
    return markupsafe.Markup(
        f'<a href="{markupsafe.escape(datasette.urls.path(path))}"{title_attr}>{markupsafe.escape(text)}</a>')


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if isinstance(value, dict):  # an expanded foreign key: Datasette's own link
        return None
    if column in ("page_hash",) or (table == "pages" and column == "hash"):
        if isinstance(value, str) and HASH.match(value):
            return _link(datasette, f"/-/page/{value}", value[:12] + "…", "原始网页 raw page as fetched")
        return None
    keys = row.keys() if hasattr(row, "keys") else []
    if table == "reports" and column == "title" and "id" in keys:
        return _link(datasette, f"/-/report/{row['id']}", value or "（无标题 untitled）", "按原表式查看 view as printed")
    if table == "report_summary" and column in ("id", "title") and "id" in keys:
        return _link(datasette, f"/-/report/{row['id']}", value or "（无标题 untitled）", "按原表式查看 view as printed")
    if column in ("report_id", "next_report_id") and table not in BASE_TABLES and isinstance(value, str) and value:
        return _link(datasette, f"/-/report/{value}", value, "按原表式查看 view as printed")
    return None


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["number"] = format_number


def format_number(value):
    """Numbers as printed: integers without .0, thousands separators, floats as they are."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,}" if isinstance(value, float) else str(value)
