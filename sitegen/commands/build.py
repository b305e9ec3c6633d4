"""sitegen build: content/ + theme -> output/, read everything first, swap the new site in last."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sitegen import checks, content, feeds, markup, render, search_index, sitemap, taxonomy
from sitegen.config import Config
from sitegen.content import Story
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import CHINA
from sitegen.output import Output


@dataclass(frozen=True)
class Report:
    stories: int
    files: int
    seconds: float
    output: Path
    warnings: int

    def summary(self) -> str:
        line = f"built {self.stories} stories into {self.files} files in {self.output} ({self.seconds:.2f} s)"
        if self.warnings:
            line += f"; {self.warnings} warning{'s' if self.warnings > 1 else ''}: see 'sitegen check'"
        return line


def render_story(story: Story, cfg: Config) -> render.Rendered:
    html = markup.to_html(story.body, cfg.remote_images, cfg.base_path)
    return render.Rendered(story, html, markup.to_text(html))


def search_docs(rendered: list[render.Rendered]) -> list[search_index.SearchDoc]:
    return [
        search_index.SearchDoc(
            url=r.story.url,
            title=r.story.meta.title,
            text=r.text,
            date=r.story.meta.date.isoformat()[:10] if r.story.meta.date else "",
            summary=r.story.meta.summary or "",
            categories=r.story.meta.categories,
            regions=r.story.meta.regions,
            source=r.story.meta.source or "",
        )
        for r in rendered
    ]


def add_assets(cfg: Config, out: Output) -> dict[str, str]:
    """Theme files from static/: named by content hash, so browsers can cache them for ever."""
    static = cfg.theme_dir / "static"
    if not static.is_dir():
        raise SitegenError("theme has no static/ folder", static, hint="check 'theme' in sitegen.toml")
    return {
        path.relative_to(static).as_posix(): out.add_hashed(path.relative_to(static).as_posix(), path.read_bytes())
        for path in sorted(static.rglob("*"))
        if path.is_file()
    }


def add_static(cfg: Config, out: Output) -> None:
    """The site's static/ folder (images, downloads, CNAME ...) is published as it is."""
    static = cfg.root / cfg.static_dir
    for path in sorted(static.rglob("*")) if static.is_dir() else []:
        if path.is_file() and not path.name.startswith("."):
            out.add(path.relative_to(static).as_posix(), path.read_bytes())


def published(stories: list[Story], drafts: bool, now: datetime) -> list[Story]:
    """Drafts and posts dated in the future wait for their day, unless --drafts."""
    if drafts:
        return stories
    return [s for s in stories if not s.meta.draft and (s.meta.date is None or s.sort_time <= now)]


def assemble(cfg: Config, stories: list[Story], output_dir: Path) -> Output:
    """The whole site in memory, in a fixed order; nothing is written yet."""
    terms = taxonomy.collect(stories)
    rendered = [render_story(s, cfg) for s in stories]
    out = Output(output_dir)
    add_static(cfg, out)
    assets = add_assets(cfg, out)
    env = render.environment(cfg, assets)
    pages = [out.add(page.path, page.text) for page in render.all_pages(cfg, env, rendered, terms)]
    for path, data in search_index.build(search_docs(rendered)).items():
        out.add(path, data)
    out.add("atom.xml", feeds.atom(cfg, cfg.title, "atom.xml", "", rendered))
    by_slug = {r.story.slug: r for r in rendered}
    for term in terms.by_kind[taxonomy.TOPICS.key]:
        items = [by_slug[s.slug] for s in term.stories]
        title = f"{cfg.title}：{term.name}"
        out.add(f"{term.url}atom.xml", feeds.atom(cfg, title, f"{term.url}atom.xml", term.url, items))
    lastmod = {s.url + "index.html": s.meta.date.isoformat()[:10] for s in stories if s.meta.date}
    out.add("sitemap.xml", sitemap.sitemap(cfg, pages, lastmod))
    out.add("robots.txt", sitemap.robots(cfg))
    return out


def site_problems(cfg: Config, stories: list[Story], out: Output) -> list[SitegenError]:
    """What `sitegen check` reports about the stories a build publishes."""
    files = set(out.files)
    return [p for s in stories for p in (*checks.story_problems(cfg, s), *checks.link_problems(s, files))]


def run(
    cfg: Config,
    content_dir: Path,
    output_dir: Path,
    drafts: bool = False,
    now: datetime | None = None,
    strict: bool = False,
) -> Report:
    """Read and check everything, build in memory, refuse on errors, then swap the new site in."""
    started = time.perf_counter()
    stories = published(content.load_stories(content_dir, drafts=True), drafts, now or datetime.now(CHINA))
    out = assemble(cfg, stories, output_dir)
    problems = site_problems(cfg, stories, out)
    errors = [p for p in problems if strict or not p.warning]
    if errors:
        raise SitegenErrors(errors)
    files = out.commit()
    return Report(len(stories), files, time.perf_counter() - started, output_dir, len(problems))
