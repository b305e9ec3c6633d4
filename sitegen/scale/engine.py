"""The Dask engine of `sitegen import --engine dask`: the run's items converted on a cluster, into Parquet shards.

The items (in the order of the sources) are cut into tasks: a WARC file into runs of consecutive
records (sources.split_warc), each a byte range that one worker reads in one pass; any other item
is a task of its own. Each task converts its records with the import's own per-record function
and writes them as one shard (shards.py) into the run's work folder, which the workers must see
(the local disk for a LocalCluster, a shared folder for a cluster of several machines).

Reprints: each shard's records give their MinHash band keys (dedupe.bands), and a shuffle groups
the keys across shards; the records that share a key with another are the only ones a later
record may be a copy of. The import then settles the records in order, as a local import does,
keeping only those records' sketches in memory for the candidates, which it checks in full as
today. The groups are therefore the same as a local import's (a record that shares no band
with any other is never anyone's candidate). A run holding a multi-page article keeps every
sketch, since its joined pages form a body no shard saw.

Nothing is written into content/ until every shard is written and the shuffle is done: a cluster
that fails leaves content/ as it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen import dedupe, sources
from sitegen.cache import CACHE_DIR
from sitegen.errors import SitegenError
from sitegen.scale import shards

if TYPE_CHECKING:
    from distributed import Client

    from sitegen.commands.import_ import Engine, Extracted

RECORDS_PER_TASK = 64  # WARC records a task reads in one pass: small enough to spread, big enough to be worth a task
PARTS_PER_WORKER = 4  # partitions of the band shuffle per worker of the cluster
CONNECT_TIMEOUT = 10  # seconds to reach a scheduler given by --scheduler
_BAND_COLUMNS = ("position", "sketch_size", "sketch")
_FAILED_HINT = "nothing was written into content/; run the same command again"


@dataclass
class Shards:
    """A run's shards, read back in order, and what the band shuffle found."""

    paths: list[Path]
    shared: set[int]  # positions of the records that share a band key with another record
    chains: bool  # some page links to a next page: multi-page articles may be joined
    labels: set[str] = field(default_factory=set)  # labels of the shared records, filled while reading

    def results(self) -> Iterator[Extracted]:
        """Every record, in the order of the run's items."""
        for path in self.paths:
            for values in shards.read(path):
                if values["position"] in self.shared:
                    self.labels.add(values["label"])
                yield shards.extracted(values)

    def sketched(self, label: str) -> bool:
        """Whether the import keeps this record's sketch for the records after it (see the module's docstring)."""
        return self.chains or label in self.labels


def extract(
    items: Sequence[sources.Item],
    task: Callable[[Sequence[sources.Item]], list[Extracted]],
    engine: Engine,
    workers: int,
    root: Path,
) -> Shards:
    """The items converted by task on the cluster engine names, written as shards into its work folder."""
    if not items:
        return Shards([], set(), False)
    runs = sources.split_warc(items, RECORDS_PER_TASK)
    work = engine.work or root / CACHE_DIR / "import" / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    for old in work.glob(shards.PATTERN):  # an earlier run's shards in the folder given again
        old.unlink()
    paths = [work / shards.shard_name(n) for n in range(len(runs))]
    starts = _starts(runs)
    with _client(engine.scheduler, workers) as client:
        written = _convert(client, runs, task, paths, starts)
        shared = _shared(client, paths)
    return Shards(paths, shared, any(written))


def _starts(runs: Sequence[Sequence[sources.Item]]) -> list[int]:
    """Each run's first position in the whole run."""
    starts, at = [], 0
    for run in runs:
        starts.append(at)
        at += len(run)
    return starts


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Client]:
    """A client of the scheduler at that address, or of a LocalCluster of `workers` processes."""
    from distributed import Client, LocalCluster

    quiet = logging.CRITICAL  # the cluster's own logs (a task's error too) would bury the import's report
    if scheduler is None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=quiet
        )
        with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
            yield client
        return
    logging.getLogger("distributed").setLevel(quiet)
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
    except (OSError, ValueError, TypeError) as err:
        raise SitegenError(
            f"cannot reach the Dask scheduler at {scheduler}: {err}",
            hint="give the address a scheduler printed (tcp://host:8786), or leave out --scheduler "
            "for a cluster on this machine",
        ) from None
    with client:
        yield client


def _convert(
    client: Client,
    runs: Sequence[Sequence[sources.Item]],
    task: Callable[[Sequence[sources.Item]], list[Extracted]],
    paths: Sequence[Path],
    starts: Sequence[int],
) -> list[bool]:
    """Each run converted and written as its shard; for each, whether a page of it has a next page."""
    from distributed import as_completed

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
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
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


def _shared(client: Client, paths: Sequence[Path]) -> set[int]:
    """The band shuffle: every record's band keys grouped across the shards; the positions of the records
    that share a key with another."""
    import dask.bag

    workers = len(client.scheduler_info().get("workers", ()))
    parts = min(len(paths), PARTS_PER_WORKER * max(1, workers))
    names = [str(p) for p in paths]
    keys = dask.bag.from_sequence(names, npartitions=parts).map_partitions(_band_keys)  # type: ignore[no-untyped-call]
    groups = keys.groupby(lambda pair: pair[0], shuffle="tasks", npartitions=parts)
    shared = groups.filter(lambda group: len(group[1]) > 1).map(lambda group: [p for _, p in group[1]]).flatten()
    try:
        return set(client.compute(shared.distinct(), sync=True))  # type: ignore[no-untyped-call]
    except Exception as err:  # as in _convert
        problem = f"{type(err).__name__}: {err}"
        raise SitegenError(
            f"the Dask cluster failed while grouping the records by band key: {problem}", hint=_FAILED_HINT
        ) from None


def _band_keys(paths: Sequence[str]) -> list[tuple[int, int]]:
    """(band key, position) for each band of each record of these shards."""
    return [
        (band, values["position"])
        for path in paths
        for values in shards.read(Path(path), _BAND_COLUMNS)
        for band in dedupe.bands(dedupe.Sketch(values["sketch_size"], tuple(values["sketch"])))
    ]
