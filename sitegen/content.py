"""Load content/ into Stories: every file read and validated before anything is built."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple, TypeVar

from sitegen import frontmatter
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import Meta
from sitegen.keys import digest
from sitegen.paths import inside
from sitegen.slugs import slugify


@dataclass(frozen=True)
class Story:
    """One post: where it came from, its validated front matter and its Markdown body."""

    path: Path
    meta: Meta
    body: str
    slug: str
    doc: frontmatter.Document  # the raw front matter with its line numbers, for precise messages

    @property
    def file(self) -> str:
        return str(self.path)

    @property
    def url(self) -> str:
        """Site-relative URL, fixed by the slug alone so a corrected date never moves a page."""
        return f"posts/{self.slug}/"

    @property
    def time(self) -> float:
        """When the story sorts, as a timestamp (see frontmatter.sort_key())."""
        return frontmatter.sort_key(self.meta.date).timestamp()


class Card(NamedTuple):
    """What pages show of a story besides its body: the only story object templates are given.

    Cards, Posts and the cache's Entries are tuples, not dataclasses: every build loads one of each
    per post from the cache, and a tuple is made much faster than a frozen dataclass.
    """

    url: str
    meta: Meta
    key: str  # hash of url and meta: a page showing this card must change when the key does
    brief: str  # hash of its Brief: an article showing it as related or beside must change when this does


class Brief(NamedTuple):
    """What an article shows of another story (a related one, the one before or after): its link,
    title and date. Keyed apart from its card, so that a topic or tag edited changes the pages
    that show the story's terms, not the hundreds of articles that may list it as related."""

    url: str
    title: str
    date: date | None

    @classmethod
    def of(cls, url: str, meta: Meta) -> Brief:
        return cls(url, meta.title, meta.date)


class Post(NamedTuple):
    """A story as the build keeps it for the whole run: its front matter and its body's hash, not the body.

    A large archive's bodies would not fit in memory; the rendered body is fetched from the cache when a page needs it.
    file is the path as walked, a string: a Path costs more to make and to keep, and most builds
    need none of them.
    """

    file: str
    slug: str
    card: Card
    body_sha: str
    time: float  # Story.time, kept: sorting and filtering every post then does no date arithmetic
    day: str  # its date as pages and the search index show it ("2022-08-18", "" when undated), kept likewise

    @classmethod
    def of(cls, story: Story) -> Post:
        url, meta = story.url, story.meta
        card = Card(url, meta, digest(url, repr(meta)), digest(*map(repr, Brief.of(url, meta))))
        return cls(str(story.path), story.slug, card, digest(story.body), story.time, iso_day(meta.date))

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def meta(self) -> Meta:
        return self.card.meta

    @property
    def url(self) -> str:
        return self.card.url


StoryT = TypeVar("StoryT", Story, Post)


def iso_day(value: date | None) -> str:
    """The day of a date ("2022-08-18"), "" for none."""
    if value is None:
        return ""
    return (value.date() if isinstance(value, datetime) else value).isoformat()  # a sixth of isoformat()[:10]'s time


