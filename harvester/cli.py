"""`harvester`: a thin command line over the Python API of the same names.

    harvester crawl [--province P] [--site ID]... [--year Y] [--db PATH] [--sandbox] [--proxy URL] [--workers URL]
    harvester worker --redis URL [--proxy URL]
    harvester parse PATH_OR_URL [--json]
    harvester sandbox [--port N] [--national] [--latency] [--no-walls]
    harvester registry list|stats|import
    harvester serve [--db PATH] [--port N]
    harvester prepare [--db PATH]
    harvester indicators [--db PATH]
    harvester export --out FILE.zip [--province P] [--year Y] [--db PATH]

Errors a user can cause (a missing file, a bad argument, an unreadable page, a database that
is read-only or not a harvest) print one line and exit non-zero, decided before anything is
written; they never show a traceback. Anything unforeseen also ends in one line, with the
advice to run `harvester --debug ...` for the traceback.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from harvester import registry
from harvester.crawl import DEFAULT_DB, DEFAULT_REGISTRY
from harvester.dbcheck import DatabaseError
from harvester.runlock import RunLocked


class UserError(click.ClickException):
    """A one-line error for the user (exit code 1)."""


class GuardedGroup(click.Group):
    """Why: a traceback tells a user nothing they can act on. Whatever a command did not
    foresee ends in one line and exit 1; `harvester --debug ...` shows the traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise UserError("interrupted") from None
        except Exception as e:
            if ctx.params.get("debug"):
                raise
            message = " ".join(str(e).split()) or "no message"
            raise UserError(f"unexpected {type(e).__name__}: {message} (run `harvester --debug ...` "
                            "for the traceback)") from None


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gov-report-harvester")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
def main(debug):
    """Harvest China's 政府信息公开工作年度报告 (annual reports on government information
    disclosure) from government portals into SQLite."""


