"""Scratch folders named for the process that made them, so that a later run removes those of a killed one.

A build stages the new site in a folder beside output/ and spills the search index to /tmp; kill -9
leaves them behind (tens of megabytes each). Their names carry the maker's process id: a folder whose
maker is gone is a leftover, and the next run that makes one with the same prefix removes it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def scratch(parent: Path | None, prefix: str) -> Path:
    """A new folder under parent (the system's temporary folder if None), named prefix + this process's id."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


@contextlib.contextmanager
def temporary(prefix: str) -> Iterator[Path]:
    """A scratch folder in the system's temporary folder, removed after; a killed run's are removed first."""
    sweep(None, prefix)
    path = scratch(None, prefix)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sweep(parent: Path | None, prefix: str) -> list[Path]:
    """Remove the folders under parent that scratch() made with prefix for a process no longer running."""
    folder = Path(parent if parent is not None else tempfile.gettempdir())
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in sorted(names):
        if not name.startswith(prefix):
            continue
        maker = name[len(prefix) :].partition("-")[0]
        path = folder / name
        if maker.isdigit() and not _running(int(maker)) and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
