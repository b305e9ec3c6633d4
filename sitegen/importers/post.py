"""Hexo and Jekyll posts: YAML front matter, then a body in Markdown, raw HTML, or both.

The blog's own taxonomy (categories, tags, headimg ...) describes the blog, not the story, and
is not carried over. `author:` is often the feed the post was pulled from (ZAKER): an
aggregator becomes `via`, never an author.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sitegen import frontmatter
from sitegen.extract import clean, metadata
from sitegen.extract.metadata import Credits
from sitegen.extract.patterns import AGGREGATORS
from sitegen.frontmatter import CHINA
from sitegen.importers import RawStory, story


def read(text: str, origin: Path) -> RawStory:
    """A post's text -> RawStory; the body is cleaned like any page, the front matter trusted first."""
    doc = frontmatter.split(text, origin)
    title = _text(doc.data.get("title"))
    extract = clean.assemble(clean.markdown_to_blocks(doc.body), title)
    extract = replace(extract, credits=extract.credits.merge(_front_credits(doc.data)))
    return story(title, extract, date=_date(doc.data.get("date")) or extract.credits.date)


def _front_credits(data: dict[str, Any]) -> Credits:
    """`author:` as a person, a publisher or the aggregator the post was taken from."""
    categories = tuple(_text(c) for c in _flat(data.get("categories")))
    found = Credits()
    for author in _flat(data.get("author")) + _flat(data.get("authors")):
        found = found.merge(metadata.site_author(_text(author), categories, AGGREGATORS))
    return found


def _date(value: Any) -> date | None:
    """'Sun, 29 May 2022 04:15:55 GMT', '2022-01-11 09:16:55 +0800' -> a time shown in China (+08:00)."""
    if value in (None, ""):
        return None
    try:
        parsed = frontmatter.parse_date(value)
    except ValueError:
        return None
    return parsed.astimezone(CHINA) if isinstance(parsed, datetime) else parsed


def _flat(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return [item for v in value for item in _flat(v)]
    return [value]


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""
