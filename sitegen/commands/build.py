"""sitegen build: content/ + theme -> output/, read everything first, put the new site in place last.

Work is kept in the cache (.sitegen-cache/, see cache.py) and done again only where its inputs
changed: a post is parsed, checked and its body rendered when its file changes; a page is
rendered when its key (see render.py) is new; the search index is updated for the stories that
changed (search_update.py), in a forked process while the pages are made, or built whole when
stories were added, removed or reordered; output.py writes only files whose bytes changed.
Parsing, rendering and indexing run on every core. The output is the same bytes whichever of these paths made it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import operator
import pickle
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Protocol

import jinja2

from sitegen import (
    checks,
    content,
    feeds,
    markup,
    parallel,
    redirects,
    render,
    sitemap,
    taxonomy,
)
from sitegen.cache import CACHE_DIR, Cache, CacheDamaged, Entry, SearchKeys
from sitegen.config import Config
from sitegen.content import Post, Story, StoryT
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import CHINA
from sitegen.keys import cards_key, digest
from sitegen.output import Output, Written, checked_target, start_check
from sitegen.paths import inside
from sitegen.search import index as search_index
from sitegen.search import update as search_update
from sitegen.slugs import slugify


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


def render_story(story: Story, cfg: Config) -> render.Rendered:
    html = markup.to_html(story.body, cfg.remote_images, cfg.base_path)
    return render.Rendered(Post.of(story), html, markup.to_text(html))


def search_doc(post: Post, text: str) -> search_index.SearchDoc:
    return search_index.SearchDoc(
        url=post.url,
        title=post.meta.title,
        text=text,
        date=post.day,
        summary=post.meta.summary or "",
        categories=post.meta.categories,
        regions=post.meta.regions,
        source=post.meta.source or "",
    )


def add_assets(cfg: Config, out: Output) -> dict[str, str]:
    """Theme files from static/: named by content hash, so browsers can cache them for ever."""
    static = cfg.theme_dir / "static"
    if not static.is_dir():
        raise SitegenError("theme has no static/ folder", static, hint="check 'theme' in sitegen.toml")
    theme = published_files(cfg.theme_dir)  # templates too: one linked in from outside would be rendered
    assets = [(rel.removeprefix("static/"), path) for rel, path in theme if rel.startswith("static/")]
    return {rel: out.add_hashed(rel, path.read_bytes()) for rel, path in assets}


def add_static(cfg: Config, out: Output) -> None:
    """The site's static/ folder (images, downloads, CNAME ...) is published as it is."""
    static = cfg.root / cfg.static_dir
    for rel, path in published_files(static) if static.is_dir() else []:
        if not path.name.startswith("."):
            out.add(rel, path.read_bytes())


