"""One writer per database: a run holds an exclusive lock beside the database file.

Why a lock file and not SQLite's own locking: two crawls interleaving their upserts would both
succeed, and the run records and versions would be a mix of both. A second run must refuse
at once with a clear message; the OS releases the lock if the holder is killed.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class RunLocked(RuntimeError):
    """Another run is writing this database."""


class RunLock:
    def __init__(self, db: str | Path):
        self.path = Path(f"{db}.lock")
        self.handle = None

    def __enter__(self):
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            raise RunLocked(f"another run is writing {self.path.with_suffix('')} ({holder}); try again when it ends") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()}")
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
        return False
