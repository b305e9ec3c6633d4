"""Full HTML pages: find the one story among navigation, sidebars, link lists and footers.

Stages:
1. parse with lxml (detect.py has already decoded the bytes, meta charset first);
2. read <head>: title, published time, author, source, site name, canonical URL;
3. prune what is never the story: scripts, styles, forms, <nav>/<aside>/<footer>, and
   elements whose class or id words name boilerplate (patterns.BOILERPLATE_WORDS);
4. the title: the <h1>/<h2> that the <title> contains, else og:title, else <title>'s first part;
5. the story container by text density: every paragraph with Chinese text scores
   1 + its commas and full stops + its length / 50 (at most 5), added to its container and half
   to the one above; a container's score is scaled down by its share of link text and up
   when its class or id says content (patterns.CONTENT_WORDS);
6. the by-line: metadata lines right under the title (发布时间 / 来源 / 作者, or a bare date),
   when outside the container;
7. the container's blocks are cleaned by extract.clean.assemble; <head> facts fill what the page text lacks.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime

from bs4 import BeautifulSoup, Tag

from sitegen import frontmatter
from sitegen.extract import clean, metadata
from sitegen.extract.metadata import Credits
from sitegen.extract.patterns import (
    BOILERPLATE_WORDS,
    CONTENT_WORDS,
    DROP_TAGS,
    HAN,
    META_AUTHOR,
    META_DATE,
    META_SITE,
    META_SOURCE,
    META_TITLE,
    TITLE_SEPARATORS,
)
from sitegen.frontmatter import CHINA
from sitegen.importers import RawStory, story

_HAN_CHAR = re.compile(f"[{HAN}]")
_WORD_SPLIT = re.compile(r"[\s_\-]+")
_BYLINE_WINDOW = 8


def read(text: str) -> RawStory:
    soup = BeautifulSoup(text, "lxml")
    head = _head(soup)
    base_url = head.get("url")
    _prune(soup)
    body = soup.body or soup
    title = _title(body, head)
    container = _container(body) or body
    page_credits = _byline(body, title)
    extract = clean.assemble(clean.html_to_blocks(container, base_url), title)
    extract = replace(extract, credits=page_credits.merge(extract.credits).merge(_head_credits(head)))
    return story(title, extract, source_url=base_url)


def _head(soup: BeautifulSoup) -> dict[str, str]:
    """<title>, <meta name|property=…> and the canonical URL, lower-cased keys."""
    found: dict[str, str] = {}
    if soup.title and soup.title.string:
        found["<title>"] = soup.title.string.strip()
    for meta in soup.find_all("meta"):
        key = str(meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        value = str(meta.get("content") or "").strip()
        if key and value:
            found.setdefault(key, value)
    canonical = soup.find("link", rel="canonical")
    url = (canonical.get("href") if isinstance(canonical, Tag) else None) or found.get("og:url")
    if url and re.match(r"https?://", str(url)):
        found["url"] = str(url)
    return found


def _prune(soup: BeautifulSoup) -> None:
    """Remove elements that are never the story (the one mutation, on our own parse tree)."""
    for tag in soup.find_all(DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.name in ("html", "body"):
            continue
        words = _words(tag)
        if words & BOILERPLATE_WORDS and not words & CONTENT_WORDS:
            tag.decompose()


def _words(tag: Tag) -> set[str]:
    raw = tag.get("class")
    classes = [str(c) for c in raw] if isinstance(raw, list) else [str(raw or "")]
    names = " ".join(classes) + " " + str(tag.get("id") or "")
    return {w for w in _WORD_SPLIT.split(names.lower()) if w}


def _title(body: Tag, head: dict[str, str]) -> str:
    """The headline: the longest <h1>/<h2> that <title> or og:title contains, other than the
    site's name (a logo); else og:title; else <title>'s first part; else the longest <h1>."""
    page_title = head.get("<title>", "")
    parts = [p for p in TITLE_SEPARATORS.split(page_title) if p]
    site = next((head[k] for k in META_SITE if head.get(k)), parts[-1] if len(parts) > 1 else "")
    texts = [(clean.squash(t.get_text(" ")), t.name) for t in body.find_all(["h1", "h2"])]
    named = [(text, name) for text, name in texts if len(text) >= 4 and text != site]
    inside = [text for text, _ in named if text in page_title + " " + head.get("og:title", "")]
    if inside:
        return max(inside, key=len)
    for key in META_TITLE:
        if head.get(key):
            return head[key]
    if len(parts) > 1:
        return parts[0]
    h1s = [text for text, name in named if name == "h1"]
    return max(h1s, key=len) if h1s else page_title


def _container(body: Tag) -> Tag | None:
    """The element holding most of the page's running Chinese text (see the module docstring)."""
    scores: dict[int, float] = defaultdict(float)
    tags: dict[int, Tag] = {}
    for tag in body.find_all(True):
        own = "".join(tag.find_all(string=True, recursive=False)) if tag.name != "p" else tag.get_text()
        han = len(_HAN_CHAR.findall(own))
        if han < 10:
            continue
        score = 1 + len(re.findall(r"[，。,]", own)) + min(han / 50, 5)
        holder = tag.parent if tag.name == "p" else tag
        for share, node in ((1.0, holder), (0.5, holder.parent if holder else None)):
            if isinstance(node, Tag):
                scores[id(node)] += score * share
                tags[id(node)] = node
    best: Tag | None = None
    best_score = 0.0
    for key, score in scores.items():
        tag = tags[key]
        text = len(tag.get_text())
        links = sum(len(a.get_text()) for a in tag.find_all("a"))
        final = score * (1 - links / max(text, 1)) * (1.25 if _words(tag) & CONTENT_WORDS else 1)
        if final > best_score:
            best, best_score = tag, final
    return best


def _byline(body: Tag, title: str) -> Credits:
    """Metadata lines in the few blocks after the headline, wherever the page put them."""
    blocks = clean.html_to_blocks(body)
    target = clean.norm(title)
    at = next((i for i, b in enumerate(blocks) if b.text and clean.norm(b.text) == target), None)
    found = Credits()
    if at is None:
        return found
    for block in blocks[at + 1 : at + 1 + _BYLINE_WINDOW]:
        line = metadata.read_line(block.text) if block.kind == "text" else None
        when = metadata.parse_when(block.text, whole=True) if block.kind == "text" else None
        line = line or (Credits(date=when) if when else None)
        if line and (line.date or line.source or line.authors):
            found = found.merge(line)
        elif block.kind == "text" and clean.is_prose(block.text):
            break
    return found


def _head_credits(head: dict[str, str]) -> Credits:
    """What <meta> tags say, used only where the visible page said nothing."""
    when = next((_head_date(head[k]) for k in META_DATE if head.get(k)), None)
    author = next((head[k] for k in META_AUTHOR if head.get(k)), "")
    people = metadata.names(author) if author else None
    return Credits(
        date=when,
        authors=people or (),
        source=next((head[k] for k in META_SOURCE if head.get(k)), None),
        site=next((head[k] for k in META_SITE if head.get(k)), None),
    )


def _head_date(value: str) -> date | None:
    """ISO 8601 from <meta> (shown in China time), or a Chinese date."""
    try:
        parsed = frontmatter.parse_date(value)
    except ValueError:
        return metadata.parse_when(value)
    return parsed.astimezone(CHINA) if isinstance(parsed, datetime) else parsed
