"""Limits every file reader works within, and the sandbox for outside programs.

Attachments come from thousands of portals: some are huge, some are zip bombs, encrypted,
truncated or not what their name says. Every limit here turns such a file into a recorded
failure (FileRejected with a one-line reason) instead of a hung or killed crawl.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import threading
import zipfile
from io import BytesIO

MAX_BYTES = 64 * 1024 * 1024          # a whole file: scanned reports run to tens of MB
MAX_PAGES = 200                       # pages of a PDF (real reports have 5 to 40)
MAX_OCR_PAGES = 40                    # pages sent to OCR (each costs seconds)
MAX_PIXELS = 10_000 * 10_000          # one image or rendered page (A3 at 600 dpi is 7,000 x 9,900)
MAX_SIDE = 20_000                     # pixels on one side of an image
OCR_DPI = 300

ZIP_MAX_TOTAL = 256 * 1024 * 1024     # uncompressed size of a DOCX/XLSX
ZIP_MAX_MEMBER = 128 * 1024 * 1024    # uncompressed size of one part
ZIP_MAX_RATIO = 200                   # uncompressed / compressed, for parts above 1 MB
ZIP_MAX_MEMBERS = 10_000

SUBPROCESS_MEMORY = 2 * 1024 ** 3     # address space of a converter or OCR process
SUBPROCESS_OUTPUT = 256 * 1024 * 1024  # largest file a converter may write
CONVERT_TIMEOUT = 90                  # seconds for one LibreOffice conversion
RENDER_TIMEOUT = 60                   # seconds for rendering the pages of a PDF to images
OCR_TIMEOUT = 90                      # seconds for OCR of one page


class FileRejected(Exception):
    """A file that cannot or must not be read; the message is the recorded reason."""


def check_size(body: bytes) -> None:
    if len(body) > MAX_BYTES:
        raise FileRejected(f"file too large: {len(body):,} bytes (limit {MAX_BYTES:,})")


def check_zip(body: bytes) -> zipfile.ZipFile:
    """Open a zip container (DOCX, XLSX) only after its parts are known to inflate to a sane
    size: the declared sizes and ratios first, then the real inflated bytes (a forged header
    cannot hide a bomb), so the Office readers never inflate more than the caps."""
    try:
        archive = zipfile.ZipFile(BytesIO(body))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as e:
        raise FileRejected(f"corrupt zip container: {e}") from None
    if len(members) > ZIP_MAX_MEMBERS:
        raise FileRejected(f"zip container with {len(members):,} parts (limit {ZIP_MAX_MEMBERS:,})")
    declared = 0
    for m in members:
        if m.flag_bits & 0x1:
            raise FileRejected("encrypted zip container")
        declared += m.file_size
        if m.file_size > ZIP_MAX_MEMBER or declared > ZIP_MAX_TOTAL:
            raise FileRejected(f"zip bomb: parts inflate to more than {ZIP_MAX_TOTAL:,} bytes")
        if m.file_size > 1024 * 1024 and m.file_size > ZIP_MAX_RATIO * max(m.compress_size, 1):
            raise FileRejected(f"zip bomb: {m.filename} inflates {m.file_size // max(m.compress_size, 1):,}-fold")
    total = 0
    for m in members:
        size = 0
        try:
            with archive.open(m) as part:
                while chunk := part.read(1 << 20):
                    size += len(chunk)
                    total += len(chunk)
                    if size > max(m.file_size, 0) + 1024 or total > ZIP_MAX_TOTAL:
                        raise FileRejected(f"zip bomb: {m.filename} inflates past its declared size")
        except FileRejected:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as e:
            raise FileRejected(f"corrupt zip container: {m.filename}: {e}") from None
    return archive


def check_pixels(width: int, height: int, what: str = "image") -> None:
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise FileRejected(f"{what} too large: {width:,} x {height:,} pixels "
                           f"(limit {MAX_PIXELS:,} pixels, {MAX_SIDE:,} a side)")


def _limits(memory: int, cpu: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (SUBPROCESS_OUTPUT, SUBPROCESS_OUTPUT))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def run_limited(argv: list[str], *, timeout: float, what: str, memory: int = SUBPROCESS_MEMORY,
                cwd: str | None = None, env: dict | None = None, stdin: bytes | None = None) -> bytes:
    """Run an outside program (LibreOffice, pdftoppm, Tesseract) in its own process group with
    a memory, CPU and output-size limit and a wall-clock timeout; return its stdout. On a
    timeout the whole group is killed (soffice forks). Failures raise FileRejected."""
    run_env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": cwd or "/tmp", "OMP_THREAD_LIMIT": "1"}
    run_env.update(env or {})
    if not shutil.which(argv[0], path=run_env["PATH"]):
        raise FileRejected(f"{what}: {argv[0]} is not installed (run scripts/install.sh)")
    cpu = int(timeout) + 1
    preexec = _limits(memory, cpu)
    if threading.active_count() > 1 and shutil.which("prlimit"):
        # preexec_fn can deadlock a child forked while another thread holds a lock (a crawl
        # calling this from a thread pool): util-linux's prlimit sets the same limits instead
        argv = ["prlimit", f"--as={memory}", f"--cpu={cpu}:{cpu + 5}", f"--fsize={SUBPROCESS_OUTPUT}",
                "--core=0", "--", *argv]
        preexec = None
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=run_env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                preexec_fn=preexec)
    except FileNotFoundError:
        raise FileRejected(f"{what}: {argv[0]} is not installed (run scripts/install.sh)") from None
    except OSError as e:
        raise FileRejected(f"{what}: cannot start {argv[0]}: {e.strerror}") from None
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise FileRejected(f"{what} timed out after {timeout:g} s") from None
    finally:
        _kill_group(proc)  # children left behind (soffice.bin) go with the group
    if proc.returncode != 0:
        last = (err or b"").decode("utf-8", "replace").strip().splitlines()
        why = last[-1][:200] if last else f"exit status {proc.returncode}"
        if proc.returncode < 0:
            why = f"killed by signal {-proc.returncode} (memory or CPU limit?)"
        raise FileRejected(f"{what} failed: {why}")
    return out


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
