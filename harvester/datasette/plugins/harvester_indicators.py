"""Datasette plugin of the indicators (issue 15), beside harvester_browse.py in --plugins-dir:

- /-/indicators            per province and level, and the ranking of agencies by problems found
                           (?province=&level=&year= filter both; .json gives the same data)
- /-/agency/ID             one agency's years side by side with a chart (.json: the data)
- cells: agency_id in the indicator tables links to the agency page.

Read-only like the rest: both routes only SELECT from the tables `harvester indicators` wrote.
"""

from __future__ import annotations

import json

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from harvester.datasette import harvest_db, indicator_view

NOT_READY = ("This harvest has no indicators yet: run `harvester indicators --db FILE` "
             "(a crawl computes them at its end).")


async def _check(datasette, request, db, table):
    await datasette.ensure_permissions(request.actor, [
        ("view-table", (db.name, table)), ("view-database", db.name), "view-instance"])


def _json(data) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, default=str), content_type="application/json; charset=utf-8",
                    headers={"access-control-allow-origin": "*"})


async def indicators_page(request, datasette):
    db = await harvest_db(datasette)
    await _check(datasette, request, db, "indicators")
    if not await indicator_view.ready(db):
        raise NotFound(NOT_READY)
    filters = {k: request.args.get(k) or None for k in ("province", "level", "year")}
    if filters["year"] is not None:
        if not filters["year"].isdigit():
            return Response.text(f"year must be a number, not {filters['year']!r}", status=400)
        filters["year"] = int(filters["year"])
    data = await indicator_view.overview(db, filters)
    if request.url_vars.get("format") == "json":
        return _json({k: data[k] for k in ("groups", "ranking", "filters")})
    return Response.html(await datasette.render_template(
        "indicators.html", {"data": data, "database": db.name}, request=request))


async def agency_page(request, datasette):
    db = await harvest_db(datasette)
    await _check(datasette, request, db, "indicators")
    if not await indicator_view.ready(db):
        raise NotFound(NOT_READY)
    data = await indicator_view.agency(db, request.url_vars["id"])
    if data is None:
        raise NotFound(f"No agency {request.url_vars['id']}")
    if request.url_vars.get("format") == "json":
        return _json(indicator_view.to_json(data))
    return Response.html(await datasette.render_template(
        "agency.html", {"data": data, "a": data["agency"], "database": db.name,
                        "chart": markupsafe.Markup(data["chart"]), "detail": indicator_view.detail_text},
        request=request))


@hookimpl
def register_routes():
    return [
        (r"^/-/indicators(\.(?P<format>json))?$", indicators_page),
        (r"^/-/agency/(?P<id>[^/]+?)(\.(?P<format>json))?$", agency_page),
    ]


@hookimpl
def render_cell(row, value, column, table, datasette):
    if column == "agency_id" and table in ("indicators", "coverage", "yoy", "indicator_summary") \
            and isinstance(value, str) and value:
        href = markupsafe.escape(datasette.urls.path(f"/-/agency/{value}"))
        return markupsafe.Markup(f'<a href="{href}" title="机关各年度 agency by year">{markupsafe.escape(value)}</a>')
    return None
