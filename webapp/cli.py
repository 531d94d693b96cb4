"""The ``klip`` console script: the engine's commands (``engine.cli``) plus ``klip serve``, the web app.

It lives here, not in the engine, because starting the web app is the one command that needs Flask.
"""
from __future__ import annotations

import argparse

from engine import cli as engine_cli

from .serve import serve


def cmd_serve(args: argparse.Namespace) -> int:
    print(f"KLIP LIP20-0008 berjalan di http://{args.host}:{args.port}")
    serve(args.host, args.port, args.workers)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser, commands = engine_cli.build_parser()
    serve = commands.add_parser("serve", help="jalankan aplikasi web (gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--workers", type=int, default=2)
    serve.set_defaults(func=cmd_serve)
    return engine_cli.main(argv, parser)


if __name__ == "__main__":
    raise SystemExit(main())
