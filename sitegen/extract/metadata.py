"""By-lines, credits, dates and sources: the lines around a story that say who, when and where from.

Each function reads one line and returns what it establishes, or None when the line is not a
metadata line at all, so that the caller can both harvest the facts and drop the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import lru_cache

from sitegen.extract.patterns import (
    ANONYMOUS,
    AUTHOR_ROLES,
    BYLINE_LABELS,
    BYLINE_MARKS,
    CLAUSE_PUNCT,
    CMS_VENDORS,
    HAN,
    INLINE_FURNITURE,
    LABEL_SEPARATORS,
    LEAD_CREDIT,
    LENIENT_ROLES,
    MAX_BYLINE,
    NOT_NAMES,
    NOT_PERSON,
    NOT_PERSON_END,
    NOT_PERSON_END_LONG,
    NOT_PERSON_START,
    NOT_SOURCES,
    OFFICE_WORDS,
    POSTED_BY,
    PRODUCER_VERBS,
    PUBLISHER_END,
    REPORTED,
    SITE_NAME_PATTERNS,
    SPACED_LABELS,
    SURNAMES,
    TIGHT_ROLES,
    TRAILING_CREDIT,
    TRAILING_NAMES,
)
from sitegen.extract.regions import gazetteer
from sitegen.frontmatter import CHINA


@dataclass(frozen=True)
class Credits:
    """What metadata lines establish about a story; empty fields are unknown."""

    date: date | None = None
    # The date is a day the page gives that is not its publication (成文日期, 更新时间, a notice's
    # signature): any publication date found later replaces it.
    provisional: bool = False
    authors: tuple[str, ...] = ()
    editor: str | None = None
    source: str | None = None
    original_url: str | None = None
    site: str | None = None
    link: str | None = None
    own_url: str | None = None  # the page's own address as a labelled line gives it (本文链接：…)

    def merge(self, other: Credits) -> Credits:
        """Fill the unknown fields from other: the first line that says something wins, except
        that a publication date wins over a provisional one."""
        values = {f.name: getattr(other, f.name) for f in fields(self) if f.name not in _DATED}
        values = {name: value for name, value in values.items() if not getattr(self, name)}
        if other.date and (not self.date or (self.provisional and not other.provisional)):
            values.update(date=other.date, provisional=other.provisional)
        return replace(self, **values)

    def join(self, other: Credits) -> Credits:
        """Like merge, but every person either names is kept (文/张三 图/李四: both credited)."""
        return replace(self.merge(other), authors=tuple(dict.fromkeys(self.authors + other.authors)))


_DATED = ("date", "provisional")
_LABEL = re.compile(
    "(" + "|".join(sorted(map(re.escape, BYLINE_LABELS), key=len, reverse=True)) + r")\s*[" + LABEL_SEPARATORS + "]"
    "|(" + "|".join(sorted(SPACED_LABELS, key=len, reverse=True)) + rf")(?:\s+|\s*[，,]\s*)(?=[{HAN}A-Za-z])"
)
_ROLES = "|".join(sorted(AUTHOR_ROLES, key=len, reverse=True))
_ROLE = re.compile(f"({_ROLES})")
_NAME = re.compile(rf"[{HAN}]{{2,4}}|[{HAN}]{{1,8}}·[{HAN}]{{1,10}}")
_NAME_SPLIT = re.compile(r"[\s、，,;；/／]+")
_WHEN = re.compile(
    r"(?P<y>\d{4})(?:\s*[-/.年]\s*|\s+(?=\d{1,2}\s*[-/.月]))(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?\s*秒?)?"
)
_DMY = re.compile(
    r"(?<![\d/])(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})"
    r"(?:\s*-?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<p>[AP]M))?)?",
    re.IGNORECASE,
)
_CN_DIGITS = "〇一二三四五六七八九"
_SPELLED_DATE = re.compile(
    r"(?P<y>[〇一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?P<d>[一二三四五六七八九十]{1,3})日"
)
_WEEKDAY = r"(?:\s*(?:星期|周)[一二三四五六日天])?"
_URL = re.compile(r"<?(https?://[^\s<>]+?)>?")
_ORIGINAL_WORDS = "原文链接|原文地址|原文网址|阅读原文|查看原文|点击查看原文|来源链接|来源地址|来源网址|转载自"
_ORIGINAL = re.compile(rf"^(?:{_ORIGINAL_WORDS})\s*[:：]?\s*(https?://\S+)$")
_LEAD_OPEN = re.compile(r"^\S{0,20}?(?:讯|电|消息)\s+")
_CREDIT_PART = re.compile(
    rf"(?:(?P<role>{_ROLES})\s*)?"
    rf"(?P<names>[{HAN}·]{{2,10}}(?:、[{HAN}·]{{2,10}})*)\s+"
)
_PHOTO_CREDIT = re.compile(
    rf"(?:^|[\s。，；（(])[{HAN}]{{0,6}}?记者\s*(?P<names>[{HAN}·]{{2,10}}(?:[\s、][{HAN}·]{{2,10}})*?)\s*摄[)）]?$"
)
_ORIGINAL_LABEL = re.compile(rf"^[\[【(（]?\s*(?:{_ORIGINAL_WORDS})\s*[:：]?\s*(?P<anchor>.*?)[\]】)）]?$")
_OWN_URL = re.compile(
    r"^(?:本文链接|本文地址|本文网址|本页地址|本页网址|文章链接|文章地址|网页地址)\s*[:：]?\s*(https?://\S+)$"
)
# What follows reporters' names and is none: '北京报道', '摄影报道', '发自北京', '摄'.
_REPORT_TAIL = re.compile(
    rf"\s+(?:[{HAN}]{{0,6}}?(?:联合|综合|摄影)?报道|发自\S{{1,10}}|摄影?|供图|文\s*[/／]\s*图|图\s*[/／]\s*文|图文|文图)\s*$"
)
# A desk's code after an editor's name: '张三_NBJS1234', '张三 NF'.
_EDITOR_CODE = re.compile(rf"(?<=[{HAN}])[_\s]*[A-Za-z]+\d*$")
# A post's marks before its writer's name: 原创 张三 平安南京 2024-01-09.
_POST_MARK = re.compile(r"^(?:原创|首发|独家)\s+")
# A writer's affiliation in brackets after the name: '张三（某某大学教授）'.
_AFFILIATION = re.compile(r"(?<=[^\s()（）])[（(][^()（）]{2,30}[)）]")
_MARKUP = "=<>\"'"  # a value holding these is a page's markup shown as text (size="20"), not a name
_DOMAIN = re.compile(r"\.(?:com|cn|net|org|gov|edu|info|cc|tv|io|hk|tw)\b", re.IGNORECASE)
_PRODUCER = re.compile(rf"^(?P<org>.{{1,12}}?{PUBLISHER_END})\S{{0,10}}?{PRODUCER_VERBS}$")
_BRACKETS = re.compile(r"^[【\[(（［〔]\s*(.*?)\s*[】\])）］〕]$")
_TASK = re.compile(r"\s*[/／]\s*(?:文/图|文图|图文|文|图|摄)(?=\s|$)")
# Names each followed by what they did: '张三/文 李四/图'.
_BY_TASK = re.compile(rf"^(?:[{HAN}·、\s]{{2,20}}?\s*[/／]?\s*(?:文|图|摄|文图|图文|文/图)(?:\s+|$))+$")
_BRACKETED_NAME = re.compile(r"[\[【(（]\s*([^\[\]【】()（）]{2,12}?)\s*[\]】)）]")
_ROLE_ANYWHERE = re.compile(rf"(?P<org>[{HAN}·]{{0,10}}?)(?P<role>{'|'.join(LENIENT_ROLES)})(?P<sep>\s*[:：]\s*|\s+)?")
_DATE_LABEL = re.compile(
    r"(?P<other>成文|更新|修改)?(?:发布|发表|发稿|出版)?(?:时间|日期)|发表于|发布于|发布|posted|published",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"[A-Za-z][\w.\-]{1,30}")
_BARE_ROLE = re.compile(rf"[{HAN}·]{{0,10}}?(?:{'|'.join(LENIENT_ROLES)})")  # 新华社记者, its names elsewhere
_HAN_ONE = re.compile(f"[{HAN}]")
_BARE_HANDLE = re.compile(r"[a-z][a-z0-9_]{2,19}")
_SURNAME = re.compile("(?:" + "|".join(SURNAMES.split()[:-1]) + f")|[{SURNAMES.split()[-1]}]")
_NOT_PERSON_END = re.compile(NOT_PERSON_END + "$")
_ORGANISATION = re.compile(rf"[{HAN}·]{{1,20}}?(?:{NOT_PERSON_END}|{NOT_PERSON_END_LONG})")
_OUTLET = re.compile(rf"[{HAN}·]{{1,12}}{PUBLISHER_END}")
_SCREEN_NAME = re.compile(rf"[\w{HAN}·.\-]{{2,20}}")
_VENDOR = re.compile("|".join(rf"(?<![a-z]){re.escape(v)}(?![a-z])" for v in CMS_VENDORS), re.IGNORECASE)
# A writer's pen name after 作者： (东江夜行人): longer than a name, holding no word of an office or a role.
_PEN_NAME = re.compile(rf"(?:(?!{OFFICE_WORDS})[{HAN}]){{5,8}}")
_NOT_PERSON_LONG = re.compile(rf"^{NOT_PERSON_START}|^[{HAN}]{{2,}}{NOT_PERSON_END_LONG}$")


def parse_when(text: str, whole: bool = False) -> date | None:
    """'2022-10-10 19:25:06', '2022年8月18日', '06/02/2022 - 13:48' -> a time in China (+08:00), or a
    date when no time is given.

    Day/month/year with slashes is read day first (as most of the world writes it) unless the
    second number cannot be a month; 'PM' moves the hour.
    """
    text = text.strip()
    match = (_WHEN.fullmatch if whole else _WHEN.search)(text)
    if whole and not match:
        match = re.fullmatch(_WHEN.pattern + _WEEKDAY, text)
    dmy = None if match else (_DMY.fullmatch if whole else _DMY.search)(text)
    if not match and not dmy:
        return None
    found = match or dmy
    assert found is not None
    y, m, d = int(found["y"]), int(found["m"]), int(found["d"])
    if dmy and m > 12 >= d:
        m, d = d, m
    hour = int(found["H"]) if found["H"] is not None else None
    if hour is not None and dmy and (dmy["p"] or "").upper() == "PM" and hour < 12:
        hour += 12
    try:
        if hour is None:
            return date(y, m, d)
        return datetime(y, m, d, hour, int(found["M"]), int(found["S"] or 0), tzinfo=CHINA)
    except ValueError:
        return None


def signed_date(text: str) -> date | None:
    """A line that is a date and nothing else, as a notice or a letter is signed: '2024年1月9日',
    '（2024年1月9日）', '二〇二四年一月九日'."""
    line = _BRACKETS.sub(r"\1", text.strip())
    spelled = _SPELLED_DATE.fullmatch(line)
    if spelled is None:
        return parse_when(line, whole=True)
    year = "".join(str(_CN_DIGITS.index(ch)) for ch in spelled["y"])
    try:
        return date(int(year), _cn_number(spelled["m"]), _cn_number(spelled["d"]))
    except ValueError:
        return None


def _cn_number(text: str) -> int:
    """一 .. 三十一 as written in dates."""
    if "十" not in text:
        return _CN_DIGITS.index(text)
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.index(tens) if tens else 1) * 10 + (_CN_DIGITS.index(ones) if ones else 0)


def names(text: str, handles: bool = False) -> tuple[str, ...] | None:
    """'张腾飞 范汉娟' / '郭杰文、贾伊宁' -> the names; None when anything is not a name; 佚名 is no one.

    With handles (after 作者：) a user name counts too (芊草凡凡, safe_coder).
    """
    parts = _tokens(text)
    if not parts:
        return None
    people: list[str] = []
    for part in parts:
        if part in ANONYMOUS or part.lower() in ANONYMOUS:
            continue
        found = _person_or_pair(part, handles=handles and (len(parts) == 1 or not _PEN_NAME.fullmatch(part)))
        if not found:
            return None
        people.extend(found)
    return tuple(dict.fromkeys(people))


def is_screen_name(name: str) -> bool:
    """A forum or blog user's name as a link to their profile shows it ('夜行人2005', 'duscha'):
    any short run of letters, digits and Chinese that is no page control, no unit, no one."""
    return bool(
        _SCREEN_NAME.fullmatch(name)
        and name.lower() not in NOT_NAMES
        and name.lower() not in NOT_PERSON
        and not _ORGANISATION.fullmatch(name)
    )


def is_person(name: str, bare: bool = False) -> bool:
    """A person's name; bare: one that needs no label to vouch for it (a common surname first)."""
    return _person(name, bare=bare) is not None


