"""A Hexo, Jekyll, Hugo or plain Markdown post body: kept as the author wrote it, template tags converted.

Why not re-extract it like a web page: the body already is Markdown. Rendering it and reading the
HTML back flattens code into paragraphs, loses tables and heading levels and applies typography
inside code; the author's text is the best form it will ever have. What is not Markdown is the
generator's template syntax (Hexo tag plugins, Liquid, Hugo shortcodes): each tag becomes the
Markdown it stood for (a fenced code block, an image, a link, a quote) or, where there is none, is
left out of the page and named under review. Template syntax inside code is the author's example
and stays as written; syntax the source showed as text (inside {% raw %}, escaped, or another
generator's) becomes inline code, so that it reads as it did and is never taken for a tag again.

Code is found with the parser the build renders with (markdown-it, block rules), inline code spans
by the CommonMark backtick rule on the lines markdown-it reads as inline text.
"""

from __future__ import annotations

import bisect
import functools
import html
import posixpath
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# The template syntax each generator runs; the other kinds were text on the author's page.
ACTIVE = {
    "hexo": {"liquid", "output"},
    "jekyll": {"liquid", "output", "kramdown"},
    "hugo": {"hugo"},
    # generator unknown: any tag may have run; a {{ value }} alone is as likely text (Vue, Angular)
    "markdown": {"liquid", "hugo", "kramdown"},
}
POST_URL = "/posts/{}/"  # where sitegen publishes the post with this slug
ATTRIBUTION = "— "  # begins the line naming a quote's author

Span = tuple[int, int]
# How a body names another post -> the address to write for it: (the tag's name, the post as the tag
# names it), e.g. ("post_link", "java/intro"), ("post_url", "2020-01-02-x"), ("ref", "post/x.md").
PostAddress = Callable[[str, str], str]


@dataclass(frozen=True)
class Migrated:
    markdown: str  # the body as the author wrote it, template tags converted
    review: tuple[str, ...]  # one item per thing left out or unsure
    images: tuple[str, ...]  # every image reference in the result, as written, in order


def migrate(body: str, generator: str, post_address: PostAddress | None = None) -> Migrated:
    """A post body (front matter already split off) -> its Markdown as written, tags converted.

    generator: "hexo" | "jekyll" | "hugo" | "markdown". Only line endings and whitespace that renders
    as nothing are normalised. post_address writes a link to another post (post_link, post_url, ref
    ...); without it the link is /posts/<its name>/ and a review item asks to check it.
    """
    if generator not in ACTIVE:
        raise ValueError(f"unknown generator {generator!r}: one of {', '.join(ACTIVE)}")
    src = _NONCHARACTERS.sub("", body.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    doc = _Doc(src, generator, _blocks_beside_tag_bodies(src, generator), post_address)
    converted = _write_marked(_convert(doc, 0, len(src)))
    blocks = doc.blocks if converted == src else _Blocks.parse(converted)
    images = tuple(found.target for found in sorted(_image_targets(converted, blocks)))
    review = tuple(item for _, item in sorted(doc.review, key=lambda r: r[0]))
    return Migrated(_tidy(converted, blocks), review, images)


def rewrite_images(markdown: str, moved: Mapping[str, str]) -> str:
    """Image targets (as written) found in `moved` replaced by their new address: in image syntax, in
    a reference definition an image uses and in <img src>; never inside code, never a plain link."""
    out: list[str] = []
    at = 0
    for found in sorted(_image_targets(markdown, _Blocks.parse(markdown)), key=lambda f: f.span):
        start, end = found.span
        if found.target not in moved or start < at:
            continue
        new = moved[found.target]
        out += [markdown[at:start], html.escape(new) if found.html else _destination(new)]
        at = end
    return "".join(out) + markdown[at:]


def image_targets(markdown: str) -> list[str]:
    """Every image's target as written (the form rewrite_images() takes), in order; never inside code."""
    return [found.target for found in sorted(_image_targets(markdown, _Blocks.parse(markdown)), key=lambda f: f.span)]


# --- finding code ----------------------------------------------------------------------------------


@functools.cache
def _block_parser() -> MarkdownIt:
    """The build's Markdown dialect (sitegen.markup), block rules only: all that says where code is."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").disable(["inline", "text_join"])


@dataclass(frozen=True)
class _Blocks:
    """A body's structure: where each line starts, the spans of code (fenced, indented, inline, HTML
    <pre>/<code>), the lines of code and HTML blocks, and the line ranges read as inline text."""

    starts: tuple[int, ...]
    code: tuple[Span, ...]
    kept_lines: frozenset[int]
    inline_lines: tuple[Span, ...]

    @staticmethod
    def parse(text: str) -> _Blocks:
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        starts.append(len(text))
        code: list[Span] = []
        kept: set[int] = set()
        inline: list[Span] = []
        for token in _block_parser().parse(text):
            if token.map is None:
                continue
            first, last = token.map
            where = (starts[first], starts[last])
            if token.type in ("fence", "code_block"):
                code.append(where)
                kept.update(range(first, last))
            elif token.type == "html_block":
                code += _html_code(text, *where)
                kept.update(range(first, last))
            elif token.type == "inline" and (not inline or inline[-1] != (first, last)):
                inline.append((first, last))  # table cells of one row share their line
                code += _inline_code(text, *where)
        return _Blocks(tuple(starts), _merged(code), frozenset(kept), tuple(inline))

    def in_code(self, pos: int) -> bool:
        i = bisect.bisect_right(self.code, (pos, sys.maxsize)) - 1
        return i >= 0 and self.code[i][0] <= pos < self.code[i][1]

    def is_text(self, line: int) -> bool:
        """The line (counted from 0) is part of a paragraph, heading or table row."""
        i = bisect.bisect_right(self.inline_lines, (line, sys.maxsize)) - 1
        return i >= 0 and self.inline_lines[i][0] <= line < self.inline_lines[i][1]

    def line_of(self, pos: int) -> int:
        """1-based line of a position."""
        return bisect.bisect_right(self.starts, pos)


def _merged(spans: list[Span]) -> tuple[Span, ...]:
    """Sorted spans, one that overlaps another joined to it (a code span inside a <code> element)."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return tuple(out)


