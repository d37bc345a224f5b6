"""`crawl()`: run the spiders of the chosen registry sites into one SQLite database.

The CLI's `harvester crawl` is a thin face over this function. One call is one run: it is
recorded in `crawl_runs` with its arguments, counts and errors, and returns a summary.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from harvester import progress, recheck, registry
from harvester.runlock import RunLock
from harvester.store import Store

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = Path("data/reports.db")
DEFAULT_REGISTRY = PROJECT_ROOT / "data" / "sites.csv"

# On our own loopback sandbox, politeness delays only slow the tests down.
SANDBOX_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_START_DELAY": 0.01,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 8.0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 10,
}


# A summary lists every site's reports only up to this many sites; a province or national run
# prints totals (the per-site records are in crawl_sites).
SUMMARY_SITE_LINES = 30


@dataclass
class RunSummary:
    run_id: int
    db: Path
    sites: list[str]
    reports: dict[str, dict[int | None, int]] = field(default_factory=dict)  # site -> year -> count
    outcomes: dict[str, int] = field(default_factory=dict)  # new / changed / unchanged
    errors: list[dict] = field(default_factory=list)
    non_reports: int = 0
    requests: int = 0
    status: str = "finished"  # finished | incomplete (a site did not finish: see unfinished)
    portals: dict[str, int] = field(default_factory=dict)  # walked / answered / column / reports
    unfinished: list[tuple] = field(default_factory=list)  # (site, status, reason)
    resumed: list[str] = field(default_factory=list)  # walked in full: an interrupted run left them
    continued: list[str] = field(default_factory=list)  # finished by the interrupted run this one continues
    skipped: list[str] = field(default_factory=list)  # registry sites the sandbox does not serve
    lists_not_due: int = 0  # archive sub-columns left unread, not due by harvester/recheck.py

    def lines(self) -> list[str]:
        out = [f"run {self.run_id}: {len(self.sites)} site(s), {self.requests} request(s)"]
        if self.skipped:
            out.append(f"skipped: {len(self.skipped)} registry site(s) (no homepage known, or not served by the sandbox)")
        if self.continued:
            out.append(f"continues an interrupted run: {len(self.continued)} site(s) it had finished not walked again")
        if self.resumed:
            shown = ", ".join(self.resumed[:10]) + (f" and {len(self.resumed) - 10} more" if len(self.resumed) > 10 else "")
            out.append(f"resumed after an interrupted run: {shown}")
        p = self.portals
        if p:
            out.append(f"portals: {p['walked']} walked, {p['answered']} answered, {p['column']} with a report "
                       f"column, {p['reports']} with reports")
        if len(self.sites) <= SUMMARY_SITE_LINES:
            for site in self.sites:
                years = self.reports.get(site, {})
                total = sum(years.values())
                detail = ", ".join(f"{y or '?'}: {n}" for y, n in sorted(years.items(), key=lambda kv: kv[0] or 0))
                out.append(f"  {site}: {total} report(s)" + (f" ({detail})" if detail else ""))
        else:
            by_year: dict = {}
            for years in self.reports.values():
                for y, n in years.items():
                    by_year[y] = by_year.get(y, 0) + n
            out.append("reports by year: " + ", ".join(
                f"{y or '?'}: {n}" for y, n in sorted(by_year.items(), key=lambda kv: kv[0] or 0)))
        out.append("reports: " + ", ".join(f"{k} {v}" for k, v in self.outcomes.items()))
        if self.lists_not_due:
            out.append(f"archive lists not due for a walk, left unread: {self.lists_not_due} "
                       "(their reports are not counted above; --recheck-all walks them)")
        out.append(f"pages that were not reports: {self.non_reports}")
        out.append(f"errors: {len(self.errors)}")
        for e in self.errors[:20]:
            out.append(f"  {e['site_id']}: {e['url']}: {e['reason']}")
        if len(self.errors) > 20:
            out.append(f"  ... and {len(self.errors) - 20} more (table fetch_errors)")
        if self.unfinished:
            out.append(f"NOT FINISHED: {len(self.unfinished)} site(s); run again to continue")
            for site, status, reason in self.unfinished[:20]:
                out.append(f"  {site}: {status}" + (f" ({reason})" if reason else ""))
        out.append(f"database: {self.db}")
        return out


def crawl(
    db: str | Path = DEFAULT_DB,
    *,
    province: str | None = None,
    sites: list[str] | None = None,
    years: list[int] | None = None,
    sandbox: bool | str = False,
    proxy: str | None = None,
    registry_path: str | Path = DEFAULT_REGISTRY,
    log_level: str = "WARNING",
    settings: dict | None = None,
    full: bool = False,
    recheck_all: bool = False,
    record_columns: bool = False,
    workers: str | None = None,
) -> RunSummary:
    """Crawl the registry sites matching `province` / `sites` into `db`; returns the summary.

    With `sandbox=True` (or "national") the offline national sandbox is started in a process
    of its own and every request goes through it, so the run touches no real portal;
    `sandbox="hand"` serves only the hand-made portals, in this process. Runs are incremental once a site has
    reports in the database (lists read until nothing new, known pages re-checked with
    conditional requests on the schedule of harvester/recheck.py); `recheck_all=True` asks
    again for every known page; `full=True` re-crawls everything. The columns discovery finds are
    kept in the database (the next run on it goes straight there); `record_columns=True` also
    writes them into the registry file (never on a sandbox run). With `workers` (a Redis URL)
    the sites are walked by `harvester worker` processes and this one stores what they send
    (harvester/fleet.py).
    """
    from harvester.dbcheck import check_writable
    from harvester.settingscheck import check_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "harvester.settings")
    # everything a run needs is checked before anything is recorded
    settings = check_settings(settings or {})
    recheck.parse_schedule(settings.get("HARVESTER_RECHECK") or recheck.DEFAULT)
    db = check_writable(db)
    chosen = registry.select(registry.load(registry_path), province=province, site_ids=sites)
    skipped = [s.id for s in chosen if not s.crawlable]  # no homepage known: nothing to start from
    chosen = [s for s in chosen if s.crawlable]
    with contextlib.ExitStack() as stack:
        if sandbox:
            from harvester.sandbox import Sandbox, SandboxProcess

            if sandbox == "hand":  # the hand-made portals only, in this process
                sb = stack.enter_context(Sandbox())
                served = set(sb.hosts)
                skipped += [s.id for s in chosen if site_host(s) not in served]
                chosen = [s for s in chosen if site_host(s) in served]
            else:  # every registry portal: the national sandbox, in a process of its own
                sb = stack.enter_context(SandboxProcess(national=True))
            proxy = sb.proxy_url
        if not chosen:
            raise registry.RegistryError("no registry site matches that selection"
                                         + (" among the sandbox's portals" if sandbox else ""))
        with RunLock(db):
            summary = _crawl(db, chosen, province=province, sites=sites, years=years, sandbox=sandbox,
                             proxy=proxy, registry_path=registry_path, log_level=log_level, settings=settings,
                             full=full, recheck_all=recheck_all, workers=workers)
            if record_columns and not sandbox:  # columns the sandbox made up never reach a registry
                record_discoveries(db, chosen, registry_path)
    summary.skipped = skipped
    return summary


def site_host(site) -> str:
    return urlsplit(site.columns[0] if site.columns else site.homepage).hostname or ""


def _crawl(db: Path, chosen, *, province, sites, years, sandbox, proxy, registry_path, log_level, settings, full,
           recheck_all=False, workers=None):
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from spiders.harvest import HarvestSpider

    args = {"province": province, "sites": sites, "years": years, "sandbox": sandbox, "full": full,
            "recheck_all": recheck_all}
    store = Store(db)
    # a column an earlier run discovered is walked straight away (a sandbox run never writes
    # it into the registry, and a real run's registry may be older than the database)
    found = store.discovered_columns()
    chosen = [dataclasses.replace(s, columns=found[s.id][0],
                                  family=found[s.id][1] if found[s.id][1] not in (None, "generic") else "")
              if not s.columns and s.id in found else s for s in chosen]
    store.upsert_sites(chosen)
    store.close_stale_runs()
    # A run killed before it ended is continued by the next run with the same arguments: the
    # sites it finished are not walked again; the ones it left are walked in full.
    before = store.interrupted_run(args)
    already_done = before[1] if before else set()
    todo = [s for s in chosen if s.id not in already_done]
    resumed = store.unfinished_sites([s.id for s in todo])
    run_id = store.start_run(dict(args, continues=before[0] if before else None), [s.id for s in todo])
    store.close()

    proxy = proxy or os.environ.get("https_proxy") or os.environ.get("http_proxy") or ""
    project = get_project_settings()
    if proxy:  # the browser goes through the same proxy as the downloader
        launch = dict(project.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), proxy={"server": proxy})
        project.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="cmdline")
    project.setdict({"HARVESTER_DB": str(db), "HARVESTER_REGISTRY": str(registry_path), "HARVESTER_RUN_ID": run_id},
                    priority="cmdline")
    # what a fleet's workers are told too (harvester/fleet.py)
    run_settings = {"HARVESTER_PROXY": proxy, "HARVESTER_YEARS": [int(y) for y in years or []], "LOG_LEVEL": log_level,
                    **(SANDBOX_SETTINGS if sandbox else {}), **(settings or {})}
    project.setdict(run_settings, priority="cmdline")
    if project.getint("HARVESTER_PARSE_WORKERS") < 0:  # the default: by the run's size (a fleet's workers parse)
        big = (not workers and len(todo) >= project.getint("HARVESTER_PARSE_WORKER_SITES")
               and (os.cpu_count() or 1) >= 2)
        project.set("HARVESTER_PARSE_WORKERS", 1 if big else 0, priority="cmdline")
    if full or recheck_all:  # every portal's robots.txt asked for again too
        project.set("HARVESTER_ROBOTS_MAX_AGE", 0, priority="cmdline")
    reader = Store(db)  # pages stored before, read per site as it starts
    schedule = recheck.parse_schedule(project.get("HARVESTER_RECHECK"))

    def known(site_id: str) -> dict:
        """The site's stored pages, each marked due or not for a check on this run."""
        if full:
            return {}
        pages = reader.known_pages(site_id)
        for page in pages.values():  # only listed pages are asked for; twins follow their page
            page["due"] = page["kind"] == "page" and (
                recheck_all or recheck.due(page["published"], page["last_checked"], schedule))
        return pages

    def lists(site_id: str) -> dict:
        """The site's sub-columns walked before, each marked due or not for a walk on this run."""
        if full or recheck_all:
            return {}
        walks, pages = reader.known_lists(site_id), known(site_id)
        for url, walk in walks.items():
            walk["due"] = recheck.list_due(url, walks, pages, schedule)
        return walks

    progress.start(len(todo))
    if workers:  # the sites go to `harvester worker` processes through Redis; this one stores
        from harvester import fleet

        stats = fleet.serve(workers, run_id, todo, known=known, lists=lists, resume=set(resumed), settings=project,
                            run_settings=run_settings)
    else:
        process = CrawlerProcess(project)
        crawler = process.create_crawler(HarvestSpider)
        process.crawl(crawler, sites=todo, known=known, lists=lists, resume=set(resumed))
        process.start()
        stats = crawler.stats.get_stats()
    reader.close()
    store = Store(db)
    # sites the engine never finished (a stop signal, an engine error) stay to be resumed
    store.db.execute("update crawl_sites set status = 'interrupted' where run_id = ? and status = 'running'",
                     [run_id])
    store.db.conn.commit()
    store.close()
    summary = finish(db, run_id, chosen, stats)
    summary.resumed = resumed
    summary.continued = sorted(already_done)
    from harvester import indicators
    from harvester.browse import prepare

    try:  # derived facts, rebuilt from what the run stored (never by serve, which only reads)
        indicators.compute(db)
    except Exception as e:  # the harvest is stored; a failure here must not lose the run's end
        sys.stderr.write(f"warning: indicators not computed ({type(e).__name__}: {e}); "
                         f"run `harvester indicators --db {db}`\n")
    prepare(db)  # views, labels and full-text index for Datasette
    return summary


