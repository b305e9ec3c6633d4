"""Full HTML pages: find the one story among navigation, sidebars, link lists and footers.

Stages:
1. unwrap and parse: a crawler's record wrapper (<text id=URL title=…>, as web-archive corpora
   store pages) gives the page's address and title; lxml parses the rest (detect.py has
   already decoded the bytes, meta charset first);
2. read <head>: title, published time, author, source, site name, canonical URL (unless it
   is the site's home page), <base>; the site's names also from its footer's copyright line;
3. prune what is never the story: scripts, styles, form controls, <nav>/<aside>/<footer>, and
   elements whose class or id words name boilerplate (patterns.BOILERPLATE_WORDS) unless they
   hold most of the page's Chinese text;
4. the story container by text density: every paragraph with Chinese text outside links scores
   1 + its commas and full stops + its length / 50 (at most 5), added to the block element
   holding it and half to the one above; a container's score is scaled down by its share of
   link text and up when its class or id says content (patterns.CONTENT_WORDS); on a page
   listing several posts of one shape (a blog's archive, a forum thread) the first post;
5. walk the whole body into blocks, noting where the container's blocks lie; a table of data
   right below the container, and paragraphs or captioned pictures right above it, are the story's;
6. the title: the line (or run of lines) near the story that the page's <title> (or og:title,
   JSON-LD's headline) contains; else an emphasised line just above the story; else og:title or
   JSON-LD's headline; else <title>; else a plain line above the story (never a menu line).
   Whichever it is loses the site's and the channel's names before or after a separator (or in
   brackets, or after a space or colon when the site names itself so), a breadcrumb, 【】 around
   it and invisible characters (_final_title). The line under it may be the deck (subtitle);
7. the by-line: metadata lines between the title and the story, the story's last lines and
   the lines right after it (发布时间 / 来源 / 作者 / 记者 / 责任编辑, a date, a name right under
   the headline, "by …", "由…张贴", an info table of label and value cells; failing all these,
   a link to the writer's profile in a forum post); by-lines above the story's first paragraph
   and lines that are all links are not story;
8. the container's blocks from the title on are cleaned by extract.clean.assemble; the by-line
   (and labelled lines just above the headline), the story's own credit lines, then <time>,
   <meta> and JSON-LD, then a publication label anywhere on the page, then a date standing
   alone in the page's address, last the date a notice is signed with fill what is unknown. A
   publication date always wins over 成文日期 or 更新时间 (Credits.provisional). No author is the
   site itself, nor a <meta> author whom the page names as its editor or shows as the site;
9. a page whose densest block holds no story is read again from what says it holds one
   (itemprop=articleBody, <article>, <main>), the block with the most Chinese text, and last
   JSON-LD's articleBody: a page that holds a story is not refused.

chains() finds the pages of multi-page articles (下一页) among a run's pages; merge_pages() joins one
article's pages into one story.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

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
    CHANNEL_WORDS,
    CONTAINER_TAGS,
    CONTENT_WORDS,
    DROP_TAGS,
    HAN,
    LINK_LINE,
    MAX_BYLINE,
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
    PROFILE_LINK,
    SITE_NAME_PATTERNS,
    SITE_PART_END,
    TITLE_CATEGORY,
    TITLE_LABEL,
    TITLE_LEADING_NAME,
    TITLE_SEPARATORS,
    TITLE_TRAILING_NAME,
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
_POST_LEVELS = 3  # levels above the story's element that may still be its post (td, tr, table)
_FOOTER_LINES = 40  # pieces of text at the end of a page where its copyright line stands
_BYLINE_WINDOW = 8  # lines between the headline and the story that may be its by-line
_TITLE_WINDOW = 15  # lines above the story where its headline may stand
_TAIL_WINDOW = 3  # lines after the story that may credit it
_BARE_WINDOW = 3  # lines under the headline where a name may stand alone
_MIN_POST_HAN = 100  # Chinese characters of a post on a page that lists several
_LABEL_ALONE = 8  # characters of a label that stands on a line of its own, its value below
_MIN_STORY_HAN = 30  # Chinese characters of running text below which a page holds no story
_PROTECT_SHARE = 0.5  # an element holding this share of the page's Chinese text is not pruned


@dataclass(frozen=True)
class _Page:
    body: HtmlElement
    head: dict[str, str]
    url: str | None  # the page's own address: canonical link, og:url, or the crawler's record
    base: str | None  # what relative links resolve against: <base href>, else url
    sites: tuple[str, ...] = ()  # the site's own names, compared in _key form (see _site_names)


def read(text: str) -> RawStory:
    """A decoded page -> its story (the stages of the module docstring, in order); when the
    densest block holds no story, the page's other signs of one (stage 9)."""
    page = _parse(text)
    _prune(page.body)
    found = _read_from(page, _container(page.body))
    if _holds_story(found):
        return found
    for fallback in _fallbacks(page):
        candidate = _read_from(page, fallback)
        if _holds_story(candidate):
            return candidate
    return _from_json_ld(page, found) or found


