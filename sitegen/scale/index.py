"""The search index built on a Dask cluster: the same files, byte for byte, as index.build() makes.

index.build() encodes the docs a batch at a time in local processes, spills each batch's
segments by key group, then cuts each key's blocks one group at a time. Here the same functions
of search/index.py run as tasks, and the spill becomes a shuffle that the workers hold:

1. encode  per run of batches, on a worker: index.encode_batch() for each batch, its segments
           split there by key group (the shuffle's map side). Each batch's cards, fragment
           and text files come back to the client.
2. blocks  per key group, on a worker, once every batch is encoded and the facet table is made
           from the cards: the group's segments from every run, chained per key in doc order,
           cut into blocks by index.blocks() (the shuffle's reduce side). The part files come
           back; the records stay on the worker.
3. shards  the records shuffled again, by shard number (the count follows from their total
           size); each run of shards is made where its records meet, by index.shard_bytes().
4. the rest on the client: the facets' files, the t2s table and the manifest (index.fixed_files()).

Files are yielded as index.build() yields them, the manifest last, so that the build writes
them the same way; the order of the others differs. No key store is filled: the next local
build after a cluster build builds the index whole. The client makes the docs a run at a time
(Window) as it submits them, with a bounded number of runs in flight.
"""

from __future__ import annotations

import contextlib
import gc
import math
import operator
import zlib
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, NamedTuple

import distributed
from distributed import Client

from sitegen.keys import content_key, fnv1a
from sitegen.search import index
from sitegen.search.index import BATCH_DOCS, DocFacets, Docs, FacetTable, IndexFile, SearchDoc, Segment, Stored

DOCS_PER_GROUP = 20_000  # a key group holds about this many docs' postings: what one reduce task holds
RUN_BATCHES = 16  # batches per encode task at most: the docs of a run travel to a worker at once
TASKS_PER_THREAD = 4  # encode tasks per worker thread, at least, where the docs allow: the load balances
AHEAD_PER_THREAD = 2  # runs submitted but not yet back, per worker thread: the client holds their docs

Future = Any  # a distributed.Future (distributed's own annotations are partial)
as_completed: Callable[..., Any] = distributed.as_completed


@dataclass(frozen=True)
class Window:
    """The docs of one run, as index.encode_batch() reads them: by doc id, from start."""

    start: int
    docs: list[SearchDoc]

    def __len__(self) -> int:
        return self.start + len(self.docs)

    def __getitem__(self, doc_id: int) -> SearchDoc:
        return self.docs[doc_id - self.start]


class Batch(NamedTuple):
    """What the client needs of an encoded batch: its docs' cards and fragment files."""

    start: int
    cards: list[tuple[DocFacets, str]]
    fragments: list[bytes]


Run = tuple[list[Batch], list[list[Segment]]]  # a run's batches, and its segments per key group in doc order
Blocked = tuple[dict[str, bytes], dict[str, bytes]]  # a key group's records by key, its part files by path


def build(client: Client, docs: Docs, groups: int | None = None) -> Iterator[IndexFile]:
    """Every file of the index, as index.build(docs) makes them, the manifest last (docs: newest first)."""
    return _build(client, docs, groups)


def _build(client: Any, docs: Docs, groups: int | None) -> Iterator[IndexFile]:
    threads = sum(client.nthreads().values())
    groups = groups or group_count(len(docs), threads)
    client.run(index.use_t2s, index.t2s_chars())  # made once here, not by every worker
    listed = Listed([], [])
    parts = yield from _encoded(client, docs, runs(len(docs), threads), groups, listed)
    table = FacetTable(_in_order(listed.cards))
    shared = client.scatter(table, broadcast=True, hash=False)
    blocked = [client.submit(_blocks, shared, *(run[g] for run in parts), pure=False) for g in range(groups)]
    del parts  # a run's split is let go once every group holds its part
    records = [client.submit(operator.itemgetter(0), b, pure=False) for b in blocked]
    total = 0
    seen: set[str] = set()  # keys with equal postings share a file, in one key group or in two
    for files, size in _results([client.submit(_files, b, pure=False) for b in blocked]):
        total += size
        for file in files:
            if file.path not in seen:
                seen.add(file.path)
                yield file
    del blocked
    count = index.shard_count(total)
    made = _shards(client, records, count, min(groups, count))
    shas = [content_key(made[n]) for n in range(count)]
    yield from index.shard_files(shas, made)
    yield from index.fixed_files(shas, index.facets_files(table), listed.fragments)


class Listed(NamedTuple):
    """What the end of the build needs of every doc, in doc id order: its card and its fragment's sha."""

    cards: list[tuple[DocFacets, str]]
    fragments: list[str]


def group_count(docs: int, threads: int) -> int:
    """Key groups: two per worker thread at least, more as the archive grows, so that one group fits a worker."""
    return max(2 * threads, math.ceil(docs / DOCS_PER_GROUP))


