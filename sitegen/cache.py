"""The build cache, .sitegen-cache/ next to sitegen.toml: work done once for a post, a body or a page is kept.

One SQLite file, so an interrupted build never leaves a torn entry:

- posts    content file (its path as walked) -> an Entry: its size and mtime, and what the build learnt from it;
           kept in BUCKETS blobs by a hash of the path, so a build loads them all in a few pickle.loads
           and an edit writes one bucket again
- bodies   hash of a Markdown body and the render settings -> its HTML, plain text and links
- pages    page key (a hash of everything the page shows) -> hash of its bytes
- blobs    hash -> bytes, for pages
- plans    the last build's render.Plan (its pages' paths and keys, its terms and feeds), with the hash of
           the site and cards it was made for
- slugs    term name -> its pinyin slug (pinyin takes a sixth of a second to load)
- tables   name -> a table made from a library's data (search's t2s table from OpenCC's)
- search_* the search index as the last build left it, for the next to update (see search_update.py):
           its state, each key's record and segments, and the bytes of its files by hash
- outputs  output folder -> the record of what the last build wrote there (file -> key, size and
           mtime, in OUTPUT_BUCKETS blobs by folder), so the next build writes only what changed; a folder
           being committed is marked unclean

Beside it, templates/ keeps the theme's templates compiled (Jinja2's own cache, by source hash),
spares/ the files the last builds replaced in output/, for the next to write over, and links/ a second
name for each file the builds wrote, by key, for a build into an emptied output/ to link (see output.py).

Every entry was made by one version of the code: the cache records a hash of sitegen's sources
and its renderers' versions, and starts empty when they change. Worker processes forked by the
build read through their own connection (a SQLite connection must not cross a fork); only the
parent writes.
"""

from __future__ import annotations

import contextlib
import copyreg
import datetime as dt
import functools
import io
import os
import pickle
import re
import sqlite3
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

from sitegen.content import Post, digest
from sitegen.errors import SitegenError
from sitegen.frontmatter import Meta
from sitegen.markup import Link
from sitegen.output import Written, as_written, content_key
from sitegen.render import Plan
from sitegen.search_index import Card, Part, Row, State, fnv1a
from sitegen.slugs import slugify

CACHE_DIR = ".sitegen-cache"
T = TypeVar("T")
SCHEMA = """
CREATE TABLE IF NOT EXISTS about (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS posts (bucket INTEGER PRIMARY KEY, entries BLOB, stats BLOB);
CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT, text TEXT, links BLOB);
CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, sha TEXT);
CREATE TABLE IF NOT EXISTS plans (cards TEXT PRIMARY KEY, plan BLOB);
CREATE TABLE IF NOT EXISTS search_state (part INTEGER PRIMARY KEY, state BLOB);
CREATE TABLE IF NOT EXISTS search_keys (key TEXT PRIMARY KEY, hash INTEGER, shard INTEGER, record BLOB, segments BLOB);
CREATE INDEX IF NOT EXISTS search_keys_by_shard ON search_keys (shard);
CREATE TABLE IF NOT EXISTS search_parts (path TEXT, key TEXT, sha TEXT, PRIMARY KEY (path, key));
CREATE INDEX IF NOT EXISTS search_parts_by_key ON search_parts (key);
CREATE TABLE IF NOT EXISTS search_files (sha TEXT PRIMARY KEY, data BLOB);
CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, data BLOB);
CREATE TABLE IF NOT EXISTS slugs (name TEXT PRIMARY KEY, slug TEXT);
CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS targets (target TEXT PRIMARY KEY, clean INTEGER);
CREATE TABLE IF NOT EXISTS outputs (target TEXT, bucket INTEGER, record BLOB, PRIMARY KEY (target, bucket));
"""
_inherited: list[sqlite3.Connection] = []
PAGES_HELD = 256  # rendered pages held in memory before they are written
PRUNE_SLACK = 2  # a table is pruned to this build's entries once it holds this many times more
BUCKETS = 64  # the posts' entries are kept in this many blobs
OUTPUT_BUCKETS = 512  # and the record of output/ in this many: a topic edit at 10^4 stories changes 400 files in 250 folders