def _read_from(page: _Page, container: HtmlElement) -> RawStory:
    """The story whose text the container holds, with the credits around it."""
    walked = clean.walk(page.body, page.base, [container])
    blocks = walked.blocks
    start, end = walked.spans.get(id(container), (0, len(blocks)))
    while end < len(blocks) and blocks[end].kind == "table":  # a table of data right below is the story's
        end += 1
    begins = _story_begins(blocks, start, end)
    title, at = _title(blocks, begins, page)
    story_from = at + 1 if at is not None and start <= at < end else _lead_in(blocks, start, at)
    byline = _byline(blocks, at, begins)
    lines = [
        b
        for i, b in enumerate(blocks[story_from:end], story_from)
        if (not _link_line(b) or metadata.read_line(b.text) or metadata.original_link(b.text, b.links))
        and not _byline_at(b, i, begins)
    ]
    extract = clean.assemble(lines, title)
    tail = _tail_credits(blocks, start, end)
    credits = byline.join(extract.credits).join(tail)
    credits = credits if credits.authors else credits.merge(_poster(container))
    credits = _not_the_site(credits.merge(_head_credits(page.head, credits.editor, title)), page)
    if credits.date is None or credits.provisional:
        credits = credits.merge(_labelled_anywhere(blocks, at if at is not None else begins))
    credits = credits.merge(Credits(date=_url_date(page.url))).merge(_signature(lines))
    return story(
        title,
        replace(extract, credits=credits),
        subtitle=_subtitle(blocks, at, begins, title),
        source_url=page.url or credits.own_url,
        next_page=_next_page(page.body, page.base),
    )


def _story_begins(blocks: Sequence[Block], start: int, end: int) -> int:
    """The story's first paragraph in the container; in a brief with none that opens a story,
    its first sentence, or its first plain line (a headline at the container's top is above it)."""
    span = range(start, end)
    opening = next((i for i in span if _opens_story(blocks[i])), None)
    if opening is None:
        opening = next((i for i in span if _is_prose(blocks[i])), None)
    if opening is None:
        opening = next((i for i in span if blocks[i].kind == "text" and not blocks[i].strong), start)
    return opening


def _holds_story(found: RawStory) -> bool:
    """A story: some running Chinese text, not a loading notice or a menu."""
    text = clean.markdown_text(found.body_markdown)
    return len(_HAN_CHAR.findall(text)) >= _MIN_STORY_HAN or any(clean.is_prose(line) for line in text.split("\n"))


def _fallbacks(page: _Page) -> list[HtmlElement]:
    """Elements that say they hold the story (itemprop=articleBody, <article>, <main>), then the
    element with the most Chinese text in paragraphs, punctuated or not."""
    marked = [
        el
        for query in (".//*[@itemprop='articleBody']", ".//article", ".//main", ".//*[@role='main']")
        for el in page.body.iterfind(query)
    ]
    return [*marked, *_densest_text(page.body)]


