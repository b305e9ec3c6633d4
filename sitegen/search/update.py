"""The search index updated for a few changed docs, to the bytes a full build would make.

A one-post edit must not rebuild the index: that takes as long as indexing every story. Postings
are cut by doc id into segments of BATCH_DOCS docs (see search/index.py), so a changed doc
changes, for each of its keys old and new, only the segment of its batch. The key store keeps
every key's segments and record: update() decodes the segments the changed docs are in, puts
their new entries in place of the old, and makes those keys' records and part files again, for
the keys whose entry in a changed doc is not what it was (see _edited()). A changed topic, region,
source or year changes the facet counts of every counted key of the doc (a thousand and more):
those live in the shards alone (the store keeps records without them), so they are taken from the
last build's shard files, moved by the doc's old and new values, and written back in place.
Only the shards that hold those keys are made again (all of them if the shard count changes),
the facets only if a changed doc's card changed, and the manifest; fragments live in a folder
per batch, so only the changed docs' batches get new ones. The update returns what changed:
the files of the last build are kept but for those it lists as gone (see Changes), so that an
edit handles a few hundred of the index's files, not all of them.

An update applies when every doc keeps its id: as many docs as before, each changed one still
in newest-first order among its neighbours. Anything else (a post added or removed, a date that
moves a post, more than MAX_CHANGED docs changed) falls back to a full build, which the caller
runs when update() returns None.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, NamedTuple

from sitegen.keys import content_key, fnv1a
from sitegen.search import index
from sitegen.search.index import (
    FACETS,
    MANIFEST,
    DocFacets,
    Docs,
    FacetTable,
    IndexFile,
    KeyStore,
    Row,
    SearchDoc,
    Segment,
    State,
    Stored,
    blocks,
    card,
    count_bytes,
    counts_span,
    decode,
    doc_keys,
    facet_names,
    facets_files,
    fixed_files,
    fold,
    fragment,
    fragment_file,
    fragment_folder,
    kept_counts,
    position_bytes,
    positions_of,
    records_of,
    shard_bytes,
    shard_count,
    shard_file,
    shard_files,
    shard_weight,
    source,
    source_texts,
    stored,
    tail,
    uncounted,
    varint,
    varint_at,
    varint_end,
)

MAX_CHANGED = 64  # more changed docs than this: a full build costs less than the update
KEYS_AT_ONCE = 64  # keys whose segments are in memory at once


class Postings(NamedTuple):
    """A folded doc's keys: bigram -> positions, character -> count, key -> count in the title."""

    pairs: dict[str, list[int]]
    chars: Counter[str]
    in_title: Counter[str]

    def keys(self) -> set[str]:
        return {*self.pairs, *self.chars}

    def holds(self, key: str) -> bool:
        return key in (self.pairs if len(key) == 2 else self.chars)

    def entry(self, key: str) -> tuple[Any, int] | None:
        """The doc's value for key (positions or count) and its title count; None if it lacks the key."""
        value = self.pairs.get(key) if len(key) == 2 else self.chars.get(key)
        return None if value is None else (value, self.in_title.get(key, 0))


@dataclass(frozen=True)
class Change:
    """The changed docs, made and folded: what an update puts in place of what the state holds."""

    stamps: list[str]
    changed: list[int]  # doc ids, ascending
    made: dict[int, SearchDoc]
    cards: list[DocFacets]  # every doc's, the changed ones new
    lengths: list[int]
    old: dict[int, Postings]
    new: dict[int, Postings]
    table: FacetTable  # every doc's facets, the changed ones new
    recounted: list[int]  # the changed docs whose facet values changed
    moved: dict[int, Moved]  # ... of those, the ones whose facet counts change
    shifted: dict[tuple[int, ...], list[Counter[int]]] = field(default_factory=dict)

    def shifts(self, docs: tuple[int, ...]) -> list[Counter[int]]:
        """What moving those docs of self.moved does to a key's counts that holds them: for each facet up to the
        last that changes, docs per name number to add (or take away, when negative); [] when none changes."""
        if docs not in self.shifted:
            shifts: list[Counter[int]] = [Counter() for _ in range(len(FACETS) + 1)]
            for i in docs:
                for shift, was, now in zip(shifts, self.moved[i].was, self.moved[i].now, strict=True):
                    shift.subtract(was)
                    shift.update(now)
            changing = [shift if any(shift.values()) else Counter() for shift in shifts]
            while changing and not changing[-1]:
                changing.pop()
            self.shifted[docs] = changing
        return self.shifted[docs]


