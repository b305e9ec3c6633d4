"""Step 5 of the build: the planned pages rendered through the theme's Jinja2 templates (autoescaped).

A page is rendered only when its key (see plan.py) is new to both output/ and the cache's pages
table, which keeps each page's bytes by key (see Table); the pages to render are rendered on every core.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from functools import partial
from pathlib import Path

import jinja2
from markupsafe import Markup

from sitegen import jsonld, parallel
from sitegen.bodies import Bodies, HtmlOf
from sitegen.cache import Cache, View, checksum, guarded
from sitegen.config import Config
from sitegen.errors import SitegenError
from sitegen.keys import content_key, digest
from sitegen.output import Output
from sitegen.plan import Job, Planned
from sitegen.taxonomy import KINDS

PAGES_HELD = 256  # rendered pages held in memory before they are written to the cache


def format_date(value: date | None) -> str:
    """Chinese reading form: 2022年5月29日 12:15, or the day alone when the time is unknown."""
    if value is None:
        return "日期不详"
    text = f"{value.year}年{value.month}月{value.day}日"
    return f"{text} {value:%H:%M}" if isinstance(value, datetime) else text


def iso_date(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def time_tag(value: date | None) -> Markup:
    """A date as pages show it: a <time> with its ISO form, or 日期不详 with none (an empty datetime
    attribute is invalid HTML, and tells a machine nothing)."""
    if value is None:
        return Markup('<span class="date">日期不详</span>')
    return Markup('<time class="date" datetime="{}">{}</time>').format(iso_date(value), format_date(value))


# Silent reading speeds of adults (the IReST study, Trauzettel-Klosinski & Dietz 2012): Chinese
# 255 characters a minute, English 228 words a minute. A story's Han characters are read at the
# one, the words of its Latin text (and its numbers) at the other.
HAN_PER_MINUTE = 255
WORDS_PER_MINUTE = 228
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+(?:['’.,-][0-9A-Za-z\u00c0-\u024f]+)*")
TAG = re.compile(r"<[^>]*>")


def reading_minutes(body: str) -> int:
    """About how many minutes a rendered body (HTML) takes to read: at least one."""
    text = html.unescape(TAG.sub(" ", body))
    minutes = len(HAN.findall(text)) / HAN_PER_MINUTE + len(WORD.findall(text)) / WORDS_PER_MINUTE
    return max(1, int(minutes + 0.5))


def environment(cfg: Config, assets: dict[str, str]) -> jinja2.Environment:
    """The theme's templates with url() prefixing the base path, so sub-path hosting works.

    The templates are compiled by each build that renders a page: Jinja's bytecode cache would keep
    them compiled in the build cache, and load code from there (the cache holds data only, see
    cache.py).
    """
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
        absolute=partial(jsonld.link, cfg),  # canonical links and link previews
        news_article=partial(jsonld.news_article, cfg),
        kinds=KINDS,
    )
    env.filters.update(
        cn_date=format_date,
        iso_date=iso_date,
        time_tag=time_tag,
        reading_minutes=reading_minutes,
        json_ld=jsonld.script_json,
    )
    return env


def site_key(cfg: Config, assets: dict[str, str]) -> str:
    """What every page depends on: the settings, the theme's templates and its assets' names."""
    templates = cfg.theme_dir / "templates"
    files = sorted(p for p in templates.rglob("*") if p.is_file())
    contents = [f"{p.relative_to(templates).as_posix()} {content_key(p.read_bytes())}" for p in files]
    return digest(repr(cfg), repr(sorted(assets.items())), *contents)


def render(env: jinja2.Environment, job: Job, html_of: HtmlOf) -> str:
    try:
        return env.get_template(job.template).render(page_url=job.path, **job.context(html_of))
    except jinja2.TemplateError as err:
        where = Path(getattr(err, "filename", None) or job.template)
        raise SitegenError(f"template error: {err}", where, getattr(err, "lineno", None)) from None


class Table(View):
    """The pages table: page key -> the hash of its bytes, the bytes in the store's blobs. Rendered pages
    are held in memory a while and written in one go: a page rendered while the search process writes
    waits for no lock."""

    def __init__(self, store: Cache) -> None:
        super().__init__(store)
        self._held: list[tuple[str, bytes]] = []
        store.hold(self._write)

    @guarded
    def page(self, key: str) -> bytes | None:
        row = self.store.db.execute(
            "SELECT pages.sha, seal, data FROM pages JOIN blobs ON pages.sha = blobs.sha WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        sha, sealed, data = row
        if sealed != checksum(f"pages/{key}", str(sha).encode()):
            raise self.store.damaged(f"pages/{key} fails its checksum")
        return self.store.checked_blob("blobs", sha, data)

    @guarded
    def add(self, key: str, data: bytes) -> None:
        self._held.append((key, data))
        if len(self._held) >= PAGES_HELD:
            self._write()

    def _write(self) -> None:
        for key, data in self._held:
            sha = self.store.add_blob(data)
            self.store.db.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?)", (key, sha, checksum(f"pages/{key}", sha.encode()))
            )
        self._held.clear()


def pages(env: jinja2.Environment, planned: Planned, out: Output, bodies: Bodies, store: Cache | None) -> list[str]:
    """Every page planned (path and key, in plan order), its job made and rendered only if its key is new to
    both output/ and the cache; their paths in plan order."""
    table = Table(store) if store is not None else None
    paths: list[str | None] = []
    todo: list[int] = []
    for i, (path, key) in enumerate(planned.pages):
        paths.append(out.keep(path, key))
        cached = table.page(key) if table is not None and paths[i] is None else None
        if cached is not None:
            paths[i] = out.add(path, cached, key)
        if paths[i] is None:
            todo.append(i)
    jobs = {i: planned.job(i) for i in todo}

    def make(i: int) -> bytes:
        return render(env, jobs[i], lambda post: bodies.get(post)[0]).encode("utf-8")

    for i, data in zip(todo, parallel.ordered_map(make, todo), strict=True):
        job = jobs[i]
        if table is not None:
            table.add(job.key, data)
        paths[i] = out.add(job.path, data, job.key)
    return [path for path in paths if path is not None]
