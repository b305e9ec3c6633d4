"""From a story's raw blocks to clean Markdown: HTML -> blocks, boilerplate out, credits harvested.

Every importer turns its source into a list of Blocks (a paragraph, a heading, a list item, a
table, an image, a caption) and hands it to assemble(), so a page, a blog post, a portal copy and
a newspaper column are cleaned by the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml import html as lxml_html
from lxml.html import HtmlElement
from markdown_it import MarkdownIt

from sitegen import typography
from sitegen.extract import metadata
from sitegen.extract.metadata import Credits
from sitegen.extract.patterns import (
    BREADCRUMB,
    CAPTION_OPENINGS,
    CONTACT_LINES,
    DROP_TAGS,
    END_MARKERS,
    HAN,
    IMAGE_ATTRIBUTES,
    INVISIBLE,
    JUNK_LINES,
    MAX_CAPTION,
    MAX_HEADING,
    MAX_TABLE_CELL,
    MIN_IMAGE_SIDE,
)

Kind = Literal["text", "heading", "item", "table", "image", "caption", "credit", "footer", "contact"]


@dataclass(frozen=True)
class Block:
    """One unit of a story. An image without a url marks where a picture stood in copied text.

    links are (anchor text, absolute URL) pairs inside text; linked counts the characters of
    text inside links, resolvable or not (a line that is all link is navigation), anchors how
    many links with text it holds (several make a menu). rows are a
    table's cells; ordered marks an item of a numbered list.
    "credit", "footer" and "contact" lines exist only inside assemble(): kept in place so that
    the story's end can be found; only a contact line inside the story is written, as text.
    """

    kind: Kind
    text: str = ""
    url: str = ""
    strong: bool = False
    links: tuple[tuple[str, str], ...] = ()
    linked: int = 0
    anchors: int = 0
    rows: tuple[tuple[str, ...], ...] = ()
    ordered: bool = False


@dataclass(frozen=True)
class Extract:
    blocks: tuple[Block, ...]
    credits: Credits


_BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "center", "dd", "details", "div", "dl", "dt", "figure", "footer",
        "header", "hr", "li", "main", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BOLD = frozenset({"strong", "b", "big"})
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_HAN_CHAR = re.compile(f"[{HAN}]")
_BRACKET_RUN = re.compile(r"(?:【[^】]*】\s*){2,}")
_TABLE_RULE = re.compile(r"^\| (?:--- \| )*---(?: \|)?$")
_SIGNED_WINDOW = 6  # blocks at the top of a story where a copied essay repeats its headline and writer
_MD_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\([^)]*\)")


@dataclass
class Walk:
    """The blocks of an element in document order, and where each marked element's blocks lie."""

    blocks: list[Block]
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)


def html_to_blocks(root: HtmlElement, base_url: str | None = None) -> list[Block]:
    """Walk an element in document order: text between block elements is a paragraph of its own."""
    return walk(root, base_url).blocks


def walk(root: HtmlElement, base_url: str | None = None, marks: Sequence[HtmlElement] = ()) -> Walk:
    """Like html_to_blocks; spans[id(mark)] is the (start, end) range of each marked element's blocks."""
    walker = _Walker(base_url, {id(m) for m in marks})
    walker.walk(root, False)
    walker.flush()
    return Walk(walker.blocks, walker.spans)