def published_files(folder: Path) -> list[tuple[str, Path]]:
    """The files under folder by their path in it, sorted. A link that leads out of folder is an error naming
    it: a link to /proc/self/environ or ~/.bashrc in static/ would publish the build's secrets."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() and not inside(path, folder):
            raise SitegenError(
                f"a link that leads out of {folder}: {path.resolve()}",
                path,
                hint="copy the file into the folder instead of linking to it",
            )
        if path.is_file():
            found.append((path.relative_to(folder).as_posix(), path))
    return found


def published(stories: list[StoryT], drafts: bool, now: datetime) -> list[StoryT]:
    """Drafts and posts dated in the future wait for their day, unless --drafts."""
    if drafts:
        return stories
    at = now.timestamp()
    return [s for s in stories if not s.meta.draft and (s.meta.date is None or s.time <= at)]


def body_key(post: Post, cfg: Config) -> str:
    """A rendered body depends on its Markdown and on the two settings that change links and images.

    The two hashes side by side, not hashed again: a build asks for 10^4 of them.
    """
    return post.body_sha + body_settings(cfg.remote_images, cfg.base_path)


@functools.cache
def body_settings(remote_images: bool, base_path: str) -> str:
    """What a body's key adds to its Markdown's hash."""
    return digest(str(remote_images), base_path)


Body = tuple[str, str, str, tuple[markup.Link, ...]]  # key, HTML, text, links
Analysed = tuple[Entry | None, list[SitegenError], Body | None]  # a file's entry, or its problems; its body if made


def _render_body(cfg: Config, story: Story, key: str) -> Body:
    html, links = markup.render(story.body, cfg.remote_images, cfg.base_path)
    return key, html, markup.to_text(html), links


def analyse(cfg: Config, store: Cache, path: Path) -> Analysed:
    """One new or changed file: parsed, checked on its own, and its body rendered unless the cache has it."""
    stat = path.stat()
    try:
        story = content.read_story(path)
    except SitegenError as err:
        return None, [err], None
    except SitegenErrors as errs:
        return None, errs.errors, None
    post = Post.of(story)
    key = body_key(post, cfg)
    links = store.body_links(key)
    body = None
    if links is None:
        body = _render_body(cfg, story, key)
        links = body[3]
    problems = tuple(checks.story_problems(cfg, story))
    entry = Entry(stat.st_size, stat.st_mtime_ns, post, problems, links, story.doc.body_line, content.slug_line(story))
    return entry, [], body


# At most this many changed files are analysed while the entries load (see walk()), in one process: the
# entries take 0.1 s at 10^4 stories, and more files are analysed sooner on every core after.
EARLY = 8


def load_posts(cfg: Config, content_dir: Path, store: Cache) -> list[Entry]:
    """Every post under content_dir in path order, each file read again only if its size or mtime changed.

    Any invalid file stops the build with every problem listed, as `sitegen check` lists them.
    """
    content.require_folder(content_dir)
    scope = digest(*(t.name for t in cfg.topics))  # story_problems() depends on the topics alone
    walking = parallel.background(functools.partial(walk, cfg, store, content_dir, scope))  # while the entries load
    known = store.entries(scope)
    found, early = walking.result() if walking is not None else (content.stat_posts(content_dir), {})
    files = [file for file, _, _ in found]
    entries: dict[str, Entry] = {}
    todo: list[str] = []
    for file, size, mtime_ns in found:
        entry = known.get(file)
        if entry and entry.size == size and entry.mtime_ns == mtime_ns:
            entries[file] = entry
        else:
            todo.append(file)
    problems: list[SitegenError] = []
    changed: dict[str, Entry] = {}
    late = [Path(file) for file in todo if file not in early]
    made = parallel.ordered_map(functools.partial(analyse, cfg, store), late)  # taken one by one: 10^5 bodies
    for file in todo:
        entry, errors, body = early[file] if file in early else next(made)
        problems += errors
        if entry is not None:
            changed[file] = entry
        if body is not None:
            store.add_body(*body)
    next(made, None)  # none is left: this ends the map, and its workers
    entries.update(changed)
    store.save_entries(scope, changed, removed=[path for path in known if path not in entries])
    store.commit()
    ordered = [entries[file] for file in files if file in entries]
    problems += content.slug_clashes((e.post.slug, e.post.file, e.slug_line) for e in ordered)
    if problems:
        raise SitegenErrors(problems)
    return ordered


def walk(
    cfg: Config, store: Cache, content_dir: Path, scope: str
) -> tuple[list[tuple[str, int, int]], dict[str, Analysed]]:
    """Every post's path, size and mtime (see content.stat_posts()), and the changed files analysed, if
    there are at most EARLY: run beside the loading of the entries, a one-post edit's file is parsed and
    its body rendered (markdown-it imported) on the other core. More are analysed on every core after."""
    found = content.stat_posts(content_dir)
    stats = store.stats(scope)
    changed = [file for file, size, mtime_ns in found if stats.get(file) != (size, mtime_ns)]
    if len(changed) > EARLY:
        return found, {}
    return found, {file: analyse(cfg, store, Path(file)) for file in changed}


class Bodies(Protocol):
    def get(self, post: Post) -> tuple[str, str]:
        """A post's rendered body: its HTML and plain text."""
        ...


