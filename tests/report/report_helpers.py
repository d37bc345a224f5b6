"""Helpers of the parser tests: paths, fixtures, the HTML renderer (a module of its own name:
test folders are not packages, and every folder has a conftest)."""

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
SHARED = Path(__file__).parents[2].parent / "shared"


def _load_renderer():
    """tests/report/render.py under a name of its own (test folders are not packages)."""
    spec = importlib.util.spec_from_file_location("report_render", HERE / "render.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["report_render"] = module
    spec.loader.exec_module(module)
    return module


render = _load_renderer()


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
