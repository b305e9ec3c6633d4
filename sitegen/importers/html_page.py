"""Full HTML pages: find the one story among navigation, sidebars, link lists and footers.

Stages:
1. unwrap and parse: a crawler's record wrapper (<text id=URL title=…>, as web-archive corpora
   store pages) gives the page's address and title; lxml parses the rest (detect.py has
   already decoded the bytes, meta charset first);
2. read <head>: title, published time, author, source, site name, canonical URL, <base>;
3. prune what is never the story: scripts, styles, form controls, <nav>/<aside>/<footer>, and
   elements whose class or id words name boilerplate (patterns.BOILERPLATE_WORDS);
4. the story container by text density: every paragraph with Chinese text outside links scores
   1 + its commas and full stops + its length / 50 (at most 5), added to the block element
   holding it and half to the one above; a container's score is scaled down by its share of
   link text and up when its class or id says content (patterns.CONTENT_WORDS); on a page
   listing several posts of one shape (a blog's archive, a forum thread) the first post;
5. walk the whole body into blocks, noting where the container's blocks lie; a table of data
   right below the container, and paragraphs or captioned pictures right above it, are the story's;
6. the title: the line (or run of lines) near the story that the page's <title> contains; else
   an emphasised line just above the story; else <title>'s longest part unless it names the
   site; else a plain line above the story. The line under it may be the deck (subtitle);
7. the by-line: metadata lines between the title and the story, the story's last lines and
   the lines right after it (发布时间 / 来源 / 作者 / 记者 / 责任编辑, a date, a name right under
   the headline, "by …", "由…张贴"); by-lines above the story's first paragraph and lines that
   are all links are not story;
8. the container's blocks from the title on are cleaned by extract.clean.assemble; the by-line,
   then <head> facts, then a date in the page's address fill what the story's own lines lack.

chains() finds the pages of multi-page articles (下一页) among a run's pages; merge_pages() joins one
article's pages into one story.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html
from lxml.html import HtmlElement

from sitegen import frontmatter
from sitegen.errors import SitegenError
from sitegen.extract import clean, metadata
from sitegen.extract.clean import Block
from sitegen.extract.metadata import Credits
from sitegen.extract.patterns import (
    BOILERPLATE_WORDS,
    CONTAINER_TAGS,
    CONTENT_WORDS,
    DROP_TAGS,
    HAN,
    LINK_LINE,
    MAX_TITLE,
    META_AUTHOR,
    META_DATE,
    META_SITE,
    META_SOURCE,
    META_TITLE,
    NEXT_PAGE,
    NOT_SUBTITLE,
    OFFICE_END,
    PAGE_NUMBER,
    TITLE_CATEGORY,
    TITLE_LABEL,
    TITLE_SEPARATORS,
    URL_DATE,
)
from sitegen.frontmatter import CHINA
from sitegen.importers import RawStory, story
from sitegen.typography import join_lines

_HAN_CHAR = re.compile(f"[{HAN}]")
_CLAUSE = re.compile(r"[，。,；;！？]")
_WORD_SPLIT = re.compile(r"[\s_\-]+")
_RECORD = re.compile(r"^\s*<text\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_BYLINE_WINDOW = 8  # lines between the headline and the story that may be its by-line
_TITLE_WINDOW = 15  # lines above the story where its headline may stand
_TAIL_WINDOW = 3  # lines after the story that may credit it
_BARE_WINDOW = 3  # lines under the headline where a name may stand alone
_MIN_POST_HAN = 100  # Chinese characters of a post on a page that lists several


@dataclass(frozen=True)
class _Page:
    body: HtmlElement
    head: dict[str, str]
    url: str | None  # the page's own address: canonical link, og:url, or the crawler's record
    base: str | None  # what relative links resolve against: <base href>, else url


def read(text: str) -> RawStory:
    """A decoded page -> its story (the stages of the module docstring, in order)."""
    page = _parse(text)
    _prune(page.body)
    container = _container(page.body)
    walked = clean.walk(page.body, page.base, [container])
    blocks = walked.blocks
    start, end = walked.spans.get(id(container), (0, len(blocks)))
    while end < len(blocks) and blocks[end].kind == "table":  # a table of data right below is the story's
        end += 1
    begins = next((i for i in range(start, end) if _opens_story(blocks[i])), start)
    title, at = _title(blocks, begins, page.head)
    story_from = at + 1 if at is not None and start <= at < end else _lead_in(blocks, start, at)
    byline = _byline(blocks, at, begins)
    lines = [
        b
        for i, b in enumerate(blocks[story_from:end], story_from)
        if not _link_line(b) and not _byline_at(b, i, begins)
    ]
    extract = clean.assemble(lines, title)
    tail = _tail_credits(blocks, start, end)
    credits = byline.merge(extract.credits).merge(tail).merge(_head_credits(page.head))
    credits = credits.merge(Credits(date=_url_date(page.url)))
    return story(
        title,
        replace(extract, credits=credits),
        subtitle=_subtitle(blocks, at, begins, title),
        source_url=page.url,
        next_page=_next_page(page.body, page.base),
    )


def _parse(text: str) -> _Page:
    """The page's tree and what its <head> (and a crawler's record wrapper) say about it."""
    record: dict[str, str] = {}
    wrapper = _RECORD.match(text)
    if wrapper:
        record = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTRIBUTE.findall(wrapper.group(1))}
        text = text[wrapper.end() :]
        text = re.sub(r"</text>\s*$", "", text, flags=re.IGNORECASE)
    text = _XML_DECLARATION.sub("", text)
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as err:
        raise SitegenError("no story text found in this HTML page", hint=str(err)) from None
    head = _head(root)
    if record.get("title"):
        head.setdefault("<title>", record["title"])
        head["<record>"] = record["title"]
    url = head.get("url") or (record["id"] if re.match(r"https?://", record.get("id", "")) else None)
    base = head.get("base")
    base = urljoin(url or "", base) if base else url
    body = root.find("body")
    return _Page(body if body is not None else root, head, url, base)


def _head(root: HtmlElement) -> dict[str, str]:
    """<title>, <meta name|property=…>, the canonical URL and <base href>, lower-cased keys."""
    found: dict[str, str] = {}
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        found["<title>"] = clean.squash(title.text_content())
    for meta in root.iter("meta"):
        key = str(meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        value = str(meta.get("content") or "").strip()
        if key and value:
            found.setdefault(key, value)
    for link in root.iter("link"):
        if "canonical" in str(link.get("rel") or "").lower().split() and link.get("href"):
            found.setdefault("canonical", str(link.get("href")).strip())
    url = found.get("canonical") or found.get("og:url")
    if url and re.match(r"https?://", url):
        found["url"] = url
    base = root.find(".//base")
    if base is not None and base.get("href"):
        found["base"] = str(base.get("href")).strip()
    return found


def _prune(body: HtmlElement) -> None:
    """Remove elements that are never the story (the one mutation, on our own parse tree)."""
    etree.strip_elements(body, *DROP_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    doomed = [
        el
        for el in body.iter()
        if isinstance(el.tag, str) and (words := _words(el)) & BOILERPLATE_WORDS and not words & CONTENT_WORDS
    ]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()


def _words(el: HtmlElement) -> set[str]:
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    return {w for w in _WORD_SPLIT.split(names.lower()) if w} if names.strip() else set()


def _container(body: HtmlElement) -> HtmlElement:
    """The element holding most of the page's running Chinese text (see the module docstring)."""
    scores: dict[HtmlElement, float] = defaultdict(float)
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag == "a":
            continue
        own = el.text_content() if el.tag == "p" else (el.text or "") + "".join(c.tail or "" for c in el)
        han = len(_HAN_CHAR.findall(own))
        if el.tag == "p":
            han -= sum(len(_HAN_CHAR.findall(a.text_content())) for a in el.iter("a"))
        if han < 10:
            continue
        score = 1 + len(_CLAUSE.findall(own)) + min(han / 50, 5)
        holder = _holder(el.getparent() if el.tag == "p" else el)
        if holder is None:
            continue
        for share, node in ((1.0, holder), (0.5, _holder(holder.getparent()))):
            if node is not None:
                scores[node] += score * share
    best, best_score = body, 0.0
    for el, score in sorted(scores.items(), key=lambda kv: -kv[1])[:20]:
        text = len(el.text_content())
        links = sum(len(a.text_content()) for a in el.iter("a"))
        final = score * (1 - links / max(text, 1)) * (1.25 if _words(el) & CONTENT_WORDS else 1)
        if final > best_score:
            best, best_score = el, final
    return _first_post(body, best)


