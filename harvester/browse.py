"""Browse a harvest with Datasette: `prepare(db)` readies the database, `serve(db)` runs it.

`prepare` adds what a reader needs on top of the store's tables, and only that: the `labels`
table (the official Chinese row and column labels of tables 2, 3 and 4, with English and
units, from the templates declared in harvester/report/templates.py), SQL views that lay each report's tables out as printed
(`report_table2`, `report_table3`, `report_table4`) plus one summary row per report
(`report_summary`), the full-text index `reports_fts` (FTS5, trigram tokenizer so Chinese text
is searchable by any 3+ character substring; triggers keep it current on every store write),
and a few indexes for the facets and canned queries. It is idempotent: the crawl calls it at the
end of every run.

`serve` runs Datasette on the file read-only (immutable), always under the database name
`reports`, with data/metadata.yml (descriptions, facets, canned queries, dashboards), the
templates and the small plugin in harvester/datasette/ (the report view at /-/report/ID and the
stored raw page at /-/page/HASH). Serving never writes: it refuses a file that is not a harvest
or that the crawl has not prepared (`check_servable`), and prepares nothing in place; a
harvest prepared by another version is served as it is, with a note to run `prepare`.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import sqlite_utils

from harvester.dbcheck import DatabaseError, check_harvest, check_writable
from harvester.report import templates
from harvester.store import APPLICANT_COLUMNS, SCHEMA, Store

PROJECT_ROOT = Path(__file__).resolve().parents[1]
METADATA_PATH = PROJECT_ROOT / "data" / "metadata.yml"
DATASETTE_DIR = Path(__file__).resolve().parent / "datasette"
TEMPLATES_DIR = DATASETTE_DIR / "templates"
PLUGINS_DIR = DATASETTE_DIR / "plugins"
DATABASE_NAME = "reports"

FTS_COLUMNS = ["title", "agency", "province", "text"]
FTS_TOKENIZE = "trigram"

SETTINGS = {
    "truncate_cells_html": 240,  # report text is long: the row page shows it whole
    "sql_time_limit_ms": 10000,  # canned aggregations over a national harvest
    "facet_time_limit_ms": 1000,
    "default_facet_size": 40,  # 31 provinces fit
    "max_returned_rows": 5000,
}

LABEL_COLUMNS = {c: int if c == "position" else str for c in templates.LABEL_COLUMNS}

# Chinese column names of the as-printed views, in the official order.
TABLE3_COLUMNS = {c.key: c.label.zh for c in templates.COLUMNS}
TABLE4_RESULTS = {r.key: r.zh for r in templates.T4_RESULTS}
TABLE4_GROUPS = tuple(g.key for g in templates.T4_GROUPS)


def outcome_categories() -> list[tuple[str, str]]:
    """(category, SQL condition on a.row) of table 3's outcome rows, for summaries: a row under
    三、本年度办理结果 other than the total is its own category, or its group's (denied.*)."""
    found: dict[str, set[str]] = {}
    for t in templates.oldest_first():
        for line in t.table3:
            if line.group == templates.OUTCOMES and line.key != "total":
                found.setdefault(line.key.split(".", 1)[0], set()).add("." if "." in line.key else "=")
    order = [key.split(".", 1)[0] for key in templates.row_order()]
    out = []
    for category in sorted(found, key=order.index):
        conds = ([f"a.row = '{category}'"] if "=" in found[category] else []) + \
                ([f"a.row like '{category}.%'"] if "." in found[category] else [])
        out.append((category, conds[0] if len(conds) == 1 else f"({' or '.join(conds)})"))
    return out


def load_labels() -> list[dict]:
    """The official labels, one dict per key (harvester/report/templates.py), as the `labels` table holds them."""
    return templates.label_rows()


def _label_join(alias: str, section: str, kind: str, key: str, own: str) -> str:
    """Join the label of `key`: the report's own template's, else the one every template shares,
    else the newest template's that prints the key."""
    rank = " ".join(f"when '{t.name}' then {n}" for n, t in enumerate(templates.newest_first()))
    same = f"x.section = '{section}' and x.kind = '{kind}' and x.key = {key}"
    pick = (f"coalesce((select x.template from labels x where {same} and x.template = {own}), "
            f"(select x.template from labels x where {same} and x.template = ''), "
            f"(select x.template from labels x where {same} order by case x.template {rank} else 99 end limit 1))")
    return (f"left join labels {alias} on {alias}.section = '{section}' and {alias}.kind = '{kind}' "
            f"and {alias}.key = {key} and {alias}.template = {pick}")


