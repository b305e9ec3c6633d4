"""The build, as the list of its steps: content/ + theme -> output/.

    1 posts     posts.py     every post read, checked, its body's links found (only changed files)
    2 bodies    bodies.py    every body rendered to HTML and text (only new Markdown)
    3 terms     taxonomy.py  topics, tags, regions, sources, years and months collected
    4 plan      plan.py      every page and feed planned with its key (or the last plan kept)
    5 pages     render.py    the pages whose key is new rendered through the theme
    6 search    search/      the search index updated (forked, beside 3-7) or built whole
    7 feeds     feeds.py, sitemap.py
    8 commit    output.py    the new site put in place at once, and its record kept (record.py)

Each step decides inside itself how much of its work the cache spares, and keeps its own tables
in the cache (cache.py is the store they share). Nothing is written into output/ until every
step has run and no error was found: a refused build leaves the last site as it was. The output
is the same bytes whichever path through the cache made it.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from sitegen import assets, bodies, checks, content, feeds, images, plan, posts, redirects, render, search, sitemap
from sitegen.bodies import Bodies
from sitegen.cache import CACHE_DIR, Cache, CacheDamaged
from sitegen.config import Config
from sitegen.content import Post, Story
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import CHINA
from sitegen.output import Output, checked_target, start_check
from sitegen.parallel import Pending
from sitegen.record import Record


@dataclass(frozen=True)
class Report:
    stories: int
    files: int
    changed: int
    seconds: float
    output: Path
    warnings: int
    notice: SitegenError | None = None  # the build cache could not be used, and was cleared (see cache.py)

    def summary(self) -> str:
        line = (
            f"built {self.stories} stories into {self.files} files in {self.output} "
            f"({self.changed} changed, {self.seconds:.2f} s)"
        )
        if self.warnings:
            line += f"; {self.warnings} warning{'s' if self.warnings > 1 else ''}: see 'sitegen check'"
        return line


def build(
    cfg: Config,
    content_dir: Path,
    output_dir: Path,
    drafts: bool = False,
    now: datetime | None = None,
    strict: bool = False,
    held: list[object] | None = None,
    cluster: search.Cluster | None = None,
) -> Report:
    """Read and check everything, build into a staging folder, refuse on errors, then put the new site in place.

    held: a list the caller keeps until its process exits; the build's data is put in it, not freed,
    and the cyclic garbage collector is left paused (it would only scan that data again). cluster: a Dask
    cluster to build the search index on, whole.
    """
    with _no_cycle_collection(resume=held is None):
        try:
            return _build(cfg, content_dir, output_dir, drafts, now or datetime.now(CHINA), strict, held, cluster)
        except CacheDamaged:  # marked so: run again, and the cache is cleared first (Report.notice says so)
            return _build(cfg, content_dir, output_dir, drafts, now or datetime.now(CHINA), strict, held, cluster)


def _build(
    cfg: Config,
    content_dir: Path,
    output_dir: Path,
    drafts: bool,
    now: datetime,
    strict: bool,
    held: list[object] | None,
    cluster: search.Cluster | None,
) -> Report:
    started = time.perf_counter()
    with _opened(cfg, content_dir, output_dir) as (store, record, checking):
        entries = posts.load(cfg, content_dir, store)
        shown = posts.published(content.newest_first([e.post for e in entries]), drafts, now)
        texts = bodies.Cached(cfg, store, [e.post for e in entries])  # drafts' too: see _prune()
        out = _staged(output_dir, record, checking, store)
        try:
            out, made = write_site(cfg, shown, out, texts, store, cluster)
            problems = _refused(cfg, entries, shown, out, strict, made.problems, redirects.Moved(store))
            files = _commit(out, record, output_dir)
        finally:
            out.discard()  # what is left staged, if the build failed
        _prune(store, record, cfg, entries, made.pages)
    if held is not None:
        held.append((entries, shown, out, texts))
    changed = len(out.staged) + len(out.removed)
    return Report(len(shown), files, changed, time.perf_counter() - started, output_dir, len(problems), store.notice)


class Made(NamedTuple):
    """What steps 3 to 7 leave for the end of the build: the keys of the pages (the cache keeps those) and
    the warnings of the pictures shown as they are."""

    pages: set[str]
    problems: list[SitegenError]


def write_site(
    cfg: Config, shown: list[Post], out: Output, texts: Bodies, store: Cache, cluster: search.Cluster | None = None
) -> tuple[Output, Made]:
    """Steps 3 to 7 into out; once more into a fresh Output if out kept a file that was changed by hand
    meanwhile (out.confirmed(): the check runs beside the build)."""
    made = _write(cfg, shown, out, texts, store, cluster)
    if not out.confirmed():
        out = out.again()
        try:
            made = _write(cfg, shown, out, texts, store, cluster)
        except BaseException:
            out.discard()
            raise
    return out, made


def _write(
    cfg: Config, shown: list[Post], out: Output, texts: Bodies, store: Cache | None, cluster: search.Cluster | None
) -> Made:
    with search.indexing(cfg, shown, out, texts, store, cluster) as index:  # with a cache: updated beside the pages
        made = _pages_and_feeds(cfg, shown, out, texts, store)
        index.write()
    return made


def _pages_and_feeds(cfg: Config, shown: list[Post], out: Output, texts: Bodies, store: Cache | None) -> Made:
    """Steps 3, 4, 5 and 7 into out. What they hold is let go on return: the search index needs the memory more."""
    assets.add_site(cfg, out)
    shown, pictured = images.publish(cfg, shown, out, texts, store)  # covered by the posts' body hashes: see images.py
    texts = pictured
    theme = assets.add_theme(cfg, out)
    env, site = render.environment(cfg, theme), render.site_key(cfg, theme)
    planned = plan.make(cfg, site, shown, store)
    pages = render.pages(env, planned, out, texts, store)
    feeds.write(cfg, site, shown, planned.finish().feeds, out, texts)
    sitemap.write(cfg, site, shown, pages, out)
    return Made({key for _, key in planned.pages}, pictured.problems)


def files(cfg: Config, stories: list[Story], output_dir: Path) -> Output:
    """The site's list of files, for `sitegen check`: nothing written, no page rendered, no index built (its
    files are named by their contents; only search.FIXED_FILES are listed)."""
    out = Output(output_dir, dry=True)
    _pages_and_feeds(cfg, [Post.of(s) for s in stories], out, bodies.FromStories(cfg, stories), None)
    for path in search.FIXED_FILES:
        out.keep(path, "")
    return out


def site_problems(entries: Iterable[posts.Entry], out: Output) -> list[SitegenError]:
    """What `sitegen check` reports about the stories a build publishes."""
    found_files = set(out.files)
    found: list[SitegenError] = []
    for e in entries:
        found += e.problems
        found += checks.missing_links(e.post.file, e.post.url, e.body_line, e.links, found_files, e.post.meta.review)
    return found


def _refused(
    cfg: Config,
    entries: list[posts.Entry],
    shown: list[Post],
    out: Output,
    strict: bool,
    found: list[SitegenError],
    moved: redirects.Moved,
) -> list[SitegenError]:
    """The redirects of the posts' old URLs added (last: an alias may claim no file the site has), and the
    problems of what is published (found: the steps' own): raised if any is an error, else returned (warnings)."""
    problems = found + redirects.add(cfg, shown, out, moved)
    by_file = {e.post.file: e for e in entries}
    problems += site_problems([by_file[p.file] for p in shown], out)
    errors = [p for p in problems if strict or not p.warning]
    if errors:
        raise SitegenErrors(errors)
    return problems


def _commit(out: Output, record: Record, output_dir: Path) -> int:
    """Step 8: the staged site put in place, and the record of what is there kept; the number of files."""
    if out.unchanged:
        return len(out.files)
    record.committing(output_dir)
    count = out.commit()
    record.save_written(output_dir, out.staged, out.removed, out.whole)
    return count


def _prune(store: Cache, record: Record, cfg: Config, entries: list[posts.Entry], pages: set[str]) -> None:
    """The pages and bodies this build did not use dropped from the cache (once they outnumber the used
    ones), and the records of output folders that are gone; the bodies used are every post's."""
    store.prune({"pages": pages, "bodies": {bodies.key(e.post, cfg) for e in entries}})
    record.forget_gone()
    bodies.Table(store).kept(bodies.settings(cfg))
    store.commit()


@contextlib.contextmanager
def _opened(cfg: Config, content_dir: Path, output_dir: Path) -> Iterator[tuple[Cache, Record, Pending | None]]:
    """The cache opened and locked, the output folder checked to be one a build may write (refused with
    nothing touched), and the check for files changed by hand in it started (see output.start_check())."""
    store = Cache(cfg.root / CACHE_DIR)
    record = Record(store)
    sources = {"content/": content_dir, "themes/": cfg.root / "themes", "static/": cfg.root / cfg.static_dir}
    try:
        checked_target(output_dir, cfg.root, {**sources, "the cache": store.folder}, record.knows(output_dir))
        checking = start_check(output_dir, lambda: record.altered(output_dir))
    except BaseException:
        store.close()
        raise
    try:
        yield store, record, checking
    finally:
        if checking is not None:
            checking.stop()  # a no-op once the Output that took it is done
        store.close()


def _staged(output_dir: Path, record: Record, checking: Pending | None, store: Cache) -> Output:
    """The Output the build stages the new site in, beside output/, knowing what the last build left there."""
    spares, links = store.folder / "spares", store.folder / "links"
    return Output(output_dir, record.written(output_dir), checking=checking, spares=spares, links=links)


@contextlib.contextmanager
def _no_cycle_collection(resume: bool) -> Iterator[None]:
    """The cyclic garbage collector paused for the build: what it builds holds almost no cycles, and
    collecting while every post and output record is loaded rescans them all again and again.
    resume: whether to start it again after, if it ran before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting and resume:
            gc.enable()
