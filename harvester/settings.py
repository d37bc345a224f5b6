"""Scrapy settings for the harvester.

Every setting is documented where it is set. `harvester crawl` starts from these and overrides
only what its options say (database path, proxy, sandbox); `scrapy crawl <site>` uses them as is.
"""

BOT_NAME = "gov-report-harvester"

# Where spiders live: family base spiders and per-site spiders are found by `scrapy list`.
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders.sites"

# An honest User-Agent: portals' operators can see who we are and how to reach us.
USER_AGENT = (
    "gov-report-harvester/0.1 (+https://github.com/gov-report-harvester/harvester; "
    "research crawler for 政府信息公开工作年度报告; contact: harvester@users.noreply.github.com)"
)

# Politeness by default: robots.txt obeyed, few parallel requests per portal, a delay that
# AutoThrottle adapts to each portal's latency. Government portals are often small servers.
# CONCURRENT_REQUESTS is the global cap on requests in flight for the whole run (all portals):
# it bounds this machine's load, not a portal's (each portal gets CONCURRENT_REQUESTS_PER_DOMAIN
# at most); a national run walks thousands of portals, so it is set above Scrapy's 16.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 64
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Slow and failing portals: give up on a page after 30 s, retry 5xx and timeouts twice
# (Scrapy's RetryMiddleware backs off through the scheduler); what still fails is recorded.
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Let error answers reach the spider's errback so they are recorded, not silently dropped.
HTTPERROR_ALLOW_ALL = False

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's robots.txt middleware, with each portal's robots.txt kept in the harvest's
    # database for HARVESTER_ROBOTS_MAX_AGE days (the rules are obeyed all the same).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "harvester.middlewares.CachedRobotsTxtMiddleware": 100,
    # Hands a page behind a JavaScript challenge (瑞数 412, 加速乐 521, JS shells) to the
    # browser once; everything else stays on the plain downloader.
    "harvester.middlewares.ChallengeMiddleware": 560,
    # Routes every request (and the browser) through HARVESTER_PROXY when one is set;
    # runs just before Scrapy's HttpProxyMiddleware (750), which does the proxying.
    "harvester.middlewares.ProxyMiddleware": 740,
}

# The browser path: scrapy-playwright handles only requests with meta["playwright"] = True
# (challenges, script-only lists); the browser starts on the first such request, never before.
# harvester.browser's handler starts the Playwright driver and Chromium only on the first such
# request: a run whose pages need no browser starts none.
DOWNLOAD_HANDLERS = {
    "http": "harvester.browser.LazyPlaywrightHandler",
    "https": "harvester.browser.LazyPlaywrightHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# Debian's Chromium: Playwright's own browser download is not used. The flags keep a headless
# Chromium from calling home on a closed network; certificate errors are ignored because the
# sandbox (and many proxies) present their own certificates. One renderer process for every
# page (site isolation off, the GPU process folded into the browser's): the browser only passes
# walls and runs list scripts, and each renderer process costs ~150 MB RSS (six walled portals:
# the crawl's process tree 4,130 → 2,658 MiB RSS summed, every report found); the network
# service runs in the browser process too (one process and ~100 MB RSS fewer).
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "args": [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--ignore-certificate-errors", "--no-pings", "--disable-domain-reliability",
        "--disable-client-side-phishing-detection", "--disable-default-apps", "--no-service-autorun",
        "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,"
        "CertificateTransparencyComponentUpdater,SafeBrowsing,InterestFeedContentSuggestions,HttpsUpgrades,"
        "HttpsFirstBalancedModeAutoEnable,HttpsFirstModeV2ForEngagedSites,IsolateOrigins,site-per-process",
        "--in-process-gpu", "--renderer-process-limit=1", "--disable-site-isolation-trials",
        "--enable-features=NetworkServiceInProcess2",
    ],
}
# Pages in the browser fetch only what a wall or a list script needs, from their own portal
# (harvester.browser.abort_request): no pictures or styles, nothing from other hosts.
PLAYWRIGHT_ABORT_REQUEST = "harvester.browser.abort_request"
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
# Browser contexts (one per walled portal host, each two renderer processes: ~260 MB RSS, ~60 MB
# PSS) open at once; a page for another portal waits for one to go idle and closes it
# (harvester/browser.py). This, not the number of walled portals, bounds the browser's memory.
# A context lives only until its wall is passed and the cookies are handed to the plain
# downloader (a page or two), so two are seldom both busy.
HARVESTER_BROWSER_CONTEXTS = 2

# One stage per module, in the order a page flows: parse, classify, identify, dedupe, store.
ITEM_PIPELINES = {
    "pipelines.parse.ParsePipeline": 100,
    "pipelines.files.AttachmentPipeline": 150,
    "pipelines.classify.ClassifyPipeline": 200,
    "pipelines.identify.IdentifyPipeline": 250,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.store.StorePipeline": 400,
}

