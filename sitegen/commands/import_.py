"""sitegen import: sources -> posts under content/posts/<year>/<slug>.md, never over an edited post.

Sources (files, folders, URLs, WARC files) are expanded into items in a fixed order. Forked
workers and this process read and convert the items (parallel.ordered_map, the build's one
process pool); this process settles each result in that same order (slugs, fingerprints,
near-duplicates, writing), so what is written never depends on which worker finished first.
A bad item is reported and the rest go on.

Resuming: a post records the fingerprint of its source and of each copy of its story, and an
item whose fingerprint is known is not converted again. Posts are written whole (a temporary
file, then a rename) and Ctrl-C lets the post being written finish, so an interrupted run
leaves nothing half-written and a second run does only the rest.

Pictures: a migrated blog post's local pictures are copied into the site's static/ folder when
the post is written, and its links rewritten to them. A picture the post addressed site-wide
(/images/a.png) keeps that address, so that old links to it keep working; one beside the post
(a relative address, a Hexo asset folder, a Hugo bundle) goes to static/images/<slug>/. A file
already there is never overwritten: a different picture of the same name gets a new one. Each
picture found in an imported folder is reported as copied (and for which post) or not used.

Edited posts: content/.sitegen-imported lists the SHA-256 of each post as the importer last
wrote it. A post not listed there was changed by someone (or written by hand): the importer
never rewrites it. Re-importing its source reports a conflict, and a copy of its story is
reported as a conflict instead of being added to its `copies`. The list lives beside the
posts, not in them, so the front matter stays what editors write; losing it costs nothing but
false conflicts.
"""

from __future__ import annotations

import filecmp
import functools
import hashlib
import json
import os
import posixpath
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Literal
from urllib.parse import quote, unquote, urlsplit

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from sitegen import dedupe, fetch, frontmatter, parallel, scale, sources, taxonomy
from sitegen.checks import IMAGE_NOT_FOUND
from sitegen.config import Config
from sitegen.content import post_paths
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import Copy, Meta
from sitegen.importers import NotAStory, Picture, html_page, loss, markdown_body, remote_pictures
from sitegen.importers.convert import KIND_NAMES, Converted, convert, fingerprint, to_post
from sitegen.importers.markdown_body import POST_URL, rewrite_images
from sitegen.importers.post import POST_SUFFIXES, blog_address, on_blog, post_names
from sitegen.slugs import unique
from sitegen.sources import Asset, Item, Unusable

Status = Literal["created", "unchanged", "duplicate", "page", "conflict", "failed", "skipped", "copied"]
STATUSES: tuple[Status, ...] = (
    "created",
    "unchanged",
    "duplicate",
    "page",
    "conflict",
    "failed",
    "skipped",
    "copied",
)
LOSS_LIMIT = 0.02  # share of a source's Han text a post may lack before the summary counts it
WRITTEN = ".sitegen-imported"
_WRITTEN_HEADER = (
    "# SHA-256 of each post as `sitegen import` last wrote it. A post not listed here was changed\n"
    "# by hand and the importer never rewrites it. Keep this file with the posts.\n"
)
SCAN_IN_PARALLEL = 500  # posts in content/ above which reading them is worth the worker processes
STOPS = (signal.SIGINT, signal.SIGTERM)  # what _uninterrupted() holds back
_WARM_UP_PAGE = (
    "<html><body><h1>民警巡逻</h1><p>吉安市井冈山市茨坪派出所民警在景区巡逻，守护游客平安。</p></body></html>"
)