def _densest_text(body: HtmlElement) -> list[HtmlElement]:
    """Block elements by the Chinese text of their own lines (a story of short lines has few commas)."""
    scores: dict[HtmlElement, int] = defaultdict(int)
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag == "a":
            continue
        _, han = _own_text(el)
        holder = _holder(el.getparent() if el.tag == "p" else el)
        if han and holder is not None:
            scores[holder] += han
    return [el for el, _ in sorted(scores.items(), key=lambda kv: -kv[1])[:2]]


def _from_json_ld(page: _Page, found: RawStory) -> RawStory | None:
    """A page drawn by script keeps its story in JSON-LD articleBody: read that, line by line."""
    text = page.head.get("<json-ld>articlebody", "")
    paragraphs = [clean.squash(line) for line in re.split(r"\n+|<br\s*/?>|</p>", text) if clean.squash(line)]
    if not paragraphs:
        return None
    title = found.title or _final_title(page.head.get("<json-ld>headline", ""), page)
    extract = clean.assemble([Block("text", _strip_tags(p)) for p in paragraphs], title)
    credits = _not_the_site(extract.credits.merge(_head_credits(page.head, title=title)), page)
    return story(title, replace(extract, credits=credits), source_url=page.url)


def _parse(text: str) -> _Page:
    """The page's tree and what its <head> (and a crawler's record wrapper) say about it."""
    record: dict[str, str] = {}
    wrapper = _RECORD.match(text)
    if wrapper:
        record = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTRIBUTE.findall(wrapper.group(1))}
        text = text[wrapper.end() :]
        text = re.sub(r"</text>\s*$", "", text, flags=re.IGNORECASE)
    text = _XML_DECLARATION.sub("", text.lstrip("\ufeff"))
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as err:
        raise SitegenError("no story text found in this HTML page", hint=str(err)) from None
    head = _head(root)
    if record.get("title"):
        head.setdefault("<title>", record["title"])
        head["<record>"] = record["title"]
    url = head.get("<url>") or (record["id"] if re.match(r"https?://", record.get("id", "")) else None)
    base = head.get("<base>")
    base = urljoin(url or "", base) if base else url
    body = root.find("body")
    body = body if body is not None else root
    return _Page(body, head, url, base, _site_names(head, url, body))


def _site_names(head: dict[str, str], url: str | None, body: HtmlElement) -> tuple[str, ...]:
    """What the site calls itself: og:site_name and the like, the publisher in JSON-LD, the brand
    in its host name (news.example.com -> example), the parts of <title> that its other <meta>
    (keywords, author, copyright) repeat, and the name its footer claims (某某网 版权所有)."""
    names = [head[k] for k in META_SITE if head.get(k)]
    names.extend(_footer_names(body))
    host = urlsplit(url or "").hostname or ""
    labels = [x for x in host.lower().split(".") if x not in _HOST_WORDS]
    if labels:
        names.append(labels[-1])
    others = " ".join(head.get(k, "") for k in _SITE_META)
    title = head.get("<title>", "")
    names.extend(p for p in TITLE_SEPARATORS.split(title) if p.strip() and p.strip() != title.strip() and p in others)
    return tuple(dict.fromkeys(k for n in names if len(k := _key(n)) >= 2))


def _footer_names(body: HtmlElement) -> list[str]:
    """The site's name as its copyright line gives it, read from the last pieces of text on the page."""
    lines = [line for text in body.itertext() if len(line := clean.squash(text)) >= 4][-_FOOTER_LINES:]
    for line in reversed(lines):
        for part in re.split(r"\s{2,}|[|｜]", line):
            found = next((m for p in SITE_NAME_PATTERNS if (m := p.match(part.strip()))), None)
            if found:
                return [found.group("name")]
    return []