class _Walker:
    """State of one walk: the paragraph being gathered (pieces of text, links) and the blocks made."""

    def __init__(self, base_url: str | None, marks: set[int]) -> None:
        self.base_url = base_url
        self.marks = marks
        self.blocks: list[Block] = []
        self.spans: dict[int, tuple[int, int]] = {}
        self.pieces: list[tuple[str, bool]] = []
        self.links: list[tuple[str, str]] = []
        self.linked = 0
        self.anchors = 0
        self.item: tuple[bool] | None = None  # inside a list item: (ordered,)

    def flush(self) -> None:
        text = squash("".join(t for t, _ in self.pieces))
        if text:
            strong = all(bold for t, bold in self.pieces if t.strip())
            kind: Kind = "item" if self.item else "text"
            ordered = bool(self.item and self.item[0])
            links = tuple((a, u) for a, u in self.links if a)
            self.blocks.append(
                Block(kind, text, strong=strong, links=links, linked=self.linked, anchors=self.anchors, ordered=ordered)
            )
        self.pieces.clear()
        self.links.clear()
        self.linked = 0
        self.anchors = 0

    def walk(self, node: HtmlElement, bold: bool) -> None:
        if node.text:
            self.pieces.append((node.text, bold))
        for child in node:
            if isinstance(child.tag, str) and child.tag not in DROP_TAGS:
                if id(child) in self.marks:
                    self.flush()
                    start = len(self.blocks)
                    self.visit(child, bold)
                    self.flush()
                    self.spans[id(child)] = (start, len(self.blocks))
                else:
                    self.visit(child, bold)
            if child.tail:
                self.pieces.append((child.tail, bold))

    def visit(self, el: HtmlElement, bold: bool) -> None:
        name = el.tag
        if name == "br":
            self.flush()
        elif name == "img":
            self.flush()
            if not _is_icon(el):
                self.blocks.append(Block("image", url=image_url(el, self.base_url)))
        elif name in _HEADINGS:
            self.flush()
            text = squash(el.text_content())
            if text:
                self.blocks.append(Block("heading", text, strong=True))
            pictures = (img for img in el.iter("img") if not _is_icon(img))
            self.blocks.extend(Block("image", url=image_url(img, self.base_url)) for img in pictures)
        elif name == "figcaption":
            self.flush()
            text = squash(el.text_content())
            if text:
                self.blocks.append(Block("caption", text))
        elif name == "a":
            self._link(el, bold)
        elif name in ("ul", "ol") or (name == "li" and self.item is None):
            self._list(el, bold)
        elif name == "table" and (rows := data_table(el)):
            self.flush()
            self.blocks.append(Block("table", rows=rows))
        elif name in _BLOCK_TAGS:
            self.flush()
            self.walk(el, bold)
            self.flush()
        else:
            self.walk(el, bold or name in _BOLD or _large_font(el))

    def _link(self, el: HtmlElement, bold: bool) -> None:
        first = len(self.pieces)
        self.walk(el, bold)
        anchor = squash("".join(t for t, _ in self.pieces[first:]))
        self.linked += len(anchor)
        self.anchors += bool(anchor)
        url = link_url(str(el.get("href") or ""), self.base_url)
        if anchor and url:
            self.links.append((anchor, url))

    def _list(self, el: HtmlElement, bold: bool) -> None:
        """Each <li> is an item; a list nested in an item gives items of its own."""
        self.flush()
        outer = self.item
        if el.tag == "li":
            self.item = (outer[0] if outer else False,)
            self.walk(el, bold)
        else:
            for child in el:
                if child.tag == "li":
                    self.item = (el.tag == "ol",)
                    self.walk(child, bold)
                    self.flush()
                elif isinstance(child.tag, str) and child.tag not in DROP_TAGS:
                    self.item = outer
                    self.visit(child, bold)
                if child.tail:
                    self.pieces.append((child.tail, bold))
        self.flush()
        self.item = outer


def _large_font(el: HtmlElement) -> bool:
    """<font size="4"> and up, or "+1": old pages set their headlines this way."""
    if el.tag != "font":
        return False
    size = str(el.get("size") or "").strip()
    return size.startswith("+") or (size.isdigit() and int(size) >= 4)


