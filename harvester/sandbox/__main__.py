"""python -m harvester.sandbox [--port N] [--host ADDR] [--national] [--latency] [--no-walls]:
serve the sandbox in the foreground (a separate process for benchmarks)."""

import argparse

from .server import serve_forever


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m harvester.sandbox",
                                 description="Serve the offline sandbox web as a loopback HTTP proxy.")
    ap.add_argument("--port", type=int, default=8899, help="port of the proxy (default 8899)")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ap.add_argument("--national", action="store_true",
                    help="also serve every registry host of data/sites.csv (the national sandbox)")
    ap.add_argument("--latency", action="store_true",
                    help="national hosts answer with their response delays (slow hosts are slow)")
    ap.add_argument("--no-walls", action="store_true", help="serve no JavaScript wall anywhere")
    ap.add_argument("--log-limit", type=int, default=None,
                    help="request records kept (the summary counts all; default 100000 with --national)")
    args = ap.parse_args(argv)
    serve_forever(port=args.port, host=args.host, national=args.national, latency=args.latency,
                  walls=not args.no_walls, log_limit=args.log_limit)


if __name__ == "__main__":
    main()
