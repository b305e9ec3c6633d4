"""Importers: one module per source format, each returning the same RawStory record.

detect.py recognises a source by its content; post.py, html_page.py, portal_dump.py and
pdf_text.py read one format each; convert.py turns a RawStory into front matter and body.
A blog post written in Markdown is migrated (markdown_body.py), not re-extracted, and checked
against its source (loss.py); the pictures it uses travel with it as Picture records, copied
into the site when the post is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sitegen.errors import SitegenError
from sitegen.extract import clean


class NotAStory(SitegenError):
    """A source that is readable but no news story (a blog's about page): skipped with its reason."""


@dataclass(frozen=True)
class Picture:
    """A local picture a post shows: copied into the site's static/ folder when the post is written.

    keep is the path under static/ that keeps the picture's old address working ('images/a.png' for
    a post that wrote /images/a.png); None puts it beside the post's other pictures.
    """

    ref: str  # the address as the post's Markdown writes it
    path: Path | None  # the file found for it; None when it is not there
    keep: str | None = None


@dataclass(frozen=True)
class RawStory:
    """A story as one source tells it, before topics, tags, regions, summary and slug are added.

    body_markdown is already clean Markdown; review lists what could not be established.
    A migrated post (a blog's own Markdown) also brings what its author set: tags, categories,
    slug, old addresses, summary, draft; its body is kept as written.
    """

    title: str
    body_markdown: str
    subtitle: str | None = None
    date: date | None = None
    authors: tuple[str, ...] = ()
    editor: str | None = None
    source: str | None = None
    via: str | None = None
    source_url: str | None = None
    original_url: str | None = None
    images: tuple[str, ...] = ()
    review: tuple[str, ...] = ()
    next_page: str | None = None  # a multi-page article's next page (下一页); see html_page.merge_pages
    migrated: bool = False  # the body is the author's Markdown, kept as written
    updated: dt.date | None = None
    tags: tuple[str, ...] = ()  # the author's own
    categories: tuple[str, ...] = ()  # the author's own, matched to the site's topics when the post is made
    slug: str | None = None
    aliases: tuple[str, ...] = ()  # the post's old addresses, as paths on the site
    summary: str | None = None
    draft: bool = False
    pictures: tuple[Picture, ...] = ()
    missing_han: float = 0.0  # share of the source's Han text (outside code) the body lacks


def story(title: str, extract: clean.Extract, **known: Any) -> RawStory:
    """The record every importer returns: its cleaned blocks and credits, plus what the format itself knows."""
    credits = extract.credits
    values: dict[str, Any] = {
        "title": title,
        "body_markdown": clean.to_markdown(extract.blocks),
        "date": credits.date,
        "authors": credits.authors,
        "editor": credits.editor,
        "source": credits.source,
        "via": credits.site if credits.site != credits.source else None,
        "source_url": credits.link,
        "original_url": credits.original_url,
        "images": tuple(b.url for b in extract.blocks if b.kind == "image" and b.url),
    }
    values.update(known)
    values["review"] = (() if values["date"] else ("date",)) + (() if title else ("title",))
    return RawStory(**values)
