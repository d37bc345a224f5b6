"""Run the harvester CLI with a guard that notes every network address the process tries to
reach beyond loopback (socket connects and name lookups, through Python's audit hooks), and
writes them as JSON to the file named first:

    python tests/e2e/loopback_guard.py REPORT.json crawl --sandbox ...

A sandbox run must leave the list empty: its every request goes to the loopback proxy.
"""

from __future__ import annotations

import ipaddress
import json
import sys

tried: list[str] = []


def loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def hook(event, args):
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and not loopback(address[0]):
            tried.append(f"connect {address[0]}:{address[1]}")
    elif event == "socket.getaddrinfo":
        if not loopback(args[0]):
            tried.append(f"lookup {args[0]}")


def main():
    report = sys.argv[1]
    sys.argv = ["harvester", *sys.argv[2:]]
    sys.addaudithook(hook)
    from harvester.cli import main as cli

    try:
        cli()
    except SystemExit as e:
        code = e.code
    else:
        code = 0
    finally:
        with open(report, "w", encoding="utf-8") as f:
            json.dump(sorted(set(tried)), f, ensure_ascii=False)
    sys.exit(code)


if __name__ == "__main__":
    main()