def _head(root: HtmlElement) -> dict[str, str]:
    """<title>, <meta name|property=…>, the canonical URL and <base href>, lower-cased keys; what
    is not a <meta> tag's own name is in angle brackets (<url>, <base>). The page's address is
    its canonical link, og:url or <meta name=url>, the first that can be one article's (a
    template's link to the home page cannot)."""
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
    url = next((u for k in ("canonical", "og:url", "url") if _article_url(u := found.get(k, ""))), None)
    if url:
        found["<url>"] = url
    base = root.find(".//base")
    if base is not None and base.get("href"):
        found["<base>"] = str(base.get("href")).strip()
    for key, value in _json_ld(root).items():
        found.setdefault(f"<json-ld>{key}", value)
    for el in root.iter():
        if isinstance(el.tag, str) and (el.tag == "time" or el.get("itemprop") in ("datePublished", "pubdate")):
            when = str(el.get("datetime") or el.get("content") or (el.text_content() if el.tag != "time" else ""))
            if when.strip() and _head_date(when.strip()):
                found.setdefault("<time>", when.strip())
                break
    return found


def _article_url(url: str) -> bool:
    """An address that can be one article's: a template's canonical link to the site's home
    page (http://example.gov.cn/, /index.html) is not."""
    if not re.match(r"https?://", url):
        return False
    path = urlsplit(url).path
    return bool(path.strip("/")) and not re.fullmatch(r"/?(?:index|default)\.\w+", path)


def _json_ld(root: HtmlElement) -> dict[str, str]:
    """What a page's JSON-LD says of its article: headline, datePublished, the authors who are
    persons, the publisher's name, articleBody (keys lower-cased)."""
    found: dict[str, str] = {}
    for script in root.iter("script"):
        if "ld+json" not in str(script.get("type") or "").lower():
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in _ld_items(data):
            for key in ("headline", "datePublished", "articleBody"):
                if isinstance(item.get(key), str) and item[key].strip():
                    found.setdefault(key.lower(), item[key].strip())
            people = [a.get("name") for a in _ld_items(item.get("author")) if a.get("@type") == "Person"]
            if any(isinstance(p, str) for p in people):
                found.setdefault("author", " ".join(p for p in people if isinstance(p, str)))
            publisher = next(iter(_ld_items(item.get("publisher"))), {}).get("name")
            if isinstance(publisher, str) and publisher.strip():
                found.setdefault("publisher", publisher.strip())
    return found


def _ld_items(data: object) -> list[dict[str, Any]]:
    """The objects of a JSON-LD value: one object, a list of them, or an @graph."""
    if isinstance(data, list):
        return [item for d in data for item in _ld_items(d)]
    if isinstance(data, dict):
        return [data, *_ld_items(data.get("@graph"))] if "@graph" in data else [data]
    return []


