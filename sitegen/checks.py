"""What `sitegen check` reports and `sitegen build` refuses: problems a reader would see, with file and line.

Errors stop a build (unknown topic, empty body, broken internal link, missing local image, an
alias that clashes: see redirects.py);
warnings are shown and left to the editor (items under `review`, a missing date, a time
without an offset, a local image the post's own `review` names as not found). `--strict` makes
warnings errors.

Why a missing image named under review is a warning: the importer found no file for it in the blog
it migrated (a blog's /images folder often lives outside its posts' repository) and said so, with
where to put it. The page still shows the image's text, and no one can supply the file by building
again: refusing the whole site for it would hold every other post back. Any other missing image (a
typo in a hand-written post, a file deleted since) is unknown to the editor and stays an error; so
does an imported one once its review item is removed without the file being put in place.
"""

from __future__ import annotations

import difflib
import functools
import posixpath
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen import frontmatter, markup, messages
from sitegen.config import Config
from sitegen.content import Story
from sitegen.errors import SitegenError
from sitegen.extract import regions


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
            line = item_line(story, ("categories", "category"), name)
            found.append(SitegenError(f"unknown topic '{name}'", story.path, line, hint=topic_hint(cfg, name)))
    for name in meta.regions:
        close = region_guess(name, meta.regions)
        if close is not None:
            line = item_line(story, ("regions", "region"), name)
            found.append(warning(f"region '{name}' is not in the gazetteer", story, line, f"did you mean {close}?"))
    if not story.body.strip():
        problem = SitegenError("the post has no text", story.path, story.doc.start_line, warning=meta.draft)
        found.append(problem)
    elif not meta.draft:
        found += _unfinished(story)
    if meta.review:
        found.append(
            warning(
                f"needs review: {', '.join(meta.review)}",
                story,
                lines.get("review"),
                "fix it, then remove it from 'review'",
            )
        )
    if meta.date is None and "date" not in meta.review and not undated_items() & set(meta.review):
        found.append(warning("no date", story, story.doc.start_line, "date: 2024-01-13T09:30:00+08:00"))
    raw_date = story.doc.data.get("date")
    if isinstance(raw_date, str) and frontmatter.time_without_offset(raw_date):
        found.append(
            warning(
                f"date '{raw_date}' has a time but no offset; read as China time (+08:00)",
                story,
                lines.get("date"),
                "add the offset: 2024-01-13T09:30:00+08:00",
            )
        )
    return found


def topic_hint(cfg: Config, name: str) -> str:
    """'did you mean' the topic whose name or keyword is closest to name, else the topics there are."""
    owners = {t.name: t.name for t in cfg.topics} | {k: t.name for t in cfg.topics for k in t.keywords}
    close = difflib.get_close_matches(name, list(owners), n=1, cutoff=0.3)
    if close:
        topic = owners[close[0]]
        return f"did you mean '{topic}'?"
    known = sorted(t.name for t in cfg.topics)
    return f"topics are set in sitegen.toml: {'、'.join(known)}"


@functools.cache
def _gazetteer_names() -> dict[str, tuple[str, ...]]:
    """The gazetteer's official names by their last character (县, 市, 区, 省 ...): a typo keeps it."""
    by_end: dict[str, list[str]] = {}
    for name in regions.gazetteer().names.values():
        by_end.setdefault(name[-1], []).append(name)
    return {end: tuple(sorted(set(names))) for end, names in by_end.items()}


def region_guess(name: str, chain: Sequence[str]) -> str | None:
    """The gazetteer's name a region name not in it was most likely meant as (泰禾县 -> 泰和县), or None:
    a name it knows, a place abroad, or one no name is close to (a town, a street) is no typo. Of close
    names, one under the regions the story names beside it comes first."""
    g = regions.gazetteer()
    if name in g.forms or name in regions.elsewhere() or len(name) < 2:
        return None
    close = difflib.get_close_matches(name, _gazetteer_names().get(name[-1], ()), n=5, cutoff=0.6)
    if not close:
        return None
    codes = {n: [c for c, official in g.names.items() if official == n] for n in close}
    nested = [n for n in close if any(g.names[a] in chain for c in codes[n] for a in g.ancestors(c))]
    return (nested or close)[0]


def item_line(story: Story, keys: Sequence[str], item: str) -> int | None:
    """The line of the front matter that names item under one of keys, else the key's line: read again
    only when there is a problem to report (a Story keeps no line numbers of list items)."""
    key_line = next((story.doc.lines[k] for k in keys if k in story.doc.lines), None)
    if key_line is None:
        return story.doc.start_line
    try:
        text = story.path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    except (OSError, UnicodeDecodeError):
        return key_line
    for number in range(key_line, min(story.doc.body_line, len(text) + 1)):
        line = text[number - 1]
        if item in line and (number == key_line or not re.match(r"[A-Za-z_][\w-]*[ \t]*:", line)):
            return number
        if number > key_line and re.match(r"[A-Za-z_]", line):
            break  # the next key: the item was written another way (a nested list, a mapping)
    return key_line


# The body `sitegen new` writes, for the editor to replace.
PLACEHOLDER_BODY = "在这里写正文。每段之间空一行；小标题以“## ”开头。"
_HEADING = re.compile(r"(#{1,6})[ \t]+\S")
_FENCE = re.compile(r"[ ]{0,3}(```|~~~)")


