"""Map a task over items on every core, results in order: the build's CPU-bound steps.

Workers are forked, so they start with the build's state (posts, terms, templates) instead of
having it pickled to them; only items' indexes go out and results come back. Small batches run
in the calling process, where forking would cost more than it saves.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 32  # items per message to and from a worker
_work: tuple[Callable[[Any], Any], Sequence[Any], int] | None = None  # what the forked workers inherit


def cores() -> int:
    """The cores this process may use; 1 where processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def ordered_map(task: Callable[[T], R], items: Sequence[T], chunk: int = CHUNK) -> Iterator[R]:
    """task(item) for every item, in the order of items, on one worker process per core.

    chunk: items per message; 1 for items that are each a big piece of work.
    """
    jobs = cores()
    if jobs < 2 or len(items) < 4 * chunk:
        yield from map(task, items)
        return
    global _work
    _work = (task, items, chunk)
    gc.freeze()  # the garbage collector would otherwise touch, and so copy, every inherited object
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for results in pool.imap(_run, range(0, len(items), chunk)):
                yield from results
    finally:
        _work = None
        gc.unfreeze()


def _run(start: int) -> list[Any]:
    assert _work is not None
    task, items, chunk = _work
    return [task(item) for item in items[start : start + chunk]]
