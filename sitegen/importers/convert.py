"""Source bytes -> one post: recognise the kind, read it with its importer, add what every post has.

The common stage adds, from the story's own words, topics from the site's vocabulary,
regions, tags and a summary, and fixes the slug and the fingerprint of the raw input.
A migrated blog post keeps what its author set: its tags stay tags, a category that names a
topic of the vocabulary (or one of its keywords) becomes that topic and any other is kept as a
tag, listed under review; keywords are found only for a post with no tags or categories.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sitegen.config import Config, Topic
from sitegen.errors import SitegenError
from sitegen.extract import clean
from sitegen.extract.regions import find_regions
from sitegen.extract.vocab import find_tags, find_topics
from sitegen.frontmatter import Meta
from sitegen.importers import RawStory, html_page, pdf_text, portal_dump, post
from sitegen.importers.detect import Kind, detect
from sitegen.slugs import slugify, term_name, unique
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


def convert(
    data: bytes, origin: Path, cfg: Config, taken: set[str], charset: str | None = None, root: Path | None = None
) -> Converted:
    """Bytes of one source -> its post, with a slug made unique against taken.

    charset is what an HTTP header declared: like a browser, it outranks the page's own <meta>.
    root is the folder the source was found in, for a blog post's pictures (see post.read).
    """
    source = detect(as_declared(data, charset))
    if source.kind == "post":
        raw = post.read(source.text, origin, root)
    else:
        raw = _TEXT_READERS[source.kind](source.text)
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
    if raw.migrated:
        return migrated_post(raw, cfg, digest, taken)
    body = raw.body_markdown.strip()
    text = clean.markdown_text(body)
    title = clean_heading(raw.title) or _first_words(text)
    meta = _meta(
        raw,
        text,
        title=title,
        subtitle=clean_heading(raw.subtitle) if raw.subtitle else None,
        categories=find_topics(text, cfg.topics, title=title),
        tags=find_tags(title, text),
        summary=summarise(_paragraphs(body)),
        slug=unique(slugify(title), taken),
        review=raw.review,
        fingerprint=digest,
    )
    return held_for_review(meta, cfg), body


def migrated_post(raw: RawStory, cfg: Config, digest: str, taken: set[str]) -> tuple[Meta, str]:
    """A blog post's front matter: its title, dates, slug, old addresses and summary as its author set
    them; its categories as topics or tags; topics, regions (and keywords, if it has none) from its prose."""
    body = raw.body_markdown.strip()
    text = clean.markdown_text(prose(body))
    title = raw.title.strip() or _first_words(text)
    topics, kept = sort_categories(raw.categories, cfg.topics)
    own_tags = tuple(dict.fromkeys(term_name(t) for t in (*raw.tags, *kept) if term_name(t)))
    meta = _meta(
        raw,
        text,
        title=title,
        subtitle=raw.subtitle,
        categories=tuple(dict.fromkeys((*topics, *find_topics(text, cfg.topics, title=title)))),
        tags=own_tags if raw.tags or raw.categories else find_tags(title, text),
        summary=raw.summary or summarise(_running_text(prose(body))),
        slug=unique(raw.slug or slugify(title), taken),
        review=tuple(dict.fromkeys((*raw.review, *(f"category {c} kept as a tag" for c in kept)))),
        fingerprint=digest,
    )
    return held_for_review(meta, cfg), body


def _meta(raw: RawStory, text: str, **fields: Any) -> Meta:
    """The front matter of a story: what its source established, as it gave it, regions found in its
    text (and title), and fields."""
    return Meta(
        date=raw.date,
        updated=raw.updated,
        authors=raw.authors,
        editor=raw.editor,
        source=raw.source,
        via=raw.via,
        source_url=raw.source_url,
        original_url=raw.original_url,
        regions=find_regions(text, title=fields["title"]),
        images=raw.images,
        aliases=raw.aliases,
        draft=raw.draft,
        **fields,
    )


def held_for_review(meta: Meta, cfg: Config) -> Meta:
    """A story with items under review waits as a draft for an editor (unless [import] review_as_draft =
    false): an import is published by the next build, and what it could not establish would be too."""
    return replace(meta, draft=True) if meta.review and cfg.review_as_draft else meta


def sort_categories(categories: tuple[str, ...], topics: tuple[Topic, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The author's categories -> (topics they name, the others): a category names a topic when it is the
    topic's name or one of its keywords (letter case and width aside); nothing else is guessed."""
    names: dict[str, str] = {}
    for topic in topics:
        for word in (*topic.keywords, topic.name):
            names[_folded(word)] = topic.name
    matched: list[str] = []
    kept: list[str] = []
    for category in categories:
        name = names.get(_folded(category))
        if name is None:
            kept.append(category)
        else:
            matched.append(name)
    return tuple(dict.fromkeys(matched)), tuple(dict.fromkeys(kept))


def _folded(word: str) -> str:
    return unicodedata.normalize("NFKC", term_name(word)).casefold()


# Markdown that holds no prose: code blocks (fenced or in a Hexo/Jekyll tag), HTML blocks' tags, tables' rules.
_CODE_BLOCK = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_TAG = re.compile(r"<[^>\n]*>")


def prose(markdown: str) -> str:
    """The Markdown without its code blocks and HTML tags: what topics, regions, tags and the summary
    are found in (a keyword inside a program is not the story's)."""
    return _TAG.sub("", _CODE_BLOCK.sub("", markdown))


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


_NOT_RUNNING = ("#", "![", "|", ">", "    ", "\t", "{%", "{{", "- ", "* ", "+ ")


def _running_text(markdown: str) -> list[str]:
    """An author's paragraphs, each on one line: no headings of any level, pictures, tables, quotes,
    lists or template tags."""
    paragraphs = []
    for chunk in re.split(r"\n[ \t]*\n", markdown):
        lines = [line for line in chunk.split("\n") if line.strip() and not line.startswith(_NOT_RUNNING)]
        text = " ".join(clean.markdown_text(line.strip()) for line in lines)
        if text:
            paragraphs.append(text)
    return paragraphs


def _first_words(text: str) -> str:
    return text.strip().split("\n")[0][:30]
