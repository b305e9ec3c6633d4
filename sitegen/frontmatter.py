"""Front matter: read every common Hexo/Jekyll/Hugo spelling, validate with line numbers, write one form.

Dates stay strings while YAML is parsed (the timestamp resolver is removed), so that
`2022-01-11 09:16:55 +0800` or `Sun, 29 May 2022 04:15:55 GMT` reach our own parser and
a bad date is reported at its line instead of silently becoming something else.

A post is untrusted text: whatever it holds ends in an error at its line, never a hang or a
traceback. YAML aliases are refused (an alias bomb would take exponential time to flatten),
numbers and nesting are bounded, a key given twice is an error, control characters are refused
(feeds must stay well-formed XML), links must be http(s) or paths on the site (a `javascript:`
link would run in the reader's browser), and term names are NFC with zero-width characters
removed, so that text that looks the same is one term.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from frontmatter.default_handlers import YAMLHandler
from yaml.constructor import ConstructorError, SafeConstructor

from sitegen import codec
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.slugs import RESERVED, term_name

CHINA = timezone(timedelta(hours=8))
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 200  # bytes: a slug names a folder in output/, and most file systems allow 255
MAX_NUMBER = 64  # characters of a YAML number: a longer one is text that was meant to be quoted
MAX_DEPTH = 16  # lists and mappings inside each other; the contract needs four
# C0 and C1 controls but tab and line breaks, lone surrogates, and the two non-characters XML 1.0 forbids
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")  # what browsers skip in a link's scheme, and more
TERMS = ("categories", "tags", "regions", "source")  # what browse pages are made of


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader (libyaml's when there is one: ten times faster) that leaves timestamps as strings.

    Any value YAML cannot make (an explicit !!float of text, say) is an error at its line.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as err:
            raise ConstructorError(None, None, str(err), node.start_mark) from None


class _Dumper(yaml.SafeDumper):  # type: ignore[misc]
    """SafeDumper that writes ISO dates unquoted (they read back as strings through _Loader)."""


for _cls in (_Loader, _Dumper):
    _cls.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _bounded(construct: Any) -> Any:
    """A number constructor that refuses numbers of more than MAX_NUMBER characters: Python refuses to
    read an int of more than 4,300 digits, and no field of the contract is a number that long."""

    def checked(loader: _Loader, node: yaml.ScalarNode) -> Any:
        if len(node.value) > MAX_NUMBER:
            problem = f"a number of {len(node.value)} characters (at most {MAX_NUMBER}); if it is text, quote it"
            raise ConstructorError(None, None, problem, node.start_mark)
        return construct(loader, node)

    return checked


_Loader.add_constructor("tag:yaml.org,2002:int", _bounded(SafeConstructor.construct_yaml_int))
_Loader.add_constructor("tag:yaml.org,2002:float", _bounded(SafeConstructor.construct_yaml_float))
_Loader.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)  # !!timestamp too


@dataclass(frozen=True)
class Copy:
    """Another site's copy of the story: found to be the same text at import, kept as a further source."""

    source: str | None = None
    via: str | None = None
    source_url: str | None = None
    original_url: str | None = None
    fingerprint: str | None = None


COPY_KEYS = tuple(f.name for f in fields(Copy))


@dataclass(frozen=True)
class Correction:
    """A published correction (更正): the day or time it was made, and what it says was wrong. A news
    site corrects in the open: the note stays on the story, in its feed entry and on the 更正 page."""

    date: dt.date
    text: str


CORRECTION_KEYS = tuple(f.name for f in fields(Correction))
codec.register(Correction)  # kept in the build cache as a field of Meta (posts.py registers the others)


@dataclass(frozen=True)
class Meta:
    """The front matter contract of DESIGN.md, in the order it is written."""

    title: str
    subtitle: str | None = None
    date: dt.date | None = None
    updated: dt.date | None = None
    authors: tuple[str, ...] = ()
    editor: str | None = None
    source: str | None = None
    via: str | None = None
    source_url: str | None = None
    original_url: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    summary: str | None = None
    slug: str | None = None
    aliases: tuple[str, ...] = ()
    draft: bool = False
    review: tuple[str, ...] = ()
    fingerprint: str | None = None
    copies: tuple[Copy, ...] = ()
    corrections: tuple[Correction, ...] = ()


