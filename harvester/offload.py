"""A report page's CPU work in a worker process, off the reactor thread.

Decoding and parsing a page, its body text and its MinHash are most of what a crawl's process
spends per page (bench/bench_pipeline.py). With HARVESTER_PARSE_WORKERS = 1 the parse stage
hands each page to one worker process (the second core) and awaits the plain values back,
while the reactor goes on downloading; the other stages run as before, on the same values.
One worker keeps pages in the order they came (the dedupe stage sees them as it would
without it). A worker that fails makes the stage parse in its own process again, never
loses a page.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

logger = logging.getLogger(__name__)

_MATCHER = None


def read_page(item) -> dict:
    """In the worker: what the parse stage and the dedupe stage's text work make of one page."""
    global _MATCHER
    from harvester.neardup import ReportMatcher
    from pipelines.dedupe import body_text
    from pipelines.parse import parse_item

    parse_item(item)
    if _MATCHER is None:
        _MATCHER = ReportMatcher()
    text = body_text(item)
    return {"html": item.html, "parsed": item.parsed, "text": text, "signature": _MATCHER.signature(text)}


def _exit_with(parent: int):
    """In the worker: end when the crawl's process is gone (a kill -9 leaves no orphan; the
    worker's own end of its task queue would keep it waiting for ever)."""

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class ParseWorker:
    """One worker process; `read(item, fallback)` awaits its answer and fills the item."""

    def __init__(self, stats=None):
        self.stats = stats  # counts harvester/parse_worker_pages
        # spawn: a fork of a process running a reactor and threads is not safe
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_exit_with, initargs=(os.getpid(),))

    async def read(self, item, fallback):
        if self.pool is not None:
            try:
                out = await asyncio.wrap_future(self.pool.submit(read_page, item))
            except Exception as e:  # a broken worker: this process parses from now on
                logger.warning("parse worker failed (%s: %s); parsing in the crawl's process", type(e).__name__, e)
                self.close()
            else:
                item.html, item.parsed, item.text, item.signature = out["html"], out["parsed"], out["text"], out["signature"]
                if self.stats is not None:
                    self.stats.inc_value("harvester/parse_worker_pages")
                return item
        return fallback(item)

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
