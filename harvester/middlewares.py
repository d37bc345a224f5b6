"""Downloader middlewares of the harvester (wired in settings.DOWNLOADER_MIDDLEWARES)."""

from __future__ import annotations


class ProxyMiddleware:
    """Sends every request through HARVESTER_PROXY when it is set.

    Why not only the environment: a user's `--proxy URL` and the sandbox must reach both the
    Scrapy downloader and the browser of scrapy-playwright, and a setting reaches both.
    Scrapy's HttpProxyMiddleware (which runs next) does the actual proxying and CONNECT tunnels.
    """

    def __init__(self, proxy: str):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("HARVESTER_PROXY") or "")

    def process_request(self, request):
        if self.proxy and "proxy" not in request.meta:
            request.meta["proxy"] = self.proxy
        return None