# Other generators' spellings, read as ours.
ALIASES = {
    "author": "authors",
    "lastmod": "updated",
    "modified": "updated",
    "description": "summary",
    "category": "categories",
    "tag": "tags",
    "region": "regions",
    "image": "images",
    "published": None,  # Jekyll: published: false means draft
}
KNOWN = {f.name for f in fields(Meta)}


@dataclass(frozen=True)
class Document:
    """A text file split into its parsed front matter and its body."""

    data: dict[str, Any]
    lines: dict[str, int]
    body: str
    start_line: int
    body_line: int
    dialect: str = "yaml"  # how the source wrote it: yaml, yaml-open (Hexo's, no opening ---), toml, json


# The front matter forms other generators write, told by their first line (after a BOM and blank lines).
_YAML_BLOCK = re.compile(r"---[ \t]*\n(?:.*\n)*?[ \t]*[\w-]+[ \t]*:.*\n(?:.*\n)*?---[ \t]*(?:\n|$)")
_TOML_BLOCK = re.compile(r"\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*(?:\n|$)", re.DOTALL)
_OPEN_KEY = re.compile(r"[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)")
_OPEN_LINE = re.compile(r"(?:[A-Za-z_][\w-]*[ \t]*:.*|[ \t]+.*|-.*|[ \t]*)")
_CLOSE = re.compile(r"---[ \t]*")
_WANTED = re.compile(r"^(?:title|date)[ \t]*:", re.MULTILINE)
OPEN_HEAD_LINES = 200  # lines of key: value Hexo's open form may have before its ---


def dialect(text: str) -> str | None:
    """Which front matter a text opens with (see Document.dialect), or None; cheap, for telling a post
    from other text before parsing it. A BOM, CRLF line ends and leading blank lines are allowed."""
    head = text[:65536].lstrip("\ufeff").replace("\r\n", "\n").lstrip("\n \t")
    if head.startswith("---"):
        return "yaml" if _YAML_BLOCK.match(head) else None
    if head.startswith("+++"):
        return "toml" if _TOML_BLOCK.match(head) else None
    if head.startswith("{"):
        return "json" if _json_head(head) is not None else None
    return "yaml-open" if _open_head(head) is not None else None


def _open_head(text: str) -> str | None:
    """Hexo's front matter without its opening ---: key: value lines (lists, indented lines) up to a ---
    line, among them a title or a date; the YAML text, or None."""
    lines = text.split("\n", OPEN_HEAD_LINES + 1)
    if not _OPEN_KEY.match(lines[0]):
        return None
    for n, line in enumerate(lines[:OPEN_HEAD_LINES]):
        if _CLOSE.fullmatch(line):
            head = "\n".join(lines[:n]) + "\n"
            return head if _WANTED.search(head) else None
        if not _OPEN_LINE.fullmatch(line):
            return None
    return None


def _json_head(text: str) -> tuple[dict[str, Any], int] | None:
    """A JSON object at the start of text (Hugo's JSON front matter) holding a title or a date, and
    where it ends; None for anything else (a JSON data file has no title)."""
    try:
        data, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not ({"title", "date"} & set(data)):
        return None
    return data, end