def data_table(table: HtmlElement) -> tuple[tuple[str, ...], ...] | None:
    """The cells of a table of data; None for a page-layout table.

    Data: most rows, and two at least, fill two cells or more; short cells (MAX_TABLE_CELL); no
    table or picture inside; not mostly links (a menu laid out as a table).
    """
    if table.find(".//table") is not None or table.find(".//img") is not None:
        return None
    rows: list[list[str]] = []
    for tr in table.iter("tr"):
        cells = [squash(cell.text_content()) for cell in tr if cell.tag in ("td", "th")]
        if any(cells):
            rows.append(cells)
    filled = sum(1 for r in rows if sum(1 for c in r if c) >= 2)
    if filled < 2 or filled * 2 <= len(rows):
        return None
    if any(len(cell) > MAX_TABLE_CELL for row in rows for cell in row):
        return None
    text = sum(len(cell) for row in rows for cell in row)
    links = sum(len(squash(a.text_content())) for a in table.iter("a"))
    if links * 2 > text:
        return None
    width = max(len(r) for r in rows)
    return tuple(tuple(r + [""] * (width - len(r))) for r in rows)


def markdown_to_blocks(markdown: str) -> list[Block]:
    """A blog post body (Markdown, raw HTML, or both) rendered the way the blog rendered it.

    Indented code blocks are off: in scraped posts indentation is layout, never code.
    """
    renderer = MarkdownIt("commonmark", {"html": True}).disable("code")
    rendered = renderer.render(markdown)
    if not rendered.strip():
        return []
    root = lxml_html.document_fromstring(rendered)
    body = root.find("body")
    return html_to_blocks(body if body is not None else root)


def image_url(img: HtmlElement, base_url: str | None) -> str:
    """The picture's real address: lazy-load attributes first, proxies unwrapped; "" when unknown
    (a relative address on a page whose own address is not known)."""
    for attribute in IMAGE_ATTRIBUTES:
        value = str(img.get(attribute) or "").strip()
        if value and not value.startswith("data:"):
            url = unwrap_proxy(urljoin(base_url or "", value))
            if url.startswith("//"):
                url = "https:" + url
            if re.match(r"https?://", url):
                return url
    return ""


def link_url(href: str, base_url: str | None) -> str:
    """A link's absolute address; "" for page scripts, in-page anchors and unresolvable ones."""
    href = href.strip()
    if not href or href.startswith("#"):
        return ""
    url = urljoin(base_url or "", href)
    if url.startswith("//"):
        url = "https:" + url
    return url if url.lower().startswith(_LINK_SCHEMES) else ""


def _is_icon(img: HtmlElement) -> bool:
    """Spacers, icons and tracking pixels declare how small they are."""
    sides = (str(img.get(side) or "") for side in ("width", "height", "data-width", "data-height"))
    return any(value.isdigit() and int(value) < MIN_IMAGE_SIDE for value in sides)


def unwrap_proxy(url: str) -> str:
    """A URL whose query is itself an http(s) URL wraps that URL: return the inner one."""
    query = urlsplit(url).query
    if re.match(r"https?://", query):
        return unwrap_proxy(query)
    wrapped = [value for _, value in parse_qsl(query) if re.match(r"https?://", value)]
    return unwrap_proxy(wrapped[0]) if len(wrapped) == 1 and len(parse_qsl(query)) == 1 else url