def runs(docs: int, threads: int) -> list[range]:
    """The batches' first doc ids, cut into runs of consecutive batches: one encode task each."""
    starts = range(0, docs, BATCH_DOCS)
    per = max(1, min(RUN_BATCHES, len(starts) // (TASKS_PER_THREAD * threads)))
    return [starts[i : i + per] for i in range(0, len(starts), per)]


def group_of(key: str, groups: int) -> int:
    return zlib.crc32(key.encode("utf-8")) % groups


def _encoded(
    client: Any, docs: Docs, all_runs: list[range], groups: int, listed: Listed
) -> Generator[IndexFile, None, list[list[Future]]]:
    """Stage 1: each run encoded on a worker; its fragment and text files yielded, its docs listed, and
    for each run its segments per key group (futures: the workers hold them)."""
    done = as_completed()
    parts: list[list[Future]] = []
    back: dict[int, Listed] = {}
    ahead = AHEAD_PER_THREAD * sum(client.nthreads().values())
    for run in all_runs:
        end = min(run[-1] + BATCH_DOCS, len(docs))
        window = Window(run[0], [docs[doc_id] for doc_id in range(run[0], end)])
        shipped = client.scatter(window, hash=False)  # to a worker as data, not inside the task graph
        encoded = client.submit(_encode, shipped, run, groups, pure=False)
        done.add(client.submit(operator.itemgetter(0), encoded, pure=False))
        parts.append([client.submit(_part, encoded, g, pure=False) for g in range(groups)])
        while done.count() >= ahead:
            yield from _batch_files(next(done).result(), back)
    for future in done:
        yield from _batch_files(future.result(), back)
    for start in sorted(back):
        listed.cards.extend(back[start].cards)
        listed.fragments.extend(back[start].fragments)
    return parts


def _batch_files(batches: list[Batch], back: dict[int, Listed]) -> Iterator[IndexFile]:
    """A run's fragment files, named as index.build() names them; its docs listed in back."""
    for batch in batches:
        fragments = [content_key(data) for data in batch.fragments]
        back[batch.start] = Listed(batch.cards, fragments)
        folder = index.fragment_folder(fragments)
        for doc_id, (sha, data) in enumerate(zip(fragments, batch.fragments, strict=True), batch.start):
            yield IndexFile(index.fragment_file(folder, doc_id), sha, data)


def _in_order(cards: list[tuple[DocFacets, str]]) -> list[DocFacets]:
    """The docs' cards, checked to come newest first as index.build() checks them."""
    for (shown, url), (previous, _) in zip(cards[1:], cards, strict=False):
        if not index.follows(shown, previous):
            raise ValueError(f"search docs must come newest first: {url} ({shown.date or 'undated'}) is late")
    return [shown for shown, _ in cards]


def _shards(client: Any, records: list[Future], count: int, parts: int) -> dict[int, bytes]:
    """Stage 3: the records shuffled by shard number (shard n to part n % parts) and each part's shard files made."""
    split = [client.submit(_split_records, r, count, parts, pure=False) for r in records]
    pieces = [[client.submit(operator.itemgetter(q), s, pure=False) for s in split] for q in range(parts)]
    made: dict[int, bytes] = {}
    for shards in _results([client.submit(_shard_part, count, q, parts, *p, pure=False) for q, p in enumerate(pieces)]):
        made.update(shards)
    return made


def _results(futures: list[Future]) -> Iterator[Any]:
    """Each future's result as it comes, each let go once read."""
    for future in as_completed(futures):
        yield future.result()
        future.release()


# ---- on the workers ----


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic collector paused, as index.build() pauses it: a batch makes millions of young lists, none in a cycle."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _encode(window: Window, run: Sequence[int], groups: int) -> Run:
    """A run of batches encoded, its segments split by key group (each group's in doc order)."""
    batches: list[Batch] = []
    split: list[list[Segment]] = [[] for _ in range(groups)]
    with _collector_paused():
        for start in run:
            encoded = index.encode_batch(window, False, start)
            batches.append(Batch(start, encoded.cards, encoded.fragments))
            for segment in encoded.segments:
                split[group_of(segment.key, groups)].append(segment)
    return batches, split


def _part(encoded: Run, group: int) -> list[Segment]:
    return encoded[1][group]


def _blocks(table: FacetTable, *parts: list[Segment]) -> Blocked:
    """A key group's records and part files, from its segments of every run in doc order (see index.build())."""
    keys: defaultdict[str, list[Stored]] = defaultdict(list)
    with _collector_paused():
        for segment in chain.from_iterable(parts):
            held = keys[segment.key]
            held.append(index.stored(segment, held[-1][0] if held else -1))
        records: dict[str, bytes] = {}
        files: dict[str, bytes] = {}  # keys with equal postings share a file
        for key in sorted(keys):
            records[key], made = index.blocks(key, keys.pop(key), table)
            files.update(made)
    return records, files


def _files(blocked: Blocked) -> tuple[list[IndexFile], int]:
    """A key group's part files, and its records' index.shard_weight() (the shard count follows from the total)."""
    records, files = blocked
    weight = sum(map(index.shard_weight, records.values()))
    return [IndexFile(path, content_key(data), data) for path, data in files.items()], weight


def _split_records(records: dict[str, bytes], count: int, parts: int) -> list[dict[str, bytes]]:
    split: list[dict[str, bytes]] = [{} for _ in range(parts)]
    for key, record in records.items():
        split[fnv1a(key) % count % parts][key] = record
    return split


def _shard_part(count: int, part: int, parts: int, *pieces: dict[str, bytes]) -> dict[int, bytes]:
    """The shard files numbered part, part + parts, ... from every key group's records for them."""
    records: dict[str, bytes] = {}
    for piece in pieces:
        records.update(piece)
    return index.shard_bytes(records, count, range(part, count, parts))