def _holder(el: HtmlElement | None) -> HtmlElement | None:
    """The nearest block element around el that can hold a story; None inside a paragraph,
    whose text its <p> has counted already, and inside a link, which is no story's text."""
    while el is not None and el.tag not in CONTAINER_TAGS:
        if el.tag in ("p", "a"):
            return None
        el = el.getparent()
    return el


def _first_post(body: HtmlElement, best: HtmlElement) -> HtmlElement:
    """On a page listing several posts of one shape (elements of the container's tag and class,
    each with a post's worth of text, not all side by side), the story is the first post."""
    cls = best.get("class")
    if not cls:
        return best
    posts = [
        el
        for el in body.iter(best.tag)
        if el.get("class") == cls and len(_HAN_CHAR.findall(el.text_content())) >= _MIN_POST_HAN
    ]
    parents = [p.getparent() for p in posts]  # held, so that each node keeps one proxy to compare
    if len(posts) < 2 or all(parent is parents[0] for parent in parents):
        return best
    return posts[0]


def _is_prose(block: Block) -> bool:
    return block.kind in ("text", "item") and clean.is_prose(block.text) and not metadata.read_line(block.text)


def _lead_in(blocks: Sequence[Block], start: int, at: int | None) -> int:
    """Where the story starts when its element leaves out what leads into it: paragraphs, and
    pictures with their captions, right above the element (and below the headline)."""
    floor = at if at is not None else -1
    i = start
    while i - 1 > floor:
        above = blocks[i - 1]
        if above.kind == "image" or (_opens_story(above) and not _link_line(above)):
            i -= 1
        elif above.kind == "text" and i - 2 > floor and blocks[i - 2].kind == "image" and clean.is_caption(above.text):
            i -= 2
        else:
            break
    return i


