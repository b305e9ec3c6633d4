"""sitegen.toml -> a frozen Config; unknown keys and wrong types are rejected with a suggestion."""

from __future__ import annotations

import difflib
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sitegen.errors import SitegenError, SitegenErrors

CONFIG_NAME = "sitegen.toml"


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
    language: str = "zh-CN"
    theme: str = "default"
    content_dir: Path = Path("content")
    output_dir: Path = Path("output")
    static_dir: Path = Path("static")
    per_page: int = 20
    feed_size: int = 20
    remote_images: bool = False
    topics: tuple[Topic, ...] = field(default_factory=tuple)

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
    "language": str,
    "theme": str,
    "content_dir": str,
    "output_dir": str,
    "static_dir": str,
    "per_page": int,
    "feed_size": int,
    "remote_images": bool,
    "topics": dict,
}


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
        values[key] = value
    topics: list[Topic] = []
    for name, keywords in sorted(values.pop("topics", {}).items()):
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
    return Config(root=root, topics=tuple(topics), **values)


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
