"""`harvester crawl --set NAME=VALUE`: a bad value or name is refused before the run starts.

Issue 12: `--set DOWNLOAD_TIMEOUT=abc` gave two tracebacks and exit 0, and recorded a
"finished" run with 0 requests and its site left "running".
"""

from __future__ import annotations

import sqlite3

import pytest

from harvester.settingscheck import SettingError, check_settings
from hostile_helpers import SITE, assert_refused, run_cli, snapshot

BAD = {
    "DOWNLOAD_TIMEOUT=abc": "DOWNLOAD_TIMEOUT must be a number above 0, not 'abc'",
    "DOWNLOAD_TIMEOUT=0": "DOWNLOAD_TIMEOUT must be a number above 0",
    "CONCURRENT_REQUESTS=-4": "CONCURRENT_REQUESTS must be a whole number above 0, not '-4'",
    "CONCURRENT_REQUESTS_PER_DOMAIN=0": "CONCURRENT_REQUESTS_PER_DOMAIN must be a whole number above 0",
    "CONCURRENT_REQUESTS=2.5": "CONCURRENT_REQUESTS must be a whole number",
    "DOWNLOAD_DELAY=-1": "DOWNLOAD_DELAY must be a number of 0 or more",
    "RETRY_TIMES=nan": "RETRY_TIMES must be a whole number of 0 or more",
    "ROBOTSTXT_OBEY=maybe": "ROBOTSTXT_OBEY must be true or false",
    "RETRY_HTTP_CODES=500,x": "RETRY_HTTP_CODES must be whole numbers",
    "ITEM_PIPELINES=[1]": "ITEM_PIPELINES must be a JSON object",
    "LOG_LEVEL=LOUD": "LOG_LEVEL must be one of",
    "DOWNLOAD_TIMEOTU=5": "unknown setting DOWNLOAD_TIMEOTU (did you mean DOWNLOAD_TIMEOUT?)",
    "HARVESTER_DB=/tmp/elsewhere.db": "HARVESTER_DB is set by the run itself: use --db instead",
    "JOBDIR=/tmp/jobs": "JOBDIR is set by the run itself",
}


@pytest.mark.parametrize("pair", list(BAD))
def test_bad_setting_refused_before_anything_is_recorded(pair, harvest_copy):
    """On an existing harvest: no run is recorded, the file is byte-for-byte the same."""
    folder = harvest_copy.parent
    before = snapshot(folder)
    done = run_cli("crawl", "--sandbox", "--site", SITE, "--db", harvest_copy, "--set", "DOWNLOAD_DELAY=0",
                   "--set", pair)
    assert_refused(done, "--set: " + BAD[pair])
    assert snapshot(folder) == before


def test_bad_setting_creates_no_database(tmp_path):
    db = tmp_path / "new.db"
    assert_refused(run_cli("crawl", "--sandbox", "--site", SITE, "--db", db, "--set", "DOWNLOAD_TIMEOUT=abc"),
                   "DOWNLOAD_TIMEOUT")
    assert list(tmp_path.iterdir()) == []


def test_a_good_setting_reaches_the_run(sandbox_harvest):
    """The session harvest was crawled with --set RETRY_HTTP_CODES=500,502,503: the run is
    recorded as finished, so the typed value went through Scrapy without an error."""
    con = sqlite3.connect(f"file:{sandbox_harvest}?mode=ro", uri=True)
    try:
        status = con.execute("select status from crawl_runs order by id desc limit 1").fetchone()[0]
    finally:
        con.close()
    assert status == "finished"


def test_values_are_typed_as_scrapy_defaults():
    got = check_settings({
        "DOWNLOAD_TIMEOUT": "2.5", "CONCURRENT_REQUESTS": "8", "ROBOTSTXT_OBEY": "False",
        "TELNETCONSOLE_ENABLED": "no", "RETRY_HTTP_CODES": "500, 502", "DEPTH_PRIORITY": "-1",
        "PLAYWRIGHT_LAUNCH_OPTIONS": '{"headless": false}', "LOG_LEVEL": "debug", "USER_AGENT": "me",
    })
    assert got == {
        "DOWNLOAD_TIMEOUT": 2.5, "CONCURRENT_REQUESTS": 8, "ROBOTSTXT_OBEY": False,
        "TELNETCONSOLE_ENABLED": False, "RETRY_HTTP_CODES": [500, 502], "DEPTH_PRIORITY": -1,
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"headless": False}, "LOG_LEVEL": "DEBUG", "USER_AGENT": "me",
    }
    assert type(got["CONCURRENT_REQUESTS"]) is int


def test_typed_values_from_python_are_checked_too():
    assert check_settings({"DOWNLOAD_DELAY": 2}) == {"DOWNLOAD_DELAY": 2}
    for bad in ({"CONCURRENT_REQUESTS": True}, {"DOWNLOAD_TIMEOUT": float("inf")}, {"CONCURRENT_ITEMS": -3}):
        with pytest.raises(SettingError):
            check_settings(bad)