def split_source(text: str, path: Path) -> Document:
    """A post as another generator wrote it: YAML, Hexo's YAML without the opening ---, TOML (+++) or
    JSON front matter, with a BOM and CRLF line ends or not. The body comes back with LF line ends;
    line numbers count from the text's first line, as an editor shows them."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    stripped = text.lstrip("\n \t")
    skipped = text[: len(text) - len(stripped)].count("\n")
    found = dialect(stripped)
    if found == "toml":
        return _split_toml(stripped, path, skipped)
    if found == "json":
        return _split_json(stripped, path, skipped)
    if found == "yaml-open":
        doc = split("---\n" + stripped, path)
        shift = skipped - 1  # the --- added above is not a line of the file
        return Document(
            doc.data,
            {key: line + shift for key, line in doc.lines.items()},
            doc.body,
            skipped + 1,
            doc.body_line + shift,
            "yaml-open",
        )
    return split(text, path)


def _split_toml(text: str, path: Path, skipped: int) -> Document:
    block = _TOML_BLOCK.match(text)
    assert block is not None  # dialect() said so
    raw = block.group(1) or ""
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as err:
        at = re.search(r"line (\d+)", str(err))
        line = skipped + 1 + (int(at.group(1)) if at else 0)
        raise SitegenError(f"broken TOML: {str(err).split(' (at ')[0]}", path, line) from None
    lines = _key_lines(raw, r"^[ \t]*[\"']?({key})[\"']?[ \t]*=", data, skipped + 2)
    return _document(data, lines, text, block.end(), skipped, "toml")


def _split_json(text: str, path: Path, skipped: int) -> Document:
    found = _json_head(text)
    assert found is not None  # dialect() said so
    data, end = found
    lines = _key_lines(text[:end], r"\"({key})\"[ \t]*:", data, skipped + 1)
    return _document(data, lines, text, end, skipped, "json")


def _key_lines(raw: str, pattern: str, data: dict[str, Any], first: int) -> dict[str, int]:
    """The line each top-level key is written on, for messages."""
    lines: dict[str, int] = {}
    for key in data:
        at = re.search(pattern.format(key=re.escape(str(key))), raw, re.MULTILINE)
        lines[str(key)] = first + (raw.count("\n", 0, at.start()) if at else 0)
    return lines


def _document(data: dict[str, Any], lines: dict[str, int], text: str, end: int, skipped: int, kind: str) -> Document:
    body = text[end:].lstrip("\n")
    body_line = skipped + text.count("\n", 0, len(text) - len(body)) + 1
    return Document({str(k): v for k, v in data.items()}, lines, body, skipped + 1, body_line, kind)


def split(text: str, path: Path) -> Document:
    """Parse the YAML block at the top of a post; report syntax errors at their line."""
    stripped = text.lstrip("\ufeff\r\n \t")
    skipped = text[: len(text) - len(stripped)].count("\n")
    handler = YAMLHandler()
    if not handler.detect(stripped):
        raise SitegenError(
            "no front matter: a post starts with a '---' line, YAML keys, and another '---' line",
            path,
            skipped + 1,
            hint="---\ntitle: 标题\ndate: 2024-01-01T09:00:00+08:00\n---",
        )
    try:
        raw_fm, body = handler.split(stripped)
    except ValueError:
        raise SitegenError("front matter is not closed by a '---' line", path, skipped + 1) from None
    first = skipped + 1  # the YAML text starts with the newline that ends the opening ---
    try:
        loader = _Loader(raw_fm)
        try:
            node = loader.get_single_node()
            if node is not None:
                _check_nodes(node, raw_fm, first, path)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except UnicodeEncodeError as err:  # a lone surrogate, from text not read from a file as UTF-8
        line = first + raw_fm.count("\n", 0, err.start)
        raise SitegenError(f"not Unicode text: {err.reason} (U+{ord(raw_fm[err.start]):04X})", path, line) from None
    except yaml.reader.ReaderError as err:  # its position counts bytes or characters, by parser: found again
        at = max(raw_fm.find(chr(err.character)), 0) if isinstance(err.character, int) else 0
        line = first + raw_fm.count("\n", 0, at)
        raise SitegenError(f"control character U+{err.character:04X} in the front matter", path, line) from None
    except yaml.MarkedYAMLError as err:
        explained = _explained(raw_fm, first, path)
        if explained is not None:
            raise explained from None
        mark = err.context_mark or err.problem_mark  # where the broken construct began
        last = max((i for i, text in enumerate(raw_fm.split("\n")) if text.strip()), default=0)
        line = first + min(mark.line, last) if mark else first  # errors at end of stream belong to the last line
        problem = err.problem if isinstance(err, ConstructorError) else f"broken YAML: {err.problem or err}"
        raise SitegenError(problem or str(err), path, line) from None
    if data is None:
        data, node = {}, None
    if not isinstance(data, dict):
        explained = _explained(raw_fm, first, path)
        raise explained or SitegenError("front matter must be a mapping of keys to values", path, first)
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = first + key_node.start_mark.line
    stripped_body = body.lstrip("\n")
    body_line = text.count("\n", 0, len(text) - len(stripped_body)) + 1  # the body is a suffix of text
    return Document({str(k): v for k, v in data.items()}, lines, stripped_body, skipped + 1, body_line)


# The mistakes a YAML parser reports in its own words, often a line late: a key followed by the full-width
# colon an input method types, a tab in the indentation, a value holding ': ' without quotes.
_WIDE_KEY = re.compile(r"(?P<key>[A-Za-z_][\w-]*)[ \t]*：[ \t]*(?P<value>.*)")
_TAB_INDENT = re.compile(r"[ ]*\t")
_PLAIN_VALUE = re.compile(r"(?P<key>[A-Za-z_][\w-]*)[ \t]*:[ \t]+(?P<value>[^\s'\"\[{|>&*!%@`#].*?)[ \t]*")
_INNER_COLON = re.compile(r":(?:[ \t]|$)")


def _explained(raw_fm: str, first: int, path: Path) -> SitegenError | None:
    """The first line of front matter YAML could not read that holds a mistake an editor makes, said in
    words with its fix, at that line; None when no line holds one (the parser's wording is shown)."""
    for n, text in enumerate(raw_fm.split("\n")):
        line = first + n
        if _TAB_INDENT.match(text):
            return SitegenError(
                "a tab in the indentation", path, line, hint="indent with spaces: YAML does not allow tabs there"
            )
        wide = _WIDE_KEY.fullmatch(text)
        if wide is not None:
            key, value = wide["key"], wide["value"]
            return SitegenError(
                f"full-width colon '：' after '{key}': YAML reads only the ASCII colon ':' as a key's end",
                path,
                line,
                hint=f"{key}: {value}",
            )
        plain = _PLAIN_VALUE.fullmatch(text)
        if plain is not None and _INNER_COLON.search(plain["value"]):
            key, value = plain["key"], plain["value"]
            fixed = f"{key}: " + json.dumps(value, ensure_ascii=False)
            if key == "title":
                return SitegenError(
                    "the title has an ASCII colon", path, line, hint=f"put the whole title in quotes: {fixed}"
                )
            return SitegenError(
                f"the value of '{key}' has an ASCII colon and a space",
                path,
                line,
                hint=f"put the whole value in quotes: {fixed}",
            )
    return None


def _check_nodes(root: yaml.Node, raw_fm: str, first: int, path: Path) -> None:
    """Refuse, before anything is made of them, what would hang or silently mislead: aliases (a node
    met twice), a key given twice in one mapping, nesting deeper than MAX_DEPTH."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            line = first + _alias_line(raw_fm)
            raise SitegenError("YAML aliases (*name) are not allowed in front matter", path, line, hint=_ALIAS_HINT)
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise SitegenError(
                f"lists and mappings nested more than {MAX_DEPTH} deep", path, first + node.start_mark.line
            )
        if isinstance(node, yaml.MappingNode):
            _check_keys(node, first, path)
            stack.extend((part, depth + 1) for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)


_ALIAS_HINT = "write the value out where the alias (*name) is"


def _check_keys(node: yaml.MappingNode, first: int, path: Path) -> None:
    """A key given twice in one mapping: YAML keeps the last silently, so an edit of the first is lost."""
    lines: dict[tuple[str, str], int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        line, name = first + key.start_mark.line, (key.tag, key.value)
        if name in lines:
            raise SitegenError(
                f"key '{key.value}' is given twice, at lines {lines[name]} and {line}",
                path,
                line,
                hint="keep one of them",
            )
        lines[name] = line


def _alias_line(raw_fm: str) -> int:
    """The line (from 0) of the first alias in the YAML text; only asked when there is one."""
    for event in yaml.parse(raw_fm, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            return int(event.start_mark.line)
    return 0


def parse_date(value: Any) -> date:
    """A date or a time with offset; times without an offset are China time (+08:00). A day written
    without a time is a day (a date, shown without 00:00); a form whose year, month and day could be
    read two ways (5/3/2024, 24/3/5) is refused rather than guessed (date_hint() says what it may mean)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=CHINA)
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a date")
    return _read_date(value.strip())[0]


