"""By-lines, credits, dates and sources: the lines around a story that say who, when and where from.

Each function reads one line and returns what it establishes, or None when the line is not a
metadata line at all, so that the caller can both harvest the facts and drop the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime

from sitegen.extract.patterns import (
    ANONYMOUS,
    AUTHOR_ROLES,
    BYLINE_LABELS,
    BYLINE_MARKS,
    CLAUSE_PUNCT,
    HAN,
    INLINE_FURNITURE,
    LABEL_SEPARATORS,
    LEAD_CREDIT,
    PRODUCER_VERBS,
    PUBLISHER_END,
    SITE_NAME_PATTERNS,
    TIGHT_ROLES,
    TRAILING_CREDIT,
)
from sitegen.frontmatter import CHINA


@dataclass(frozen=True)
class Credits:
    """What metadata lines establish about a story; empty fields are unknown."""

    date: date | None = None
    authors: tuple[str, ...] = ()
    editor: str | None = None
    source: str | None = None
    original_url: str | None = None
    site: str | None = None
    link: str | None = None

    def merge(self, other: Credits) -> Credits:
        """Fill the unknown fields from other: the first line that says something wins."""
        return replace(self, **{f.name: getattr(other, f.name) for f in fields(self) if not getattr(self, f.name)})


_LABEL = re.compile(
    "(" + "|".join(sorted(map(re.escape, BYLINE_LABELS), key=len, reverse=True)) + r")\s*[" + LABEL_SEPARATORS + "]"
)
_ROLE = re.compile("(" + "|".join(sorted(AUTHOR_ROLES, key=len, reverse=True)) + ")")
_NAME = re.compile(rf"[{HAN}]{{2,4}}|[{HAN}]{{1,8}}·[{HAN}]{{1,10}}")
_NAME_SPLIT = re.compile(r"[\s、，,;；/／]+")
_WHEN = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?\s*秒?)?"
)
_WEEKDAY = r"(?:\s*(?:星期|周)[一二三四五六日天])?"
_URL = re.compile(r"<?(https?://[^\s<>]+?)>?")
_ORIGINAL = re.compile(r"^(?:原文链接|原文地址|原文网址|阅读原文|查看原文)\s*[:：]?\s*(https?://\S+)$")
_PRODUCER = re.compile(rf"^(?P<org>.{{1,12}}?{PUBLISHER_END})\S{{0,10}}?{PRODUCER_VERBS}$")
_BRACKETS = re.compile(r"^[【\[(（]\s*(.*?)\s*[】\])）]$")


def parse_when(text: str, whole: bool = False) -> date | None:
    """'2022-10-10 19:25:06', '2022年8月18日' -> a time in China (+08:00), or a date when no time is given."""
    match = (_WHEN.fullmatch if whole else _WHEN.search)(text.strip())
    if whole and not match:
        match = re.fullmatch(_WHEN.pattern + _WEEKDAY, text.strip())
    if not match:
        return None
    y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
    try:
        if match["H"] is None:
            return date(y, m, d)
        return datetime(y, m, d, int(match["H"]), int(match["M"]), int(match["S"] or 0), tzinfo=CHINA)
    except ValueError:
        return None


def names(text: str) -> tuple[str, ...] | None:
    """'张腾飞 范汉娟' / '郭杰文、贾伊宁' -> the names; None when anything is not a name; 佚名 is no one."""
    parts = [p for p in _NAME_SPLIT.split(text.strip()) if p]
    if not parts or not all(_NAME.fullmatch(p) or p in ANONYMOUS for p in parts):
        return None
    return tuple(dict.fromkeys(p for p in parts if p not in ANONYMOUS))


def is_person(name: str) -> bool:
    return bool(_NAME.fullmatch(name)) and name not in ANONYMOUS


def read_line(text: str) -> Credits | None:
    """A whole line that is metadata -> what it says; None for a line of the story."""
    line = text.strip()
    if not line:
        return None
    inner = _BRACKETS.sub(r"\1", line)
    original = _ORIGINAL.match(line)
    if original:
        return Credits(original_url=original.group(1))
    url = _URL.fullmatch(line)
    if url:
        return Credits(link=url.group(1))
    for pattern in SITE_NAME_PATTERNS:
        site = pattern.match(line)
        if site:
            return Credits(site=site.group("name"))
    producer = _PRODUCER.match(inner)
    if producer:
        return Credits(source=producer.group("org"))
    return _labelled(inner) or _roles(inner)


def lead_credit(paragraph: str) -> tuple[str, Credits | None]:
    """'本报讯（记者 张三 通讯员 李四）4月1日…' -> the paragraph from '4月1日', and its authors."""
    match = LEAD_CREDIT.match(paragraph)
    if not match:
        return paragraph, None
    return paragraph[match.end() :], _roles(match.group("credit")) or Credits()


def trailing_credit(paragraph: str) -> tuple[str, Credits | None]:
    """'...作出积极贡献。(文/张腾飞 范汉娟 图/盐城公安)' -> the paragraph without it, and its authors."""
    match = TRAILING_CREDIT.search(paragraph)
    if not match:
        return paragraph, None
    credit = _BRACKETS.sub(r"\1", match.group(0).strip())
    return paragraph[: match.start()].rstrip(), _labelled(credit) or _roles(credit) or Credits()


def site_author(value: str, categories: tuple[str, ...], aggregators: frozenset[str]) -> Credits:
    """A blog's `author:` -> a person, the publisher (an organisation), or the aggregator (via)."""
    name = value.strip()
    if not name or name.lower() in ANONYMOUS:
        return Credits()
    if is_person(name):
        return Credits(authors=(name,))
    if name in aggregators or name in categories:
        return Credits(site=name)
    if re.search(PUBLISHER_END + "$", name):
        return Credits(source=name)
    return Credits(site=name)