def check_url(url: str, what: str) -> str:
    """Refuse at once an address the crawler cannot fetch: not http(s), no host, a bad port."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number or out of range
    except ValueError as e:
        raise UserError(f"{what} {url!r} is not a valid address ({e}): give it as http://host/path") from None
    if parts.scheme.lower() not in ("http", "https"):
        uses = f"uses {parts.scheme}://, which is not supported" if "://" in url else "has no http:// or https://"
        raise UserError(f"{what} {url!r} {uses}: give an http:// or https:// address")
    if not parts.hostname or any(c.isspace() for c in url):
        raise UserError(f"{what} {url!r} is not a valid address: give it as http://host/path")
    return url


@main.command()
@click.option("--province", help="Only sites of this province: full name, short name (广西) or code (45).")
@click.option("--site", "sites", multiple=True, help="Only this registry site id (repeatable).")
@click.option("--year", "years", multiple=True, type=int, help="Only reports on this year (repeatable).")
@click.option("--db", default=str(DEFAULT_DB), show_default=True, type=click.Path(), help="SQLite database.")
@click.option("--sandbox", is_flag=False, flag_value="national", default=None, type=click.Choice(["national", "hand"]),
              help="Crawl the offline sandbox web instead of the real portals: every registry portal "
                   "(national, the default), or only the hand-made real-shaped portals (--sandbox hand).")
@click.option("--proxy", help="Send every request (downloader and browser) through this proxy URL.")
@click.option("--registry", "registry_path", default=str(DEFAULT_REGISTRY), show_default=True,
              type=click.Path(dir_okay=False), help="Site registry file.")
@click.option("--full", is_flag=True, help="Re-crawl everything (default: incremental once reports are stored).")
@click.option("--record-columns", is_flag=True,
              help="Write the annual-report columns discovery finds into the registry file (they are always "
                   "kept in the database, and the next run on it uses them).")
@click.option("--recheck-all", is_flag=True,
              help="Ask again for every known report page, walk every sub-column and ask for every robots.txt "
                   "(default: by age, see HARVESTER_RECHECK).")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. --set DOWNLOAD_DELAY=2 (repeatable).")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.option("--workers", metavar="REDIS_URL",
              help="Share the run with `harvester worker` processes through Redis (redis://HOST:PORT/DB): "
                   "they fetch, this process stores (docs/fleet.md).")
def crawl(province, sites, years, db, sandbox, proxy, registry_path, full, record_columns, recheck_all, overrides,
          log_level, workers):
    """Crawl registry sites and store their annual reports."""
    from harvester.crawl import crawl as run_crawl
    from harvester.dbcheck import check_writable
    from harvester.recheck import ScheduleError
    from harvester.settingscheck import SettingError, check_settings

    settings = {}
    for pair in overrides:
        name, sep, value = pair.partition("=")
        if not sep or not name.isupper():
            raise UserError(f"--set takes NAME=VALUE with an upper-case Scrapy setting name, not {pair!r}")
        settings[name] = value
    try:  # everything a run needs is checked before the run is recorded
        settings = check_settings(settings)
        check_writable(db)
    except SettingError as e:
        raise UserError(f"--set: {e}") from None
    except DatabaseError as e:
        raise UserError(str(e)) from None
    if proxy:
        proxy = check_url(proxy, "--proxy")
    if workers:
        from harvester.fleet import FleetError, connect

        try:
            connect(workers).close()
        except FleetError as e:
            raise UserError(f"--workers: {e}") from None
    try:
        summary = run_crawl(db, province=province, sites=list(sites) or None, years=list(years) or None,
                            sandbox=sandbox, proxy=proxy, registry_path=registry_path, full=full,
                            recheck_all=recheck_all, record_columns=record_columns,
                            log_level=log_level.upper(), settings=settings or None, workers=workers)
    except (registry.RegistryError, RunLocked, ScheduleError) as e:
        raise UserError(str(e)) from None
    for line in summary.lines():
        click.echo(line)
    if summary.status != "finished":  # a site broke or the run was stopped: say so to a scheduler
        sys.exit(3)


@main.command()
@click.option("--redis", "url", required=True, metavar="REDIS_URL", help="The fleet's Redis: redis://HOST:PORT/DB.")
@click.option("--proxy", help="This worker's proxy for every request (default: the run's).")
@click.option("--wait", default=600.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait for a run to join.")
@click.option("--log-level", default="WARNING", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def worker(url, proxy, wait, log_level):
    """Walk sites of the run a `harvester crawl --workers URL` shares through Redis, until it ends."""
    from harvester.fleet import FleetError, work

    if proxy:
        proxy = check_url(proxy, "--proxy")
    try:
        done = work(url, proxy=proxy, log_level=log_level.upper(), wait=wait)
    except FleetError as e:
        raise UserError(str(e)) from None
    click.echo(f"worker {done['worker']}: run {done['run']}: {done['requests']} request(s), {done['items']} item(s)")


@main.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the whole parse as one JSON object.")
@click.option("--no-ocr", is_flag=True, help="Leave scanned pages and images unread instead of running OCR.")
def parse(source, as_json, no_ocr):
    """Parse one report (a file or an http(s) URL: HTML, text, PDF, Word, WPS, Excel or a scan)
    into the canonical tables."""
    from harvester.report import parse_bytes

    body, content_type = read_source(source)
    url = source if "://" in source else None
    result = parse_bytes(body, url=url, content_type=content_type, name=None if url else source, ocr=not no_ocr)
    if result.get("parse_status") == "failed" and result.get("source_format") in (None, "binary"):
        raise UserError(f"{source}: {result.get('parse_reason')}")
    if as_json:  # a failed read is printed too: the JSON says why, for scripts and the scorer
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    if result.get("parse_status") == "failed":  # a file that could not be read: one line, exit 1
        raise UserError(f"{source}: {result.get('source_format')} file not read: {result.get('parse_reason')}")
    click.echo(f"{result.get('title')} | {result.get('agency')} | {result.get('province')} | year {result.get('year')}")
    click.echo(f"report: {result.get('is_report')}  format: {result.get('format')}  "
               f"status: {result.get('parse_status')}  balanced: {result.get('balanced')}")
    click.echo(f"read from: {result.get('source_format')} ({result.get('read_by')})"
               + ("  NEEDS REVIEW" if result.get("needs_review") else ""))
    if result.get("parse_reason"):
        click.echo(f"  {result['parse_reason']}")
    for failure in result.get("check_failures") or []:
        click.echo(f"  check {failure['check']} failed on {failure['column']}: "
                   f"{failure['expected']} != {failure['actual']}")


def read_source(source: str) -> tuple[bytes, str | None]:
    """Bytes and Content-Type of a file or URL; a clear one-line error when it cannot be read."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", source):
        import http.client
        import urllib.error
        import urllib.request

        source = check_url(source, "URL")
        request = urllib.request.Request(source, headers={"User-Agent": "gov-report-harvester/0.1"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.read(), answer.headers.get("Content-Type")
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as e:
            raise UserError(f"cannot fetch {source}: {getattr(e, 'reason', e)}") from None
    path = Path(source)
    if path.exists() and not path.is_file() and not path.is_dir():
        raise UserError(f"not a regular file: {source}")
    try:
        return path.read_bytes(), None
    except FileNotFoundError:
        raise UserError(f"no such file: {source}") from None
    except IsADirectoryError:
        raise UserError(f"is a directory, not a page: {source}") from None
    except OSError as e:
        raise UserError(f"cannot read {source}: {e.strerror}") from None


@main.command()
@click.option("--db", default=str(DEFAULT_DB), show_default=True, type=click.Path(), help="SQLite database.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535),
              help="Port of the Datasette server.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
def serve(db, port, host):
    """Browse the harvest with Datasette (read-only), with report views and canned queries."""
    from harvester.browse import serve as run_serve

    try:
        run_serve(db, port=port, host=host)
    except DatabaseError as e:
        raise UserError(str(e)) from None
    except OSError as e:  # the port is taken, an unknown host
        raise UserError(f"cannot serve on {host}:{port}: {e.strerror or e}") from None


@main.command()
@click.option("--db", default=str(DEFAULT_DB), show_default=True, type=click.Path(), help="SQLite database.")
def prepare(db):
    """Ready a harvest for browsing (views, labels, full-text index); a crawl does it at its end."""
    from harvester.browse import prepare_file

    try:
        done = prepare_file(db)
    except DatabaseError as e:
        raise UserError(str(e)) from None
    click.echo(f"{db}: labels {done['labels']}, views changed: {', '.join(done['views']) or 'none'}, "
               f"full-text index {done['fts']}")


@main.command("indicators")
@click.option("--db", default=str(DEFAULT_DB), show_default=True, type=click.Path(), help="SQLite database.")
def indicators_command(db):
    """Compute the compliance indicators, coverage and year-over-year tables (a crawl does it at its end)."""
    from harvester import indicators
    from harvester.dbcheck import check_harvest, check_writable

    try:
        check_writable(Path(db))
        if not Path(db).exists():
            raise DatabaseError(f"no database at {db}: run `harvester crawl --db {db}` first")
        check_harvest(Path(db), allow_pending=True)
        from harvester.runlock import RunLock

        with RunLock(Path(db)):  # never beside a crawl writing the same file
            counts = indicators.compute(db)
    except (DatabaseError, RunLocked) as e:
        raise UserError(str(e)) from None
    found = indicators.summary(db)
    click.echo(f"{db}: {counts['reports']} reports: {counts['indicators']} indicator values, "
               f"{counts['coverage']} agency-years of coverage, {counts['yoy']} year-over-year figures")
    click.echo("flagged: " + (", ".join(f"{k} {v}" for k, v in sorted(found["flagged"].items())) or "none"))
    click.echo("coverage: " + (", ".join(f"{k} {v}" for k, v in sorted(found["coverage"].items())) or "none"))


@main.command("export")
@click.option("--db", default=str(DEFAULT_DB), show_default=True, type=click.Path(), help="SQLite database.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The zip file to write.")
@click.option("--province", help="Only reports of this province: full name, short name (广西) or code (45).")
@click.option("--year", type=int, help="Only reports on this year.")
def export_command(db, out, province, year):
    """Export the harvest: SQLite file, one CSV per table, a long CSV, a data dictionary, a manifest."""
    from harvester import export
    from harvester.dbcheck import check_harvest
    from harvester.provinces import resolve_province

    if province:
        full = resolve_province(province)
        if not full:
            raise UserError(f"unknown province {province!r}")
        province = full
    if not out.endswith(".zip"):
        raise UserError(f"--out must name a .zip file, not {out!r}")
    try:
        if not Path(db).exists():
            raise DatabaseError(f"no database at {db}: run `harvester crawl --db {db}` first")
        check_harvest(Path(db), allow_pending=True)
        manifest = export.export(db, out, province=province, year=year)
    except DatabaseError as e:
        raise UserError(str(e)) from None
    except OSError as e:
        raise UserError(f"cannot write {out}: {e.strerror or e}") from None
    files = manifest["files"]
    click.echo(f"{out}: {files['tables/reports.csv']['rows']} reports, {files['values_long.csv']['rows']} values "
               f"in long form, {len(files)} files (manifest.json has rows and sha256 of each)")


@main.command("add-site")
@click.argument("url")
@click.option("--province", help="Province of the portal (else guessed from the agency's name).")
@click.option("--agency", help="The agency (else read from the page's title).")
@click.option("--homepage", is_flag=True, help="URL is the homepage: find the column via 政府信息公开 → 年报.")
@click.option("--registry", "registry_path", default=str(DEFAULT_REGISTRY), show_default=True,
              type=click.Path(dir_okay=False), help="Site registry file to add it to.")
@click.option("--proxy", help="Fetch through this proxy (default: http_proxy / https_proxy).")
@click.option("--parent", help="Division code of the government a department or zone belongs to (else found from its name).")
def add_site(url, province, agency, homepage, registry_path, proxy, parent):
    """Add a portal to the registry by its annual-report column URL (or --homepage); a portal
    the registry has already gets the column recorded on its row."""
    from harvester.addsite import AddSiteError
    from harvester.addsite import add_site as add

    url = check_url(url, "URL")
    if proxy:
        proxy = check_url(proxy, "--proxy")
    if Path(registry_path).is_file() and not os.access(registry_path, os.W_OK):  # found out before fetching
        raise UserError(f"{registry_path} is read-only: make it writable or give --registry a writable copy")
    try:
        before = {s.id for s in registry.load(registry_path)}
        site = add(url, province=province, agency=agency, homepage=homepage, registry_path=registry_path,
                   proxy=proxy, parent=parent)
    except (AddSiteError, registry.RegistryError) as e:
        raise UserError(str(e)) from None
    verb = "updated" if site.id in before else "added"
    click.echo(f"{verb} {site.id}: {site.agency} ({site.province}, {site.level}), family {site.family}, "
               f"column {site.columns[0]}")
    click.echo(f"crawl it with: harvester crawl --site {site.id}")


@main.group("registry")
def registry_group():
    """Look at the site registry (data/sites.csv): list, count, import a list of governments."""


REGISTRY_OPTION = click.option("--registry", "registry_path", default=str(DEFAULT_REGISTRY), show_default=True,
                               type=click.Path(dir_okay=False), help="Site registry file.")


@registry_group.command("list")
@click.option("--province", help="Only this province: full name, short name (广西) or code (45).")
@click.option("--level", help="province / prefecture / county / department / zone (or 省/市/县/部门/开发区).")
@click.option("--code", help="Division-code prefix: 4502 = every row of 柳州市.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of the rows.")
@REGISTRY_OPTION
def registry_list(province, level, code, as_json, registry_path):
    """List registry rows: id, code, level, agency, homepage, columns known."""
    try:
        sites = registry.list_sites(registry_path, province=province, level=level, code=code)
    except registry.RegistryError as e:
        raise UserError(str(e)) from None
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps([asdict(s) for s in sites], ensure_ascii=False, indent=1))
        return
    for s in sites:
        click.echo("\t".join([s.id, s.code or "-", s.level, s.province, s.agency, s.homepage or "-",
                              f"{len(s.columns)} column(s)" if s.columns else "discovery"]))
    click.echo(f"{len(sites)} site(s)", err=True)


@registry_group.command("stats")
@click.option("--db", default=str(DEFAULT_DB), show_default=True, type=click.Path(dir_okay=False),
              help="Harvest database to read when each site was last crawled (read only; never created).")
@click.option("--json", "as_json", is_flag=True, help="The counts as one JSON object.")
@REGISTRY_OPTION
def registry_stats(db, as_json, registry_path):
    """Counts per province and level: rows, with a known column, verified, crawled, last crawled."""
    try:
        result = registry.stats(registry_path, db=db)
    except registry.RegistryError as e:
        raise UserError(str(e)) from None
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for line in registry.stats_lines(result):
        click.echo(line)


@registry_group.command("import")
@click.argument("csv_path", metavar="CSV", type=click.Path(dir_okay=False))
@click.option("--source", help="Provenance written on new rows (default: the file name and 2024, the year of its division codes).")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@REGISTRY_OPTION
def registry_import(csv_path, source, dry_run, registry_path):
    """Merge a gov-portals.csv-shaped list of governments into the registry (new codes added,
    known rows keep their id, columns and homepage; another homepage is recorded beside it)."""
    try:
        result = registry.import_csv(csv_path, registry_path, source=source, dry_run=dry_run)
    except registry.RegistryError as e:
        raise UserError(str(e)) from None
    for line in result.lines():
        click.echo(line)
    if dry_run:
        click.echo("dry run: nothing written")


@main.command()
@click.option("--port", default=8899, show_default=True, type=click.IntRange(1, 65535),
              help="Loopback port of the sandbox proxy.")
@click.option("--national", is_flag=True, help="Also serve every registry host (data/sites.csv): the national sandbox.")
@click.option("--latency", is_flag=True, help="National hosts answer with their response delays.")
@click.option("--no-walls", is_flag=True, help="Serve no JavaScript wall anywhere.")
def sandbox(port, national, latency, no_walls):
    """Serve the offline sandbox web (real-shaped portals) as a proxy on 127.0.0.1."""
    from harvester.sandbox.server import serve_forever

    try:
        serve_forever(port=port, national=national, latency=latency, walls=not no_walls)
    except OSError as e:
        raise UserError(f"cannot serve on port {port}: {e.strerror}") from None
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