_HTML_CODE = re.compile(r"(?<!\\)<(pre|code)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_BACKTICKS = re.compile(r"`+")


def _html_code(text: str, start: int, end: int) -> list[Span]:
    """<pre> and <code> elements in raw HTML: code the author wrote as HTML."""
    return [m.span() for m in _HTML_CODE.finditer(text, start, end)]


def _inline_code(text: str, start: int, end: int) -> list[Span]:
    """Code spans by the CommonMark rule (a backtick run closed by the next run of the same length; an
    escaped backtick opens nothing), and raw <code> elements."""
    spans = _html_code(text, start, end)
    pos = start
    while (opener := _BACKTICKS.search(text, pos, end)) is not None:
        begin, length = opener.start(), len(opener.group())
        before = text[start:begin]
        if (len(before) - len(before.rstrip("\\"))) % 2:
            begin, length = begin + 1, length - 1
        closer = _closing_run(text, opener.end(), end, length) if length else None
        if closer is not None:
            spans.append((begin, closer))
        pos = closer or opener.end()
    return spans


def _closing_run(text: str, pos: int, end: int, length: int) -> int | None:
    while (run := _BACKTICKS.search(text, pos, end)) is not None:
        if len(run.group()) == length:
            return run.end()
        pos = run.end()
    return None


# --- template tags ---------------------------------------------------------------------------------

_ARGS = r"(?:[^\n]|\n(?![ \t]*\n))*?"  # a tag may wrap, but never across a blank line
_SHORTCODE = rf"\s*(?P<escape>/\*)?\s*(?P<close>/)?\s*(?P<name>[\w.-]+)(?P<args>{_ARGS})\s*(?:\*/)?\s*"
_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hugo", re.compile(r"\{\{<" + _SHORTCODE + r">\}\}")),
    ("hugo", re.compile(r"\{\{%" + _SHORTCODE + r"%\}\}")),
    ("liquid", re.compile(rf"\{{%-?\s*(?P<name>\w+)(?P<args>{_ARGS})\s*-?%\}}")),
    # a tag shown as text with Markdown escapes: \{\{\< x \>\}\}, {{\< x >}}
    ("escaped", re.compile(rf"\\?\{{\\?\{{\\?[<%]{_ARGS}\\?[>%]\\?\}}\\?\}}")),
    ("output", re.compile(rf"\{{\{{-?\s*(?![<%{{])(?P<args>{_ARGS})\s*-?\}}\}}")),
    # kramdown's attribute lists (Jekyll's Markdown): {:toc}, {: .class}, alone on a line or after a span
    ("kramdown", re.compile(r"\{::?(?P<args>[^{}\n]*)\}")),
)
_CANDIDATE = re.compile(r"\\?\{(?:\\?[{%]|:)")
_URL = re.compile(r"https?://\S+")
_WORDS = re.compile(r"""(\w+)=("(?:[^"\\]|\\.)*"|'[^']*'|`[^`]*`|\S+)|"((?:[^"\\]|\\.)*)"|'([^']*)'|`([^`]*)`|(\S+)""")
_HEXO_WORDS = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'([^']*)'|(\S+)")
_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CONTAINER = re.compile(r"([ \t>]*)((?:[-*+]|\d{1,9}[.)])[ \t]+)?")
_ESCAPED_SHORTCODE = re.compile(r"^\{\{([<%])\s*/\*\s*(.*?)\s*\*/\s*([>%])\}\}$", re.S)


@dataclass(frozen=True)
class _Tag:
    kind: str  # "liquid" {% %}, "output" {{ }}, "hugo" {{< >}} or {{% %}}, "escaped" \{\{\< >}}, "kramdown" {:x}
    name: str
    args: str
    closing: bool  # {% endx %}, {{< /x >}}
    escaped: bool  # Hugo's {{</* x */>}}
    start: int
    end: int
    text: str

    @property
    def base(self) -> str:
        """The name an end tag closes: endraw -> raw."""
        return self.name.removeprefix("end") if self.kind == "liquid" and self.closing else self.name

    @property
    def shown(self) -> str:
        """The tag as written, on one line, short enough for a review item."""
        flat = " ".join(self.text.split())
        return flat if len(flat) <= 80 else flat[:77] + "…"

    def words(self) -> tuple[list[str], dict[str, str]]:
        """Positional and key=value arguments, unquoted."""
        positional: list[str] = []
        named: dict[str, str] = {}
        for m in _WORDS.finditer(self.args):
            if m.group(1):
                named[m.group(1).lower()] = _unquote(m.group(2))
            else:
                positional.append(next(g for g in m.groups()[2:] if g is not None))
        return positional, named

    def hexo_words(self) -> list[tuple[str, bool]]:
        """Hexo's words: (word, was quoted); a quoted one may hold spaces."""
        return _hexo_words(self.args)


def _hexo_words(args: str) -> list[tuple[str, bool]]:
    return [(next(g for g in m.groups() if g is not None), m.group(3) is None) for m in _HEXO_WORDS.finditer(args)]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
        return value[1:-1]
    return value


@dataclass
class _Doc:
    src: str
    generator: str
    blocks: _Blocks
    post_address: PostAddress | None = None
    review: list[tuple[int, str]] = field(default_factory=list)

    def note(self, tag: _Tag, outcome: str, what: str = "template tag") -> None:
        """A review item naming the tag as written and its line: 'template tag {% x %} at line 3 left out'."""
        self.review.append((tag.start, f"{what} {tag.shown} at line {self.blocks.line_of(tag.start)} {outcome}"))

    def active(self, tag: _Tag) -> bool:
        return tag.kind in ACTIVE[self.generator]

    def in_code(self, tag: _Tag) -> bool:
        return self.blocks.in_code(tag.start)


def _tags(src: str, pos: int, end: int) -> Iterator[_Tag]:
    """Every template tag between pos and end, in order; none overlaps the one before."""
    while (tag := _next_tag(src, pos, end)) is not None:
        yield tag
        pos = tag.end


def _next_tag(src: str, pos: int, end: int) -> _Tag | None:
    while (candidate := _CANDIDATE.search(src, pos, end)) is not None:
        tag = _tag_at(src, candidate.start(), end)
        if tag is not None:
            return tag
        pos = candidate.start() + 1
    return None


def _tag_at(src: str, pos: int, end: int) -> _Tag | None:
    for kind, form in _FORMS:
        m = form.match(src, pos, end)
        if m is None:
            continue
        text = m.group()
        if kind == "escaped" and "\\" not in text[:4] + text[-4:]:
            continue
        if kind == "kramdown" and not _attribute_list_place(src, m.start(), m.end()):
            continue
        parts = m.groupdict()
        if kind == "hugo" and bool(parts["escape"]) != bool(re.search(r"\*/\s*[>%]\}\}$", text)):
            continue
        name = (parts.get("name") or "").lower()
        closing = bool(parts.get("close")) or (kind == "liquid" and name.startswith("end") and len(name) > 3)
        escaped = bool(parts.get("escape"))
        return _Tag(kind, name, (parts.get("args") or "").strip(), closing, escaped, m.start(), m.end(), text)
    return None