class CachedBodies:
    """Bodies from the cache; any it lacks (another base URL, pruned) are rendered first, on every core.

    The cache knows when it has every body with these settings (see Cache.has_bodies()), and then
    nothing is looked up: load_posts() rendered the bodies of the files that changed.
    """

    def __init__(self, cfg: Config, store: Cache, posts: list[Post]) -> None:
        self.cfg, self.store = cfg, store
        if not store.has_bodies(body_settings(cfg.remote_images, cfg.base_path)):
            have = store.body_keys()
            missing = [p for p in posts if body_key(p, cfg) not in have]
            for body in parallel.ordered_map(functools.partial(_reread, cfg), missing):
                store.add_body(*body)
        store.commit()  # forked workers read bodies through their own connections

    def get(self, post: Post) -> tuple[str, str]:
        found = self.store.body(body_key(post, self.cfg))
        if found is None:
            raise SitegenError("the build cache lost a rendered body; build again", post.path)
        return found


def _reread(cfg: Config, post: Post) -> Body:
    story = content.read_story(post.path)
    if Post.of(story).body_sha != post.body_sha:
        raise SitegenError("the post changed while the site was being built; build again", post.path)
    return _render_body(cfg, story, body_key(post, cfg))


class StoryBodies:
    """Bodies rendered from stories in memory, for `sitegen check`, which keeps no cache."""

    def __init__(self, cfg: Config, stories: list[Story]) -> None:
        self.cfg = cfg
        self.stories = {s.path: s for s in stories}

    def get(self, post: Post) -> tuple[str, str]:
        rendered = render_story(self.stories[post.path], self.cfg)
        return rendered.html, rendered.text


def add_pages(
    env: jinja2.Environment,
    pages: Iterable[tuple[str, str]],
    job_of: Callable[[int], render.Job],
    out: Output,
    bodies: Bodies,
    store: Cache | None,
) -> list[str]:
    """Every page (path and key, in plan order), its job made and rendered only if its key is new to both
    output/ and the cache; their paths in plan order."""
    paths: list[str | None] = []
    todo: list[int] = []
    for i, (path, key) in enumerate(pages):
        paths.append(out.keep(path, key))
        cached = store.page(key) if store is not None and paths[i] is None else None
        if cached is not None:
            paths[i] = out.add(path, cached, key)
        if paths[i] is None:
            todo.append(i)
    jobs = {i: job_of(i) for i in todo}

    def make(i: int) -> bytes:
        return render.render(env, jobs[i], lambda post: bodies.get(post)[0]).encode("utf-8")

    for i, data in zip(todo, parallel.ordered_map(make, todo), strict=True):
        job = jobs[i]
        if store is not None:
            store.add_page(job.key, data)
        paths[i] = out.add(job.path, data, job.key)
    return [path for path in paths if path is not None]


class SearchDocs:
    """The posts as search docs, each made when it is read (by the worker that indexes it): see search_index.build().

    packed: the posts are read back from bytes, pickled a batch at a time. The forked workers
    that index them then never touch the posts themselves: each reference counted would copy
    its page of the parent's memory into the worker, at 10^5 stories a quarter of a gigabyte.
    """

    def __init__(self, posts: list[Post], bodies: Bodies, packed: bool = False) -> None:
        self.count, self.bodies = len(posts), bodies
        self.posts = None if packed else posts
        per = search_index.BATCH_DOCS
        self.batches = (
            [pickle.dumps(posts[i : i + per], pickle.HIGHEST_PROTOCOL) for i in range(0, len(posts), per)]
            if packed
            else []
        )
        self._open: tuple[int, list[Post]] = (-1, [])  # the batch last unpickled

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, doc_id: int) -> search_index.SearchDoc:
        post = self._post(doc_id)
        return search_doc(post, self.bodies.get(post)[1])

    def _post(self, doc_id: int) -> Post:
        if self.posts is not None:
            return self.posts[doc_id]
        batch, at = divmod(doc_id, search_index.BATCH_DOCS)
        if self._open[0] != batch:
            self._open = (batch, pickle.loads(self.batches[batch]))
        return self._open[1][at]


Placed = tuple[str, str, Written | None]  # a file of the search index: its path, key, and how it was staged


class Search(NamedTuple):
    """The search index's files as an update staged them: placed, and either the last build's files under
    search/ but those gone (the update's Changes, when output/ holds the index it started from) or, when gone is
    None, none of them (placed lists every file)."""

    placed: list[Placed]
    gone: set[str] | None


