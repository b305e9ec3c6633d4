"""The query side of the search index in Python: search.js step by step, for tests and bench/search.

It reads only the files that search/index.py build() writes, through a loader, and records
every file it fetches, so the benchmark counts the bytes a browser would download and the
tests pin the algorithm the browser runs (test_search_js.py checks that both agree).

Semantics: a doc matches when its folded title or body contains every whitespace-separated
term of the folded query. Results are ranked by: terms found in the title (more first),
occurrences of all terms (in doubling buckets: 1, 2-3, 4-7 ...), the span of the closest
hits of the terms of two or more characters (smaller first), occurrences, then newer first.
Facet counts for a facet cover the matches that pass the other facets' filters, so a reader
sees what each choice of that facet would give.
"""

from __future__ import annotations

import bisect
import functools
import gzip
import json
import re
import sys
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sitegen.keys import fnv1a
from sitegen.search.index import FORMAT_VERSION, SLOT_SIZE, SPACE_CHARS, decode, varint_at

PAGE_SIZE = 10
SNIPPET_CHARS = 110  # characters of a line shown as a result's snippet ...
SNIPPET_BEFORE = 30  # ... from this many before its hit
SPLIT = re.compile(f"[{re.escape(SPACE_CHARS)}]+")
FACET_NAMES = ("topic", "region", "source", "year")


def plan(term: str) -> list[tuple[str, int]]:
    """(key, offset) that prove a term: its character, or bigrams at 0, 2, 4 ... and len-2.

    Together they cover every character, so chaining them at their offsets is exact.
    """
    if len(term) == 1:
        return [(term, 0)]
    offsets = list(range(0, len(term) - 1, 2))
    if offsets[-1] != len(term) - 2:
        offsets.append(len(term) - 2)
    return [(term[i : i + 2], i) for i in offsets]


def keys_of(terms: Iterable[str]) -> list[str]:
    """The keys that prove terms (see plan()), once each, in order."""
    return list(dict.fromkeys(key for term in terms if term for key, _ in plan(term)))


def span(hits: list[list[int]]) -> int:
    """The narrowest window (last start - first start) holding a hit of every list; SLOT_SIZE for any
    window across lines, which are all alike far."""
    events = sorted((p, i) for i, starts in enumerate(hits) for p in starts)
    seen = [0] * len(hits)
    missing = len(hits)
    best = -1
    lo = 0
    for p, i in events:
        seen[i] += 1
        missing -= seen[i] == 1
        while missing == 0:
            q, j = events[lo]
            if best < 0 or p - q < best:
                best = p - q
            seen[j] -= 1
            missing += seen[j] == 0
            lo += 1
    return min(best, SLOT_SIZE)


@dataclass(frozen=True)
class Block:
    base: int  # the block holds docs in (base, next block's base]
    d: bytes | str  # inline bytes or the name of the file
    p: bytes | str | None


@dataclass(frozen=True)
class Record:
    df: int
    blocks: list[Block]
    bases: list[int]
    counts: bytes  # the facet counts a key in the manifest's "counted" docs or more keeps (see facet_counts())
    best: list[int]  # ... and its first docs as a query of the key alone ranks them

    def block_of(self, doc: int) -> int:
        return bisect.bisect_left(self.bases, doc) - 1


@dataclass
class Hit:
    title_terms: int = 0
    count: int = 0
    span: int = 0

    def rank(self, doc: int) -> tuple[int, int, int, int, int]:
        return (-self.title_terms, -self.count.bit_length(), self.span, -self.count, doc)


@dataclass
class Snippet:
    """A result's snippet: text, the [start, end) character ranges marked as hits in it, and the terms
    found in neither the title nor the excerpt (so in the body: the page names them)."""

    text: str
    marks: list[tuple[int, int]]
    elsewhere: list[str] = field(default_factory=list)


class Ranking(NamedTuple):
    ranked: list[int]  # every doc that matches and passes the filters, best first
    hits: dict[int, Hit]