def _attribute_list_place(src: str, start: int, end: int) -> bool:
    """kramdown reads {: …} alone on its line (a block's attributes) or right after a span."""
    before = src[src.rfind("\n", 0, start) + 1 : start]
    return (not before.strip(" \t>") and not src[end : _line_end(src, end)].strip()) or before.endswith(
        (")", "]", "*", "`")
    )


def _blocks_beside_tag_bodies(src: str, generator: str) -> _Blocks:
    """The body's structure, read with the bodies of {% codeblock %}-like tags blanked: a stray fence
    or backtick in one would otherwise turn the rest of the post into code."""
    masked = src
    while True:
        doc = _Doc(masked, generator, _Blocks.parse(masked))
        bodies = [
            (tag.end, closer.start)
            for tag in _tags(masked, 0, len(masked))
            if doc.active(tag) and not tag.closing and not doc.in_code(tag) and _rule(tag).opaque
            and (closer := _verbatim_end(doc, tag, len(masked))) is not None
            and masked[tag.end : closer.start].strip(" \n")
        ]  # fmt: skip
        if not bodies:
            return doc.blocks
        masked = _blank(masked, bodies)


def _blank(text: str, spans: list[Span]) -> str:
    """Every character of the spans but line breaks made a space: offsets and lines stay."""
    parts: list[str] = []
    at = 0
    for start, end in spans:
        parts += [text[at:start], re.sub(r"[^\n]", " ", text[start:end])]
        at = end
    return "".join(parts) + text[at:]


def _convert(doc: _Doc, pos: int, end: int) -> str:
    """The text between pos and end, every tag outside code converted, left out or shown as code."""
    out: list[str] = []
    while (tag := _next_tag(doc.src, pos, end)) is not None:
        _append_text(out, doc.src[pos : tag.start])
        pos = _one(doc, tag, out, end)
    _append_text(out, doc.src[pos:end])
    return "".join(out)


def _append_text(out: list[str], text: str) -> None:
    if text:
        out.append(text)


def _one(doc: _Doc, tag: _Tag, out: list[str], end: int) -> int:
    """Write what one tag becomes; returns where the text goes on (after its end tag, if paired)."""
    if doc.in_code(tag) and not _runs_in_code(doc, tag):
        out.append(_shown(doc, tag, in_code=True))
        return tag.end
    if tag.kind in ("output", "kramdown") and not doc.active(tag):
        out.append(tag.text)
        return tag.end
    if tag.kind == "escaped" or tag.escaped or not doc.active(tag):
        out.append(_marked(_shown(doc, tag, in_code=False)))
        return tag.end
    if tag.closing:
        doc.note(tag, "has no start tag: left out")
        return tag.end
    rule = _rule(tag)
    closer = _closer(doc, tag, rule, end)
    if closer is None and rule.paired:
        doc.note(tag, "has no end tag: left out")
        return tag.end
    if closer is None:
        _write(out, rule.convert(doc, tag, None))
        return tag.end
    if doc.in_code(tag):  # Jekyll's {% raw %} in a code block: the tags go, the code stays
        return _raw_in_code(doc, tag, closer, out)
    if rule.literal:
        inner = _literal(doc, tag.end, closer.start)
    elif rule.verbatim:
        inner = doc.src[tag.end : closer.start]
    else:
        inner = _convert(doc, tag.end, closer.start)
    _write(out, rule.convert(doc, tag, inner))
    return closer.end


def _closer(doc: _Doc, tag: _Tag, rule: _Rule, end: int) -> _Tag | None:
    if rule.verbatim:
        return _verbatim_end(doc, tag, end)
    if rule.paired or rule.unknown:
        return _paired_end(doc, tag, end)
    return None


def _runs_in_code(doc: _Doc, tag: _Tag) -> bool:
    """Jekyll runs Liquid before Markdown, in code too: {% raw %} there is an instruction, not text."""
    return doc.generator == "jekyll" and tag.kind == "liquid" and tag.name == "raw"


def _raw_in_code(doc: _Doc, tag: _Tag, closer: _Tag, out: list[str]) -> int:
    """The code between the tags, as written; a line that held only a tag goes with it."""
    start, end, after = tag.end, closer.start, closer.end
    if _alone(doc.src, tag):
        out.append(out.pop().rstrip(" \t") if out else "")
        start = _line_end(doc.src, tag.end)
    if _alone(doc.src, closer):
        end, after = doc.src.rfind("\n", 0, closer.start) + 1, _line_end(doc.src, closer.end)
    _append_text(out, _literal(doc, start, max(start, end)))
    return after


def _alone(src: str, tag: _Tag) -> bool:
    """Nothing but spaces beside the tag on its line."""
    before = src[src.rfind("\n", 0, tag.start) + 1 : tag.start]
    after = src[tag.end : _line_end(src, tag.end)]
    return not before.strip(" \t") and not after.strip(" \t\n")


def _line_end(src: str, pos: int) -> int:
    """Just after the line break that ends pos's line (or the end of the text)."""
    found = src.find("\n", pos)
    return len(src) if found < 0 else found + 1


def _shown(doc: _Doc, tag: _Tag, in_code: bool) -> str:
    """The text the source's page showed for a tag it did not run: Markdown escapes (outside code)
    undone, then Hugo's escape {{</* x */>}} (which Hugo undoes in code too)."""
    text = _MARKDOWN_ESCAPE.sub(r"\1", tag.text) if tag.kind == "escaped" and not in_code else tag.text
    return _ESCAPED_SHORTCODE.sub(r"{{\1 \2 \3}}", text) if "hugo" in ACTIVE[doc.generator] else text


def _literal(doc: _Doc, start: int, end: int) -> str:
    """The inside of {% raw %}: as written, but a tag outside code is marked to become inline code."""
    out: list[str] = []
    pos = start
    for tag in _tags(doc.src, start, end):
        _append_text(out, doc.src[pos : tag.start])
        shown = tag.kind in ("liquid", "hugo", "escaped") and not doc.in_code(tag)
        out.append(_marked(_shown(doc, tag, in_code=False)) if shown else tag.text)
        pos = tag.end
    _append_text(out, doc.src[pos:end])
    return "".join(out)


