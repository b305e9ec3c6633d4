"""What a converted post lacks of its source: the importer's guard against losing text silently.

Both sides are Markdown: the source as its author wrote it (after the front matter), with its
generator's template tags ({% codeblock %}, {% asset_img %}, {{< figure >}} ...) read as the
code and images they stand for, and the post the importer made of it. Each is scanned once, line
by line, into a Shape (code lines, tables, images, links, prose, Han characters outside code),
and the two shapes are compared. No Markdown parser: the importer calls this for every post, and a
line scan costs a fraction of a parse. The scan follows CommonMark where it matters for counting
(fences, indented code beside lists, tables, reference links) and no further.
"""

from __future__ import annotations

import functools
import html
import posixpath
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from sitegen import messages
from sitegen.messages import EN


@dataclass(frozen=True)
class Loss:
    """What the post lacks: the share of the source's Han text, and one review item per thing missing.

    missing_han is left to the caller to judge (the importer counts posts above 2 %); a missing
    paragraph shows as an item whatever its script.
    """

    missing_han: float  # share (0..1) of the source's Han characters outside code that the post lacks
    review: tuple[str, ...]  # "missing code lines 2 of 14", "missing table 2 of 3", "missing image a.png" ...


# The template tags of Hexo and Jekyll ({% name args %}) and Hugo ({{< name args >}}, {{% name args %}}).
TAG = re.compile(r"\{%-?\s*(/?\w+)([^\x01\n]*?)-?%\}|\{\{([<%])\s*(/?\w+)([^\x01\n]*?)[>%]\}\}")
# Tags that wrap code: opened on a line of their own, closed by end<name> ({% %}) or /<name> ({{< >}}).
CODE_TAGS = frozenset({"codeblock", "code", "highlight", "include_code"})
# Liquid's raw/endraw: Jekyll removes them everywhere, inside code blocks too.
RAW_TAG = re.compile(r"\{%-?\s*(?:raw|endraw)\s*-?%\}")
IMAGE_TAGS = frozenset({"asset_img", "img", "image", "figure", "asset_image"})
LINK_TAGS = frozenset({"post_link", "post_path", "post_url", "asset_link", "link", "ref", "relref"})
SRC_ARG = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,9}[.)])(\s+|$)")
HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+.*)?$")
QUOTE = re.compile(r"^ {0,3}(> ?)+")
LIST_MARKS = frozenset("-*+0123456789")
PRE_OPEN = re.compile(r"^ {0,3}<pre[\s>]", re.IGNORECASE)
TABLE_OPEN = re.compile(r"^ {0,3}<table[\s>]", re.IGNORECASE)
# Prose is read in one string, its blocks parted by \x01: no pattern below crosses one.
INLINE_CODE = re.compile(r"(`+)([^\x01]+?)\1")
CODE_REF = re.compile(r"\x02(\d+)\x02")  # inline code set aside while the prose is read
CODE_PIECE = re.compile(r"\x03[^\x03]*\x03")  # inline code put back: a piece of text, not Han outside code
IMAGE = re.compile(r"!\[([^\]\x01]*)\]\(\s*<?([^)\s>\x01]*)>?(?:\s+[^)\x01]*)?\)|!\[([^\]\x01]*)\]\[([^\]\x01]*)\]")
LINK = re.compile(
    r"\[([^\]\x01]*)\]\(\s*<?([^)\s>\x01]*)>?(?:\s+[^)\x01]*)?\)|\[([^\]\x01]+)\]\[([^\]\x01]*)\]"
    r"|<((?:https?|ftp|mailto):[^>\s\x01]+)>"
)
HTML_IMG = re.compile(r"<img\b[^>\x01]*?\bsrc\s*=\s*[\"']?([^\"'\s>\x01]+)", re.IGNORECASE)
HTML_LINK = re.compile(r"<a\b[^>\x01]*?\bhref\s*=\s*[\"']?([^\"'\s>\x01]+)", re.IGNORECASE)
HTML_TAG = re.compile(r"</?[A-Za-z][^>\x01]*>")
COMMENT = re.compile(r"<!--.*?-->")
NOT_WORD = re.compile(r"[\W_]+")
NOT_PROSE_WORD = re.compile(r"[^\w\x00\x01]+|_+")  # NOT_WORD but the marks that part blocks and pieces
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


