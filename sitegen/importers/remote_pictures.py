"""A story's pictures on other sites, for `sitegen import --fetch-images`: which they are, what each is called
by the story (its alt text and caption), and how a downloaded one is named and recorded.

A page that loads a picture from the newsroom's server tells that server who reads the archive, and
shows nothing once the server is gone. The opt-in step downloads each picture into the site's
static/images/<slug>/ and points the post at it. The caption stays in the post as the importer wrote
it; the provenance goes beside the pictures, in SOURCES: a hidden file, which the build does not
publish, mapping each file's name to the URL it came from, its alt text and caption, and its post.
The front matter's `images` keeps the original URLs. commands/import_.py fetches and writes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from sitegen import markup
from sitegen.importers import markdown_body

SOURCES = ".sources.json"
# What a downloaded file must start with to be kept, and the suffix it is then named with: the formats
# browsers show in <img> and the build reads. A server's error page or a redirect to a login is none.
SIGNATURES = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
)
SUFFIXES = {".jpg": (".jpg", ".jpeg", ".jpe"), ".png": (".png",), ".gif": (".gif",), ".webp": (".webp",)}
_UNSAFE = re.compile(r"[^\w.-]+")
_FIGURES = re.compile(r'<figure>(<img\b(?:[^>"]|"[^"]*")*>)<figcaption>(.*?)</figcaption></figure>', re.DOTALL)


@dataclass(frozen=True)
class Remote:
    """A picture a story shows from another site: its address as the Markdown writes it, and its words."""

    url: str
    alt: str
    caption: str


def remote(body: str) -> list[Remote]:
    """The pictures the body shows from other sites (http, https or //host), once each, in order; code
    is not looked in."""
    targets = [t for t in dict.fromkeys(markdown_body.image_targets(body)) if _fetchable(t)]
    if not targets:
        return []
    words = _words(markup.to_html(body, remote_images=True))
    return [Remote(t, *words.get(_same(t), ("", ""))) for t in targets]


def _fetchable(target: str) -> bool:
    parts = urlsplit(target)
    return bool(parts.netloc) and parts.scheme.lower() in ("http", "https", "")


def address(target: str) -> str:
    """The URL to fetch: a protocol-relative one (//host/a.jpg) over https."""
    return "https:" + target if target.startswith("//") else target


def _same(url: str) -> str:
    """A URL as the Markdown and as the rendered HTML write it (percent-encoded or not) alike."""
    return unquote(url)


def _words(body_html: str) -> dict[str, tuple[str, str]]:
    """Each picture's alt text and figure caption, by its address (see _same()); the first of the same one's."""
    captions: dict[str, str] = {}
    for figure in _FIGURES.finditer(body_html):
        for tag in markup.images(figure.group(1)):
            captions.setdefault(_same(tag.get("src", "")), markup.to_text(figure.group(2)))
    found: dict[str, tuple[str, str]] = {}
    for tag in markup.images(body_html):
        src = _same(tag.get("src", ""))
        found.setdefault(src, (tag.get("alt", ""), captions.get(src, "")))
    return found


def suffix(data: bytes) -> str | None:
    """The suffix a downloaded picture is named with, or None when the bytes are no picture."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return next((found for signature, found in SIGNATURES if data.startswith(signature)), None)


def file_name(url: str, kind: str) -> str:
    """A plain file name for a picture from its URL's last part, with the suffix of what it holds."""
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    stem = _UNSAFE.sub("-", PurePosixPath(name).stem if PurePosixPath(name).suffix else name).strip("-.")
    given = PurePosixPath(name).suffix.lower()
    return f"{stem or 'picture'}{given if given in SUFFIXES[kind] else kind}"


def recorded(existing: str | None, name: str, picture: Remote, post: str) -> str:
    """SOURCES with the picture's provenance added under its file name (an entry there already is kept)."""
    try:
        entries = json.loads(existing) if existing else {}
    except ValueError:
        entries = {}
    if not isinstance(entries, dict):
        entries = {}
    entries.setdefault(name, {"url": picture.url, "alt": picture.alt, "caption": picture.caption, "post": post})
    return json.dumps(entries, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
