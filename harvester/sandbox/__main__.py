"""python -m harvester.sandbox [--port N] [--host ADDR]: serve the sandbox in the foreground."""

import argparse

from .server import serve_forever


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m harvester.sandbox",
                                 description="Serve the offline sandbox web as a loopback HTTP proxy.")
    ap.add_argument("--port", type=int, default=8899, help="port of the proxy (default 8899)")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    args = ap.parse_args(argv)
    serve_forever(port=args.port, host=args.host)


if __name__ == "__main__":
    main()
