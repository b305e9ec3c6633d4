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
search/ (read by themes/default/static/search.js and by sitegen/search/query.py, which
follow the same steps):

- manifest.json   {"version", "docs", "shards": [folder hash, count], "t2s": [folder hash,
                  count], "t2s_again": chars, "facets": hash, "counted": COUNTED_DF, "fragments":
                  [BATCH_DOCS, [folder hash per batch]]};
                  the only fixed name. "t2s_again" are the characters the table both yields and
                  changes: folded text holds no other character the table changes, so a query whose
                  keys are all in the index needs none of its buckets unless it holds one of these.
Shards and D part files are written gzipped when that is smaller (see packed()); readers
look for the gzip magic bytes, so a file is read the same either way.

- s-<hash>/<n>.bin  shard n: the records of the keys with fnv1a32(utf8(key)) % count == n:
                    v(len utf8) utf8(key)  v(df: docs holding the key)  [counts best]  v(blocks)  block*
                    counts = v(length) then per facet (topic, region, source, year) v(2m) and m x
                             v(docs), the docs of name numbers 0 .. m-1 (dense), or v(2n + 1) and
                             n x (v(name number - previous), v(docs)) (sparse), whichever is shorter;
                    best   = v(n) n x v(doc): the key's first BEST_DOCS docs as the key alone, a
                             query of one term, ranks them (see best_docs())
                             both only when df >= COUNTED_DF (the manifest's "counted"): a query whose
                             matches are the key's docs needs no facet columns, and a query of one
                             term of one or two characters shows its first page without the key's
                             D parts: its fragments are fetched in the round after the shards
                    block = v(base - previous base, the first relative to -1)  D  [P if bigram]
                    D, P  = 0x00 v(length) bytes (inline: small keys live in the shard)
                          | 0x01 six hash bytes (the file d-<hex>.bin or p-<hex>.bin)
                  A block holds the docs in (base, next block's base]. The counts live in the
                  record, not in a D part, so that a story's topic, region, source or year
                  changed rewrites its keys' counts and shards alone (see search/update.py).
- D part          segments, one per BATCH_DOCS doc ids that hold the key, each
                    v(n)  n x v(doc - previous doc of the key, the first relative to base)
                    n x v(count * 2 + in title)  v(title count) for each entry in the title
                  counts are occurrences in "title\nbody"; the title ones come first.
- P part          one segment per D segment: a byte w (the width: 2, or 4 when a position needs
                  it), then for each entry its count positions, ascending, each a w-byte
                  little-endian integer: a line's positions are consecutive from a base the
                  line's own text picks, the title's first (see line_bases()). A story's lines
                  fit 16 bits; fixed width costs what gap varints cost here (the slots make
                  gaps between lines wide), and encodes and decodes at C speed.
- t2s-<hash>/<n>.json  bucket n of the traditional -> simplified table: {"t": chars, "s":
                  chars} position by position, for the chars with ord(char) % count == n.
- facets-<hash>.json.gz  the head (the manifest names it): gzip of {"names": {"topic"|"region"|
                  "source"|"year": [names]}, "years": [[first doc, end)] per year, "sets": hash,
                  "columns": [FACET_DOCS, [hash per FACET_DOCS docs]]}; "sets" names the file of
                  {facet: [[name number]]}, the distinct sets of names, and each column file holds
                  {facet: [set number per doc]}. A query reads the columns of its matches' docs only
                  when the counts its rarest key keeps (see blocks()) are not the answer.
- frag-<hash>/<doc id>.json.gz  in the folder of doc id // BATCH_DOCS: gzip of {"url", "title",
                  "date", "source", "regions", "categories", "excerpt" [, "t2s": [traditional,
                  simplified] for the characters of title and excerpt]}: fetched only for the results
                  shown. The excerpt is the story's summary, else the opening of its body (see
                  excerpt()): the snippet store. A result's snippet is cut from it, its hits marked;
                  a term found in neither title nor excerpt is in the body, and the page says so.
                  The story's whole text is not in the index: an index that could cut a snippet
                  anywhere would hold every story's text again (see docs/search.md).

