"""Client-side search index: exact substring search over character bigrams, in static files.

Chinese has no spaces and a word segmenter misses queries that cut words differently, so
every character bigram is indexed with its positions, and every single character with its
counts (for one-character queries). A term of three or more characters matches where the
bigrams at offsets 0, 2, 4 ... and len-2 chain at consecutive positions: that is exact
substring search. Text is folded first (see fold()); bigrams never contain whitespace.

Doc ids number the docs newest first (undated last), so a smaller id is a newer story.
Each key's postings are cut into blocks by doc range, and each block into a D part (which
docs, how often, whether in the title) and a P part (the positions), so that a query
fetches only the parts it needs: a two-character term needs no positions, and a frequent
key needs only the blocks holding docs that its rarer partners already matched.

Integers are unsigned LEB128 varints ("v" below) unless said otherwise. Files written under
search/ (read by themes/default/static/search.js and by sitegen/search_query.py, which
follow the same steps):

- manifest.json   {"version", "docs", "shards": [folder hash, count], "t2s": [folder hash,
                  count], "facets": hash, "fragments": folder hash}; the only fixed name.
- s-<hash>/<n>.bin  shard n: the records of the keys with fnv1a32(utf8(key)) % count == n:
                    v(len utf8) utf8(key)  v(df: docs holding the key)  v(blocks)  block*
                    block = v(base - previous base, the first relative to -1)  D  [P if bigram]
                    D, P  = 0x00 v(length) bytes (inline: small keys live in the shard)
                          | 0x01 six hash bytes (the file d-<hex>.bin or p-<hex>.bin)
                  A block holds the docs in (base, next block's base].
- D part          segments, one per BATCH_DOCS doc ids that hold the key, each
                    v(n)  n x v(doc - previous doc of the key, the first relative to base)
                    n x v(count * 2 + in title)  v(title count) for each entry in the title
                  counts are occurrences in "title\nbody"; the title ones come first.
- P part          one segment per D segment: a byte w (2 or 4), then for each entry its
                  count positions in "title\nbody" (code points, the title starts at 0),
                  ascending, each a w-byte little-endian integer. Fixed width costs about
                  what gap varints cost here, and encodes and decodes at C speed.
- t2s-<hash>/<n>.json  bucket n of the traditional -> simplified table: {"t": chars, "s":
                  chars} position by position, for the chars with ord(char) % count == n.
- facets-<hash>.json.gz  gzip of {"topic"|"region"|"source": {"names", "sets": [[name index]],
                  "docs": [set index per doc]}, "year": {"names", "ranges": [[first, end)]}}.
- frag-<hash>/<doc id>.json.gz  gzip of {"url", "title", "date", "source", "summary", "text"
                  [, "t2s": [traditional, simplified] for the doc's own characters]}: fetched
                  only for the results shown, for their snippets.

Files are named by content hash (numbered ones by the hash of their folder's contents), so a
host may cache them for ever. gzip files are gzip inside: readers check the magic bytes, as a
host may also decode them on the way. Memory stays flat as the archive grows: the build
holds one batch of docs, then one spill group of keys; postings wait in temporary files.
"""

from __future__ import annotations

import functools
import gc
import gzip
import hashlib
import json
import math
import operator
import pickle
import re
import sys
import tempfile
import unicodedata
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, Protocol, TypeVar

import opencc

from sitegen import parallel

FORMAT_VERSION = 2
BATCH_DOCS = 256  # doc ids per D/P segment: the finest doc range a block can start at
BLOCK_BYTES = 128 * 1024  # a frequent key is cut into blocks of about this size ...
INLINE_BYTES = 1024  # ... and a key whose postings are smaller lives inside its shard
SHARD_BYTES = 4 * 1024  # the shard count grows with the records, keeping each this size
T2S_BUCKETS = 64
HASH_BYTES = 6
SPILL_GROUPS = 64  # the build holds one group of keys in memory at a time