@functools.cache
def code_key() -> str:
    """sitegen's own sources and the versions of what renders, parses and slugs: the code that made an entry."""
    package = Path(__file__).resolve().parent
    sources = [content_key(p.read_bytes()) for p in sorted(package.rglob("*.py"))]
    return digest(*sources, *installed(LIBRARIES), sys.version)


LIBRARIES = ("jinja2", "markdown-it-py", "nh3", "PyYAML", "python-dateutil", "pypinyin", "OpenCC")


def installed(names: Iterable[str]) -> list[str]:
    """Each distribution's version ("" if not found), from the names of the .dist-info folders on sys.path,
    the first found as import would: what importlib.metadata says, without its 12 ms of imports."""
    versions: dict[str, str] = {}
    for entry in sys.path:
        try:
            folders = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in folders:
            if folder.endswith(".dist-info"):
                name, _, version = folder.removesuffix(".dist-info").partition("-")
                versions.setdefault(_normal(name), version)
    return [versions.get(_normal(name), "") for name in names]


def _normal(name: str) -> str:
    """A distribution's name as its .dist-info folder spells it, told apart from its other spellings."""
    return re.sub(r"[-_.]+", "_", name).lower()


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
# The fields whose values 10^5 posts repeat, shared: a source, a list of topics or of places is
# one object however many posts name it (a few hundred of each), and every author and tag is
# one string, though posts list them in many combinations.
SHARED = tuple(META_FIELDS.index(name) for name in ("editor", "source", "via", "categories", "regions"))
INTERNED = tuple(META_FIELDS.index(name) for name in ("authors", "tags"))
_shared: dict[Any, Any] = {}


def _meta(values: tuple[Any, ...]) -> Meta:
    """A Meta from a worker process, its names shared with the other posts' (see SHARED)."""
    given = list(values)
    for i in SHARED:
        if given[i]:
            given[i] = _shared.setdefault(given[i], given[i])
    for i in INTERNED:
        if given[i]:
            given[i] = tuple(map(sys.intern, given[i]))
    return _fields(tuple(given))


def _fields(values: tuple[Any, ...]) -> Meta:
    """A Meta made as pickle makes an object, its fields set at once: a frozen dataclass's own
    __init__ sets its twenty fields one by one, and every build makes 10^4 of them."""
    meta: Meta = object.__new__(Meta)
    meta.__dict__.update(zip(META_FIELDS, values, strict=True))
    return meta


def _reduce_meta(meta: Meta) -> tuple[Any, ...]:
    return _meta, (tuple(getattr(meta, name) for name in META_FIELDS),)


def _reduce_fields(meta: Meta) -> tuple[Any, ...]:
    """A Meta as the entries keep it, its dates' time zones shared (see _zoned())."""
    values = [getattr(meta, name) for name in META_FIELDS]
    for i in DATES:
        values[i] = _zoned(values[i])
    return _fields, (tuple(values),)


DATES = tuple(META_FIELDS.index(name) for name in ("date", "updated"))
_zones: dict[tuple[dt.timedelta, str], dt.timezone] = {}


def _zoned(value: Any) -> Any:
    """A datetime with the one time zone object kept for its offset and name: the YAML parser makes one
    per date, and 10^4 of them, pickled and made again, are a tenth of the time the entries take to load."""
    zone = value.tzinfo if isinstance(value, dt.datetime) else None
    if not isinstance(zone, dt.timezone):  # a fixed offset: the same offset and name is the same zone
        return value
    shared = _zones.setdefault((zone.utcoffset(None), zone.tzname(None)), zone)
    return value if shared is zone else value.replace(tzinfo=shared)


