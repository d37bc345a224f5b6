"""Issue 8: the project deploys to a real scrapyd (started here) and a scheduled job harvests.

The egg is built by scrapyd-client from scrapy.cfg's [deploy] section, uploaded with
scrapyd's own addversion.json API, and scheduled with the settings a deployment passes
(registry, database, proxy); the job crawls the sandbox through the proxy.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from e2e_helpers import ROOT, rows
from harvester.crawl import DEFAULT_REGISTRY
from harvester.sandbox import Sandbox

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, path: str, data: dict | None = None, files: dict | None = None) -> dict:
    if files:
        boundary = uuid.uuid4().hex
        body = b""
        for name, value in (data or {}).items():
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, blob in files.items():
            body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.egg"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n").encode() + blob + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(base + path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    elif data is not None:
        request = urllib.request.Request(base + path, urllib.parse.urlencode(data, doseq=True).encode())
    else:
        request = urllib.request.Request(base + path)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.fixture()
def scrapyd(tmp_path):
    port = free_port()
    (tmp_path / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = eggs\nlogs_dir = logs\n"
        "dbs_dir = dbs\nitems_dir =\npoll_interval = 0.5\nmax_proc = 1\n", encoding="utf-8")
    proc = subprocess.Popen([str(VENV_BIN / "scrapyd")], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                api(base, "daemonstatus.json")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("scrapyd did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_deploy_to_scrapyd_and_run_a_job(scrapyd, tmp_path):
    egg = tmp_path / "harvester.egg"
    subprocess.run([str(VENV_BIN / "scrapyd-deploy"), "--build-egg", str(egg)], cwd=ROOT, check=True,
                   capture_output=True, timeout=120)
    added = api(scrapyd, "addversion.json", {"project": "harvester", "version": "1"}, files={"egg": egg.read_bytes()})
    assert added["status"] == "ok", added
    assert "gx_liunan" in api(scrapyd, "listspiders.json?project=harvester")["spiders"]

    db = tmp_path / "scrapyd.db"
    with Sandbox() as sb:
        job = api(scrapyd, "schedule.json", {
            "project": "harvester", "spider": "gx_liunan",
            "setting": [f"HARVESTER_REGISTRY={DEFAULT_REGISTRY}", f"HARVESTER_DB={db}",
                        f"HARVESTER_PROXY={sb.proxy_url}", "DOWNLOAD_DELAY=0"],
        })["jobid"]
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            jobs = api(scrapyd, "listjobs.json?project=harvester")
            if any(j["id"] == job for j in jobs["finished"]):
                break
            time.sleep(1)
        else:
            pytest.fail("the scrapyd job did not finish")
    liunan = [r for r in sb.truth.site("gx-liuzhou-liunan")["reports"]]
    got = {r["url"] for r in rows(db, "select url from report_sources")}
    assert {r["url"] for r in liunan} <= got
