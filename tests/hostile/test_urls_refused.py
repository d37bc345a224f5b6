"""Addresses the crawler cannot fetch are refused at once, before any lookup or write.

Issue 12: `add-site ftp://…` tried to resolve the host instead of refusing the scheme; a port
that is not a number ended in a traceback.
"""

from __future__ import annotations

import shutil

import pytest

from hostile_helpers import ROOT, SITE, assert_refused, read_only, run_cli, snapshot

BAD_URLS = {
    "ftp://ftp.example.gov.cn/zfxxgk/nb/": "uses ftp://, which is not supported",
    "file:///etc/passwd": "uses file://, which is not supported",
    "javascript:alert(1)": "has no http:// or https://",
    "www.example.gov.cn/zfxxgk/nb/": "has no http:// or https://",
    "localhost:8080/nb/": "has no http:// or https://",
    "http://": "is not a valid address",
    "http:///zfxxgk/": "is not a valid address",
    "http://www.example.gov.cn:abc/": "is not a valid address",
    "http://www.example.gov.cn:99999/": "is not a valid address",
    "http://www.exa mple.gov.cn/": "is not a valid address",
}


@pytest.fixture
def registry_copy(tmp_path):
    path = tmp_path / "sites.csv"
    shutil.copyfile(ROOT / "data" / "sites.csv", path)
    return path


@pytest.mark.parametrize("url", list(BAD_URLS))
def test_add_site_refuses_the_address_and_leaves_the_registry(url, registry_copy):
    """The message names the address, not a fetch error: it was refused before any lookup."""
    before = snapshot(registry_copy.parent)
    line = assert_refused(run_cli("add-site", url, "--registry", registry_copy, "--province", "湖北"),
                          BAD_URLS[url])
    assert "cannot fetch" not in line
    assert snapshot(registry_copy.parent) == before


@pytest.mark.parametrize("proxy", ["socks5://127.0.0.1:1080", "127.0.0.1:8899", "http://127.0.0.1:port"])
def test_crawl_refuses_a_proxy_it_cannot_use(proxy, tmp_path):
    assert_refused(run_cli("crawl", "--sandbox", "--site", SITE, "--db", tmp_path / "r.db", "--proxy", proxy),
                   "--proxy")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["ftp://example.gov.cn/nb.html", "http://example.gov.cn:abc/"])
def test_parse_refuses_an_address_it_cannot_fetch(url):
    assert_refused(run_cli("parse", url), "URL", url)


def test_add_site_refuses_a_read_only_registry_before_fetching(registry_copy):
    """The address is a closed loopback port: a fetch would say `cannot fetch`, not read-only."""
    before = snapshot(registry_copy.parent)
    with read_only(registry_copy):
        line = assert_refused(run_cli("add-site", "http://127.0.0.1:9/zfxxgk/nb/", "--registry", registry_copy),
                              f"{registry_copy} is read-only")
    assert "cannot fetch" not in line
    assert snapshot(registry_copy.parent) == before
