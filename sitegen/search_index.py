"""Client-side search index: positional character bigrams in content-hashed JSON shards.

Chinese has no spaces, and a word segmenter misses queries that cut words differently, so
every character bigram is indexed with its positions and every character on its own (for
one-character queries). A phrase matches where its bigrams chain at consecutive positions,
which is exact substring search. Files written under search/ (read by
themes/default/static/search.js, which mirrors the query side of this module):

- manifest.json  {"version", "docs", "shards": [hash per shard number], "chunk_size",
                  "chunks": [hash per doc chunk], "t2s": hash}; the only file with a fixed name.
- shard-<hash>.json  {key: postings} for the keys with fnv1a32(utf8(key)) % len(shards) == n.
    bigram key:  [[doc_gap, pos, pos_gap, pos_gap, ...], ...]  doc ids and positions delta-coded
    one-char key: [[doc_gap, ...], [doc_gap, ...]]  docs containing it, docs whose title does
- docs-<hash>.json  chunk n: docs n*chunk_size ... as {url, title, date, summary, categories,
                    regions, source, year}; fetched only for the hits shown.
- t2s-<hash>.json  {"t": traditional chars, "s": simplified chars}, position by position.

Positions count code points in the folded text "title\nbody", shifted so that the body
starts at 0 and the title sits at negative positions: the ranker tells title hits from
the postings alone, without fetching doc metadata for every hit.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import opencc

FORMAT_VERSION = 1
DOCS_PER_CHUNK = 100  # ~50 KB per chunk: the 50 hits shown rarely cost more than a few chunks
KEYS_PER_SHARD = 4096  # shard count grows with the vocabulary ...
SHARD_BYTES = 256 * 1024  # ... and with the postings, whichever needs more shards

# Exactly JavaScript's \s: the browser splits queries on it, so the index never needs a
# bigram or character that contains one (terms cannot contain them).
SPACE_CHARS = (
    "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
SPACES = frozenset(SPACE_CHARS)
_RUN = re.compile(f"[^{re.escape(SPACE_CHARS)}]+")


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


@functools.cache
def t2s_chars() -> dict[str, str]:
    """Traditional -> simplified, one character each, from OpenCC's t2s data.

    Every code point is put through OpenCC's t2s converter on its own (its dictionaries
    TSCharacters, TSCharactersExt and CJK_Compatibility_Ideographs apply; TSPhrases never
    matches a single character). Phrases are left out on purpose: the browser only gets this
    table, and the index must fold text exactly as the browser folds a query. Characters that
    NFKC already changes are dropped, since folding applies NFKC first.
    """
    chars = [chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):
        raise RuntimeError("OpenCC changed the number of lines while converting single characters")
    return {t: s for t, s in zip(chars, converted, strict=True) if t != s and len(s) == 1 and unicodedata.normalize("NFKC", t) == t}


@functools.cache
def _t2s_translate() -> dict[int, str]:
    return {ord(t): s for t, s in t2s_chars().items()}


def fold(text: str) -> str:
    """NFKC (full-width -> half-width), traditional -> simplified by character, lowercase.

    search.js applies the same three steps in the same order to the query.
    """
    return unicodedata.normalize("NFKC", text).translate(_t2s_translate()).lower()


def shard_of(key: str, shards: int) -> int:
    """FNV-1a (32 bit) over the key's UTF-8 bytes: cheap and identical in JavaScript."""
    h = 0x811C9DC5
    for byte in key.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h % shards


def _dumps(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


class _Postings:
    """Postings in the shard format, built doc by doc (doc ids must arrive in increasing order)."""

    def __init__(self) -> None:
        self.bigrams: dict[str, list[list[int]]] = {}
        self.chars: dict[str, tuple[list[int], list[int]]] = {}
        self.last: dict[str, int] = {}  # key -> last doc id added, for the doc gaps
        self.last_title: dict[str, int] = {}

    def add(self, doc_id: int, title: str, body: str) -> None:
        text = f"{title}\n{body}"
        offset = len(title) + 1
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for run in _RUN.finditer(text):
            word, start = run.group(), run.start() - offset
            for i in range(len(word) - 1):
                positions[word[i : i + 2]].append(start + i)
        for pair, where in positions.items():
            entry = [doc_id - self.last.get(pair, 0), where[0]]
            if len(where) > 1:
                entry += [b - a for a, b in itertools.pairwise(where)]
            self.bigrams.setdefault(pair, []).append(entry)
            self.last[pair] = doc_id
        for ch in set(text) - SPACES:
            self.chars.setdefault(ch, ([], []))[0].append(doc_id - self.last.get(ch, 0))
            self.last[ch] = doc_id
        for ch in set(title) - SPACES:
            self.chars[ch][1].append(doc_id - self.last_title.get(ch, 0))
            self.last_title[ch] = doc_id

    def shards(self) -> list[bytes]:
        """Each key's postings serialised once, then grouped: the same bytes as _dumps(shard dict)."""
        entries = {
            key: _dumps(key) + b":" + _dumps(value) for key, value in (*self.bigrams.items(), *self.chars.items())
        }
        size = sum(map(len, entries.values()))
        count = max(1, math.ceil(len(entries) / KEYS_PER_SHARD), math.ceil(size / SHARD_BYTES))
        groups: list[list[bytes]] = [[] for _ in range(count)]
        for key in sorted(entries):
            groups[shard_of(key, count)].append(entries[key])
        return [b"{" + b",".join(group) + b"}" for group in groups]


def _doc_record(doc: SearchDoc) -> dict[str, Any]:
    year = int(doc.date[:4]) if doc.date[:4].isdigit() else None
    return {
        "url": doc.url,
        "title": doc.title,
        "date": doc.date,
        "summary": doc.summary,
        "categories": list(doc.categories),
        "regions": list(doc.regions),
        "source": doc.source,
        "year": year,
    }


def build(docs: list[SearchDoc]) -> dict[str, bytes]:
    """site-relative path under 'search/' -> file bytes (manifest, shards, doc chunks, t2s map)."""
    postings = _Postings()
    for doc_id, doc in enumerate(docs):
        postings.add(doc_id, fold(doc.title), fold(doc.text))

    files: dict[str, bytes] = {}

    def add(prefix: str, data: bytes) -> str:
        digest = _digest(data)
        files[f"search/{prefix}-{digest}.json"] = data
        return digest

    shard_hashes = [add("shard", shard) for shard in postings.shards()]
    chunk_hashes = [
        add("docs", _dumps([_doc_record(d) for d in docs[start : start + DOCS_PER_CHUNK]]))
        for start in range(0, len(docs), DOCS_PER_CHUNK)
    ]
    table = sorted(t2s_chars().items())
    t2s_hash = add("t2s", _dumps({"t": "".join(t for t, _ in table), "s": "".join(s for _, s in table)}))
    manifest = {
        "version": FORMAT_VERSION,
        "docs": len(docs),
        "shards": shard_hashes,
        "chunk_size": DOCS_PER_CHUNK,
        "chunks": chunk_hashes,
        "t2s": t2s_hash,
    }
    files["search/manifest.json"] = _dumps(manifest)
    return files