def _read_date(text: str) -> tuple[date, bool]:
    """text -> its date or time (China time when it gives no offset), and whether it gave one."""
    if OTHER_DAY.fullmatch(text) and _readings(text) is not None:
        raise ValueError(_guessed(text))
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            return date.fromisoformat("-".join(p.zfill(2) for p in text.split("-"))), False
        written = WRITTEN_DATE.fullmatch(text)
        if written is not None:
            return _written(written)
        parsed = read_datetime(text)
    except (ValueError, OverflowError):
        raise ValueError(f"'{text}' is not a date") from None
    offset = parsed.utcoffset()
    # dateutil's offsets as the standard library's: the same instant, and a tenth of the cost to unpickle
    return parsed.replace(tzinfo=CHINA if offset is None else timezone(offset)), offset is not None


# The forms an editor writes a day in, year first with four digits (2024-03-05, 2024/3/5, 2024.3.5,
# 2024年3月5日), with or without a time (09:30, 9:30:15) and its offset (+08:00, +0800, Z).
WRITTEN_DATE = re.compile(
    r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})|年(?P<cm>\d{1,2})月(?P<cd>\d{1,2})[日号]?)"
    r"(?:(?:T|[ \t]*)(?P<h>\d{1,2}):(?P<min>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
    r"[ \t]*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
