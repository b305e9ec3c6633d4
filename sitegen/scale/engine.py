"""The Dask engine of `sitegen import --engine dask`: the run's items converted on a cluster, into Parquet shards.

The items (in the order of the sources) are cut into tasks: a WARC file into runs of consecutive
records (sources.split_warc), each a byte range that one worker reads in one pass; any other item
is a task of its own. Each task converts its records with the import's own per-record function
and writes them as one shard (shards.py) into the run's work folder, which the workers must see
(the local disk for a LocalCluster, a shared folder for a cluster of several machines).

Reprints: the records' MinHash band keys (dedupe.bands) are grouped on the cluster, a shuffle by key.
Each batch of shards gives its records' sketches as arrays and their band keys cut into parts by a hash
of the key; each part's keys go to one task, which sorts them into groups, pairs each record with the
records a run's dedupe.Index would hold for that key when it comes (the group's first dedupe.HELD, in
run order), and estimates the pairs (dedupe.pair_likenesses) with the batches' sketches. The pairs
estimated near the threshold are the run's dedupe.Pairs, as a local import finds them record by record.
The import then settles the records in order, as a local import does: a record's candidates are those
of its pairs that became posts (and the posts that were in content/ before, from its own index), the
likeliest first, each checked in full (dedupe.same_packed). The groups are therefore the same as a local
import's. A run holding a multi-page article finds its pairs as it is settled, as a local one: the
joined pages make a body no shard held.

Nothing is written into content/ until every shard is written and the shuffle is done: a cluster
that fails leaves content/ as it was.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import operator
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import distributed
import numpy as np

from sitegen import dedupe, sources
from sitegen.cache import CACHE_DIR
from sitegen.errors import SitegenError
from sitegen.scale import shards

if TYPE_CHECKING:
    from sitegen.commands.import_ import Engine, Extracted

RECORDS_PER_TASK = 64  # WARC records a task reads in one pass: small enough to spread, big enough to be worth a task
PARTS_PER_WORKER = 4  # partitions of the band shuffle per worker of the cluster
PAIRS_AT_ONCE = 1 << 16  # pairs estimated in one step of a part: 64 MB of minima gathered
CONNECT_TIMEOUT = 10  # seconds to reach a scheduler given by --scheduler
_FAILED_HINT = "nothing was written into content/; run the same command again"


@dataclass
class Shards:
    """A run's shards, read back in order, and the candidates the band shuffle found."""

    paths: list[Path]
    found: dict[int, list[tuple[int, float]]]  # a record's position -> (an earlier record's position, estimate)
    chains: bool  # some page links to a next page: multi-page articles may be joined
    _pairs: dedupe.Pairs[Path] = field(default_factory=lambda: dedupe.Pairs({}))  # found by the shuffle, not again

    def results(self) -> Iterator[Extracted]:
        """Every record, in the order of the run's items; its candidates are told to pairs() as it is read."""
        earlier = {i for near in self.found.values() for i, _ in near}
        labels: dict[int, str] = {}
        for path in self.paths:
            for values in shards.read(path):
                at, label = values["position"], values["label"]
                if at in earlier:
                    labels[at] = label
                if at in self.found:
                    self._pairs.found[label] = [(labels[i], score) for i, score in self.found.pop(at)]
                yield shards.extracted(values)

    def pairs(self) -> dedupe.Pairs[Path] | None:
        """The candidates among the run's records; None when pages may be joined (their body is new: the
        import's index then keeps every sketch, as a local import does)."""
        return None if self.chains else self._pairs


def extract(
    items: Sequence[sources.Item],
    task: Callable[[Sequence[sources.Item]], list[Extracted]],
    engine: Engine,
    workers: int,
    root: Path,
) -> Shards:
    """The items converted by task on the cluster engine names, written as shards into its work folder."""
    if not items:
        return Shards([], {}, False)
    runs = sources.split_warc(items, RECORDS_PER_TASK)
    work = engine.work or root / CACHE_DIR / "import" / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    for old in work.glob(shards.PATTERN):  # an earlier run's shards in the folder given again
        old.unlink()
    paths = [work / shards.shard_name(n) for n in range(len(runs))]
    starts = list(itertools.accumulate((len(run) for run in runs[:-1]), initial=0))  # each run's first position
    with connected(engine.scheduler, workers) as client:
        chains = any(_convert(client, runs, task, paths, starts))
        found = {} if chains else _candidates(client, paths)
    return Shards(paths, found, chains)