Files are named by content hash (numbered ones by the hash of their folder's contents), so a
host may cache them for ever. Fragments have a folder per batch of docs, so that an edit
renames one folder of them (see search/update.py, which updates the index for a few docs).
gzip files are gzip inside: readers check the magic bytes, as a host may also decode them on
the way. Memory stays flat as the archive grows: the build
holds one batch of docs, then one spill group of keys; postings wait in temporary files.
Given a KeyStore, the build leaves each key's segments and record there, and each doc's
source() (its title and text, which the index does not hold), and the next build updates
the index for the docs that changed (search/update.py) instead of building it again.
"""

from __future__ import annotations

import functools
import gc
import gzip
import json
import math
import operator
import pickle
import re
import sys
import unicodedata
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, Protocol, TypeVar

import numpy as np
import opencc

from sitegen import leftovers, parallel
from sitegen.keys import content_key, fnv1a, short_key
from sitegen.search.bigrams import Ints, batch_postings, varint_values

FORMAT_VERSION = 9
BATCH_DOCS = 256  # doc ids per D/P segment: the finest doc range a block can start at
BLOCK_BYTES = 128 * 1024  # a frequent key is cut into blocks of about this size ...
INLINE_BYTES = 1024  # ... and a key whose postings are smaller lives inside its shard
SHARD_BYTES = 2 * 1024  # the shard count grows with the records, keeping each this size
T2S_BUCKETS = 256
# CJK radicals to the unified ideographs, the compatibility ideographs, the ideographs of planes 2 and 3.
T2S_RANGES = ((0x2E80, 0xA000), (0xF900, 0xFB00), (0x20000, 0x32400))
HASH_BYTES = 6
SPILL_GROUPS = 64  # the build holds one group of keys in memory at a time
SLOT_SIZE = 1 << 6  # positions in a slot: a position is slot * SLOT_SIZE + offset (see line_bases())
SLOTS = 1 << 10  # slots in a story: its positions fit 16 bits unless it falls back to plain offsets
EXCERPT_CHARS = 160  # characters of a story's opening kept as its excerpt when it has no summary
COUNTED_DF = 64  # a key in this many docs or more carries its facet counts and best docs
BEST_DOCS = 10  # a key's best docs kept in its record: the first page of results (the readers' PAGE_SIZE)
COUNTS_WEIGHT = 160  # what a key's facet counts weigh in the shard count, whatever their length (see shard_weight())
FACET_DOCS = 4096  # docs per file of facet columns: a query that reads them mostly reads them all

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


class DocFacets(NamedTuple):
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


_t2s: dict[str, str] | None = None  # t2s_chars(), made once per process or handed over by use_t2s()


def use_t2s(table: dict[str, str]) -> None:
    """A table t2s_chars() made before, with the same OpenCC (the build cache keeps one: it is slow to make)."""
    global _t2s
    _t2s = table
    _traditional.cache_clear()
    _t2s_translate.cache_clear()


def t2s_chars() -> dict[str, str]:
    """Traditional -> simplified, one character each, from OpenCC's t2s data.

    Every code point of T2S_RANGES is put through OpenCC's t2s converter on its own (its
    dictionaries TSCharacters, TSCharactersExt and CJK_Compatibility_Ideographs apply;
    TSPhrases never matches a single character). OpenCC maps no code point outside them (a
    test checks), and converting all of Unicode would cost far more. Phrases are
    left out on purpose: the browser only gets this table, and the index must fold text
    exactly as the browser folds a query. Characters that NFKC already changes are dropped,
    since folding applies NFKC first.
    """
    global _t2s
    if _t2s is None:
        _t2s = {t: s for begin, end in T2S_RANGES for t, s in _converted(begin, end).items()}
    return _t2s


def _converted(begin: int, end: int) -> dict[str, str]:
    """The t2s table for the code points in [begin, end)."""
    converter = opencc.OpenCC("t2s")
    table: dict[str, str] = {}
    for start in range(begin, end, 0x8000):  # a slice at a time: all at once holds every code point's string
        chars = [chr(c) for c in range(start, min(start + 0x8000, end)) if not 0xD800 <= c <= 0xDFFF]
        converted = converter.convert("\n".join(chars)).split("\n")
        if len(converted) != len(chars):
            raise RuntimeError("OpenCC changed the number of lines while converting single characters")
        changed = [(t, s) for t, s in zip(chars, converted, strict=True) if t != s]  # a few thousand
        table.update((t, s) for t, s in changed if len(s) == 1 and unicodedata.normalize("NFKC", t) == t)
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


def varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_LONG_VARINT = re.compile(rb"[\x80-\xff]+[\x00-\x7f]")


def decode(data: bytes) -> list[int]:
    """Every varint in data: the one-byte ones (most gaps and counts) copied at C speed, the rest added up."""
    out: list[int] = []
    at = 0
    for match in _LONG_VARINT.finditer(data):
        out += data[at : match.start()]
        value = 0
        for shift, byte in enumerate(match.group()):
            value |= (byte & 0x7F) << 7 * shift
        out.append(value)
        at = match.end()
    out += data[at:]
    return out


@functools.cache
def _varint_table() -> list[bytes]:
    """The varints of one and two bytes: gaps within a batch and most counts."""
    return [bytes([v]) for v in range(0x80)] + [bytes([v & 0x7F | 0x80, v >> 7]) for v in range(0x80, 1 << 14)]


def varints(values: list[int]) -> bytes:
    """Many varints at C speed: the bytes themselves when all are under 128, else a table lookup per value."""
    if max(values, default=0) < 0x80:
        return bytes(values)
    try:
        return b"".join(map(_varint_table().__getitem__, values))
    except IndexError:
        return b"".join(map(varint, values))


def _digest(data: bytes) -> str:
    return short_key(data, 2 * HASH_BYTES)


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


# A key's segment as blocks hold it and the key store keeps it: (last doc, entries, D segment
# whole with its first gap counted from the key's previous doc, P segment).
Stored = tuple[int, int, bytes, bytes]


class Encoded(NamedTuple):
    """A batch of docs as a worker hands it back: their cards, their keys' segments, their fragments."""

    cards: list[tuple[DocFacets, str]]  # and the doc's URL, to name a doc out of order
    lengths: list[int]  # characters in each doc's folded "title\nbody"
    segments: list[Segment]
    fragments: list[bytes]
    sources: list[bytes]  # each doc's source() for the key store; none without one


class IndexFile(NamedTuple):
    """A file of the index: data is None when the last build made the same file (its bytes are kept by sha)."""

    path: str
    sha: str  # SHA-256 of the bytes, hex
    data: bytes | None


