"""`crawl()`: run the spiders of the chosen registry sites into one SQLite database.

The CLI's `harvester crawl` is a thin face over this function. One call is one run: it is
recorded in `crawl_runs` with its arguments, counts and errors, and returns a summary.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from harvester import progress, registry
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
    resumed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # registry sites the sandbox does not serve

    def lines(self) -> list[str]:
        out = [f"run {self.run_id}: {len(self.sites)} site(s), {self.requests} request(s)"]
        if self.skipped:
            out.append(f"not in the sandbox, skipped: {len(self.skipped)} registry site(s)")
        if self.resumed:
            out.append(f"resumed after an interrupted run: {', '.join(self.resumed)}")
        for site in self.sites:
            years = self.reports.get(site, {})
            total = sum(years.values())
            detail = ", ".join(f"{y or '?'}: {n}" for y, n in sorted(years.items(), key=lambda kv: kv[0] or 0))
            out.append(f"  {site}: {total} report(s)" + (f" ({detail})" if detail else ""))
        out.append("reports: " + ", ".join(f"{k} {v}" for k, v in self.outcomes.items()))
        out.append(f"pages that were not reports: {self.non_reports}")
        out.append(f"errors: {len(self.errors)}")
        for e in self.errors[:20]:
            out.append(f"  {e['site_id']}: {e['url']}: {e['reason']}")
        if len(self.errors) > 20:
            out.append(f"  ... and {len(self.errors) - 20} more (table fetch_errors)")
        out.append(f"database: {self.db}")
        return out


def crawl(
    db: str | Path = DEFAULT_DB,
    *,
    province: str | None = None,
    sites: list[str] | None = None,
    years: list[int] | None = None,
    sandbox: bool = False,
    proxy: str | None = None,
    registry_path: str | Path = DEFAULT_REGISTRY,
    log_level: str = "WARNING",
    settings: dict | None = None,
    full: bool = False,
) -> RunSummary:
    """Crawl the registry sites matching `province` / `sites` into `db`; returns the summary.

    With `sandbox=True` the offline sandbox web is started in this process and every request
    goes through it, so the run touches no real portal. Runs are incremental once a site has
    reports in the database (lists read until nothing new, known pages re-checked with
    conditional requests); `full=True` re-crawls everything.
    """
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "harvester.settings")
    chosen = registry.select(registry.load(registry_path), province=province, site_ids=sites)
    db = Path(db)
    with contextlib.ExitStack() as stack:
        skipped: list[str] = []
        if sandbox:
            from harvester.sandbox import Sandbox

            sb = stack.enter_context(Sandbox())
            proxy = sb.proxy_url
            served = set(sb.hosts)
            skipped = [s.id for s in chosen if site_host(s) not in served]
            chosen = [s for s in chosen if site_host(s) in served]
        if not chosen:
            raise registry.RegistryError("no registry site matches that selection"
                                         + (" among the sandbox's portals" if sandbox else ""))
        with RunLock(db):
            summary = _crawl(db, chosen, province=province, sites=sites, years=years, sandbox=sandbox,
                             proxy=proxy, registry_path=registry_path, log_level=log_level, settings=settings,
                             full=full)
    summary.skipped = skipped
    return summary


def site_host(site) -> str:
    return urlsplit(site.columns[0] if site.columns else site.homepage).hostname or ""


def _crawl(db: Path, chosen, *, province, sites, years, sandbox, proxy, registry_path, log_level, settings, full):
    from scrapy.crawler import Crawler, CrawlerProcess
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    from spiders.generic import spider_for

    store = Store(db)
    store.upsert_sites(chosen)
    store.close_stale_runs()
    ids = [s.id for s in chosen]
    resumed = store.unfinished_sites(ids)
    args = {"province": province, "sites": sites, "years": years, "sandbox": sandbox, "proxy": proxy, "full": full}
    run_id = store.start_run(args, ids)
    known = {} if full else store.known_pages(ids)
    store.close()

    proxy = proxy or os.environ.get("https_proxy") or os.environ.get("http_proxy") or ""
    project = get_project_settings()
    if proxy:  # the browser goes through the same proxy as the downloader
        launch = dict(project.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), proxy={"server": proxy})
        project.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="cmdline")
    project.setdict({
        "HARVESTER_DB": str(db), "HARVESTER_REGISTRY": str(registry_path), "HARVESTER_RUN_ID": run_id,
        "HARVESTER_PROXY": proxy, "HARVESTER_YEARS": [int(y) for y in years or []],
        "LOG_LEVEL": log_level,
    }, priority="cmdline")
    if sandbox:
        project.setdict(SANDBOX_SETTINGS, priority="cmdline")
    if settings:
        project.setdict(settings, priority="cmdline")
    process = CrawlerProcess(project, install_root_handler=True)
    loader = SpiderLoader.from_settings(project)
    jobs = job_root(db)
    for n, site in enumerate(chosen):
        # A site whose last run was killed resumes from its JOBDIR and walks every list page.
        per_site = project.copy()
        per_site.set("JOBDIR", str(jobs / site.id), priority="cmdline")
        crawler = Crawler(spider_for(site, loader), per_site, init_reactor=n == 0)
        process.crawl(crawler, site=site.id, known=known.get(site.id), stop_early=site.id not in resumed)
    crawlers = list(process.crawlers)
    progress.start(len(chosen))
    process.start()

    store = Store(db)
    for crawler in crawlers:
        site_id = crawler.spider.site.id
        stats = crawler.stats.get_stats()
        reason = stats.get("finish_reason") or "killed"
        store.finish_site(run_id, site_id, reason, requests=stats.get("downloader/request_count", 0),
                          browser_pages=stats.get("playwright/page_count", 0),
                          reports=sum(stats.get(f"harvester/reports_{k}", 0) for k in ("new", "changed", "unchanged")),
                          errors=stats.get("harvester/fetch_errors", 0))
        if reason == "finished":  # a finished site needs no resuming
            shutil.rmtree(jobs / site_id, ignore_errors=True)
    store.close()
    for folder in (jobs, jobs.parent):  # only when no site is left to resume
        with contextlib.suppress(OSError):
            folder.rmdir()
    summary = finish(db, run_id, chosen, [c.stats.get_stats() for c in crawlers])
    summary.resumed = resumed
    from harvester.browse import prepare

    prepare(db)  # views, labels and full-text index for Datasette
    record_discoveries(db, chosen, registry_path)
    return summary


def job_root(db: Path) -> Path:
    """Scrapy JOBDIRs of a database's runs: one per site, removed when the site finishes.

    Whether a site resumes is read from `crawl_sites` (its last run did not finish), not from
    the folder. Why the resumed run also re-walks every list page: requests in flight when a
    run is killed are neither in the saved queue nor done; walking the lists again (known
    pages answer 304) finds them, so a resumed run ends with the same database as an
    unbroken one.
    """
    return db.parent / "jobs" / db.stem


def record_discoveries(db: Path, chosen, registry_path):
    """Write the columns that discovery found into the registry file, so the next run goes straight there."""
    store = Store(db)
    for site in chosen:
        if site.columns:
            continue
        columns = json.loads(store.db["sites"].get(site.id)["columns"] or "[]")
        if columns:
            registry.set_columns(site.id, columns, registry_path, source="found by discovery from the homepage")
    store.close()


def finish(db: Path, run_id: int, chosen, all_stats: list[dict]) -> RunSummary:
    """Close the run record from the crawlers' stats and read the summary back from SQLite."""
    store = Store(db)
    total: dict[str, int] = {}
    for stats in all_stats:
        for key, value in stats.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total[key] = total.get(key, 0) + value
    outcomes = {k: int(total.get(f"harvester/reports_{k}", 0)) for k in ("new", "changed", "unchanged")}
    errors_by_kind = {k.split("/", 2)[2]: int(v) for k, v in total.items() if k.startswith("harvester/errors/")}
    requests = int(total.get("downloader/request_count", 0))
    store.finish_run(
        run_id, status="finished", requests=requests, new_reports=outcomes["new"],
        changed_reports=outcomes["changed"], unchanged_reports=outcomes["unchanged"],
        errors=int(total.get("harvester/fetch_errors", 0)), errors_by_kind=errors_by_kind, stats=total,
    )
    started = store.db["crawl_runs"].get(run_id)["started"]
    ids = [s.id for s in chosen]
    marks = ",".join("?" * len(ids))
    summary = RunSummary(run_id=run_id, db=db.resolve(), sites=ids, outcomes=outcomes, requests=requests)
    for row in store.db.query(
        f"select site_id, year, count(*) n from reports where site_id in ({marks}) and last_seen >= ? "
        "group by site_id, year", ids + [started],
    ):
        summary.reports.setdefault(row["site_id"], {})[row["year"]] = row["n"]
    summary.errors = list(store.db.query(
        f"select site_id, url, reason from fetch_errors where run_id = ? and site_id in ({marks}) order by site_id, url",
        [run_id] + ids,
    ))
    summary.non_reports = store.db.execute(
        f"select count(*) from non_reports where site_id in ({marks}) and last_seen >= ?", ids + [started]
    ).fetchone()[0]
    store.close()
    return summary
