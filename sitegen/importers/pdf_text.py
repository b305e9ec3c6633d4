"""Text extracted from a newspaper PDF page: hard-wrapped column lines, a headline group, a by-line.

Stages:
1. paragraphs: runs of lines re-flowed (typography.reflow), blank lines between paragraphs;
2. the by-line: a reporter credit among the first paragraphs (□见习记者 沈媛);
3. the headline group above it: a line opening with —— is the deck (副题), the last other
   line the title (主题), the lines above the title its kicker (引题);
4. the rest is cleaned by extract.clean.assemble: short unpunctuated lines become sub-heads.
Newspapers print no date beside the story, so an undated story says so under `review`.
"""

from __future__ import annotations

from sitegen.extract import clean, metadata
from sitegen.extract.clean import Block
from sitegen.extract.patterns import MAX_TITLE
from sitegen.importers import RawStory, story
from sitegen.typography import has_clause_punctuation, reflow

_HEAD_PARAGRAPHS = 6
_DECK = ("——", "--", "—")


def read(text: str) -> RawStory:
    paragraphs = reflow(text.splitlines())
    head_end = _byline(paragraphs)
    if head_end is None:
        head_end = next((i for i, p in enumerate(paragraphs) if not _headline_like(p)), len(paragraphs))
    head = [p for p in paragraphs[:head_end] if _headline_like(p)]
    title, subtitle = _headline(head)
    extract = clean.assemble([Block("text", p) for p in paragraphs[head_end:]], title)
    # a link printed in the text is no address of this copy
    return story(title, extract, subtitle=subtitle, source_url=extract.credits.own_url)


def _byline(paragraphs: list[str]) -> int | None:
    for i, paragraph in enumerate(paragraphs[:_HEAD_PARAGRAPHS]):
        found = metadata.read_line(paragraph)
        if found and found.authors:
            return i
    return None


def _headline_like(text: str) -> bool:
    return len(text) <= MAX_TITLE and not has_clause_punctuation(text)


def _headline(lines: list[str]) -> tuple[str, str | None]:
    """引题 / 主题 / 副题: the deck opens with a dash; the title is the last other line."""
    decks = [line.lstrip("—- ") for line in lines if line.startswith(_DECK)]
    others = [line for line in lines if not line.startswith(_DECK)]
    if not others:
        return "", None
    subtitle = " ".join(others[:-1] + decks) or None
    return others[-1], subtitle
