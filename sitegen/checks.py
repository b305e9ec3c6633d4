"""What `sitegen check` reports and `sitegen build` refuses: problems a reader would see, with file and line.

Errors stop a build (unknown topic, empty body, broken internal link, missing local image, an
alias that clashes: see redirects.py);
warnings are shown and left to the editor (items under `review`, a missing date, a time
without an offset). `--strict` makes warnings errors.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen import markup
from sitegen.config import Config
from sitegen.content import Story
from sitegen.errors import SitegenError
from sitegen.frontmatter import read_datetime


def warning(message: str, story: Story, line: int | None, hint: str | None = None) -> SitegenError:
    return SitegenError(message, story.path, line, hint, warning=True)


def story_problems(cfg: Config, story: Story) -> list[SitegenError]:
    """Problems of one post on its own, without looking at the rest of the site."""
    lines = story.doc.lines
    meta = story.meta
    found: list[SitegenError] = []
    known = {t.name for t in cfg.topics}
    for name in meta.categories:
        if known and name not in known:
            found.append(
                SitegenError(
                    f"unknown topic '{name}'",
                    story.path,
                    lines.get("categories", lines.get("category")),
                    hint=f"topics are set in sitegen.toml: {'、'.join(sorted(known))}",
                )
            )
    if not story.body.strip():
        problem = SitegenError("the post has no text", story.path, story.doc.start_line, warning=meta.draft)
        found.append(problem)
    if meta.review:
        found.append(
            warning(
                f"needs review: {', '.join(meta.review)}",
                story,
                lines.get("review"),
                "fix it, then remove it from 'review'",
            )
        )
    if meta.date is None and "date" not in meta.review:
        found.append(warning("no date", story, story.doc.start_line, "date: 2024-01-13T09:30:00+08:00"))
    raw_date = story.doc.data.get("date")
    if isinstance(raw_date, str) and _time_without_offset(raw_date):
        found.append(
            warning(
                f"date '{raw_date}' has a time but no offset; read as China time (+08:00)",
                story,
                lines.get("date"),
                "add the offset: 2024-01-13T09:30:00+08:00",
            )
        )
    return found


def _time_without_offset(text: str) -> bool:
    try:
        parsed = read_datetime(text)
    except (ValueError, OverflowError):
        return False
    has_time = any(ch == ":" for ch in text)
    return has_time and parsed.tzinfo is None


def link_problems(story: Story, site_files: set[str]) -> list[SitegenError]:
    """Internal links and local images in a post body must name a file the build writes."""
    return missing_links(story.path, story.url, story.doc.body_line, markup.body_links(story.body), site_files)


def missing_links(
    path: Path | str, url: str, body_line: int, links: Iterable[markup.Link], site_files: set[str]
) -> list[SitegenError]:
    """link_problems() from a post's links found earlier: the build keeps them, not the bodies.

    Body links are site-relative ('/posts/x/' means the site's root, wherever it is hosted).
    """
    here = "/" + url
    found: list[SitegenError] = []
    by_case: dict[str, str] | None = None  # the site's files by their lowercase path, made for the first miss
    for target, line, is_image in links:
        if target.startswith(("https://", "http://")):
            continue  # most links, and other sites: not urlsplit() 10^4 times a build
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path:
            continue  # other sites, mailto:, and #anchors on the same page
        joined = posixpath.join(here, unquote(parts.path))
        rel = (posixpath.normpath(joined) + ("/" if joined.endswith("/") else "")).lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        if rel not in site_files and f"{rel}/index.html" not in site_files:
            if by_case is None:
                by_case = {file.lower(): file for file in sorted(site_files, reverse=True)}
            found.append(
                SitegenError(
                    f"broken {'image' if is_image else 'link'}: {target} (no such page or file in the site)",
                    Path(path),
                    body_line + line,
                    hint=_case_hint(rel, by_case) or "local files belong in static/; link to posts as /posts/<slug>/",
                )
            )
    return found


def _case_hint(rel: str, by_case: dict[str, str]) -> str | None:
    """'did you mean' when the site has the file in other letter case: the disk it was written on may not tell
    them apart, but a web host does."""
    same = by_case.get(rel.lower()) or by_case.get(f"{rel}/index.html".lower())
    if same is None:
        return None
    return f"did you mean /{same.removesuffix('index.html')}? Only the letter case differs, and web hosts tell it apart"