@lru_cache(maxsize=8192)
def read_line(text: str) -> Credits | None:
    """A whole line that is metadata -> what it says; None for a line of the story."""
    line = text.strip()
    if not line:
        return None
    inner = _BRACKETS.sub(r"\1", line)
    original = _ORIGINAL.match(line)
    if original:
        return Credits(original_url=original.group(1))
    own = _OWN_URL.match(line)
    if own:
        return Credits(own_url=own.group(1))
    url = _URL.fullmatch(line)
    if url:
        return Credits(link=url.group(1))
    for pattern in SITE_NAME_PATTERNS:
        site = pattern.match(line)
        if site:
            return Credits(site=site.group("name"))
    if _BARE_ROLE.fullmatch(inner):
        return Credits()
    producer = _PRODUCER.match(inner)
    if producer:
        return Credits(source=producer.group("org"))
    return _labelled(inner) or _roles(inner) or _reported(inner) or _by_task(inner)


def _by_task(text: str) -> Credits | None:
    """'张三/文 李四/图' -> the writer and the photographer."""
    if not _BY_TASK.match(text + " ") or "/" not in text.replace("／", "/"):
        return None
    people = _people(_TASK.sub(" ", text), bare=True)
    return Credits(authors=people) if people else None


def original_link(text: str, links: tuple[tuple[str, str], ...]) -> Credits | None:
    """'阅读原文' or '原文链接：东江日报' whose words are a link -> the address it leads to."""
    label = _ORIGINAL_LABEL.match(text.strip())
    if label is None:
        return None
    anchor = label.group("anchor").strip()
    url = next((u for a, u in links if a.strip() in (anchor, text.strip()) or anchor.startswith(a.strip())), None)
    return Credits(original_url=url) if url and url.startswith("http") else None