# Every Meta sent by a worker shares its names with the others.
copyreg.pickle(Meta, _reduce_meta)


def _bucket(path: str, count: int = BUCKETS) -> int:
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) % count


def _folder_bucket(rel: str) -> int:
    """The bucket of a file of the output record: by its folder, so that a folder renamed whole (the
    search index's) changes two buckets, and an edit a few."""
    return _bucket(rel.rpartition("/")[0], OUTPUT_BUCKETS)


def _rebucketed(
    stored: Callable[[int], dict[str, T]], changed: dict[str, T], removed: Iterable[str], bucket: Callable[[str], int]
) -> dict[int, dict[str, T]]:
    """The buckets that changed and removed fall in, as stored() gives them, with the changes made."""
    parts: dict[int, dict[str, T]] = {}

    def part(key: str) -> dict[str, T]:
        if bucket(key) not in parts:
            parts[bucket(key)] = stored(bucket(key))
        return parts[bucket(key)]

    for key in removed:
        part(key).pop(key, None)
    for key, value in changed.items():
        part(key)[key] = value
    return parts


def _dump_entries(entries: dict[str, Entry]) -> bytes:
    """One bucket's entries in one pickle, whose memo stores once what they share (a source, a list of
    topics): loading 10^4 of them takes a fifth of the time that one pickle per post did."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, Meta: _reduce_fields}  # shared by the memo already
    pickler.dump(entries)
    return buffer.getvalue()


def _dump_stats(entries: dict[str, Entry]) -> bytes:
    return pickle.dumps({path: (e.size, e.mtime_ns) for path, e in entries.items()}, pickle.HIGHEST_PROTOCOL)


class Cache:
    """The cache folder's database; reads and writes of every build step go through here.

    A cache that cannot be used (a read-only site folder, a file that is not a database) is
    replaced: by an empty one, or for this build by a temporary one. It is never worth failing for.
    """

    def __init__(self, folder: Path) -> None:
        self._pid = -1
        self._db: sqlite3.Connection | None = None
        self._writes = 0
        self._pages: list[tuple[str, bytes]] = []  # rendered pages not yet written (see add_page)
        self._slugs: dict[str, str] | None = None  # the slugs table, read whole when first needed
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        try:
            self._open(folder)
        except (OSError, sqlite3.Error):
            self._disconnect()
            self._scratch = tempfile.TemporaryDirectory(prefix="sitegen-cache-")
            self._open(Path(self._scratch.name))

    def _open(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        try:
            made_by = self._about("code")
        except sqlite3.Error:
            made_by = None
        if made_by != code_key():
            self._disconnect()
            for suffix in ("", "-wal", "-shm"):
                (folder / f"cache.sqlite{suffix}").unlink(missing_ok=True)
            self.db.executescript(SCHEMA)
            self.db.execute("INSERT INTO about VALUES ('code', ?)", (code_key(),))
            self.db.commit()

    @property
    def db(self) -> sqlite3.Connection:
        """This process's connection: a forked worker opens its own on first use."""
        if self._db is not None and self._pid != os.getpid():
            _inherited.append(self._db)  # never closed here: closing it would act on the parent's database
            self._db = None
        if self._db is None:
            self._db = sqlite3.connect(self.folder / "cache.sqlite", timeout=60)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._pid = os.getpid()
        return self._db

    def _wrote(self) -> None:
        """Commit now and then, so another build (say, serve's) never waits long for the database."""
        self._writes += 1
        if self._writes % 500 == 0:
            self.db.commit()

    def _about(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM about WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def commit(self) -> None:
        self._write_pages()
        self.db.commit()

    def close(self) -> None:
        self._disconnect()
        if self._scratch is not None:
            self._scratch.cleanup()

    def _disconnect(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._write_pages()
            self._db.commit()
            self._db.close()
        self._db = None

    # posts
    def entries(self, scope: str) -> dict[str, Entry]:
        """The entries kept under this scope (the topic vocabulary their problems were found with), by path."""
        return self._posts("entries", scope)

    def stats(self, scope: str) -> dict[str, tuple[int, int]]:
        """The size and mtime of every file the entries under this scope were made from, by path: a twentieth
        of the entries' bytes, read to find the changed files while the entries load."""
        return self._posts("stats", scope)

    def _posts(self, column: Literal["entries", "stats"], scope: str) -> dict[str, Any]:
        """One column of the posts' buckets, joined; empty if kept under another scope."""
        joined: dict[str, Any] = {}
        if self._about("entries") == scope:
            for (blob,) in self.db.execute(f"SELECT {column} FROM posts"):
                joined.update(pickle.loads(blob))
        return joined

    def save_entries(self, scope: str, changed: dict[str, Entry], removed: Iterable[str]) -> None:
        """Write again the buckets that changed, with their files' stats."""
        fresh = self._about("entries") != scope
        if fresh:
            self.db.execute("DELETE FROM posts")
            self.db.execute("INSERT OR REPLACE INTO about VALUES ('entries', ?)", (scope,))

        def stored(bucket: int) -> dict[str, Entry]:
            return {} if fresh else self._part("SELECT entries FROM posts WHERE bucket = ?", bucket)

        parts = _rebucketed(stored, changed, removed, _bucket)
        self.db.executemany(
            "INSERT OR REPLACE INTO posts VALUES (?, ?, ?)",
            ((bucket, _dump_entries(part), _dump_stats(part)) for bucket, part in sorted(parts.items())),
        )

    def _part(self, query: str, *args: Any) -> dict[str, Any]:
        """One bucket's blob unpickled, or an empty one."""
        row = self.db.execute(query, args).fetchone()
        return pickle.loads(row[0]) if row else {}

    # bodies
    def body(self, key: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT html, text FROM bodies WHERE key = ?", (key,)).fetchone()
        return (row[0], row[1]) if row else None

    def body_links(self, key: str) -> tuple[Link, ...] | None:
        row = self.db.execute("SELECT links FROM bodies WHERE key = ?", (key,)).fetchone()
        return tuple(pickle.loads(row[0])) if row else None

    def body_keys(self) -> set[str]:
        return {key for (key,) in self.db.execute("SELECT key FROM bodies")}

    def add_body(self, key: str, html: str, text: str, links: tuple[Link, ...]) -> None:
        self.db.execute("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?, ?)", (key, html, text, pickle.dumps(links)))
        self._wrote()

    # pages, search files and their bytes
    def page(self, key: str) -> bytes | None:
        row = self.db.execute(
            "SELECT data FROM pages JOIN blobs ON pages.sha = blobs.sha WHERE key = ?", (key,)
        ).fetchone()
        return bytes(row[0]) if row else None

    def add_page(self, key: str, data: bytes) -> None:
        """Kept in memory for a while: a page rendered while the search process writes waits for no lock."""
        self._pages.append((key, data))
        if len(self._pages) >= PAGES_HELD:
            self._write_pages()

    def _write_pages(self) -> None:
        for key, data in self._pages:
            sha = self.add_blob(data)
            self.db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?)", (key, sha))
        self._pages.clear()

    def plan(self) -> tuple[str, Plan | None]:
        """The last build's plan, with the hash of the site and cards it was made for ("", None: none)."""
        row = self.db.execute("SELECT cards, plan FROM plans").fetchone()
        return (row[0], Plan(*pickle.loads(row[1]))) if row else ("", None)

    def save_plan(self, cards: str, plan: Plan) -> None:
        """Only the last build's is kept."""
        self.db.execute("DELETE FROM plans")
        self.db.execute("INSERT INTO plans VALUES (?, ?)", (cards, pickle.dumps(tuple(plan), pickle.HIGHEST_PROTOCOL)))

    def slug(self, name: str) -> str:
        """slugs.slugify(name), remembered. The table is read in one query: a build asks for thousands."""
        if self._slugs is None:
            self._slugs = dict(self.db.execute("SELECT name, slug FROM slugs"))
        slug = self._slugs.get(name)
        if slug is None:
            slug = self._slugs[name] = slugify(name)
            self.db.execute("INSERT INTO slugs VALUES (?, ?)", (name, slug))
            self._wrote()
        return slug

    def table(self, name: str, make: Callable[[], T]) -> T:
        """make(), remembered under name: for tables that depend on a library's data alone (see code_key())."""
        row = self.db.execute("SELECT value FROM tables WHERE name = ?", (name,)).fetchone()
        if row is not None:
            value: T = pickle.loads(row[0])
            return value
        value = make()
        self.db.execute("INSERT INTO tables VALUES (?, ?)", (name, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)))
        return value

    def search_keys(self) -> SearchKeys:
        return SearchKeys(self)

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[None]:
        """Another build of this site (say, serve's) waits here: the search index's state spans many writes."""
        if fcntl is None:  # Windows: builds of one site at a time, please
            yield
            return
        with (self.folder / f"{name}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def blob(self, sha: str) -> bytes:
        row = self.db.execute("SELECT data FROM blobs WHERE sha = ?", (sha,)).fetchone()
        if row is None:
            raise KeyError(sha)
        return bytes(row[0])

    def add_blob(self, data: bytes, sha: str | None = None) -> str:
        """Store bytes under their SHA-256 (pass it if known); returns it."""
        sha = sha or content_key(data)
        self.db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?)", (sha, data))
        self._wrote()
        return sha

    # what is in each output folder
    def written(self, target: Path) -> dict[str, Written] | None:
        """The files the last committed build left in target, or None when that is not known for sure."""
        name = str(target.resolve())
        clean = self.db.execute("SELECT clean FROM targets WHERE target = ?", (name,)).fetchone()
        if not clean or not clean[0]:
            return None
        record: dict[str, Written] = {}
        for (blob,) in self.db.execute("SELECT record FROM outputs WHERE target = ?", (name,)):
            record.update(pickle.loads(blob))
        return record

    def altered(self, target: Path) -> list[str]:
        """The files of target's record that are not there as recorded (changed or removed by hand). It reads
        the record a bucket at a time: run in a forked process, it holds a fiftieth of it, not a copy."""
        records = self.db.execute("SELECT record FROM outputs WHERE target = ?", (str(target.resolve()),))
        try:
            folder = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:  # gone: none is there
            return [rel for (blob,) in records for rel in pickle.loads(blob)]
        found = []
        try:
            for (blob,) in records:
                found += [rel for rel, written in pickle.loads(blob).items() if not as_written(rel, written, folder)]
        finally:
            os.close(folder)
        return found

    def committing(self, target: Path) -> None:
        """Mark target unknown until save_written(): a build killed while committing is then rebuilt in full."""
        self.db.execute("INSERT OR REPLACE INTO targets VALUES (?, 0)", (str(target.resolve()),))
        self.db.commit()

    def save_written(self, target: Path, staged: dict[str, Written], removed: list[str], whole: bool) -> None:
        """The record of target after a build: the last one's with the files staged put in and the removed ones
        taken out, or what was staged when that was every file. It is kept in OUTPUT_BUCKETS blobs by a hash of each
        file's folder, and only those the build changed are read and written again."""
        name = str(target.resolve())
        if whole:
            self.db.execute("DELETE FROM outputs WHERE target = ?", (name,))

        def stored(bucket: int) -> dict[str, Written]:
            return (
                {} if whole else self._part("SELECT record FROM outputs WHERE target = ? AND bucket = ?", name, bucket)
            )

        parts = _rebucketed(stored, staged, removed, _folder_bucket)
        self.db.executemany(
            "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)",
            ((name, bucket, pickle.dumps(part, pickle.HIGHEST_PROTOCOL)) for bucket, part in sorted(parts.items())),
        )
        self.db.execute("INSERT OR REPLACE INTO targets VALUES (?, 1)", (name,))
        self.db.commit()

    def has_bodies(self, settings: str) -> bool:
        """Every post's body rendered with these settings is here: the last build that pruned the bodies
        kept those of every post it read, and a post changed since then was rendered when it was read."""
        return self._about("bodies") == settings

    def prune(self, used: dict[str, set[str]], settings: str) -> None:
        """Drop the pages and bodies this build did not use, once they outnumber the used ones; the bodies
        used are every post's, rendered with settings."""
        pruned = False
        for table, keys in used.items():
            (count,) = self.db.execute(f"SELECT count(DISTINCT key) FROM {table}").fetchone()
            if count > PRUNE_SLACK * len(keys) + 100:
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
                self.db.execute("DELETE FROM used")
                self.db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in keys))
                self.db.execute(f"DELETE FROM {table} WHERE key NOT IN (SELECT key FROM used)")
                pruned = True
        for (target,) in self.db.execute("SELECT target FROM targets").fetchall():
            if not Path(target).is_dir():  # serve's preview folders, tests' temporary sites
                self.db.execute("DELETE FROM targets WHERE target = ?", (target,))
                self.db.execute("DELETE FROM outputs WHERE target = ?", (target,))
        if pruned:
            self.db.execute("DELETE FROM blobs WHERE sha NOT IN (SELECT sha FROM pages)")
        self.db.execute("INSERT OR REPLACE INTO about VALUES ('bodies', ?)", (settings,))
        self.db.commit()