def _views() -> dict[str, str]:
    names = [t.name for t in templates.newest_first()]
    # the report's template; a report without one (legacy, unknown) is shown as the newest
    own = f"(case when r.format in ({', '.join(repr(n) for n in names)}) then r.format else '{names[0]}' end)"

    table2 = f"""
select
  ad.report_id,
  li.article as article,
  ad.item,
  li.label_zh as item_zh,
  li.label_en as item_en,
  ad.metric,
  lm.label_zh as metric_zh,
  lm.label_en as metric_en,
  ad.value,
  coalesce(ad.unit, lm.unit) as unit,
  ad.raw
from active_disclosure ad
left join reports r on r.id = ad.report_id
{_label_join('li', 'active_disclosure', 'item', 'ad.item', own)}
{_label_join('lm', 'active_disclosure', 'metric', 'ad.metric', own)}
order by ad.report_id, coalesce(li.position, 99), coalesce(lm.position, 99), ad.metric"""

    cols3 = ",\n  ".join(f'a.{key} as "{zh}"' for key, zh in TABLE3_COLUMNS.items())
    table3 = f"""
select
  a.report_id,
  coalesce(l.position, 100 + a.position) as position,
  a.row,
  coalesce(trim(coalesce(l.group_zh || ' ', '') || coalesce(l.subgroup_zh || ' ', '') || l.label_zh), a.row) as label_zh,
  coalesce(trim(coalesce(l.group_en || ' ', '') || coalesce(l.subgroup_en || ' ', '') || l.label_en), a.row) as label_en,
  {cols3},
  a.raw
from applications a
left join reports r on r.id = a.report_id
{_label_join('l', 'applications', 'row', 'a.row', own)}
order by a.report_id, coalesce(l.position, 100 + a.position)"""

    parts4 = []
    for position, group in enumerate(TABLE4_GROUPS, 1):
        cells = ",\n    ".join(f'rl.{group}_{result} as "{zh}"' for result, zh in TABLE4_RESULTS.items())
        parts4.append(f"""
  select rl.report_id, {position} as position, '{group}' as "group",
    trim(coalesce(l.group_zh || ' ', '') || l.label_zh) as label_zh,
    trim(coalesce(l.group_en || ' ', '') || l.label_en) as label_en,
    {cells}
  from reviews_litigation rl
  left join labels l on l.section = 'reviews_litigation' and l.kind = 'group' and l.key = '{group}'""")
    table4 = "\nselect * from (" + "\n  union all".join(parts4) + "\n) order by report_id, position"

    outcome_cols = ",\n  ".join(
        f"(select sum(a.total) from applications a where a.report_id = r.id and {cond}) as {key}"
        for key, cond in outcome_categories()
    )

    def row_total(row):
        return f"(select a.total from applications a where a.report_id = r.id and a.row = '{row}')"

    summary = f"""
select
  r.id, r.agency, r.province, r.level, r.year, r.title, r.published, r.format,
  r.parse_status, r.check_status,
  (select count(*) from check_failures f where f.report_id = r.id) as check_failures,
  {row_total('new_received')} as new_received,
  {row_total('carried_over')} as carried_over,
  {outcome_cols},
  {row_total('total')} as total,
  {row_total('carried_forward')} as carried_forward,
  (select rl.review_total from reviews_litigation rl where rl.report_id = r.id) as reviews,
  (select coalesce(rl.suit_direct_total, 0) + coalesce(rl.suit_after_review_total, 0)
     from reviews_litigation rl where rl.report_id = r.id
     and (rl.suit_direct_total is not null or rl.suit_after_review_total is not null)) as lawsuits,
  r.sources, r.version, r.url
from reports r
order by r.province, r.agency, r.year"""
    return {
        "report_table2": table2,
        "report_table3": table3,
        "report_table4": table4,
        "report_summary": summary,
    }


INDEXES = {
    "reports": (["province"], ["year"], ["level"], ["format"], ["parse_status"], ["check_status"],
                ["agency", "province", "year"], ["page_hash"]),
    "applications": (["row"],),
    "report_sources": (["report_id"],),
    "report_versions": (["page_hash"],),
}


def _database(db: str | Path | sqlite_utils.Database) -> tuple[sqlite_utils.Database, Store | None]:
    if isinstance(db, sqlite_utils.Database):
        for name, (columns, options) in SCHEMA.items():  # what Store.ensure_schema does
            if not db[name].exists():
                db[name].create(columns, **options)
        return db, None
    store = Store(db)
    return store.db, store


