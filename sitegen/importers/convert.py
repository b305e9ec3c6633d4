"""Source bytes -> one post: recognise the kind, read it with its importer, add what every post has.

The common stage adds, from the story's own words, topics from the site's vocabulary,
regions, tags and a summary, and fixes the slug and the fingerprint of the raw input.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sitegen.config import Config
from sitegen.errors import SitegenError
from sitegen.extract import clean
from sitegen.extract.regions import find_regions
from sitegen.extract.vocab import find_tags, find_topics
from sitegen.frontmatter import Meta
from sitegen.importers import RawStory, html_page, pdf_text, portal_dump, post
from sitegen.importers.detect import Kind, detect
from sitegen.slugs import slugify, unique
from sitegen.typography import clean_heading

SUMMARY_LIMIT = 120
# A header's gb2312 or gbk is read as gb18030 (its superset), as browsers do; latin-1 is many
# servers' default whatever the page holds, so it says nothing and content detection decides.
_HEADER_CODECS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs"}
_UNINFORMATIVE = {"iso8859-1", "ascii", "cp1252"}
_TEXT_READERS: dict[Kind, Callable[[str], RawStory]] = {
    "html": html_page.read,
    "portal": portal_dump.read,
    "pdf": pdf_text.read,
}
KIND_NAMES: dict[Kind, str] = {
    "post": "blog post",
    "html": "HTML page",
    "portal": "portal text",
    "pdf": "PDF text",
}


@dataclass(frozen=True)
class Converted:
    kind: Kind
    meta: Meta
    body: str
    raw: RawStory  # what the importer read, kept for joining the pages of multi-page articles


def fingerprint(data: bytes) -> str:
    """Identifies the raw input, so importing the same bytes again finds the post it made."""
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


def convert(data: bytes, origin: Path, cfg: Config, taken: set[str], charset: str | None = None) -> Converted:
    """Bytes of one source -> its post, with a slug made unique against taken.

    charset is what an HTTP header declared: like a browser, it outranks the page's own <meta>.
    """
    source = detect(as_declared(data, charset))
    raw = post.read(source.text, origin) if source.kind == "post" else _TEXT_READERS[source.kind](source.text)
    if not raw.body_markdown.strip():
        raise SitegenError(f"no story text found in this {KIND_NAMES[source.kind]}")
    meta, body = to_post(raw, cfg, fingerprint(data), taken)
    return Converted(source.kind, meta, body, raw)


def as_declared(data: bytes, charset: str | None) -> bytes:
    """The bytes as UTF-8 when they are valid text in the declared charset, else as they are.

    detect() reads valid UTF-8 as UTF-8 whatever a page's <meta> says, so this lets the header
    win over the <meta>. Bytes that are valid UTF-8 stay UTF-8 (a site moved to UTF-8 and kept
    its old header), and a header that does not fit the bytes is ignored: the content decides.
    """
    if not charset:
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    try:
        codec = codecs.lookup(_HEADER_CODECS.get(charset.lower(), charset)).name
        return data if codec in _UNINFORMATIVE else data.decode(codec).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return data


def to_post(raw: RawStory, cfg: Config, digest: str, taken: set[str]) -> tuple[Meta, str]:
    """RawStory -> front matter and body: typeset title, vocabulary, summary, slug, fingerprint."""
    body = raw.body_markdown.strip()
    text = clean.markdown_text(body)
    title = clean_heading(raw.title) or _first_words(text)
    meta = Meta(
        title=title,
        subtitle=clean_heading(raw.subtitle) if raw.subtitle else None,
        date=raw.date,
        authors=raw.authors,
        editor=raw.editor,
        source=raw.source,
        via=raw.via,
        source_url=raw.source_url,
        original_url=raw.original_url,
        categories=find_topics(text, cfg.topics, title=title),
        tags=find_tags(title, text),
        regions=find_regions(text, title=title),
        images=raw.images,
        summary=summarise(_paragraphs(body)),
        slug=unique(slugify(title), taken),
        review=raw.review,
        fingerprint=digest,
    )
    return meta, body


def summarise(paragraphs: list[str], limit: int = SUMMARY_LIMIT) -> str | None:
    """The first one or two whole sentences of the story, at most limit characters."""
    for paragraph in paragraphs:
        sentences: list[str] = re.findall(r"[^。！？]*[。！？]+[”’」』]?", paragraph)
        if not sentences:
            continue
        summary = sentences[0]
        if len(summary) > limit:
            cut = max(summary.rfind(mark, 0, limit - 2) for mark in "，；、")
            return summary[: cut if cut > 0 else limit - 2] + "……"
        if len(sentences) > 1 and len(summary) + len(sentences[1]) <= limit:
            summary += sentences[1]
        return summary
    return None


def _paragraphs(body: str) -> list[str]:
    """Running text only: no headings, pictures or captions."""
    return [
        clean.markdown_text(chunk) for chunk in body.split("\n\n") if chunk and not chunk.startswith(("## ", "![", "*"))
    ]


def _first_words(text: str) -> str:
    return text.strip().split("\n")[0][:30]
