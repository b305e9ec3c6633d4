"""A batch of docs' postings at once: every character and bigram of the batch sorted together, in NumPy.

The index's postings (see search/index.py) are, per key and batch, the docs holding the key
with their counts, title counts and, for a bigram, positions. Counting them a character at a
time in dicts costs a dict operation per character; here the batch's text is one array of
code points, every occurrence of a key is one element, and one sort by (key, doc, position)
groups them. Counts, title counts, doc gaps and the D segments' varints are array operations;
Python loops once per key, to cut the bytes of its segment.

The docs' lines are laid out sorted by their bases (see line_bases()), each followed by a
newline, so that within a doc the order of the text is the order of positions (lines of one
character, which share base 0, have no bigram). A newline is a space, so no bigram spans two
lines or two docs. A key is numbered by its characters' numbers among the batch's (first *
(count + 1), plus 1 + second for a bigram), so that the keys of one first character are
consecutive: the batch is sorted and encoded a range of first characters at a time, about
GROUP occurrences each, which bounds the memory its arrays take.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Int32s = NDArray[np.int32]

CODE_POINTS = 0x110000
WIDE = 0xFFFF  # positions above this take 4 bytes in a P segment, else 2
GROUP = 1 << 18  # occurrences of keys sorted and encoded at a time, about
DENSE_SPAN = 1 << 22  # keys below this are ranked before they are sorted (see stable_order())


class Laid(NamedTuple):
    """Characters of a batch's text, one element each: the whole text as laid out (each line followed by a
    newline), or the occurrences of some of its keys, sorted by key."""

    docs: Int32s  # the doc's number in the batch
    positions: Int32s  # the character's position in its doc (see line_bases())
    titled: NDArray[np.bool_]  # in a line of the title


class Postings(NamedTuple):
    """A key's postings in one batch: its segment of the index but for the first gap (see index.Segment)."""

    key: str
    first: int
    last: int
    entries: int
    tail: bytes
    p: bytes


class Text(NamedTuple):
    """A batch's text as its keys are counted: each character's number among the batch's characters (chars, by
    code point), whether it is a key (not a space) and whether it starts a bigram; and where each is."""

    numbers: Int32s
    chars: list[int]
    kept: NDArray[np.bool_]
    paired: NDArray[np.bool_]
    laid: Laid


def batch_postings(docs: Sequence[tuple[str, str, list[int]]], first_doc: int, spaces: Iterable[str]) -> list[Postings]:
    """Every key's postings in the batch (docs: each one's folded title, body and line bases; the first is doc id
    first_doc): its characters' (counts) and its bigrams' (positions), none holding a space."""
    text = numbered(*layout(docs), spaces)
    out: list[Postings] = []
    for low, high in groups(text):
        keys, occurrences = _sorted(text, low, high)
        out += _postings(keys, occurrences, text.chars, first_doc)
    return out


def layout(docs: Sequence[tuple[str, str, list[int]]]) -> tuple[NDArray[np.uint32], Laid]:
    """The batch's text: its code points, and each character's doc, position and whether in the title.

    Each doc's lines are sorted by base, so that its characters' order is its positions' order.
    """
    lines: list[str] = []
    bases: list[int] = []
    titled: list[bool] = []
    sizes: list[int] = []
    for title, body, line_bases in docs:
        text = f"{title}\n{body}".split("\n")
        in_title = title.count("\n") + 1
        order = sorted(range(len(text)), key=line_bases.__getitem__)
        lines += [text[n] for n in order]
        bases += [line_bases[n] for n in order]
        titled += [n < in_title for n in order]
        sizes.append(len(title) + len(body) + 2)
    joined = "\n".join(lines) + "\n"
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    widths = np.fromiter(map(len, lines), np.int32, len(lines)) + 1
    starts = np.cumsum(widths, dtype=np.int32) - widths
    positions = np.arange(len(codes), dtype=np.int32) + np.repeat(np.array(bases, np.int32) - starts, widths)
    numbers = np.repeat(np.arange(len(docs), dtype=np.int32), sizes)
    return codes, Laid(numbers, positions, np.repeat(np.array(titled, np.bool_), widths))


