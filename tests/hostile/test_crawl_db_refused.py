"""`harvester crawl --db` on a database it cannot or must not write: one line, exit 1, decided
before the run is recorded, and nothing written (no database, lock, journal or folder).

Issue 12: a read-only file or folder gave tracebacks (`attempt to write a readonly database`,
`PermissionError` on the lock); a missing folder was created silently, even at /.
Every crawl here has --sandbox: were a check to let it through, it would still stay on loopback.
"""

from __future__ import annotations

import shutil
import sqlite3

from hostile_helpers import SITE, assert_refused, read_only, run_cli, snapshot


def crawl(db):
    return run_cli("crawl", "--sandbox", "--site", SITE, "--db", db)


def test_read_only_database_file(harvest_copy):
    folder = harvest_copy.parent
    before = snapshot(folder)
    with read_only(harvest_copy):
        line = assert_refused(crawl(harvest_copy), "is read-only", "choose another --db")
    assert str(harvest_copy) in line
    assert snapshot(folder) == before


def test_read_only_folder_without_database(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        assert_refused(crawl(folder / "new.db"), f"folder {folder} is read-only")
    assert list(folder.iterdir()) == []


def test_read_only_folder_with_a_harvest_in_it(harvest_copy):
    """The file itself is writable, but its lock, WAL and jobs folder cannot be made."""
    folder = harvest_copy.parent
    before = snapshot(folder)
    with read_only(folder):
        assert_refused(crawl(harvest_copy), f"folder {folder} is read-only")
    assert snapshot(folder) == before


def test_read_only_lock_file(harvest_copy):
    lock = harvest_copy.with_name(harvest_copy.name + ".lock")
    lock.write_text("")
    before = snapshot(harvest_copy.parent)
    with read_only(lock):
        assert_refused(crawl(harvest_copy), f"{lock} is read-only")
    assert snapshot(harvest_copy.parent) == before


def test_missing_folder_is_not_created(tmp_path):
    missing = tmp_path / "no" / "such" / "folder"
    line = assert_refused(crawl(missing / "reports.db"), f"folder {missing} does not exist; create it first")
    assert "mkdir -p" in line
    assert not (tmp_path / "no").exists()


def test_database_path_is_a_folder(tmp_path):
    folder = tmp_path / "adir.db"
    folder.mkdir()
    assert_refused(crawl(folder), "is a folder, not a database file")
    assert list(folder.iterdir()) == []


def test_another_programs_sqlite_database(tmp_path):
    db = tmp_path / "notes.db"
    con = sqlite3.connect(db)
    con.execute("create table notes (body text)")
    con.commit()
    con.close()
    before = snapshot(tmp_path)
    assert_refused(crawl(db), "another program's SQLite database", "notes")
    assert snapshot(tmp_path) == before


def test_a_file_that_is_not_sqlite(tmp_path):
    db = tmp_path / "reports.db"
    db.write_text("this is a text file\n" * 50)
    before = snapshot(tmp_path)
    assert_refused(crawl(db), "is not a SQLite database")
    assert snapshot(tmp_path) == before


def test_an_empty_file_is_fine_and_becomes_a_harvest(tmp_path):
    """The other side of the checks: `touch reports.db` then crawl is a normal first run."""
    db = tmp_path / "reports.db"
    db.write_bytes(b"")
    done = crawl(db)
    assert done.returncode == 0, done.stderr[-2000:]
    con = sqlite3.connect(db)
    try:
        assert con.execute("select count(*) from reports").fetchone()[0] > 0
    finally:
        con.close()
    shutil.rmtree(tmp_path / "jobs", ignore_errors=True)