@dataclass(frozen=True)
class State:
    """What the next build needs to update the index rather than build it again (see search/update.py).

    The keys' part files are not listed here: the key store lists them by key (KeyStore.parts()).
    """

    batch_docs: int
    stamps: list[str]  # per doc id: the hashes of everything the doc is made from (its card and body)
    lengths: list[int]
    cards: list[DocFacets]
    fragments: list[str]  # per doc id: the sha of its fragment file
    sources: list[str]  # per doc id: the sha of its source() in the store, to find the keys it had
    shards: list[str]  # per shard: the sha of its file
    total: int  # every key's record's shard_weight(): what sets the shard count
    files: list[IndexFile]  # the t2s table's, the facets' and the manifest's files, without their bytes


Part = tuple[str, str]  # a key's part file: its path and sha
Row = tuple[str, bytes, tuple[Part, ...], list[Stored]]  # a key, its record, part files and segments


class KeyStore(Protocol):
    """Where the build keeps each key's record, part files and segments between builds (the build cache)."""

    def state(self) -> State | None:
        """The state saved by finish(), None if none was or the build that made it stopped part-way."""
        ...

    def begin(self, fresh: bool) -> None:
        """An update starts: the state is forgotten until finish(); fresh: every key is forgotten too."""
        ...

    def put(self, rows: Iterable[Row]) -> None:
        """Keys' rows: record, part files, segments in doc order."""
        ...

    def drop(self, keys: Iterable[str]) -> None: ...

    def segments(self, keys: Iterable[str]) -> dict[str, Row]:
        """The rows of those keys that the store holds."""
        ...

    def assign(self, count: int, keys: Iterable[str] | None = None) -> None:
        """Number the keys' shards (every key's, or those keys') for count shards."""
        ...

    def part_users(self, paths: Iterable[str]) -> dict[str, int]:
        """How many keys name each of those part files."""
        ...

    def parts(self) -> list[Part]:
        """Every part file the keys name."""
        ...

    def blob(self, sha: str) -> bytes:
        """The bytes of a file of the index, by its sha."""
        ...

    def add(self, files: Iterable[tuple[str, bytes]]) -> None:
        """Keep these files' bytes (sha, data)."""
        ...

    def keep_only(self, shas: Iterable[str]) -> None:
        """Forget the bytes of every file but these."""
        ...

    def finish(self, state: State, dropped: Iterable[str]) -> None:
        """Keep the state, and forget the bytes of the files dropped (by sha)."""
        ...


def doc_keys(
    title: str, body: str, bases: list[int] | None = None
) -> tuple[dict[str, list[int]], Counter[str], Counter[str]]:
    """A folded doc's bigrams with their positions (its lines' bases, made by line_bases() unless given), its
    characters with their counts, and the title counts of those of its keys that are in the title. No key
    holds a space. An update counts a changed doc with it (search/update.py); a build counts a whole batch
    at once (search/bigrams.py), to the same postings."""
    text = f"{title}\n{body}"
    lines = text.split("\n")
    pairs: dict[str, list[int]] = {}
    new = pairs.setdefault
    if bases is None:
        bases = line_bases(lines, title.count("\n") + 1)
    for base, line in sorted(zip(bases, lines, strict=True)):
        for i, pair in enumerate(map(operator.add, line, line[1:]), base):
            new(pair, []).append(i)
    chars = Counter(text)
    for space in SPACES.intersection(chars):
        del chars[space]
        at = text.find(space)
        while at >= 0:
            pairs.pop(text[at - 1 : at + 1], None)
            pairs.pop(text[at : at + 2], None)
            at = text.find(space, at + 1)
    in_title = Counter(map(operator.add, title, title[1:]))
    in_title.update(title)
    for key in [key for key in in_title if key not in pairs and key not in chars]:
        del in_title[key]
    return pairs, chars, in_title


