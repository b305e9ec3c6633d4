"""Text copied out of a portal page: navigation, headline, by-line, story, footer, one block a line.

Stages:
1. lines -> blocks: a line of text is a paragraph; a line of nothing but its indentation is
   an empty paragraph where a picture stood (when blank lines are otherwise empty);
2. the by-line: the first labelled metadata line near the top (发布时间 / 来源 / 作者);
3. the title: the last headline-like line above the by-line (else the first one);
4. everything above the title is page header, read only for the site's name (欢迎访问…) and
   the page's address;
5. the rest is cleaned by extract.clean.assemble.
"""

from __future__ import annotations

from dataclasses import replace

from sitegen.extract import clean, metadata
from sitegen.extract.clean import Block
from sitegen.extract.metadata import Credits
from sitegen.extract.patterns import MAX_TITLE
from sitegen.importers import RawStory, story
from sitegen.typography import ends_sentence, has_clause_punctuation

_INDENT = " \t\u3000\u00a0"
_HEAD_LINES = 15


def read(text: str) -> RawStory:
    blocks = _blocks(text.splitlines())
    byline = _byline(blocks)
    title_at = _title(blocks, byline)
    title = blocks[title_at].text if title_at is not None else ""
    header = Credits()
    for block in blocks[: title_at or 0]:
        header = header.merge(metadata.read_line(block.text) or Credits())
    extract = clean.assemble(blocks[(title_at + 1 if title_at is not None else 0) :], title)
    credits = extract.credits.merge(header)
    # the page's address: copied with its header (the address bar) or labelled (本文链接：…); a
    # link standing in the story is the story's own, not where the copy came from
    source_url = header.link or credits.own_url
    return story(title, replace(extract, credits=credits), source_url=source_url)


def _blocks(lines: list[str]) -> list[Block]:
    """Whitespace-only lines mark pictures only where they stand out from the empty separators."""
    empty = sum(1 for line in lines if not line)
    indent_only = sum(1 for line in lines if line and not line.strip(_INDENT))
    marks_pictures = indent_only < empty
    blocks: list[Block] = []
    for line in lines:
        text = line.strip(_INDENT)
        if text:
            blocks.append(Block("text", text))
        elif line and marks_pictures:
            blocks.append(Block("image"))
    return blocks


def _byline(blocks: list[Block]) -> int | None:
    for i, block in enumerate(blocks[:_HEAD_LINES]):
        found = metadata.read_line(block.text) if block.kind == "text" else None
        if found and (found.date or found.source or found.authors):
            return i
    return None


def _headline_like(block: Block) -> bool:
    text = block.text
    return (
        block.kind == "text"
        and 4 <= len(text) <= MAX_TITLE
        and not ends_sentence(text)
        and not has_clause_punctuation(text)
        and metadata.read_line(text) is None
        and not clean.is_junk(text)
    )


def _title(blocks: list[Block], byline: int | None) -> int | None:
    if byline is not None:
        above = [i for i in range(byline) if _headline_like(blocks[i])]
        if above:
            return above[-1]
    return next((i for i, b in enumerate(blocks[:_HEAD_LINES]) if _headline_like(b)), None)