# Text the source showed as is (a tag it did not run) is marked while converting, and written as inline
# code once the post's structure is final (a tag taken out can make the line after it an HTML block).
# Unicode noncharacters: never text, so never in a body (migrate() takes them out).
_MARK_OPEN, _MARK_CLOSE = "\ufdd0", "\ufdd1"
_MARKED = re.compile(f"{_MARK_OPEN}([^{_MARK_CLOSE}]*){_MARK_CLOSE}")
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")


def _marked(text: str) -> str:
    return _MARK_OPEN + " ".join(text.split("\n")) + _MARK_CLOSE


def _write_marked(text: str) -> str:
    """Each marked text as inline code that fits where it stands: <code> in an HTML block (no
    Markdown there), nothing in a code block, else a code span whose backticks no run inside it, no
    unpaired run before it in its paragraph and no backtick beside it can pair with or join."""
    text = text.replace(_MARK_CLOSE + _MARK_OPEN, "")
    if _MARK_OPEN not in text:
        return text
    blocks = _Blocks.parse(text)
    out: list[str] = []
    at = 0
    for m in _MARKED.finditer(text):
        out.append(text[at : m.start()])
        at = m.end()
        line = blocks.line_of(m.start()) - 1
        if blocks.in_code(m.start()):
            out.append(m.group(1))
        elif line in blocks.kept_lines:
            out.append(f"<code>{html.escape(m.group(1), quote=False)}</code>")
        else:
            span = _code_span(m.group(1), _unpaired_runs(text, blocks, line, m.start()))
            left = " " if _current_line(out).endswith(("`", "\\")) else ""
            right = " " if text[m.end() : m.end() + 1] == "`" else ""
            out.append(left + span + right)
    return "".join(out) + text[at:]


def _unpaired_runs(text: str, blocks: _Blocks, line: int, pos: int) -> set[int]:
    """Lengths a backtick run before pos in its paragraph, outside code, could pair with."""
    first = next((a for a, b in blocks.inline_lines if a <= line < b), line)
    runs = [r for r in _BACKTICKS.finditer(text, blocks.starts[first], pos) if not blocks.in_code(r.start())]
    return {n for r in runs for n in (len(r.group()), len(r.group()) - 1)}


def _code_span(text: str, taken: set[int]) -> str:
    length = max((len(run) for run in re.findall("`+", text)), default=0) + 1
    while length in taken:
        length += 1
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{'`' * length}{pad}{text}{pad}{'`' * length}"


def _paired_end(doc: _Doc, tag: _Tag, end: int) -> _Tag | None:
    """The end tag of a tag outside code, nested tags of the same name counted."""
    depth = 0
    for other in _tags(doc.src, tag.end, end):
        if other.kind != tag.kind or other.base != tag.name or doc.in_code(other):
            continue
        if not other.closing:
            depth += 1
        elif depth == 0:
            return other
        else:
            depth -= 1
    return None


def _verbatim_end(doc: _Doc, tag: _Tag, end: int) -> _Tag | None:
    """The first end tag, wherever it is: nothing inside a code or raw body is a tag."""
    return next(
        (o for o in _tags(doc.src, tag.end, end) if o.kind == tag.kind and o.closing and o.base == tag.name), None
    )


# --- what each tag becomes -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Out:
    text: str = ""
    block: bool = False  # stands on lines of its own (a fence, a quote, a figure)
    replaces_list_item: bool = False  # kramdown's {:toc} takes the one-item list above it


Convert = Callable[["_Doc", "_Tag", "str | None"], _Out]


@dataclass(frozen=True)
class _Rule:
    convert: Convert
    paired: bool = False  # has an end tag
    verbatim: bool = False  # its body is taken as written up to the first end tag (code, raw, comment)
    opaque: bool = False  # its body is not Markdown (code, a comment)
    literal: bool = False  # a tag in its body was shown as text ({% raw %})
    unknown: bool = False  # no rule: paired when an end tag follows


def _rule(tag: _Tag) -> _Rule:
    if tag.kind == "output":
        return _Rule(_output)
    if tag.kind == "kramdown":
        return _Rule(_kramdown)
    return (_HUGO if tag.kind == "hugo" else _LIQUID).get(tag.name, _UNKNOWN)


def _write(out: list[str], result: _Out) -> None:
    """Append a conversion; a block gets lines of its own, indented like the tag (in a list or a quote)."""
    if result.replaces_list_item:
        _drop_list_item_line(out)
    if not result.block:
        out.append(result.text)
        return
    current = _current_line(out)
    container = _CONTAINER.fullmatch(current)
    if container is None:  # in the middle of a line of text: the block starts below it
        indent = _indent_of(current)
        head = "\n" + indent.rstrip() + "\n" + indent
    elif container.group(2):  # just after a list marker: the block is the item's first line
        indent = container.group(1) + " " * len(container.group(2))
        head = ""
    else:
        indent = current
        head = "\n" + indent
    lines = result.text.split("\n")
    body = "\n".join([lines[0]] + [indent + line if line else indent.rstrip() for line in lines[1:]])
    out.append(head + body + "\n" + indent.rstrip() + "\n" + indent)


def _current_line(out: list[str]) -> str:
    """What has been written of the current line."""
    parts: list[str] = []
    for piece in reversed(out):
        cut = piece.rfind("\n")
        parts.append(piece[cut + 1 :])
        if cut >= 0:
            break
    return "".join(reversed(parts))


def _indent_of(line: str) -> str:
    """The container indentation a line's content sits at: spaces, quote markers, a list marker's width."""
    container = _CONTAINER.match(line)
    assert container is not None  # the pattern matches the empty string
    return container.group(1) + " " * len(container.group(2) or "")


def _lines(inner: str, doc: _Doc, tag: _Tag) -> list[str]:
    """A paired tag's body as lines, less the container indentation of the tag's line, without the
    blank lines around it; code indentation beyond the container stays."""
    indent = _indent_of(doc.src[doc.src.rfind("\n", 0, tag.start) + 1 : tag.start])
    lines = [_outdent(line, indent) for line in inner.split("\n")]
    while lines and not lines[0].strip(" \t"):
        lines.pop(0)
    while lines and not lines[-1].strip(" \t"):
        lines.pop()
    return lines


def _outdent(line: str, indent: str) -> str:
    """The line without as much of the indentation as it has."""
    n = 0
    while n < min(len(line), len(indent)) and line[n] == indent[n]:
        n += 1
    return line[n:]


def _fence(lang: str, lines: list[str]) -> str:
    longest = max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
    ticks = "`" * max(3, longest + 1)
    return "\n".join([ticks + lang, *lines, ticks])