def photo_credit(text: str) -> Credits | None:
    """'民警讲解防骗知识。 记者 张三 摄' -> the reporter who took the picture; the caption stays."""
    match = _PHOTO_CREDIT.search(text)
    people = names(match.group("names")) if match else None
    return Credits(authors=people) if people else None


def _reported(text: str) -> Credits | None:
    """'张伟 李娜 报道', '本报记者 张伟 报道' -> the reporters."""
    match = REPORTED.match(text.strip())
    if not match:
        return None
    who = match.group("who").strip()
    found = _roles(who, bracketed=True)  # '报道' closes the credit: '记者张伟报道'

    if found is None:
        people = names(who)
        found = Credits(authors=people) if people else None
    return found if found is not None and found.authors else None


def lead_credit(paragraph: str) -> tuple[str, Credits | None]:
    """'本报讯（记者 张三 通讯员 李四）4月1日…' -> the paragraph from '4月1日', and its authors; the
    same without brackets when spaces set the names apart ('本报讯 记者张三 通讯员李四 4月1日…')."""
    match = LEAD_CREDIT.match(paragraph)
    if not match:
        return _open_credit(paragraph)
    credit = match.group("credit")
    return paragraph[match.end() :], _roles(credit, bracketed=True) or _reported(credit) or Credits()


