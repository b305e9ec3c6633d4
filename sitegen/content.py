"""Load content/ into Stories: every file read and validated before anything is built."""

from __future__ import annotations

import hashlib
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

    @property
    def url(self) -> str:
        """Site-relative URL, fixed by the slug alone so a corrected date never moves a page."""
        return f"posts/{self.slug}/"

    @property
    def sort_time(self) -> datetime:
        return frontmatter.sort_key(self.meta.date)

    @property
    def digest(self) -> str:
        """Content hash, the key of every per-story cache."""
        return hashlib.sha256(frontmatter.dump(self.meta, self.body).encode("utf-8")).hexdigest()


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
    meta, body, _ = frontmatter.read(text, path)
    slug = meta.slug or slugify(path.stem)
    return Story(path, meta, body, slug)


def load_stories(content_dir: Path, drafts: bool = False) -> list[Story]:
    """All posts under content_dir, newest first; every problem in every file reported together."""
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
                    hint="give one of them another 'slug:' in its front matter",
                )
            )
        seen[story.slug] = story.path
    if problems:
        raise SitegenErrors(problems)
    kept = [s for s in stories if drafts or not s.meta.draft]
    return sorted(kept, key=lambda s: (-s.sort_time.timestamp(), s.slug))
