"""Screenshots of the indicator pages from real Chromium (Debian's /usr/bin/chromium, headless).

    .venv/bin/harvester crawl --sandbox hand --db /tmp/hand.db
    .venv/bin/python scripts/indicator_screenshots.py --db /tmp/hand.db

Serves the harvest with `harvester serve` on a free loopback port, then writes
docs/screenshots/indicators-ranking.png (/-/indicators) and docs/screenshots/agency-page.png
(/-/agency/ID: by default the planted zone of the sandbox, 合肥高新技术产业开发区管理委员会).
Chromium is given no proxy and only 127.0.0.1 URLs: nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from harvester.browse import wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shoot(url: str, out: Path, width: int, height: int):
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--no-proxy-server", f"--window-size={width},{height}", f"--screenshot={out}", url],
                   check=True, capture_output=True, timeout=120)
    print(f"{out.relative_to(ROOT)}: {url}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--agency", default=None, help="agency id of the agency page (default: the planted zone)")
    args = ap.parse_args()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "harvester.cli", "serve", "--db", args.db, "--port", str(port)],
                              cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, base)
        ranking = json.load(urllib.request.urlopen(base + "/-/indicators.json"))["ranking"]
        agency = args.agency or next(r["agency_id"] for r in ranking if r["agency"] == "合肥高新技术产业开发区管理委员会")
        SHOTS.mkdir(parents=True, exist_ok=True)
        shoot(base + "/-/indicators", SHOTS / "indicators-ranking.png", 1640, 1500)
        shoot(base + f"/-/agency/{agency}", SHOTS / "agency-page.png", 1300, 1880)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
