"""Issue 13: the pages table keeps the bytes the portal served, gkmlpt's script shells included
(the parser, not the spider, reads their DETAIL)."""

from __future__ import annotations

import urllib.request

from e2e_helpers import harvested, rows
from harvester.sandbox import Sandbox


def served(sandbox: Sandbox, url: str) -> bytes:
    """The sandbox's answer for ``url``, fetched through its proxy like the crawler does."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": sandbox.proxy_url,
                                                                      "https": sandbox.proxy_url}))
    with opener.open(url, timeout=15) as r:
        return r.read()


def test_stored_gkmlpt_pages_are_the_served_bytes(harvest, truth):
    db, _ = harvest
    urls = [r["url"] for r in harvested(truth.reports) if "/gkmlpt/content/" in r["url"]]
    assert urls, "the sandbox has gkmlpt article pages"
    checked = 0
    with Sandbox(delay_scale=0) as sandbox:
        for url in urls:
            found = rows(db, "select p.body, p.content_type from report_sources s join pages p on p.hash = s.page_hash "
                             "where s.url = ?", [url])
            assert found, f"{url} not stored"
            body = found[0]["body"]
            assert b"_CONFIG" in body and b"DETAIL" in body, url  # the app page, not a substitute
            assert body == served(sandbox, url), url
            checked += 1
    assert checked == len(urls)
