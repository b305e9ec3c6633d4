"""Near-duplicates: the same story republished by several sites becomes one post, not several.

A body is compared as its set of character 5-grams ("shingles") after typography is taken
away (NFKC, no punctuation, no spaces, no pictures), so a copy set in other punctuation or
spacing is the same text. Two bodies tell one story when the shorter one's shingles are
nearly all in the longer one (containment >= CONTAINMENT) and the shorter is not a small
part of the longer (LENGTH_RATIO): a copy with other page furniture, a cut-off ending or a
few edited words scores 0.95-1.0 on the seeds' variants. Different stories score low even
when they share sentences: at most 0.12 between the five seeds (two are about the same police
station), at most 0.64 between the synthetic stories of bench/import_bulk, which are made of
the seeds' sentences recombined.

Comparing every pair is too slow for an archive, so each body has a sketch, a one-permutation
MinHash (the smallest shingle hash in each of BINS bins), indexed by bands of ROWS bins: only
bodies that agree on a whole band are candidates, and a candidate is checked in full only when
the sketches already estimate it close to the threshold. A band holds only its first HELD bodies:
stories made of common sentences (a police notice's standard closing lines, or the synthetic
stories above) share some band keys by the thousand, and a body would otherwise be estimated
against a third of the archive (10^5 synthetic pages: 35,000 bodies each, of which 40 are
estimated near). A copy shares several rarer bands with its story: on a sample of 300 of those
pages, every one that has an earlier copy still finds it with 16 held, and 32 are held.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

SHINGLE = 5
BINS = 64
ROWS = 2  # bins per band: 32 bands catch a pair with Jaccard 0.25 with probability 0.87, 0.5 almost surely
MIN_SHINGLES = 100  # shorter bodies (a caption, a one-line notice) are not judged
CONTAINMENT = 0.8
LENGTH_RATIO = 0.3  # a roundup quoting a short story whole is not a copy of it
MARGIN = 0.15  # how far below CONTAINMENT a sketch estimate still earns the full check (its error is about 0.06)
LIKELY = CONTAINMENT - MARGIN  # the estimate that makes a candidate
HELD = 32  # keys a band holds (Index): a reprint shares several rarer bands with its story
CHECKED = 32768  # bodies whose shingles are kept for the next full check (Bodies): 4 kB each

_NOT_WORDS = re.compile(r"[\W_]+")
_PICTURE = re.compile(r"^!\[[^\]]*\]\([^)]*\)\s*$", re.MULTILINE)
_VALUE_BITS = 32 - BINS.bit_length() + 1  # a 32-bit hash is a bin number and a value below 2**_VALUE_BITS

Key = TypeVar("Key", bound=Hashable)


Scored = tuple[float, int, int, Key]  # estimate, 0 for a story of an Index or 1 of Pairs, order kept, story


@dataclass(frozen=True)
class Sketch:
    size: int  # number of distinct shingles
    mins: tuple[int, ...] = ()  # BINS values; empty when the body is too short to judge


def shingles(body_markdown: str) -> frozenset[int]:
    """Hashes (CRC-32, the same in every process and run) of the body's character 5-grams."""
    text = _NOT_WORDS.sub("", unicodedata.normalize("NFKC", _PICTURE.sub("", body_markdown)).lower())
    grams = {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}
    return frozenset(zlib.crc32(gram.encode("utf-8")) for gram in grams)


def sketch(hashes: frozenset[int]) -> Sketch:
    """The smallest value in each bin; an empty bin borrows the next filled bin's value, marked by
    its distance, so that two similar bodies still agree there (densified one-permutation hashing)."""
    if len(hashes) < MIN_SHINGLES:
        return Sketch(len(hashes))
    empty = 1 << _VALUE_BITS
    mins = [empty] * BINS
    for h in hashes:
        slot, value = h % BINS, h // BINS
        if value < mins[slot]:
            mins[slot] = value
    filled = [m != empty for m in mins]
    for i in range(BINS):
        if not filled[i]:
            distance = next(d for d in range(1, BINS) if filled[(i + d) % BINS])
            mins[i] = mins[(i + distance) % BINS] + distance * empty
    return Sketch(len(hashes), tuple(mins))


def comparable(a: int, b: int) -> bool:
    """Sizes that could be one story: both long enough, the shorter not a small part of the longer."""
    shorter, longer = sorted((a, b))
    return shorter >= MIN_SHINGLES and shorter >= LENGTH_RATIO * longer


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller set found in the larger one."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small) if small else 0.0


def packed(hashes: frozenset[int]) -> np.ndarray:
    """Shingle hashes as a sorted array: a twentieth of a frozenset's memory, and intersected in C."""
    return np.sort(np.fromiter(hashes, dtype=np.uint32, count=len(hashes)))