@dataclass
class Result:
    total: int
    facets: dict[str, dict[str, int]]  # facet -> value -> docs, over the other facets' filters
    shown: list[int]  # the docs of the page
    page: list[dict[str, Any]]  # ... their fragments
    snippets: list[Snippet]  # ... and their snippets
    rank: Callable[[], Ranking] = field(repr=False)  # every match ranked, made when first asked for (see search())

    @functools.cached_property
    def ranking(self) -> Ranking:
        return self.rank()

    @property
    def ranked(self) -> list[int]:
        return self.ranking.ranked

    @property
    def hits(self) -> dict[int, Hit]:
        return self.ranking.hits


class Reader:
    """One page's view of the index: files are fetched once each, and every fetch is recorded."""

    def __init__(self, load: Callable[[str], bytes]) -> None:
        self._load = load
        self._cache: dict[str, bytes] = {}
        self.fetched: dict[str, int] = {}  # name -> bytes as transferred
        self.manifest = json.loads(self.fetch("manifest.json"))
        if self.manifest["version"] != FORMAT_VERSION:
            raise ValueError(f"search index version {self.manifest['version']}")
        self._shards: dict[int, dict[str, Record]] = {}
        self.counted: tuple[int, list[list[tuple[int, int]]]] | None = None  # the rarest key's df and facet counts

    def fetch(self, name: str) -> bytes:
        if name not in self._cache:
            data = self._load(name)
            self.fetched[name] = len(data)
            self._cache[name] = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        return self._cache[name]

    def fold(self, text: str, indexed: bool = False) -> str:
        """search_index.fold(); indexed: every key of text folded without the t2s table is in the index.

        Then the table changes none of text's characters, unless one is a character the table both yields
        and changes (folded text, which the keys are made of, holds no other character it changes), and
        none of its buckets is fetched."""
        folded = unicodedata.normalize("NFKC", text)
        if indexed and not set(folded) & set(self.manifest["t2s_again"]):
            return folded.lower()
        table: dict[str, str] = {}
        folder, buckets = self.manifest["t2s"]
        for bucket in sorted({ord(ch) % buckets for ch in folded if ord(ch) > 0x7F}):
            part = json.loads(self.fetch(f"t2s-{folder}/{bucket}.json"))
            table.update(zip(part["t"], part["s"], strict=True))
        return "".join(table.get(ch, ch) for ch in folded).lower()

    def record(self, key: str) -> Record | None:
        folder, count = self.manifest["shards"]
        number = fnv1a(key) % count
        if number not in self._shards:
            self._shards[number] = parse_shard(self.fetch(f"s-{folder}/{number}.bin"), self.manifest["counted"])
        return self._shards[number].get(key)

    def part(self, part: bytes | str) -> bytes:
        return part if isinstance(part, bytes) else self.fetch(part)

    def facets(self) -> dict[str, Any]:
        return json.loads(self.fetch(f"facets-{self.manifest['facets']}.json.gz"))  # type: ignore[no-any-return]

    def columns(self, head: dict[str, Any], docs: list[int]) -> dict[str, Any]:
        """The facets of docs (ascending): the sets and the column files that hold them; a doc elsewhere has none."""
        per, files = head["columns"]
        wanted = sorted({doc // per for doc in docs})
        sets = json.loads(self.fetch(f"facets-{head['sets']}.json.gz")) if wanted else {f: [[]] for f in FACET_NAMES}
        facets: dict[str, Any] = {"year": {"names": head["names"]["year"], "ranges": head["years"]}}
        for name in FACET_NAMES[:3]:
            facets[name] = {"names": head["names"][name], "sets": sets[name], "docs": {}}
        for n in wanted:
            column = json.loads(self.fetch(f"facets-{files[n]}.json.gz"))
            for name in FACET_NAMES[:3]:
                facets[name]["docs"].update(enumerate(column[name], n * per))
        return facets

    def search(self, query: str, filters: Mapping[str, str] | None = None, page: int = 0) -> Result | None:
        """Hits, ranked, with facet counts and the fragments of one page; None with nothing to look for.

        The shards of the query folded without the t2s table come first (search.js fetches them at once,
        guessing that the query is simplified text): the table's buckets are fetched only if a key is missing.
        The first page of one term of one or two characters is its key's best docs, when the key keeps them:
        the key's D parts are fetched only when every match is asked for (Result.ranked), as the page does
        when more results are."""
        guessed = [self.record(key) for key in keys_of(SPLIT.split(unicodedata.normalize("NFKC", query).lower()))]
        terms = list(dict.fromkeys(t for t in SPLIT.split(self.fold(query, all(r is not None for r in guessed))) if t))
        chosen = {k: v for k, v in (filters or {}).items() if v}
        if not terms and not chosen:
            return None
        head = self.facets()
        if not chosen and page == 0 and len(terms) == 1 and len(terms[0]) <= 2:
            record = self.record(terms[0])
            if record is not None and record.best:  # the first page is the key's best docs: no D part needed
                counts = _named(head, facet_counts(record.counts))
                return self._result(
                    record.df, counts, record.best[:PAGE_SIZE], terms, lambda: self._ranking(terms, {})[0]
                )
        (ranked, hits), counts = self._ranking(terms, chosen)
        shown = ranked[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        return self._result(len(ranked), counts, shown, terms, lambda: Ranking(ranked, hits))

    def _result(
        self,
        total: int,
        counts: dict[str, dict[str, int]],
        shown: list[int],
        terms: list[str],
        rank: Callable[[], Ranking],
    ) -> Result:
        fragments = [json.loads(self.fetch(fragment_path(self.manifest, doc))) for doc in shown]
        return Result(total, counts, shown, fragments, [snippet(f, terms) for f in fragments], rank)

    def _ranking(self, terms: list[str], chosen: dict[str, str]) -> tuple[Ranking, dict[str, dict[str, int]]]:
        """Every match that passes the filters, ranked, and the facet counts."""
        head = self.facets()
        self.counted = None
        hits = self.match(terms) if terms else {doc: Hit() for doc in range(self.manifest["docs"])}
        counts: dict[str, dict[str, int]] = {name: {} for name in FACET_NAMES}
        if not chosen and self.counted is not None and len(hits) == self.counted[0]:
            ranked = list(hits)  # the rarest key's docs: its counts are the matches'
            counts = _named(head, self.counted[1])
        else:
            facets = self.columns(head, sorted(hits))
            passes = {name: _filter(facets, name, chosen.get(name)) for name in FACET_NAMES}
            ranked = []
            for doc in hits:
                failed = [name for name in FACET_NAMES if not passes[name](doc)]
                if not failed:
                    ranked.append(doc)
                counted = FACET_NAMES if not failed else failed if len(failed) == 1 else []
                for name in counted:
                    for value in _values(facets, name, doc):
                        counts[name][value] = counts[name].get(value, 0) + 1
        ranked.sort(key=lambda doc: hits[doc].rank(doc))
        return Ranking(ranked, hits), counts

    def match(self, terms: list[str]) -> dict[int, Hit]:
        """doc -> Hit for the docs holding every term, fetching the rarest key's postings first.

        search.js fetches at once the rarest key's D parts, the D part of every key in one block (its only
        block holds the rarest key's docs, whatever they are) and the P part of every such key that needs
        positions; then the other keys' blocks that hold the rarest key's docs; then their P parts where
        candidates are. This fetches the same files."""
        plans = [plan(term) for term in terms]
        keys = keys_of(terms)
        records = {key: self.record(key) for key in keys}
        if any(r is None for r in records.values()):
            return {}
        found = {key: r for key, r in records.items() if r is not None}
        positional = [t for t in terms if len(t) > 1]
        needs_positions = {
            key
            for term, term_plan in zip(terms, plans, strict=True)
            for key, _ in term_plan
            if len(term) > 2 or (len(term) == 2 and len(positional) > 1)
        }

        entries: dict[str, dict[int, tuple[int, int]]] = {}  # key -> doc -> (count, title count)
        order: dict[str, dict[int, list[list[tuple[int, int, int]]]]] = {}  # key -> block -> D segments
        candidates: set[int] | None = None
        rarest, *others = sorted(keys, key=lambda k: (found[k].df, k))
        for step in ([rarest], others):
            for key in step:
                record = found[key]
                wanted = (
                    range(len(record.blocks))
                    if candidates is None or len(record.blocks) == 1
                    else _blocks_of(record, candidates)
                )
                order[key] = {}
                entries[key] = {}
                if key == rarest and record.counts:
                    self.counted = (record.df, facet_counts(record.counts))
                for n in wanted:
                    block = record.blocks[n]
                    order[key][n] = _d_entries(self.part(block.d), block.base)
                    for segment in order[key][n]:
                        entries[key].update((doc, (count, tc)) for doc, count, tc in segment)
            for key in step:
                docs = set(entries[key])
                candidates = docs if candidates is None else candidates & docs
        assert candidates is not None

        positions: dict[str, dict[int, list[int]]] = {}
        for key in needs_positions:
            record = found[key]
            positions[key] = {}
            for n in [0] if len(record.blocks) == 1 else _blocks_of(record, candidates):
                p = record.blocks[n].p
                assert p is not None
                for doc, where in _p_entries(self.part(p), order[key][n]):
                    if doc in candidates:
                        positions[key][doc] = where

        hits: dict[int, Hit] = {}
        for doc in sorted(candidates):
            hit = Hit()
            starts: list[list[int]] = []
            for term, term_plan in zip(terms, plans, strict=True):
                (key, _), *rest = term_plan
                count, title_count = entries[key][doc]
                if len(term) > 2:
                    anchors = positions[key][doc]
                    others_at = [(set(positions[k][doc]), off) for k, off in rest]
                    good = [i for i, p in enumerate(anchors) if all(p + off in s for s, off in others_at)]
                    count = len(good)
                    title_count = sum(i < title_count for i in good)
                    if len(positional) > 1:
                        starts.append([anchors[i] for i in good])
                elif len(term) == 2 and len(positional) > 1:
                    starts.append(positions[key][doc])
                if count == 0:
                    break
                hit.count += count
                hit.title_terms += title_count > 0
            else:
                hit.span = span(starts) if len(starts) > 1 else 0
                hits[doc] = hit
        return hits


def _named(head: dict[str, Any], counts: list[list[tuple[int, int]]]) -> dict[str, dict[str, int]]:
    """Facet counts by name number (facet_counts()) as value -> docs."""
    return {
        name: {head["names"][name][number]: n for number, n in values}
        for name, values in zip(FACET_NAMES, counts, strict=True)
    }


def fragment_path(manifest: dict[str, Any], doc: int) -> str:
    """Fragments are kept in a folder per BATCH_DOCS doc ids, named by its contents."""
    per, folders = manifest["fragments"]
    return f"frag-{folders[doc // per]}/{doc}.json.gz"


def parse_shard(data: bytes, counted: int) -> dict[str, Record]:
    """A shard's records by key; counted: the df from which a record keeps facet counts (the manifest's)."""
    records: dict[str, Record] = {}
    at = 0

    def number() -> int:
        nonlocal at
        value, at = varint_at(data, at)
        return value

    def part(prefix: str) -> bytes | str:
        nonlocal at
        at += 1
        if data[at - 1] == 0:
            length = number()
            at += length
            return data[at - length : at]
        at += 6
        return f"{prefix}-{data[at - 6 : at].hex()}.bin"

    while at < len(data):
        length = number()
        key = data[at : at + length].decode("utf-8")
        at += length
        df = number()
        counts = b""
        best = []
        if df >= counted:
            length = number()
            at += length
            counts = data[at - length : at]
            best = [number() for _ in range(number())]
        blocks = []
        base = -1
        for _ in range(number()):
            base += number()
            d = part("d")
            blocks.append(Block(base, d, part("p") if len(key) == 2 else None))
        records[key] = Record(df, blocks, [b.base for b in blocks], counts, best)
    return records


def facet_counts(data: bytes) -> list[list[tuple[int, int]]]:
    """A record's facet counts read: (name number, docs) per facet, from v(2m) and m x v(docs) (dense) or
    v(2n + 1) and n x (v(name number - previous), v(docs)) (sparse)."""
    values = decode(data)
    counts: list[list[tuple[int, int]]] = []
    i = 0
    for _ in FACET_NAMES:
        n, sparse = divmod(values[i], 2)
        if not sparse:
            facet = [(number, docs) for number, docs in enumerate(values[i + 1 : i + 1 + n]) if docs]
            i += 1 + n
        else:
            facet, number = [], 0
            for k in range(n):
                number += values[i + 1 + 2 * k]
                facet.append((number, values[i + 2 + 2 * k]))
            i += 1 + 2 * n
        counts.append(facet)
    return counts


def _d_entries(data: bytes, base: int) -> list[list[tuple[int, int, int]]]:
    """The segments of a D part, each a list of (doc, count, title count)."""
    values = decode(data)
    segments: list[list[tuple[int, int, int]]] = []
    at = 0
    doc = base
    while at < len(values):
        n = values[at]
        gaps, codes = values[at + 1 : at + 1 + n], values[at + 1 + n : at + 1 + 2 * n]
        at += 1 + 2 * n
        segment = []
        for gap, code in zip(gaps, codes, strict=True):
            doc += gap
            title_count = 0
            if code & 1:
                title_count = values[at]
                at += 1
            segment.append((doc, code >> 1, title_count))
        segments.append(segment)
    return segments


def _p_entries(data: bytes, segments: list[list[tuple[int, int, int]]]) -> Iterator[tuple[int, list[int]]]:
    """(doc, positions) for every entry of a P part, read along the segments of its D part."""
    at = 0
    for segment in segments:
        width = data[at]
        total = sum(count for _, count, _ in segment)
        flat = array("H" if width == 2 else "I", data[at + 1 : at + 1 + width * total])
        if sys.byteorder == "big":
            flat.byteswap()
        at += 1 + width * total
        start = 0
        for doc, count, _ in segment:
            yield doc, flat[start : start + count].tolist()
            start += count


def _blocks_of(record: Record, docs: set[int]) -> list[int]:
    return sorted({record.block_of(doc) for doc in docs})


def _filter(facets: dict[str, Any], name: str, value: str | None) -> Callable[[int], bool]:
    if value is None:
        return lambda doc: True
    if name == "year":
        if value not in facets["year"]["names"]:
            return lambda doc: False
        first, end = facets["year"]["ranges"][facets["year"]["names"].index(value)]
        return lambda doc: first <= doc < end
    facet = facets[name]
    if value not in facet["names"]:
        return lambda doc: False
    number = facet["names"].index(value)
    holding = {i for i, s in enumerate(facet["sets"]) if number in s}
    return lambda doc: facet["docs"].get(doc, 0) in holding


def _values(facets: dict[str, Any], name: str, doc: int) -> list[str]:
    facet = facets[name]
    if name == "year":
        return [year for year, (first, end) in zip(facet["names"], facet["ranges"], strict=True) if first <= doc < end]
    return [facet["names"][i] for i in facet["sets"][facet["docs"].get(doc, 0)]]


def snippet(fragment: dict[str, Any], terms: list[str]) -> Snippet:
    """A result's snippet, cut from its excerpt around the first hit there; the terms that neither the title
    nor the excerpt shows are named, since they are in the body."""
    t2s = dict(zip(*fragment.get("t2s", ["", ""]), strict=True))
    shown = around(fragment["excerpt"], terms, t2s)
    shown.elsewhere = [
        term
        for term in terms
        if not marked(fragment["title"], [term], t2s) and not marked(fragment["excerpt"], [term], t2s)
    ]
    return shown


def marked(text: str, terms: list[str], t2s: Mapping[str, str]) -> list[tuple[int, int]]:
    """[start, end) character ranges of the terms in text, each character folded on its own, merged."""
    pieces = ["".join(t2s.get(c, c) for c in unicodedata.normalize("NFKC", ch)).lower() for ch in text]
    origin = [i for i, piece in enumerate(pieces) for _ in piece]
    folded = "".join(pieces)
    found = []
    for term in terms:
        at = folded.find(term)
        while at >= 0:
            found.append((origin[at], origin[at + len(term) - 1] + 1))
            at = folded.find(term, at + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def around(text: str, terms: list[str], t2s: Mapping[str, str]) -> Snippet:
    """SNIPPET_CHARS of text from a little before its first hit (else from its start), spaces squeezed, "…"
    where it is cut."""
    squeezed = SPLIT.sub(" ", text)
    marks = marked(squeezed, terms, t2s)
    hit = marks[0][0] if marks else 0
    start = max(0, hit - SNIPPET_BEFORE)
    end = min(len(squeezed), start + SNIPPET_CHARS)
    shown = [(max(s, start) - start, min(e, end) - start) for s, e in marks if e > start and s < end]
    prefix = "…" if start > 0 else ""
    shift = len(prefix)
    return Snippet(
        prefix + squeezed[start:end] + ("…" if end < len(squeezed) else ""),
        [(s + shift, e + shift) for s, e in shown],
    )
