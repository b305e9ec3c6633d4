"""Load content/ into Stories: every file read and validated before anything is built."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sitegen import frontmatter
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import Meta
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
    def url(self) -> str:
        """Site-relative URL, fixed by the slug alone so a corrected date never moves a page."""
        return f"posts/{self.slug}/"

    @property
    def sort_time(self) -> datetime:
        return frontmatter.sort_key(self.meta.date)


def post_paths(content_dir: Path) -> list[Path]:
    return sorted(p for p in content_dir.rglob("*.md") if p.is_file() and not p.name.startswith("."))


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


def read_all(content_dir: Path) -> tuple[list[Story], list[SitegenError]]:
    """Every post under content_dir, and every problem found in every file (none stops the others)."""
    if not content_dir.is_dir():
        raise SitegenError(
            "content folder not found", content_dir, hint="run sitegen in the site's folder, or pass --content DIR"
        )
    problems: list[SitegenError] = []
    stories: list[Story] = []
    for path in post_paths(content_dir):
        try:
            stories.append(read_story(path))
        except SitegenError as err:
            problems.append(err)
        except SitegenErrors as errs:
            problems.extend(errs.errors)
    seen: dict[str, Path] = {}
    for story in stories:
        if story.slug in seen:
            problems.append(
                SitegenError(
                    f"slug '{story.slug}' is also used by {seen[story.slug]}",
                    story.path,
                    story.doc.lines.get("slug", story.doc.start_line),
                    hint="give one of them another 'slug:' in its front matter",
                )
            )
        seen[story.slug] = story.path
    return stories, problems


def newest_first(stories: list[Story]) -> list[Story]:
    return sorted(stories, key=lambda s: (-s.sort_time.timestamp(), s.slug))


def load_stories(content_dir: Path, drafts: bool = False) -> list[Story]:
    """All posts under content_dir, newest first; any invalid file stops the build with every problem listed."""
    stories, problems = read_all(content_dir)
    if problems:
        raise SitegenErrors(problems)
    return newest_first([s for s in stories if drafts or not s.meta.draft])
