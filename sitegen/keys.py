"""Every hash the build names things by, in one place: what a key covers decides what a build redoes.

- digest()       a short key of several strings: cards, pages, feeds, cache scopes
- content_key()  the SHA-256 of bytes: files in output/ and blobs in the cache
- short_key()    a prefix of it, for names a reader's browser caches for ever (assets, search files)
- flat_name()    a file's path as one flat name (output's staging folder)
- checksum()     what the cache seals each value with, tied to the row that holds it
- bucket()       which of count values a path is kept in (the cache's posts and output record)
- word_hash()    a slug for a name that has no ASCII at all
- places_key()   a list of positions (a list page's posts)
- fnv1a()        the search index's shard of a key, computed the same way by search.js
- body_key()     a rendered body's: its Markdown and the two settings that change links and images
- cards_key()    what every page but the articles' bodies depends on
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from array import array
from collections.abc import Sequence


def digest(*parts: str) -> str:
    """A short hex key for cards, pages and cache entries.

    The parts' lengths follow them, so ('ab', 'c') != ('a', 'bc'): the lengths at the end tell where
    the parts end (no other split of the same bytes has lengths that add up). Joined and counted in C:
    a build that plans its pages again makes a key of some 30 parts for every page.
    """
    joined = "".join(parts) + "|" + " ".join(map(str, map(len, parts)))
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def short_key(data: bytes, chars: int) -> str:
    """The first chars hex digits of content_key(data)."""
    return hashlib.sha256(data).hexdigest()[:chars]


def flat_name(rel: str) -> str:
    """A file's name in a flat folder: the staging folder's and the one set aside (see output.py)."""
    return hashlib.sha1(rel.encode("utf-8", "surrogatepass")).hexdigest()


def checksum(row: str, data: bytes | memoryview, size: int) -> bytes:
    """size bytes of a hash of the row's name and the bytes (see cache.seal())."""
    check = hashlib.sha256(row.encode("utf-8", "surrogateescape"))
    check.update(data)
    return check.digest()[:size]


def bucket(path: str, count: int) -> int:
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % count


def word_hash(text: str) -> str:
    """A short stable id for text that yields no ASCII at all."""
    return "p-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def places_key(places: Sequence[int]) -> str:
    return hashlib.sha256(array("q", places).tobytes()).hexdigest()


def fnv1a(key: str) -> int:
    """FNV-1a (32 bit) over the key's UTF-8 bytes: cheap and identical in JavaScript."""
    h = 0x811C9DC5
    for byte in key.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def body_key(body_sha: str, remote_images: bool, base_path: str) -> str:
    """A rendered body depends on its Markdown and on the two settings that change links and images.

    The two hashes side by side, not hashed again: a build asks for one per story.
    """
    return body_sha + body_settings(remote_images, base_path)


@functools.cache
def body_settings(remote_images: bool, base_path: str) -> str:
    """What a body's key adds to its Markdown's hash."""
    return digest(str(remote_images), base_path)


def cards_key(site: str, card_keys: Sequence[str]) -> str:
    """What every page key but the articles' body hashes depends on: the site, and the cards in order."""
    return digest(site, *card_keys)