@dataclass
class Shape:
    """What one side holds, as the comparison needs it."""

    code: Counter[str] = field(default_factory=Counter)  # each code line, stripped (indentation moves with lists)
    tables: list[str] = field(default_factory=list)  # each table's header, normalised
    images: list[str] = field(default_factory=list)  # each image's target, as written
    links: list[str] = field(default_factory=list)  # each link's target, as written
    units: list[list[str]] = field(default_factory=list)  # each paragraph, heading or list item: its pieces
    han: Counter[str] = field(default_factory=Counter)  # Han characters outside code
    text: list[str] = field(default_factory=list)  # every normalised piece, in order (joined to look pieces up)


def compare(source_body: str, post_body: str) -> Loss:
    """The source's code lines, tables, images, links and paragraphs the post lacks, and its share of Han text."""
    source, post = scan(source_body), scan(post_body)
    tables = _unmatched(source.tables, post.tables, _table)
    images = _unmatched(source.images, post.images, _file_name)
    links = _unmatched(source.links, post.links, _site_link)
    review = [
        *_code_loss(source.code, post.code),
        *(messages.translated(f"missing table {i + 1} of {len(source.tables)}", EN) for i in tables),
        *(messages.translated(f"missing image {_short(source.images[i])}", EN) for i in images),
        *(messages.translated(f"missing link {_short(source.links[i])}", EN) for i in links),
        *_paragraph_loss(source.units, "".join(post.text)),
    ]
    return Loss(_missing_share(source.han, post.han), tuple(review))


# Review items are kept in English, as above: the import's --report shows them as stable codes, and sitegen's
# checks read "date" and "title". Each is made with messages.translated(..., EN), which leaves it as it is and
# marks it for the catalogue; worded() gives it in the reader's language when it goes into a story. Each opens
# with words and ends with a value (in its translation too): the catalogue matches finished text, so in a list
# of items (check's "needs review: a, b") the first is translated and the rest, caught by its last value, is
# shown as written, never taken apart. None holds ': ', which would make it a mapping in hand-written YAML.


# The one-word items the importers write ("date": none was found), as a sentence for the catalogue to translate.
SPELLED = {
    "date": "date: not found in the source, check it",
    "title": "title: not found in the source, check it",
}


LOST = "missing "  # what every item compare() makes opens with


def worded(review: tuple[str, ...], lang: str | None = None) -> tuple[str, ...]:
    """A story's review items as its front matter holds them: in the language sitegen speaks (Chinese unless
    LANG=en or messages_language), from the catalogue. Only the items made here and the one-word ones are
    translated: another importer's item is kept whole in English, never half-translated by the catalogue's
    other entries."""
    if (lang or messages.current()) == EN:
        return tuple(dict.fromkeys(review))
    return tuple(dict.fromkeys(_worded(item, lang) for item in review))


def _worded(item: str, lang: str | None) -> str:
    if item in SPELLED:
        return messages.translated(SPELLED[item], lang)
    return messages.translated(item, lang) if item.startswith(LOST) else item


def _code_loss(source: Counter[str], post: Counter[str]) -> list[str]:
    missing = (source - post).total()
    return [messages.translated(f"missing code lines {missing} of {source.total()}", EN)] if missing else []


Key = tuple[str, str]  # a kind of target (spares pair within a kind) and what identifies it


def _unmatched(source: list[str], post: list[str], key: Callable[[str], Key]) -> list[int]:
    """The places of the source's targets that the post lacks. Each is matched by its key (an image by its
    file name, a link by its address, a table by its header), then what is left is paired with the post's
    unmatched targets of the same kind: an image renamed when copied into the site, a link to another post
    rewritten to its new address, a table whose header was retyped."""
    spare = Counter(map(key, post))
    unmatched = []
    for i, target in enumerate(source):
        k = key(target)
        if spare[k] > 0:
            spare[k] -= 1
        else:
            unmatched.append((i, k[0]))
    by_kind = Counter(kind for (kind, _), n in spare.items() for _ in range(max(n, 0)))
    missing = []
    for i, kind in unmatched:
        if by_kind[kind] > 0:
            by_kind[kind] -= 1
        else:
            missing.append(i)
    return missing


