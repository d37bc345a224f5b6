"""Helpers of the hostile-input tests: run the CLI as a user would, and prove nothing was written.

Every test here feeds the command line something a careless or unlucky user could give it and
checks three things: the answer is one line on stderr (`Error: ...`, no traceback), the exit
status is not 0, and the files involved are byte-for-byte as they were (no file added either).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HARVESTER = [sys.executable, "-m", "harvester.cli"]
# The one sandbox portal the tests crawl: small (about 20 requests) and with reports of many years.
SITE = "gx-liuzhou-liunan"


def run_cli(*args, timeout=300, env=None) -> subprocess.CompletedProcess:
    """`harvester ARGS...` in a subprocess from the worktree, as a user runs it."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run(HARVESTER + [str(a) for a in args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=full_env)


def assert_refused(done: subprocess.CompletedProcess, *fragments: str) -> str:
    """One `Error: ...` line on stderr, nothing on stdout, exit 1; returns the line."""
    shown = f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "Traceback" not in done.stderr + done.stdout, shown
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, shown
    assert lines[0].startswith("Error: "), shown
    assert done.stdout == "", shown
    assert done.returncode == 1, shown
    for fragment in fragments:
        assert fragment in lines[0], shown
    return lines[0]


def snapshot(*paths: Path) -> dict[str, str | None]:
    """sha256 of every file under the given folders or files (None for a folder), to prove
    that nothing was written, created or removed."""
    out: dict[str, str | None] = {}
    for path in paths:
        if not path.exists():
            out[str(path)] = "absent"
            continue
        items = [path] if path.is_file() else [path, *sorted(path.rglob("*"))]
        for item in items:
            out[str(item)] = hashlib.sha256(item.read_bytes()).hexdigest() if item.is_file() else None
    return out


def chattr(flag: str, path: Path) -> bool:
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True, text=True)
    return done.returncode == 0


@contextlib.contextmanager
def read_only(*paths: Path):
    """Make files or folders read-only even for root: the immutable attribute (chattr +i).

    Why not chmod: root writes a 0444 file and creates files in a 0555 folder anyway, so a
    chmod test run as root proves nothing. An immutable inode refuses root too (EPERM), as a
    read-only mount would. Skips, saying why, where the filesystem has no such attribute.
    """
    done = []
    try:
        for path in paths:
            if not chattr("+i", path):
                pytest.skip(f"cannot make {path} immutable (chattr +i unsupported here): "
                            "no way to make a file read-only for root")
            done.append(path)
        probe = paths[0] / ".probe" if paths[0].is_dir() else paths[0]
        try:  # the attribute must really stop root, or the test would prove nothing
            with open(probe, "ab"):
                pass
        except PermissionError:
            pass
        else:
            pytest.skip(f"chattr +i did not make {probe} read-only for this user")
        yield
    finally:
        for path in done:
            chattr("-i", path)
