#!/usr/bin/env bash
# Installs everything the harvester needs into .venv on a fresh Debian machine (Python 3.11):
# Debian's Chromium for the browser path (Playwright's own download is never used), LibreOffice,
# Tesseract and poppler for reports published as files, then the project with pinned
# dependencies. `--test` adds the test dependencies. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the browser path; fonts-wqy-zenhei: Chinese glyphs in screenshots of the reports
# and in the files LibreOffice renders. Reports published as files: LibreOffice headless
# converts DOC/WPS/XLS/ET (writer and calc, no GUI), Tesseract with its Simplified Chinese
# data reads scans, pdftoppm (poppler-utils) renders PDF pages for it.
# The file readers' packages go in without their recommends (no Java, no GUI): that is the set
# the tests run with.
missing=""
lean=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
dpkg -s fonts-wqy-zenhei >/dev/null 2>&1 || missing="$missing fonts-wqy-zenhei"
# redis-server: the queue a crawl shared by several workers goes through (docs/fleet.md); the
# tests start their own on a loopback port.
for pkg in libreoffice-writer-nogui libreoffice-calc-nogui tesseract-ocr tesseract-ocr-chi-sim poppler-utils \
           redis-server; do
    dpkg -s "$pkg" >/dev/null 2>&1 || lean="$lean $pkg"
done
if [ -n "$missing$lean" ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        if [ -n "$missing" ]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
        fi
        if [ -n "$lean" ]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $lean >/dev/null
        fi
    else
        echo "install.sh: Debian packages missing:$missing$lean; run as root or: sudo apt-get install$missing$lean" >&2
        exit 1
    fi
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "${1:-}" = "--test" ]; then
    .venv/bin/python -m pip install -q -e '.[test]'
else
    .venv/bin/python -m pip install -q -e .
fi
echo "installed into .venv ($(.venv/bin/python --version), $(chromium --version 2>/dev/null | head -1))"
