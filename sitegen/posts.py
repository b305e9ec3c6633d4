"""Step 1 of the build: every post under content/, read again only where its file changed.

A file's Entry is what the build learnt from it: the Post (its card, slug and body hash), what
`sitegen check` would say of it on its own, and the links of its body. Entries are kept in the
cache's posts table (see Table), under the topic vocabulary their problems were found with; a
build stats every file and parses, checks and renders the body of the changed ones alone, on
every core. Any invalid file stops the build with every problem listed, as `check` lists them.
"""

from __future__ import annotations

import copyreg
import functools
import sys
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple

from sitegen import bodies, checks, codec, content, keys, parallel
from sitegen.cache import Cache, View, guarded, rebucketed, seal
from sitegen.codec import Codec
from sitegen.config import Config
from sitegen.content import Card, Post, StoryT
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import Copy, Meta
from sitegen.keys import digest
from sitegen.markup import Link

BUCKETS = 64  # the posts' entries are kept in this many values
# At most this many changed files are analysed while the entries load (see walk()), in one process:
# more are analysed sooner on every core after.
EARLY = 8


class Entry(NamedTuple):
    """A content file as the build keeps it: the Post, and what `sitegen check` would say of it on its own."""

    size: int
    mtime_ns: int
    post: Post
    problems: tuple[SitegenError, ...]
    links: tuple[Link, ...]
    body_line: int
    slug_line: int


META_FIELDS = tuple(f.name for f in fields(Meta))
# The fields whose values many posts repeat, shared: a source, a list of topics or of places is
# one object however many posts name it (a few hundred of each), and every author and tag is
# one string, though posts list them in many combinations.
SHARED = tuple(META_FIELDS.index(name) for name in ("editor", "source", "via", "categories", "regions"))
INTERNED = tuple(META_FIELDS.index(name) for name in ("authors", "tags"))

for _kept in (Entry, Post, Card, Copy, SitegenError):
    codec.register(_kept)
codec.register(Meta, shared=("editor", "source", "via", "categories", "regions", "authors", "tags"))

ENTRIES: Codec[dict[str, Entry]] = Codec(dict[str, Entry])
STATS: Codec[dict[str, tuple[int, int]]] = Codec(dict[str, tuple[int, int]])


def _meta(values: tuple[Any, ...]) -> Meta:
    """A Meta from a worker process, its names shared with the other posts' (see SHARED)."""
    given = list(values)
    for i in SHARED:
        if given[i]:
            given[i] = codec.shared(given[i])
    for i in INTERNED:
        if given[i]:
            given[i] = tuple(map(sys.intern, given[i]))
    meta: Meta = object.__new__(Meta)  # its fields set at once, as pickle makes an object
    meta.__dict__.update(zip(META_FIELDS, given, strict=True))
    return meta


def _reduce_meta(meta: Meta) -> tuple[Any, ...]:
    return _meta, (tuple(getattr(meta, name) for name in META_FIELDS),)


# Every Meta sent by a worker (through a pipe, never through the cache) shares its names with the others.
copyreg.pickle(Meta, _reduce_meta)


class Table(View):
    """The posts table: the entries in BUCKETS values by a hash of the path, each with its files' stats,
    so that a build loads them all in a few decodes and an edit writes one bucket again."""

    def entries(self, scope: str) -> dict[str, Entry]:
        """The entries kept under this scope (the topic vocabulary their problems were found with), by path."""
        return self._posts("entries", scope)

    def stats(self, scope: str) -> dict[str, tuple[int, int]]:
        """The size and mtime of every file the entries under this scope were made from, by path: a small
        part of the entries' bytes, read to find the changed files while the entries load."""
        return self._posts("stats", scope)

    @guarded
    def _posts(self, column: Literal["entries", "stats"], scope: str) -> dict[str, Any]:
        """One column of the posts' buckets, joined; empty if kept under another scope."""
        joined: dict[str, Any] = {}
        if self.store.about("entries") == scope:
            for bucket, sealed in self.store.db.execute(f"SELECT bucket, {column} FROM posts"):
                joined.update(self._bucket_of(column, bucket, sealed))
        return joined

    def _bucket_of(self, column: Literal["entries", "stats"], bucket: int, sealed: Any) -> dict[str, Any]:
        """One bucket of the posts, each entry found under its own file's path."""
        if column == "stats":
            return self.store.value(STATS, f"posts/stats/{bucket}", sealed)
        entries = self.store.value(ENTRIES, f"posts/entries/{bucket}", sealed)
        if list(entries) != [entry.post.file for entry in entries.values()]:
            raise self.store.damaged(f"posts/entries/{bucket} files an entry under another file's path")
        return entries

    @guarded
    def save(self, scope: str, changed: dict[str, Entry], removed: Iterable[str]) -> None:
        """Write again the buckets that changed, with their files' stats."""
        db = self.store.db
        fresh = self.store.about("entries") != scope
        if fresh:
            db.execute("DELETE FROM posts")
            self.store.set_about("entries", scope)

        def stored(bucket: int) -> dict[str, Entry]:
            row = None if fresh else db.execute("SELECT entries FROM posts WHERE bucket = ?", (bucket,)).fetchone()
            return self._bucket_of("entries", bucket, row[0]) if row else {}

        parts = rebucketed(stored, changed, removed, _bucket)
        db.executemany(
            "INSERT OR REPLACE INTO posts VALUES (?, ?, ?)",
            (
                (
                    bucket,
                    seal(f"posts/entries/{bucket}", ENTRIES.encode(part)),
                    seal(
                        f"posts/stats/{bucket}", STATS.encode({path: (e.size, e.mtime_ns) for path, e in part.items()})
                    ),
                )
                for bucket, part in sorted(parts.items())
            ),
        )