def _prune(body: HtmlElement) -> None:
    """Remove elements that are never the story (the one mutation, on our own parse tree).

    A class word is a hint, not proof: an element holding most of the page's Chinese text
    (a story inside a wrapper named "main-side") stays.
    """
    etree.strip_elements(body, *DROP_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    total = len(_HAN_CHAR.findall(body.text_content()))
    doomed = [
        el
        for el in body.iter()
        if isinstance(el.tag, str) and (words := _words(el)) & BOILERPLATE_WORDS and not words & CONTENT_WORDS
    ]
    for el in doomed:
        if el.getparent() is not None and len(_HAN_CHAR.findall(el.text_content())) <= _PROTECT_SHARE * total:
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
        own, han = _own_text(el)
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


def _own_text(el: HtmlElement) -> tuple[str, int]:
    """An element's own lines (a paragraph's whole text) and their Chinese characters outside links."""
    own = el.text_content() if el.tag == "p" else (el.text or "") + "".join(c.tail or "" for c in el)
    han = len(_HAN_CHAR.findall(own))
    if el.tag == "p":
        han -= sum(len(_HAN_CHAR.findall(a.text_content())) for a in el.iter("a"))
    return own, han


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


def _menu(block: Block) -> bool:
    """A line of several links set apart and nothing else (首页 本地 民生); a headline may be a link,
    or two run together ('[分类]标题')."""
    return block.anchors >= 2 and _link_line(block) and bool(re.search(r"[\s|｜/·]", block.text))


def _opens_story(block: Block) -> bool:
    """The story's first paragraph: prose with two clauses or more, not a headline that asks."""
    return _is_prose(block) and (len(_CLAUSE.findall(block.text)) >= 2 or len(block.text) >= 40)


def _title(blocks: Sequence[Block], begins: int, page: _Page) -> tuple[str, int | None]:
    """The headline and the index of its line (None when it comes from <head> only), without
    the site's name around it or invisible characters in it (_final_title)."""
    title, at = _headline(blocks, begins, page.head)
    return _final_title(title, page, on_page=at is not None), at


def _headline(blocks: Sequence[Block], begins: int, head: dict[str, str]) -> tuple[str, int | None]:
    """The line that <title> (or og:title, JSON-LD's headline) contains is looked for anywhere
    above the story, the others just above it."""
    page_titles = [head[k] for k in ("<title>", "<record>", *META_TITLE, "<json-ld>headline") if head.get(k)]
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
    above = [
        i
        for i in reversed(window)
        if i < begins and _headline_like(blocks[i]) and not _byline_like(blocks[i]) and not _menu(blocks[i])
    ]
    emphasised = next((i for i in above[:3] if blocks[i].strong or blocks[i].kind == "heading"), None)
    if emphasised is not None:
        return _page_headline(blocks[emphasised].text), emphasised
    declared = next((head[k] for k in ("<json-ld>headline", "og:title") if head.get(k)), "")
    if declared and _HAN_CHAR.search(declared) and not _site_like(declared):
        return _tidy(declared), None
    if len(parts) > len(page_titles) and _HAN_CHAR.search(longest) and not _site_like(longest):
        return _tidy(head.get("<title>") or longest), None
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


def _final_title(title: str, page: _Page, on_page: bool = False) -> str:
    """A headline without what a site puts around it: a breadcrumb before it (首页 > 要闻 >), its
    own or its channel's name before or after a separator (标题_新闻中心_某某网, 标题 - 某某网,
    频道 | 标题), 【】 around all of it; and without invisible characters.

    A headline read off the page (on_page) loses only the site's own names: a kicker before a
    bar there ('聚焦两会 | 代表委员热议…') is the headline's.
    """
    text = clean.squash(title)
    crumbs = [p for p in _CRUMB_SEPARATOR.split(_unmatched_closers(text)) if p.strip()]
    if len(crumbs) > 1:  # a breadcrumb runs from the site down to the story
        last = crumbs[-1].strip()
        text = last if len(_HAN_CHAR.findall(last)) >= 4 else max(crumbs, key=len).strip()
    for _ in range(3):  # what one cut leaves may end in a name too: 标题-某某新闻网-某某日报社主办
        shorter = _without_names(text, page, on_page)
        if shorter == text:
            break
        text = shorter
    wrapped = _WRAPPED.fullmatch(text)
    return (wrapped.group(1).strip() if wrapped else text) or clean.squash(title)


def _without_names(text: str, page: _Page, on_page: bool) -> str:
    """The title without the site's or channel's names at its ends (see _final_title)."""
    pieces = re.split(f"({TITLE_SEPARATORS.pattern})", text)
    parts, separators = pieces[0::2], pieces[1::2]
    while len(parts) > 1 and _site_part(parts[-1], parts[:-1], page, on_page):  # names after it are the usual
        parts, separators = parts[:-1], separators[:-1]
    while len(parts) > 1 and _site_part(parts[0], parts[1:], page, on_page):
        parts, separators = parts[1:], separators[1:]
    text = "".join(p + s for p, s in zip(parts, [*separators, ""], strict=True)).strip()
    leading = TITLE_LEADING_NAME.match(text)
    if leading and _bracketed_site(leading, text[leading.end() :], page, on_page):
        text = text[leading.end() :]
    trailing = TITLE_TRAILING_NAME.search(text)
    if trailing and _bracketed_site(trailing, text[: trailing.start()], page, on_page):
        text = text[: trailing.start()]
    for mark in ("：", " "):  # these set off a headline's own parts too: only the site's own name goes
        before, found, after = text.rpartition(mark)
        key = _key(after)
        if found and _named(key, page) and SITE_PART_END.search(key) and len(_HAN_CHAR.findall(before)) >= 4:
            text = before.strip()
    first, space, rest = text.partition(" ")
    if space and _named(_key(first), page) and SITE_PART_END.search(_key(first)) and len(_HAN_CHAR.findall(rest)) >= 4:
        text = rest.strip()
    return text


def _bracketed_site(found: re.Match[str], rest: str, page: _Page, on_page: bool) -> bool:
    """'东江网-' or '【东江网】' before a headline, '（东江网）' after it, name the site; '【警方提醒】'
    and '（图）' are the headline's own, unless the site calls itself so."""
    if found.groupdict().get("name"):
        return _site_part(found["name"], [rest], page, on_page)
    key = _key(found["tag"])
    return _named(key, page) or (not on_page and bool(SITE_PART_END.search(key)) and len(_HAN_CHAR.findall(rest)) >= 4)


def _site_part(part: str, rest: list[str], page: _Page, on_page: bool = False) -> bool:
    """An end of a title that names the site (whatever its length) or, in <title>, a channel or
    a name shaped like a site's, shorter than the headline left beside it."""
    key = _key(part)
    if not key or len(_HAN_CHAR.findall("".join(rest))) < 4:
        return False
    named = _named(key, page)
    if named or on_page:
        return named
    if all(w in CHANNEL_WORDS for w in re.split(r"[·・、/\s]+", part) if w):
        return True
    if _DOMAIN_NAME.fullmatch(part.strip()):
        return True
    shorter = len(key) < len(_key("".join(rest)))
    return shorter and (bool(SITE_PART_END.search(key)) and len(key) <= 20 or _site_like(part))


def _named(key: str, page: _Page) -> bool:
    """The site's own name, part of it, or it with more words ('东江日报' for the site 东江日报网)."""
    return bool(key) and any(
        key == site or (len(site) >= 2 and site in key) or (len(key) >= 2 and key in site) for site in page.sites
    )


def _unmatched_closers(text: str) -> str:
    """'专题》分类》标题' uses 》 as a breadcrumb: those 》 that close no 《 become '>'."""
    out, depth = [], 0
    for ch in text:
        if ch == "《":
            depth += 1
        elif ch == "》":
            if depth == 0:
                ch = ">"
            depth = max(0, depth - 1)
        out.append(ch)
    return "".join(out)


def _strip_tags(text: str) -> str:
    return clean.squash(re.sub(r"<[^>]+>", "", text))


_DOMAIN_NAME = re.compile(
    r"(?:https?://)?(?:[A-Za-z0-9-]+\.)+(?:com|cn|net|org|gov|edu|info|cc|tv|hk|tw)/?", re.IGNORECASE
)
_CRUMB_SEPARATOR = re.compile(r"\s*(?:>>?|›|»|＞)\s*")
_WRAPPED = re.compile(r"[【\[]([^【】\[\]]+)[】\]]")
_HOST_WORDS = frozenset({"www", "m", "news", "com", "cn", "net", "org", "gov", "edu", "co", "uk", "hk", "tw", "info"})
_SITE_META = ("keywords", "author", "copyright", "application-name", "publisher", "description")


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
            line = metadata.byline(_with_value(blocks, i), dates=True, names=names) or Credits()
            found = replace(found.merge(line), authors=tuple(dict.fromkeys(found.authors + line.authors)))
    top = at if at is not None else begins
    above = [b for b in blocks[max(0, top - 6) : top] if b.kind == "text"]
    for block in reversed(above[-2:]):
        found = found.merge(Credits(date=metadata.leading_date(block.text)))
    tables = [b for b in blocks[max(0, top - _BYLINE_WINDOW) : begins] if b.kind == "table"]
    rows = [" ".join(row) for table in tables for row in table.rows]
    for text in [*reversed([b.text for b in above]), *rows]:  # labelled lines above the headline, an info table
        labelled = metadata.byline(text) or Credits()
        found = found.merge(Credits(date=labelled.date, provisional=labelled.provisional, source=labelled.source))
    return found


def _poster(container: HtmlElement) -> Credits:
    """On a forum or blog page, the writer as the link to their profile names them, in the post
    around the story's element (a few levels up: the post's own table or box)."""
    scope = container
    for _ in range(_POST_LEVELS):
        parent = scope.getparent()
        if parent is None or parent.tag == "body":
            break
        scope = parent
    for a in scope.iter("a"):
        if PROFILE_LINK.search(str(a.get("href") or "")):
            name = clean.squash(a.text_content())
            if metadata.is_screen_name(name):
                return Credits(authors=(name,))
    return Credits()


def _signature(blocks: Sequence[Block]) -> Credits:
    """A notice signed at its end (the issuing body, then the day) was written that day: a
    provisional date."""
    last = _last_prose(blocks, 0, len(blocks), default=len(blocks))
    after = [b for b in blocks[last + 1 :] if b.kind == "text"][:3]
    when = next((d for b in after if (d := metadata.signed_date(b.text))), None)
    return Credits(date=when, provisional=True)


def _labelled_anywhere(blocks: Sequence[Block], near: int) -> Credits:
    """A date labelled as the publication's (发布时间：…) anywhere on the page, outside link
    lists, the nearest to the headline first: the last sign of when it was published."""
    order = sorted(range(len(blocks)), key=lambda i: abs(i - near))
    for i in order:
        block = blocks[i]
        if block.kind in ("text", "item") and len(block.text) <= MAX_BYLINE and not _link_line(block):
            found = metadata.labelled_date(block.text)
            if found.date and not found.provisional:
                return found
    return Credits()


def _last_prose(blocks: Sequence[Block], start: int, end: int, default: int) -> int:
    """The index of the last paragraph of prose in blocks[start:end], read from the end."""
    return next((i for i in range(end - 1, start - 1, -1) if _is_prose(blocks[i])), default)


def _with_value(blocks: Sequence[Block], i: int) -> str:
    """A label standing alone ('发布时间：') with the next line, its value, after it."""
    text = blocks[i].text
    if len(text) <= _LABEL_ALONE and text.endswith(("：", ":")) and i + 1 < len(blocks):
        return f"{text}{blocks[i + 1].text}"
    return text


def _tail_credits(blocks: Sequence[Block], start: int, end: int) -> Credits:
    """By-lines after the story's last paragraph, inside its container or just below it."""
    last = _last_prose(blocks, start, end, default=end - 1)
    found = Credits()
    for block in blocks[last + 1 : end + _TAIL_WINDOW]:
        if block.kind in ("text", "item"):
            found = found.merge(metadata.byline(block.text) or Credits())
    return found


def _not_the_site(credits: Credits, page: _Page) -> Credits:
    """No author is the site itself, its brand, or the publisher credited as the source."""
    others = {*page.sites, *(_key(n) for n in (credits.source, credits.site) if n)}
    people = tuple(a for a in credits.authors if not any(_names_site(_key(a), o) for o in others if o))
    return replace(credits, authors=people)


def _names_site(author: str, site: str) -> bool:
    """The author is the site, holds its name (东方快讯网), or is most of it (东方快讯 in
    东方快讯客户端); a short name inside a longer one (张三 in 张三工作室) is still a person."""
    return site in author or (len(author) >= 3 and author in site)


def _head_credits(head: dict[str, str], editor: str | None = None, title: str = "") -> Credits:
    """What <meta> tags, JSON-LD and a <time> element say, used only where the visible page said
    nothing. A CMS fills <meta name=author> with whoever posted the page: the editor the page
    names is not its author, and a name without a common surname that <title> shows beside the
    headline (标题_网易新闻) is the site's."""
    keys = ("<time>", *META_DATE)
    when = next((d for k in keys if head.get(k) and (d := _head_date(head[k]))), None)
    people = next((p for k in META_AUTHOR if head.get(k) and (p := metadata.meta_people(head[k]))), ())
    frame = _key(head.get("<title>", "")).replace(_key(title), " ") if title else ""
    people = tuple(p for p in people if p != editor and (metadata.is_person(p, bare=True) or _key(p) not in frame))
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
    credits: dict[str, Any] = {
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