def prepare(db: str | Path | sqlite_utils.Database, *, rebuild_fts: bool = False) -> dict:
    """Create the labels table, the views, the FTS index and the indexes; safe to re-run.

    `db` is a path (opened and closed here) or an open sqlite_utils.Database. What is already
    current is left untouched, so a second run writes nothing. Returns what was done, for logs:
    {"labels": "created" | "current", "views": [changed views], "fts": "created" | "rebuilt" | "current"}.
    """
    database, store = _database(db)
    try:
        with database.conn:
            labels = load_labels()
            labels_state = "current"
            if not database["labels"].exists() or _label_rows(database) != _sorted_labels(labels):
                database["labels"].drop(ignore=True)
                database["labels"].create(LABEL_COLUMNS, pk=("section", "kind", "key", "template"))
                database["labels"].insert_all(labels)
                labels_state = "created"
            for table, column_sets in INDEXES.items():
                for columns in column_sets:
                    database[table].create_index(columns, if_not_exists=True)
            changed = []
            for name, sql in _views().items():
                wanted = f"CREATE VIEW [{name}] AS {sql}"
                have = database.execute("select sql from sqlite_master where type = 'view' and name = ?",
                                        [name]).fetchone()
                if have is None or have[0] != wanted:
                    database.execute(f"drop view if exists [{name}]")
                    database.execute(wanted)
                    changed.append(name)
        fts = _prepare_fts(database, rebuild_fts)
        if database.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {"labels": labels_state, "views": changed, "fts": fts}
    finally:
        if store is not None:
            store.close()


def _sorted_labels(rows):
    return sorted((tuple(r.get(k) for k in LABEL_COLUMNS) for r in rows), key=repr)


def _label_rows(database):
    columns = ", ".join(f"[{c}]" for c in LABEL_COLUMNS)
    try:
        return sorted((tuple(r) for r in database.execute(f"select {columns} from labels").fetchall()), key=repr)
    except sqlite3.OperationalError:  # an older labels table without some column
        return None


def _prepare_fts(database: sqlite_utils.Database, rebuild: bool) -> str:
    table = database["reports"]
    fts_name = "reports_fts"
    existing = database.execute(
        "select sql from sqlite_master where name = ?", [fts_name]
    ).fetchone()
    triggers = {t.name for t in database.triggers}
    current = (
        existing is not None
        and [c.name for c in database[fts_name].columns] == FTS_COLUMNS
        and FTS_TOKENIZE in existing[0]
        and {f"{table.name}_ai", f"{table.name}_ad", f"{table.name}_au"} <= triggers
    )
    if not current:
        if existing is not None:
            table.disable_fts()
        table.enable_fts(FTS_COLUMNS, fts_version="FTS5", create_triggers=True, tokenize=FTS_TOKENIZE)
        return "created"
    indexed = database.execute(f"select count(*) from [{fts_name}_docsize]").fetchone()[0]
    if rebuild or indexed != table.count:
        table.rebuild_fts()
        return "rebuilt"
    return "current"


# --- serving ----------------------------------------------------------------------------------
def load_metadata(path: str | Path = METADATA_PATH) -> dict:
    from datasette.utils import parse_metadata

    return parse_metadata(Path(path).read_text(encoding="utf-8"))


def datasette_app(db: str | Path, metadata: str | Path = METADATA_PATH):
    """A Datasette instance on `db` (read-only, immutable), named `reports`, with our extras.

    Raises DatabaseError when `db` is not a prepared harvest (see check_servable)."""
    check_servable(db)
    return _datasette(Path(db), metadata)


def _datasette(db: Path, metadata: str | Path):
    from datasette.app import Datasette

    ds = Datasette(
        immutables=[str(db)],
        metadata=load_metadata(metadata),
        template_dir=str(TEMPLATES_DIR),
        plugins_dir=str(PLUGINS_DIR),
        settings=SETTINGS,
    )
    name = next(n for n, d in ds.databases.items() if d.path == str(db))
    if name != DATABASE_NAME:  # the metadata, dashboards and URLs all say /reports
        database = ds.databases[name]
        ds.remove_database(name)
        ds.add_database(database, name=DATABASE_NAME)
    return ds