def _open_credit(paragraph: str) -> tuple[str, Credits | None]:
    """Reporters after 本报讯/电 with no brackets: each part a role and names, or further names, then a space."""
    opening = _LEAD_OPEN.match(paragraph)
    if opening is None:
        return paragraph, None
    at, roles = opening.end(), 0
    authors: list[str] = []
    while part := _CREDIT_PART.match(paragraph, at):
        people = _people(part["names"], bare=not part["role"])
        if not people or not (part["role"] or roles):
            break
        roles += bool(part["role"])
        authors.extend(people)
        at = part.end()
    if not authors or at >= len(paragraph):
        return paragraph, None
    return paragraph[at:], Credits(authors=tuple(dict.fromkeys(authors)))


def trailing_credit(paragraph: str) -> tuple[str, Credits | None]:
    """'...作出积极贡献。(文/张腾飞 范汉娟 图/盐城公安)' -> the paragraph without it, and its authors."""
    match = TRAILING_CREDIT.search(paragraph)
    if not match:
        bare = TRAILING_NAMES.search(paragraph)
        people = _people(bare.group(1), bare=True) if bare else ()
        if bare and people and bare.start() > 0:
            return paragraph[: bare.start()].rstrip(), Credits(authors=people)
        return paragraph, None
    credit = _BRACKETS.sub(r"\1", match.group(0).strip())
    found = _labelled(credit) or _roles(credit, bracketed=True) or _reported(credit) or _lenient_roles(credit)
    return paragraph[: match.start()].rstrip(), found


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
        parsed = _field(_label_field(match), value)
        if parsed is None:
            return None
        found = found.join(parsed)
    return found