def _batch_part(state: State, start: int) -> list[list[Any]]:
    """The state's columns for the batch of docs from start: one part of it as the cache keeps it."""
    end = start + state.batch_docs
    return [state.stamps[start:end], state.lengths[start:end], state.cards[start:end], state.fragments[start:end]]


class SearchKeys:
    """The search index's key store (search_index.KeyStore), in the cache's database."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self._loaded: State | None = None  # the state as read, so that finish() writes only what changed

    def state(self) -> State | None:
        """The state, kept in parts: its head (part 0), and each batch of docs' stamps, lengths, cards and
        fragments (part 1 + batch), so that an update writes a batch or two, not 10^4 docs' stamps."""
        rows = self.cache.db.execute("SELECT part, state FROM search_state ORDER BY part").fetchall()
        if not rows or rows[0][0] != 0:
            return None
        batch_docs, shards, total, files = pickle.loads(rows[0][1])
        stamps: list[str] = []
        lengths: list[int] = []
        cards: list[Card] = []
        fragments: list[str] = []
        for _, blob in rows[1:]:
            for column, part in zip((stamps, lengths, cards, fragments), pickle.loads(blob), strict=True):
                column += part
        self._loaded = State(batch_docs, stamps, lengths, cards, fragments, shards, total, files)
        return self._loaded

    def begin(self, fresh: bool) -> None:
        if not fresh:  # the batches' parts stay, for finish() to write again those that change
            self.cache.db.execute("DELETE FROM search_state WHERE part = 0")
        else:
            self.cache.db.execute("DELETE FROM search_state")
            self.cache.db.execute("DELETE FROM search_keys")
            self.cache.db.execute("DELETE FROM search_parts")
            self._loaded = None
        self.cache.db.commit()

    def put(self, rows: Iterable[Row]) -> None:
        rows = list(rows)
        db = self.cache.db
        db.executemany("DELETE FROM search_parts WHERE key = ?", ((row[0],) for row in rows))
        db.executemany(
            "INSERT OR REPLACE INTO search_keys VALUES (?, ?, NULL, ?, ?)",
            (
                (key, fnv1a(key), record, pickle.dumps(segments, pickle.HIGHEST_PROTOCOL))
                for key, record, _, segments in rows
            ),
        )
        db.executemany(
            "INSERT OR IGNORE INTO search_parts VALUES (?, ?, ?)",
            ((path, key, sha) for key, _, parts, _ in rows for path, sha in parts),
        )
        self.cache._wrote()

    def drop(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.cache.db.execute("DELETE FROM search_keys WHERE key = ?", (key,))
            self.cache.db.execute("DELETE FROM search_parts WHERE key = ?", (key,))

    def segments(self, keys: Iterable[str]) -> dict[str, Row]:
        found: dict[str, Row] = {}
        db = self.cache.db
        for key in keys:
            row = db.execute("SELECT record, segments FROM search_keys WHERE key = ?", (key,)).fetchone()
            if row is not None:
                parts = tuple(db.execute("SELECT path, sha FROM search_parts WHERE key = ? ORDER BY path", (key,)))
                found[key] = (key, bytes(row[0]), parts, pickle.loads(row[1]))
        return found

    def assign(self, count: int, keys: Iterable[str] | None = None) -> None:
        if keys is None:
            self.cache.db.execute("UPDATE search_keys SET shard = hash % ?", (count,))
        else:
            self.cache.db.executemany(
                "UPDATE search_keys SET shard = hash % ? WHERE key = ?", ((count, key) for key in keys)
            )

    def shard_records(self, shards: Iterable[int] | None) -> dict[str, bytes]:
        db = self.cache.db
        if shards is None:
            return {key: bytes(record) for key, record in db.execute("SELECT key, record FROM search_keys")}
        found: dict[str, bytes] = {}
        for n in shards:
            found.update(
                (key, bytes(record))
                for key, record in db.execute("SELECT key, record FROM search_keys WHERE shard = ?", (n,))
            )
        return found

    def part_users(self, paths: Iterable[str]) -> dict[str, int]:
        db = self.cache.db
        return {
            path: db.execute("SELECT count(*) FROM search_parts WHERE path = ?", (path,)).fetchone()[0]
            for path in paths
        }

    def parts(self) -> list[Part]:
        return list(self.cache.db.execute("SELECT DISTINCT path, sha FROM search_parts ORDER BY path"))

    def blob(self, sha: str) -> bytes:
        row = self.cache.db.execute("SELECT data FROM search_files WHERE sha = ?", (sha,)).fetchone()
        if row is None:
            raise SitegenError("the build cache lost a file of the search index; build again")
        return bytes(row[0])

    def add(self, sha: str, data: bytes) -> None:
        self.cache.db.execute("INSERT OR IGNORE INTO search_files VALUES (?, ?)", (sha, data))
        self.cache._wrote()

    def keep_only(self, shas: Iterable[str]) -> None:
        db = self.cache.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS index_files (sha TEXT PRIMARY KEY)")
        db.execute("DELETE FROM index_files")
        db.executemany("INSERT OR IGNORE INTO index_files VALUES (?)", ((sha,) for sha in shas))
        db.execute("DELETE FROM search_files WHERE sha NOT IN (SELECT sha FROM index_files)")

    def finish(self, state: State, dropped: Iterable[str]) -> None:
        db = self.cache.db
        db.executemany("DELETE FROM search_files WHERE sha = ?", ((sha,) for sha in dropped))
        for batch, start in enumerate(range(0, len(state.stamps), state.batch_docs)):
            part = _batch_part(state, start)
            if self._loaded is None or part != _batch_part(self._loaded, start):
                db.execute(
                    "INSERT OR REPLACE INTO search_state VALUES (?, ?)",
                    (1 + batch, pickle.dumps(part, pickle.HIGHEST_PROTOCOL)),
                )
        head = (state.batch_docs, state.shards, state.total, state.files)
        db.execute("INSERT INTO search_state VALUES (0, ?)", (pickle.dumps(head, pickle.HIGHEST_PROTOCOL),))
        db.commit()
        self._loaded = state