def check_servable(db: str | Path) -> list[str]:
    """Refuse (DatabaseError, one line) what cannot be browsed without writing: not a harvest,
    or a harvest the crawl never prepared. Returns notes on what is prepared but not current
    (the views or labels of another version). Reads only, through an immutable connection."""
    names = check_harvest(db)
    missing = [t for t in SCHEMA if t not in names]
    missing += [t for t in ("labels", *_views(), "reports_fts") if t not in names]
    if missing:
        raise DatabaseError(f"{db} is not prepared for browsing (no {', '.join(missing)}): "
                            f"run `harvester prepare --db {db}` (it writes them) or let a crawl end")
    conn = sqlite3.connect(Path(db).absolute().as_uri() + "?immutable=1", uri=True)
    try:
        have = dict(conn.execute("select name, sql from sqlite_master where type = 'view'").fetchall())
        stale = [name for name, sql in _views().items() if have.get(name) != f"CREATE VIEW [{name}] AS {sql}"]
        if _label_rows(conn) != _sorted_labels(load_labels()):
            stale.append("labels")
        reports = conn.execute("select count(*) from reports").fetchone()[0]
        try:
            indexed = conn.execute("select count(*) from reports_fts_docsize").fetchone()[0]
        except sqlite3.Error:
            indexed = None
        if indexed != reports:
            stale.append("reports_fts")
    except sqlite3.Error as e:
        raise DatabaseError(f"{db} cannot be read as a harvest ({e}): run `harvester prepare --db {db}`") from None
    finally:
        conn.close()
    if stale:
        return [f"{db}: {', '.join(stale)} not current (prepared by another version?): "
                f"run `harvester prepare --db {db}` to update them"]
    return []


def prepare_file(db: str | Path) -> dict:
    """`prepare` for a user-named file: only an existing, writable harvest (never another
    program's database, never a new file), with a pending WAL folded in. One-line
    DatabaseError otherwise."""
    db = Path(db)
    check_writable(db)
    if not db.exists():
        raise DatabaseError(f"no database at {db}: run `harvester crawl --db {db}` first")
    check_harvest(db, allow_pending=True)
    return prepare(db)


def serve(db: str | Path, port: int = 8001, host: str = "127.0.0.1", *,
          metadata: str | Path = METADATA_PATH):
    """Run Datasette on `db` until interrupted: read-only, on http://host:port/.

    Writes nothing, neither in the file nor beside it: a file that is not a prepared harvest is
    refused with a DatabaseError before the server starts.
    """
    import asyncio

    import uvicorn

    for note in check_servable(db):
        sys.stderr.write(f"note: {note}\n")
    _check_address(host, port)
    ds = _datasette(Path(db), metadata)
    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)


def wait_until_serving(process, url: str, log: str | Path | None = None, timeout: float = 60.0) -> None:
    """Wait for a `serve` process started in the background to answer at url (scripts and tests
    start one and must not ask it anything before it listens). Raises RuntimeError with the
    server's log when it exits or does not answer in time."""
    import time
    import urllib.request

    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/-/versions.json", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.time() > deadline:
            process.kill()
            said = Path(log).read_text(errors="replace") if log else ""
            raise RuntimeError(f"datasette did not start at {url}: {said}")
        time.sleep(0.2)


def _check_address(host: str, port: int):
    """Raise OSError (address in use, unknown host) before uvicorn would log it as a traceback."""
    import socket

    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        probe.bind(address)


def datasette_command(db: str | Path = "data/reports.db") -> list[str]:
    """The plain `datasette` command line that serves the same thing as `serve` (for the README)."""
    args = ["datasette", "serve", "-i", str(db), "-m", str(METADATA_PATH.relative_to(PROJECT_ROOT)),
            "--template-dir", str(TEMPLATES_DIR.relative_to(PROJECT_ROOT)),
            "--plugins-dir", str(PLUGINS_DIR.relative_to(PROJECT_ROOT))]
    for key, value in SETTINGS.items():
        args += ["--setting", key, str(value)]
    return args


def main(argv: list[str] | None = None):
    """`python -m harvester.browse [prepare|serve] [--db PATH] [--port N] [--host H]`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m harvester.browse")
    parser.add_argument("command", choices=["prepare", "serve"])
    parser.add_argument("--db", default="data/reports.db")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    try:
        if args.command == "prepare":
            print(prepare_file(args.db))
        else:
            serve(args.db, port=args.port, host=args.host)
    except DatabaseError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()

assert tuple(TABLE3_COLUMNS) == APPLICANT_COLUMNS
