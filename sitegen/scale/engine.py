"""The Dask engine of `sitegen import --engine dask`: the run's items converted on a cluster, into Parquet shards.

The items (in the order of the sources) are cut into tasks: a WARC file into runs of consecutive
records (sources.split_warc), each a byte range that one worker reads in one pass; any other item
is a task of its own. Each task converts its records with the import's own per-record function
and writes them as one shard (shards.py) into the run's work folder, which the workers must see
(the local disk for a LocalCluster, a shared folder for a cluster of several machines).

Reprints: each shard's records give their MinHash band keys (dedupe.bands), and a shuffle sends
each record's sketch to the group of each of its keys, where the workers estimate every two
records of the group (dedupe.likeness) and keep the pairs a local import's dedupe.Index would make
candidates. (The shuffle moves BINS / ROWS copies of each sketch, whatever the number of pairs:
synthetic stories recombined from a few sentences share keys by the hundred.) The import then settles the records in order, as a
local import does: a record's candidates are those of its pairs that became posts (and the posts
that were in content/ before, from its own index), the likeliest first, each checked in full as
today (dedupe.same_story). The groups are therefore the same as a local import's, and the import's
index holds no sketch of the run's records. A run holding a multi-page article is settled with the
index alone, as a local one: the joined pages make a body no shard held.

Nothing is written into content/ until every shard is written and the shuffle is done: a cluster
that fails leaves content/ as it was.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dask.bag
import distributed

from sitegen import dedupe, sources
from sitegen.cache import CACHE_DIR
from sitegen.errors import SitegenError
from sitegen.scale import shards

if TYPE_CHECKING:
    from sitegen.commands.import_ import Engine, Extracted

RECORDS_PER_TASK = 64  # WARC records a task reads in one pass: small enough to spread, big enough to be worth a task
PARTS_PER_WORKER = 4  # partitions of the band shuffle per worker of the cluster
CONNECT_TIMEOUT = 10  # seconds to reach a scheduler given by --scheduler
_BAND_COLUMNS = ("position", "sketch_size", "sketch")
_FAILED_HINT = "nothing was written into content/; run the same command again"


@dataclass
class Shards:
    """A run's shards, read back in order, and the candidates the band shuffle found."""

    paths: list[Path]
    found: dict[int, list[tuple[int, float]]]  # a record's position -> (an earlier record's position, estimate)
    chains: bool  # some page links to a next page: multi-page articles may be joined
    _pairs: dedupe.Pairs[Path] = field(default_factory=dedupe.Pairs)

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


def _candidates(client: distributed.Client, paths: Sequence[Path]) -> dict[int, list[tuple[int, float]]]:
    """For each record, the earlier records it may copy, as dedupe.Index would find them: those sharing a band
    key, estimated near the threshold. One shuffle: each record's sketch goes to the group of each of its band
    keys, where every two records are estimated (a pair sharing several keys is estimated in each)."""
    workers = len(client.scheduler_info().get("workers", ()))
    parts = min(len(paths), PARTS_PER_WORKER * max(1, workers))
    names = [str(p) for p in paths]
    keyed = dask.bag.from_sequence(names, npartitions=parts).map_partitions(_band_rows)  # type: ignore[no-untyped-call]
    scored = keyed.groupby(_key, shuffle="tasks", npartitions=parts).map_partitions(_scored)
    try:
        found: dict[int, dict[int, float]] = {}
        for later, earlier, score in client.compute(scored, sync=True):  # type: ignore[no-untyped-call]
            found.setdefault(later, {})[earlier] = score
    except Exception as err:  # as in _convert
        problem = f"{type(err).__name__}: {err}"
        raise SitegenError(
            f"the Dask cluster failed while grouping the records by band key: {problem}", hint=_FAILED_HINT
        ) from None
    return {later: sorted(near.items()) for later, near in found.items()}


def _band_rows(paths: Sequence[str]) -> list[tuple[int, tuple[int, dedupe.Sketch]]]:
    """(band key, (position, sketch)) for each band of each record of these shards."""
    rows = []
    for path in paths:
        for values in shards.read(Path(path), _BAND_COLUMNS):
            sketch = dedupe.Sketch(values["sketch_size"], tuple(values["sketch"]))
            rows += [(band, (values["position"], sketch)) for band in dedupe.bands(sketch)]
    return rows


def _key(row: tuple[int, Any]) -> int:
    return int(row[0])


def _scored(groups: Sequence[tuple[int, list[tuple[int, tuple[int, dedupe.Sketch]]]]]) -> list[tuple[int, int, float]]:
    """(later, earlier, estimate) for every two records of a band key estimated near the threshold."""
    found = []
    for _, rows in groups:
        members = sorted((member for _, member in rows), key=lambda member: member[0])
        for n, (later, sketch) in enumerate(members):
            for earlier, other in members[:n]:
                score = dedupe.likeness(sketch, other)
                if score >= dedupe.LIKELY:
                    found.append((later, earlier, score))
    return found