def line_bases(lines: list[str], titled: int) -> list[int]:
    """The position of each line's first character; the first titled lines are the title's.

    A position is slot * SLOT_SIZE + offset: each line takes the free slots from one picked by the
    hash of its text (a line longer than a slot takes several in a row), and one slot more kept
    empty. So a line keeps its positions when a line before it is added, removed or edited (an
    edit in the middle of a story touches only its own lines' keys, see search/update.py, and
    the keys of a line whose slots a new line took, which is rare: a story fills a few per
    cent of the slots), two
    lines' positions are more than a slot apart (a span that wide means "not in one line"), and
    the title's lines come first, from slot 0. A line of one character has no bigram, and no slot.
    A story whose lines would take more than half the slots keeps its characters' offsets in
    "title\nbody" instead.
    """
    taken = bytearray(SLOTS + 1)
    taken[SLOTS] = 1  # no line runs past the last slot
    free = SLOTS // 2  # slots left to take: probing stays short
    after: dict[int, int] = {}  # hashed slot -> the slot after the last line placed from it (repeated lines)
    bases: list[int] = []
    start = 0
    for n, line in enumerate(lines):
        if len(line) < 2:
            bases.append(0)
            continue
        size = -(-len(line) // SLOT_SIZE) + 1  # and the empty slot after it
        free -= size
        if free < 0:
            return list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
        hashed = zlib.crc32(line.encode("utf-8")) % SLOTS if n >= titled else start
        start = after.get(hashed, hashed)
        while taken.find(1, start, start + size) >= 0:
            start = start + 1 if start + size < SLOTS else 0
        taken[start : start + size] = b"\x01" * size
        bases.append(start * SLOT_SIZE)
        start += size
        after[hashed] = start
    return bases


def tail(docs: list[int], codes: list[int], titles: list[int]) -> bytes:
    """A D segment but for its count and first gap: the gaps between its docs, their codes, their title counts."""
    return varints([*map(operator.sub, docs[1:], docs[:-1]), *codes, *titles])


def position_bytes(lists: Iterable[Iterable[int]]) -> bytes:
    """A P segment: its width byte, then the positions as little-endian integers of that width, 2 bytes
    when they all fit (a story in slots always does), else 4."""
    lists = list(lists)
    try:
        flat = array("H", chain.from_iterable(lists))
    except OverflowError:
        flat = array("I", chain.from_iterable(lists))
    if sys.byteorder == "big":
        flat.byteswap()
    return bytes([flat.itemsize]) + flat.tobytes()


def positions_of(segment: bytes, counts: Iterable[int]) -> list[list[int]]:
    """A P segment read back: each entry's positions, given each entry's count."""
    flat = array("H" if segment[0] == 2 else "I", segment[1:])
    if sys.byteorder == "big":
        flat.byteswap()
    ends = list(accumulate(counts, initial=0))
    return [flat[start:end].tolist() for start, end in zip(ends, ends[1:], strict=False)]


def packed(data: bytes) -> bytes:
    """A file of postings as it is written: gzip when that is smaller (the readers look for its magic bytes).

    Doc gaps and count codes repeat a few small values, so D parts and shards shrink to a third;
    positions hardly compress and are left as they are.
    """
    squeezed = _gzip(data)
    return squeezed if len(squeezed) < len(data) else data


def stored(segment: Segment, prev: int) -> Stored:
    """A segment with its first gap, counted from prev: the key's last doc in earlier batches, or -1."""
    return (
        segment.last,
        segment.entries,
        varint(segment.entries) + varint(segment.first - prev) + segment.tail,
        segment.p,
    )


def counts_span(record: bytes) -> tuple[int, int]:
    """Where a shard record's facet counts lie, v(length) included: [start, end), empty when it keeps none."""
    length, at = varint_at(record, 0)
    df, at = varint_at(record, at + length)
    if df < COUNTED_DF:
        return at, at
    length, end = varint_at(record, at)
    return at, end + length


def kept_counts(record: bytes) -> bytes | None:
    """A shard record's facet counts (v(length) counts), None if it keeps none."""
    start, end = counts_span(record)
    return record[start:end] if end > start else None


def uncounted(record: bytes) -> bytes:
    """A shard record without its facet counts: what the key store keeps (the shard's file keeps the counts)."""
    start, end = counts_span(record)
    return record[:start] + record[end:]


def records_of(shard: bytes) -> dict[str, bytes]:
    """A shard's file (as shard_bytes() made it) cut into its keys' records."""
    data = zlib.decompress(shard, wbits=31) if shard[:2] == b"\x1f\x8b" else shard
    records: dict[str, bytes] = {}
    at = 0
    while at < len(data):
        start = at
        length, at = varint_at(data, at)
        key = data[at : at + length].decode("utf-8")
        df, at = varint_at(data, at + length)
        if df >= COUNTED_DF:
            length, at = varint_at(data, at)
            best, at = varint_at(data, at + length)
            for _ in range(best):
                at = varint_end(data, at)
        blocks, at = varint_at(data, at)
        for _ in range(blocks):
            at = varint_end(data, at)  # the block's base
            for _ in range(2 if len(key) == 2 else 1):  # its D part, and P part
                if data[at] == 0:
                    length, at = varint_at(data, at + 1)
                    at += length
                else:
                    at += 1 + HASH_BYTES
        records[key] = data[start:at]
    return records


def varint_at(data: bytes, at: int) -> tuple[int, int]:
    """The varint starting at data[at], and where it ends."""
    value = shift = 0
    while data[at] >= 0x80:
        value |= (data[at] & 0x7F) << shift
        shift += 7
        at += 1
    return value | data[at] << shift, at + 1


def varint_end(data: bytes, at: int) -> int:
    """Where the varint starting at data[at] ends."""
    while data[at] >= 0x80:
        at += 1
    return at + 1


def entries_of(segments: list[Stored]) -> tuple[Ints, Ints]:
    """A key's docs, ascending, and their codes (count * 2 + in the title), from its segments (each D segment:
    v(n), n doc gaps, n codes, ...): the varints of every segment decoded at once, and the gaps and codes picked
    from after each segment's first."""
    values, ends = varint_values(b"".join(s[2] for s in segments))
    sizes = np.array([len(s[2]) for s in segments], np.int64)
    entries = np.array([s[1] for s in segments], np.int64)
    firsts = np.searchsorted(ends, np.cumsum(sizes) - sizes)  # the number of each segment's first varint
    gaps = np.repeat(firsts + 1 - (np.cumsum(entries) - entries), entries) + np.arange(int(entries.sum()))
    return np.cumsum(values[gaps]) - 1, values[gaps + np.repeat(entries, entries)]


def best_docs(docs: Ints, codes: Ints) -> list[int]:
    """The first BEST_DOCS of a key's docs as a query of the key alone ranks them (query.py's Hit.rank()): in the
    title first, then more occurrences in doubling buckets (1, 2-3, 4-7 ...), more occurrences, newer (a smaller
    doc id). The score orders all but the last; the docs come in ascending order, so a stable sort keeps it."""
    counts = codes >> 1
    score = (codes & 1) << 40 | np.frexp(counts.astype(np.float64))[1].astype(np.int64) << 34 | counts
    if len(score) > BEST_DOCS:
        cut = np.partition(score, len(score) - BEST_DOCS)[len(score) - BEST_DOCS]  # the BEST_DOCS-th highest
        kept = np.flatnonzero(score >= cut)
    else:
        kept = np.arange(len(score))
    order = kept[np.argsort(-score[kept], kind="stable")[:BEST_DOCS]]
    best: list[int] = docs[order].tolist()
    return best


def _part(data: bytes, inline: bool, squeeze: bool) -> tuple[bytes, bytes | None]:
    """The reference to a D or P part in a shard record, and the file to write when not inline (squeeze: packed())."""
    if inline:
        return b"\x00" + varint(len(data)) + data, None
    written = packed(data) if squeeze else data
    return b"\x01" + bytes.fromhex(_digest(written)), written


def blocks(
    key: str, segments: list[Stored], table: FacetTable, kept: bytes | None = None
) -> tuple[bytes, list[tuple[str, bytes]]]:
    """One key's shard record and the files of its external parts (path, bytes), from its segments in doc order.

    A block's base is the key's last doc before the block (-1 before the first): the doc its
    first D segment's first gap counts from. A key in COUNTED_DF docs or more has its facet
    counts (FacetTable.counted()) after its df: v(length) counts, then its best docs; kept:
    those counts as they are, when the caller knows them (see search/update.py). The counts
    change no part file and no block's bounds.
    """
    df = sum(s[1] for s in segments)
    counts = b""
    if df >= COUNTED_DF:
        docs, codes = entries_of(segments)
        counted = table.counted(docs) if kept is None else b""
        counts = varint(len(counted)) + counted if kept is None else kept
        best = best_docs(docs, codes)
        counts += varint(len(best)) + varints(best)
    sizes = [len(d) + len(p) for _, _, d, p in segments]
    inline = sum(sizes) <= INLINE_BYTES
    starts = [0]  # the segment each block starts at
    size = 0
    for n, segment_size in enumerate(sizes):
        if size >= BLOCK_BYTES and not inline:
            starts.append(n)
            size = 0
        size += segment_size
    name = key.encode("utf-8")
    record = [varint(len(name)), name, varint(df), counts, varint(len(starts))]
    files: list[tuple[str, bytes]] = []
    base = -1
    for start, end in zip(starts, [*starts[1:], len(segments)], strict=True):
        group = segments[start:end]
        block_base = segments[start - 1][0] if start else -1
        record.append(varint(block_base - base))
        base = block_base
        parts = [("d", b"".join(s[2] for s in group))]
        if len(key) == 2:
            parts.append(("p", b"".join(s[3] for s in group)))
        for prefix, data in parts:
            ref, external = _part(data, inline, prefix == "d")
            record.append(ref)
            if external is not None:
                files.append((f"search/{prefix}-{ref[1:].hex()}.bin", external))
    return b"".join(record), files


class _Spill:
    """Segments written to temporary files by key group, read back one group at a time."""

    def __init__(self, folder: Path) -> None:
        self.paths = [folder / f"group-{n}" for n in range(SPILL_GROUPS)]
        self.handles: list[BinaryIO] = [path.open("wb") for path in self.paths]

    @staticmethod
    def pieces(segments: Iterable[Segment]) -> list[bytes]:
        """A batch's segments as the spill writes them, a pickle per group: made by the worker that encoded the
        batch, so the calling process only writes bytes (as plain tuples, which pickle faster)."""
        groups: list[list[tuple[Any, ...]]] = [[] for _ in range(SPILL_GROUPS)]
        for segment in segments:
            groups[zlib.crc32(segment.key.encode("utf-8")) % SPILL_GROUPS].append(tuple(segment))
        return [pickle.dumps(group, protocol=pickle.HIGHEST_PROTOCOL) for group in groups]

    def write(self, pieces: list[bytes]) -> None:
        for handle, piece in zip(self.handles, pieces, strict=True):
            handle.write(piece)

    def close(self) -> None:
        for handle in self.handles:
            handle.close()

    @staticmethod
    def group(path: Path) -> dict[str, list[Stored]]:
        """A group's keys with their segments in doc order (batches were written in doc order)."""
        keys: defaultdict[str, list[Stored]] = defaultdict(list)
        with path.open("rb") as handle:
            while True:
                try:
                    batch = pickle.load(handle)
                except EOFError:
                    break
                for segment in map(Segment._make, batch):
                    chain = keys[segment.key]
                    chain.append(stored(segment, chain[-1][0] if chain else -1))
        path.unlink()
        return keys


def _group_blocks(
    table: FacetTable, keep: bool, path: Path
) -> list[tuple[str, bytes, list[tuple[str, bytes]], list[Stored]]]:
    """A spill group's keys, sorted, with their records and part files (and segments, to keep), in a worker."""
    keys = _Spill.group(path)
    return [(key, *blocks(key, keys[key], table), keys[key] if keep else []) for key in sorted(keys)]


def shard_count(total: int) -> int:
    """The number of shards for records of total bytes."""
    return max(1, math.ceil(total / SHARD_BYTES))


def shard_weight(record: bytes) -> int:
    """A record's bytes as the shard count sees them: its facet counts weigh COUNTS_WEIGHT whatever they hold, so
    that a story's topic, region, source or year changed leaves the shard count as it is (see search/update.py)."""
    start, end = counts_span(record)
    return len(record) - (end - start) + (COUNTS_WEIGHT if end > start else 0)


def shard_bytes(records: dict[str, bytes], count: int, numbers: Iterable[int]) -> dict[int, bytes]:
    """Those shards' files, from the records of (at least) every key in them."""
    wanted = set(numbers)
    shards: dict[int, list[bytes]] = {n: [] for n in sorted(wanted)}
    for key in sorted(records):
        n = fnv1a(key) % count
        if n in wanted:
            shards[n].append(records[key])
    return {n: shard_file(shard) for n, shard in shards.items()}


def shard_file(records: Iterable[bytes]) -> bytes:
    """A shard's file, from its records in key order."""
    return packed(b"".join(records))


def shard_files(shas: list[str], made: dict[int, bytes]) -> list[IndexFile]:
    """Every shard's file (shas: of each one's bytes); those in made with their bytes."""
    folder = shard_folder(shas)
    return [IndexFile(f"search/s-{folder}/{n}.bin", sha, made.get(n)) for n, sha in enumerate(shas)]


def shard_folder(shas: list[str]) -> str:
    """The shards' folder, named by all their hashes: a shard changed renames it."""
    return _digest("".join(shas).encode("ascii"))


def newest_first(docs: Iterable[T], date: Callable[[T], str] = operator.attrgetter("date")) -> list[T]:
    """Doc id order: by date ("2022-08-18" or "" when undated), newest first, undated last; ties keep the caller's order."""
    return sorted(docs, key=date, reverse=True)


def follows(doc: DocFacets, previous: DocFacets) -> bool:
    """doc may take the id after previous's: it is undated, or no newer than a dated previous."""
    return not doc.date or (previous.date != "" and doc.date <= previous.date)


FACETS = ("topic", "region", "source")  # and "year", which follows from doc ids


class FacetTable:
    """Every doc's facet values, numbered: each facet's names (sorted), its distinct sets of names, the
    set of each doc; years as doc id ranges (doc ids are newest first)."""

    def __init__(self, docs: list[DocFacets]) -> None:
        columns, years = _facet_columns(docs), _years(docs)
        self.names = _names(columns, years)
        self.sets: dict[str, list[list[int]]] = {}
        self.docs: dict[str, list[int]] = {}
        for facet, values in columns.items():
            number = {name: i for i, name in enumerate(self.names[facet])}
            codes = {value: tuple(sorted({number[name] for name in value})) for value in set(values)}
            coded = [codes[value] for value in values]
            sets = sorted(set(coded) | {()})
            index = {s: i for i, s in enumerate(sets)}
            self.sets[facet] = [list(s) for s in sets]
            self.docs[facet] = [index[s] for s in coded]
        self.ranges = list(years.values())
        self.columns = {facet: np.array(self.docs[facet], np.int64) for facet in FACETS}
        self.members = {  # (set number, name number) for each name of each set
            facet: (
                np.array([n for n, names in enumerate(self.sets[facet]) for _ in names], np.int64),
                np.array([name for names in self.sets[facet] for name in names], np.int64),
            )
            for facet in FACETS
        }
        self.bounds = np.array(self.ranges, np.int64).reshape(-1, 2)

    def counted(self, docs: Ints) -> bytes:
        """A key's facet counts over its docs (ascending): for each facet, the values the docs have, as
        count_bytes() writes them; years in the order of their names."""
        out = bytearray()
        for facet in FACETS:
            per_set = np.bincount(self.columns[facet][docs], minlength=len(self.sets[facet]))
            sets, names = self.members[facet]
            counts = np.bincount(names, per_set[sets], len(self.names[facet])).astype(np.int64)
            found = np.flatnonzero(counts)
            out += count_bytes(list(zip(found.tolist(), counts[found].tolist(), strict=True)))
        spans = np.searchsorted(docs, self.bounds[:, 1]) - np.searchsorted(docs, self.bounds[:, 0])
        years = np.flatnonzero(spans)
        out += count_bytes(list(zip(years.tolist(), spans[years].tolist(), strict=True)))
        return bytes(out)


def facet_names(docs: list[DocFacets]) -> dict[str, list[str]]:
    """Each facet's names as FacetTable numbers them, without the rest of it: an update whose docs' names are
    not the last build's must count every key anew."""
    return _names(_facet_columns(docs), _years(docs))


def _facet_columns(docs: list[DocFacets]) -> dict[str, list[tuple[str, ...]]]:
    """Each doc's names in each facet but the year."""
    return {
        "topic": [d.categories for d in docs],
        "region": [d.regions for d in docs],
        "source": [(d.source,) if d.source else () for d in docs],
    }


def _years(docs: list[DocFacets]) -> dict[str, list[int]]:
    """Each year's doc id range [start, end), newest first: doc ids are in date order."""
    years: dict[str, list[int]] = {}
    for doc_id, doc in enumerate(docs):
        if doc.date:
            years.setdefault(doc.date[:4], [doc_id, doc_id])[1] = doc_id + 1
    return years


def _names(columns: dict[str, list[tuple[str, ...]]], years: dict[str, list[int]]) -> dict[str, list[str]]:
    names = {facet: sorted({name for value in values for name in value}) for facet, values in columns.items()}
    names["year"] = list(years)
    return names


def count_bytes(counts: list[tuple[int, int]]) -> bytes:
    """One facet's counts (name number, docs), ascending, as a key keeps them, whichever is shorter: v(2m) and
    the docs of each name number below m, zeros too (dense: a frequent key has most names), or v(2n + 1) and
    n x (v(name number - previous), v(docs)) (sparse)."""
    previous = 0
    sparse = [2 * len(counts) + 1]
    for name, count in counts:
        sparse += [name - previous, count]
        previous = name
    dense = [0] * (counts[-1][0] + 2 if counts else 1)
    dense[0] = 2 * (len(dense) - 1)
    for name, count in counts:
        dense[name + 1] = count
    short, long = varints(dense), varints(sparse)
    return short if len(short) <= len(long) else long


def facets_files(table: FacetTable) -> list[IndexFile]:
    """The facets' head (names, years, where the rest is), their sets, and a column file per FACET_DOCS docs:
    a query whose matches are a counted key's docs reads the head alone."""
    per = FACET_DOCS
    sets = _gzip(_dumps(table.sets))
    count = len(table.docs["topic"])
    columns = [_gzip(_dumps({f: table.docs[f][i : i + per] for f in FACETS})) for i in range(0, count, per)]
    head = _gzip(
        _dumps(
            {
                "names": table.names,
                "years": table.ranges,
                "sets": _digest(sets),
                "columns": [per, [_digest(c) for c in columns]],
            }
        )
    )
    return [
        IndexFile(f"search/facets-{_digest(data)}.json.gz", content_key(data), data) for data in (*columns, sets, head)
    ]


def _t2s_buckets() -> list[bytes]:
    buckets: list[list[tuple[str, str]]] = [[] for _ in range(T2S_BUCKETS)]
    for t, s in sorted(t2s_chars().items()):
        buckets[ord(t) % T2S_BUCKETS].append((t, s))
    return [_dumps({"t": "".join(t for t, _ in b), "s": "".join(s for _, s in b)}) for b in buckets]


def build(docs: Docs, stamps: Sequence[str] | None = None, store: KeyStore | None = None) -> Iterator[IndexFile]:
    """Every file of the index, streamed; the manifest comes last.

    docs are in doc id order (newest_first()). A list will do; a large archive's texts together
    would not fit the memory goal, so the build passes a sequence that makes each doc when it
    is read, by the worker that reads it. With a store (and each doc's stamp), each key's
    record and segments are kept there, so that the next build can update the index instead.
    """
    if store is not None:
        store.begin(fresh=True)
    made: list[tuple[str, str]] = []
    cards: list[DocFacets] = []
    lengths: list[int] = []
    fragments: list[str] = []
    sources: list[str] = []
    records: dict[str, bytes] = {}
    with leftovers.temporary("sitegen-search-") as tmp:
        spill = _Spill(tmp)
        for batch, pieces in _batches(docs, store is not None):
            for shown, url in batch.cards:
                if cards and not follows(shown, cards[-1]):
                    raise ValueError(f"search docs must come newest first: {url} ({shown.date or 'undated'}) is late")
                cards.append(shown)
            lengths += batch.lengths
            spill.write(pieces)
            source_shas = [content_key(data) for data in batch.sources]
            sources += source_shas
            if source_shas:
                assert store is not None
                store.add(zip(source_shas, batch.sources, strict=True))
            shas = [content_key(data) for data in batch.fragments]
            start = len(fragments)
            fragments += shas
            folder = fragment_folder(shas)
            for doc_id, (sha, data) in enumerate(zip(shas, batch.fragments, strict=True), start):
                yield listed(IndexFile(fragment_file(folder, doc_id), sha, data), made, store)

        seen: set[str] = set()  # keys with equal postings share a file
        table = FacetTable(cards)
        spill.close()
        task = functools.partial(_group_blocks, table, store is not None)
        for group in parallel.ordered_map(task, spill.paths, chunk=1):
            rows: list[Row] = []
            for key, record, files, segments in group:
                records[key] = record
                parts = tuple((path, content_key(data)) for path, data in files)
                rows.append((key, uncounted(record), parts, segments))
                for (path, sha), (_, data) in zip(parts, files, strict=True):
                    if path not in seen:
                        seen.add(path)
                        yield listed(IndexFile(path, sha, data), made, store)
            if store is not None:
                store.put(rows)
    total = sum(map(shard_weight, records.values()))
    count = shard_count(total)
    made_shards = shard_bytes(records, count, range(count))
    shards = [content_key(made_shards[n]) for n in range(count)]
    fixed = fixed_files(shards, facets_files(table), fragments)
    for file in (*shard_files(shards, made_shards), *fixed):
        yield listed(file, made, store)
    if store is not None and stamps is not None:
        store.assign(count)
        store.keep_only([*(sha for _, sha in made), *sources])
        unlisted = [file._replace(data=None) for file in fixed]
        state = State(BATCH_DOCS, list(stamps), lengths, cards, fragments, sources, shards, total, unlisted)
        store.finish(state, ())


def listed(file: IndexFile, listing: list[tuple[str, str]], store: KeyStore | None) -> IndexFile:
    """A file of the index, listed, and its bytes kept in the store for builds that update the index or find output/ empty."""
    listing.append((file.path, file.sha))
    if store is not None and file.data is not None:
        store.add([(file.sha, file.data)])
    return file


def fragment_folder(fragments: list[str]) -> str:
    """The folder of a batch's fragments, named by their hashes: an edit renames one folder, not every one."""
    return _digest("".join(fragments).encode("ascii"))


def fragment_file(folder: str, doc_id: int) -> str:
    return f"search/frag-{folder}/{doc_id}.json.gz"


MANIFEST = "search/manifest.json"


def fixed_files(shards: list[str], facets: list[IndexFile], fragments: list[str]) -> list[IndexFile]:
    """The t2s table's files, the facets' files (as given, the head last) and the manifest, last: every file but
    the keys' and the docs'.

    shards: the sha of each shard's file; fragments: of each doc's fragment file.
    """
    buckets = _t2s_buckets()
    t2s_dir = _digest(b"".join(buckets))
    folders = [fragment_folder(fragments[i : i + BATCH_DOCS]) for i in range(0, len(fragments), BATCH_DOCS)]
    manifest = {
        "version": FORMAT_VERSION,
        "docs": len(fragments),
        "shards": [shard_folder(shards), len(shards)],
        "t2s": [t2s_dir, T2S_BUCKETS],
        "t2s_again": "".join(sorted(set(t2s_chars().values()) & set(t2s_chars()))),
        "facets": facets[-1].sha[: 2 * HASH_BYTES],
        "counted": COUNTED_DF,
        "fragments": [BATCH_DOCS, folders],
    }
    files = [IndexFile(f"search/t2s-{t2s_dir}/{n}.json", content_key(b), b) for n, b in enumerate(buckets)]
    data = _dumps(manifest)
    return [*files, *facets, IndexFile(MANIFEST, content_key(data), data)]


def _batches(docs: Docs, keep: bool) -> Iterator[tuple[Encoded, list[bytes]]]:
    """The docs encoded BATCH_DOCS at a time on every core (see encode_batch), in doc id order, each batch's
    segments as the spill's pieces (see _Spill.pieces()).

    The cyclic garbage collector is paused meanwhile, in the workers too: a batch hands back
    tens of thousands of segments, none in a cycle, and collecting them again and again is wasted work.
    """
    fold("")  # the folding tables are made once, before the workers fork
    collecting = gc.isenabled()
    gc.disable()
    try:
        starts = range(0, len(docs), BATCH_DOCS)
        yield from parallel.ordered_map(functools.partial(_spilled_batch, docs, keep), starts, chunk=1)
    finally:
        if collecting:
            gc.enable()


def _spilled_batch(docs: Docs, keep: bool, start: int) -> tuple[Encoded, list[bytes]]:
    """encode_batch(), its segments made into the spill's pieces."""
    encoded = encode_batch(docs, keep, start)
    return encoded._replace(segments=[]), _Spill.pieces(encoded.segments)


def encode_batch(docs: Docs, keep: bool, start: int) -> Encoded:
    """The docs from start, BATCH_DOCS of them at most: folded, counted and encoded (in a worker);
    keep: with their source() for the key store."""
    cards: list[tuple[DocFacets, str]] = []
    lengths: list[int] = []
    folded: list[tuple[str, str, list[int]]] = []
    frags: list[bytes] = []
    sources: list[bytes] = []
    for doc_id in range(start, min(start + BATCH_DOCS, len(docs))):
        doc = docs[doc_id]
        title, text = fold(doc.title), fold(doc.text)
        bases = line_bases(f"{title}\n{text}".split("\n"), title.count("\n") + 1)
        folded.append((title, text, bases))
        lengths.append(len(title) + 1 + len(text))
        cards.append((card(doc), doc.url))
        frags.append(fragment(doc))
        if keep:
            sources.append(source(doc))
    segments = list(map(Segment._make, batch_postings(folded, start, SPACE_CHARS)))
    return Encoded(cards, lengths, segments, frags, sources)


def card(doc: SearchDoc) -> DocFacets:
    return DocFacets(doc.date, doc.categories, doc.regions, doc.source)


def fragment(doc: SearchDoc) -> bytes:
    """A doc's fragment file: what a result shows, its snippet cut from the fragment's excerpt."""
    return _gzip(_dumps(_fragment(doc)))


def source(doc: SearchDoc) -> bytes:
    """What an update needs of a doc as this build indexed it, to find the keys it had: its title and text."""
    return zlib.compress(_dumps([doc.title, doc.text]), 1)


def source_texts(data: bytes) -> tuple[str, str]:
    """A source() read back: the doc's title and text."""
    title, text = json.loads(zlib.decompress(data))
    return title, text


def _fragment(doc: SearchDoc) -> dict[str, Any]:
    """What a result shows; "t2s" maps the traditional characters of the title and excerpt, so that they
    can be folded to mark hits."""
    shown = excerpt(doc)
    record: dict[str, Any] = {
        "url": doc.url,
        "title": doc.title,
        "date": doc.date,
        "source": doc.source,
        "regions": list(doc.regions),
        "categories": list(doc.categories),
        "excerpt": shown,
    }
    pairs = _t2s_pairs(f"{doc.title}\n{shown}")
    if pairs:
        record["t2s"] = pairs
    return record


def excerpt(doc: SearchDoc) -> str:
    """The text a result's snippet is cut from: the summary, else the body's first EXCERPT_CHARS characters
    (whitespace squeezed, "…" where cut). A news story's opening says what it is about."""
    if doc.summary.strip():
        return doc.summary
    opening = " ".join(doc.text[: 4 * EXCERPT_CHARS].split())
    return opening if len(opening) <= EXCERPT_CHARS else opening[:EXCERPT_CHARS] + "…"


def _t2s_pairs(shown: str) -> list[str] | None:
    """[traditional, simplified]: the characters of shown that fold to others, None when there are none."""
    if not _traditional().search(shown):
        return None
    table = t2s_chars()
    pairs = sorted({(ch, table[ch]) for ch in shown if ch in table})
    return ["".join(t for t, _ in pairs), "".join(s for _, s in pairs)]