class Moved(NamedTuple):
    """A doc's facet values (numbered as FacetTable numbers them; topic, region, source, year) before and after."""

    was: list[list[int]]
    now: list[list[int]]


class Changes(NamedTuple):
    """How the index's files differ from those of the state the update started from (base: its manifest's sha).

    files: the new or moved files; those whose bytes the last build made (a renamed folder's) without them.
    """

    files: list[IndexFile]
    gone: list[str]
    base: str


def update(docs: Docs, stamps: Sequence[str], store: KeyStore) -> Changes | None:
    """The index's files that changed since the last build, and those that are gone; None: build it whole.

    The store holds a usable state again only once the update has returned.
    """
    state = store.state()
    if state is None or state.batch_docs != index.BATCH_DOCS or len(state.stamps) != len(stamps):
        return None
    base = next(file.sha for file in state.files if file.path == MANIFEST)
    changed = [i for i, (old, new) in enumerate(zip(state.stamps, stamps, strict=True)) if old != new]
    if not changed:
        return Changes([], [], base)
    if len(changed) > MAX_CHANGED:
        return None
    made = {i: docs[i] for i in changed}
    cards = list(state.cards)
    lengths = list(state.lengths)
    new: dict[int, Postings] = {}
    for i, doc in made.items():
        cards[i] = card(doc)
        title, text = fold(doc.title), fold(doc.text)
        lengths[i] = len(title) + 1 + len(text)
        new[i] = Postings(*doc_keys(title, text))
    if not _in_order(cards, changed):
        return None
    table = FacetTable(cards)
    recounted = [i for i in changed if cards[i] != state.cards[i]]
    if recounted and table.names != facet_names(state.cards):
        return None  # facet values numbered anew: every counted key's counts change
    old = {i: _old_postings(store, state.sources[i]) for i in changed}
    moves = {i: Moved(_numbers(table, state.cards[i]), _numbers(table, cards[i])) for i in recounted}
    moved = {i: move for i, move in moves.items() if move.was != move.now}
    change = Change(list(stamps), changed, made, cards, lengths, old, new, table, recounted, moved)
    return _updated(change, state, store, base)


def listing(store: KeyStore) -> list[IndexFile]:
    """Every file of the index as the store's state has it, without bytes (the store keeps them by sha)."""
    state = store.state()
    assert state is not None, "listed only after a build or an update"
    files = _fragment_files(state.fragments)
    files += [IndexFile(path, sha, None) for path, sha in store.parts()]
    return [*files, *shard_files(state.shards, {}), *state.files]


