"""The search index updated for a few changed docs, to the bytes a full build would make.

A one-post edit must not rebuild the index: at 10^4 stories that takes twenty seconds. Postings
are cut by doc id into segments of BATCH_DOCS docs (see search_index.py), so a changed doc
changes, for each of its keys old and new, only the segment of its batch. The key store keeps
every key's segments and record: update() decodes the segments the changed docs are in, puts
their new entries in place of the old, and makes those keys' records and part files again, for
the keys whose entry in a changed doc is not what it was (see _touched()).
Shards, facets and the manifest are made again from every key's record and every doc's card;
fragments live in a folder per batch, so only the changed docs' batches get new ones.

An update applies when every doc keeps its id: as many docs as before, each changed one still
in newest-first order among its neighbours, and no batch's positions changing width. Anything
else (a post added or removed, a date that moves a post, more than MAX_CHANGED docs changed)
falls back to a full build, which the caller runs when update() returns None.
"""

from __future__ import annotations

import gzip
import json
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, NamedTuple

from sitegen import search_index
from sitegen.output import content_key
from sitegen.search_index import (
    Card,
    Docs,
    IndexFile,
    KeyStore,
    SearchDoc,
    Segment,
    State,
    Stored,
    blocks,
    card,
    decode,
    doc_keys,
    finish,
    fold,
    fragment,
    fragment_file,
    fragment_folder,
    listed,
    position_bytes,
    stored,
    tail,
    varint,
    width_code,
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
    cards: list[Card]  # every doc's, the changed ones new
    lengths: list[int]
    old: dict[int, Postings]
    new: dict[int, Postings]


def update(docs: Docs, stamps: Sequence[str], store: KeyStore) -> Iterator[IndexFile] | None:
    """Every file of the index, those unchanged since the last build without their bytes; None: build it whole.

    The files stream out (the manifest last), and the store holds a usable state again only
    when the last one has been read.
    """
    state = store.state()
    if state is None or state.batch_docs != search_index.BATCH_DOCS or len(state.stamps) != len(stamps):
        return None
    changed = [i for i, (old, new) in enumerate(zip(state.stamps, stamps, strict=True)) if old != new]
    if not changed:
        return iter([IndexFile(path, sha, None) for path, sha in state.files])
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
    if not _in_order(cards, changed) or _widths(state.lengths, changed) != _widths(lengths, changed):
        return None
    old = {i: _old_postings(store, state.fragments[i]) for i in changed}
    return _updated(Change(list(stamps), changed, made, cards, lengths, old, new), state, store)


def _updated(change: Change, state: State, store: KeyStore) -> Iterator[IndexFile]:
    """The keys of the changed docs made again, KEYS_AT_ONCE at a time (a frequent key holds megabytes), then the rest."""
    store.begin(fresh=False)
    known = dict(state.files)
    listing: list[tuple[str, str]] = []
    fresh: set[str] = set()  # the part files this update made
    keys = _touched(change)
    widths = _widths(change.lengths, change.changed)
    for start in range(0, len(keys), KEYS_AT_ONCE):
        chunk = keys[start : start + KEYS_AT_ONCE]
        stored = store.segments(chunk)
        rows = []
        for key in chunk:
            segments = _spliced(key, stored.pop(key, []), change, widths)
            if not segments:
                continue
            record, files = blocks(key, segments)
            rows.append((key, record, tuple(path for path, _ in files), segments))
            for path, data in files:
                if path not in known and path not in fresh:
                    fresh.add(path)
                    yield listed(IndexFile(path, content_key(data), data), listing, store)
        kept = {row[0] for row in rows}
        store.drop(key for key in chunk if key not in kept)
        store.put(rows)

    records: dict[str, bytes] = {}
    parts: set[str] = set()
    for key, record, paths in store.records():
        records[key] = record
        parts.update(paths)
    for path in sorted(parts - fresh):
        yield listed(IndexFile(path, known[path], None), listing, store)
    fragments = list(state.fragments)
    shown = {i: fragment(doc) for i, doc in change.made.items()}
    for i, data in shown.items():
        fragments[i] = content_key(data)
    per = search_index.BATCH_DOCS
    for file in (
        *_fragment_files(fragments, shown, {i // per for i in change.changed}),
        *finish(records, change.cards, fragments),
    ):
        yield listed(file, listing, store)
    store.finish(State(state.batch_docs, change.stamps, change.lengths, change.cards, fragments, listing))


def _touched(change: Change) -> list[str]:
    """The keys whose entry (positions or count, title count) changed in a changed doc, in order.

    Every other key keeps its segments, record and part files to the byte: a sentence added at
    the end of a story shifts no position, so it touches only the keys of that sentence.
    """
    keys: set[str] = set()
    for i in change.changed:
        old, new = change.old[i], change.new[i]
        keys.update(key for key in old.keys() | new.keys() if old.entry(key) != new.entry(key))
    return sorted(keys)


def _in_order(cards: list[Card], changed: list[int]) -> bool:
    """Each changed doc may keep its id: newest first still holds on both of its sides."""
    follows = search_index.follows
    return all(
        (i == 0 or follows(cards[i], cards[i - 1])) and (i + 1 == len(cards) or follows(cards[i + 1], cards[i]))
        for i in changed
    )


def _widths(lengths: list[int], changed: list[int]) -> dict[int, str]:
    """The position width of each batch holding a changed doc."""
    per = search_index.BATCH_DOCS
    return {b: width_code(max(lengths[b * per : (b + 1) * per])) for b in {i // per for i in changed}}


def _old_postings(store: KeyStore, sha: str) -> Postings:
    """A doc's keys as the last build indexed them, from its fragment (which holds its title and text)."""
    shown = json.loads(gzip.decompress(store.blob(sha)))
    return Postings(*doc_keys(fold(shown["title"]), fold(shown["text"])))


def _spliced(key: str, segments: list[Stored], change: Change, widths: dict[int, str]) -> list[Stored]:
    """The key's segments with the changed docs' entries replaced, in doc order.

    A segment after a changed one may need its first gap counted again (the key's last doc
    before it may have changed); every other segment is kept as it is.
    """
    per = search_index.BATCH_DOCS
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
            spliced = _splice(
                key, by_batch.get(batch), was_after.get(batch, -1), prev, touched[batch], new, widths[batch]
            )
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
    typecode: str,
) -> Stored | None:
    """One segment with the changed docs' entries taken out and their new ones put in; None if it ends up empty.

    Its columns are opened as lists of integers and its positions stay bytes: an edit costs a
    few list operations per entry, not a decoded and re-encoded posting per entry. was: the
    doc its first gap counted from; prev: the doc it counts from now.
    """
    docs: list[int] = []
    codes: list[int] = []
    titles: list[int] = []
    width = array(typecode).itemsize
    positions = b""
    if segment is not None:
        _, n, d, p = segment
        values = decode(d)
        docs = list(accumulate(values[1 : n + 1], initial=was))[1:]
        codes = values[n + 1 : 2 * n + 1]
        titles = values[2 * n + 1 :]
        positions = p[1:]
    for doc in changed:
        k = bisect_left(docs, doc)
        titled_before = sum(code & 1 for code in codes[:k])
        starts = [0, *accumulate((code >> 1) * width for code in codes)] if len(key) == 2 else []
        if k < len(docs) and docs[k] == doc:
            if codes[k] & 1:
                del titles[titled_before]
            if starts:
                positions = positions[: starts[k]] + positions[starts[k + 1] :]
            del docs[k], codes[k]
        found = new[doc].entry(key)
        if found is None:
            continue
        value, in_title = found
        docs.insert(k, doc)
        codes.insert(k, (value if len(key) == 1 else len(value)) * 2 + (in_title > 0))
        if in_title:
            titles.insert(titled_before, in_title)
        if starts:
            positions = positions[: starts[k]] + position_bytes([value], typecode) + positions[starts[k] :]
    if not docs:
        return None
    p = bytes([width]) + positions if len(key) == 2 else b""
    return stored(Segment(key, docs[0], docs[-1], len(docs), tail(docs, codes, titles), p), prev)


def _counted_from(segment: Stored, was: int, prev: int) -> Stored:
    """The segment with its first gap counted from prev instead of was."""
    last, entries, d, p = segment
    gap = _varint_end(d, 0)
    at = _varint_end(d, gap)
    first = was + decode(d[gap:at])[0]
    return last, entries, varint(entries) + varint(first - prev) + d[at:], p


def _varint_end(data: bytes, at: int) -> int:
    """Where the varint starting at data[at] ends."""
    while data[at] >= 0x80:
        at += 1
    return at + 1


def _fragment_files(fragments: list[str], shown: dict[int, bytes], batches: set[int]) -> list[IndexFile]:
    """Every doc's fragment file: those in the changed batches in a new folder, the changed docs' with their bytes."""
    per = search_index.BATCH_DOCS
    files = []
    for start in range(0, len(fragments), per):
        folder = fragment_folder(fragments[start : start + per])
        for doc_id in range(start, min(start + per, len(fragments))):
            data = shown.get(doc_id) if start // per in batches else None
            files.append(IndexFile(fragment_file(folder, doc_id), fragments[doc_id], data))
    return files
