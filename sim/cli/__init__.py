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
import warnings
from collections.abc import Sequence

from sim.cli.common import err_console
from sim.errors import UserError

#: Modules that add subcommands, in help order.
COMMAND_MODULES: tuple[str, ...] = ("sim.cli.run", "sim.cli.sweep", "sim.cli.branch",
                                    "sim.cli.store", "sim.cli.analysis",
                                    "sim.cli.calibrate", "sim.cli.forecast",
                                    "sim.cli.serve")


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


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings about the user's data (a skipped part) as one line on stderr."""
    if issubclass(category, UserWarning) and category.__module__.startswith("sim."):
        err_console.print("warning: ", style="yellow", end="")
        err_console.print(str(message), soft_wrap=True)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = warnings.showwarning


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, dispatch, and turn user errors into exit code 2.

    Messages are printed literally (the consoles read no markup). An OSError that escapes a
    command (a disk that is full, a folder that vanished) is reported in one line with
    exit code 1: it is not the user's input, but it is no reason for a traceback either.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return int(args.func(args) or 0)
        except UserError as exc:
            err_console.print("error: ", style="bold red", end="")
            err_console.print(str(exc), soft_wrap=True)
            return exc.exit_code
        except KeyboardInterrupt:
            err_console.print("interrupted")
            return 130
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            err_console.print("error: ", style="bold red", end="")
            err_console.print(f"{exc.strerror or exc}{where}", soft_wrap=True)
            return 1


if __name__ == "__main__":
    sys.exit(main())