def assemble(blocks: Sequence[Block], title: str) -> Extract:
    """Raw blocks of a story -> its clean blocks and the credits found around it.

    Stages, in order:
    1. drop page furniture (breadcrumbs, 评论:, 【纠错】, share lines) and empty blocks; a line of
       several 【…】 items is read item by item;
    2. read metadata lines (by-lines, 来源, 记者, 责任编辑, 原文链接, the site's name) and drop them,
       and the lead credit opening a paragraph (本报讯（记者 张三）);
    3. a line repeating the title marks a picture (its alt text) or a repeated headline: drop it;
    4. drop teasers: a line that is the start of a later paragraph;
    5. cut the story's end: at the first footer marker (原文链接, 免责声明, ICP备 ...) after the
       story began, or at the first credit after its last paragraph; pictures after it go;
    6. drop what trails the last paragraph except pictures: link lists, contact lines, stray
       short lines (contact lines before it are the story's own);
    7. captions: a short line right after a picture;
    8. headings: bold-only short paragraphs, and short lines without punctuation before a paragraph;
       picture positions with neither address nor caption go;
    9. the credit closing the last paragraph ("(文/张三 图/李四)") is read and removed;
    10. typography: Chinese punctuation, paired quotes, no stray spaces.
    """
    credits = Credits()
    marked: list[Block] = []
    for block in _split_bracket_runs(blocks):
        if block.kind in ("image", "table"):
            marked.append(block)
            continue
        text = squash(block.text)
        if not text or is_junk(text):
            continue
        found = metadata.read_line(text) or metadata.original_link(text, block.links)
        text, lead = metadata.lead_credit(text) if found is None else (text, None)
        credits = credits.join(found or lead or metadata.photo_credit(text) or Credits())
        if _is_end(text):
            marked.append(Block("footer", text))
        elif found is None and any(p.search(text) for p in CONTACT_LINES):
            marked.append(Block("contact", text))
        elif found is not None and not (found.site or found.link):
            marked.append(Block("credit", text))
        elif found is None:
            marked.append(replace(block, text=text))
    marked, signed = _signed_headline(marked, title)
    credits = credits.join(signed)
    body = _story_span(_drop_teasers(_title_repeats(marked, title)))
    body = _captions(body)
    body = _drop_bare_markers(_headings(body))
    body, closing = _closing_credit(body)
    return Extract(tuple(_typeset(b) for b in body), credits.merge(closing))


def to_markdown(blocks: Sequence[Block]) -> str:
    """Blocks -> Markdown: '## ' headings, lists, tables, images in place, captions as an emphasised
    line, links inside text; consecutive items form one list."""
    out: list[str] = []
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            out.append("## " + escape(block.text))
        elif block.kind == "image" and block.url:
            out.append(f"![]({_url(block.url)})")
        elif block.kind == "caption":
            out.append(f"*{_inline(block)}*")
        elif block.kind == "text":
            out.append(_inline(block))
        elif block.kind == "item":
            number = sum(1 for _ in _run_of_items(blocks, i)) if block.ordered else 0
            line = (f"{number}. " if block.ordered else "- ") + _inline(block)
            joined = i > 0 and blocks[i - 1].kind == "item" and blocks[i - 1].ordered == block.ordered
            if joined and out:
                out[-1] += "\n" + line
            else:
                out.append(line)
        elif block.kind == "table" and block.rows:
            out.append(_table(block.rows))
    return "\n\n".join(out)


def _run_of_items(blocks: Sequence[Block], i: int) -> Iterator[Block]:
    """The items of one list up to and including blocks[i], for numbering."""
    j = i
    while j >= 0 and blocks[j].kind == "item" and blocks[j].ordered == blocks[i].ordered:
        yield blocks[j]
        j -= 1


def _url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _inline(block: Block) -> str:
    """Escaped text with each link's anchor, found in order, made a Markdown link."""
    out = escape(block.text)
    at = 0
    for anchor, url in block.links:
        target = escape(anchor)
        found = out.find(target, at)
        if not target or found < 0:
            continue
        link = f"[{target}]({_url(url)})"
        out = out[:found] + link + out[found + len(target) :]
        at = found + len(link)
    return out


def _table(rows: tuple[tuple[str, ...], ...]) -> str:
    """A pipe table; the first row is its header, as GitHub-flavoured Markdown requires."""

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(escape(c).replace("|", "\\|") for c in cells) + " |"

    rule = "| " + " | ".join("---" for _ in rows[0]) + " |"
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


def escape(text: str) -> str:
    """Text that Markdown would read as markup is escaped; Chinese prose is left as it is."""
    text = re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)
    return re.sub(r"^(#|[-+](?= )|\d+(?=[.)] ))", r"\\\1", text)


def markdown_text(markdown: str) -> str:
    """The words of a body written by to_markdown, for topics, regions and tags."""
    lines = [
        line for line in markdown.split("\n") if line and not line.startswith("![") and not _TABLE_RULE.match(line)
    ]
    plain = (re.sub(r"^## |^\*|\*$|^- |^\d+\. |^\| | \|$", "", line) for line in lines)
    unlinked = (_MD_LINK.sub(r"\1", line).replace(" | ", " ") for line in plain)
    return "\n".join(re.sub(r"\\(.)", r"\1", line) for line in unlinked)