def _label_field(match: re.Match[str]) -> str | None:
    """The field a label fills (责任编辑 -> editor), whether a colon or a space follows it."""
    label = match.group(1) or match.group(2)
    return BYLINE_LABELS.get(label, "editor" if "编辑" in label else "authors")


def _field(field: str | None, value: str) -> Credits | None:
    """One labelled value, checked: a by-line whose 'date' is no date is not a by-line.

    A source or an editor is one word: what follows it is reporters ('城北警务 记者 王芳') or page
    controls; 本站, 转载 and the like name no source.
    """
    if field is None:
        return Credits()
    if not value:
        return Credits() if field != "date" else None
    if field in ("date", "other_date"):
        when = parse_when(value, whole=True)
        return Credits(date=when, provisional=field == "other_date") if when else None
    if field == "authors":
        people = names(value, handles=True)
        if people is None and _ORGANISATION.fullmatch(value):
            return Credits()  # 作者：某某网, 作者：新浪网友: a credit that names no person
        return Credits(authors=people) if people is not None else None
    if field == "photos":  # a photographer is credited when a person is named (图/新华社 names none)
        return Credits(authors=_people(value, bare=True, leading=True))
    value, when = _value_then_date(value)
    if len(value) > 30 or any(ch in value for ch in CLAUSE_PUNCT + _MARKUP):
        return None
    name, _, rest = value.partition(" ")
    if name in NOT_SOURCES:
        name = ""
    if field == "editor":
        name = _EDITOR_CODE.sub("", name)
    found = Credits(editor=name or None) if field == "editor" else Credits(source=name or None)
    found = replace(found, date=when)
    return found.merge(_roles(rest) or _lenient_roles(rest)) if rest else found


