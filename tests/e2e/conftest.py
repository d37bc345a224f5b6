"""End-to-end fixtures: one real crawl of the sandbox web into a real SQLite file per session."""

import pytest

from e2e_helpers import run_harvester
from harvester.sandbox.truth import load as load_truth


@pytest.fixture(scope="session")
def truth():
    return load_truth()


@pytest.fixture(scope="session")
def harvest(tmp_path_factory):
    """(db path, stdout of the run) of one full sandbox crawl."""
    db = tmp_path_factory.mktemp("harvest") / "reports.db"
    done = run_harvester("crawl", "--sandbox", "hand", "--db", str(db))
    return db, done.stdout