def walk_posts(content_dir: Path) -> tuple[list[str], list[SitegenError]]:
    """Every post (*.md, not hidden) under content_dir in path order, as strings (a build stats every one of
    them), and an error for each link in content_dir whose target lies outside it: a post linked in from
    elsewhere (or a folder of them) would publish a file the site does not hold. Links within content_dir
    are allowed; like Path.rglob, linked folders are not followed.
    """
    found: list[str] = []
    outside: list[SitegenError] = []
    folders = [str(content_dir)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_symlink() and not inside(entry.path, content_dir):
                    outside.append(_outside(Path(entry.path)))
                elif entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                elif entry.name.endswith(".md") and not entry.name.startswith(".") and entry.is_file():
                    found.append(entry.path)
    return sorted(found, key=lambda f: f.split(os.sep)), sorted(outside, key=lambda e: str(e.path))


def _outside(link: Path) -> SitegenError:
    return SitegenError(
        f"a link to {os.path.realpath(link)}, outside the content folder: it is not published",
        link,
        hint="copy the file into the content folder, or remove the link",
    )


def stat_posts(content_dir: Path) -> list[tuple[str, int, int]]:
    """Every post's path (see walk_posts()), size and mtime: what tells a build which files changed.

    A link out of content_dir stops the build, as `sitegen check` reports it.
    """
    files, outside = walk_posts(content_dir)
    if outside:
        raise SitegenErrors(outside)
    found = []
    for file in files:
        stat = os.stat(file)
        found.append((file, stat.st_size, stat.st_mtime_ns))
    return found


def post_paths(content_dir: Path) -> list[Path]:
    """The posts of walk_posts(); links out of content_dir are left out."""
    return [Path(f) for f in walk_posts(content_dir)[0]]


def read_story(path: Path) -> Story:
    """One file -> Story; undecodable or invalid files raise with the file and line."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise SitegenError(
            f"not UTF-8 text (byte {err.start})",
            path,
            hint="save the post as UTF-8, or import it with 'sitegen import'",
        ) from None
    except OSError as err:
        raise SitegenError(f"cannot read: {err.strerror}", path) from None
    meta, body, doc = frontmatter.read(text, path)
    return Story(path, meta, body, meta.slug or slugify(path.stem), doc)


def require_folder(content_dir: Path) -> None:
    if not content_dir.is_dir():
        raise SitegenError(
            "content folder not found", content_dir, hint="run sitegen in the site's folder, or pass --content DIR"
        )


def read_all(content_dir: Path) -> tuple[list[Story], list[SitegenError]]:
    """Every post under content_dir, and every problem found in every file (none stops the others)."""
    require_folder(content_dir)
    files, problems = walk_posts(content_dir)
    stories: list[Story] = []
    for path in map(Path, files):
        try:
            stories.append(read_story(path))
        except SitegenError as err:
            problems.append(err)
        except SitegenErrors as errs:
            problems.extend(errs.errors)
    problems += slug_clashes((s.slug, s.path, slug_line(s), s.meta) for s in stories)
    return stories, problems


def slug_line(story: Story) -> int:
    return story.doc.lines.get("slug", story.doc.start_line)


def slug_clashes(found: Iterable[tuple[str, Path | str, int, Meta]]) -> list[SitegenError]:
    """(slug, path, line, meta) in path order -> an error for each post whose slug another already has.

    The post kept is the published one: a draft, then an undated post, then the newer post is reported,
    for changing a published slug breaks every link to it."""
    groups: dict[str, list[tuple[int, Path | str, int, Meta]]] = {}
    for n, (slug, path, line, meta) in enumerate(found):
        groups.setdefault(slug, []).append((n, path, line, meta))
    problems: list[tuple[int, SitegenError]] = []
    for slug, posts in groups.items():
        kept = min(posts, key=_established)
        seen = kept[1]
        for n, path, line, _ in (post for post in posts if post is not kept):
            hint = "give one of them another 'slug:' in its front matter"
            if not kept[3].draft:
                hint = (
                    f"give this post another 'slug:'; do not change a published slug ({seen}): links to it would break"
                )
            problems.append((n, SitegenError(f"slug '{slug}' is also used by {seen}", Path(path), line, hint=hint)))
    return [problem for _, problem in sorted(problems, key=lambda p: p[0])]


def _established(post: tuple[int, Path | str, int, Meta]) -> tuple[bool, bool, float, int]:
    """How surely a post is the one readers know at its address: published, dated, older, first found."""
    n, _, _, meta = post
    return (meta.draft, meta.date is None, frontmatter.sort_key(meta.date).timestamp(), n)


_DRAFT_LINE = re.compile(
    r"^(?:draft[ \t]*:[ \t]*true|published[ \t]*:[ \t]*false)[ \t]*$", re.MULTILINE | re.IGNORECASE
)
HEAD_BYTES = 4096  # of a post read to tell a draft: its front matter's first lines


def count_drafts(content_dir: Path) -> int:
    """How many posts say `draft: true` (or Jekyll's `published: false`) in their first lines: what
    `serve` without --drafts does not show. Not validated: a count to tell the editor, read fast."""
    count = 0
    for file in walk_posts(content_dir)[0] if content_dir.is_dir() else []:
        try:
            with open(file, "rb") as handle:
                head = handle.read(HEAD_BYTES).decode("utf-8", errors="replace")
        except OSError:
            continue
        count += bool(_DRAFT_LINE.search(head.split("\n---", 1)[0]))
    return count


def newest_first(stories: list[StoryT]) -> list[StoryT]:
    return sorted(stories, key=lambda s: (-s.time, s.slug))


def load_stories(content_dir: Path, drafts: bool = False) -> list[Story]:
    """All posts under content_dir, newest first; any invalid file stops the build with every problem listed."""
    stories, problems = read_all(content_dir)
    if problems:
        raise SitegenErrors(problems)
    return newest_first([s for s in stories if drafts or not s.meta.draft])