def _value_then_date(value: str) -> tuple[str, date | None]:
    """'东江日报 2024-01-09 10:00' (or run together, as adjacent elements render) -> the
    value and the date after it."""
    when = _WHEN.search(value)
    if when is None or when.start() == 0 or not (day := parse_when(value[when.start() :], whole=True)):
        return value, None
    return value[: when.start()].strip(), day


def _roles(line: str, bracketed: bool = False) -> Credits | None:
    """'□本报记者徐瑞春', '□见习记者 沈媛', '记者 张三 通讯员 李四' -> the authors.

    A mark before the line, or brackets around it (本报讯（记者张三）), let a name follow its
    role with no space."""
    text = line.strip()
    stripped = text.lstrip(BYLINE_MARKS + " \u3000")
    marked = stripped != text or bracketed
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


@lru_cache(maxsize=8192)
def byline(text: str, dates: bool = False, names: bool = False) -> Credits | None:
    """A line around a headline or after a story -> the credits in it, read leniently; None when
    it names nothing.

    Unlike read_line, the line may hold other things too (页面功能, 我来说两句, a category): it
    is only harvested, never taken for the whole truth. Found: labelled fields (作者：…,
    来源：[ 人民网 ]), reporters after a role with or without their outlet (光明日报记者 王建宏),
    "by duscha", "ggjjzhzz 发表于 …", "由海姑娘张贴", a bracketed name ([ 黄宇 ]). With dates (the
    lines between a headline and its story) also an unlabelled date anywhere in the line; with
    names (the lines right under a headline) also a line of nothing but names.
    """
    line = INLINE_FURNITURE.sub(" ", text).strip()
    if not line or len(line) > MAX_BYLINE:
        return None
    strict = read_line(line)
    if strict is not None and (strict.date or strict.authors or strict.editor or strict.source):
        return strict.merge(Credits(date=parse_when(line))) if dates and not strict.date else strict
    found = labelled_date(line).merge(Credits(date=parse_when(line) if dates else None))
    found = found.merge(_lenient_labels(line)).merge(_lenient_roles(line))
    posted = next((m for p in POSTED_BY if (m := p.search(line))), None)
    if posted and (person := _person(posted.group("name"), handles=True)):
        found = found.merge(Credits(authors=(person,)))
    bracketed = _BRACKETED_NAME.search(line)
    if bracketed and (names or found != Credits() or bracketed.group(0) == line):
        people = _people(bracketed.group(1), bare=True)
        found = found.merge(Credits(authors=people)) if people else found
    if names and not found.authors:
        found = found.merge(Credits(authors=_names_then_units(line)))
    if dates and found.date and not found.source:
        found = found.merge(Credits(source=_dated_outlet(line)))
    return found if found != Credits() else None


def _dated_outlet(line: str) -> str | None:
    """'2005年04月05日06:40 东江早报' (a page's address may open it): the outlet after the date."""
    rest = re.sub(r"https?://\S+", " ", line)
    when = _WHEN.search(rest)
    if when is None or rest[: when.start()].strip():
        return None
    outlet = rest[when.end() :].strip()
    return outlet if _OUTLET.fullmatch(outlet) and outlet not in NOT_SOURCES else None


def _names_then_units(line: str) -> tuple[str, ...]:
    """A line of nothing but names, or of names followed by their unit or account ('冯思远 平安江城',
    '张伟 城东派出所'): the names. Anything else on the line, and it names no one."""
    line = _POST_MARK.sub("", _WHEN.sub(" ", line)).strip()
    tokens = _tokens(line)
    people = _people(line, bare=True, leading=True)
    rest = tokens[len(people) :] if people and tokens[: len(people)] == list(people) else None
    return people if rest is not None and all(_unit(t) for t in rest) else ()