def is_prose(text: str) -> bool:
    """A paragraph of the story: a sentence with clause punctuation, or long running text."""
    return (typography.has_clause_punctuation(text) and len(_HAN_CHAR.findall(text)) >= 6) or len(text) >= 60


def _split_bracket_runs(blocks: Sequence[Block]) -> list[Block]:
    """'【纠错】【责任编辑 : 施歌】' is two page items on one line: one to drop, one to read."""
    out: list[Block] = []
    for block in blocks:
        if block.kind == "text" and _BRACKET_RUN.fullmatch(block.text.strip()):
            out.extend(replace(block, text=part) for part in re.findall(r"【[^】]*】", block.text))
        else:
            out.append(block)
    return out


def squash(text: str) -> str:
    """Runs of spaces as one; icon-font glyphs (private use) and control characters out."""
    return re.sub(r"[ \t\r\n\u00a0\u3000\u200b\ufeff]+", " ", INVISIBLE.sub("", text)).strip()


def is_junk(text: str) -> bool:
    """Page furniture, or a line of nothing but marks (an ellipsis "……" is the story's own)."""
    marks_only = not re.search(r"[\w…]", text)
    return marks_only or any(p.search(text) for p in JUNK_LINES) or bool(BREADCRUMB.match(text))


def _is_end(text: str) -> bool:
    """Footer markers; those that may sit anywhere in a line count only in a short line."""
    return any(p.search(text) for p in END_MARKERS if p.pattern.startswith("^") or len(text) <= 80)


@lru_cache(maxsize=4096)
def norm(text: str) -> str:
    """Text as compared with a title: typeset, without spaces (the same lines are compared often)."""
    return re.sub(r"\s+", "", typography.clean_heading(text))


def _title_repeats(blocks: list[Block], title: str) -> list[Block]:
    """A repeated title line in copied text is a picture's alt text; as a heading it is just a repeat."""
    target = norm(title)
    out: list[Block] = []
    for block in blocks:
        if block.kind in ("text", "heading") and target and norm(block.text) == target:
            if block.kind == "text":
                out.append(Block("image"))
            continue
        out.append(block)
    return out


def _signed_headline(blocks: list[Block], title: str) -> tuple[list[Block], Credits]:
    """A copied essay opens with its headline and its writer's name on the next line: the name
    is the author's, and both lines go. The headline may be the title without the writer's name
    before a colon (title '张三：论…', lines '论…' and '张三'); a name without a common surname
    counts only when the title names it so."""
    target = norm(title)
    texts = [i for i, b in enumerate(blocks[:_SIGNED_WINDOW]) if b.kind in ("text", "heading")]
    for i, j in zip(texts, texts[1:], strict=False):
        line, name = norm(blocks[i].text), blocks[j].text.strip()
        if len(line) < 4 or not (target == line or target.endswith(("：" + line, ":" + line))):
            continue
        named = target.startswith((name + "：", name + ":"))
        if metadata.is_person(name, bare=not named) and j == i + 1:
            return [*blocks[:i], *blocks[j + 1 :]], Credits(authors=(name,))
    return blocks, Credits()


def _drop_teasers(blocks: list[Block]) -> list[Block]:
    """A summary shown above the story repeats the start of a later paragraph: drop the copy."""
    texts = [norm(b.text) if b.kind == "text" else "" for b in blocks]
    return [
        block
        for i, block in enumerate(blocks)
        if len(texts[i]) < 20 or not any(later.startswith(texts[i]) for later in texts[i + 1 :])
    ]


