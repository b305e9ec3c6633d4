"""What kind of source a file is, judged by its bytes and never by its name.

Kinds: a blog post with front matter (Hexo, Jekyll, Hugo: YAML, Hexo's YAML without the opening
---, TOML or JSON, with CRLF line ends or a BOM), a full HTML page, text copied out of a portal
page, and text extracted from a newspaper PDF. Decoding happens here too, because an
HTML page's declared charset is part of recognising it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from charset_normalizer import from_bytes

from sitegen import frontmatter
from sitegen.errors import SitegenError
from sitegen.extract.patterns import CJK_PUNCT, HAN
from sitegen.typography import ends_sentence, has_clause_punctuation

Kind = Literal["post", "html", "portal", "pdf"]

# Pages that declare gb2312 or gbk are often written with characters only gb18030 has.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs", "iso-8859-1": "cp1252"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
# An XML declaration or a crawler's record wrapper (<text id=URL … encoding="gbk">) names the encoding too.
_FIRST_TAG_ENCODING = re.compile(rb"""^\s*<[?\w][^>]*?\bencoding\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)
# Markup that only a web page has; a file that opens with a tag and holds several is a page.
_HTML_TAGS = re.compile(rb"<(?:html|head|body|div|table|td|p|br|span|a|meta|title)\b", re.IGNORECASE)
_BYLINE_LABEL = re.compile(r"(?:发布时间|来源|作者|责任编辑|编辑|时间)\s*[:：]")
_GAP = re.compile(f"[{HAN}{CJK_PUNCT}] [{HAN}]")


@dataclass(frozen=True)
class Source:
    kind: Kind
    text: str


def detect(data: bytes) -> Source:
    """Bytes -> decoded text and its kind; empty, binary or undecodable input is an error."""
    if not data.strip():
        raise SitegenError("empty file: nothing to import")
    if data.startswith(b"%PDF"):
        raise SitegenError(
            "a PDF file, not text", hint="extract its text first, e.g. pdftotext -layout page.pdf page.txt"
        )
    if _HTML_START.match(data[:4096]) or (data.lstrip()[:1] == b"<" and len(_HTML_TAGS.findall(data[:4096])) >= 3):
        return Source("html", decode_html(data))
    text = decode_text(data)
    if frontmatter.dialect(text) is not None:
        return Source("post", text)
    if re.search(r"<(?:html|body)\b", text[:2048], re.IGNORECASE):
        return Source("html", text)
    return Source(text_kind(text), text)


def decode_html(data: bytes) -> str:
    """A page in any encoding: its meta charset, or the encoding its first tag names (gb2312 read
    as gb18030), else a detected one.

    Bytes that are valid UTF-8 are UTF-8 whatever the page declares (GBK text almost never is):
    pages are often re-saved as UTF-8 with the old declaration left in place. A declaration that
    the bytes contradict throughout is wrong, and the encoding is detected instead.
    """
    declared = _META_CHARSET.search(data[:4096]) or _FIRST_TAG_ENCODING.match(data[:1024])
    if not declared:
        return decode_text(data)
    name = declared.group(1).decode("ascii", "replace").lower()
    try:
        codec = codecs.lookup(_SUPERSETS.get(name, name)).name
    except LookupError:
        return decode_text(data)
    for attempt in ("utf-8", codec):
        try:
            return data.decode(attempt)
        except UnicodeDecodeError:
            continue
    text = data.decode(codec, errors="replace")
    if text.count("\ufffd") <= max(2, len(text) // 1000):
        return text  # a few broken characters: the declaration is right, the page damaged
    return decode_text(data)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else what charset-normalizer finds; binary data is refused."""
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SitegenError("binary file, not text", hint="import HTML pages, blog posts or text files")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise SitegenError("binary file, or text in an unknown encoding", hint="save it as UTF-8 and import it again")
    name = _SUPERSETS.get(best.encoding.replace("_", "").lower(), best.encoding)
    text = data.decode(name, errors="replace")
    if _control_ratio(text) > 0.05:
        raise SitegenError("binary file, not text", hint="import HTML pages, blog posts or text files")
    return text


def text_kind(text: str) -> Kind:
    """Portal copy or newspaper PDF text, told apart by how their lines break.

    PDF text breaks lines at the column edge: long lines end mid-sentence, are followed
    directly by more text, or were joined with a space where the break was ("基层 治理").
    Text copied from a web page keeps one paragraph per line and a labelled by-line.
    """
    lines = [line.strip() for line in text.splitlines()]
    long_lines = [line for line in lines if len(line) >= 20]
    prose = [line for line in long_lines if has_clause_punctuation(line)]
    if not long_lines:
        return "portal"
    gaps = sum(len(_GAP.findall(line)) for line in prose)
    chars = sum(len(line) for line in prose) or 1
    wrapped = sum(1 for line, following in pairwise(lines) if len(line) >= 20 and following and not ends_sentence(line))
    labelled = any(_BYLINE_LABEL.search(line) and len(line) < 120 for line in lines[:30])
    gap_rate = 100 * gaps / chars
    wrap_rate = wrapped / len(long_lines)
    if labelled:
        return "pdf" if wrap_rate > 0.5 else "portal"
    return "pdf" if gap_rate > 0.5 or wrap_rate > 0.5 else "portal"


def _control_ratio(text: str) -> float:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(len(text), 1)
