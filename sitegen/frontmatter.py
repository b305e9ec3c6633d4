"""Front matter: read every common Hexo/Jekyll/Hugo spelling, validate with line numbers, write one form.

Dates stay strings while YAML is parsed (the timestamp resolver is removed), so that
`2022-01-11 09:16:55 +0800` or `Sun, 29 May 2022 04:15:55 GMT` reach our own parser and
a bad date is reported at its line instead of silently becoming something else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from sitegen.errors import SitegenError, SitegenErrors

CHINA = timezone(timedelta(hours=8))
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader (libyaml's when there is one: ten times faster) that leaves timestamps as strings."""


class _Dumper(yaml.SafeDumper):  # type: ignore[misc]
    """SafeDumper that writes ISO dates unquoted (they read back as strings through _Loader)."""


for _cls in (_Loader, _Dumper):
    _cls.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


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
    draft: bool = False
    review: tuple[str, ...] = ()
    fingerprint: str | None = None
    copies: tuple[Copy, ...] = ()


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
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        mark = err.context_mark or err.problem_mark  # where the broken construct began
        last = max((i for i, text in enumerate(raw_fm.split("\n")) if text.strip()), default=0)
        line = first + min(mark.line, last) if mark else first  # errors at end of stream belong to the last line
        raise SitegenError(f"broken YAML: {err.problem or err}", path, line) from None
    if data is None:
        data, node = {}, None
    if not isinstance(data, dict):
        raise SitegenError("front matter must be a mapping of keys to values", path, first)
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = first + key_node.start_mark.line
    stripped_body = body.lstrip("\n")
    body_line = text.count("\n", 0, len(text) - len(stripped_body)) + 1  # the body is a suffix of text
    return Document({str(k): v for k, v in data.items()}, lines, stripped_body, skipped + 1, body_line)


def parse_date(value: Any) -> date:
    """A date or a time with offset; times without an offset are China time (+08:00)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=CHINA)
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a date")
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            return date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
        parsed = read_datetime(text)
    except (ValueError, OverflowError):
        raise ValueError(f"'{text}' is not a date") from None
    offset = parsed.utcoffset()
    # dateutil's offsets as the standard library's: the same instant, and a tenth of the cost to unpickle
    return parsed.replace(tzinfo=CHINA if offset is None else timezone(offset))


ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?")


def read_datetime(text: str) -> datetime:
    """A date and time as written, with its offset if it has one. ISO 8601 is read by the standard
    library; anything else by dateutil, imported only then: it takes a tenth of a second to load and
    a fifth of a millisecond a date, two dates a post."""
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


def _strings(value: Any, key: str) -> tuple[str, ...]:
    """A string, a list of strings, or Hexo's nested lists of categories -> a flat tuple."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(p for p in (s.strip() for s in re.split(r"[,，、]", value)) if p) if key != "images" else (value,)
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            if isinstance(item, list):
                out.extend(s for s in _strings(item, key) if s not in out)
            elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
                text = str(item).strip()
                if text and text not in out:
                    out.append(text)
            else:
                raise ValueError(f"'{key}' items must be text, not {type(item).__name__}")
        return tuple(out)
    raise ValueError(f"'{key}' must be text or a list of text, not {type(value).__name__} ({value!r})")


def _text(value: Any, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip() or None
    raise ValueError(f"'{key}' must be text, not {type(value).__name__}")


def to_meta(doc: Document, path: Path) -> Meta:
    """Validate a parsed front matter against the contract; every problem names its line."""
    problems: list[SitegenError] = []
    values: dict[str, Any] = {}
    for raw_key, value in doc.data.items():
        key = ALIASES.get(raw_key, raw_key)
        line = doc.lines.get(raw_key)
        if raw_key == "published":
            if value is False:
                values["draft"] = True
            continue
        if key not in KNOWN:
            continue  # other generators' keys (layout, comments ...) are not ours to judge
        try:
            values[key] = _convert(key, value)
        except ValueError as err:
            problems.append(SitegenError(str(err), path, line, hint=_date_hint(value) or _HINTS.get(key)))
    if not values.get("title"):
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
}


def _date_hint(value: Any) -> str | None:
    """'2023-13-01' was most likely meant as 2023-01-13: say so."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", str(value).strip())
    if match and int(match[2]) > 12 and int(match[3]) <= 12:
        return f"did you mean {match[1]}-{int(match[3]):02d}-{int(match[2]):02d}?"
    return None


REGION_LEVELS = ("province", "city", "county")


def _region_chain(item: dict[str, Any]) -> list[Any]:
    """{province: 江西省, city: 吉安市, county: 遂川县} -> its names, broadest first."""
    unknown = set(item) - set(REGION_LEVELS)
    if unknown:
        raise ValueError(f"'regions' entries may have {', '.join(REGION_LEVELS)}, not {', '.join(sorted(unknown))}")
    return [item[level] for level in REGION_LEVELS if item.get(level)]


def _copies(value: Any) -> tuple[Copy, ...]:
    """A list of mappings with the keys of Copy, each value text."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f"'copies' must be a list of mappings, not {type(value).__name__}")
    copies = []
    for item in value:
        if not isinstance(item, dict):
            raise ValueError(f"'copies' entries must be mappings (source: ..., source_url: ...), not {item!r}")
        unknown = sorted(str(key) for key in item if key not in COPY_KEYS)
        if unknown:
            raise ValueError(f"'copies' entries may have {', '.join(COPY_KEYS)}, not {', '.join(unknown)}")
        copies.append(Copy(**{key: _text(item.get(key), f"copies: {key}") for key in COPY_KEYS}))
    return tuple(copies)


def _convert(key: str, value: Any) -> Any:
    if key == "copies":
        return _copies(value)
    if key in ("date", "updated"):
        return None if value in (None, "") else parse_date(value)
    if key == "regions" and isinstance(value, list):
        value = [_region_chain(item) if isinstance(item, dict) else item for item in value]
    if key in ("authors", "categories", "tags", "regions", "images", "review"):
        return _strings(value, key)
    if key == "draft":
        if not isinstance(value, bool):
            raise ValueError(f"'draft' must be true or false, not {value!r}")
        return value
    text = _text(value, key)
    if key == "slug" and text is not None and not SLUG_RE.match(text):
        raise ValueError(f"slug '{text}' must be lowercase ASCII letters, digits and hyphens")
    return text


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
        elif isinstance(value, tuple):
            value = list(value)
        data[f.name] = value
    fm = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10_000)
    return f"---\n{fm}---\n\n{body.strip()}\n"