def _story_span(blocks: list[Block]) -> list[Block]:
    """The story runs from its first paragraph to the first footer line, or the first credit
    after its last paragraph; what trails its last paragraph, other than pictures, is footer."""
    content = ("text", "heading", "item", "table", "image", "caption")
    prose = [i for i, b in enumerate(blocks) if b.kind == "table" or (b.kind in ("text", "item") and is_prose(b.text))]
    if not prose:
        return [b for b in blocks if b.kind in content]
    hard = next((i for i, b in enumerate(blocks) if i > prose[0] and b.kind == "footer"), len(blocks))
    last = max(i for i in prose if i < hard)
    end = next((i for i in range(last + 1, hard) if blocks[i].kind == "credit"), hard)
    body = [
        replace(b, kind="text") if b.kind == "contact" else b
        for b in blocks[: last + 1]
        if b.kind in (*content, "contact")
    ]
    tail = blocks[last + 1 : end]
    for i, block in enumerate(tail):
        if block.kind == "image" and block.url:
            body.append(block)
            follower = tail[i + 1] if i + 1 < len(tail) else None
            if follower is not None and follower.kind in ("text", "caption") and is_caption(follower.text):
                body.append(replace(follower, kind="caption"))
    return body


def is_caption(text: str) -> bool:
    """A picture's caption: short, unpunctuated Chinese, or opening like one (图为 ...)."""
    if text.startswith(CAPTION_OPENINGS):
        return len(text) <= 2 * MAX_CAPTION
    return len(text) <= MAX_CAPTION and not typography.has_clause_punctuation(text) and bool(_HAN_CHAR.search(text))


def _captions(blocks: list[Block]) -> list[Block]:
    """A short line right after a picture is its caption."""
    out: list[Block] = []
    for i, block in enumerate(blocks):
        after_image = i > 0 and blocks[i - 1].kind == "image"
        if block.kind == "text" and after_image and is_caption(block.text):
            block = replace(block, kind="caption")
        out.append(block)
    return out


def _is_heading(text: str) -> bool:
    return (
        len(text) <= MAX_HEADING
        and len(_HAN_CHAR.findall(text)) >= 2
        and not typography.has_clause_punctuation(text)
        and not text.endswith(("…", "：", ":", "—"))
    )


def _headings(blocks: list[Block]) -> list[Block]:
    """Bold-only short paragraphs, and short unpunctuated lines that introduce a paragraph, are sub-heads."""
    out: list[Block] = []
    for i, block in enumerate(blocks):
        if block.kind == "text" and _is_heading(block.text):
            following = next((b for b in blocks[i + 1 :] if b.kind != "image" or b.url), None)
            introduces = following is not None and following.kind == "text" and is_prose(following.text)
            if block.strong or introduces:
                block = replace(block, kind="heading")
        out.append(block)
    return out


def _drop_bare_markers(blocks: list[Block]) -> list[Block]:
    """A picture position with neither an address nor a caption shows nothing."""
    return [
        b
        for i, b in enumerate(blocks)
        if b.kind != "image" or b.url or (i + 1 < len(blocks) and blocks[i + 1].kind == "caption")
    ]


def _closing_credit(blocks: list[Block]) -> tuple[list[Block], Credits]:
    """'…贡献。(文/张腾飞 范汉娟 图/盐城公安)' closing the last paragraph is a credit, not story."""
    for i in range(len(blocks) - 1, -1, -1):
        if blocks[i].kind == "text":
            text, found = metadata.trailing_credit(blocks[i].text)
            if found is None:
                return blocks, Credits()
            return [*blocks[:i], replace(blocks[i], text=text), *blocks[i + 1 :]], found
    return blocks, Credits()


def _typeset(block: Block) -> Block:
    """Typography for text, anchors (so that they are still found in it) and table cells."""
    if block.kind == "table":
        return replace(block, rows=tuple(tuple(typography.clean_body(c) for c in row) for row in block.rows))
    fix = typography.clean_body if block.kind in ("text", "item") else typography.clean_heading
    if block.kind not in ("text", "item", "heading", "caption"):
        return block
    links = tuple((fix(anchor), url) for anchor, url in block.links)
    return replace(block, text=fix(block.text), links=links)