def record_discoveries(db: Path, chosen, registry_path):
    """Write the columns (and CMS families) that discovery found into the registry file, in one
    write, so the next run goes straight there."""
    store = Store(db)
    wanted = {s.id for s in chosen if not s.columns}
    found = {}
    for row in store.db.query("select id, columns, family from sites where columns != '[]'"):
        if row["id"] in wanted:
            found[row["id"]] = (json.loads(row["columns"]), row["family"] or None)
    store.close()
    registry.set_columns_many(found, registry_path, source="found by discovery from the homepage")


def finish(db: Path, run_id: int, chosen, stats: dict) -> RunSummary:
    """Close the run record from the crawler's stats and read the summary back from SQLite."""
    store = Store(db)
    total = {k: v for k, v in stats.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    outcomes = {k: int(total.get(f"harvester/reports_{k}", 0)) for k in ("new", "changed", "unchanged")}
    errors_by_kind = {k.split("/", 2)[2]: int(v) for k, v in total.items() if k.startswith("harvester/errors/")}
    requests = int(total.get("downloader/request_count", 0))
    site_rows = list(store.db.query("select * from crawl_sites where run_id = ?", [run_id]))
    unfinished = [r for r in site_rows if r["status"] != "finished"]
    status = "finished" if stats.get("finish_reason") == "finished" and not unfinished else "incomplete"
    store.finish_run(
        run_id, status=status, requests=requests, new_reports=outcomes["new"],
        changed_reports=outcomes["changed"], unchanged_reports=outcomes["unchanged"],
        errors=int(total.get("harvester/fetch_errors", 0)), errors_by_kind=errors_by_kind, stats=total,
    )
    started = store.db["crawl_runs"].get(run_id)["started"]
    ids = [s.id for s in chosen]
    summary = RunSummary(run_id=run_id, db=db.resolve(), sites=ids, outcomes=outcomes, requests=requests,
                         status=status, lists_not_due=int(total.get("harvester/lists_not_due", 0)))
    known_columns = {s.id for s in chosen if s.columns}
    summary.portals = {
        "walked": len(site_rows),
        "answered": sum(1 for r in site_rows if r["answered"]),
        "column": sum(1 for r in site_rows if r["column_found"] or r["site_id"] in known_columns),
        "reports": sum(1 for r in site_rows if r["reports"]),
    }
    summary.unfinished = [(r["site_id"], r["status"], r["reason"]) for r in unfinished]
    wanted = set(ids)
    for row in store.db.query(
        "select site_id, year, count(*) n from reports where last_seen >= ? group by site_id, year", [started],
    ):
        if row["site_id"] in wanted:
            summary.reports.setdefault(row["site_id"], {})[row["year"]] = row["n"]
    summary.errors = [r for r in store.db.query(
        "select site_id, url, reason from fetch_errors where run_id = ? order by site_id, url", [run_id])
        if r["site_id"] in wanted]
    summary.non_reports = sum(1 for r in store.db.query(
        "select site_id from non_reports where last_seen >= ?", [started]) if r["site_id"] in wanted)
    store.close()
    return summary
