"""Map a task over items on every core, results in order: the build's CPU-bound steps and the import's
reading of its sources.

Workers are forked, so they start with the build's state (posts, terms, templates) instead of
having it pickled to them; only results come back. The calling process works too, taking chunks
of items from the same counter as its workers: one core's work is done without a forked copy of
the build's memory (each copy drifts apart from the parent as both write). Small batches run in
the calling process, where forking would cost more than it saves.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Generator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext
from typing import Any, TypeVar

from sitegen.errors import SitegenError

T = TypeVar("T")
R = TypeVar("R")

CHUNK = 32  # items taken at once, by a worker or by the calling process
AHEAD = 16  # chunks taken and not yet handed to the caller's loop, per process
_LOST = "a worker process of the build ended early (out of memory?); build again"
_work: tuple[Callable[[Any], Any], Sequence[Any], int] | None = None  # what the forked workers inherit


def cores() -> int:
    """The cores this process may use; 1 where processes cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class WorkerLost(SitegenError):
    """A forked worker ended before sending its results (the kernel's out-of-memory killer, a kill -9)."""


class _Claims:
    """The next chunk's first item, shared by the calling process and its workers, and the credits that keep
    them at most `ahead` chunks past the one the caller's loop has: results nobody reads yet pile up in the
    calling process (a build's rendered pages, when writing them is slower than making them).

    A credit is free whenever the chunk the caller waits for is not taken yet (chunks are taken in order, so
    every credit then belongs to a chunk already handed over): the caller can always take it itself.
    """

    def __init__(self, context: ForkContext, end: int, step: int, ahead: int) -> None:
        self.next_start = context.Value("q", 0)
        self.end, self.step = end, step
        self.credits = context.Semaphore(ahead)

    def take(self, wait: bool = True) -> int | None:
        """The next chunk's first item; None when every chunk is taken (or, wait=False, no credit is free)."""
        if not self.credits.acquire(wait):
            return None
        with self.next_start.get_lock():
            start = int(self.next_start.value)
            if start < self.end:
                self.next_start.value = start + self.step
                return start
        self.credits.release()
        return None

    def handed(self) -> None:
        """A chunk went to the caller's loop: another may be taken."""
        self.credits.release()


def ordered_map(
    task: Callable[[T], R], items: Sequence[T], chunk: int = CHUNK, jobs: int | None = None
) -> Generator[R, None, None]:
    """task(item) for every item, in the order of items, on every core.

    chunk: items taken at once; 1 for items that are each a big piece of work. jobs: at most this many
    processes, the calling one included (`sitegen import --jobs`); None for every core. The processes take
    at most AHEAD chunks each before the caller's loop reaches them (see _Claims).
    """
    jobs = min(cores(), jobs) if jobs else cores()
    if jobs < 2 or len(items) < 4 * chunk:
        yield from map(task, items)
        return
    global _work
    _work = (task, items, chunk)
    context = multiprocessing.get_context("fork")
    claims = _Claims(context, len(items), chunk, AHEAD * jobs)
    gc.freeze()  # the garbage collector would otherwise touch, and so copy, every inherited object
    workers: list[multiprocessing.process.BaseProcess] = []
    try:
        pipes = []
        for _ in range(jobs - 1):
            reader, writer = context.Pipe(duplex=False)
            workers.append(context.Process(target=_serve, args=(claims, writer, os.getpid()), daemon=True))
            workers[-1].start()
            writer.close()
            pipes.append(reader)
        arrived: queue.SimpleQueue[tuple[int, list[Any] | None, str | BaseException | None]] = queue.SimpleQueue()
        for reader in pipes:  # threads only once every worker is forked
            threading.Thread(target=_receive, args=(reader, arrived), daemon=True).start()
        done: dict[int, list[Any]] = {}
        ended = 0
        for start in range(0, len(items), chunk):
            while start not in done:
                if not arrived.empty():
                    ended += _arrival(arrived.get(), done)
                elif (mine := claims.take(wait=False)) is not None:
                    done[mine] = _chunk(mine)
                elif ended == len(workers):
                    raise WorkerLost(_LOST)
                else:
                    ended += _arrival(arrived.get(), done)
            claims.handed()
            yield from done.pop(start)
    finally:
        for worker in workers:
            worker.terminate()
            worker.join()
        _work = None
        gc.unfreeze()


class Pending:
    """task() running in a forked process beside the caller: result() waits for its value or raises its error."""

    def __init__(self, task: Callable[[], Any]) -> None:
        context = multiprocessing.get_context("fork")
        reader, writer = context.Pipe(duplex=False)
        self._process = context.Process(target=_once, args=(task, writer, os.getpid()), daemon=True)
        self._process.start()
        writer.close()
        self._reader = reader

    def result(self) -> Any:
        try:
            try:
                value, error = self._reader.recv()
            except (EOFError, OSError):
                raise WorkerLost(_LOST) from None
            if isinstance(error, BaseException):
                raise error
            if error is not None:
                raise RuntimeError(f"a worker process of the build failed:\n{error}")
            return value
        finally:
            self.stop()

    def stop(self) -> None:
        """End the process if it still runs (the caller failed first), and reap it."""
        self._reader.close()
        self._process.terminate()
        self._process.join()


def background(task: Callable[[], R]) -> Pending | None:
    """task() started on another core, or None where processes cannot be forked (run it yourself)."""
    return Pending(task) if cores() > 1 else None


def _die_with_parent(parent: int) -> None:
    """A forked process is killed when the build that forked it dies (kill -9 included), instead of waiting
    on a pipe no one reads (Linux's PR_SET_PDEATHSIG; elsewhere the caller's terminate() is all there is)."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the call
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _once(task: Callable[[], Any], results: Connection, parent: int) -> None:
    _die_with_parent(parent)
    try:
        value = task()
    except BaseException as err:  # the calling process raises it
        try:
            results.send((None, err))
        except Exception:  # it does not pickle: its traceback will do
            results.send((None, traceback.format_exc()))
    else:
        results.send((value, None))
    finally:
        results.close()


def _chunk(start: int) -> list[Any]:
    assert _work is not None
    task, items, chunk = _work
    return [task(item) for item in items[start : start + chunk]]


def _serve(claims: _Claims, results: Connection, parent: int) -> None:
    """A worker: chunks until none is left, each sent back with its first item's index; an error ends it.
    Ctrl-C is the calling process's to handle: it stops its workers, as it does when it fails."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    start: int | None = -1
    try:
        while (start := claims.take()) is not None:
            results.send((start, _chunk(start), None))
    except BaseException as err:  # the calling process raises it
        try:
            results.send((start, None, err))
        except Exception:  # it does not pickle: its traceback will do
            results.send((start, None, traceback.format_exc()))
    finally:
        results.close()


def _receive(reader: Connection, arrived: queue.SimpleQueue[Any]) -> None:
    """Move a worker's results to the calling process's queue as they come, so the worker never waits on a full pipe."""
    while True:
        try:
            arrived.put(reader.recv())
        except (EOFError, OSError):
            arrived.put((-1, None, None))  # the worker has ended
            return


def _arrival(message: tuple[int, list[Any] | None, str | BaseException | None], done: dict[int, list[Any]]) -> int:
    """A worker's message filed: 1 if it says the worker has ended. Raises the worker's error."""
    start, results, error = message
    if isinstance(error, BaseException):
        raise error
    if error is not None:
        raise RuntimeError(f"a worker process of the build failed:\n{error}")
    if results is None:
        return 1
    done[start] = results
    return 0