def _byline_at(block: Block, i: int, begins: int) -> bool:
    """A line above the story's first paragraph that credits it ('河南商报记者马俊峰/文受访者供图')."""
    return (
        i < begins
        and block.kind == "text"
        and not _is_prose(block)
        and metadata.byline(block.text, dates=True, names=True) is not None
    )


def _link_line(block: Block) -> bool:
    """A line that is all links (a box of related stories, a menu) inside the story's element."""
    return block.kind in ("text", "item", "heading") and block.linked >= LINK_LINE * len(block.text.replace(" ", ""))


def _opens_story(block: Block) -> bool:
    """The story's first paragraph: prose with two clauses or more, not a headline that asks."""
    return _is_prose(block) and (len(_CLAUSE.findall(block.text)) >= 2 or len(block.text) >= 40)


def _title(blocks: Sequence[Block], begins: int, head: dict[str, str]) -> tuple[str, int | None]:
    """The headline and the index of its line (None when it comes from <head> only): the line
    that <title> contains is looked for anywhere above the story, the others just above it."""
    page_titles = [head[k] for k in ("<title>", "<record>", *META_TITLE) if head.get(k)]
    keys = [_key(t) for t in page_titles]
    parts = [p for t in page_titles for p in TITLE_SEPARATORS.split(t) if p.strip()]
    site = next((head[k] for k in META_SITE if head.get(k)), "")
    longest = max(parts, key=len) if parts else ""
    window = range(max(0, begins - _TITLE_WINDOW), min(len(blocks), begins + 2))
    runs = [run for i in range(min(len(blocks), begins + 2)) if (run := _title_run(blocks, i, keys))]
    runs = [
        (i, j)
        for i, j in runs
        if (k := _run_key(blocks, i, j)) != _key(site) and len(k) >= max(4, len(_key(longest)) // 2)
    ]
    if runs:
        i, j = max(runs, key=lambda r: (len(_run_key(blocks, *r)), r[1]))  # the longest, then the nearest
        return _tidy(join_lines([b.text for b in blocks[i : j + 1]])), j
    above = [i for i in reversed(window) if i < begins and _headline_like(blocks[i]) and not _byline_like(blocks[i])]
    emphasised = next((i for i in above[:3] if blocks[i].strong or blocks[i].kind == "heading"), None)
    if emphasised is not None:
        return _page_headline(blocks[emphasised].text), emphasised
    if len(parts) > len(page_titles) and _HAN_CHAR.search(longest) and not _site_like(longest):
        return _tidy(longest), None
    if above:
        return _page_headline(blocks[above[0]].text), above[0]
    return (_tidy(page_titles[0]) if page_titles else ""), None


def _title_run(blocks: Sequence[Block], i: int, keys: list[str]) -> tuple[int, int] | None:
    """The lines from blocks[i] on that together are part of a page title: a headline the page
    broke into lines, or its two parts (标题——副题) in two elements."""
    if not _headline_like(blocks[i]) or not any(_key(blocks[i].text) in t for t in keys):
        return None
    j = i
    while j + 1 < len(blocks) and _headline_like(blocks[j + 1]):
        joined = _run_key(blocks, i, j + 1)
        if not any(joined in t for t in keys):
            break
        j += 1
    return i, j


def _run_key(blocks: Sequence[Block], i: int, j: int) -> str:
    return "".join(_key(b.text) for b in blocks[i : j + 1])


def _site_like(part: str) -> bool:
    """A <title> part naming a site or a channel (北医新闻网, 教育频道), not a headline."""
    return len(part) <= 4 or bool(re.search(OFFICE_END + r"\W*$", part)) or not _HAN_CHAR.search(part)


def _key(text: str) -> str:
    """Text compared across <title> and the page: NFKC, no spaces, no markup."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _strip_tags(text))).lower()


def _strip_tags(text: str) -> str:
    return clean.squash(re.sub(r"<[^>]+>", "", text))


def _tidy(title: str) -> str:
    """A headline without markup or the separators a site left at its end ('…？- -')."""
    return re.sub(r"[\s\-_|｜]+$", "", _strip_tags(title)) or title


def _headline_like(block: Block) -> bool:
    text = block.text
    return (
        block.kind in ("text", "heading")
        and 4 <= len(text) <= MAX_TITLE
        and bool(_HAN_CHAR.search(text))
        and not text.endswith(("：", ":"))
        and not clean.is_junk(text)
    )


def _byline_like(block: Block) -> bool:
    text = block.text
    return bool(
        metadata.read_line(text)
        or metadata.byline(text, dates=True, names=True)
        or metadata.parse_when(text)
        or text.startswith(("——", "--", "—"))
    )


def _subtitle(blocks: Sequence[Block], at: int | None, begins: int, title: str) -> str | None:
    """The deck: the line right under the headline when it reads like a headline itself
    ('去年改造户用卫生厕所4.66万座'), or a '——' line just after the by-line ('——当代中国的精神危机')."""
    if at is None or at + 1 >= begins:
        return None
    first = blocks[at + 1]
    dashed = [b for b in blocks[at + 1 : min(begins, at + 3)] if b.text.startswith(("——", "--"))]
    if not _byline_like(first) and not clean.is_prose(first.text) and not _link_line(first):
        deck = first
    elif dashed:
        deck = dashed[0]
    else:
        return None
    text = deck.text
    if not _headline_like(deck) or NOT_SUBTITLE.search(text) or _key(text).strip("—-") in _key(title):
        return None
    return text.lstrip("—-－ ") if len(_HAN_CHAR.findall(text)) * 2 >= len(text) else None


def _page_headline(text: str) -> str:
    """A headline read off the page: without its label (主题：) or a category tag ([湖湘文化])."""
    return _tidy(TITLE_CATEGORY.sub("", TITLE_LABEL.sub("", text))) or text


def _byline(blocks: Sequence[Block], at: int | None, begins: int) -> Credits:
    """What the lines between the headline and the story say (every reporter named is kept; a
    name standing alone counts right under the headline only), and a date opening one of the
    two lines above it."""
    below = range(at + 1, begins) if at is not None else range(max(0, begins - _BYLINE_WINDOW), begins)
    lines = sorted(set(below[:_BYLINE_WINDOW]) | set(below[-3:]))
    found = Credits()
    for i in lines:
        if blocks[i].kind in ("text", "heading", "item"):
            names = at is not None and i <= at + _BARE_WINDOW
            line = metadata.byline(blocks[i].text, dates=True, names=names) or Credits()
            found = replace(found.merge(line), authors=tuple(dict.fromkeys(found.authors + line.authors)))
    top = at if at is not None else begins
    above = [b for b in blocks[max(0, top - 6) : top] if b.kind == "text"][-2:]
    for block in reversed(above):
        found = found.merge(Credits(date=metadata.leading_date(block.text)))
    return found


def _tail_credits(blocks: Sequence[Block], start: int, end: int) -> Credits:
    """By-lines after the story's last paragraph, inside its container or just below it."""
    last = max((i for i in range(start, end) if _is_prose(blocks[i])), default=end - 1)
    found = Credits()
    for block in blocks[last + 1 : end + _TAIL_WINDOW]:
        if block.kind in ("text", "item"):
            found = found.merge(metadata.byline(block.text) or Credits())
    return found


def _head_credits(head: dict[str, str]) -> Credits:
    """What <meta> tags say, used only where the visible page said nothing."""
    when = next((_head_date(head[k]) for k in META_DATE if head.get(k)), None)
    people = next((p for k in META_AUTHOR if head.get(k) and (p := metadata.meta_people(head[k]))), ())
    return Credits(
        date=when,
        authors=people,
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


def _url_date(url: str | None) -> date | None:
    """/2005-03-31/, /20050311/, /2005/07/18/ in the page's address: its day of publication."""
    match = URL_DATE.search(url or "")
    if not match:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def _next_page(body: HtmlElement, base: str | None) -> str | None:
    """The address of the article's next page (下一页), when the page links to one."""
    for a in body.iter("a"):
        if NEXT_PAGE.fullmatch(clean.squash(a.text_content())):
            url = clean.link_url(str(a.get("href") or ""), base)
            if url.startswith("http"):
                return url
    return None


def chains(stories: Sequence[RawStory]) -> list[list[RawStory]]:
    """Group the pages of multi-page articles: a page whose next_page is another page's
    source_url, under the same title (page numbers aside), continues it. Every story is in
    exactly one group, its pages in order; a story on its own is a group of one."""
    by_url = {s.source_url: s for s in stories if s.source_url}

    def following(page: RawStory) -> RawStory | None:
        found = by_url.get(page.next_page or "")
        return found if found is not None and found is not page and same_article(page, found) else None

    continued = {id(found) for s in stories if (found := following(s)) is not None}
    placed: set[int] = set()
    groups: list[list[RawStory]] = []
    for first in [*(s for s in stories if id(s) not in continued), *stories]:  # then what a loop of links left
        group: list[RawStory] = []
        page: RawStory | None = first
        while page is not None and id(page) not in placed:
            placed.add(id(page))
            group.append(page)
            page = following(page)
        if group:
            groups.append(group)
    return groups


def same_article(a: RawStory, b: RawStory) -> bool:
    """Two pages under one title once page numbers are taken out: one article."""
    return PAGE_NUMBER.sub("", _key(a.title)) == PAGE_NUMBER.sub("", _key(b.title))


def merge_pages(pages: list[RawStory]) -> RawStory:
    """The pages of one article, in order, as one story: the bodies joined, the first page's
    title (without its page number) and credits, what later pages add filling the gaps."""
    first = pages[0]
    if len(pages) == 1:
        return first
    credits = {
        field: next((getattr(p, field) for p in pages if getattr(p, field)), None)
        for field in ("subtitle", "date", "editor", "source", "via", "original_url")
    }
    authors = tuple(dict.fromkeys(a for p in pages for a in p.authors))
    images = tuple(dict.fromkeys(i for p in pages for i in p.images))
    body = "\n\n".join(p.body_markdown.strip() for p in pages if p.body_markdown.strip())
    title = PAGE_NUMBER.sub("", first.title).strip() or first.title
    review = tuple(r for r in first.review if not (r == "date" and credits["date"]))
    return replace(
        first,
        title=title,
        body_markdown=body,
        authors=authors,
        images=images,
        next_page=None,
        review=review,
        **credits,
    )
