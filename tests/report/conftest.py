"""Fixtures of the parser tests."""

import json

import pytest

from report_helpers import SHARED


@pytest.fixture(scope="session")
def golden():
    path = SHARED / "golden" / "seeds.json"
    if not path.exists():
        pytest.skip(f"golden seeds not found at {path} (shared/ must sit beside the repository)")
    return json.loads(path.read_text(encoding="utf-8"))