def _unfinished(story: Story) -> list[SitegenError]:
    """A published post that still holds the new post's placeholder text, or a heading with nothing under it."""
    found: list[SitegenError] = []
    lines = story.body.split("\n")
    for n, text in enumerate(lines):
        if PLACEHOLDER_BODY in text:
            found.append(
                SitegenError(
                    "the post still holds the placeholder text of 'sitegen new'",
                    story.path,
                    story.doc.body_line + n,
                    hint="write the story in its place, or keep 'draft: true' until it is written",
                )
            )
    for n, heading in _empty_sections(lines):
        found.append(
            SitegenError(
                f"the section '{heading}' is empty",
                story.path,
                story.doc.body_line + n,
                hint="write its text, or remove the heading",
            )
        )
    return found


def _empty_sections(lines: Sequence[str]) -> list[tuple[int, str]]:
    """(index, heading text) of each Markdown heading with no text before the next heading of its level or
    above (or the end): headings in code blocks are code."""
    headings: list[tuple[int, int, str]] = []  # index, level, text
    text_at: list[int] = []
    fenced = False
    for n, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            text_at.append(n)
        elif not fenced and (heading := _HEADING.match(line)):
            headings.append((n, len(heading.group(1)), line.lstrip("#").strip()))
        elif line.strip():
            text_at.append(n)
    empty = []
    for i, (n, level, title) in enumerate(headings):
        end = next((m for m, other, _ in headings[i + 1 :] if other <= level), len(lines))
        if not any(n < m < end for m in text_at):
            empty.append((n, title))
    return empty


def robots_problem(cfg: Config) -> SitegenError | None:
    """A warning when base_url has a path: crawlers read robots.txt at a host's root alone, so the one the
    build writes (with the site, under the path) is never read."""
    if cfg.base_path == "/":
        return None
    return SitegenError(
        f"base_url has a path ({cfg.base_path}): crawlers read robots.txt only at the root of a host, "
        f"not the one the build writes at {cfg.base_path}robots.txt",
        cfg.root / "sitegen.toml",
        hint="copy its lines into the host's /robots.txt, or give search engines sitemap.xml's address yourself",
        warning=True,
    )


def link_problems(story: Story, site_files: set[str]) -> list[SitegenError]:
    """Internal links and local images in a post body must name a file the build writes."""
    links = markup.body_links(story.body)
    return missing_links(story.path, story.url, story.doc.body_line, links, site_files, story.meta.review)


def missing_links(
    path: Path | str,
    url: str,
    body_line: int,
    links: Iterable[markup.Link],
    site_files: set[str],
    review: Sequence[str] | None = None,
) -> list[SitegenError]:
    """link_problems() from a post's links found earlier: the build keeps them, not the bodies.

    Body links are site-relative ('/posts/x/' means the site's root, wherever it is hosted). review is
    the post's `review` list; None reads it from the post's file when an image is missing.
    """
    here = "/" + url
    found: list[SitegenError] = []
    by_case: dict[str, str] | None = None  # the site's files by their lowercase path, made for the first miss
    known: set[str] | None = None  # the images the post's review names as missing, made for the first miss
    for target, line, is_image in links:
        if target.startswith(("https://", "http://")):
            continue  # most links, and other sites: known without urlsplit(), which every link would pay
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
            if is_image:
                known = named_missing(_review_of(path) if review is None else review) if known is None else known
                if rel in known:
                    found.append(_known_missing(target, Path(path), body_line + line))
                    continue
            found.append(
                SitegenError(
                    f"broken {'image' if is_image else 'link'}: {target} (no such page or file in the site)",
                    Path(path),
                    body_line + line,
                    hint=_case_hint(rel, by_case) or "local files belong in static/; link to posts as /posts/<slug>/",
                )
            )
    return found


# The review item the importer writes for a picture it found no file for: the address as the post wrote it,
# and where the file goes (the site's static folder, then the path the post's link now names).
IMAGE_NOT_FOUND = "image not found: {ref} (put it at {folder}/{rel})"
_NOT_FOUND = re.compile(
    re.escape(IMAGE_NOT_FOUND).replace(r"\{ref\}", "(?P<ref>.+)").replace(r"\{folder\}", "[^/]+")
    .replace(r"\{rel\}", "(?P<rel>[^)]+)")
)  # fmt: skip


@functools.cache
def undated_items() -> frozenset[str]:
    """How an import names a date it could not find under `review` as loss.worded() writes it (importers.loss
    is not imported: a build would load every importer)."""
    return frozenset({"date", messages.translated("date: not found in the source, check it", messages.ZH)})


def named_missing(review: Sequence[str]) -> set[str]:
    """The images a post's review names as not found, as paths from the site's root."""
    found: set[str] = set()
    for item in review:
        match = _NOT_FOUND.fullmatch(item)
        if match is not None:
            found |= {unquote(match["rel"]).lstrip("/"), unquote(match["ref"]).lstrip("/")}
    return found


def _known_missing(target: str, path: Path, line: int) -> SitegenError:
    return SitegenError(
        f"missing image: {target} (the post's review names it as not found; the page shows its text)",
        path,
        line,
        hint="put the file where the review item says, or take the image out; then remove the review item",
        warning=True,
    )


def _review_of(path: Path | str) -> tuple[str, ...]:
    """A post's `review` list, read again from its file: the build keeps no post's front matter lines."""
    try:
        data = frontmatter.split(Path(path).read_text(encoding="utf-8"), Path(path)).data
    except (OSError, UnicodeDecodeError, SitegenError):
        return ()
    items = data.get("review")
    return tuple(str(item) for item in items) if isinstance(items, list) else ()


def _case_hint(rel: str, by_case: dict[str, str]) -> str | None:
    """'did you mean' when the site has the file in other letter case: the disk it was written on may not tell
    them apart, but a web host does."""
    same = by_case.get(rel.lower()) or by_case.get(f"{rel}/index.html".lower())
    if same is None:
        return None
    return f"did you mean /{same.removesuffix('index.html')}? Only the letter case differs, and web hosts tell it apart"