@contextlib.contextmanager
def connected(scheduler: str | None, workers: int) -> Iterator[distributed.Client]:
    """A client of the scheduler at that address, or of a LocalCluster of `workers` processes."""
    quiet = logging.CRITICAL  # the cluster's own logs (a task's error too) would bury the import's report
    if scheduler is None:
        try:
            cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=quiet
            )
        except Exception as err:  # no port, no memory, a script that starts a cluster without a main guard
            raise SitegenError(
                f"cannot start a Dask cluster on this machine: {type(err).__name__}: {err}",
                hint="--engine local works without one",
            ) from None
        with cluster, distributed.Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    logging.getLogger("distributed").setLevel(quiet)
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
    except (OSError, ValueError, TypeError) as err:
        raise SitegenError(
            f"cannot reach the Dask scheduler at {scheduler}: {err}",
            hint="give the address a scheduler printed (tcp://host:8786), or leave out --scheduler "
            "for a cluster on this machine",
        ) from None
    with client:
        yield client


def _convert(
    client: distributed.Client,
    runs: Sequence[Sequence[sources.Item]],
    task: Callable[[Sequence[sources.Item]], list[Extracted]],
    paths: Sequence[Path],
    starts: Sequence[int],
) -> list[bool]:
    """Each run converted and written as its shard; for each, whether a page of it has a next page."""
    from sitegen.commands.import_ import progress

    shared_task = client.scatter(task, broadcast=True)  # type: ignore[no-untyped-call]
    futures = [
        client.submit(_shard, shared_task, run, start, path, pure=False)
        for run, start, path in zip(runs, starts, paths, strict=True)
    ]
    sizes = {future.key: len(run) for future, run in zip(futures, runs, strict=True)}
    chains: dict[Any, bool] = {}
    with progress(sum(sizes.values()), "converting") as advance:
        try:
            for future in distributed.as_completed(futures):  # type: ignore[no-untyped-call]
                chains[future.key] = future.result()
                advance(sizes[future.key])
        except Exception as err:  # a worker lost, a task that raised: the cluster's failure, not a source's
            for future in futures:
                future.cancel()  # type: ignore[no-untyped-call]
            problem = f"{type(err).__name__}: {err}"
            raise SitegenError(
                f"the Dask cluster failed after {len(chains)} of {len(futures)} tasks: {problem}", hint=_FAILED_HINT
            ) from None
    return [chains[f.key] for f in futures]


def _shard(
    task: Callable[[Sequence[sources.Item]], list[Extracted]], run: Sequence[sources.Item], start: int, path: Path
) -> bool:
    """On a worker: one run converted and written as its shard; whether a page of it has a next page."""
    found = task(run)
    shards.write(path, [shards.row(start + n, record) for n, record in enumerate(found)])
    return any(f.converted is not None and f.converted.raw.next_page for f in found)