# A day written with numbers in another order or with a two-digit year: 5/3/2024, 24/3/5, 24年3月5日.
OTHER_DAY = re.compile(
    r"(?P<a>\d{1,4})(?:(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})|年(?P<cb>\d{1,2})月(?P<cc>\d{1,2})[日号]?)"
    r"(?P<rest>(?:[T \t].*)?)"
)


def _written(match: re.Match[str]) -> tuple[date, bool]:
    day = date(int(match["y"]), int(match["m"] or match["cm"]), int(match["d"] or match["cd"]))
    if match["h"] is None:
        return day, False
    second, fraction = int(match["s"] or 0), int((match["f"] or "0").ljust(6, "0"))
    zone = match["tz"]
    offset = CHINA if zone is None else dt.UTC if zone == "Z" else _offset(zone)
    when = datetime(day.year, day.month, day.day, int(match["h"]), int(match["min"]), second, fraction, offset)
    return when, zone is not None


def _offset(zone: str) -> timezone:
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes))


def _readings(text: str) -> tuple[str, ...] | None:
    """The days a form OTHER_DAY matches could mean (ISO, with what followed the day), or None for a form
    that is not a guess (year first with four digits). A two-digit year is 20xx below 70, else 19xx."""
    match = OTHER_DAY.fullmatch(text)
    if match is None or len(match["a"]) in (3, 4) or len(match["c"] or "") == 3:
        return None
    a, b, c = match["a"], match["b"] or match["cb"], match["c"] or match["cc"]
    if match["cb"] is not None:
        orders = [(a, b, c)]  # 24年3月5日
    elif len(c) == 4:
        orders = [(c, b, a), (c, a, b)]  # day first (5/3/2024) or month first (3/5/2024)
    else:
        orders = [(a, b, c), (c, b, a), (c, a, b)]  # a two-digit year: the Chinese order first
    found: list[str] = []
    for year, month, day in orders:
        full = int(year) + (0 if len(year) == 4 else 2000 if int(year) < 70 else 1900)
        with contextlib.suppress(ValueError):
            iso = date(full, int(month), int(day)).isoformat()
            found += [] if iso in found else [iso]
    rest = match["rest"].strip()
    return tuple(f"{day} {rest}" if rest else day for day in found)


def _guessed(text: str) -> str:
    """Why a day OTHER_DAY matches is refused: its reading would be a guess."""
    if re.search(r"\d{4}", text):
        return f"'{text}' puts the year last: whether the day or the month comes first would be a guess"
    return f"'{text}' has a two-digit year: its century and the order of its numbers would be a guess"


