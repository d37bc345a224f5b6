"""Is this file a harvest database, and may a run write it? Decided before anything is written.

Why a module of its own: opening a file the usual way (sqlite-utils, the Store) creates tables,
a write-ahead log and a lock beside it, so "is this a harvest?" must be answered by looking
only: the file's first bytes, then its table names through an immutable SQLite connection
(which writes nothing, not even a lock). `harvester serve` needs that to refuse a file without
touching it, and `harvester crawl` to refuse a database it cannot write before a run is
recorded. Every refusal is a DatabaseError whose message is one line: what, which file, what
to do.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
_GIVE = "give the file `harvester crawl --db` wrote"
# Tables every harvest has had since the first version of the store (harvester.store.SCHEMA).
HARVEST_TABLES = ("sites", "reports", "report_sources")


class DatabaseError(ValueError):
    """A database file a command cannot use; the message is one line for the user."""


def table_names(path: str | Path) -> set[str]:
    """Names of the tables and views of a SQLite file, read without writing anything."""
    uri = Path(path).absolute().as_uri() + "?immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as e:
        raise DatabaseError(f"cannot open {path}: {e}") from None
    try:
        return {name for (name,) in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    except sqlite3.DatabaseError as e:
        raise DatabaseError(f"{path} is damaged or not a SQLite database ({e})") from None
    finally:
        conn.close()


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(len(SQLITE_MAGIC))
    except PermissionError:
        raise DatabaseError(f"cannot read {path}: permission denied") from None
    except OSError as e:
        raise DatabaseError(f"cannot read {path}: {e.strerror}") from None


def _describe_tables(names: set[str]) -> str:
    shown = sorted(names)[:5]
    return ", ".join(shown) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def check_harvest(path: str | Path, *, allow_pending: bool = False) -> set[str]:
    """Refuse (DatabaseError) a file that is not a readable harvest database; else its table
    and view names. Reads only: the file, its WAL and its lock are left as they are.
    A WAL or journal left by an interrupted run is refused unless `allow_pending` (a writer
    folds it in; an immutable reader would not see it)."""
    path = Path(path)
    if not path.exists():
        raise DatabaseError(f"no database at {path}: run `harvester crawl --db {path}` first")
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file: {_GIVE}")
    head = _head(path)
    if not head:
        raise DatabaseError(f"{path} is an empty file, not a harvest database: {_GIVE}")
    if head != SQLITE_MAGIC:
        raise DatabaseError(f"{path} is not a SQLite database: {_GIVE}")
    holder = lock_holder(path)
    if holder:
        raise DatabaseError(f"a crawl is writing {path} ({holder}): browse it when the run has ended")
    companions = () if allow_pending else (Path(f"{path}-wal"), Path(f"{path}-journal"))
    pending = [p for p in companions if p.exists() and p.stat().st_size]
    if pending:
        raise DatabaseError(f"{path} has writes not yet folded in ({pending[0].name}, left by an interrupted run): "
                            f"run `harvester prepare --db {path}` first")
    names = table_names(path)
    if not names:
        raise DatabaseError(f"{path} is an empty SQLite database, not a harvest: {_GIVE}")
    missing = [t for t in HARVEST_TABLES if t not in names]
    if missing:
        raise DatabaseError(f"{path} is a SQLite database but not a harvest (no {', '.join(missing)} table; it has "
                            f"{_describe_tables(names)}): {_GIVE}")
    return names


def lock_holder(path: str | Path) -> str | None:
    """Who holds the run lock of a database (harvester.runlock), or None; takes no lasting lock
    and creates no file."""
    lock = Path(f"{path}.lock")
    try:
        handle = open(lock, "r")
    except OSError:  # no lock file (or unreadable): no run we can see
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip() or "another process"
        except OSError:
            return None
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def check_writable(path: str | Path) -> Path:
    """Refuse (DatabaseError) a database a crawl could not write: a folder that does not exist
    (never created silently), a read-only folder (the lock, the WAL and the jobs folder go
    there), a read-only file, a file that is not SQLite or is another program's database.
    An absent or empty file is fine: the crawl creates the harvest in it."""
    path = Path(path)
    folder = path.absolute().parent
    if not folder.exists():
        raise DatabaseError(f"folder {folder} does not exist; create it first (mkdir -p {folder})")
    if not folder.is_dir():
        raise DatabaseError(f"{folder} is not a folder: give --db a path inside a folder")
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a database file: give --db a file path such as {path}/reports.db")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseError(f"folder {folder} is read-only: a crawl writes its database, lock and journal there; "
                            "choose a writable --db")
    for companion in (path, Path(f"{path}.lock"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        if companion.exists() and not os.access(companion, os.R_OK | os.W_OK):
            raise DatabaseError(f"{companion} is read-only: make it writable or choose another --db")
    if path.exists():
        head = _head(path)
        if head and head != SQLITE_MAGIC:
            raise DatabaseError(f"{path} is not a SQLite database: give --db a harvest database or a new file")
        if head:
            names = table_names(path)
            if names and not all(t in names for t in HARVEST_TABLES):
                raise DatabaseError(f"{path} is another program's SQLite database (tables {_describe_tables(names)}): "
                                    "give --db a harvest database or a new file")
    return path
