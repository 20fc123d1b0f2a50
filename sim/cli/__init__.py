"""The ``wargame`` command line (also ``python -m sim``).

Subcommands are registered by small modules (``COMMAND_MODULES``), each exposing
``register(subparsers)``; this module holds the entry point and the error policy: a
:class:`~sim.errors.UserError` prints one clear message and exits with code 2, never a
traceback. The CLI computes no physics: it parses, calls, prints.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from sim.cli.common import err_console
from sim.errors import UserError

#: Modules that add subcommands, in help order.
COMMAND_MODULES: tuple[str, ...] = ("sim.cli.run", "sim.cli.sweep", "sim.cli.analysis",
                                    "sim.cli.calibrate", "sim.cli.serve")


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message to one line plus usage."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="wargame",
        description="Agent-based wargame of the North Korea-Russia-Ukraine-South Korea "
        "escalation (Kursk, late October 2024).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, dispatch, and turn user errors into exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc}", highlight=False, markup=True,
                          soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