def _candidates(
    client: distributed.Client, paths: Sequence[Path], held: int = dedupe.HELD
) -> dict[int, list[tuple[int, float]]]:
    """For each record, the earlier records it may copy, as dedupe.Pairs finds them in run order: those holding
    one of its band keys among the key's first `held` records, estimated near the threshold. A shuffle: each
    batch of shards gives its records' sketches and their band keys cut into parts by key; each part's keys
    are grouped on a worker, which pairs and estimates the records of each group with the batches' sketches."""
    workers = max(1, len(client.scheduler_info().get("workers", ())))
    parts = PARTS_PER_WORKER * workers
    size = -(-len(paths) // parts)
    batches = [[str(p) for p in paths[i : i + size]] for i in range(0, len(paths), size)]
    try:
        keyed = [client.submit(_keyed, batch, parts, pure=False) for batch in batches]
        sketched = [client.submit(operator.itemgetter(-1), k) for k in keyed]
        scored = [
            client.submit(_part_pairs, [client.submit(operator.itemgetter(part), k) for k in keyed], sketched, held)
            for part in range(parts)
        ]
        found = client.gather(scored)  # type: ignore[no-untyped-call]
    except Exception as err:  # as in _convert
        problem = f"{type(err).__name__}: {err}"
        raise SitegenError(
            f"the Dask cluster failed while grouping the records by band key: {problem}", hint=_FAILED_HINT
        ) from None
    later, earlier, score = (np.concatenate(column) for column in zip(*found, strict=True))
    _, first = np.unique(later * _SPAN + earlier, return_index=True)  # a pair met in several parts, once
    near: dict[int, list[tuple[int, float]]] = {}
    for i in first:
        near.setdefault(int(later[i]), []).append((int(earlier[i]), float(score[i])))
    return near


_SPAN = np.int64(1) << 32  # positions are below this: (later, earlier) as one number


def _keyed(paths: Sequence[str], parts: int) -> list[Any]:
    """On a worker: for each part, the band keys (band, first bin, second bin, position) falling in it, of the
    records of these shards; last, the records' positions, sizes and minima."""
    read = [shards.sketches(Path(path)) for path in paths]
    positions, sizes, mins = (np.concatenate(column) for column in zip(*read, strict=True))
    rows = []
    for band, start in enumerate(range(0, dedupe.BINS, dedupe.ROWS)):
        first, second = mins[:, start], mins[:, start + 1]
        rows.append(np.stack([np.full_like(first, band), first, second, positions.astype(np.uint64)], axis=1))
    keys = np.concatenate(rows) if rows else np.zeros((0, 4), dtype=np.uint64)
    mixed = keys[:, 0] ^ (keys[:, 1] * np.uint64(0x9E3779B97F4A7C15)) ^ (keys[:, 2] * np.uint64(0xC2B2AE3D27D4EB4F))
    part = (mixed >> np.uint64(33)) % np.uint64(parts)
    return [*(keys[part == n] for n in range(parts)), (positions, sizes, mins)]


def _part_pairs(
    keys: Sequence[np.ndarray], sketched: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], held: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """On a worker: (later, earlier, estimate) for the pairs of one part's groups estimated near the threshold.
    A group's records in run order: the one of rank r is paired with those of rank below min(r, held), the
    keys dedupe.Index holds when it looks r up."""
    rows = np.concatenate(keys)
    rows = rows[np.lexsort((rows[:, 3], rows[:, 2], rows[:, 1], rows[:, 0]))]
    starts_here = np.ones(len(rows), dtype=bool)
    starts_here[1:] = (rows[1:, :3] != rows[:-1, :3]).any(axis=1)
    group_start = np.flatnonzero(starts_here)[np.cumsum(starts_here) - 1]
    rank = np.arange(len(rows)) - group_start
    position = rows[:, 3].astype(np.int64)
    later = np.concatenate([position[rank > n] for n in range(held)])
    earlier = np.concatenate([position[group_start[rank > n] + n] for n in range(held)])
    pairs = np.sort(later * _SPAN + earlier)
    pairs = pairs[np.diff(pairs, prepend=-1) != 0]  # each once (sorting is faster here than np.unique's hashing)
    later, earlier = pairs // _SPAN, pairs % _SPAN
    at, sizes, mins = (np.concatenate(column) for column in zip(*sketched, strict=True))
    row = np.zeros(int(at.max(initial=-1)) + 1, dtype=np.int64)
    row[at] = np.arange(len(at))
    score = _estimated(mins, sizes, row[later], row[earlier])
    near = score >= dedupe.LIKELY
    return later[near], earlier[near], score[near]


def _estimated(mins: np.ndarray, sizes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """dedupe.pair_likenesses() of the rows a and b, PAIRS_AT_ONCE pairs at a time (each gathers two rows of minima)."""
    score = np.zeros(len(a))
    for start in range(0, len(a), PAIRS_AT_ONCE):
        x, y = a[start : start + PAIRS_AT_ONCE], b[start : start + PAIRS_AT_ONCE]
        score[start : start + len(x)] = dedupe.pair_likenesses(mins[x], sizes[x], mins[y], sizes[y])
    return score
