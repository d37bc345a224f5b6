"""`harvester serve` never writes: a harvest stays byte-for-byte the same while it is browsed,
and a file that is not a (prepared) harvest is refused with one line and left as it was.

Issue 12: serve turned an empty file into a 200 KB harvest, added about 20 tables to an
unrelated SQLite database, and showed a traceback on a file that is not SQLite.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import socket
import sqlite3
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from hostile_helpers import HARVESTER, ROOT, assert_refused, run_cli, snapshot
from harvester.browse import wait_until_serving


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def start_server(db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(HARVESTER + ["serve", "--db", str(db), "--port", str(port)], cwd=ROOT,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, url, log)
    return process, url


def test_serving_a_harvest_leaves_it_byte_for_byte_unchanged(harvest_copy, tmp_path):
    folder = harvest_copy.parent
    before = snapshot(folder)
    process, url = start_server(harvest_copy, tmp_path / "serve.log")
    try:
        status, body = fetch(url + "/reports/reports.json?_shape=array&_size=max")
        assert status == 200, body[:300]
        reports = json.loads(body)
        assert reports, "the harvest has reports"
        answered = []
        for r in reports[:3]:
            for path in (f"/-/report/{r['id']}", f"/-/report/{r['id']}.json", f"/-/report/{r['id']}.csv"):
                status, body = fetch(url + path)
                assert status == 200, (path, status, body[:300])
                answered.append(path)
        assert json.loads(fetch(url + f"/-/report/{reports[0]['id']}.json")[1])  # a real report answer
        with_page = next(r for r in reports if r.get("page_hash"))
        status, _ = fetch(url + f"/-/page/{with_page['page_hash']}")
        assert status == 200
        query = "/reports/search_reports.json?" + urllib.parse.urlencode({"q": "政府信息公开", "_shape": "array"})
        for path in ("/reports/failing_checks.json", "/reports/requests_by_province_year.json", query,
                     "/reports/report_summary.json?_facet=province", "/-/dashboards/overview"):
            status, body = fetch(url + path)
            assert status == 200, (path, status, body[:300])
        assert json.loads(fetch(url + query)[1]), "full-text search finds the reports"
        # Attempts to write are refused, and leave no trace either.
        status, _ = fetch(url + "/reports/-/query", "POST", b"sql=delete+from+reports")
        assert status >= 400
        status, _ = fetch(url + "/reports/reports/-/insert", "POST", b'{"row": {"id": "x"}}')
        assert status >= 400
        assert snapshot(folder) == before, "the database folder changed while it was served"
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert snapshot(folder) == before, "the database folder changed after serving"


def make_other_sqlite(path: Path):
    con = sqlite3.connect(path)
    con.execute("create table notes (id integer primary key, body text)")
    con.execute("insert into notes (body) values ('not a harvest')")
    con.commit()
    con.close()


def make_empty_sqlite(path: Path):
    con = sqlite3.connect(path)
    con.execute("pragma user_version = 7")  # a valid SQLite file without a table
    con.commit()
    con.close()


def make_unprepared_harvest(path: Path):
    """The store's tables without what `prepare` adds (a crawl killed before its end)."""
    from harvester.store import Store

    Store(path).close()


def make_damaged(path: Path, source: Path):
    data = source.read_bytes()
    path.write_bytes(data[:100] + b"\x00garbage" * 600)


CASES = {
    "empty file": (lambda p, h: p.write_bytes(b""), "is an empty file, not a harvest database"),
    "text file": (lambda p, h: p.write_text("id,name\n1,x\n"), "is not a SQLite database"),
    "binary file": (lambda p, h: p.write_bytes(bytes(range(256)) * 40), "is not a SQLite database"),
    "another SQLite database": (lambda p, h: make_other_sqlite(p), "is a SQLite database but not a harvest"),
    "SQLite without tables": (lambda p, h: make_empty_sqlite(p), "is an empty SQLite database, not a harvest"),
    "damaged harvest": (make_damaged, "is damaged or not a SQLite database"),
    "unprepared harvest": (lambda p, h: make_unprepared_harvest(p), "is not prepared for browsing"),
    "a folder": (lambda p, h: p.mkdir(), "is a folder, not a database file"),
    "missing file": (lambda p, h: None, "no database at"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_serve_refuses_what_is_not_a_harvest_and_leaves_it_as_it_was(case, sandbox_harvest, tmp_path):
    make, message = CASES[case]
    folder = tmp_path / "files"
    folder.mkdir()
    db = folder / "given.db"
    make(db, sandbox_harvest)
    before = snapshot(folder)
    line = assert_refused(run_cli("serve", "--db", db, "--port", "1", timeout=120), message)
    assert str(db) in line
    assert snapshot(folder) == before


def test_serve_refuses_a_harvest_with_writes_not_folded_in(harvest_copy, tmp_path):
    """A WAL left beside the file (a killed run): an immutable reader would not see it, so serve
    refuses; `harvester prepare` folds it in, and serving then works on the folded file."""
    writer = sqlite3.connect(harvest_copy)
    writer.execute("pragma journal_mode = wal")
    writer.execute("pragma wal_autocheckpoint = 0")
    writer.execute("update reports set title = title || '' where rowid = (select min(rowid) from reports)")
    writer.commit()
    left = tmp_path / "left"
    left.mkdir()
    for name in ("reports.db", "reports.db-wal"):  # copied as a kill would leave them
        shutil.copyfile(harvest_copy.parent / name, left / name)
    writer.close()
    assert (left / "reports.db-wal").stat().st_size > 0
    before = snapshot(left)
    assert_refused(run_cli("serve", "--db", left / "reports.db", "--port", "1"), "writes not yet folded in",
                   "harvester prepare")
    assert snapshot(left) == before
    done = run_cli("prepare", "--db", left / "reports.db")
    assert done.returncode == 0, done.stderr
    assert not (left / "reports.db-wal").exists() or (left / "reports.db-wal").stat().st_size == 0


def test_serve_refuses_a_harvest_a_crawl_is_writing(harvest_copy):
    lock = Path(f"{harvest_copy}.lock")
    lock.write_text("pid 4242")
    folder = harvest_copy.parent
    with lock.open("r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # as harvester.runlock holds it during a run
        before = snapshot(folder)
        assert_refused(run_cli("serve", "--db", harvest_copy, "--port", "1"), "a crawl is writing", "pid 4242")
        assert snapshot(folder) == before


def test_prepare_refuses_another_programs_database(tmp_path):
    db = tmp_path / "other.db"
    make_other_sqlite(db)
    before = snapshot(tmp_path)
    assert_refused(run_cli("prepare", "--db", db), "another program's SQLite database")
    assert snapshot(tmp_path) == before


def test_a_harvest_prepared_by_another_version_is_served_with_a_note(harvest_copy):
    """Views of another version: still browsable, so served as they are, with advice; the
    check itself reads only."""
    from harvester.browse import check_servable

    con = sqlite3.connect(harvest_copy)
    con.execute("drop view report_summary")
    con.execute("create view report_summary as select id, agency, year from reports")
    con.commit()
    con.close()
    before = snapshot(harvest_copy.parent)
    notes = check_servable(harvest_copy)
    assert len(notes) == 1
    assert "report_summary" in notes[0] and "harvester prepare" in notes[0]
    assert snapshot(harvest_copy.parent) == before