def _table(header: str) -> Key:
    return "table", header


def _file_name(target: str) -> Key:
    """An image by its file name: the importer copies local images into the site under new folders."""
    return ("remote" if _remote(target) else "local"), posixpath.basename(unquote(urlsplit(target).path))


def _site_link(target: str) -> Key:
    """A link by its address; the site's own links (relative, site paths, tags to other posts) may be rewritten."""
    return ("remote" if _remote(target) or target.startswith("mailto:") else "local"), target


def _remote(target: str) -> bool:
    return target.startswith(("http://", "https://", "//", "ftp://"))


def _short(target: str, limit: int = 100) -> str:
    return target if len(target) <= limit else target[: limit - 1] + "…"


def _paragraph_loss(units: list[list[str]], post_text: str) -> list[str]:
    """A paragraph is kept when each of its pieces of text is found in the post (spacing, punctuation and
    Markdown markup aside); pieces are split where a link, tag or HTML element was, which conversion changes."""
    missing = sum(1 for pieces in units if any(p not in post_text for p in pieces))
    return [messages.translated(f"missing paragraphs {missing}", EN)] if missing else []


def _missing_share(source: Counter[str], post: Counter[str]) -> float:
    total = source.total()
    return (source - post).total() / total if total else 0.0


def normal(text: str) -> str:
    """Words only, to find text again after typography and markup changed: NFKC, casefolded, no
    spaces, punctuation or underscores (Han characters, letters and digits are word characters)."""
    return NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


