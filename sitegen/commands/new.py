"""sitegen new: one post with complete front matter, as a draft, never over an existing file."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sitegen import checks, content, frontmatter
from sitegen.config import Config
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.extract.regions import region_chain
from sitegen.frontmatter import Meta
from sitegen.slugs import slugify, term_name

BODY = checks.PLACEHOLDER_BODY  # `check` refuses it in a post that is not a draft


def _topics(cfg: Config, names: list[str]) -> tuple[str, ...]:
    known = [t.name for t in cfg.topics]
    problems = []
    for name in names:
        if known and name not in known:
            problems.append(SitegenError(f"unknown topic '{name}'", hint=checks.topic_hint(cfg, name)))
    if problems:
        raise SitegenErrors(problems)
    return tuple(dict.fromkeys(names))


def _regions(names: list[str]) -> tuple[str, ...]:
    chain: list[str] = []
    for name in names:
        try:
            chain.extend(part for part in region_chain(name) if part not in chain)
        except ValueError as err:
            raise SitegenError(str(err), hint="e.g. --region 遂川县, or --region 辽宁省/朝阳市") from None
    return tuple(chain)


def _taken_slugs(content_dir: Path) -> dict[str, Path]:
    """Slugs in use and their posts, read leniently: a broken post still holds its slug."""
    taken: dict[str, Path] = {}
    for path in content.post_paths(content_dir) if content_dir.is_dir() else []:
        taken[path.stem] = path
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[:60]:
            if line.startswith("slug:"):
                taken[line.split(":", 1)[1].strip().strip("'\"")] = path
    return taken


def draft(
    cfg: Config,
    title: str,
    now: datetime,
    categories: list[str],
    regions: list[str],
    tags: list[str],
    slug: str | None = None,
) -> Meta:
    """The front matter of a new post: every key an editor fills in, dated now in China time."""
    title = title.strip()
    if not title:
        raise SitegenError("the title is empty", hint='sitegen new "遂川公安创新推行网格村警机制"')
    char = frontmatter.control_character([title, *categories, *regions, *tags])
    if char is not None:
        raise SitegenError(f"control character U+{ord(char):04X} in the title, a topic, region or tag")
    problem = frontmatter.slug_problem(slug) if slug is not None else None
    if problem is not None:
        raise SitegenError(problem, hint="--slug wang-ge-cun-jing")
    return Meta(
        title=title,
        date=now.replace(microsecond=0),
        categories=_topics(cfg, [term_name(c) for c in categories]),
        tags=tuple(dict.fromkeys(filter(None, map(term_name, tags)))),
        regions=_regions(regions),
        slug=slug or slugify(title),
        draft=True,
    )


def run(
    cfg: Config,
    content_dir: Path,
    title: str,
    now: datetime,
    categories: list[str],
    regions: list[str],
    tags: list[str],
    slug: str | None = None,
) -> Path:
    """Write the draft to content/posts/<year>/<slug>.md and return its path; refuse to overwrite."""
    meta = draft(cfg, title, now, categories, regions, tags, slug)
    existing = _taken_slugs(content_dir).get(meta.slug or "")
    if existing is not None:
        raise SitegenError(
            f"a post with the slug '{meta.slug}' already exists; nothing was written",
            existing,
            hint="edit that post, or give the new one another title or --slug",
        )
    path = content_dir / "posts" / f"{now.year:04d}" / f"{meta.slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise SitegenError(
            "a post already exists here; nothing was written",
            path,
            hint="choose another title, or edit the existing post",
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(frontmatter.dump(meta, BODY))
    return path
