"""`harvester add-site` reads the column through a Scrapy crawl (spiders/column.py) that walks
the crawl's own discovery; its failures are one line each, and the registry is left as it was."""

from __future__ import annotations

import shutil

from e2e_helpers import run_harvester
from harvester import registry
from harvester.crawl import DEFAULT_REGISTRY
from harvester.sandbox import Sandbox


def add_site(sb, registry_path, *args):
    env = {"http_proxy": sb.proxy_url, "https_proxy": sb.proxy_url}
    return run_harvester("add-site", *args, "--registry", str(registry_path), env=env, check=False)


def test_add_site_from_a_homepage_takes_the_column_a_crawl_finds(tmp_path):
    """北部湾办's portal, added from its homepage as a new department row: the column recorded is
    the one the crawl's discovery finds from there, and no other host was asked."""
    registry_path = tmp_path / "sites.csv"
    lines = DEFAULT_REGISTRY.read_text(encoding="utf-8").splitlines(keepends=True)
    registry_path.write_text("".join(x for x in lines if not x.startswith("gx-bbwb,")), encoding="utf-8")
    with Sandbox() as sb:
        site = sb.truth.site("gx-bbwb")
        done = add_site(sb, registry_path, site["homepage"], "--homepage",
                        "--agency", "广西壮族自治区北部湾经济区规划建设管理办公室")
        hosts = {r["host"] for r in sb.request_log.snapshot()}
    assert done.returncode == 0, done.stderr
    added = registry.get("bbwb-gxzf", registry_path)
    assert added.columns == site["columns"] and added.family == "trs"
    assert hosts == {"bbwb.gxzf.gov.cn"}


def test_add_site_failures_are_one_line_and_leave_the_registry(tmp_path):
    registry_path = tmp_path / "sites.csv"
    shutil.copy(DEFAULT_REGISTRY, registry_path)
    before = registry_path.read_bytes()
    with Sandbox() as sb:
        home = sb.truth.site("gx-liuzhou-liunan")["homepage"].rstrip("/")
        missing = add_site(sb, registry_path, home + "/no-such-column/", "--province", "广西")
        nothing = add_site(sb, registry_path, home + "/no-such-page.html", "--homepage")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert f"cannot fetch {home}/no-such-column/: HTTP 404" in missing.stderr
    assert nothing.returncode == 1 and "Traceback" not in nothing.stderr
    assert "no 政府信息公开 → 年报 column found from" in nothing.stderr
    assert registry_path.read_bytes() == before