def _unit(token: str) -> bool:
    """A unit, an outlet or an account, by how its name is made."""
    return bool(
        (_NAME.fullmatch(token) or _PEN_NAME.fullmatch(token))
        and (_NOT_PERSON_END.search(token) or _NOT_PERSON_LONG.search(token) or _place_and_word(token))
    )


def leading_date(line: str) -> date | None:
    """The date a short line opens with ('2003-5-29 09:07 高山流水'), else None."""
    line = line.strip()
    if len(line) > MAX_BYLINE or not (_WHEN.match(line) or _DMY.match(line)):
        return None
    return parse_when(line)


def labelled_date(line: str) -> Credits:
    """A date right after a label, with or without a colon: '发布时间 2005/05/17 22:11:42'; after
    成文日期 or 更新时间 a provisional one."""
    found = Credits()
    for label in _DATE_LABEL.finditer(line):
        rest = line[label.end() :].lstrip(" :：\u3000\u00a0")
        if _WHEN.match(rest) or _DMY.match(rest):
            found = found.merge(Credits(date=parse_when(rest), provisional=bool(label.group("other"))))
    return found


def _lenient_labels(line: str) -> Credits:
    """Each labelled value up to the next label, cut to what is valid at its start."""
    found = Credits()
    matches = list(_LABEL.finditer(line))
    if not matches:
        return found
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        value = line[match.end() : following.start() if following else len(line)].strip(" |｜\u3000\u00a0")
        field = _label_field(match)
        if field in ("date", "other_date"):
            found = found.merge(Credits(date=parse_when(value), provisional=field == "other_date"))
        elif field == "authors":
            found = found.join(Credits(authors=_people(value, handles=True, leading=True)))
        elif field == "photos":
            found = found.join(Credits(authors=_people(value, bare=True, leading=True)))
        elif field in ("editor", "source"):
            value, when = _value_then_date(value)
            found = found.merge(Credits(date=when))
            token = next(iter(_NAME_SPLIT.split(_BRACKETS.sub(r"\1", value).strip("[]【】()（） "))), "")
            token = token.strip("[]【】()（）")
            token = _EDITOR_CODE.sub("", token) if field == "editor" else token
            if (
                2 <= len(token) <= 20
                and token not in NOT_SOURCES
                and not any(c in token for c in CLAUSE_PUNCT + _MARKUP)
            ):
                found = found.merge(Credits(editor=token) if field == "editor" else Credits(source=token))
    return found


def _lenient_roles(line: str) -> Credits:
    """记者 张三, 光明日报记者 王建宏 张文攀, 河南商报记者马俊峰/文: the names after each role."""
    marked = line.lstrip(BYLINE_MARKS + " \u3000") != line
    matches = [m for m in _ROLE_ANYWHERE.finditer(line) if m.group("role")]
    if not matches:
        return Credits()
    authors: list[str] = []
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        chunk = line[match.end() : following.start() if following else len(line)]
        tight = not match.group("sep")
        if tight and not (marked or match.group("org") or match.group("role") in TIGHT_ROLES):
            continue
        authors.extend(_people(chunk, leading=True))
    return Credits(authors=tuple(dict.fromkeys(authors)))


def meta_people(value: str) -> tuple[str, ...]:
    """<meta name=author> and JSON-LD authors: people only when every part is a name of two or
    three characters (four with a double surname, any length with the minority dot ·) or a user
    name, and none names a CMS vendor, since these tags often name the site, its domain, its CMS
    vendor or its maker (TRS); the caller still drops the site's own name."""
    people = _people(value, handles=True)
    return people if all(_meta_person(p) for p in people) else ()


def _meta_person(name: str) -> bool:
    if _VENDOR.search(name):
        return False
    if not _NAME.fullmatch(name):
        return not name.isupper() and not _HAN_ONE.search(name)  # DEDECMS, TRS: the software, not a writer
    return len(name) <= 3 or "·" in name or _double_surname(name)


