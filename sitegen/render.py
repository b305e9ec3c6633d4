"""Stories and terms -> HTML pages through the theme's Jinja2 templates (autoescaped)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2

from sitegen.config import Config
from sitegen.content import Story
from sitegen.errors import SitegenError
from sitegen.taxonomy import KINDS, Terms, names_of, related


@dataclass(frozen=True)
class Page:
    """One file of the site: its path under output/ and its text."""

    path: str
    text: str


@dataclass(frozen=True)
class Rendered:
    """A story with its body rendered once, shared by the article page, feeds and search."""

    story: Story
    html: str
    text: str


@dataclass(frozen=True)
class Pager:
    """One page of a paginated list."""

    number: int
    count: int
    items: Sequence[Story]
    first_url: str

    def url_of(self, number: int) -> str:
        return self.first_url if number == 1 else f"{self.first_url}page/{number}/"

    @property
    def url(self) -> str:
        return self.url_of(self.number)

    @property
    def prev_url(self) -> str | None:
        return self.url_of(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url_of(self.number + 1) if self.number < self.count else None


def paginate(items: Sequence[Story], per_page: int, first_url: str) -> list[Pager]:
    count = max(1, -(-len(items) // per_page))
    return [Pager(n + 1, count, items[n * per_page : (n + 1) * per_page], first_url) for n in range(count)]


def format_date(value: date | None) -> str:
    """Chinese reading form: 2022年5月29日 12:15, or the day alone when the time is unknown."""
    if value is None:
        return "日期不详"
    text = f"{value.year}年{value.month}月{value.day}日"
    return f"{text} {value:%H:%M}" if isinstance(value, datetime) else text


def iso_date(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def environment(cfg: Config, assets: dict[str, str]) -> jinja2.Environment:
    """The theme's templates with url() prefixing the base path, so sub-path hosting works."""
    templates = cfg.theme_dir / "templates"
    if not templates.is_dir():
        raise SitegenError("theme has no templates/ folder", templates, hint="check 'theme' in sitegen.toml")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    base = cfg.base_path

    def asset(name: str) -> str:
        if name not in assets:
            raise SitegenError(f"the theme has no static file '{name}'", cfg.theme_dir / "static")
        return base + assets[name]

    env.globals.update(
        site=cfg,
        base=base,
        url=lambda path="": base + path.lstrip("/"),
        asset=asset,
        kinds=KINDS,
    )
    env.filters.update(cn_date=format_date, iso_date=iso_date)
    return env


def _render(env: jinja2.Environment, template: str, path: str, **context: Any) -> Page:
    try:
        return Page(path, env.get_template(template).render(page_url=path, **context))
    except jinja2.TemplateError as err:
        where = Path(getattr(err, "filename", None) or template)
        raise SitegenError(f"template error: {err}", where, getattr(err, "lineno", None)) from None


def article_pages(env: jinja2.Environment, rendered: list[Rendered], terms: Terms) -> Iterator[Page]:
    """stories newest first: 'previous' is the older neighbour, 'next' the newer one."""
    for i, item in enumerate(rendered):
        story = item.story
        older = rendered[i + 1].story if i + 1 < len(rendered) else None
        newer = rendered[i - 1].story if i > 0 else None
        story_terms = {k.key: [terms.lookup(k.key, n) for n in names_of(story, k.key)] for k in KINDS}
        yield _render(
            env,
            "article.html",
            story.url,
            story=story,
            body=item.html,
            terms=story_terms,
            related=related(story, terms),
            older=older,
            newer=newer,
        )


def list_pages(
    env: jinja2.Environment, title: str, stories: Sequence[Story], first_url: str, per_page: int, **extra: Any
) -> Iterator[Page]:
    for pager in paginate(stories, per_page, first_url):
        yield _render(env, "list.html", pager.url, title=title, pager=pager, total=len(stories), **extra)


def all_pages(cfg: Config, env: jinja2.Environment, rendered: list[Rendered], terms: Terms) -> Iterator[Page]:
    """Every HTML page of the site, in a fixed order."""
    stories = [r.story for r in rendered]
    yield from list_pages(env, cfg.title, stories, "", cfg.per_page, home=True)
    yield from article_pages(env, rendered, terms)
    for kind in KINDS:
        kind_terms = terms.by_kind[kind.key]
        yield _render(env, "terms.html", f"{kind.key}/", kind=kind, terms=kind_terms)
        for term in kind_terms:
            feed = f"{term.url}atom.xml" if kind.key == "topics" else None
            yield from list_pages(
                env, f"{kind.label}：{term.name}", term.stories, term.url, cfg.per_page, term=term, feed=feed
            )
    yield _render(
        env,
        "archive.html",
        "archive/",
        years=terms.years,
        topics=terms.by_kind["topics"],
        total=len(stories),
        undated=sum(1 for s in stories if s.meta.date is None),
    )
    for period in (*terms.years, *terms.months):
        label = period.name.replace("/", "年") + ("月" if "/" in period.name else "年")
        yield from list_pages(
            env, f"归档：{label}", period.stories, f"archive/{period.slug}/", cfg.per_page, term=period
        )
    yield _render(env, "search.html", "search/")
    yield _render(env, "404.html", "404.html")