def same_packed(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two packed sets tell one story: comparable sizes, containment at least CONTAINMENT."""
    if not comparable(len(a), len(b)):
        return False
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared / min(len(a), len(b)) >= CONTAINMENT


class Bodies:
    """Packed shingles of the bodies checked lately, by the body's SHA-256. A story made of common
    sentences is a candidate of many later bodies, and is checked in full for each."""

    def __init__(self, size: int = CHECKED) -> None:
        self._size = size
        self._packed: OrderedDict[str, np.ndarray] = OrderedDict()

    def packed(self, body: str) -> np.ndarray:
        key = hashlib.sha256(body.encode("utf-8")).hexdigest()
        found = self._packed.get(key)
        if found is None:
            found = self._packed[key] = packed(shingles(body))
            if len(self._packed) > self._size:
                self._packed.popitem(last=False)
        else:
            self._packed.move_to_end(key)
        return found


class Index(Generic[Key]):
    """Sketches by band, for finding the stories a new body may copy. A band holds its first HELD keys
    only: a band key that many bodies share is a common sentence, not a sign of a copy, and would
    make every new body an estimate against all of them."""

    def __init__(self, held: int = HELD) -> None:
        self._held = held
        self._bands: dict[int, list[int]] = {}  # band key -> rows of the keys holding it, the first `held`
        self._keys: list[Key] = []
        self._mins = np.zeros((0, BINS), dtype=np.uint64)
        self._sizes = np.zeros(0, dtype=np.float64)

    def add(self, key: Key, sketched: Sketch) -> None:
        if not sketched.mins:
            return
        row = len(self._keys)
        if row == len(self._mins):  # grown by doubling: a row is copied O(1) times on average
            self._mins = np.resize(self._mins, (max(64, 2 * row), BINS))
            self._sizes = np.resize(self._sizes, max(64, 2 * row))
        self._keys.append(key)
        self._mins[row] = sketched.mins
        self._sizes[row] = sketched.size
        for band in bands(sketched):
            held = self._bands.setdefault(band, [])
            if len(held) < self._held:
                held.append(row)

    def candidates(self, sketched: Sketch) -> list[Key]:
        """Stories agreeing on a band and estimated near the threshold: the likeliest first, then
        the earliest kept."""
        return ranked(self.scored(sketched))

    def scored(self, sketched: Sketch) -> list[Scored[Key]]:
        """The candidates, unsorted, each with its estimate and its place among the stories kept."""
        held = [row for band in bands(sketched) for row in self._bands.get(band, ())]
        if not held:
            return []
        rows = np.unique(np.array(held, dtype=np.int64))
        mine = np.array([sketched.mins], dtype=np.uint64), np.array([sketched.size], dtype=np.float64)
        scores = pair_likenesses(self._mins[rows], self._sizes[rows], *mine)
        near = scores >= LIKELY
        return [
            (float(score), 0, int(row), self._keys[row]) for row, score in zip(rows[near], scores[near], strict=True)
        ]


class Pairs(Generic[Key]):
    """The candidates among one run's records, for each record by its label: the earlier records that hold
    a band with it in an Index of the run's records (each record with a sketch, in run order, whatever it
    became) and are estimated near the threshold. Found as the run is settled (seen), or all at once by the
    Dask engine's band shuffle (sitegen/scale/engine.py), which gives the same. Which of them became stories
    is told as the run is settled (kept): those are its candidates, after the stories an Index held before the
    run (as in an Index, they were kept later)."""

    def __init__(self, found: dict[str, list[tuple[str, float]]] | None = None, held: int = HELD) -> None:
        self.found: dict[str, list[tuple[str, float]]] = found if found is not None else {}
        self._run: Index[str] | None = Index(held) if found is None else None
        self._kept: dict[str, tuple[int, Key]] = {}

    def seen(self, label: str, sketched: Sketch) -> None:
        """A record of the run, in run order: its candidates among the records before it."""
        if self._run is not None:
            self.found[label] = [(other, score) for score, _, _, other in self._run.scored(sketched)]
            self._run.add(label, sketched)

    def kept(self, label: str, key: Key) -> None:
        self._kept[label] = (len(self._kept), key)

    def scored(self, label: str) -> list[Scored[Key]]:
        """The record's candidates that became stories, each with its estimate and its place among them."""
        return [(score, 1, *self._kept[other]) for other, score in self.found.pop(label, ()) if other in self._kept]


def ranked(scored: list[Scored[Key]]) -> list[Key]:
    """Candidates, the likeliest first, then the earliest kept."""
    return [key for *_, key in sorted(scored, key=lambda s: (-s[0], s[1], s[2]))]


def pair_likenesses(a_mins: np.ndarray, a_sizes: np.ndarray, b_mins: np.ndarray, b_sizes: np.ndarray) -> np.ndarray:
    """The containment each row of a and the same row of b (or b's one row) estimate, 0.0 where their sizes
    cannot be one story: Jaccard from the agreeing bins, turned into containment by the sizes. The one formula
    both engines use, so that their estimates are equal to the last bit."""
    jaccard = (a_mins == b_mins).sum(axis=1) / BINS
    small, large = np.minimum(a_sizes, b_sizes), np.maximum(a_sizes, b_sizes)
    comparable = (small >= MIN_SHINGLES) & (small >= LENGTH_RATIO * large)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = jaccard * (a_sizes + b_sizes) / ((1 + jaccard) * small)
    return np.where(comparable, estimate, 0.0)


def bands(sketched: Sketch) -> list[int]:
    """Each band's bins as one number, with the band's own number on top: two bodies that may tell one
    story share one of these (the key the Dask engine groups records by, sitegen/scale/engine.py)."""
    keys = []
    for start in range(0, len(sketched.mins), ROWS):
        value = start
        for m in sketched.mins[start : start + ROWS]:
            value = (value << 40) | m
        keys.append(value)
    return keys