def _quote(lines: list[str], attribution: str = "") -> str:
    quoted = [f"> {line}" if line.strip() else ">" for line in lines]
    if attribution:
        quoted += [">", f"> {ATTRIBUTION}{attribution}"]
    return "\n".join(quoted)


def _link(text: str, target: str, title: str = "") -> str:
    return f"[{_label_text(text)}]({_destination(target)}{_title(title)})"


def _image(target: str, alt: str = "", title: str = "") -> str:
    return f"![{_label_text(alt)}]({_destination(target)}{_title(title)})"


def _label_text(text: str) -> str:
    return text.replace("[", r"\[").replace("]", r"\]")


def _destination(target: str) -> str:
    return f"<{target}>" if re.search(r"[\s()<>]", target) else target


def _title(title: str) -> str:
    return ' "{}"'.format(title.replace('"', r"\"")) if title else ""


def _autolink(url: str) -> str:
    return f"<{url}>" if re.fullmatch(r"https?://[^\s<>]+", url) else _link(url, url)


def _left_out(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    if inner is None:
        doc.note(tag, "left out")
        return _Out()
    doc.note(tag, "left out, its content kept")
    return _Out(inner)


_UNKNOWN = _Rule(_left_out, unknown=True)
_CODE_OPTIONS = re.compile(r"(line_number|highlight|first_line|mark|wrap|lang):.*")


def _codeblock(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """Hexo's {% codeblock [title] [lang:x] [url] [link text] [option:value …] %}: a fence; the title
    and link, when given, as a line above it."""
    lang, caption, url, link_text = "", [], "", []
    for word, _ in tag.hexo_words():
        if word.startswith("lang:"):
            lang = word[5:]
        elif _URL.fullmatch(word):
            url = word
        elif _CODE_OPTIONS.fullmatch(word):
            continue  # line numbers, marked lines: presentation
        elif url:
            link_text.append(word)
        else:
            caption.append(word)
    if url:
        caption.append(_link(" ".join(link_text) or url, url))
    fence = _fence(lang, _lines(inner or "", doc, tag))
    return _Out("\n".join([" ".join(caption), "", fence]) if caption else fence, block=True)


def _highlight(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """{% highlight lang [linenos] %}, {{< highlight lang "options" >}}: a fence; options are presentation."""
    positional, _ = tag.words()
    lang = positional[0] if positional else ""
    return _Out(_fence(lang, _lines(inner or "", doc, tag)), block=True)


def _mermaid(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """NexT's {% mermaid graph TD %}…{% endmermaid %}: a mermaid fence, the diagram type its first line."""
    return _Out(_fence("mermaid", [tag.args, *_lines(inner or "", doc, tag)]), block=True)


def _label_tag(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """NexT's {% label [class]@text %}: the text; the colour is presentation."""
    return _Out(tag.args.rpartition("@")[2].strip())


def _button(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """NexT's {% button url, text, [icon], [title] %}: a link."""
    parts = [part.strip() for part in tag.args.split(",")]
    if not parts[0]:
        return _left_out(doc, tag, None)
    text = parts[1] if len(parts) > 1 and parts[1] else parts[0]
    return _Out(_link(text, parts[0], parts[3] if len(parts) > 3 else ""))


def _blockquote(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """{% blockquote [author[, source]] [link] [link title] %}: a quote and its attribution line."""
    url = _URL.search(tag.args)
    if url:
        author, title = tag.args[: url.start()].strip(" ,"), tag.args[url.end() :].strip()
        source = _link(title or url.group(), url.group())
        attribution = f"{author} {source}" if author else source
    else:
        attribution = re.sub(r"\s*,\s*", ", ", tag.args)
    return _Out(_quote(_lines(inner or "", doc, tag), attribution), block=True)


_NOTE_CLASS = re.compile(r"default|primary|success|info|warning|danger|no-icon")


def _note(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """NexT's {% note [class] [no-icon] [summary] %}: a quote, the summary in bold on its first line;
    the box's colour is left to the quote."""
    words = [w for w, _ in tag.hexo_words()]
    while words and _NOTE_CLASS.fullmatch(words[0]):
        words.pop(0)
    return _Out(_quote(_headed(" ".join(words), _lines(inner or "", doc, tag))), block=True)


def _notice(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """Hugo's {{% notice type ["title"] %}}: a quote, the title in bold on its first line."""
    positional, named = tag.words()
    title = named.get("title") or " ".join(positional[1:])
    return _Out(_quote(_headed(title, _lines(inner or "", doc, tag))), block=True)


def _headed(title: str, lines: list[str]) -> list[str]:
    return [f"**{title}**", "", *lines] if title else lines


def _plain_quote(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """{% pullquote [class] %}, {% centerquote %}: a quote; the class is presentation."""
    return _Out(_quote(_lines(inner or "", doc, tag)), block=True)


def _raw(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    return _Out(inner or "")


def _comment(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """{% comment %}: never shown; kept in the source as an HTML comment when it can be one."""
    body = (inner or "").strip()
    if "--" in body or body.endswith("-") or body.startswith(">"):
        doc.note(tag, "left out (a comment, never shown)")
        return _Out()
    return _Out(f"<!-- {body} -->" if body else "")


def _image_tag(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """{% asset_img [class] name [width] [height] [title [alt]] %}, {% img [class] src … %}."""
    words = tag.hexo_words()
    at = next((i for i, (w, _) in enumerate(words) if re.search(r"[./]", w) and not re.fullmatch(r"[\d.]+", w)), None)
    if at is None:
        return _left_out(doc, tag, None)
    rest = [(w, quoted) for w, quoted in words[at + 1 :] if quoted or not re.fullmatch(r"\d+(px|%)?", w)]
    if len(rest) == 1 and rest[0][1] and rest[0][0].lstrip().startswith('"'):
        rest = _hexo_words(rest[0][0])  # Hexo's '"title text" "alt text"'
    if len(rest) == 2 and rest[0][1] and rest[1][1]:
        title, alt = rest[0][0], rest[1][0]
    else:
        title, alt = " ".join(w for w, _ in rest), ""
    return _Out(_image(words[at][0], alt or title, title if alt else ""))


def _asset_path(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    words = tag.hexo_words()
    return _Out(words[0][0]) if words else _left_out(doc, tag, None)


def _asset_link(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """{% asset_link name [title] [escape] %}."""
    words = [w for w, _ in tag.hexo_words()]
    if not words:
        return _left_out(doc, tag, None)
    title = " ".join(w for w in words[1:] if w not in ("true", "false"))
    return _Out(_link(title or words[0], words[0]))


def _link_tag(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """Hexo's {% link text url [external] [title] %}; Jekyll's {% link path %} is a path in the site."""
    url = _URL.search(tag.args)
    if url is None:
        return _site_path(doc, tag, inner)
    title = re.sub(r"^\s*(true|false)\b", "", tag.args[url.end() :]).strip()
    return _Out(_link(tag.args[: url.start()].strip() or url.group(), url.group(), title))


def _site_path(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """Jekyll's {% link _posts/2020-01-02-x.md %} (a post) or {% link about.md %} (a page or file)."""
    positional, _ = tag.words()
    if not positional:
        return _left_out(doc, tag, None)
    path = positional[0].lstrip("/")
    stem, ext = posixpath.splitext(path)
    if path.startswith("_posts/") or "/_posts/" in path:
        return _Out(_post_address(doc, tag, path))
    if ext in (".md", ".markdown", ".html"):
        url = "/" + (stem.removesuffix("index") if stem.endswith("index") else stem + "/")
    else:
        url = "/" + path
    if doc.post_address is None:  # the import checks every link of the posts it writes
        doc.note(tag, f"written as {url}: check it in the new site", what="link")
    return _Out(url)


def _post_link(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """{% post_link slug [title] [escape] %}: a link to that post; Hexo would have shown the post's
    title, the slug stands in for it."""
    words = [w for w, _ in tag.hexo_words()]
    if not words:
        return _left_out(doc, tag, None)
    title = " ".join(w for w in words[1:] if w not in ("true", "false"))
    return _Out(_link(title or words[0].rsplit("/", 1)[-1], _post_address(doc, tag, words[0])))


def _post_path(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """{% post_path slug %}, {% post_url 2020-01-02-slug %}, {{< ref "x.md#part" >}}: that post's address."""
    positional, named = tag.words()
    ref = named.get("path") or (positional[0] if positional else "")
    if not ref:
        return _left_out(doc, tag, None)
    path, _, anchor = ref.partition("#")
    if not path:
        return _Out(f"#{anchor}")
    return _Out(_post_address(doc, tag, path, f"#{anchor}" if anchor else ""))


def _post_address(doc: _Doc, tag: _Tag, name: str, anchor: str = "") -> str:
    """The address written for a post a tag names: the caller's (see migrate), else /posts/<name>/
    with a review item."""
    if doc.post_address is not None:
        return doc.post_address(tag.name, name) + anchor
    url = _post_url(name) + anchor
    check = "written as {}: check it in the new site" if tag.name == "link" else _CHECK_POST
    doc.note(tag, check.format(url), what="link")
    return url


_CHECK_POST = "points to {}: check it once that post is imported"


def _post_url(path: str) -> str:
    """A post named by its source path ('java/x', '_posts/2020-01-02-x.md', 'post/x/index.md') -> /posts/x/."""
    parts = [p for p in path.split("/") if p] or [path]
    name = parts[-1]
    if re.fullmatch(r"_?index(\.\w+)?", name) and len(parts) > 1:
        name = parts[-2]
    stem = re.sub(r"\.(md|markdown|html?)$", "", name)
    return POST_URL.format(_DATE_PREFIX.sub("", stem))


def _embed(address: Callable[[list[str], dict[str, str]], str | None]) -> Convert:
    """A video, fiddle or gist becomes a link to it, not an embed: the archive makes no third-party
    requests."""

    def convert(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
        url = address(*tag.words())
        return _Out(_autolink(url)) if url else _left_out(doc, tag, None)

    return convert


def _by_id(pattern: str) -> Callable[[list[str], dict[str, str]], str | None]:
    def address(positional: list[str], named: dict[str, str]) -> str | None:
        found = named.get("id") or (positional[0] if positional else "")
        return pattern.format(found) if found else None

    return address


def _user_and_id(pattern: str, without_user: str) -> Callable[[list[str], dict[str, str]], str | None]:
    """{{< gist user id >}}, {{< tweet user="x" id="1" >}}, and the old {{< tweet 1 >}}."""

    def address(positional: list[str], named: dict[str, str]) -> str | None:
        user = named.get("user") or (positional[0] if len(positional) > 1 else "")
        found = named.get("id") or (positional[1] if len(positional) > 1 else positional[0] if positional else "")
        if not found:
            return None
        return pattern.format(user, found) if user else without_user.format(found)

    return address


def _figure(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """{{< figure src= alt= title= caption= link= >}}: the image, and its caption in italics on the
    next line (the build's figure form)."""
    _, named = tag.words()
    if not named.get("src"):
        return _left_out(doc, tag, None)
    caption = " ".join(filter(None, (named.get("title", ""), named.get("caption", ""))))
    image = _image(named["src"], named.get("alt") or caption)
    if named.get("link"):
        image = f"[{image}]({_destination(named['link'])})"
    return _Out(f"{image}\n\n*{caption}*" if caption else image, block=True)


_SITE_ROOT = re.compile(r"site\.(baseurl|url)")
_URL_FILTER = re.compile(r"""(["'])(.*?)\1\s*\|\s*(relative_url|absolute_url|prepend:\s*site\.(?:baseurl|url))""")


def _kramdown(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """kramdown's {:toc} (a table of contents in place of the list above it) is left out, the build
    makes none; other attribute lists (classes, ids) are presentation and go."""
    if tag.args.strip() == "toc":
        doc.note(tag, "(a table of contents) left out")
        return _Out(replaces_list_item=True)
    return _Out()


def _drop_list_item_line(out: list[str]) -> None:
    """The one-item list line ('* 目录') just above, which kramdown's {:toc} replaces."""
    written = "".join(out)
    lines = written.split("\n")
    if len(lines) >= 2 and re.fullmatch(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+.*", lines[-2]) and not lines[-1].strip():
        out[:] = ["\n".join(lines[:-2] + [lines[-1]])]


def _output(doc: _Doc, tag: _Tag, inner: str | None) -> _Out:
    """Liquid's {{ site.baseurl }}/x -> /x (the archive's links are site-relative), {{ '/x' | relative_url }}
    -> /x; any other value is left out."""
    filtered = _URL_FILTER.fullmatch(tag.args)
    if filtered:
        return _Out(filtered.group(2))
    if _SITE_ROOT.fullmatch(tag.args):
        following = doc.src[tag.end : tag.end + 1]
        if following in ("/", "{"):
            return _Out("")
        if following in (")", '"', "'", ">", " ", "\n", ""):
            return _Out("/")
    return _left_out(doc, tag, None)


def _named(rule: _Rule, *names: str) -> dict[str, _Rule]:
    return dict.fromkeys(names, rule)


# Hexo tag plugins (and NexT's), Jekyll's Liquid tags: {% name args %}.
_LIQUID: dict[str, _Rule] = {
    **_named(_Rule(_codeblock, paired=True, verbatim=True, opaque=True), "codeblock", "code"),
    "highlight": _Rule(_highlight, paired=True, verbatim=True, opaque=True),
    "raw": _Rule(_raw, paired=True, verbatim=True, literal=True),
    "comment": _Rule(_comment, paired=True, verbatim=True, opaque=True),
    **_named(_Rule(_blockquote, paired=True), "blockquote", "quote"),
    "note": _Rule(_note, paired=True),
    **_named(_Rule(_plain_quote, paired=True), "pullquote", "centerquote", "cq"),
    **_named(_Rule(_image_tag), "asset_img", "asset_image", "img", "image"),
    "asset_path": _Rule(_asset_path),
    "asset_link": _Rule(_asset_link),
    "link": _Rule(_link_tag),
    "post_link": _Rule(_post_link),
    **_named(_Rule(_post_path), "post_path", "post_url"),
    "youtube": _Rule(_embed(_by_id("https://www.youtube.com/watch?v={}"))),
    "vimeo": _Rule(_embed(_by_id("https://vimeo.com/{}"))),
    "iframe": _Rule(_embed(_by_id("{}"))),
    "jsfiddle": _Rule(_embed(_by_id("https://jsfiddle.net/{}/"))),
    "gist": _Rule(_embed(_by_id("https://gist.github.com/{}"))),
    **_named(_Rule(_embed(_by_id("{}"))), "video", "pdf"),
    "label": _Rule(_label_tag),
    **_named(_Rule(_button), "button", "btn"),
    "mermaid": _Rule(_mermaid, paired=True, verbatim=True, opaque=True),
}
# Hugo's shortcodes: {{< name args >}}, {{% name args %}}.
_HUGO: dict[str, _Rule] = {
    "highlight": _Rule(_highlight, paired=True, verbatim=True, opaque=True),
    "figure": _Rule(_figure),
    **_named(_Rule(_post_path), "ref", "relref"),
    "youtube": _Rule(_embed(_by_id("https://www.youtube.com/watch?v={}"))),
    "vimeo": _Rule(_embed(_by_id("https://vimeo.com/{}"))),
    "instagram": _Rule(_embed(_by_id("https://www.instagram.com/p/{}/"))),
    "gist": _Rule(_embed(_user_and_id("https://gist.github.com/{}/{}", "https://gist.github.com/{}"))),
    **_named(
        _Rule(_embed(_user_and_id("https://twitter.com/{}/status/{}", "https://twitter.com/i/status/{}"))), "tweet", "x"
    ),
    "notice": _Rule(_notice, paired=True),
}


# --- images ------------------------------------------------------------------------------------------


class _Found(NamedTuple):
    at: int  # where the image is (a reference image: where it is used, not its definition)
    span: Span  # where its target is written
    target: str  # as written, without <>
    html: bool  # in <img src>


_DEFINITION = re.compile(r"^(?:[ \t]*>)*[ \t]{0,3}\[((?:[^\[\]\\]|\\.){1,999})\]:[ \t]*\n?[ \t]*(<[^<>\n]*>|\S+)", re.M)
_REFERENCE = re.compile(r"\[((?:[^\[\]\\]|\\.)*)\]")
_IMG_SRC = re.compile(r"""<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)
_INLINE_TARGET = re.compile(
    r"""\([ \t]*\n?[ \t]*(<(?:[^<>\n\\]|\\.)*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)"""
    r"""(?:[ \t]*\n?[ \t]*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?[ \t]*\n?[ \t]*\)"""
)


def _image_targets(text: str, blocks: _Blocks) -> list[_Found]:
    """Every image outside code: ![alt](target "title"), ![alt][ref] (the definition's target), <img src>."""
    definitions = _definitions(text, blocks)
    found: list[_Found] = []
    for first, last in blocks.inline_lines:
        found += _markdown_images(text, blocks, blocks.starts[first], blocks.starts[last], definitions)
    for m in _IMG_SRC.finditer(text):
        group = next(g for g in (1, 2, 3) if m.group(g) is not None)
        if not blocks.in_code(m.start()):
            found.append(_Found(m.start(), m.span(group), html.unescape(m.group(group)), True))
    return found


def _definitions(text: str, blocks: _Blocks) -> dict[str, re.Match[str]]:
    """Reference definitions outside code by label ([r]: target); the first definition of a label wins."""
    return {_label(m.group(1)): m for m in reversed(list(_DEFINITION.finditer(text))) if not blocks.in_code(m.start(1))}


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


def _markdown_images(
    text: str, blocks: _Blocks, start: int, end: int, definitions: Mapping[str, re.Match[str]]
) -> list[_Found]:
    found: list[_Found] = []
    pos = start
    while (at := text.find("![", pos, end)) >= 0:
        pos = at + 2
        if _escaped(text, start, at) or blocks.in_code(at):
            continue
        close = _bracket_end(text, blocks, at + 1, end)
        if close is None:
            continue
        inline = _INLINE_TARGET.match(text, close + 1, end)
        if inline is not None:
            target = inline.group(1)
            found.append(_Found(at, inline.span(1), target[1:-1] if target.startswith("<") else target, False))
            continue
        ref = _REFERENCE.match(text, close + 1, end)
        label = _label(ref.group(1) if ref and ref.group(1).strip() else text[at + 2 : close])
        if label in definitions:
            written = definitions[label]
            target = written.group(2)
            found.append(_Found(at, written.span(2), target[1:-1] if target.startswith("<") else target, False))
    return found


def _bracket_end(text: str, blocks: _Blocks, pos: int, end: int) -> int | None:
    """The ] closing the [ at pos: brackets nested, escaped ones and those in code skipped."""
    depth = 0
    i = pos
    while i < end:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "[]" and not blocks.in_code(i):
            depth += 1 if ch == "[" else -1
            if depth == 0:
                return i
        i += 1
    return None


# --- links -------------------------------------------------------------------------------------------


class _LinkAt(NamedTuple):
    whole: Span  # the link as written: [text](target), [text][label] or [text]; an <a>'s href attribute
    text: Span  # its text, inside the brackets
    target: Span  # where its target is written (a reference link's: in its definition)
    address: str  # the target as written, without <>
    html: bool  # an <a href> of raw HTML: made text by taking its href away


_FOOTNOTE = re.compile(r"^ {0,3}\[\^[^\]\n]+\]:(.*)$", re.M)
_A_HREF = re.compile(r"""<a\b[^>]*?(\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))""", re.I)


def links(markdown: str) -> list[tuple[str, bool]]:
    """(target as written, is raw HTML) of every link outside code, in order; images are not links."""
    return [(found.address, found.html) for found in _links_at(markdown, _Blocks.parse(markdown))]


def rewrite_links(markdown: str, new: Mapping[str, str | None]) -> str:
    """Link targets (as written) found in `new` replaced by their new address; a link whose new address is
    None becomes its text (the words stay, the link goes; an <a> loses its href). Never inside code, never
    an image."""
    edits: dict[Span, str] = {}
    for found in _links_at(markdown, _Blocks.parse(markdown)):
        if found.address not in new:
            continue
        address = new[found.address]
        if address is not None:
            edits[found.target] = html.escape(address) if found.html else _destination(address)
        else:
            edits[found.whole] = "" if found.html else markdown[found.text[0] : found.text[1]]
    out: list[str] = []
    at = 0
    for (start, end), text in sorted(edits.items()):
        if start >= at:
            out += [markdown[at:start], text]
            at = end
    return "".join(out) + markdown[at:]


def _links_at(text: str, blocks: _Blocks) -> list[_LinkAt]:
    """Every link outside code: [text](target), [text][label], [text][] and [text] of a defined label,
    <a href>."""
    definitions = _definitions(text, blocks)
    found: list[_LinkAt] = []
    for first, last in blocks.inline_lines:
        found += _markdown_links(text, blocks, blocks.starts[first], blocks.starts[last], definitions)
    for m in _FOOTNOTE.finditer(text):  # the build reads footnotes; the block parser here takes them for definitions
        if not blocks.in_code(m.start()):
            found += _markdown_links(text, blocks, m.start(1), m.end(1), definitions)
    for m in _A_HREF.finditer(text):
        group = next(g for g in (2, 3, 4) if m.group(g) is not None)
        if not blocks.in_code(m.start()):
            found.append(_LinkAt(m.span(1), m.span(1), m.span(group), html.unescape(m.group(group)), True))
    return sorted(found)


def _markdown_links(
    text: str, blocks: _Blocks, start: int, end: int, definitions: Mapping[str, re.Match[str]]
) -> list[_LinkAt]:
    found: list[_LinkAt] = []
    pos = start
    while (at := text.find("[", pos, end)) >= 0:
        pos = at + 1
        if _escaped(text, start, at) or blocks.in_code(at):
            continue
        close = _bracket_end(text, blocks, at, end)
        if close is None:
            continue
        if text[at - 1 : at] == "!" and at > start and not _escaped(text, start, at - 1):
            pos = close + 1  # an image: its text holds no link
            continue
        link = _link_at(text, at, close, end, definitions)
        if link is not None:
            found.append(link)
            pos = link.whole[1]
    return found


def _escaped(text: str, start: int, at: int) -> bool:
    """An odd run of backslashes just before at (counted from start)."""
    before = text[start:at]
    return (len(before) - len(before.rstrip("\\"))) % 2 == 1


def _link_at(text: str, at: int, close: int, end: int, definitions: Mapping[str, re.Match[str]]) -> _LinkAt | None:
    """The link whose text is the brackets at..close, if they start one: an inline target, or a defined label
    (full, collapsed or shortcut). A footnote reference ([^1]) is no link."""
    if text.startswith("[^", at):
        return None
    inline = _INLINE_TARGET.match(text, close + 1, end)
    if inline is not None:
        target = inline.group(1)
        address = target[1:-1] if target.startswith("<") else target
        return _LinkAt((at, inline.end()), (at + 1, close), inline.span(1), address, False)
    ref = _REFERENCE.match(text, close + 1, end)
    label = _label(ref.group(1) if ref and ref.group(1).strip() else text[at + 1 : close])
    written = definitions.get(label)
    if written is None:
        return None
    target = written.group(2)
    address = target[1:-1] if target.startswith("<") else target
    return _LinkAt((at, ref.end() if ref else close + 1), (at + 1, close), written.span(2), address, False)


# --- tidy --------------------------------------------------------------------------------------------


_QUOTE_BLANK = re.compile(r"[ \t]*(?:>[ \t]*)+")
_EMPTY_ITEM = re.compile(r"[ \t>]*(?:[-*+]|\d{1,9}[.)])[ \t]*")
_QUOTE_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?)*")


def _inside_same_quote(previous: str, blank: str) -> bool:
    """A blank quote line after a line of text in a quote as deep: it adds nothing to that quote."""
    prefix = _QUOTE_PREFIX.match(previous)
    assert prefix is not None  # the pattern matches the empty string
    return previous[prefix.end() :].strip() != "" and prefix.group().count(">") == blank.count(">") > 0


def _tidy(text: str, blocks: _Blocks) -> str:
    """Whitespace that renders as nothing goes: spaces on blank lines, runs of blank lines (and of
    blank quote lines), a blank quote line before a blank line, trailing spaces before a blank line,
    a single trailing space (a hard break needs two). Lines of code and HTML blocks stay as they are."""
    lines = text.split("\n")
    out: list[tuple[str, bool]] = []  # a line, and whether it is kept as it is
    for i, line in enumerate(lines):
        if i in blocks.kept_lines:
            out.append((line, True))
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if _QUOTE_BLANK.fullmatch(line) and not blocks.is_text(i):
            if following.rstrip(" \t") == line.rstrip(" \t") and i + 1 not in blocks.kept_lines:
                continue  # the next line is the same blank quote line
            ends_quote = not following.strip(" \t") and bool(out) and _inside_same_quote(out[-1][0], line)
            line = "" if ends_quote else line.rstrip(" \t")
        elif blocks.in_code(blocks.starts[i] + len(line.rstrip(" \t"))) or line.rstrip(" \t").endswith("\\"):
            pass  # the spaces end a line of a code span that goes on, or keep a backslash from breaking the line
        elif not following.strip(" \t"):
            line = line.rstrip(" \t")
        elif line.endswith(" ") and not line.endswith("  "):
            line = line[:-1]
        if not line.strip(" \t"):
            if out and out[-1] == ("", False) and not (len(out) > 1 and _EMPTY_ITEM.fullmatch(out[-2][0])):
                continue  # one blank line says as much as several (but after an empty list item they end the list)
            line = ""
        out.append((line, False))
    while out and out[0] == ("", False):
        out.pop(0)
    while out and out[-1] == ("", False):
        out.pop()
    return "".join(line + "\n" for line, _ in out)