def update_search(
    ordered: list[Post], stamps: list[str], out: Output, bodies: Bodies, store: Cache, forked: bool = False
) -> Search | None:
    """The search index updated where stories changed since the last build (see search_update.py); None
    when it must be built whole. Its new files are staged; forked, the files it did not make are left
    for the calling process to keep (see place_search), else they are kept in out here."""
    keys = store.search_keys()
    with store.locked("search"):
        changes = search_update.update(SearchDocs(ordered, bodies), stamps, keys)
        if changes is None:
            return None
        manifest = (out.previous or {}).get(search_index.MANIFEST)
        current = manifest is not None and manifest[0] == changes.base
        files = changes.files if current else search_update.listing(keys)  # see Search
        gone = set(changes.gone) if current else None
        if forked:
            return Search([_staged(out, file, keys) for file in files], gone)
        for file in files:
            if file.data is not None or out.keep(file.path, file.sha) is None:
                out.add(file.path, _bytes(file, keys), file.sha)
        if gone is not None:
            out.keep_rest("search/", gone, keys.blob)
        return Search([], None)


def _bytes(file: search_index.IndexFile, keys: SearchKeys) -> bytes | Callable[[], bytes]:
    """A file's bytes, or how to get them from the cache if the last build left none of the same in output/."""
    return file.data if file.data is not None else functools.partial(keys.blob, file.sha)


def _staged(out: Output, file: search_index.IndexFile, keys: SearchKeys) -> Placed:
    """A file the last build left in output/ is listed for the calling process to keep (it checks them
    meanwhile); any other is staged here, from its bytes, a file of the last build with the same bytes, or
    the cache's copy of them."""
    if file.data is None and out.previous is not None and file.path in out.previous:
        return file.path, file.sha, None
    rel = out.add(file.path, _bytes(file, keys), file.sha)
    return rel, file.sha, out.staged.get(rel)


def place_search(out: Output, search: Search, keys: SearchKeys) -> None:
    """The files a forked update staged or listed, and the rest of the last build's that it kept, into out."""
    out.place(search.placed, keys.blob)
    if search.gone is not None:
        out.keep_rest("search/", search.gone, keys.blob)


def build_search(
    ordered: list[Post], stamps: list[str] | None, out: Output, bodies: Bodies, store: Cache | None
) -> None:
    """The search index built whole (kept in the cache for the next build to update, when there is one)."""
    keys = store.search_keys() if store is not None else None
    with store.locked("search") if store is not None else contextlib.nullcontext():
        for file in search_index.build(SearchDocs(ordered, bodies, packed=True), stamps, keys):
            assert file.data is not None  # a build makes every file
            out.add(file.path, file.data, file.sha)