def date_hint(value: Any) -> str | None:
    """What a refused date was most likely meant as, in the one form dates are written in."""
    text = str(value).strip()
    readings = _readings(text)
    if readings:
        if len(readings) == 1:
            return f"write it as {readings[0]}"
        return f"write it as {' / '.join(readings)}, whichever is meant"
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    if match and int(match[2]) > 12 and int(match[3]) <= 12:
        return f"did you mean {match[1]}-{int(match[3]):02d}-{int(match[2]):02d}?"
    return None


def time_without_offset(text: str) -> bool:
    """A date written with a time but no offset (read as China time): `check` asks for the offset."""
    try:
        value, offset = _read_date(text.strip())
    except (ValueError, OverflowError):
        return False
    return isinstance(value, datetime) and not offset


ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?")


def read_datetime(text: str) -> datetime:
    """A date and time as written, with its offset if it has one. ISO 8601 is read by the standard
    library; anything else by dateutil, imported only then: it is slow to load, and slower a date."""
    if ISO_TIME.fullmatch(text):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(text)
    from dateutil import parser

    parsed: datetime = parser.parse(text)
    return parsed


def sort_key(value: date | None) -> datetime:
    """Dates and times on one line, China time; undated stories sort oldest."""
    if value is None:
        return datetime(1, 1, 2, tzinfo=CHINA)
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=CHINA)


# Keys whose items are names, never a sentence: `tags: [反诈宣传，护学岗]` is two tags, as `tags: 反诈宣传，护学岗`
# is. A Chinese input method types ， and 、 where YAML wants ',', and no name of a tag, topic, region or
# author holds one, so the item is split where refusing it would only ask the editor to retype a comma.
LISTED_BY_COMMAS = ("authors", "categories", "tags", "regions")
_CHINESE_LIST = re.compile(r"[，、]")


def _strings(value: Any, key: str) -> tuple[str, ...]:
    """A string, a list of strings, or Hexo's nested lists of categories -> a flat tuple."""
    if value is None:
        return ()
    if isinstance(value, str):
        if key in ("images", "aliases"):
            return (value,)
        return tuple(p for p in (_clean(s, key) for s in re.split(r"[,，、]", value)) if p)
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, list):
                out.extend(s for s in _strings(item, key) if s not in out)
            elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
                parts = _CHINESE_LIST.split(str(item)) if key in LISTED_BY_COMMAS else [str(item)]
                out.extend(t for t in dict.fromkeys(_clean(p, key) for p in parts) if t and t not in out)
            else:
                raise ValueError(f"'{key}' items must be text, not {type(item).__name__}")
        return tuple(out)
    raise ValueError(f"'{key}' must be text or a list of text, not {type(value).__name__} ({value!r})")


def _text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return _clean(str(value), key) or None
    raise ValueError(f"'{key}' must be text, not {type(value).__name__}")


def _clean(text: str, key: str) -> str:
    """text stripped; a term's name (see TERMS) also as term_name() spells it."""
    return term_name(text) if key in TERMS else text.strip()


def control_character(value: Any) -> str | None:
    """The first control character (see CONTROL) in a value, looking into its lists and mappings."""
    if isinstance(value, str):
        found = CONTROL.search(value)
        return found.group() if found else None
    parts = value.items() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for part in parts:
        char = control_character(part)
        if char is not None:
            return char
    return None


def url_problem(url: str) -> str | None:
    """Why a link from a post or the config may not be published, or None: only http(s) links and
    links within the site may be. The scheme is read as a browser reads it, after whitespace and
    control characters (' java\tscript:' is javascript:), in any case."""
    compact = INVISIBLE.sub("", url)
    scheme = SCHEME.match(compact)
    if scheme is not None:
        name = scheme.group(1).lower()
        if name not in ("http", "https"):
            return f"a {name}: link"
        if not urlsplit(compact).netloc:
            return "an http(s) link without a host"
        return None
    if compact.startswith(("//", "\\", "/\\")):
        return "a link to another host without http(s)"
    return None