@dataclass(frozen=True)
class Outcome:
    source: str
    status: Status
    message: str
    post: Path | None = None
    review: tuple[str, ...] = ()
    routine: bool = False  # skipped as expected (hidden files, scripts ...): counted, not listed
    missing_han: float = 0.0  # share of the source's Han text the post lacks (a migrated post)


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)
    complete: bool = True

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "failed")

    def totals(self) -> dict[str, int]:
        counts: dict[str, int] = {s: sum(1 for o in self.outcomes if o.status == s) for s in STATUSES}
        counts["needs_review"] = sum(1 for o in self.outcomes if o.status == "created" and o.review)
        counts["text_missing"] = sum(1 for o in self.outcomes if o.status == "created" and o.missing_han > LOSS_LIMIT)
        return counts

    def summary(self) -> str:
        """One line per source that was written to, has a problem or was skipped for a reason worth
        knowing (a link out of its folder, a FIFO ...), then the totals."""
        lines = [
            f"{o.status:<9} {o.source}: {o.message}" for o in self.outcomes if o.status != "unchanged" and not o.routine
        ]
        t = self.totals()
        n = len(self.outcomes)
        review = (
            f" ({t['needs_review']} need{'s' if t['needs_review'] == 1 else ''} review)" if t["needs_review"] else ""
        )
        pages = f"{t['page']} joined as later pages, " if t["page"] else ""
        copied = f", {t['copied']} picture{'s' if t['copied'] != 1 else ''} copied" if t["copied"] else ""
        lost = (
            f"\n{t['text_missing']} post{'s' if t['text_missing'] != 1 else ''} with more than "
            f"{LOSS_LIMIT:.0%} of the source's text missing: see their review items"
            if t["text_missing"]
            else ""
        )
        lines.append(
            f"{n} source{'s' if n != 1 else ''}: {t['created']} created{review}, {t['unchanged']} unchanged, "
            f"{t['duplicate']} duplicate, {pages}{t['conflict']} conflict, {t['failed']} failed, {t['skipped']} skipped"
            f"{copied}{lost}"
        )
        return "\n".join(lines)

    def to_json(self) -> str:
        """Every source's outcome and the totals: deterministic, UTF-8, for scripts and records."""
        data = {
            "sources": [
                {
                    "source": o.source,
                    "status": o.status,
                    "post": str(o.post) if o.post else None,
                    "message": o.message,
                    "review": list(o.review),
                }
                for o in self.outcomes
            ],
            "totals": self.totals(),
            "complete": self.complete,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


@dataclass(frozen=True)
class Engine:
    """Where the items are read and converted: "local" (forked worker processes, parallel.ordered_map) or
    "dask" (a Dask cluster at scheduler, else a LocalCluster of `jobs` workers; see sitegen/scale/)."""

    name: Literal["local", "dask"] = "local"
    scheduler: str | None = None  # a Dask scheduler's address (dask only)
    work: Path | None = None  # the folder for the run's Parquet shards (dask only; default under .sitegen-cache/)


def run(
    cfg: Config,
    sources_: Sequence[str | Path],
    content_dir: Path,
    jobs: int | None = None,
    report: Path | None = None,
    timeout: float = fetch.TIMEOUT,
    max_bytes: int = fetch.MAX_BYTES,
    fetch_images: bool = False,
    engine: Engine = Engine(),
) -> ImportReport:
    """Import every item of the sources into content_dir; Ctrl-C stops after the post being written.
    timeout bounds each URL's whole response, max_bytes each source's size. fetch_images: the pictures on
    other sites of the posts this run wrote or found (of every post it wrote before, given no source) are
    downloaded into static/ (see fetch_pictures()). Whichever the engine, the posts are settled and written
    here, in the order of the sources: the same sources give the same posts."""
    entries = sources.expand([str(s) for s in sources_])
    items = [e for e in entries if isinstance(e, Item)]
    workers = _workers(jobs, len(items))
    done = ImportReport()
    archive: Archive | None = None
    assets: list[tuple[int, Asset]] = []  # pictures found, and where their outcome goes
    try:
        archive = scan(content_dir, workers)
        archive.static = Static(cfg.root / cfg.static_dir, max_bytes)
        job = _Job(cfg, archive.verified(), timeout, max_bytes)
        with _extracting(items, job, workers, engine, archive) as results, progress(len(items)) as advance:
            pages = PageJoiner(cfg)
            for entry in entries:
                if isinstance(entry, Unusable):
                    status: Status = "failed" if entry.failed else "skipped"
                    done.outcomes.append(Outcome(entry.label, status, entry.reason, routine=entry.routine))
                    continue
                if isinstance(entry, Asset):
                    assets.append((len(done.outcomes), entry))
                    done.outcomes.append(Outcome(entry.label, "skipped", _UNUSED))
                    continue
                for found, later in pages.add(next(results)):
                    with _uninterrupted():  # a post written is a post counted, whenever Ctrl-C comes
                        done.outcomes.extend(_settle_pages(found, later, archive, content_dir))
                advance()
            for found, later in pages.flush():
                with _uninterrupted():
                    done.outcomes.extend(_settle_pages(found, later, archive, content_dir))
        for at, asset in assets:
            done.outcomes[at] = _asset_outcome(asset, archive.static)
        added = link_posts(archive, content_dir)
        done.outcomes = [
            _reviewed(o, added[o.post]) if o.post in added and o.status in _RUN else o for o in done.outcomes
        ]
        if fetch_images:
            posts = list(archive.run) if sources_ else sorted(archive.current)
            get = functools.partial(fetch.fetch, timeout=timeout, max_bytes=max_bytes)
            done.outcomes += fetch_pictures(posts, archive, content_dir, lambda url: get(url).data)
    except KeyboardInterrupt:
        done.complete = False
        raise KeyboardInterrupt(
            f"{len(done.outcomes)} of {len(entries)} sources done, nothing half-written; "
            "run the same command again to import the rest"
        ) from None
    except parallel.WorkerLost:
        done.complete = False
        raise SitegenError(
            f"a worker process died after {len(done.outcomes)} of {len(entries)} sources (out of memory?)",
            hint="run the same command again to import the rest; --jobs 1 uses less memory",
        ) from None
    finally:
        if archive is not None:
            _save_written(content_dir, archive)
        if report is not None:
            write_atomic(report, done.to_json())
    return done


def preview_pairs(sources_: Sequence[str], to: Path | None, list_path: Path | None) -> list[tuple[str, Path]]:
    """(source, output file) pairs from `SOURCE --to FILE` or from `--list TSV` lines 'source<TAB>output'."""
    if list_path is not None:
        if to is not None or sources_:
            raise SitegenError("--list names the sources itself: give no SOURCE and no --to with it")
        return _read_pairs(list_path)
    if to is None or len(sources_) != 1:
        raise SitegenError(
            f"--to previews one source, not {len(sources_)}", hint="sitegen import page.html --to page.md, or --list"
        )
    return [(sources_[0], to)]


def preview(
    cfg: Config,
    pairs: Sequence[tuple[str, Path]],
    jobs: int | None = None,
    timeout: float = fetch.TIMEOUT,
    max_bytes: int = fetch.MAX_BYTES,
) -> ImportReport:
    """Write each source's post (front matter and Markdown) to its output file; content/ is not touched."""
    entries = [_single(source) for source, _ in pairs]
    items = [e for e in entries if isinstance(e, Item)]
    done = ImportReport()
    job = _Job(cfg, frozenset(), timeout, max_bytes, sketches=False)
    with _extracting(items, job, _workers(jobs, len(items))) as results:
        for (source, out), entry in zip(pairs, entries, strict=True):
            if isinstance(entry, Unusable):
                done.outcomes.append(Outcome(source, "failed", entry.reason))
                continue
            found = next(results)
            if found.skipped is not None:
                done.outcomes.append(Outcome(source, "skipped", found.skipped))
                continue
            if found.converted is None:
                done.outcomes.append(Outcome(source, "failed", found.error or "not converted"))
                continue
            try:
                write_atomic(out, _dump(found.converted.meta, found.converted.body))
            except OSError as err:
                done.outcomes.append(Outcome(source, "failed", f"cannot write {out}: {err.strerror}"))
                continue
            done.outcomes.append(Outcome(source, "created", f"-> {out}", out, found.converted.meta.review))
    return done


# Workers: read, fingerprint and convert one item. Nothing here writes.


@dataclass(frozen=True)
class _Job:
    cfg: Config
    known: frozenset[str]  # fingerprints whose post is as the importer wrote it: not converted again
    timeout: float
    max_bytes: int
    sketches: bool = True  # bodies are sketched for finding copies (not needed by previews)


@dataclass(frozen=True)
class Extracted:
    label: str
    digest: str | None = None
    converted: Converted | None = None  # None when failed, or already known
    shingles: frozenset[int] = frozenset()
    sketch: dedupe.Sketch = dedupe.Sketch(0)
    error: str | None = None
    skipped: str | None = None  # why the source is no story (a blog's page): skipped, not failed
    may_link: bool = True  # its body may link within the site: checked once the run is written


def _extract(job: _Job, item: Item) -> Extracted:
    try:
        loaded = sources.load(item, timeout=job.timeout, max_bytes=job.max_bytes)
    except SitegenError as err:
        return Extracted(item.label, error=_message(err))
    return extract_loaded(job, item, loaded)


def extract_run(job: _Job, run: Sequence[Item]) -> list[Extracted]:
    """A task of the Dask engine: a run of sources.split_warc, the records of a WARC range read in one pass
    (sources.read_range), any other item alone; each converted as the local engine converts it."""
    if run[0].offset is None:
        return [_extract(job, item) for item in run]
    loaded = sources.read_range(run, job.max_bytes)
    return [
        extract_loaded(job, item, got)
        if isinstance(got, sources.Loaded)
        else Extracted(item.label, error=_message(got))
        for item, got in zip(run, loaded, strict=True)
    ]


def extract_loaded(job: _Job, item: Item, loaded: sources.Loaded) -> Extracted:
    """One item's bytes fingerprinted, converted and sketched: the per-record work of both engines."""
    digest = fingerprint(loaded.data)
    if digest in job.known:
        return Extracted(item.label, digest)
    try:
        converted = convert(loaded.data, Path(item.label), job.cfg, set(), charset=loaded.charset, root=item.root)
    except NotAStory as err:
        return Extracted(item.label, digest, skipped=err.message)
    except SitegenError as err:
        return Extracted(item.label, digest, error=_message(err))
    except Exception as err:  # one source's importer bug must not stop the others
        return Extracted(
            item.label, digest, error=f"could not be read ({type(err).__name__}: {err}); please report this source"
        )
    if loaded.url and not converted.meta.source_url:
        converted = replace(converted, meta=replace(converted.meta, source_url=loaded.url))
    if not job.sketches:
        return Extracted(item.label, digest, converted)
    shingles = dedupe.shingles(converted.body)
    may_link = _may_link(converted.body, _home(_source_file(item.label)))
    return Extracted(item.label, digest, converted, shingles, dedupe.sketch(shingles), may_link=may_link)


@contextmanager
def _extracting(
    items: list[Item], job: _Job, workers: int, engine: Engine = Engine(), archive: Archive | None = None
) -> Iterator[Iterator[Extracted]]:
    """Results in the order of items: from the forked workers of parallel.ordered_map and this process (on
    leaving, Ctrl-C too, the workers are stopped and the items not started dropped), or from the Parquet
    shards a Dask cluster wrote, every item read before the first result (see sitegen/scale/engine.py)."""
    if engine.name == "dask":
        try:
            from sitegen.scale import engine as cluster
        except ImportError as err:
            raise scale.not_installed(err) from None
        shards = cluster.extract(items, functools.partial(extract_run, job), engine, workers, job.cfg.root)
        if archive is not None and (found := shards.pairs()) is not None:
            archive.pairs = found
        yield shards.results()
        return
    if workers > 1 and len(items) >= 4 and parallel.cores() > 1:
        _warm_up(job.cfg)
    results = parallel.ordered_map(functools.partial(_extract, job), items, chunk=1, jobs=workers)
    try:
        yield results
    finally:
        results.close()


def _warm_up(cfg: Config) -> None:
    """Convert a small page here, so that the word tables and the gazetteer are loaded once and
    the forked workers share them instead of each loading its own."""
    convert(_WARM_UP_PAGE.encode("utf-8"), Path("warm-up.html"), cfg, set())


def _workers(jobs: int | None, items: int) -> int:
    if jobs is not None and jobs < 1:
        raise SitegenError(f"--jobs {jobs}: give 1 or more worker processes")
    return max(1, min(jobs or os.cpu_count() or 1, items))


# content/ as the importer sees it.


@dataclass
class Archive:
    """Slugs in use, the post each known fingerprint went into, what the importer wrote, and the
    sketches of every post's body for finding copies of its story."""

    slugs: set[str]
    by_fingerprint: dict[str, Path]
    current: dict[Path, str]  # each post's SHA-256 now
    written: set[str]  # SHA-256 of posts as the importer wrote them
    index: dedupe.Index[Path]
    static: Static | None = None  # where the posts' pictures are copied
    # the candidates among this run's sources: found as they are settled, or by the Dask engine's band shuffle
    pairs: dedupe.Pairs[Path] = field(default_factory=dedupe.Pairs)
    bodies: dedupe.Bodies = field(default_factory=dedupe.Bodies)  # the posts' bodies checked in full lately
    addresses: dict[Path, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # each post's slug, aliases
    run: dict[Path, str | None] = field(default_factory=dict)  # posts this run wrote or found -> their source file
    to_link: list[Path] = field(default_factory=list)  # of those, the posts whose links are to be checked

    def verified(self) -> frozenset[str]:
        """Fingerprints whose post is as the importer wrote it: re-reading their source is skipped."""
        return frozenset(fp for fp, path in self.by_fingerprint.items() if self.current.get(path) in self.written)


@dataclass(frozen=True)
class _Post:
    path: Path
    slug: str
    fingerprints: tuple[str, ...]
    digest: str
    sketch: dedupe.Sketch
    aliases: tuple[str, ...] = ()


def scan(content_dir: Path, workers: int = 1) -> Archive:
    """Every post in content/, read leniently: a post an editor broke still names its fingerprints,
    and must still not be imported over."""
    paths = post_paths(content_dir) if content_dir.is_dir() else []
    archive = Archive(set(), {}, {}, _read_written(content_dir), dedupe.Index())
    if workers > 1 and len(paths) >= SCAN_IN_PARALLEL:
        scanned = list(parallel.ordered_map(_scan_post, paths, jobs=workers))
    else:
        scanned = [_scan_post(p) for p in paths]
    for post in scanned:
        archive.slugs.update({post.slug, post.path.stem})
        archive.current[post.path] = post.digest
        archive.addresses[post.path] = (post.slug, post.aliases)
        for found in post.fingerprints:
            archive.by_fingerprint.setdefault(found, post.path)
        archive.index.add(post.path, post.sketch)
    return archive


def _scan_post(path: Path) -> _Post:
    text = _read(path)
    if text is None:
        return _Post(path, path.stem, (), "", dedupe.Sketch(0))
    head, body = _split(text)
    slug = _key(head, "slug") or path.stem
    prints = tuple(re.findall(r"^\s*(?:- )?fingerprint:[ \t]*['\"]?([^'\"\s]+)", head, re.MULTILINE))
    return _Post(path, slug, prints, _sha(text), dedupe.sketch(dedupe.shingles(body)), _list(head, "aliases"))


# Multi-page articles: a page that links to its next page (下一页) waits for it, and the pages
# given in one run become one post; the later pages are recorded in its `copies`, so that
# importing them again finds the post.


class PageJoiner:
    """Holds back pages whose next page may still come; hands out what is ready, in order."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.waiting: dict[str, list[Extracted]] = {}  # next page's URL -> the pages so far

    def add(self, found: Extracted) -> list[tuple[Extracted, list[Extracted]]]:
        raw = found.converted.raw if found.converted is not None else None
        if raw is None or found.converted is None or found.converted.kind != "html":
            return [(found, [])]
        chain = self.waiting.pop(raw.source_url or "", None)
        before = chain[-1].converted if chain is not None else None
        if chain is not None and before is not None and not html_page.same_article(before.raw, raw):
            self.waiting[raw.source_url or ""] = chain  # another article at that address: leave it waiting
            chain = None
        chain = [*(chain or []), found]
        if raw.next_page and raw.next_page not in self.waiting:
            self.waiting[raw.next_page] = chain
            return []
        return [self.join(chain)]

    def flush(self) -> list[tuple[Extracted, list[Extracted]]]:
        """At the end of the run: what still waits for a next page that never came."""
        ready = [self.join(chain) for chain in self.waiting.values()]
        self.waiting.clear()
        return ready

    def join(self, chain: list[Extracted]) -> tuple[Extracted, list[Extracted]]:
        first, later = chain[0], chain[1:]
        if not later or first.converted is None or first.digest is None:
            return first, []
        raws = [c.converted.raw for c in chain if c.converted is not None]
        meta, body = to_post(html_page.merge_pages(raws), self.cfg, first.digest, set())
        pages = tuple(Copy(source_url=c.converted.meta.source_url, fingerprint=c.digest) for c in later if c.converted)
        converted = Converted(first.converted.kind, replace(meta, copies=pages), body, raws[0])
        shingles = dedupe.shingles(body)
        joined = replace(first, converted=converted, shingles=shingles, sketch=dedupe.sketch(shingles), may_link=True)
        return joined, later


def _settle_pages(found: Extracted, later: list[Extracted], archive: Archive, content_dir: Path) -> list[Outcome]:
    first = _settle(found, archive, content_dir)
    joined = [
        Outcome(page.label, "page", f"page {n} of {found.label}, joined into {first.post}", first.post)
        for n, page in enumerate(later, start=2)
    ]
    for page in later:
        if first.post is not None and page.digest:
            archive.by_fingerprint[page.digest] = first.post
    return [first, *joined]


# Settling one result, in run order: this is where content/ changes.


def _settle(found: Extracted, archive: Archive, content_dir: Path) -> Outcome:
    outcome = _settled(found, archive, content_dir)
    if outcome.post is not None and outcome.status in _RUN:
        archive.run[outcome.post] = _source_file(found.label)
        if found.may_link or outcome.status == "unchanged":  # a run cut short wrote it, maybe not its links
            archive.to_link.append(outcome.post)  # checked once the run is written
    return outcome


_RUN: tuple[Status, ...] = ("created", "unchanged")  # the outcomes whose post's links a run checks


def _settled(found: Extracted, archive: Archive, content_dir: Path) -> Outcome:
    archive.pairs.seen(found.label, found.sketch)
    if found.skipped is not None:
        return Outcome(found.label, "skipped", found.skipped)
    if found.error is not None or found.digest is None:
        return Outcome(found.label, "failed", found.error or "not read")
    known = archive.by_fingerprint.get(found.digest)
    if known is not None:
        return _known(found, known, archive)
    assert found.converted is not None
    kept = _kept_story(found, archive)
    if kept is not None:
        return _add_copy(found.label, found.converted, kept, archive, content_dir)
    return _create(found.label, found.converted, archive, content_dir)


def _known(found: Extracted, path: Path, archive: Archive) -> Outcome:
    """A source imported before: unchanged, unless its post was edited since (a conflict)."""
    text = _read(path)
    if text is not None and _sha(text) in archive.written:
        return Outcome(found.label, "unchanged", f"already imported into {path}", path)
    if text is not None and found.converted is not None:
        # A post written before the importer kept its list: it is unedited if converting again gives it.
        head, _ = _split(text)
        again = _as_written(found.converted.meta, _key(head, "slug") or path.stem)
        pictures = found.converted.raw.pictures
        placement = place(pictures, again.slug or "", archive.static) if archive.static and pictures else Placement()
        if _dump(*placed(again, found.converted.body, placement)) == text:
            archive.written.add(_sha(text))
            return Outcome(found.label, "unchanged", f"already imported into {path}", path)
    return Outcome(
        found.label, "conflict", f"{path} was changed since it was imported from this source; left as it is", path
    )


def _kept_story(found: Extracted, archive: Archive) -> Path | None:
    """The post that already tells this story, if any: candidates by sketch, then checked in full."""
    scored = archive.index.scored(found.sketch) + archive.pairs.scored(found.label)
    mine = None
    for path in dedupe.ranked(scored):
        text = _read(path)
        if mine is None and found.converted is not None:  # a record read back from a shard carries no shingles
            mine = dedupe.packed(found.shingles or dedupe.shingles(found.converted.body))
        if text is not None and mine is not None and dedupe.same_packed(mine, archive.bodies.packed(_split(text)[1])):
            return path
    return None


def _add_copy(label: str, converted: Converted, kept: Path, archive: Archive, content_dir: Path) -> Outcome:
    """Record this source under the kept post's `copies`, unless that post was changed by hand."""
    text = _read(kept)
    if text is None or _sha(text) not in archive.written:
        return Outcome(
            label,
            "conflict",
            f"the same story as {kept}, which was changed by hand: not recorded there, no post written",
            kept,
        )
    try:
        meta, body, _ = frontmatter.read(text, kept)
    except (SitegenError, SitegenErrors) as err:
        return Outcome(label, "conflict", f"the same story as {kept}, which cannot be read: {err}", kept)
    new = converted.meta
    copy = Copy(new.source, new.via, new.source_url, new.original_url, new.fingerprint)
    _commit(kept, _dump(replace(meta, copies=(*meta.copies, copy)), body), archive, content_dir)
    archive.by_fingerprint[new.fingerprint or ""] = kept
    via = new.via or new.source
    return Outcome(
        label, "duplicate", f"the same story as {kept}; recorded there as a copy{f' ({via})' if via else ''}", kept
    )


def _create(label: str, converted: Converted, archive: Archive, content_dir: Path) -> Outcome:
    slug = unique(converted.meta.slug or "post", archive.slugs)
    meta = _as_written(converted.meta, slug)
    target = content_dir / "posts" / (str(meta.date.year) if meta.date else "undated") / f"{slug}.md"
    meta, body = _with_pictures(meta, converted, target, archive.static)
    _commit(target, _dump(meta, body), archive, content_dir)
    archive.slugs.add(slug)
    archive.addresses[target] = (slug, meta.aliases)
    archive.by_fingerprint[meta.fingerprint or ""] = target
    archive.pairs.kept(label, target)
    review = f"; to check: {', '.join(meta.review)}" if meta.review else ""
    message = f"{KIND_NAMES[converted.kind]} -> {target}{review}"
    return Outcome(label, "created", message, target, meta.review, missing_han=converted.raw.missing_han)


def _reviewed(outcome: Outcome, items: tuple[str, ...]) -> Outcome:
    """A post's outcome with the review items its links added."""
    review = tuple(dict.fromkeys((*outcome.review, *items)))
    if outcome.status != "created" or review == outcome.review:
        return replace(outcome, review=review)
    message = outcome.message.split("; to check: ")[0] + f"; to check: {', '.join(review)}"
    return replace(outcome, review=review, message=message)


def _dump(meta: Meta, body: str) -> str:
    """A post's text as the importer writes it: its review items in the language sitegen speaks (loss.worded());
    the outcomes and --report keep them in English."""
    return frontmatter.dump(replace(meta, review=loss.worded(meta.review)), body)


def _as_written(meta: Meta, slug: str) -> Meta:
    """A converted post's front matter as the importer writes it under this slug."""
    return replace(meta, slug=slug, aliases=_not_own(meta.aliases, slug), review=_printable(meta.review))


def _printable(review: tuple[str, ...]) -> tuple[str, ...]:
    """Review items without control characters, which no post may hold (an item quoting what a converter
    saw of a source would otherwise keep the whole site from building)."""
    return tuple(dict.fromkeys(" ".join(frontmatter.CONTROL.sub(" ", item).split()) for item in review))


def _not_own(aliases: tuple[str, ...], slug: str) -> tuple[str, ...]:
    """The old addresses but the post's new one (a blog that published at /posts/<slug>/ too): a redirect
    there would replace the post's own page."""
    own = POST_URL.format(slug).rstrip("/")
    return tuple(a for a in aliases if posixpath.normpath(unquote(a)).removesuffix("/index.html") != own)


# Links between posts. Once every post of the run is written (and so every slug known), each link of the
# posts the run wrote is checked against the site: a link to another post's source file (a template tag's,
# or the author's own '../x.md') or to an old address of a post becomes that post's address; one that
# leads to no post, redirect or static file becomes its text, with a review item. Only the posts whose
# text is as the importer wrote it are changed, never one an editor changed.

SITE_PAGES = frozenset({"", "archive/", "search/", "404.html", "atom.xml", "sitemap.xml", "robots.txt"}) | {
    f"{kind.key}/" for kind in taxonomy.KINDS
}  # the build's own pages besides the posts, as paths from the site's root
NO_PAGE = "link to {} kept as text: no such page in the site"
NO_POST = "link to {} kept as text: no such post in the site"  # a link to a source file (x.md)
OLD_POST = "link to {} leads to the old blog: no post imported has that address"  # a full URL, kept or made
# A link whose target may be in the site (not an address on another host, an e-mail or an anchor): inline
# (not an image; its text may hold an image), a reference definition, an HTML link. Most posts have none.
_LOCAL = r"(?!https?://|mailto:|#)"
_MAY_LINK = re.compile(
    rf"(?<!!)\[(?:[^\[\]]|\[[^\[\]]*\])*\]\([ \t]*<?{_LOCAL}"
    rf"|^[ \t]{{0,3}}\[[^\]\n]+\]:[ \t]*<?{_LOCAL}"
    rf"|<a\s(?:[^>]*\s)?href\s*=\s*[\"']?(?![\"'])(?!https?://|mailto:|#)",
    re.MULTILINE | re.IGNORECASE,
)


@dataclass(frozen=True)
class Addresses:
    """Where a link may lead in the site once the run is written. Addresses as _address_key has them."""

    own: dict[str, str]  # each post's address -> itself
    old: dict[str, set[str]]  # an old address (alias) -> the posts that had it
    names: tuple[dict[str, set[str]], ...]  # a post's names, surest first: slug, source file names, old names
    sources: dict[str, str]  # the real path of a source file of the run -> its post's address
    static: Path | None  # the site's static/ folder


@dataclass(frozen=True)
class _Here:
    """The post whose links are checked."""

    url: str  # its address
    base: str  # the address its relative links were written from: its first old one, else its own
    source: str | None  # its source file's real path
    home: str | None = None  # the address its blog was published at (post.blog_address)


def link_posts(archive: Archive, content_dir: Path) -> dict[Path, tuple[str, ...]]:
    """The links of the posts this run wrote (archive.to_link), as the second pass described above; returns
    the review items added to each post rewritten."""
    site: Addresses | None = None
    added: dict[Path, tuple[str, ...]] = {}
    for path in archive.to_link:
        text = _read(path)
        home = _home(archive.run[path])
        if text is None or _sha(text) not in archive.written or not _may_link(_split(text)[1], home):
            continue
        site = site or addresses(archive)
        slug, aliases = archive.addresses.get(path, (path.stem, ()))
        url = POST_URL.format(slug)
        changed = relinked(text, path, _Here(url, aliases[0] if aliases else url, archive.run[path], home), site)
        if changed is not None:
            new_text, review = changed
            with _uninterrupted():
                _commit(path, new_text, archive, content_dir)
            added[path] = review
    return added


def relinked(text: str, path: Path, here: _Here, site: Addresses) -> tuple[str, tuple[str, ...]] | None:
    """A post's text with its links resolved (see link_posts) and the review items added, or None when
    every link already leads where it should."""
    new: dict[str, str | None] = {}
    review: list[str] = []
    for target, _ in dict.fromkeys(markdown_body.links(_split(text)[1])):
        resolved = resolve(target, here, site)
        if resolved is None:
            resolved = _on_old_blog(target, here)
            review.append(_no_page(target, resolved))
        elif resolved == target and on_blog(target, here.home) is not None:
            review.append(OLD_POST.format(target))
        if resolved != target:
            new[target] = resolved
    if not new and not review:
        return None
    try:
        meta, body, _ = frontmatter.read(text, path)
    except (SitegenError, SitegenErrors):
        return None
    items = tuple(dict.fromkeys(review))
    if not new and set(loss.worded(items)) <= set(meta.review):
        return None
    meta = replace(meta, review=tuple(dict.fromkeys((*meta.review, *items))))
    return _dump(meta, markdown_body.rewrite_links(body, new)), items


def _no_page(target: str, old: str | None) -> str:
    if old is not None:
        return OLD_POST.format(old)
    path = unquote(urlsplit(target).path)
    return (NO_POST if path.lower().endswith(POST_SUFFIXES) else NO_PAGE).format(target)


def _on_old_blog(target: str, here: _Here) -> str | None:
    """A link of the old blog that leads to no page of the site, as a full URL on the old blog (a post not
    imported is still there, maybe); None when the blog's address is unknown or the link names a source file."""
    parts = urlsplit(target)
    if here.home is None or parts.scheme or parts.netloc or not parts.path:
        return None
    if unquote(parts.path).lower().endswith(POST_SUFFIXES):
        return None
    absolute = parts.path if parts.path.startswith("/") else _joined(here.base, parts.path)
    return (
        here.home.rstrip("/")
        + "/"
        + absolute.lstrip("/")
        + (f"?{parts.query}" if parts.query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )


def resolve(target: str, here: _Here, site: Addresses) -> str | None:
    """The address a link should have: target itself when it leads to a page or file of the site, the
    address of the post it names (by its source file or an old address), or None for nothing."""
    parts = urlsplit(target)
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    on_old = on_blog(target, here.home)
    if on_old is not None:  # a full URL of the old blog: the post or file now there, else as it was
        key = _address_key(unquote(on_old))
        url = site.own.get(key) or _only(site.old.get(key))
        if url is None and _in_site(unquote(on_old), site.static):
            url = on_old
        return url + fragment if url is not None else target
    if parts.scheme or parts.netloc or not parts.path:
        return target  # another site, an e-mail, an anchor on the same page
    path = unquote(parts.path)
    if not path.startswith("/") and path.lower().endswith(POST_SUFFIXES):
        url = _post_of_file(path, here, site)
        return url + fragment if url else None
    absolute = path if path.startswith("/") else _joined(here.base, path)
    key = _address_key(absolute)
    if key in site.own:
        return target if path.startswith("/") else site.own[key] + fragment
    url = _only(site.old.get(key))
    if url is not None:
        return url + fragment
    if _in_site(absolute, site.static):
        return target if path.startswith("/") else quote(absolute) + fragment
    return None


def _post_of_file(path: str, here: _Here, site: Addresses) -> str | None:
    """The address of the post imported from the .md file a link names: by the file itself, else by its name."""
    if here.source is not None:
        url = site.sources.get(os.path.realpath(os.path.join(os.path.dirname(here.source), path)))
        if url is not None:
            return url
    names = post_names(PurePosixPath(path))
    return next((url for name in names for table in site.names if (url := _only(table.get(name)))), None)


def _only(urls: set[str] | None) -> str | None:
    """The one post of a lookup; None when none or several match."""
    return next(iter(urls)) if urls is not None and len(urls) == 1 else None


def _in_site(absolute: str, static: Path | None) -> bool:
    """A page the build makes besides the posts, or a file of static/."""
    rel = absolute.lstrip("/")
    if rel in SITE_PAGES or rel.removesuffix("index.html") in SITE_PAGES:
        return True
    return static is not None and ((static / rel).is_file() or (static / rel / "index.html").is_file())


def _joined(base: str, path: str) -> str:
    """A relative path read from the page at base (a folder when it ends in /), as a path from the site's root."""
    joined = posixpath.join(base if base.endswith("/") else posixpath.dirname(base), path)
    normal = posixpath.normpath(joined)
    return normal + "/" if joined.endswith("/") and normal != "/" else normal


def _address_key(path: str) -> str:
    """One form for the addresses of a page: decoded, lower case, without index.html, .html or a last /."""
    key = posixpath.normpath(unquote(path)).lower() if path else "/"
    key = key.removesuffix("/index.html").removesuffix("/index.htm")
    return key.removesuffix(".html").removesuffix(".htm").rstrip("/") or "/"


def addresses(archive: Archive) -> Addresses:
    """Every post's addresses and names, and the source files of this run's posts."""
    own: dict[str, str] = {}
    old: dict[str, set[str]] = {}
    slugs: dict[str, set[str]] = {}
    files: dict[str, set[str]] = {}
    old_names: dict[str, set[str]] = {}
    sources: dict[str, str] = {}
    for path, (slug, aliases) in archive.addresses.items():
        url = POST_URL.format(slug)
        own[_address_key(url)] = url
        slugs.setdefault(slug, set()).add(url)
        for alias in aliases:
            key = _address_key(alias)
            old.setdefault(key, set()).add(url)
            old_names.setdefault(PurePosixPath(key).name, set()).add(url)
        source = archive.run.get(path)
        if source is not None:
            sources[source] = url
            for name in post_names(PurePosixPath(source)):
                files.setdefault(name, set()).add(url)
    return Addresses(own, old, (slugs, files, old_names), sources, archive.static.folder if archive.static else None)


# Pictures: where a post's pictures go under static/, and copying them there.

_UNUSED = "a picture that no post imported in this run shows: not copied"


@dataclass
class Static:
    """The site's static/ folder as this run fills it."""

    folder: Path
    max_bytes: int
    # each picture copied (by its real path) -> its path under folder, and the post that shows it
    copied: dict[str, tuple[str, Path]] = field(default_factory=dict)


@dataclass(frozen=True)
class Placement:
    moved: dict[str, str] = field(default_factory=dict)  # address as the post wrote it -> its address in the site
    copies: tuple[tuple[Path, str], ...] = ()  # picture file -> its path under static/
    review: tuple[str, ...] = ()


def place(pictures: Sequence[Picture], slug: str, static: Static) -> Placement:
    """Where each picture goes under static/: the path it was addressed by site-wide (Picture.keep), else
    images/<slug>/<its name>. A different file already there, or planned there, moves it to name-2,
    name-3 ...; a missing picture gets its planned address all the same, so that putting the file there
    mends the link, and a review item that says so."""
    moved: dict[str, str] = {}
    copies: list[tuple[Path, str]] = []
    review: list[str] = []
    planned: dict[str, Path] = {}
    for picture in pictures:
        name = picture.path.name if picture.path else PurePosixPath(unquote(urlsplit(picture.ref).path)).name
        wanted = picture.keep or f"images/{slug}/{name or 'picture'}"
        if picture.path is None:
            review.append(IMAGE_NOT_FOUND.format(ref=picture.ref, folder=static.folder.name, rel=wanted))
            rel = wanted
        elif (problem := _unfit(picture.path, static.max_bytes)) is not None:
            review.append(f"image {picture.ref} not copied: {problem}")
            continue
        else:
            rel = _free(wanted, picture.path, static.folder, planned)
            planned[rel] = picture.path
            copies.append((picture.path, rel))
        address = "/" + quote(rel)
        if address != picture.ref:
            moved[picture.ref] = address
    return Placement(moved, tuple(copies), tuple(review))


def _with_pictures(meta: Meta, converted: Converted, post: Path, static: Static | None) -> tuple[Meta, str]:
    """The post's pictures copied into static/ (for the post about to be written at post), its links to them
    rewritten."""
    if static is None or not converted.raw.pictures:
        return meta, converted.body
    placement = place(converted.raw.pictures, meta.slug or "", static)
    for source, rel in placement.copies:
        _copy_picture(source, static.folder / rel)
        static.copied[os.path.realpath(source)] = (rel, post)
    return placed(meta, converted.body, placement)


def placed(meta: Meta, body: str, placement: Placement) -> tuple[Meta, str]:
    """The post with its pictures' addresses (in images and links) rewritten to where they were placed, and
    what was not placed listed under review."""
    if not placement.moved and not placement.review:
        return meta, body
    images = tuple(placement.moved.get(image, image) for image in meta.images)
    review = tuple(dict.fromkeys((*meta.review, *placement.review)))
    if placement.moved:
        body = rewrite_images(body, placement.moved)
    if any(f"]({ref}" in body or f"](<{ref}>" in body or f"]: {ref}" in body for ref in placement.moved):
        body = markdown_body.rewrite_links(body, placement.moved)  # a link to a picture (to show it larger)
    return replace(meta, images=images, review=review), body


def _free(wanted: str, source: Path, folder: Path, planned: dict[str, Path]) -> str:
    """wanted, or name-2, name-3 ... beside it: the first path under folder that is free or already holds
    the same picture."""
    path = PurePosixPath(wanted)
    n = 1
    while True:
        rel = wanted if n == 1 else str(path.with_name(f"{path.stem}-{n}{path.suffix}"))
        other = planned.get(rel)
        there = folder / rel
        if other is not None and _same(other, source):
            return rel
        if other is None and (not there.exists() or _same(there, source)):
            return rel
        n += 1


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b) or filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _unfit(path: Path, max_bytes: int) -> str | None:
    """Why a picture file is not copied, or None."""
    try:
        size = path.stat().st_size
    except OSError as err:
        return f"cannot read it: {err.strerror}"
    return fetch.too_large(size, max_bytes) if size > max_bytes else None


def _copy_picture(source: Path, target: Path) -> None:
    """Copy a picture into static/ (written beside the target, then renamed); one already there is the
    same picture (see _free) and is left as it is."""
    if target.exists():
        return
    try:
        with source.open("rb") as handle:
            _write_whole(target, lambda out: shutil.copyfileobj(handle, out, 1 << 20))
    except OSError as err:
        raise SitegenError(f"cannot copy the picture {source} here: {err.strerror}", target) from None


def _asset_outcome(asset: Asset, static: Static | None) -> Outcome:
    """A picture found in an imported folder: copied for the post that shows it, or left."""
    used = static.copied.get(os.path.realpath(asset.path)) if static else None
    if static is None or used is None:
        return Outcome(asset.label, "skipped", _UNUSED)
    rel, post = used
    return Outcome(asset.label, "copied", f"a picture {post} shows -> {static.folder / rel}", post)


# Pictures on other sites (--fetch-images): downloaded into static/images/<slug>/, the post pointed at them.


def fetch_pictures(
    posts: Sequence[Path], archive: Archive, content_dir: Path, get: Callable[[str], bytes]
) -> list[Outcome]:
    """Each post's pictures on other sites fetched by get() into the site's static/ folder, their provenance
    recorded beside them (remote_pictures.SOURCES), and the post rewritten to show the copies. A post changed
    by hand is left as it is; a picture that cannot be fetched stays on its site. One outcome per picture."""
    if archive.static is None:
        return []
    outcomes: list[Outcome] = []
    for path in posts:
        text = _read(path)
        head, body = _split(text or "")
        shown = remote_pictures.remote(body)
        if text is None or not shown:
            continue
        if _sha(text) not in archive.written:
            outcomes.append(Outcome(str(path), "skipped", _EDITED_PICTURES, path))
            continue
        folder = f"images/{_key(head, 'slug') or path.stem}"
        moved: dict[str, str] = {}
        for picture in shown:
            outcome, rel = _fetched(picture, path, folder, archive.static.folder, get)
            outcomes.append(outcome)
            if rel is not None:
                moved[picture.url] = "/" + quote(rel)
        if moved:
            with _uninterrupted():
                _commit(path, text[: len(text) - len(body)] + rewrite_images(body, moved), archive, content_dir)
    return outcomes


_EDITED_PICTURES = "changed by hand since it was imported: its pictures are left on their sites"


def _fetched(
    picture: remote_pictures.Remote, post: Path, folder: str, static: Path, get: Callable[[str], bytes]
) -> tuple[Outcome, str | None]:
    """One picture downloaded into static/folder (a file there already is never written over: the same
    picture is used, another one gets the name -2, -3 ...); its outcome, and its path under static/."""
    try:
        data = get(remote_pictures.address(picture.url))
    except SitegenError as err:
        return Outcome(picture.url, "skipped", f"a picture {post} shows, not fetched: {err.message}", post), None
    kind = remote_pictures.suffix(data)
    if kind is None:
        return Outcome(picture.url, "skipped", f"a picture {post} shows, not fetched: {_NO_PICTURE}", post), None
    rel = _free_for(f"{folder}/{remote_pictures.file_name(picture.url, kind)}", data, static)
    try:
        if not (static / rel).exists():
            _write_whole(static / rel, lambda out: out.write(data))
        sources = static / folder / remote_pictures.SOURCES
        write_atomic(sources, remote_pictures.recorded(_read(sources), PurePosixPath(rel).name, picture, str(post)))
    except OSError as err:
        raise SitegenError(f"cannot write the picture here: {err.strerror}", static / rel) from None
    return Outcome(picture.url, "copied", f"a picture {post} shows -> {static / rel}", post), rel


_NO_PICTURE = "the server sent no JPEG, PNG, GIF or WebP picture"


def _free_for(wanted: str, data: bytes, static: Path) -> str:
    """wanted, or name-2, name-3 ... beside it: the first path under static/ that is free or holds these bytes."""
    path = PurePosixPath(wanted)
    n = 1
    while True:
        rel = wanted if n == 1 else str(path.with_name(f"{path.stem}-{n}{path.suffix}"))
        there = static / rel
        if not there.exists() or (there.is_file() and there.read_bytes() == data):
            return rel
        n += 1


def _commit(path: Path, text: str, archive: Archive, content_dir: Path) -> None:
    """Write a post and note it as the importer's (the caller keeps Ctrl-C from cutting this in two)."""
    digest = _sha(text)
    try:
        write_atomic(path, text)
        with (content_dir / WRITTEN).open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(("" if handle.tell() else _WRITTEN_HEADER) + digest + "\n")
    except OSError as err:
        raise SitegenError(f"cannot write: {err.strerror}", path) from None
    archive.current[path] = digest
    archive.written.add(digest)


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ctrl-C (or SIGTERM) arriving inside the block takes effect when the block is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, _frame: caught.append(signum)) for sig in STOPS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        raise KeyboardInterrupt


def _read_written(content_dir: Path) -> set[str]:
    text = _read(content_dir / WRITTEN) or ""
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


def _save_written(content_dir: Path, archive: Archive) -> None:
    """The list, sorted, of the posts that are now as the importer wrote them (stale lines dropped)."""
    path = content_dir / WRITTEN
    digests = sorted({d for d in archive.current.values() if d in archive.written})
    text = _WRITTEN_HEADER + "".join(d + "\n" for d in digests)
    if (digests or path.exists()) and _read(path) != text:
        write_atomic(path, text)


@contextmanager
def progress(total: int, doing: str = "importing") -> Iterator[Callable[..., None]]:
    """A progress bar on stderr while the items are settled (or, for the Dask engine, converted): advance(n)
    moves it by n items. Only when stderr is a terminal, so logs, CI and pipes get just the summary."""
    console = Console(stderr=True)
    if not console.is_terminal or total < 2:
        yield lambda n=1: None
        return
    columns = (TextColumn(doing), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(doing, total=total)
        yield lambda n=1: bar.advance(task, n)


# Small helpers.


def write_atomic(path: Path, text: str) -> None:
    """A post written whole: a reader sees the old file or the whole new one."""
    _write_whole(path, lambda handle: handle.write(text.encode("utf-8")))


def _write_whole(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write beside path, then rename over it: a reader sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; posts and pictures are ordinary files of the repository
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _single(source: str) -> Item | Unusable:
    """The one page a preview source names; a folder or WARC file of several is refused."""
    entries = sources.expand([source])
    items = [e for e in entries if isinstance(e, Item)]
    if len(items) == 1:
        return items[0]
    if not items:
        return next((e for e in entries if isinstance(e, Unusable)), Unusable(source, "nothing to import", True))
    return Unusable(source, f"holds {len(items)} pages: --to and --list preview one page each", failed=True)


def _read_pairs(path: Path) -> list[tuple[str, Path]]:
    text = _read(path)
    if text is None:
        raise SitegenError("cannot read this list of sources (UTF-8 text expected)", path)
    pairs: list[tuple[str, Path]] = []
    problems: list[SitegenError] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            problems.append(SitegenError("expected 'source<TAB>output file'", path, number))
            continue
        pairs.append((parts[0].strip(), Path(parts[1].strip())))
    if problems:
        raise SitegenErrors(problems)
    return pairs


def _message(err: SitegenError) -> str:
    where = f"line {err.line}: " if err.line else ""
    hint = f" (hint: {err.hint})" if err.hint else ""
    return f"{where}{err.message}{hint}"


def _split(text: str) -> tuple[str, str]:
    """Front matter and body, found even when the YAML between the '---' lines is broken."""
    match = re.match(r"---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|$)", text, re.DOTALL)
    return (match.group(1) or "", text[match.end() :]) if match else ("", text)


def _list(head: str, key: str) -> tuple[str, ...]:
    """A top-level front matter list of plain values, in block form (as the importer writes it) or in
    brackets; a single value is a list of one."""
    match = re.search(rf"^{key}:[ \t]*(.*)\n((?:[ \t]*-[ \t].*\n)*)", head, re.MULTILINE)
    if match is None:
        return ()
    inline = match.group(1).strip()
    items = inline.strip("[]").split(",") if inline else re.findall(r"-[ \t]+(.*)", match.group(2))
    return tuple(value for item in items if (value := item.strip().strip("'\"")))


def _home(source: str | None) -> str | None:
    """The address the blog of a source file was published at, or None."""
    return blog_address(Path(source).parent) if source is not None else None


def _may_link(body: str, home: str | None) -> bool:
    """The body may link within the site: a local link, or a full URL on its old blog's address."""
    if _MAY_LINK.search(body) is not None:
        return True
    host = urlsplit(home).hostname if home else None
    return host is not None and host.removeprefix("www.") in body


def _source_file(label: str) -> str | None:
    """The real path of the file an item's label names, or None for a URL or a WARC record."""
    return os.path.realpath(label) if os.path.isfile(label) else None


def _key(head: str, key: str) -> str | None:
    """A top-level front matter value."""
    match = re.search(rf"^{key}:[ \t]*['\"]?([^'\"\s]+)", head, re.MULTILINE)
    return match.group(1) if match else None


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
