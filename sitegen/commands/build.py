"""sitegen build: content/ + theme -> output/, read everything first, swap the new site in last."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sitegen import content, feeds, markup, render, search_index, sitemap, taxonomy
from sitegen.config import Config
from sitegen.content import Story
from sitegen.errors import SitegenError
from sitegen.output import Output


@dataclass(frozen=True)
class Report:
    stories: int
    files: int
    seconds: float
    output: Path

    def summary(self) -> str:
        return f"built {self.stories} stories into {self.files} files in {self.output} ({self.seconds:.2f} s)"


def render_story(story: Story, remote_images: bool) -> render.Rendered:
    html = markup.to_html(story.body, remote_images)
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


def run(cfg: Config, content_dir: Path, output_dir: Path, drafts: bool = False) -> Report:
    started = time.perf_counter()
    stories = content.load_stories(content_dir, drafts=drafts)
    terms = taxonomy.collect(stories)
    rendered = [render_story(s, cfg.remote_images) for s in stories]
    out = Output(output_dir)
    assets = add_assets(cfg, out)
    env = render.environment(cfg, assets)
    pages = [out.add(page.path, page.text) for page in render.all_pages(cfg, env, rendered, terms)]
    for path, data in search_index.build(search_docs(rendered)).items():
        out.add(path, data)
    out.add("atom.xml", feeds.atom(cfg, cfg.title, "atom.xml", "", rendered))
    by_slug = {r.story.slug: r for r in rendered}
    for term in terms.by_kind[taxonomy.TOPICS.key]:
        items = [by_slug[s.slug] for s in term.stories]
        out.add(
            f"{term.url}atom.xml", feeds.atom(cfg, f"{cfg.title}：{term.name}", f"{term.url}atom.xml", term.url, items)
        )
    lastmod = {s.url + "index.html": s.meta.date.isoformat()[:10] for s in stories if s.meta.date}
    out.add("sitemap.xml", sitemap.sitemap(cfg, pages, lastmod))
    out.add("robots.txt", sitemap.robots(cfg))
    files = out.commit()
    return Report(len(stories), files, time.perf_counter() - started, output_dir)