# Exactly JavaScript's \s: the browser splits queries on it, so the index never needs a
# bigram or character that contains one (terms cannot contain them).
SPACE_CHARS = (
    "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
SPACES = frozenset(SPACE_CHARS)


@dataclass(frozen=True)
class SearchDoc:
    """One story as search sees it; the build fills it from the rendered story."""

    url: str  # site-relative, e.g. "posts/some-slug/" (the page will prefix the base path)
    title: str
    text: str  # plain text of the body (Markdown stripped by the caller)
    date: str  # "2022-08-18" or "" when undated
    summary: str
    categories: tuple[str, ...]
    regions: tuple[str, ...]
    source: str


class Card(NamedTuple):
    """What the facets need of a doc: a SearchDoc without its texts."""

    date: str
    categories: tuple[str, ...]
    regions: tuple[str, ...]
    source: str


T = TypeVar("T")


class Docs(Protocol):
    """The docs in doc id order, read by index (a list, or one that makes each doc on demand)."""

    def __len__(self) -> int: ...

    def __getitem__(self, doc_id: int, /) -> SearchDoc: ...


@functools.cache
def t2s_chars() -> dict[str, str]:
    """Traditional -> simplified, one character each, from OpenCC's t2s data.

    Every code point is put through OpenCC's t2s converter on its own (its dictionaries
    TSCharacters, TSCharactersExt and CJK_Compatibility_Ideographs apply; TSPhrases never
    matches a single character). Phrases are left out on purpose: the browser only gets this
    table, and the index must fold text exactly as the browser folds a query. Characters that
    NFKC already changes are dropped, since folding applies NFKC first.
    """
    converter = opencc.OpenCC("t2s")
    table: dict[str, str] = {}
    for start in range(0x80, 0x110000, 0x8000):  # a slice at a time: all at once takes 200 MB
        chars = [chr(c) for c in range(start, min(start + 0x8000, 0x110000)) if not 0xD800 <= c <= 0xDFFF]
        converted = converter.convert("\n".join(chars)).split("\n")
        if len(converted) != len(chars):
            raise RuntimeError("OpenCC changed the number of lines while converting single characters")
        for t, s in zip(chars, converted, strict=True):
            if t != s and len(s) == 1 and unicodedata.normalize("NFKC", t) == t:
                table[t] = s
    return table


@functools.cache
def _traditional() -> re.Pattern[str]:
    """Finds a character the t2s table changes; a class of BMP characters only, which re matches fast."""
    table = t2s_chars()
    bmp = "".join(re.escape(t) for t in sorted(table) if ord(t) < 0x10000)
    return re.compile(f"[{bmp}]" + ("|[\U00010000-\U0010ffff]" if any(ord(t) >= 0x10000 for t in table) else ""))


@functools.cache
def _t2s_translate() -> dict[int, str]:
    return {ord(t): s for t, s in t2s_chars().items()}


# Full-width punctuation common in Chinese text. Replacing a character by its NFKD form does
# not change the text's NFKC form, and without them most stories pass NFKC's quick check.
_WIDE = [(ch, unicodedata.normalize("NFKD", ch)) for ch in "，：；（）！？…％"]


def fold(text: str) -> str:
    """NFKC (full-width -> half-width), traditional -> simplified by character, lowercase.

    search.js applies the same three steps in the same order to the query.
    """
    for wide, narrow in _WIDE:
        if wide in text:
            text = text.replace(wide, narrow)
    text = unicodedata.normalize("NFKC", text)
    if _traditional().search(text):
        text = text.translate(_t2s_translate())
    return text.lower()


def fnv1a(key: str) -> int:
    """FNV-1a (32 bit) over the key's UTF-8 bytes: cheap and identical in JavaScript."""
    h = 0x811C9DC5
    for byte in key.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


@functools.cache
def _varint_table() -> list[bytes]:
    return [varint(v) for v in range(1 << 16)]


def varints(values: list[int]) -> bytes:
    """Many varints at C speed: a table lookup per value, the slow path only for large ones."""
    try:
        return b"".join(map(_varint_table().__getitem__, values))
    except IndexError:
        return b"".join(map(varint, values))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[: 2 * HASH_BYTES]


def _dumps(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


class Segment(NamedTuple):
    """A key's postings in one batch: a D segment without its first gap (tail), and a P segment."""

    key: str
    first: int  # doc ids
    last: int
    entries: int
    tail: bytes
    p: bytes


class Encoded(NamedTuple):
    """A batch of docs as a worker hands it back: their cards, their keys' segments, their fragments."""

    cards: list[tuple[Card, str]]  # and the doc's URL, to name a doc out of order
    segments: list[Segment]
    fragments: list[bytes]


def _chained(segments: list[Segment], last: dict[str, int]) -> Iterator[tuple[str, int, int, bytes, bytes]]:
    """(key, previous doc, entries, D segment, P segment): the first gap counts from the key's doc in an earlier batch."""
    for key, first, final, entries, tail, p in segments:
        prev = last.get(key, -1)
        last[key] = final
        yield key, prev, entries, varint(entries) + varint(first - prev) + tail, p


class _Batch:
    """The postings of BATCH_DOCS consecutive doc ids, per key, before they are encoded.

    entries[key] alternates doc id and, for a bigram, its positions in that doc, for a
    character its count; titled[key] holds (entry number, title count) for title hits.
    """

    def __init__(self) -> None:
        self.entries: dict[str, list[Any]] = {}
        self.titled: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
        self.longest = 0  # characters in the longest text: the width of its positions

    def add(self, doc_id: int, title: str, body: str) -> None:
        """The hot loop of the build: about one dict operation per character of text."""
        text = f"{title}\n{body}"
        self.longest = max(self.longest, len(text))
        pairs: dict[str, list[int]] = {}
        new = pairs.setdefault
        for i, pair in enumerate(map(operator.add, text, text[1:])):
            new(pair, []).append(i)
        chars = Counter(text)
        for space in SPACES.intersection(chars):
            del chars[space]
            at = text.find(space)
            while at >= 0:
                pairs.pop(text[at - 1 : at + 1], None)
                pairs.pop(text[at : at + 2], None)
                at = text.find(space, at + 1)
        entries = self.entries
        for key, value in (*pairs.items(), *chars.items()):
            entry = entries.get(key)
            if entry is None:
                entries[key] = [doc_id, value]
            else:
                entry += (doc_id, value)
        in_title = Counter(map(operator.add, title, title[1:]))
        in_title.update(title)
        for key, count in in_title.items():
            if key in entries and entries[key][-2] == doc_id:  # not a key with a space
                self.titled[key].append((len(entries[key]) // 2 - 1, count))

    def segments(self) -> Iterator[Segment]:
        """Each key's segment, but for the gap of its first doc, which depends on earlier batches (see _chained)."""
        for key, entry in self.entries.items():
            docs, values = entry[0::2], entry[1::2]
            counts = values if len(key) == 1 else list(map(len, values))
            codes = [count * 2 for count in counts]
            titled = self.titled.get(key, [])
            for number, _ in titled:
                codes[number] += 1
            gaps = list(map(operator.sub, docs[1:], docs[:-1]))
            tail = varints(gaps) + varints(codes) + varints([count for _, count in titled])
            yield Segment(key, docs[0], docs[-1], len(docs), tail, b"" if len(key) == 1 else self._positions(values))

    def _positions(self, lists: list[list[int]]) -> bytes:
        """A P segment: a width byte, then every position as a little-endian integer of that width."""
        flat = array("H" if self.longest <= 0x10000 else "I", chain.from_iterable(lists))
        if sys.byteorder == "big":
            flat.byteswap()
        return bytes([flat.itemsize]) + flat.tobytes()


def _part(data: bytes, inline: bool) -> tuple[bytes, bytes | None]:
    """The reference to a D or P part in a shard record, and the file to write when not inline."""
    if inline:
        return b"\x00" + varint(len(data)) + data, None
    return b"\x01" + bytes.fromhex(_digest(data)), data


def _blocks(key: str, segments: list[tuple[int, int, bytes, bytes]]) -> tuple[bytes, list[tuple[str, bytes]]]:
    """One key's shard record and the files of its external parts, from its segments in doc order."""
    total = sum(len(d) + len(p) for _, _, d, p in segments)
    inline = total <= INLINE_BYTES
    groups: list[list[tuple[int, int, bytes, bytes]]] = [[]]
    size = 0
    for segment in segments:
        if size >= BLOCK_BYTES and not inline:
            groups.append([])
            size = 0
        groups[-1].append(segment)
        size += len(segment[2]) + len(segment[3])
    name = key.encode("utf-8")
    record = [varint(len(name)), name, varint(sum(n for _, n, _, _ in segments)), varint(len(groups))]
    files: list[tuple[str, bytes]] = []
    base = -1
    for group in groups:
        record.append(varint(group[0][0] - base))
        base = group[0][0]
        parts = [("d", b"".join(d for _, _, d, _ in group))]
        if len(key) == 2:
            parts.append(("p", b"".join(p for _, _, _, p in group)))
        for prefix, data in parts:
            ref, external = _part(data, inline)
            record.append(ref)
            if external is not None:
                files.append((f"search/{prefix}-{ref[1:].hex()}.bin", external))
    return b"".join(record), files


class _Spill:
    """Segments written to temporary files by key group, read back one group at a time."""

    def __init__(self, folder: Path) -> None:
        self.paths = [folder / f"group-{n}" for n in range(SPILL_GROUPS)]
        self.handles: list[BinaryIO] = [path.open("wb") for path in self.paths]

    def write(self, segments: Iterator[tuple[str, int, int, bytes, bytes]]) -> None:
        groups: list[list[tuple[str, int, int, bytes, bytes]]] = [[] for _ in self.paths]
        for segment in segments:
            groups[zlib.crc32(segment[0].encode("utf-8")) % SPILL_GROUPS].append(segment)
        for handle, group in zip(self.handles, groups, strict=True):
            pickle.dump(group, handle, protocol=pickle.HIGHEST_PROTOCOL)

    def groups(self) -> Iterator[dict[str, list[tuple[int, int, bytes, bytes]]]]:
        for handle in self.handles:
            handle.close()
        for path in self.paths:
            keys: defaultdict[str, list[tuple[int, int, bytes, bytes]]] = defaultdict(list)
            with path.open("rb") as handle:
                while True:
                    try:
                        batch = pickle.load(handle)
                    except EOFError:
                        break
                    for key, prev, entries, d, p in batch:
                        keys[key].append((prev, entries, d, p))
            path.unlink()
            yield keys


def _shards(records: dict[str, bytes]) -> list[bytes]:
    count = max(1, math.ceil(sum(map(len, records.values())) / SHARD_BYTES))
    shards: list[list[bytes]] = [[] for _ in range(count)]
    for key in sorted(records):
        shards[fnv1a(key) % count].append(records[key])
    return [b"".join(shard) for shard in shards]


def newest_first(docs: Iterable[T], date: Callable[[T], str] = operator.attrgetter("date")) -> list[T]:
    """Doc id order: by date ("2022-08-18" or "" when undated), newest first, undated last; ties keep the caller's order."""
    return sorted(docs, key=date, reverse=True)


def _follows(doc: Card, previous: Card) -> bool:
    """doc may take the id after previous's: it is undated, or no newer than a dated previous."""
    return not doc.date or (previous.date != "" and doc.date <= previous.date)


def _facets(docs: list[Card]) -> dict[str, Any]:
    """Each doc's topics, regions and source as one index into that facet's distinct sets."""
    facets: dict[str, Any] = {}
    columns: dict[str, list[tuple[str, ...]]] = {
        "topic": [d.categories for d in docs],
        "region": [d.regions for d in docs],
        "source": [(d.source,) if d.source else () for d in docs],
    }
    for facet, values in columns.items():
        names = sorted({name for value in values for name in value})
        number = {name: i for i, name in enumerate(names)}
        coded = [tuple(sorted({number[name] for name in value})) for value in values]
        sets = sorted(set(coded) | {()})
        index = {s: i for i, s in enumerate(sets)}
        facets[facet] = {"names": names, "sets": [list(s) for s in sets], "docs": [index[s] for s in coded]}
    years: dict[str, list[int]] = {}
    for doc_id, doc in enumerate(docs):
        if doc.date:
            years.setdefault(doc.date[:4], [doc_id, doc_id])[1] = doc_id + 1
    facets["year"] = {"names": list(years), "ranges": list(years.values())}
    return facets


def _t2s_buckets() -> list[bytes]:
    buckets: list[list[tuple[str, str]]] = [[] for _ in range(T2S_BUCKETS)]
    for t, s in sorted(t2s_chars().items()):
        buckets[ord(t) % T2S_BUCKETS].append((t, s))
    return [_dumps({"t": "".join(t for t, _ in b), "s": "".join(s for _, s in b)}) for b in buckets]


def build(docs: Docs) -> Iterator[tuple[str, bytes]]:
    """(path under search/, bytes) for every file of the index, streamed; the manifest comes last.

    docs are in doc id order (newest_first()). A list will do; at 10^5 stories their texts
    together take half a gigabyte, so the build passes a sequence that makes each doc when it
    is read, by the worker that reads it.
    """
    with tempfile.TemporaryDirectory(prefix="sitegen-search-") as tmp:
        spill = _Spill(Path(tmp))
        fragments = _Fragments(Path(tmp) / "fragments")
        cards = _read(docs, spill, fragments)

        records: dict[str, bytes] = {}
        seen: set[str] = set()  # keys with equal postings share a file
        for keys in spill.groups():
            for key in sorted(keys):
                records[key], files = _blocks(key, keys[key])
                for path, data in files:
                    if path not in seen:
                        seen.add(path)
                        yield path, data

        shards = _shards(records)
        shards_dir = _digest(b"".join(varint(len(shard)) + shard for shard in shards))
        for number, shard in enumerate(shards):
            yield f"search/s-{shards_dir}/{number}.bin", shard
        buckets = _t2s_buckets()
        t2s_dir = _digest(b"".join(buckets))
        for number, bucket in enumerate(buckets):
            yield f"search/t2s-{t2s_dir}/{number}.json", bucket
        facets = _gzip(_dumps(_facets(cards)))
        yield f"search/facets-{_digest(facets)}.json.gz", facets
        fragments_dir = fragments.digest.hexdigest()[: 2 * HASH_BYTES]
        for doc_id, data in enumerate(fragments.read()):
            yield f"search/frag-{fragments_dir}/{doc_id}.json.gz", data
    manifest = {
        "version": FORMAT_VERSION,
        "docs": len(cards),
        "shards": [shards_dir, len(shards)],
        "t2s": [t2s_dir, T2S_BUCKETS],
        "facets": _digest(facets),
        "fragments": fragments_dir,
    }
    yield "search/manifest.json", _dumps(manifest)


def _read(docs: Docs, spill: _Spill, fragments: _Fragments) -> list[Card]:
    """Every doc's postings into the spill and its fragment into the fragments file; returns the docs' cards.

    Batches of docs are encoded on every core (see _encoded), and chained in doc id order here.
    The cyclic garbage collector is paused meanwhile, in the workers too: a batch holds
    millions of young lists, none in a cycle, and collecting would take a third of the time.
    """
    fold("")  # the folding tables are made once, before the workers fork
    collecting = gc.isenabled()
    gc.disable()
    try:
        last: dict[str, int] = {}
        cards: list[Card] = []
        starts = range(0, len(docs), BATCH_DOCS)
        for batch in parallel.ordered_map(functools.partial(_encoded, docs), starts, chunk=1):
            for card, url in batch.cards:
                if cards and not _follows(card, cards[-1]):
                    raise ValueError(f"search docs must come newest first: {url} ({card.date or 'undated'}) is late")
                cards.append(card)
            spill.write(_chained(batch.segments, last))
            for data in batch.fragments:
                fragments.add(data)
        fragments.close()
        return cards
    finally:
        if collecting:
            gc.enable()


def _encoded(docs: Docs, start: int) -> Encoded:
    """The docs from start, BATCH_DOCS of them at most: folded, counted and encoded (in a worker)."""
    batch = _Batch()
    cards: list[tuple[Card, str]] = []
    frags: list[bytes] = []
    for doc_id in range(start, min(start + BATCH_DOCS, len(docs))):
        doc = docs[doc_id]
        batch.add(doc_id, fold(doc.title), fold(doc.text))
        cards.append((Card(doc.date, doc.categories, doc.regions, doc.source), doc.url))
        frags.append(_gzip(_dumps(_fragment(doc))))
    return Encoded(cards, list(batch.segments()), frags)


class _Fragments:
    """The gzipped fragments on disk, in doc order, with their running hash (the folder's name)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = path.open("wb")
        self.sizes: list[int] = []
        self.digest = hashlib.sha256()

    def add(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.sizes.append(len(data))

    def close(self) -> None:
        self.handle.close()

    def read(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            for size in self.sizes:
                yield handle.read(size)


def _fragment(doc: SearchDoc) -> dict[str, Any]:
    """What a result shows; "t2s" maps the doc's traditional characters, so its snippet can fold them."""
    record: dict[str, Any] = {
        "url": doc.url,
        "title": doc.title,
        "date": doc.date,
        "source": doc.source,
        "summary": doc.summary,
        "text": doc.text,
    }
    shown = f"{doc.title}\n{doc.summary}\n{doc.text}"
    if _traditional().search(shown):
        table = t2s_chars()
        pairs = sorted({(ch, table[ch]) for ch in shown if ch in table})
        record["t2s"] = ["".join(t for t, _ in pairs), "".join(s for _, s in pairs)]
    return record