def _place_and_word(token: str) -> bool:
    """'平安南京', '江苏公安': four characters joining a place to a word name an account or a unit."""
    if len(token) != 4 or "·" in token or _double_surname(token):
        return False
    forms = gazetteer().forms
    return token[:2] in forms or token[2:] in forms


def _double_surname(name: str) -> bool:
    surname = _SURNAME.match(name)
    return surname is not None and len(surname.group(0)) == 2


def _pair(token: str) -> tuple[str, str] | None:
    """'张伟李娜' -> two names of two characters each, when both halves begin with a surname and
    the whole is no name with a double surname."""
    if len(token) != 4 or not _NAME.fullmatch(token) or "·" in token:
        return None
    surname = _SURNAME.match(token)
    if surname is None or _double_surname(token) or not _SURNAME.fullmatch(token[2]):
        return None
    halves = (token[:2], token[2:])
    return halves if all(_person(h) for h in halves) else None


def _tokens(text: str) -> list[str]:
    """Parts of a list of names; a two-character name spaced out to the width of three
    ('王　伟', '赵  培') is one name."""
    text = _AFFILIATION.sub(" ", text.strip()).strip(" \u3000()（）[]【】")
    text = _REPORT_TAIL.sub("", text)
    parts = [p.strip("()（）[]【】") for p in _NAME_SPLIT.split(text)]
    parts = [p for p in parts if p]
    out: list[str] = []
    i = 0
    while i < len(parts):
        single = len(parts[i]) == 1 and _HAN_ONE.fullmatch(parts[i])
        if single and i + 1 < len(parts) and len(parts[i + 1]) == 1 and _HAN_ONE.fullmatch(parts[i + 1]):
            out.append(parts[i] + parts[i + 1])
            i += 2
        else:
            out.append(parts[i])
            i += 1
    return out


def _people(text: str, handles: bool = False, leading: bool = False, bare: bool = False) -> tuple[str, ...]:
    """The names in text (all of it, or with leading only those before the first non-name)."""
    people: list[str] = []
    for token in _tokens(text):
        found = _person_or_pair(token, handles, bare)
        if not found:
            if leading:
                break
            return ()
        people.extend(found)
        if handles and _PEN_NAME.fullmatch(token):  # a pen name stands alone: what follows is not a name
            return (token,) if leading and len(people) == 1 else ()
    return tuple(dict.fromkeys(people))


def _person_or_pair(token: str, handles: bool = False, bare: bool = False) -> tuple[str, ...]:
    """One name, or the two names of a pair written together ('张伟李娜'); () for no one."""
    pair = _pair(token)
    if pair:
        return pair
    person = _person(token, handles, bare)
    return (person,) if person else ()


def _person(token: str, handles: bool = False, bare: bool = False) -> str | None:
    """A Chinese name (not an office, an outlet or a page control), or with handles a user name.

    bare is for a name standing alone under a headline, with no label to vouch for it: a Chinese
    name must then begin with a common surname and not be a place, a user name be a plain
    lower-case word.
    """
    if token in NOT_PERSON or token.lower() in NOT_PERSON or token.lower() in NOT_NAMES:
        return None
    if _NAME.fullmatch(token):
        if _NOT_PERSON_END.search(token) or _NOT_PERSON_LONG.search(token) or _place_and_word(token):
            return None
        surname = _SURNAME.match(token)
        given = len(token) - (len(surname.group(0)) if surname else 1)
        if bare and "·" not in token and not (surname and given <= 2):
            return None
        if bare and token in gazetteer().forms:  # 江苏, 黄山: a place under a headline is a dateline or a tag
            return None
        return token
    if handles and not bare and _PEN_NAME.fullmatch(token) and not _unit(token):
        return token
    handle = _BARE_HANDLE if bare else _HANDLE
    return token if (handles or bare) and handle.fullmatch(token) and not _DOMAIN.search(token) else None
