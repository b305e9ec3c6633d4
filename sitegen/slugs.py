"""Stable ASCII slugs: pinyin of the title, shortened on a word boundary; never a name Windows keeps."""

from __future__ import annotations

import re
import unicodedata

from sitegen.keys import word_hash

MAX_LEN = 48
# Names Windows keeps for devices, in any case and with any extension: a folder 'con' cannot be made there.
RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"{port}{n}" for port in ("com", "lpt") for n in range(10))})


ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # str.translate() removes these


def term_name(text: str) -> str:
    """One spelling of names that look the same, before their slug is made: NFC, zero-width characters
    removed, stripped. '反\u200b诈' is '反诈', and so is the same word in decomposed (NFD) form: one term,
    one page."""
    return unicodedata.normalize("NFC", text.translate(ZERO_WIDTH)).strip()


def slugify(text: str, max_len: int = MAX_LEN) -> str:
    """'井冈山茨坪派出所' -> 'jing-gang-shan-ci-ping-pai-chu-suo'; Latin words and digits kept.

    pypinyin is imported here, not with the module: loading its dictionaries is slow, and a build
    whose term slugs are all in the cache (see plan.Table.slug) needs none.
    """
    from pypinyin import Style, lazy_pinyin

    words: list[str] = []
    for piece in lazy_pinyin(text, style=Style.NORMAL, errors=lambda s: " ".join(re.findall(r"[A-Za-z0-9]+", s))):
        words.extend(w for w in re.split(r"[^a-z0-9]+", piece.lower()) if w)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_len:
            break
        slug = candidate
    if slug in RESERVED:
        return f"{slug}-1"  # 'con-1': a name Windows allows, and still the word
    return slug or word_hash(text)


def unique(slug: str, taken: set[str]) -> str:
    """slug, or slug-2, slug-3 ... whichever is free first."""
    if slug not in taken:
        return slug
    n = 2
    while f"{slug}-{n}" in taken:
        n += 1
    return f"{slug}-{n}"