def _updated(change: Change, state: State, store: KeyStore, base: str) -> Changes:
    """The changed docs' keys made again, then the counts of the keys whose docs' facets moved, the shards
    that hold them all, the changed docs' fragment folders, the facets and the manifest."""
    store.begin(fresh=False)
    last = _Shards(store, state.shards)
    served, added, gone = _keys_updated(change, store, last)
    edited = list(served)
    served.update(_recounted(change, last, edited))
    total = state.total + sum(_weight(record) - _weight(last.record(key)) for key, record in served.items())
    shards, shards_added, shards_gone = _shards_updated(state, store, last, served, edited, total)
    added += shards_added
    gone += shards_gone
    fragments = list(state.fragments)
    shown = {i: fragment(doc) for i, doc in change.made.items()}
    for i, data in shown.items():
        fragments[i] = content_key(data)
    sources = list(state.sources)
    made_sources = {i: source(doc) for i, doc in change.made.items()}
    for i, data in made_sources.items():
        sources[i] = content_key(data)
    store.add((sources[i], data) for i, data in made_sources.items())
    per = index.BATCH_DOCS
    for batch in sorted({i // per for i in change.changed}):
        was = _batch_files(state.fragments, batch * per, {})
        now = _batch_files(fragments, batch * per, shown)
        if was[0].path != now[0].path:  # the folder, named by its fragments, moved
            gone += [(file.path, file.sha) for file in was]
            added += now
    facets = [file for file in state.files if file.path.startswith("search/facets-")]
    if change.recounted:
        facets = facets_files(change.table)
    fixed = fixed_files(shards, facets, fragments)
    was_fixed = set(state.files)
    added += [file for file in fixed if file._replace(data=None) not in was_fixed]
    now_fixed = {file.path for file in fixed}
    gone += [(file.path, file.sha) for file in state.files if file.path not in now_fixed]
    replaced = [file.sha for file in state.files if file.path in now_fixed]  # the manifest's, say
    store.add((file.sha, file.data) for file in added if file.data is not None)
    kept = {file.sha for file in added} | {*fragments, *sources, *shards} | {file.sha for file in fixed}
    unlisted = [file._replace(data=None) for file in fixed]
    new_state = State(
        state.batch_docs,
        change.stamps,
        change.lengths,
        change.cards,
        fragments,
        sources,
        shards,
        total,
        unlisted,
    )
    old_sources = {state.sources[i] for i in change.changed}
    store.finish(new_state, {*(sha for _, sha in gone), *replaced, *old_sources} - kept)
    return Changes(added, [path for path, _ in gone], base)


class _Shards:
    """The last build's shard files, read from the store when first needed, cut into their keys' records
    (with their facet counts, which the store's records lack)."""

    def __init__(self, store: KeyStore, shas: list[str]) -> None:
        self.store = store
        self.shas = shas
        self.read: dict[int, dict[str, bytes]] = {}
        self.numbers: dict[str, int] = {}

    def number(self, key: str) -> int:
        """The key's shard, as the last build counted them."""
        if key not in self.numbers:
            self.numbers[key] = fnv1a(key) % len(self.shas)
        return self.numbers[key]

    def records(self, n: int) -> dict[str, bytes]:
        if n not in self.read:
            self.read[n] = records_of(self.store.blob(self.shas[n]))
        return self.read[n]

    def record(self, key: str) -> bytes | None:
        return self.records(self.number(key)).get(key)


def _keys_updated(
    change: Change, store: KeyStore, last: _Shards
) -> tuple[dict[str, bytes | None], list[IndexFile], list[tuple[str, str]]]:
    """The edited keys made again, KEYS_AT_ONCE at a time (a frequent key holds megabytes) and put in the
    store: their records as the shards hold them (None: the key is gone), their part files added and gone."""
    served: dict[str, bytes | None] = {}
    before: dict[str, str] = {}  # the edited keys' part files, as they were
    after: dict[str, tuple[str, bytes]] = {}  # ... as they are: path -> sha, bytes
    users: Counter[str] = Counter()  # edited keys naming each part file now
    keys = sorted(_edited(change))
    regained = _regained(change)
    for start in range(0, len(keys), KEYS_AT_ONCE):
        chunk = keys[start : start + KEYS_AT_ONCE]
        stored = store.segments(chunk)
        rows: list[Row] = []
        for key in chunk:
            _, _, parts, segments = stored.get(key, (key, b"", (), []))
            before.update(parts)
            was = last.record(key)
            counts = None if key in regained or was is None else _counts(change, key, kept_counts(was))
            segments = _spliced(key, segments, change)
            served[key] = None
            if not segments:
                continue
            record, files = blocks(key, segments, change.table, counts)
            served[key] = record
            made = tuple((path, content_key(data)) for path, data in files)
            rows.append((key, uncounted(record), made, segments))
            for (path, sha), (_, data) in zip(made, files, strict=True):
                after[path] = (sha, data)
                users[path] += 1
        store.drop(key for key in chunk if served[key] is None)
        store.put(rows)
    found = store.part_users({*before, *after})  # new to the index: no key but edited ones names it
    added = [
        IndexFile(path, sha, data)
        for path, (sha, data) in after.items()
        if path not in before and found.get(path, 0) == users[path]
    ]
    gone = [(path, sha) for path, sha in before.items() if not found.get(path)]
    return served, added, gone


def _recounted(change: Change, last: _Shards, edited: Iterable[str]) -> dict[str, bytes]:
    """The records, as the shards hold them, of the keys whose facet counts alone change: those of the docs
    whose facet values moved, but for the edited keys (made again whole). Their counts are the last
    build's, the moved docs taken from their old values and counted under their new ones."""
    records: dict[str, bytes] = {}
    for key in _counted_again(change).difference(edited):
        record = last.record(key)
        kept = None if record is None else kept_counts(record)
        if record is None or kept is None:
            continue
        start, end = counts_span(record)
        records[key] = record[:start] + (_counts(change, key, kept) or b"") + record[end:]
    return records


def _shards_updated(
    state: State, store: KeyStore, last: _Shards, served: dict[str, bytes | None], edited: list[str], total: int
) -> tuple[list[str], list[IndexFile], list[tuple[str, str]]]:
    """The shards' shas after the changed keys' records (served: as the shards hold them; edited: the keys put
    in the store), and their files added and gone (path, sha).

    Only the shards holding those keys are made again, unless the shard count changed.
    """
    count = shard_count(total)
    if count == len(state.shards):
        store.assign(count, edited)
        shas = list(state.shards)
        made = {n: _shard_again(last, n, changed) for n, changed in _by_shard(last, served).items()}
    else:
        store.assign(count)
        shas = [""] * count
        records: dict[str, bytes | None] = {
            key: record for n in range(len(state.shards)) for key, record in last.records(n).items()
        }
        records.update(served)
        made = shard_bytes({key: record for key, record in records.items() if record is not None}, count, range(count))
    for n, data in made.items():
        shas[n] = content_key(data)
    if shas == state.shards:
        return shas, [], []
    return shas, shard_files(shas, made), [(file.path, file.sha) for file in shard_files(state.shards, {})]


def _weight(record: bytes | None) -> int:
    return 0 if record is None else shard_weight(record)


def _by_shard(last: _Shards, served: dict[str, bytes | None]) -> dict[int, dict[str, bytes | None]]:
    """The changed records by the shard that holds them."""
    shards: defaultdict[int, dict[str, bytes | None]] = defaultdict(dict)
    for key, record in served.items():
        shards[last.number(key)][key] = record
    return shards


def _shard_again(last: _Shards, n: int, changed: dict[str, bytes | None]) -> bytes:
    """Shard n's file with the changed records in place of the last build's (None: the key is gone)."""
    records: dict[str, bytes | None] = {**last.records(n), **changed}
    return shard_file(record for _, record in sorted(records.items()) if record is not None)


def _edited(change: Change) -> set[str]:
    """The keys whose entry (positions or count, title count) changed in a changed doc: their segments change.

    Every other key keeps its segments, record and part files to the byte (but for the counts of
    _counted_again()): a sentence added at the end of a story shifts no position, so it touches
    only the keys of that sentence.
    """
    keys: set[str] = set()
    for i in change.changed:
        old, new = change.old[i], change.new[i]
        keys.update(key for key in old.keys() | new.keys() if old.entry(key) != new.entry(key))
    return keys


def _counted_again(change: Change) -> set[str]:
    """The keys of the docs whose facet values changed: a key's facet counts (see index.blocks()) cover its
    docs' facets, so its record in its shard changes even where its segments do not."""
    keys: set[str] = set()
    for i in change.moved:
        keys.update(change.old[i].keys() | change.new[i].keys())
    return keys


def _regained(change: Change) -> set[str]:
    """The keys a changed doc gained or lost: their docs change, so their facet counts are counted again."""
    keys: set[str] = set()
    for i in change.changed:
        keys.update(change.old[i].keys() ^ change.new[i].keys())
    return keys


def _counts(change: Change, key: str, kept: bytes | None) -> bytes | None:
    """A key's facet counts after the update, for a key whose docs are the ones it had (kept: its counts as they
    were, None if it keeps none): the docs that moved between facet values taken from their old values and
    counted under their new ones, instead of counting every doc of the key again. The facets after the last one
    some doc moved in keep their bytes unread."""
    shifts = change.shifts(tuple(i for i in change.moved if change.new[i].holds(key)))
    if kept is None or not shifts:
        return kept
    body = bytearray()
    at = varint_end(kept, 0)
    for shift in shifts:
        end = _facet_end(kept, at)
        if shift:
            counted = _facet_counts(decode(kept[at:end]))
            for name, n in shift.items():
                counted[name] = counted.get(name, 0) + n
            body += count_bytes(sorted((name, n) for name, n in counted.items() if n))
        else:
            body += kept[at:end]
        at = end
    body += kept[at:]
    return varint(len(body)) + body


def _facet_end(counts: bytes, at: int) -> int:
    """Where one facet's counts that start at counts[at] end (see index.count_bytes()): v(2m) and m varints,
    or v(2n + 1) and 2n."""
    value, n_end = varint_at(counts, at)
    n, sparse = divmod(value, 2)
    found = _varints(n * (1 + sparse)).match(counts, n_end)
    assert found is not None
    return found.end()


def _facet_counts(values: list[int]) -> dict[int, int]:
    """One facet's counts, decoded, as docs per name number."""
    n, sparse = divmod(values[0], 2)
    if sparse:
        return dict(zip(accumulate(values[1::2]), values[2::2], strict=True))
    return {name: docs for name, docs in enumerate(values[1 : n + 1]) if docs}


@functools.cache
def _varints(n: int) -> re.Pattern[bytes]:
    """Matches n varints."""
    return re.compile(rb"(?:[\x80-\xff]*[\x00-\x7f]){%d}" % n)


def _numbers(table: FacetTable, card: DocFacets) -> list[list[int]]:
    """A doc's facet values as the table numbers them: its topics, regions, source and year."""
    values = (
        card.categories,
        card.regions,
        (card.source,) if card.source else (),
        (card.date[:4],) if card.date else (),
    )
    return [
        sorted({table.names[facet].index(name) for name in names})
        for facet, names in zip((*FACETS, "year"), values, strict=True)
    ]


def _in_order(cards: list[DocFacets], changed: list[int]) -> bool:
    """Each changed doc may keep its id: newest first still holds on both of its sides."""
    follows = index.follows
    return all(
        (i == 0 or follows(cards[i], cards[i - 1])) and (i + 1 == len(cards) or follows(cards[i + 1], cards[i]))
        for i in changed
    )


def _old_postings(store: KeyStore, sha: str) -> Postings:
    """A doc's keys as the last build indexed them, from its source (its title and text)."""
    title, text = source_texts(store.blob(sha))
    return Postings(*doc_keys(fold(title), fold(text)))


def _spliced(key: str, segments: list[Stored], change: Change) -> list[Stored]:
    """The key's segments with the changed docs' entries replaced, in doc order.

    A segment after a changed one may need its first gap counted again (the key's last doc
    before it may have changed); every other segment is kept as it is.
    """
    per = index.BATCH_DOCS
    touched: defaultdict[int, list[int]] = defaultdict(list)
    old, new = change.old, change.new
    for i in change.changed:
        if key in old[i].pairs or key in old[i].chars or key in new[i].pairs or key in new[i].chars:
            touched[i // per].append(i)
    by_batch: dict[int, Stored] = {}
    was_after: dict[int, int] = {}  # batch -> the doc its segment's first gap counted from
    prev = -1
    for segment in segments:
        by_batch[segment[0] // per] = segment
        was_after[segment[0] // per] = prev
        prev = segment[0]
    out: list[Stored] = []
    prev = -1
    for batch in sorted(by_batch.keys() | touched.keys()):
        if batch in touched:
            spliced = _splice(key, by_batch.get(batch), was_after.get(batch, -1), prev, touched[batch], new)
            if spliced is None:
                continue
            segment = spliced
        elif was_after[batch] != prev:
            segment = _counted_from(by_batch[batch], was_after[batch], prev)
        else:
            segment = by_batch[batch]
        out.append(segment)
        prev = segment[0]
    return out


def _splice(
    key: str,
    segment: Stored | None,
    was: int,
    prev: int,
    changed: list[int],
    new: dict[int, Postings],
) -> Stored | None:
    """One segment with the changed docs' entries taken out and their new ones put in; None if it ends up empty.

    Its columns are opened as lists of integers, its positions as a list per entry (a segment
    holds one batch of docs), and encoded again as a build encodes them. was: the doc its first
    gap counted from; prev: the doc it counts from now.
    """
    docs: list[int] = []
    codes: list[int] = []
    titles: list[int] = []
    positions: list[list[int]] = []
    if segment is not None:
        _, n, d, p = segment
        values = decode(d)
        docs = list(accumulate(values[1 : n + 1], initial=was))[1:]
        codes = values[n + 1 : 2 * n + 1]
        titles = values[2 * n + 1 :]
        if len(key) == 2:
            positions = positions_of(p, (code >> 1 for code in codes))
    for doc in changed:
        k = bisect_left(docs, doc)
        titled_before = sum(code & 1 for code in codes[:k])
        if k < len(docs) and docs[k] == doc:
            if codes[k] & 1:
                del titles[titled_before]
            if len(key) == 2:
                del positions[k]
            del docs[k], codes[k]
        found = new[doc].entry(key)
        if found is None:
            continue
        value, in_title = found
        docs.insert(k, doc)
        codes.insert(k, (value if len(key) == 1 else len(value)) * 2 + (in_title > 0))
        if in_title:
            titles.insert(titled_before, in_title)
        if len(key) == 2:
            positions.insert(k, value)
    if not docs:
        return None
    p = position_bytes(positions) if len(key) == 2 else b""
    return stored(Segment(key, docs[0], docs[-1], len(docs), tail(docs, codes, titles), p), prev)


def _counted_from(segment: Stored, was: int, prev: int) -> Stored:
    """The segment with its first gap counted from prev instead of was."""
    last, entries, d, p = segment
    gap = varint_end(d, 0)
    at = varint_end(d, gap)
    first = was + decode(d[gap:at])[0]
    return last, entries, varint(entries) + varint(first - prev) + d[at:], p


def _fragment_files(fragments: list[str]) -> list[IndexFile]:
    """Every doc's fragment file, without its bytes."""
    per = index.BATCH_DOCS
    return [file for start in range(0, len(fragments), per) for file in _batch_files(fragments, start, {})]


def _batch_files(fragments: list[str], start: int, shown: dict[int, bytes]) -> list[IndexFile]:
    """The fragment files of the batch of docs from start, in their folder; those in shown with their bytes."""
    end = min(start + index.BATCH_DOCS, len(fragments))
    folder = fragment_folder(fragments[start:end])
    return [IndexFile(fragment_file(folder, i), fragments[i], shown.get(i)) for i in range(start, end)]