def _labelled(line: str) -> Credits | None:
    """'发布时间:… | 来源:… | 作者:… | 责任编辑:…' -> Credits, when every labelled value is valid.

    The line may open with a bare date (2023年04月02日 09:00 来源：…) and hold page controls (【字体：大 中 小】).
    """
    line = INLINE_FURNITURE.sub(" ", line)
    matches = list(_LABEL.finditer(line))
    if not matches:
        return None
    lead = line[: matches[0].start()].strip(BYLINE_MARKS + " \u3000")
    found = Credits(date=parse_when(lead, whole=True)) if lead else Credits()
    if lead and not found.date:
        return None
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        value = line[match.end() : following.start() if following else len(line)].strip(" |｜\u3000\u00a0")
        field = BYLINE_LABELS[match.group(1)]
        parsed = _field(field, value)
        if parsed is None:
            return None
        found = found.merge(parsed)
    return found


def _field(field: str | None, value: str) -> Credits | None:
    """One labelled value, checked: a by-line whose 'date' is no date is not a by-line."""
    if field is None:
        return Credits()
    if not value:
        return Credits() if field != "date" else None
    if field == "date":
        when = parse_when(value, whole=True)
        return Credits(date=when) if when else None
    if field == "authors":
        people = names(value)
        return Credits(authors=people) if people is not None else None
    if len(value) > 30 or any(ch in value for ch in CLAUSE_PUNCT):
        return None
    return Credits(editor=value) if field == "editor" else Credits(source=value)


def _roles(line: str) -> Credits | None:
    """'□本报记者徐瑞春', '□见习记者 沈媛', '记者 张三 通讯员 李四' -> the authors."""
    text = line.strip()
    stripped = text.lstrip(BYLINE_MARKS + " \u3000")
    marked = stripped != text
    pieces = _ROLE.split(stripped)
    if len(pieces) < 3 or pieces[0].strip():
        return None
    authors: list[str] = []
    for role, chunk in zip(pieces[1::2], pieces[2::2], strict=True):
        tight = not chunk[:1].isspace()
        if tight and not (marked or role in TIGHT_ROLES):
            return None
        people = names(chunk)
        if people is None:
            return None
        authors.extend(people)
    return Credits(authors=tuple(dict.fromkeys(authors)))