def write_site(cfg: Config, posts: list[Post], out: Output, bodies: Bodies, store: Cache | None) -> dict[str, set[str]]:
    """The whole site into out, in a fixed order; returns the cache entries it used, by table.

    With a cache, the search index is updated in a forked process while the pages are made.
    """
    ordered = search_index.newest_first(posts, operator.attrgetter("day"))
    stamps = [p.card.key + body_key(p, cfg) for p in ordered] if store is not None else None
    pending = None
    if store is not None and stamps is not None:
        search_index.use_t2s(store.table("t2s", search_index.t2s_chars))
        out.stage  # noqa: B018  (made now, before the fork: both processes stage files into it)
        pending = parallel.background(functools.partial(update_search, ordered, stamps, out, bodies, store, True))
    try:
        add_static(cfg, out)
        assets = add_assets(cfg, out)
        env = render.environment(cfg, assets)
        site = render.site_key(cfg, assets)
        cards = cards_key(site, [p.card.key for p in posts])
        slug_of = store.slug if store is not None else slugify
        made_for, last = store.plan() if store is not None else ("", None)
        plan, last = (last, None) if made_for == cards else (None, last)  # last: another cards' plan, or None
        if plan is None:
            terms = taxonomy.collect(posts, slug_of)
            changed = render.changed_cards(last, site, posts) if last is not None else None
            kept = render.kept_frames(last, posts, terms, changed) if last is not None else {}
            lists = render.Lists(last, changed)
            del last
            jobs = list(render.plan(cfg, site, posts, terms, kept, lists))
            pages = add_pages(env, ((job.path, job.key) for job in jobs), jobs.__getitem__, out, bodies, store)
            used = {"pages": {job.key for job in jobs}}
            plan = render.planned(cfg, site, posts, terms, jobs, feed_plan(cfg, posts, terms), lists)  # not in workers
            del jobs, terms  # the search index needs the memory more, at 10^5 stories
            if store is not None:
                store.save_plan(cards, plan)
        else:
            planned = plan.pages(posts)
            pages = add_pages(env, planned, PlannedJobs(cfg, site, posts, plan, slug_of), out, bodies, store)
            used = {"pages": {key for _, key in planned}}
            del planned

        def html_of(post: Post) -> str:
            return bodies.get(post)[0]

        for path, title, page, places in plan.feeds:
            shown = [posts[i] for i in places]
            key = digest(site, path, title, *(part for p in shown for part in (p.card.key, body_key(p, cfg))))
            add_made(out, path, key, functools.partial(feeds.atom, cfg, title, path, page, shown, html_of))
        del plan  # the search index needs the memory more, at 10^5 stories
        shows = digest(site, "sitemap.xml", *pages, *(p.card.brief for p in posts))  # its days are in the briefs
        add_made(out, "sitemap.xml", shows, lambda: sitemap.sitemap(cfg, pages, lastmod(posts)))
        out.add("robots.txt", sitemap.robots(cfg))
        if store is None or stamps is None:
            build_search(ordered, None, out, bodies, None)
            return used
        store.commit()  # the search process may be waiting to write
        if pending is not None:
            search, pending = pending.result(), None
            if search is not None:
                place_search(out, search, store.search_keys())
                return used
        elif update_search(ordered, stamps, out, bodies, store) is not None:
            return used
        build_search(ordered, stamps, out, bodies, store)
        return used
    finally:
        if pending is not None:
            pending.stop()


def feed_plan(cfg: Config, posts: list[Post], terms: taxonomy.Terms) -> list[render.Feed]:
    """The site's feed and each topic's: path, title, page, and the places of the posts it shows."""
    topics = terms.by_kind[taxonomy.TOPICS.key]
    return [
        (f"{page}atom.xml", title, page, tuple(terms.order[p.slug] for p in feeds.shown(cfg, stories)))
        for title, page, stories in [
            (cfg.title, "", posts),
            *((f"{cfg.title}：{t.name}", t.url, t.stories) for t in topics),
        ]
    ]


class PlannedJobs:
    """The jobs of the pages of a plan taken from the cache, made only for the pages to render: an article's
    from the plan; any other page's (one changed or removed by hand in output/, say) once the terms are
    grouped and every page planned, which the plan was kept to spare."""

    def __init__(self, cfg: Config, site: str, posts: list[Post], plan: render.Plan, slug_of: Callable[[str], str]):
        self.cfg, self.site, self.posts, self.plan, self.slug_of = cfg, site, posts, plan, slug_of
        self.terms: taxonomy.Terms | None = None
        self.every: list[render.Job] | None = None

    def __call__(self, i: int) -> render.Job:
        if 0 <= i - self.plan.articles < len(self.posts):
            self.terms = self.terms or self.plan.terms(self.posts)
            return self.plan.article(self.posts, i - self.plan.articles, self.terms)
        if self.every is None:
            terms = taxonomy.collect(self.posts, self.slug_of)
            self.every = list(render.plan(self.cfg, self.site, self.posts, terms))
        return self.every[i]


def add_made(out: Output, path: str, key: str, make: Callable[[], str]) -> None:
    """A file made only when output/ lacks it as made with this key (a hash of everything it is made from)."""
    if out.keep(path, key) is None:
        out.add(path, make(), key)


def lastmod(posts: list[Post]) -> dict[str, str]:
    """Each dated article's page -> its day, for the sitemap."""
    return {p.url + "index.html": p.day for p in posts if p.day}


