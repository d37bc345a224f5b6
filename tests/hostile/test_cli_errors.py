"""Other ways a user can meet a traceback in the CLI, each ending in one line and exit 1.

Files for `parse` (missing, a folder, a device, binary), a registry that is not one, a port
that is taken, and the guard that turns anything unforeseen into one line.
"""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from harvester import cli
from hostile_helpers import SITE, assert_refused, run_cli, snapshot


@pytest.mark.parametrize("kind, message", [
    ("missing", "no such file"),
    ("folder", "is a directory, not a page"),
    ("device", "not a regular file"),
    ("pdf", "pdf file not read: truncated PDF"),
    ("binary", "binary data of no known document format"),
])
def test_parse_refuses_what_is_not_a_page(kind, message, tmp_path):
    path = {"missing": tmp_path / "none.html", "folder": tmp_path, "device": "/dev/zero"}.get(kind)
    if kind == "pdf":
        path = tmp_path / "report.html"
        path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    elif kind == "binary":
        path = tmp_path / "page.html"
        path.write_bytes(b"\x00\x01\x02\x03" * 512)
    assert_refused(run_cli("parse", path), message)


@pytest.mark.parametrize("kind", ["missing", "binary"])
def test_crawl_refuses_a_registry_that_is_not_one(kind, tmp_path):
    """Whatever the registry's format (it is moving from TOML to CSV), these are no registry:
    the one line names the file."""
    registry = tmp_path / "sites.csv"
    if kind == "binary":
        registry.write_bytes(bytes(range(128, 256)) * 20)
    before = snapshot(tmp_path)
    assert_refused(run_cli("crawl", "--sandbox", "--site", SITE, "--registry", registry,
                           "--db", tmp_path / "r.db"), str(registry))
    assert snapshot(tmp_path) == before


def test_serve_on_a_port_that_is_taken(sandbox_harvest):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        before = snapshot(sandbox_harvest)
        assert_refused(run_cli("serve", "--db", sandbox_harvest, "--port", port, timeout=120),
                       f"cannot serve on 127.0.0.1:{port}")
        assert snapshot(sandbox_harvest) == before


def test_an_unforeseen_error_is_one_line_and_debug_shows_the_traceback(tmp_path, monkeypatch):
    """The guard in cli.main: an exception no command expects ends in one line, exit 1."""
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>某某县2022年政府信息公开工作年度报告</p></body></html>", encoding="utf-8")

    def broken(*args, **kwargs):
        raise KeyError("something no one foresaw")

    monkeypatch.setattr("harvester.report.parse_bytes", broken)
    result = CliRunner().invoke(cli.main, ["parse", str(page)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "unexpected KeyError" in lines[0] and "something no one foresaw" in lines[0]
    assert "harvester --debug" in lines[0]
    result = CliRunner().invoke(cli.main, ["--debug", "parse", str(page)])
    assert isinstance(result.exception, KeyError)  # raised, so Python prints the traceback
