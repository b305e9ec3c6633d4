"""A batch's postings sorted at once (search/bigrams.py) are the ones counted a doc at a time with doc_keys().

doc_keys() is what an update counts a changed doc with (search/update.py), so the two must
agree byte for byte: the reference below merges its counts per key the way the build did
before the batch was sorted whole.
"""

from __future__ import annotations

from itertools import accumulate

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.search import bigrams
from sitegen.search.bigrams import Postings, batch_postings, stable_order, varint_array, varint_values
from sitegen.search.index import (
    BEST_DOCS,
    SPACE_CHARS,
    Segment,
    best_docs,
    decode,
    doc_keys,
    entries_of,
    line_bases,
    position_bytes,
    stored,
    tail,
    varint,
    varints,
)
from sitegen.search.query import Hit

Doc = tuple[str, str, list[int]]

# Han characters, Latin, digits, the spaces JavaScript splits on (the newline among them), NUL
# and a character outside the BMP: every kind of code point a folded text holds.
ALPHABET = "警民安全防诈骗水校园aZ09\x00\U00020000\u3000\t\r\u00a0 \u2028"


def reference(docs: list[Doc], first_doc: int) -> list[Postings]:
    """Each key's postings, counted with doc_keys() one doc at a time and merged per key."""
    merged: dict[str, tuple[list[int], list[list[int] | int], list[int]]] = {}
    for doc_id, (title, body, bases) in enumerate(docs, first_doc):
        pairs, chars, in_title = doc_keys(title, body, bases)
        for key, value in (*pairs.items(), *chars.items()):
            ids, values, titles = merged.setdefault(key, ([], [], []))
            ids.append(doc_id)
            values.append(value)
            titles.append(in_title.get(key, 0))
    out = []
    for key, (ids, values, titles) in merged.items():
        counts = [len(v) if isinstance(v, list) else v for v in values]
        codes = [count * 2 + (t > 0) for count, t in zip(counts, titles, strict=True)]
        p = position_bytes(values) if len(key) == 2 else b""  # type: ignore[arg-type]
        out.append(Postings(key, ids[0], ids[-1], len(ids), tail(ids, codes, [t for t in titles if t]), p))
    return sorted(out)


def laid(title: str, body: str, plain: bool = False) -> Doc:
    """A folded doc with its lines' bases: in slots, or plain offsets in "title\\nbody"."""
    lines = f"{title}\n{body}".split("\n")
    if plain:
        return title, body, list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    return title, body, line_bases(lines, title.count("\n") + 1)


