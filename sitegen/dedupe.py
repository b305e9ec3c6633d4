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
the sketches already estimate it close to the threshold.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

SHINGLE = 5
BINS = 64
ROWS = 2  # bins per band: 32 bands catch a pair with Jaccard 0.25 with probability 0.87, 0.5 almost surely
MIN_SHINGLES = 100  # shorter bodies (a caption, a one-line notice) are not judged
CONTAINMENT = 0.8
LENGTH_RATIO = 0.3  # a roundup quoting a short story whole is not a copy of it
MARGIN = 0.15  # how far below CONTAINMENT a sketch estimate still earns the full check (its error is about 0.06)
LIKELY = CONTAINMENT - MARGIN  # the estimate that makes a candidate

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


def estimate(a: Sketch, b: Sketch) -> float:
    """Containment from two sketches: Jaccard from agreeing bins, turned into containment by the sizes."""
    jaccard = sum(x == y for x, y in zip(a.mins, b.mins, strict=True)) / BINS
    return jaccard * (a.size + b.size) / ((1 + jaccard) * min(a.size, b.size))


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller set found in the larger one."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small) if small else 0.0


def same_story(a: frozenset[int], b: frozenset[int]) -> bool:
    return comparable(len(a), len(b)) and containment(a, b) >= CONTAINMENT


class Index(Generic[Key]):
    """Sketches of the stories kept so far, by band, for finding the ones a new body may copy."""

    def __init__(self) -> None:
        self._bands: dict[int, list[Key]] = {}
        self._sketches: dict[Key, Sketch] = {}
        self._order: dict[Key, int] = {}

    def add(self, key: Key, sketched: Sketch) -> None:
        self._sketches[key] = sketched
        self._order.setdefault(key, len(self._order))
        for band in bands(sketched):
            self._bands.setdefault(band, []).append(key)

    def candidates(self, sketched: Sketch) -> list[Key]:
        """Stories agreeing on a band and estimated near the threshold: the likeliest first, then
        the earliest kept."""
        return ranked(self.scored(sketched))

    def scored(self, sketched: Sketch) -> list[Scored[Key]]:
        """The candidates, unsorted, each with its estimate and its place among the stories kept."""
        found: dict[Key, float] = {}
        for band in bands(sketched):
            for key in self._bands.get(band, ()):
                if key not in found:
                    found[key] = likeness(sketched, self._sketches[key])
        return [(score, 0, self._order[key], key) for key, score in found.items() if score >= LIKELY]


class Pairs(Generic[Key]):
    """Candidates found before the run is settled (sitegen/scale/engine.py: a shuffle on band keys): for a
    record, by its label, the earlier records that share a band with it and are estimated near the
    threshold. Which of them became stories is told as the run is settled (kept): those are its
    candidates, after the stories an Index held before the run (as in an Index, they were kept later)."""

    def __init__(self) -> None:
        self.found: dict[str, list[tuple[str, float]]] = {}  # label -> (an earlier record's label, estimate)
        self._kept: dict[str, tuple[int, Key]] = {}

    def kept(self, label: str, key: Key) -> None:
        self._kept[label] = (len(self._kept), key)

    def scored(self, label: str) -> list[Scored[Key]]:
        """The record's candidates that became stories, each with its estimate and its place among them."""
        return [(score, 1, *self._kept[other]) for other, score in self.found.get(label, ()) if other in self._kept]


def ranked(scored: list[Scored[Key]]) -> list[Key]:
    """Candidates, the likeliest first, then the earliest kept."""
    return [key for *_, key in sorted(scored, key=lambda s: (-s[0], s[1], s[2]))]


def likeness(a: Sketch, b: Sketch) -> float:
    """The containment two sketches estimate, or 0.0 when their sizes cannot be one story."""
    return estimate(a, b) if comparable(a.size, b.size) else 0.0


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