def numbered(codes: NDArray[np.uint32], laid: Laid, spaces: Iterable[str]) -> Text:
    """The batch's characters numbered, and which start a key."""
    space_codes = np.zeros(CODE_POINTS, np.bool_)
    space_codes[[ord(space) for space in spaces]] = True
    kept = ~space_codes[codes]
    present = np.zeros(CODE_POINTS, np.bool_)
    present[codes] = True
    numbers = np.cumsum(present, dtype=np.int32)[codes] - 1
    return Text(numbers, np.flatnonzero(present).tolist(), kept, kept[:-1] & kept[1:], laid)


def groups(text: Text) -> Iterator[tuple[int, int]]:
    """Ranges of first characters' numbers [low, high) whose keys have about GROUP occurrences together."""
    count = len(text.chars)
    per_char = np.bincount(text.numbers[text.kept], minlength=count)
    per_char += np.bincount(text.numbers[:-1][text.paired], minlength=count)
    before = np.cumsum(per_char) - per_char
    cuts = (np.flatnonzero(np.diff(before // GROUP)) + 1).tolist()
    return zip([0, *cuts], [*cuts, count], strict=True)


def _sorted(text: Text, low: int, high: int) -> tuple[Ints, Laid]:
    """The keys whose first character's number is in [low, high), an element per occurrence, sorted by (key, doc,
    position), and their occurrences' docs, positions and title flags."""
    numbers, width = text.numbers, len(text.chars) + 1
    inside = (numbers >= low) & (numbers < high)
    at_char = np.flatnonzero(text.kept & inside)
    at_pair = np.flatnonzero(text.paired & inside[:-1])
    first_chars = numbers[at_char].astype(np.int64) * width
    first_pairs = numbers[at_pair].astype(np.int64) * width + 1 + numbers[at_pair + 1]
    keys = np.concatenate([first_chars, first_pairs])
    at = np.concatenate([at_char, at_pair])
    order = stable_order(keys - low * width)  # for one key, the order of the text: by doc, then position
    at = at[order]
    laid = text.laid
    return keys[order], Laid(laid.docs[at], laid.positions[at], laid.titled[at])


def stable_order(keys: Ints) -> Ints:
    """The permutation that sorts keys (non-negative), equal keys in their order: a radix sort, 16 bits a pass.

    Keys within DENSE_SPAN are first replaced by their rank among the distinct keys (a table
    lookup): a group's few thousand keys then take one pass instead of two.
    """
    ranks: Ints | Int32s = keys
    if len(keys) and int(keys.max()) < DENSE_SPAN:
        present = np.zeros(int(keys.max()) + 1, np.bool_)
        present[keys] = True
        ranks = np.cumsum(present, dtype=np.int32)[keys] - 1
    order = np.arange(len(keys))
    for shift in range(0, int(ranks.max(initial=0)).bit_length(), 16):
        digits = ((ranks[order] if shift else ranks) >> shift & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digits, kind="stable")]  # NumPy sorts 16-bit integers by counting
    return order


def _starts(*columns: Ints | Int32s) -> Ints:
    """Where a run of equal rows starts (columns sorted together)."""
    change = np.zeros(len(columns[0]), np.bool_)
    change[0] = True
    for column in columns:
        change[1:] |= column[1:] != column[:-1]
    return np.flatnonzero(change)


def _postings(keys: Ints, laid: Laid, chars: list[int], first_doc: int) -> list[Postings]:
    """Each key's postings from its occurrences, sorted by (key, doc, position)."""
    if not len(keys):
        return []
    entry = _starts(keys, laid.docs)  # an entry: a key in one doc
    counts = np.diff(np.append(entry, len(keys)))
    title_counts = np.add.reduceat(laid.titled.astype(np.int64), entry)
    entry_keys, entry_docs = keys[entry], laid.docs[entry].astype(np.int64)
    first = _starts(entry_keys)  # each key's first entry
    tails, ends = varint_runs(entry_docs, counts * 2 + (title_counts > 0), title_counts, first)
    occurrences = np.append(entry[first], len(keys))  # each key's first occurrence
    wide = np.maximum.reduceat(laid.positions, occurrences[:-1]) > WIDE
    narrow = laid.positions.astype("<u2").tobytes()
    width = len(chars) + 1
    last = np.append(first[1:], len(entry)) - 1
    rows = zip(
        entry_keys[first].tolist(),
        (entry_docs[first] + first_doc).tolist(),
        (entry_docs[last] + first_doc).tolist(),
        (last - first + 1).tolist(),
        ends[:-1].tolist(),
        ends[1:].tolist(),
        occurrences[:-1].tolist(),
        occurrences[1:].tolist(),
        wide.tolist(),
        strict=True,
    )
    out: list[Postings] = []
    for key, first_id, last_id, entries, start, end, begin, stop, is_wide in rows:
        first_char, second = divmod(key, width)
        if not second:
            name, p = chr(chars[first_char]), b""
        else:
            name = chr(chars[first_char]) + chr(chars[second - 1])
            if is_wide:
                p = b"\x04" + laid.positions[begin:stop].astype("<u4").tobytes()
            else:
                p = b"\x02" + narrow[2 * begin : 2 * stop]
        out.append(Postings(name, first_id, last_id, entries, tails[start:end], p))
    return out


def varint_runs(docs: Ints, codes: Ints, title_counts: Ints, first: Ints) -> tuple[bytes, Ints]:
    """Each key's D segment but its count and first gap, end to end, and where each starts (and the last ends).

    The entries are in key order, first holding each key's first; a key's values are the gaps
    between its docs, its entries' codes, then the title counts of its entries in the title.
    """
    keys = len(first)
    per_key = np.diff(np.append(first, len(docs)))  # entries
    key_of = np.repeat(np.arange(keys), per_key)
    rank = np.arange(len(docs)) - first[key_of]  # the entry's number in its key
    in_title = title_counts > 0
    flags = in_title.astype(np.int64)
    titles_before: Ints = np.cumsum(flags) - flags
    per_key_titles = np.add.reduceat(flags, first)
    lengths = 2 * per_key - 1 + per_key_titles
    value_start = np.cumsum(lengths) - lengths
    values = np.empty(int(lengths.sum()), np.int64)
    later = rank > 0
    values[(value_start[key_of] + rank - 1)[later]] = (docs[1:] - docs[:-1])[later[1:]]
    values[value_start[key_of] + per_key[key_of] - 1 + rank] = codes
    title_rank: Ints = titles_before - titles_before[first][key_of]
    values[(value_start[key_of] + 2 * per_key[key_of] - 1 + title_rank)[in_title]] = title_counts[in_title]
    data, sizes = varint_array(values)
    ends = np.cumsum(sizes)
    key_ends = ends[np.cumsum(lengths) - 1] if len(values) else np.zeros(keys, np.int64)
    return data, np.append(0, key_ends)


def varint_array(values: Ints) -> tuple[bytes, Ints]:
    """Unsigned LEB128 varints of values, end to end, and each one's size in bytes.

    Most values take one byte: every value's first byte is placed at once, then the further
    bytes of the few that need them.
    """
    sizes = np.ones(len(values), np.int64)
    rest = values >> 7
    while rest.any():
        sizes += rest > 0
        rest >>= 7
    starts = np.cumsum(sizes) - sizes
    out = np.empty(int(sizes.sum()), np.uint8)
    out[starts] = values & 0x7F | (sizes > 1) << 7
    longer = np.flatnonzero(sizes > 1)
    for shift in range(1, int(sizes.max(initial=0))):
        longer = longer[sizes[longer] > shift]
        out[starts[longer] + shift] = values[longer] >> 7 * shift & 0x7F | (sizes[longer] > shift + 1) << 7
    return out.tobytes(), sizes


def varint_values(data: bytes) -> tuple[Ints, Ints]:
    """The unsigned LEB128 varints end to end in data, decoded (varint_array()'s inverse), and where each ends.

    Each byte's seven bits are shifted by its place in its varint and summed per varint in one
    array operation.
    """
    raw = np.frombuffer(data, np.uint8)
    ends = np.flatnonzero(raw < 0x80)
    if not len(ends):
        return np.zeros(0, np.int64), ends
    starts = np.append(0, ends[:-1] + 1)
    places = np.arange(len(raw)) - np.repeat(starts, ends - starts + 1)
    return np.add.reduceat((raw & 0x7F).astype(np.int64) << 7 * places, starts), ends