# No JOBDIR: a run's queue lives in memory, bounded by HARVESTER_ACTIVE_SITES. What a killed
# run leaves is told by crawl_sites (a site is finished only when its last request is done),
# and the next run walks those sites again: nothing a kill left half-written is ever read.

# Items of one response through the pipelines at once. The pipelines are synchronous, so more
# buys nothing, while Scrapy starts this many asyncio tasks for every callback's output (its
# default, 100, cost ~1 ms of the reactor thread per response).
CONCURRENT_ITEMS = 8

# A short progress line while a run goes on (sites done, reports, errors).
EXTENSIONS = {"harvester.progress.Progress": 500}

# A run walks many portals at once (spiders/harvest.py): the scheduler hands the downloader
# requests of the portals with the fewest downloads in progress, so one busy portal's queue
# never holds the global cap while others wait (Scrapy's advice for broad crawls).
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"

# Scrapy 2.19 defaults, stated so that a reader need not look them up.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# --- the harvester's own settings -----------------------------------------------------------
# The SQLite database every run writes to (`harvester crawl --db PATH` overrides it).
HARVESTER_DB = "data/reports.db"
# The site registry spiders read their portals from.
HARVESTER_REGISTRY = "data/sites.csv"
# A proxy for every request, e.g. "http://127.0.0.1:8899" (the sandbox) or a user's own;
# empty: Scrapy's HttpProxyMiddleware still honours http_proxy / https_proxy from the environment.
HARVESTER_PROXY = ""
# Only reports for these years (empty: all); set by `harvester crawl --year`.
HARVESTER_YEARS = []
# A safety net against pagers that never end: list pages read per site at the most (pages that
# only repeat entries already seen end a list earlier; see spiders/base.py).
HARVESTER_MAX_LIST_PAGES = 2000
# How many portals a run walks at the same time; further portals start as these finish. It
# bounds memory (each open portal holds its queue and walk state) and keeps enough portals
# open that per-portal delays never leave the global cap idle: a portal's walk is a chain
# (robots.txt, homepage, column, list pages, then reports), so most open portals wait on their
# delay with nothing in flight; four times CONCURRENT_REQUESTS keeps the cap busy (300
# national-sandbox portals: 241.6 s at 128, 204.7 s at 256).
HARVESTER_ACTIVE_SITES = 256
# When a stored report page is asked for again, by its age (harvester/recheck.py): pairs of
# AGE_DAYS:INTERVAL_DAYS. Young reports every run, a year-old one weekly, older ones every 90
# days; `harvester crawl --recheck-all` asks for every known page. Sub-columns (a year's list,
# a body's list) are walked again on the same schedule by the newest report they showed, at
# once when a report they hold is due, and a body's list on every run from January to March
# until it shows that year's report (recheck.list_due); --recheck-all walks every list.
HARVESTER_RECHECK = "90:0,365:7,*:90"
# How long a portal's robots.txt is obeyed as last fetched before it is asked for again (days;
# 0: every run). `harvester crawl --recheck-all` and `--full` ask again.
HARVESTER_ROBOTS_MAX_AGE = 1.0
# Which spider class walks a registry row (site -> class): the site's own spider, else its CMS
# family's, else the generic one (spiders/generic.py). A project with spiders elsewhere points
# this at its own function.
HARVESTER_WALKER_FOR = "spiders.generic.spider_for"
# Reports published as files (pipelines/files.py): how many are read at once, in threads off
# the reactor (a LibreOffice conversion or an OCR run takes seconds and a core), and the
# download cap of an attachment (bytes).
HARVESTER_FILE_READERS = 2
HARVESTER_FILE_MAXSIZE = 64 * 1024 * 1024
# Worker processes that decode and parse report pages (and make their text and MinHash) off
# the reactor thread (harvester/offload.py): 0 parses in the crawl's own process; 1 uses the
# second core. Needs the asyncio reactor (set above). -1 (the default): `harvester crawl`
# chooses, 1 for a run of HARVESTER_PARSE_WORKER_SITES portals or more on a machine of two
# cores or more, else 0: a worker costs a second interpreter (~120 MiB, a second to start),
# which a province's crawl repays and a one-portal crawl does not.
HARVESTER_PARSE_WORKERS = -1
HARVESTER_PARSE_WORKER_SITES = 50
# The crawl_runs row this process writes into (set by `harvester crawl`; absent: a new run).
HARVESTER_RUN_ID = None
# A crawl shared by workers through Redis (harvester/fleet.py): seconds a worker's lease on a
# site (and on a host) lives unless renewed; a dead worker's sites return to the queue after it.
HARVESTER_FLEET_LEASE = 30.0
