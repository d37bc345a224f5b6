"""Datasette's side of the harvest: views (report_view, indicator_view), plugins, templates."""

from __future__ import annotations

DATABASE = "reports"


async def harvest_db(datasette):
    """The harvest among Datasette's databases: the one named "reports", else the first with the
    tables a prepared harvest has (reports and labels). Both plugins look it up the same way."""
    from datasette.utils.asgi import NotFound

    if DATABASE in datasette.databases:
        return datasette.get_database(DATABASE)
    for name, db in datasette.databases.items():
        if not name.startswith("_") and await db.table_exists("reports") and await db.table_exists("labels"):
            return db
    raise NotFound("No harvest database (a database with the tables reports and labels)")
