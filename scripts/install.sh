#!/usr/bin/env bash
# Installs everything the harvester needs into .venv on a fresh Debian machine (Python 3.11):
# Debian's Chromium for the browser path (Playwright's own download is never used), then the
# project with pinned dependencies. `--test` adds the test dependencies. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the browser path; fonts-wqy-zenhei: Chinese glyphs in screenshots of the reports.
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
dpkg -s fonts-wqy-zenhei >/dev/null 2>&1 || missing="$missing fonts-wqy-zenhei"
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    else
        echo "install.sh: Debian packages missing:$missing; run as root or: sudo apt-get install$missing" >&2
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
