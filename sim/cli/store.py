"""``wargame store check DIR`` and ``wargame store repair DIR``: inspect and mend a sweep
store (see :mod:`sim.batch.repair`)."""

from __future__ import annotations

import argparse

from sim.cli.common import console, err_console
from sim.outdir import user_path


def cmd_check(args: argparse.Namespace) -> int:
    from sim.batch.repair import check_store

    root = user_path(args.dir, "DIR")
    report = check_store(root)
    for fact in report.facts:
        console.print(f"{root}: {fact}")
    for problem in report.problems:
        err_console.print("problem: ", style="yellow", end="")
        err_console.print(problem, soft_wrap=True)
    if report.problems:
        err_console.print(f"{len(report.problems)} problems; `wargame store repair {root}` "
                          "mends them without losing a finished run")
        return 1
    console.print(f"{root}: the store is sound")
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    from sim.batch.repair import check_store, repair_store

    root = user_path(args.dir, "DIR")
    actions = repair_store(root)
    for action in actions:
        console.print(action, soft_wrap=True)
    if not actions:
        console.print(f"{root}: nothing to repair")
    remaining = check_store(root).problems
    for problem in remaining:
        err_console.print("problem: ", style="yellow", end="")
        err_console.print(problem, soft_wrap=True)
    return 1 if remaining else 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add store check and store repair."""
    p = sub.add_parser("store", help="check or repair a sweep store")
    ssub = p.add_subparsers(dest="store_command", required=True, metavar="ACTION")
    c = ssub.add_parser("check", help="report what is wrong with a store (exit 1 if anything)")
    c.add_argument("dir", help="a sweep's store folder")
    c.set_defaults(func=cmd_check)
    r = ssub.add_parser("repair", help="rebuild a lost manifest, set aside unreadable parts, "
                        "drop runs stored twice, remove uncommitted files")
    r.add_argument("dir", help="a sweep's store folder")
    r.set_defaults(func=cmd_repair)