texts = st.text(alphabet=ALPHABET + "\n", max_size=60)
docs_strategy = st.lists(st.tuples(texts, texts, st.booleans()), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(docs_strategy, st.integers(0, 10_000))
def test_sorted_batch_agrees_with_counting_each_doc(docs: list[tuple[str, str, bool]], first_doc: int) -> None:
    batch = [laid(title, body, plain) for title, body, plain in docs]
    assert sorted(batch_postings(batch, first_doc, SPACE_CHARS)) == reference(batch, first_doc)


def test_a_batch_of_many_keys_is_sorted_and_encoded_in_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    body = "\n".join("".join(chr(0x4E00 + (i * 7 + j * 13) % 3000) for j in range(50)) for i in range(400))
    batch = [laid(f"标题{n}", body[n * 37 :]) for n in range(6)]
    expected = reference(batch, 256)
    monkeypatch.setattr(bigrams, "GROUP", 64)  # many groups; a key's occurrences are never split
    assert sorted(batch_postings(batch, 256, SPACE_CHARS)) == expected


def test_positions_past_two_bytes_take_four() -> None:
    body = "\n".join(["公安民警"] * 20_000)  # plain offsets run past 65535
    batch = [laid("标题", body, plain=True), laid("民警", "社区民警")]
    postings = {p.key: p for p in batch_postings(batch, 0, SPACE_CHARS)}
    assert postings["民警"].p[0] == 4 and postings["社区"].p[0] == 2
    assert sorted(postings.values()) == reference(batch, 0)


def test_the_encoding_of_a_small_batch() -> None:
    batch = [laid("民警", "民警民警 巡逻"), laid("", "巡逻")]
    postings = {p.key: p for p in batch_postings(batch, 5, SPACE_CHARS)}
    assert set(postings) == {"民", "警", "巡", "逻", "民警", "警民", "巡逻"}
    # 民警: in doc 5 only, 3 times (code 3 * 2 + in title), once in the title; positions from line bases
    bases = batch[0][2]
    assert postings["民警"] == Postings("民警", 5, 5, 1, bytes([7, 1]), bytes([2]) + b"".join(
        (base + at).to_bytes(2, "little") for base, at in [(bases[0], 0), (bases[1], 0), (bases[1], 2)]
    ))  # fmt: skip
    # 巡逻: docs 5 and 6 (a gap of 1), once each, never in the title
    assert postings["巡逻"][1:5] == (5, 6, 2, bytes([1, 2, 2]))
    assert postings["民"].p == b"" and postings["民"].tail == bytes([7, 1])  # 3 times, 1 in the title


def test_varint_array_is_leb128() -> None:
    values = [0, 1, 127, 128, 255, 300, 16383, 16384, 2**21, 2**35 + 5, 2**62]
    data, sizes = varint_array(np.array(values, dtype=np.int64))
    assert data == b"".join(map(varint, values)) == varints(values)
    assert sizes.tolist() == [len(varint(v)) for v in values]


@given(st.lists(st.integers(0, 2**62), max_size=200))
def test_varint_values_read_varint_array(values: list[int]) -> None:
    data, sizes = varint_array(np.array(values, dtype=np.int64))
    decoded, ends = varint_values(data)
    assert decoded.tolist() == values == decode(data)
    assert ends.tolist() == (np.cumsum(sizes) - 1).tolist()


@given(st.lists(st.lists(st.integers(0, 300), min_size=1, max_size=40), min_size=1, max_size=20))
def test_entries_of_reads_the_docs_and_codes_of_every_segment(batches: list[list[int]]) -> None:
    """A key's docs and codes read back from its segments, each with its counts and title counts after its gaps."""
    segments, prev, expected = [], -1, []
    for gaps in batches:
        docs = sorted(set(accumulate(gaps, initial=prev + 1)))
        codes = [2 * (100 + doc) + doc % 2 for doc in docs]  # counts of two bytes; odd docs in the title
        titles = [1 + doc % 5 for doc in docs if doc % 2]
        segments.append(stored(Segment("k", docs[0], docs[-1], len(docs), tail(docs, codes, titles), b""), prev))
        expected += docs
        prev = docs[-1]
    docs, codes = entries_of(segments)
    assert docs.tolist() == expected
    assert codes.tolist() == [2 * (100 + doc) + doc % 2 for doc in expected]


@given(st.lists(st.tuples(st.integers(1, 300), st.booleans()), min_size=1, max_size=40))
def test_best_docs_are_the_first_page_of_a_query_of_the_key(entries: list[tuple[int, bool]]) -> None:
    """As query.py ranks a one-term query's hits: in the title, occurrences in doubling buckets, occurrences, newer."""
    docs = np.arange(len(entries), dtype=np.int64) * 3
    codes = np.array([count * 2 + title for count, title in entries], np.int64)
    ranked = sorted(docs.tolist(), key=lambda doc: Hit(entries[doc // 3][1], entries[doc // 3][0]).rank(doc))
    assert best_docs(docs, codes) == ranked[:BEST_DOCS]


@given(st.lists(st.integers(0, 2**40), max_size=200))
def test_stable_order_is_a_stable_sort(keys: list[int]) -> None:
    order = stable_order(np.array(keys, dtype=np.int64)).tolist()
    assert order == sorted(range(len(keys)), key=keys.__getitem__)
