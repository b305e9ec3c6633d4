"""parallel.ordered_map: results in order, work shared by the calling process and a forked worker, errors raised."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from sitegen import parallel
from sitegen.errors import SitegenError

PARENT = os.getpid()


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 2)


def slow_square(n: int) -> tuple[int, int]:
    time.sleep(0.01)  # long enough that neither process takes every chunk before the other starts
    return n * n, os.getpid()


def test_results_come_in_order_and_both_processes_work() -> None:
    results = list(parallel.ordered_map(slow_square, range(60), chunk=2))
    assert [square for square, _ in results] == [n * n for n in range(60)]
    pids = {pid for _, pid in results}
    assert PARENT in pids
    assert len(pids) == 2


def fails_in_worker(n: int) -> int:
    time.sleep(0.01)
    if os.getpid() != PARENT:
        raise SitegenError(f"item {n} is bad")
    return n


def test_a_workers_error_is_raised_in_the_caller() -> None:
    with pytest.raises(SitegenError, match=r"item \d+ is bad"):
        list(parallel.ordered_map(fails_in_worker, range(60), chunk=2))


def dies_in_worker(n: int) -> int:
    time.sleep(0.01)
    if os.getpid() != PARENT:
        os._exit(1)  # as the kernel's OOM killer would end it
    return n


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(SitegenError, match="ended early"):
        list(parallel.ordered_map(dies_in_worker, range(60), chunk=2))


CALLS = multiprocessing.get_context("fork").Value("i", 0)  # made before the fork: every process counts in it


def counted(n: int) -> int:
    with CALLS.get_lock():
        CALLS.value += 1
    return n


def test_a_slow_loop_holds_its_workers_back() -> None:
    """Results the caller's loop has not reached would pile up in the calling process (rendered pages, when
    writing them is slower than making them): the processes take only a few chunks ahead of it."""
    CALLS.value = 0
    ahead = []
    for read, n in enumerate(parallel.ordered_map(counted, range(400), chunk=2), 1):
        assert n == read - 1
        time.sleep(0.002)
        ahead.append(CALLS.value - read)
    chunks = parallel.AHEAD * 2  # two processes
    assert max(ahead) <= 2 * chunks + 2  # items of the chunks taken ahead, and the rest of the one being read
    assert max(ahead) >= 2 * chunks - 2  # while the loop sleeps, the worker fills its credits


def test_one_core_or_few_items_run_in_the_calling_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert {pid for _, pid in parallel.ordered_map(slow_square, range(7), chunk=2)} == {PARENT}
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    assert {pid for _, pid in parallel.ordered_map(slow_square, range(60), chunk=2)} == {PARENT}


def test_background_runs_in_another_process_and_returns_its_value() -> None:
    pending = parallel.background(os.getpid)
    assert pending is not None
    assert pending.result() not in (None, PARENT)


def test_background_raises_its_error_in_the_caller() -> None:
    def bad() -> None:
        raise SitegenError("the task failed")

    pending = parallel.background(bad)
    assert pending is not None
    with pytest.raises(SitegenError, match="the task failed"):
        pending.result()


def test_background_that_dies_is_an_error_not_a_hang() -> None:
    pending = parallel.background(lambda: os._exit(3))
    assert pending is not None
    with pytest.raises(SitegenError, match="ended early"):
        pending.result()


def test_background_is_none_on_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    assert parallel.background(os.getpid) is None
