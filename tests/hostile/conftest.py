"""Fixtures of the hostile-input tests: one real sandbox harvest, copied where a test needs it."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile_helpers import SITE, run_cli  # noqa: E402


@pytest.fixture(scope="session")
def sandbox_harvest(tmp_path_factory) -> Path:
    """A harvest made by `harvester crawl --sandbox` of one portal (prepared for browsing, as
    every crawl leaves it). A valid --set value goes through the settings check too."""
    db = tmp_path_factory.mktemp("harvest") / "harvest.db"
    done = run_cli("crawl", "--sandbox", "--site", SITE, "--db", db, "--set", "RETRY_HTTP_CODES=500,502,503")
    assert done.returncode == 0, f"sandbox crawl failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert con.execute("select count(*) from reports").fetchone()[0] > 0, "the sandbox crawl found no report"
    finally:
        con.close()
    return db


@pytest.fixture
def harvest_copy(sandbox_harvest, tmp_path) -> Path:
    """A private copy of the sandbox harvest, alone in its own folder."""
    folder = tmp_path / "copy"
    folder.mkdir()
    db = folder / "reports.db"
    shutil.copyfile(sandbox_harvest, db)
    return db