def _bucket(path: str) -> int:
    return keys.bucket(path, BUCKETS)


Analysed = tuple[Entry | None, list[SitegenError], bodies.Body | None]  # an entry, or its problems; its body if made


def analyse(cfg: Config, rendered: bodies.Table, path: Path) -> Analysed:
    """One new or changed file: parsed, checked on its own, and its body rendered unless the cache has it."""
    stat = path.stat()
    try:
        story = content.read_story(path)
    except SitegenError as err:
        return None, [err], None
    except SitegenErrors as errs:
        return None, errs.errors, None
    post = Post.of(story)
    key = bodies.key(post, cfg)
    links = rendered.links(key)
    body = None
    if links is None:
        body = bodies.render(cfg, story, key)
        links = body[3]
    problems = tuple(checks.story_problems(cfg, story))
    entry = Entry(stat.st_size, stat.st_mtime_ns, post, problems, links, story.doc.body_line, content.slug_line(story))
    return entry, [], body


def load(cfg: Config, content_dir: Path, store: Cache) -> list[Entry]:
    """Every post under content_dir in path order, each file read again only if its size or mtime changed.

    Any invalid file stops the build with every problem listed, as `sitegen check` lists them.
    """
    content.require_folder(content_dir)
    table, rendered = Table(store), bodies.Table(store)
    scope = digest(*(t.name for t in cfg.topics))  # story_problems() depends on the topics alone
    walking = parallel.background(functools.partial(walk, cfg, table, rendered, content_dir, scope))
    known = table.entries(scope)  # while the walk runs
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
    made = parallel.ordered_map(functools.partial(analyse, cfg, rendered), late)  # taken one by one
    for file in todo:
        entry, errors, body = early[file] if file in early else next(made)
        problems += errors
        if entry is not None:
            changed[file] = entry
        if body is not None:
            rendered.add(*body)
    next(made, None)  # none is left: this ends the map, and its workers
    entries.update(changed)
    table.save(scope, changed, removed=[path for path in known if path not in entries])
    store.commit()
    ordered = [entries[file] for file in files if file in entries]
    problems += content.slug_clashes((e.post.slug, e.post.file, e.slug_line, e.post.meta) for e in ordered)
    if problems:
        raise SitegenErrors(problems)
    return ordered


def walk(
    cfg: Config, table: Table, rendered: bodies.Table, content_dir: Path, scope: str
) -> tuple[list[tuple[str, int, int]], dict[str, Analysed]]:
    """Every post's path, size and mtime (see content.stat_posts()), and the changed files analysed, if
    there are at most EARLY: run beside the loading of the entries, a one-post edit's file is parsed and
    its body rendered (markdown-it imported) on the other core. More are analysed on every core after."""
    found = content.stat_posts(content_dir)
    stats = table.stats(scope)
    changed = [file for file, size, mtime_ns in found if stats.get(file) != (size, mtime_ns)]
    if len(changed) > EARLY:
        return found, {}
    return found, {file: analyse(cfg, rendered, Path(file)) for file in changed}


def published(stories: list[StoryT], drafts: bool, now: datetime) -> list[StoryT]:
    """Drafts and posts dated in the future wait for their day, unless --drafts."""
    if drafts:
        return stories
    at = now.timestamp()
    return [s for s in stories if not s.meta.draft and (s.meta.date is None or s.time <= at)]