class _Scan:
    """One pass over a text's lines: each line is code, part of a table, or prose."""

    def __init__(self, text: str) -> None:
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.shape = Shape()
        self.refs = self._references()
        self.unit: list[str] | None = None  # the lines of the paragraph being read
        self.prose: list[tuple[str, bool]] = []  # text outside code blocks, and whether it is a paragraph
        self.in_list = 0  # content column of the list being read, 0 outside lists
        self.in_comment = False

    def _references(self) -> dict[str, str]:
        """[label]: target definitions, for reference links and images (labels are case-insensitive)."""
        refs: dict[str, str] = {}
        for line in self.lines:
            if "]:" in line:
                found = REF_DEF.match(line)
                if found:
                    refs.setdefault(found[1].strip().casefold(), found[2])
        return refs

    def run(self) -> Shape:
        i, blank_before = 0, True
        lines = self.lines
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                self._end_unit()
                i, blank_before = i + 1, True
                continue
            step = self._block(i, line, blank_before)
            if step:
                self._end_unit()
                if _indent(line) < self.in_list:
                    self.in_list = 0
                i, blank_before = i + step, False
                continue
            self._prose(line, lines[i + 1] if i + 1 < len(lines) else "")
            i, blank_before = i + 1, False
        self._end_unit()
        self._words()
        return self.shape

    def _block(self, i: int, line: str, blank_before: bool) -> int:
        """A code block or table starting at line i: the number of lines it takes, or 0."""
        if self.in_comment:
            return 0
        stripped = line.lstrip()
        indent = _indent(line)
        if stripped[:1] in "`~" and indent <= self.in_list + 3 and (fence := FENCE.match(line)):
            return self._fenced(i, fence)
        if stripped.startswith(("{%", "{{")) and (tag := _code_tag(stripped)):
            return self._tagged(i, tag)
        if indent >= 4 and blank_before and self.unit is None and indent >= self.in_list + 4:
            return self._indented(i)
        if stripped[:1] == "<":
            if PRE_OPEN.match(line):
                return self._html_block(i, "</pre>", code=True)
            if TABLE_OPEN.match(line):
                return self._html_block(i, "</table>", code=False)
        following = self.lines[i + 1] if i + 1 < len(self.lines) else ""
        if "|" in line and "|" in following and TABLE_RULE.match(following):
            return self._table(i)
        return 0

    def _fenced(self, i: int, fence: re.Match[str]) -> int:
        marks = fence[2]
        if marks[0] == "`" and "`" in fence[3]:
            return 0  # an info string with a backtick: inline code, not a fence
        return self._code_until(i, re.compile(rf"^\s*{re.escape(marks[0])}{{{len(marks)},}}\s*$"))

    def _tagged(self, i: int, name: str) -> int:
        return self._code_until(i, re.compile(rf"\{{%-?\s*end{name}\s*-?%\}}|\{{\{{[<%]\s*/\s*{name}\s*[>%]\}}\}}"))

    def _code_until(self, i: int, end: re.Pattern[str]) -> int:
        """The lines after line i are code up to the line end is found in (or the text's end)."""
        j = i + 1
        while j < len(self.lines) and not end.search(self.lines[j]):
            self._code_line(self.lines[j])
            j += 1
        return j + 1 - i

    def _indented(self, i: int) -> int:
        j, last = i, i
        while j < len(self.lines) and (not self.lines[j].strip() or _indent(self.lines[j]) >= 4):
            if self.lines[j].strip():
                self._code_line(self.lines[j])
                last = j
            j += 1
        return last + 1 - i

    def _html_block(self, i: int, closing: str, code: bool) -> int:
        j = i
        rows = []
        while j < len(self.lines):
            rows.append(self.lines[j])
            if closing in self.lines[j].lower():
                break
            j += 1
        if code:
            for row in html.unescape(HTML_TAG.sub("", "\n".join(rows))).split("\n"):
                self._code_line(row)
        else:
            block = "\n".join(rows)
            first_row = re.search(r"<tr\b.*?</tr>", block, re.IGNORECASE | re.DOTALL)
            self.shape.tables.append(normal(html.unescape(HTML_TAG.sub(" ", first_row[0] if first_row else block))))
            self.prose.append((block, False))
        return j + 1 - i

    def _table(self, i: int) -> int:
        self.shape.tables.append(normal(self.lines[i]))
        j = i + 2
        while j < len(self.lines) and self.lines[j].strip() and "|" in self.lines[j]:
            j += 1
        self.prose.append(("\n".join(self.lines[i:j]), False))
        return j - i

    def _code_line(self, line: str) -> None:
        text = RAW_TAG.sub("", line).strip() if "{%" in line else line.strip()
        if text:
            self.shape.code[text] += 1

    def _prose(self, line: str, following: str) -> None:
        """A line of running text: a heading or list item starts a unit of its own."""
        if self.in_comment:
            end = line.find("-->")
            if end < 0:
                return
            self.in_comment, line = False, line[end + 3 :]
        if "<!--" in line:
            line = COMMENT.sub("", line)
            start = line.find("<!--")
            if start >= 0:
                self.in_comment, line = True, line[:start]
        if "]:" in line and REF_DEF.match(line):
            return
        item = LIST_ITEM.match(line) if line.lstrip()[:1] in LIST_MARKS else None
        if item:
            self.in_list = len(item[0]) if item[3] else len(item[0]) + 1
            self._end_unit()
            line = line[item.end() :]
        elif self.unit is None and _indent(line) < self.in_list:
            self.in_list = 0
        if ">" in line[:4]:
            line = QUOTE.sub("", line)
        if _heading(line, following, item is not None):
            self._end_unit()
            self.unit = [line]
            self._end_unit()
        elif self.unit is None:
            self.unit = [line]
        elif not SETEXT.match(line):  # not the underline of a heading just read
            self.unit.append(line)

    def _end_unit(self) -> None:
        if self.unit:
            self.prose.append(("\n".join(self.unit), True))
        self.unit = None

    def _words(self) -> None:
        """Images, links, pieces of text and Han characters of the prose, all of it at once (the patterns
        stop at the \x01 that parts blocks); inline code is a piece of text, but its Han characters are code."""
        shape = self.shape
        text = "\x01".join(block for block, _ in self.prose)
        code: list[str] = []
        if "`" in text:
            text = INLINE_CODE.sub(functools.partial(_set_aside, code), text)
        if "{" in text:
            text = TAG.sub(self._tag, text)
        if "![" in text:
            text = IMAGE.sub(self._image, text)
        if "[" in text or "<" in text:
            text = LINK.sub(self._link, text)
        if "<" in text:
            shape.images += HTML_IMG.findall(text)
            shape.links += HTML_LINK.findall(text)
            text = HTML_TAG.sub("\0", text)
        if "&" in text:
            text = html.unescape(text)
        if code:
            text = CODE_REF.sub(lambda m: f"\x03{code[int(m[1])]}\x03", text)
        shape.han.update(HAN.findall(CODE_PIECE.sub("", text) if code else text))
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        words = NOT_PROSE_WORD.sub("", text.replace("\x03", "\0").casefold())
        for (_, paragraph), block in zip(self.prose, words.split("\x01"), strict=True):
            pieces = [p for p in block.split("\0") if p]
            shape.text += pieces
            if paragraph and pieces:
                shape.units.append(pieces)

    def _tag(self, match: re.Match[str]) -> str:
        name = (match[1] or match[4] or "").lstrip("/")
        args = (match[2] or match[5] or "").strip()
        if name in IMAGE_TAGS:
            src = SRC_ARG.search(args)
            target = next((g for g in src.groups() if g), "") if src else _first_path(args)
            if target:
                self.shape.images.append(target)
        elif name in LINK_TAGS and args:
            self.shape.links.append(args.split()[0].strip("\"'"))
        return "\0" + "".join(HAN.findall(args)) + "\0"

    def _image(self, match: re.Match[str]) -> str:
        target = match[2] if match[2] is not None else self.refs.get((match[4] or match[3]).strip().casefold(), "")
        if target:
            self.shape.images.append(target)
        return "\0" + (match[1] if match[1] is not None else match[3]) + "\0"

    def _link(self, match: re.Match[str]) -> str:
        if match[5]:
            self.shape.links.append(match[5])
            return "\0" + match[5] + "\0"
        if match[2] is not None:
            if match[2] and "\0" not in match[2]:  # a target that is itself a template tag, read already
                self.shape.links.append(match[2])
            return "\0" + match[1] + "\0"
        target = self.refs.get((match[4] or match[3]).strip().casefold())
        if target is None:
            return match[0]  # brackets in running text, not a link
        self.shape.links.append(target)
        return "\0" + match[3] + "\0"


