"""Output folders: where a command may write, and which folders it may replace.

The rule: a command replaces a folder only if that folder is its own output, recognised by
the marker file (:data:`MARKER`) it wrote there, listing the files it wrote, and holding
nothing else. It never replaces an input of the same command, the current folder, an
ancestor of either, or a folder holding anything else: it exits 2 and says why. Every
command that writes a folder (``run``, ``plot``, ``analyze``, ``compare``) goes through
:func:`replace_dir`; ``sweep`` (which never replaces, only adds to its own store) checks
its ``--out`` with :func:`check_location`.

Path arguments are read as a shell would (``~`` and ``~user`` expanded, else refused), the
same way for every command (:func:`user_path`).

Why on the ground floor (beside :mod:`sim.errors`): the command line, the analysis and the
batch layer all write folders, and none of them may depend on another for it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim.errors import UserError

MARKER = ".wargame-output.json"
"""Written last into every folder a command builds: its kind and the files it wrote."""
KINDS = ("run", "figures", "analysis", "compare", "branch", "hindcast", "forecast",
         "coverage")
DERIVED_FILES = frozenset({"report.html"})
"""Files that another command adds inside a result folder (``wargame report``)."""
TEMP_PREFIX = ".wargame-tmp-"
SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))
"""Pseudo-filesystems: never an output location."""


def user_path(text: str | os.PathLike[str], option: str) -> Path:
    """A path argument as a shell reads it: ``~`` and ``~user`` expanded. An empty path, a
    NUL byte or a ``~user`` that names no user is refused (exit 2), for every command."""
    text = os.fspath(text)
    if not text:
        raise UserError(f"{option}: empty path")
    if "\0" in text:
        raise UserError(f"{option} {text!r}: a NUL byte cannot be part of a path")
    if text.startswith("~"):
        expanded = os.path.expanduser(text)
        if expanded.startswith("~"):
            user = text[1:].split("/", 1)[0]
            raise UserError(f"{option} {text}: cannot expand '~{user}' (no such user)")
        text = expanded
    return Path(text)


def safe_name(text: str, limit: int = 80) -> str:
    """A folder name made from free text (other folders' names): unsafe characters become
    '_', at most ``limit`` characters, never hidden."""
    name = re.sub(r"[^A-Za-z0-9_.+-]", "_", text).lstrip(".")[:limit]
    return name or "unnamed"


def _label(option: str, path: Path) -> str:
    return f"{option} {path}" if option else str(path)


def check_location(path: Path, option: str = "--out") -> Path:
    """Refuse a location no output can go to: a symbolic link, an existing file, or a place
    inside /proc, /sys or /dev."""
    label = _label(option, path)
    try:
        if path.is_symlink():
            raise UserError(f"{label}: is a symbolic link; give the folder it points to")
        resolved = path.resolve()
        if any(resolved == r or r in resolved.parents for r in SYSTEM_ROOTS):
            raise UserError(f"{label}: is a system folder ({resolved}); outputs cannot go there")
        if path.exists() and not path.is_dir():
            raise UserError(f"{label}: is a file, expected a folder")
        for parent in path.absolute().parents:
            if parent.exists() and not parent.is_dir():
                raise UserError(f"{label}: {parent} is a file, not a folder")
    except OSError as exc:
        raise UserError(f"{label}: cannot use this path ({exc.strerror or exc})") from None
    return path


def protection(target: Path, inputs: Sequence[Path] = ()) -> str | None:
    """Why ``target`` must never be replaced, or None: it is (or contains) the current
    folder or an input of the command."""
    t = target.resolve()
    cwd = Path.cwd().resolve()
    if t == cwd:
        return "is the current folder"
    if t in cwd.parents:
        return "contains the current folder"
    for i in inputs:
        r = Path(i).resolve()
        if t == r:
            return "is an input of this command"
        if t in r.parents:
            return f"contains {i}, an input of this command"
    return None


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a folder wargame wrote, or None."""
    path = folder / MARKER
    try:
        if path.is_symlink() or not path.is_file():
            return None
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("kind") in KINDS else None


def foreign_entries(folder: Path, kind: str | None = None) -> list[str] | None:
    """What in ``folder`` wargame did not write there, or None if ``folder`` is not a
    wargame output (of ``kind``) at all. An empty list means: all ours, safe to replace.

    Ours: the files the marker lists, the marker, files that other commands derive inside
    a result folder (report.html), their temporary files, and nested outputs that are
    themselves ours (a run folder's figures/).
    """
    marker = read_marker(folder)
    if marker is None or (kind is not None and marker["kind"] != kind):
        return None
    listed = set(marker.get("files") or [])
    extra = [entry.name for entry in folder.iterdir() if not _ours(entry, listed)]
    return extra


def _ours(entry: Path, listed: set[str]) -> bool:
    name = entry.name
    if entry.is_symlink():
        return False
    if name == MARKER or name.startswith(TEMP_PREFIX):
        return True
    if entry.is_file():
        temp = name.startswith(".") and name.endswith(".tmp")
        return name in listed or name in DERIVED_FILES or temp
    return entry.is_dir() and foreign_entries(entry) == []


def check_replaceable(target: Path, kind: str, inputs: Sequence[Path] = (),
                      option: str = "--out") -> Path:
    """Check, before any work, that ``target`` may be (re)written as a ``kind`` folder:
    a new or empty folder, or one that this kind of command wrote and nobody added to."""
    target = check_location(Path(target), option)
    label = _label(option, target)
    why = protection(target, inputs)
    if why:
        raise UserError(f"{label}: {why}; wargame will not replace it",
                        hint="give a new folder, e.g. under results/")
    try:
        if not target.is_dir() or not any(target.iterdir()):
            return target
        marker = read_marker(target)
        if marker is None:
            raise UserError(f"{label}: the folder holds files that wargame did not write; "
                            "it will not replace it",
                            hint="give a new folder, or empty this one yourself" if option
                            else f"move {target} away (an older wargame's output has no "
                            "marker), then run the command again")
        if marker["kind"] != kind:
            raise UserError(f"{label}: is a {marker['kind']} folder, not a {kind} folder; "
                            "wargame will not replace it", hint="give a new folder")
        extra = foreign_entries(target, kind) or []
        if extra:
            shown = ", ".join(sorted(extra)[:3]) + (" ..." if len(extra) > 3 else "")
            raise UserError(f"{label}: holds files that wargame did not write there "
                            f"({shown}); it will not replace it",
                            hint="move them elsewhere, or give a new folder")
    except OSError as exc:
        raise UserError(f"{label}: cannot read the folder ({exc.strerror or exc})") from None
    return target


def write_marker(folder: Path, kind: str) -> None:
    """Mark ``folder`` as a ``kind`` output listing the files in it now."""
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name != MARKER)
    (folder / MARKER).write_text(json.dumps({"kind": kind, "files": files}, indent=1) + "\n")


def replace_dir(target: Path, fill: Callable[[Path], Any], kind: str,
                inputs: Sequence[Path] = (), option: str = "--out") -> Path:
    """Build a ``kind`` folder with ``fill`` in a temporary sibling and swap it into
    place, replacing ``target`` only if :func:`check_replaceable` allows it. An interrupted
    write leaves the old folder (or none), never half a folder."""
    target = check_replaceable(Path(target), kind, inputs, option)
    label = _label(option, target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{target.name[:40]}-",
                                    dir=target.parent))
    except OSError as exc:
        raise UserError(f"{label}: cannot create the folder ({exc.strerror or exc})") from None
    trash: Path | None = None
    try:
        fill(tmp)
        write_marker(tmp, kind)
        check_replaceable(target, kind, inputs, option)  # nothing changed meanwhile
        if target.is_dir() and any(target.iterdir()):
            trash = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}old-", dir=target.parent))
            os.rename(target, trash / "old")
        try:
            os.replace(tmp, target)  # an empty folder is replaced as well
        except OSError:
            if trash is not None:
                os.rename(trash / "old", target)
                trash = None
            raise
    except OSError as exc:
        raise UserError(f"{label}: cannot write the folder ({exc.strerror or exc})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
    return target
