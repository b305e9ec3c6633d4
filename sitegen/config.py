"""sitegen.toml -> a frozen Config; unknown keys and wrong types are rejected with a suggestion."""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import control_character
from sitegen.slugs import term_name

CONFIG_NAME = "sitegen.toml"
# What a base URL may not hold: whitespace, controls, and what would end or break an attribute or a URL.
UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\s\"'<>\\^`{|}]")
BASE_URL_HINT = "an address like https://example.org/archive/ or a path like /archive/"
# A domain name as DNS spells it: dot-separated labels of letters, digits and inner hyphens.
HOST_NAME = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}")
CNAME_HINT = 'the domain alone, e.g. cname = "news.example.org" (no https://, no path)'


@dataclass(frozen=True)
class Topic:
    """One entry of the controlled topic vocabulary: a name and the words that signal it."""

    name: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    root: Path = field(repr=False)  # where the site is, not what it shows: page keys hash repr(cfg)
    title: str = "平安新闻档案"
    description: str = "公共安全新闻档案"
    base_url: str = "/"
    cname: str | None = None  # the custom domain the site is served at: written as CNAME (GitHub Pages)
    language: str = "zh-CN"
    theme: str = "default"
    content_dir: Path = Path("content")
    output_dir: Path = Path("output")
    static_dir: Path = Path("static")
    per_page: int = 20
    feed_size: int = 20
    remote_images: bool = False
    topics: tuple[Topic, ...] = field(default_factory=tuple)
    # An imported story with items under `review` is written as a draft, for an editor to publish ([import]).
    review_as_draft: bool = True
    # Old site paths -> where they moved ([redirects], written by `sitegen rename`): redirect pages, not content.
    redirects: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # The language of sitegen's messages, "zh" or "en" (see sitegen/messages.py); "" follows LANG. Not shown on pages.
    messages_language: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        """A base URL given on the command line (--base-url) is held to the rules of the config's."""
        problem = base_url_problem(self.base_url)
        if problem is not None:
            raise SitegenError(f"base_url '{self.base_url}' {problem}", hint=BASE_URL_HINT)

    @property
    def theme_dir(self) -> Path:
        return self.root / "themes" / self.theme

    @functools.cached_property
    def base_path(self) -> str:
        """The path part of base_url with slashes at both ends: '/' or '/archive/'."""
        path = urlsplit(self.base_url).path.strip("/")
        return f"/{path}/" if path else "/"

    def absolute(self, url_path: str) -> str:
        """An absolute URL for feeds and the sitemap; site-relative when base_url has no host."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}{url_path}" if parts.netloc else url_path


_TYPES: dict[str, type] = {
    "title": str,
    "description": str,
    "base_url": str,
    "cname": str,
    "language": str,
    "theme": str,
    "content_dir": str,
    "output_dir": str,
    "static_dir": str,
    "per_page": int,
    "feed_size": int,
    "remote_images": bool,
    "topics": dict,
    "messages_language": str,
    "import": dict,
    "redirects": dict,
}
# The keys of the [import] table, and their types.
IMPORT_KEYS: dict[str, type] = {"review_as_draft": bool}


def base_url_problem(url: str) -> str | None:
    """Why url cannot be where the site is published, or None: it must be an absolute http(s) URL or a
    path, and hold nothing that a page would have to escape (its path is written into every link)."""
    unsafe = UNSAFE_IN_URL.search(url)
    if unsafe is not None:
        return f"holds {unsafe.group()!r}, which a link cannot hold as it is"
    if "?" in url or "#" in url:
        return "has a query or a fragment (?, #)"
    parts = urlsplit(url)
    if parts.scheme:
        return None if parts.scheme in ("http", "https") and parts.netloc else "is not an http(s) address with a host"
    return None if url.startswith("/") and not url.startswith("//") else "is neither an http(s) address nor a path"


def host_name(text: str) -> str | None:
    """text as the ASCII domain name a CNAME file holds (a Chinese domain in its xn-- form), or None
    when it is not a domain name: an address with a scheme or a path is a common slip."""
    try:
        ascii_name = text.strip().rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    return ascii_name if HOST_NAME.fullmatch(ascii_name) else None


def _suggest(key: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(known))}"


def validate(raw: dict[str, Any], root: Path, path: Path) -> Config:
    """Check every key of a parsed sitegen.toml and report all problems together."""
    problems: list[SitegenError] = []
    values: dict[str, Any] = {}
    for key, value in raw.items():
        expected = _TYPES.get(key)
        if expected is None:
            problems.append(SitegenError(f"unknown key '{key}'", path, hint=_suggest(key, list(_TYPES))))
            continue
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            problems.append(SitegenError(f"'{key}' must be {expected.__name__}, not {type(value).__name__}", path))
            continue
        if isinstance(value, str) and not value.strip():
            problems.append(SitegenError(f"'{key}' is empty", path, hint=f"give '{key}' a value or remove the line"))
            continue
        char = control_character(value)
        if char is not None:
            problems.append(SitegenError(f"control character U+{ord(char):04X} in '{key}'", path, hint="remove it"))
            continue
        wrong = base_url_problem(str(value)) if key == "base_url" else None
        if wrong is not None:
            problems.append(SitegenError(f"base_url '{value}' {wrong}", path, hint=BASE_URL_HINT))
            continue
        if key == "cname":
            value = host_name(str(value))
            if value is None:
                problems.append(SitegenError(f"cname '{raw[key]}' is not a domain name", path, hint=CNAME_HINT))
                continue
        values[key] = value
    for key, value in values.pop("import", {}).items():
        if IMPORT_KEYS.get(key) is not bool or not isinstance(value, bool):
            hint = "review_as_draft = true" if key in IMPORT_KEYS else _suggest(key, list(IMPORT_KEYS))
            problems.append(
                SitegenError(f"import.{key}: not a setting of [import], or not true or false", path, hint=hint)
            )
            continue
        values[key] = value
    redirects = tuple(sorted(values.pop("redirects", {}).items()))
    for old, new in redirects:
        if not isinstance(new, str) or not new.strip():
            problems.append(
                SitegenError(
                    f"redirects.{old} must be a site path", path, hint='"topics/old-name/" = "topics/new-name/"'
                )
            )
    topics: list[Topic] = []
    for raw_name, keywords in sorted(values.pop("topics", {}).items()):
        name = term_name(raw_name)  # as posts' categories are read
        if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
            problems.append(
                SitegenError(
                    f"topics.{name} must be a list of keywords",
                    path,
                    hint=f'{name} = ["关键词一", "关键词二"]',
                )
            )
            continue
        topics.append(Topic(name, tuple(keywords)))
    for key in ("per_page", "feed_size"):
        if key in values and values[key] < 1:
            problems.append(SitegenError(f"'{key}' must be at least 1", path))
    if problems:
        raise SitegenErrors(problems)
    for key in ("content_dir", "output_dir", "static_dir"):
        if key in values:
            values[key] = Path(values[key])
    return Config(root=root, topics=tuple(topics), redirects=redirects, **values)


def load(root: Path) -> Config:
    """Read root/sitegen.toml; a missing file gives the defaults, a broken one an error."""
    path = root / CONFIG_NAME
    if not path.exists():
        return Config(root=root)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise SitegenError(f"not valid TOML: {err}", path, getattr(err, "lineno", None)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise SitegenError(f"cannot read config: {err}", path) from None
    return validate(raw, root, path)