def scan(text: str) -> Shape:
    """The shape of a Markdown text (see Shape)."""
    return _Scan(text).run()


def _code_tag(line: str) -> str | None:
    """The name of a template tag that opens a code block on this line ({% codeblock %}, {{< highlight >}})."""
    found = TAG.match(line)
    if found is None or found.end() != len(line.rstrip()):
        return None
    name = found[1] or found[4]
    return name if name in CODE_TAGS else None


def _heading(line: str, following: str, item: bool) -> bool:
    """An ATX heading, or a line a setext underline (=== or ---) makes one."""
    if line[:4].lstrip()[:1] == "#" and HEADING.match(line):
        return True
    return not item and following[:4].lstrip()[:1] in ("=", "-") and SETEXT.match(following) is not None


def _first_path(args: str) -> str:
    """{% asset_img [class] name.png [title] %} and {% img [class] /url [w h] %}: the first word that is a file."""
    for word in args.split():
        word = word.strip("\"'")
        if "." in word or "/" in word:
            return word
    return ""


def _indent(line: str) -> int:
    if line[:1] not in " \t":
        return 0
    return len(line.expandtabs(4)) - len(line.lstrip())


def _set_aside(code: list[str], match: re.Match[str]) -> str:
    """Inline code out of the prose while links and tags are read: `[x](y)` in code is no link."""
    code.append(match[2])
    return f"\x02{len(code) - 1}\x02"