def assemble(cfg: Config, stories: list[Story], output_dir: Path) -> Output:
    """The site's list of files, for `sitegen check`: nothing written, no page rendered."""
    out = Output(output_dir, dry=True)
    write_site(cfg, [Post.of(s) for s in stories], out, StoryBodies(cfg, stories), None)
    return out


def site_problems(entries: Iterable[Entry], out: Output) -> list[SitegenError]:
    """What `sitegen check` reports about the stories a build publishes."""
    files = set(out.files)
    found: list[SitegenError] = []
    for e in entries:
        found += e.problems
        found += checks.missing_links(e.post.file, e.post.url, e.body_line, e.links, files, e.post.meta.review)
    return found


def run(
    cfg: Config,
    content_dir: Path,
    output_dir: Path,
    drafts: bool = False,
    now: datetime | None = None,
    strict: bool = False,
    held: list[object] | None = None,
) -> Report:
    """Read and check everything, build into a staging folder, refuse on errors, then put the new site in place.

    held: a list the caller keeps until its process exits; the build's data is put in it, not freed,
    and the cyclic garbage collector is left paused (it would only scan that data again).
    """
    with _no_cycle_collection(resume=held is None):
        try:
            return _run(cfg, content_dir, output_dir, drafts, now, strict, held)
        except CacheDamaged:  # marked so: run again, and the cache is cleared first (Report.notice says so)
            return _run(cfg, content_dir, output_dir, drafts, now, strict, held)


@contextlib.contextmanager
def _no_cycle_collection(resume: bool) -> Iterator[None]:
    """The cyclic garbage collector paused for the build: what it builds holds almost no cycles (a cold
    build of 10^3 stories leaves about one unreachable object per story), and collecting while 10^4
    posts and output records are loaded rescans them all again and again: a tenth of a one-post edit.
    resume: whether to start it again after, if it ran before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting and resume:
            gc.enable()


def _run(
    cfg: Config,
    content_dir: Path,
    output_dir: Path,
    drafts: bool,
    now: datetime | None,
    strict: bool,
    held: list[object] | None,
) -> Report:
    started = time.perf_counter()
    store = Cache(cfg.root / CACHE_DIR)
    sources = {"content/": content_dir, "themes/": cfg.root / "themes", "static/": cfg.root / cfg.static_dir}
    try:
        checked_target(output_dir, cfg.root, {**sources, "the cache": store.folder}, store.knows(output_dir))
    except SitegenError:
        store.close()
        raise
    checking = start_check(output_dir, functools.partial(store.altered, output_dir))  # first: see start_check()
    try:
        entries = load_posts(cfg, content_dir, store)
        posts = published(content.newest_first([e.post for e in entries]), drafts, now or datetime.now(CHINA))
        out = Output(
            output_dir,
            store.written(output_dir),
            checking=checking,
            spares=store.folder / "spares",
            links=store.folder / "links",
        )
        checking = None  # out's now: it stops it
        try:
            bodies = CachedBodies(cfg, store, [e.post for e in entries])  # drafts too: see prune
            used = write_site(cfg, posts, out, bodies, store)
            if not out.confirmed():  # it kept a file that was changed by hand: made again, knowing which
                out = out.again()
                used = write_site(cfg, posts, out, bodies, store)
            problems = redirects.add(cfg, posts, out)  # last: an alias may claim no file the site has
            by_file = {e.post.file: e for e in entries}
            problems += site_problems([by_file[p.file] for p in posts], out)
            errors = [p for p in problems if strict or not p.warning]
            if errors:
                raise SitegenErrors(errors)
            if out.unchanged:
                files = len(out.files)
            else:
                store.committing(output_dir)
                files = out.commit()
                store.save_written(output_dir, out.staged, out.removed, out.whole)
        finally:
            out.discard()
        used["bodies"] = {body_key(e.post, cfg) for e in entries}  # drafts' too: see CachedBodies
        store.prune(used, body_settings(cfg.remote_images, cfg.base_path))
    finally:
        if checking is not None:
            checking.stop()
        store.close()
    changed = len(out.staged) + len(out.removed)
    if held is not None:
        held.append((entries, posts, out, bodies, used))
    return Report(len(posts), files, changed, time.perf_counter() - started, output_dir, len(problems), store.notice)
