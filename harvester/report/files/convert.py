"""Legacy office files (DOC, WPS, XLS, ET, and ODT, ODS, RTF) converted by LibreOffice
headless to DOCX or XLSX, then read by the DOCX and XLSX readers.

One soffice process per file, with its own throw-away profile, in a process group under a
memory, CPU and wall-clock limit (safety.run_limited). A long-lived soffice would save its
start-up (about 1 s with a warm profile: measured in bench/bench_parse.py) but a hostile file
that hangs or crashes it would take every later conversion with it, and its UNO bridge needs
Debian's python3-uno, which the project's venv cannot import; reports are a few files per
site, so isolation is worth the second. The profile template is made once per process and
copied, so each call skips LibreOffice's first-start work.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from .safety import CONVERT_TIMEOUT, FileRejected, run_limited

# (LibreOffice filter, extension of the result, input extension LibreOffice recognises)
TARGETS = {
    "doc": ("docx:MS Word 2007 XML", "docx", "doc"),
    "wps": ("docx:MS Word 2007 XML", "docx", "wps"),
    "odt": ("docx:MS Word 2007 XML", "docx", "odt"),
    "rtf": ("docx:MS Word 2007 XML", "docx", "rtf"),
    "xls": ("xlsx:Calc MS Excel 2007 XML", "xlsx", "xls"),
    "et": ("xlsx:Calc MS Excel 2007 XML", "xlsx", "et"),
    "ods": ("xlsx:Calc MS Excel 2007 XML", "xlsx", "ods"),
}
_profile_lock = threading.Lock()
_profile: Path | None = None


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        raise FileRejected("LibreOffice is not installed (soffice not found: run scripts/install.sh)")
    return path


def _template_profile() -> Path:
    """A LibreOffice user profile initialised once (the first start writes ~2 MB of settings)."""
    global _profile
    with _profile_lock:
        if _profile is None or not _profile.exists():
            base = Path(tempfile.mkdtemp(prefix="harvester-lo-profile-"))
            with tempfile.TemporaryDirectory(prefix="harvester-lo-init-") as tmp:
                (Path(tmp) / "empty.txt").write_text("x", encoding="utf-8")
                try:
                    run_limited([soffice(), f"-env:UserInstallation=file://{base}", "--headless", "--norestore",
                                 "--convert-to", "odt", "--outdir", tmp, str(Path(tmp) / "empty.txt")],
                                timeout=CONVERT_TIMEOUT, what="LibreOffice start-up", cwd=tmp)
                except FileRejected:
                    pass  # the conversion itself will say what is wrong
            _profile = base
        return _profile


def convert(body: bytes, kind: str, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """The bytes of the DOCX or XLSX LibreOffice writes for a file of the given kind."""
    target, out_ext, in_ext = TARGETS[kind]
    exe = soffice()
    template = _template_profile()
    with tempfile.TemporaryDirectory(prefix="harvester-convert-") as tmp:
        tmp_path = Path(tmp)
        profile = tmp_path / "profile"
        if template.exists():
            shutil.copytree(template, profile, dirs_exist_ok=True)
        src = tmp_path / f"input.{in_ext}"
        src.write_bytes(body)
        run_limited([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nologo",
                     "--nolockcheck", "--convert-to", target, "--outdir", str(tmp_path / "out"), str(src)],
                    timeout=timeout, what=f"LibreOffice conversion of {kind.upper()}", cwd=tmp)
        result = tmp_path / "out" / f"input.{out_ext}"
        if not result.exists() or result.stat().st_size == 0:
            raise FileRejected(f"LibreOffice could not read this {kind.upper()} file (corrupt, encrypted "
                               "or not really that format)")
        return result.read_bytes()