def _url(text: str | None, key: str) -> str | None:
    problem = url_problem(text) if text is not None else None
    if problem is not None:
        raise ValueError(f"'{key}' must be an http(s) link or a path on this site, not {problem}")
    return text


def to_meta(doc: Document, path: Path) -> Meta:
    """Validate a parsed front matter against the contract; every problem names its line."""
    problems: list[SitegenError] = []
    values: dict[str, Any] = {}
    spelled: dict[str, str] = {}  # key -> the spelling that gave it
    for raw_key, value in doc.data.items():
        key = ALIASES.get(raw_key, raw_key)
        line = doc.lines.get(raw_key)
        if raw_key == "published":
            if value is False:
                values["draft"] = True
            continue
        if key not in KNOWN:
            continue  # other generators' keys (layout, comments ...) are not ours to judge
        if key in spelled:
            other = spelled[key]
            message = f"'{raw_key}' and '{other}' (line {doc.lines.get(other)}) both give '{key}'"
            problems.append(SitegenError(message, path, line, hint="keep one of them"))
            continue
        spelled[key] = raw_key
        char = control_character(value)
        if char is not None:
            message = f"control character U+{ord(char):04X} in '{raw_key}'"
            problems.append(SitegenError(message, path, line, hint="remove it: it cannot be shown or put in a feed"))
            continue
        try:
            values[key] = _convert(key, value)
        except ValueError as err:
            problems.append(SitegenError(str(err), path, line, hint=date_hint(value) or _HINTS.get(key)))
    if not values.get("title") and ("title" in values or "title" not in spelled):  # not one refused above
        problems.append(SitegenError("missing title", path, doc.lines.get("title", doc.start_line), hint="title: 标题"))
    if problems:
        raise SitegenErrors(problems)
    return Meta(**values)


_HINTS = {
    "date": "write it as 2024-01-13T09:30:00+08:00 or 2024-01-13",
    "updated": "write it as 2024-01-13T09:30:00+08:00 or 2024-01-13",
    "tags": "tags: [反诈, 校园安全]",
    "categories": "categories: [反诈]",
    "authors": "authors: [张三, 李四]",
    "slug": "slug: lowercase-ascii-words",
    "draft": "draft: true",
    "copies": "copies:\n- source: 新华社\n  source_url: https://...",
    "source_url": "source_url: https://...",
    "original_url": "original_url: https://...",
    "images": "images: [https://...]",
    "aliases": "aliases: [/2015/08/08/old-address/]",
    "corrections": "corrections:\n- date: 2024-05-02\n  text: 本文原称……，应为……。",
}


REGION_LEVELS = ("province", "city", "county")


def _region_chain(item: dict[str, Any]) -> list[Any]:
    """{province: 江西省, city: 吉安市, county: 遂川县} -> its names, broadest first."""
    unknown = set(item) - set(REGION_LEVELS)
    if unknown:
        raise ValueError(f"'regions' entries may have {', '.join(REGION_LEVELS)}, not {', '.join(sorted(unknown))}")
    return [item[level] for level in REGION_LEVELS if item.get(level)]


