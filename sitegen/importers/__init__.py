"""Importers: one module per source format, each returning the same RawStory record.

detect.py recognises a source by its content; post.py, html_page.py, portal_dump.py and
pdf_text.py read one format each; convert.py turns a RawStory into front matter and body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sitegen.extract import clean


@dataclass(frozen=True)
class RawStory:
    """A story as one source tells it, before topics, tags, regions, summary and slug are added.

    body_markdown is already clean Markdown; review lists what could not be established.
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