def _mappings(value: Any, key: str, allowed: tuple[str, ...], form: str) -> list[dict[str, Any]]:
    """A list of mappings with none but the allowed keys (form: one written out, for the messages)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"'{key}' must be a list of mappings, not {type(value).__name__}")
    for item in value:
        if not isinstance(item, dict):
            raise ValueError(f"'{key}' entries must be mappings ({form}), not {item!r}")
        unknown = sorted(str(name) for name in item if name not in allowed)
        if unknown:
            raise ValueError(f"'{key}' entries may have {', '.join(allowed)}, not {', '.join(unknown)}")
    return value


def _copies(value: Any) -> tuple[Copy, ...]:
    """A list of mappings with the keys of Copy, each value text."""
    copies = []
    for item in _mappings(value, "copies", COPY_KEYS, "source: ..., source_url: ..."):
        copy = {key: _text(item.get(key), f"copies: {key}") for key in COPY_KEYS}
        for key in URL_KEYS:
            _url(copy[key], f"copies: {key}")
        copies.append(Copy(**copy))
    return tuple(copies)


URL_KEYS = ("source_url", "original_url")  # of Meta and Copy; Meta's images are links too


def _corrections(value: Any) -> tuple[Correction, ...]:
    """A list of mappings {date, text}, both given: a correction nobody can date or read is none."""
    found = []
    for n, item in enumerate(_mappings(value, "corrections", CORRECTION_KEYS, "date: ..., text: ..."), 1):
        text = _text(item.get("text"), "corrections: text")
        if item.get("date") in (None, "") or text is None:
            raise ValueError(f"'corrections' entry {n} needs both a date and a text")
        try:
            day = parse_date(item["date"])
        except ValueError as err:
            raise ValueError(f"'corrections' entry {n}: {err}") from None
        found.append(Correction(day, text))
    return tuple(found)


def _convert(key: str, value: Any) -> Any:
    if key == "copies":
        return _copies(value)
    if key == "corrections":
        return _corrections(value)
    if key in ("date", "updated"):
        return None if value in (None, "") else parse_date(value)
    if key == "regions" and isinstance(value, list):
        value = [_region_chain(item) if isinstance(item, dict) else item for item in value]
    if key in ("authors", "categories", "tags", "regions", "images", "aliases", "review"):
        items = _strings(value, key)
        for item in items if key == "images" else ():
            _url(item, key)
        for item in items if key == "aliases" else ():
            problem = alias_problem(item)
            if problem is not None:
                raise ValueError(f"alias '{item}' {problem}")
        return items
    if key == "draft":
        if not isinstance(value, bool):
            raise ValueError(f"'draft' must be true or false, not {value!r}")
        return value
    text = _text(value, key)
    if key in URL_KEYS:
        return _url(text, key)
    if key == "slug" and text is not None:
        problem = slug_problem(text)
        if problem is not None:
            raise ValueError(problem)
    return text


_ALIAS_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\s\"'<>\\^`{|}?#]")


def alias_problem(alias: str) -> str | None:
    """Why an old URL cannot be kept as an alias, or None. An alias is a path on this site
    ('/2015/08/08/hello/', '/post/hello.html'): its redirect page is written under output/, so it
    may not climb out of it, and it holds nothing a link would have to escape."""
    if not alias.startswith("/") or alias.startswith("//"):
        return "must be a path on this site, starting with one '/'"
    unsafe = _ALIAS_UNSAFE.search(alias)
    if unsafe is not None:
        return f"holds {unsafe.group()!r}"
    if any(part in (".", "..") for part in alias.split("/")):
        return "holds a '.' or '..' part"
    return None


def slug_problem(slug: str) -> str | None:
    """Why a slug given by hand cannot name a post's folder, or None."""
    if not SLUG_RE.match(slug):
        return f"slug '{slug}' must be lowercase ASCII letters, digits and hyphens"
    if len(slug) > MAX_SLUG:
        return f"slug of {len(slug)} characters: at most {MAX_SLUG}"
    if slug in RESERVED:
        return f"slug '{slug}' is a device name on Windows: a folder cannot have that name"
    return None


def read(text: str, path: Path) -> tuple[Meta, str, Document]:
    """Text of a post -> validated Meta, Markdown body, and the parsed document."""
    doc = split(text, path)
    return to_meta(doc, path), doc.body, doc


def dump(meta: Meta, body: str) -> str:
    """One canonical form: contract order, empty values left out, UTF-8, LF, body after."""
    data: dict[str, Any] = {}
    for f in fields(Meta):
        value = getattr(meta, f.name)
        if value in (None, (), "") or (f.name == "draft" and value is False):
            continue
        if isinstance(value, date):
            value = value.isoformat()
        elif f.name == "copies":
            value = [{key: getattr(c, key) for key in COPY_KEYS if getattr(c, key)} for c in value]
        elif f.name == "corrections":
            value = [{"date": c.date.isoformat(), "text": c.text} for c in value]
        elif isinstance(value, tuple):
            value = list(value)
        data[f.name] = value
    fm = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10_000)
    return f"---\n{fm}---\n\n{body.strip()}\n"
