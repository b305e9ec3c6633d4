"""The build cache, .sitegen-cache/ next to sitegen.toml: work done once for a post, a body or a page is kept.

One SQLite file, so an interrupted build never leaves a torn entry:

- posts    content file (its path as walked) -> an Entry: its size and mtime, and what the build learnt from it;
           kept in BUCKETS values by a hash of the path, so a build loads them all in a few decodes
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
           mtime, in OUTPUT_BUCKETS values by folder), so the next build writes only what changed; a folder
           being committed is marked unclean

Beside it, spares/ keeps the files the last builds replaced in output/, for the next to write over,
and links/ a second name for each file the builds wrote, by key, for a build into an emptied
output/ to link (see output.py); build.lock is held by the build that uses the cache.

The cache is data, never code: every value is kept by codec.py, which makes only the types
registered below, and carries a checksum of its bytes and of the row that holds it (see seal());
paths read back are checked to stay inside the folder they name a file of. A cache that is not as
sitegen leaves one (another program's file, another format, random bytes, a row edited by hand,
links/ or spares/ that are not folders of files) is cleared when a build opens it, and the build
says so once (Cache.notice); one found so while a build reads it raises CacheDamaged and is
marked, for the build to run again from an empty cache. Only one build of a site runs at a
time: the second stops at once, naming the first's process.

Every entry was made by one version of the code: the cache records a hash of sitegen's sources
and its renderers' versions, and starts empty when they change. Worker processes forked by the
build read through their own connection (a SQLite connection must not cross a fork); only the
parent writes.
"""

from __future__ import annotations

import contextlib
import copyreg
import errno
import functools
import io
import os
import re
import shutil
import sqlite3
import stat
import string
import struct
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal, NamedTuple, ParamSpec, TypeVar

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

from sitegen import codec, keys
from sitegen.codec import Codec, Malformed
from sitegen.content import Card, Post
from sitegen.errors import SitegenError
from sitegen.frontmatter import Copy, Meta
from sitegen.keys import content_key, digest, fnv1a
from sitegen.markup import Link
from sitegen.output import Written, as_written, safe_paths
from sitegen.render import Plan
from sitegen.search.index import Card as SearchCard
from sitegen.search.index import IndexFile, Part, Row, State, Stored
from sitegen.slugs import slugify

CACHE_DIR = ".sitegen-cache"
DATABASE = "cache.sqlite"
LOCK = "build.lock"  # locked by the build using the cache (see _locked())
DAMAGED = "damaged"  # left by a build that found the cache damaged: the next one clears it first
FORMAT = 1  # PRAGMA user_version: the tables' layout and their values'; a cache of another format is cleared
APPLICATION_ID = 0x73676331  # PRAGMA application_id ("sgc1"): tells sitegen's cache from another program's SQLite file
T = TypeVar("T")
P = ParamSpec("P")
SCHEMA = """
CREATE TABLE IF NOT EXISTS about (name TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS posts (bucket INTEGER PRIMARY KEY, entries BLOB, stats BLOB);
CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, body BLOB, links BLOB);
CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, sha TEXT, seal BLOB);
CREATE TABLE IF NOT EXISTS plans (cards TEXT PRIMARY KEY, plan BLOB);
CREATE TABLE IF NOT EXISTS search_state (part INTEGER PRIMARY KEY, state BLOB);
CREATE TABLE IF NOT EXISTS search_keys (key TEXT PRIMARY KEY, hash INTEGER, shard INTEGER, record BLOB, segments BLOB);
CREATE INDEX IF NOT EXISTS search_keys_by_shard ON search_keys (shard);
CREATE TABLE IF NOT EXISTS search_parts (path TEXT, key TEXT, sha TEXT, seal BLOB, PRIMARY KEY (path, key));
CREATE INDEX IF NOT EXISTS search_parts_by_key ON search_parts (key);
CREATE TABLE IF NOT EXISTS search_files (sha TEXT PRIMARY KEY, data BLOB);
CREATE TABLE IF NOT EXISTS blobs (sha TEXT PRIMARY KEY, data BLOB);
CREATE TABLE IF NOT EXISTS slugs (name TEXT PRIMARY KEY, slug BLOB);
CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS targets (target TEXT PRIMARY KEY, clean INTEGER, seal BLOB);
CREATE TABLE IF NOT EXISTS outputs (target TEXT, bucket INTEGER, record BLOB, PRIMARY KEY (target, bucket));
"""
_inherited: list[sqlite3.Connection] = []
PAGES_HELD = 256  # rendered pages held in memory before they are written
PRUNE_SLACK = 2  # a table is pruned to this build's entries once it holds this many times more
BUCKETS = 64  # the posts' entries are kept in this many values
# The record of output/ is kept in this many: a topic edit at 10^4 stories changes 400 files in 250 folders.
OUTPUT_BUCKETS = 512
SEAL = 16  # bytes of checksum before each value (see seal())


@functools.cache
def code_key() -> str:
    """sitegen's own sources and the versions of what renders, parses, slugs and keeps: the code that made an entry."""
    package = Path(__file__).resolve().parent
    sources = [content_key(p.read_bytes()) for p in sorted(package.rglob("*.py"))]
    return digest(*sources, *installed(LIBRARIES), sys.version)


LIBRARIES = ("jinja2", "markdown-it-py", "nh3", "PyYAML", "python-dateutil", "pypinyin", "OpenCC", "msgpack")


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

for _kept in (Entry, Post, Card, Copy, SitegenError, Plan, SearchCard, IndexFile):
    codec.register(_kept)
codec.register(Meta, shared=("editor", "source", "via", "categories", "regions", "authors", "tags"))

ENTRIES: Codec[dict[str, Entry]] = Codec(dict[str, Entry])
STATS: Codec[dict[str, tuple[int, int]]] = Codec(dict[str, tuple[int, int]])
BODY: Codec[tuple[str, str]] = Codec(tuple[str, str])
LINKS: Codec[tuple[Link, ...]] = Codec(tuple[Link, ...])
PLAN: Codec[Plan] = Codec(Plan)
RECORD: Codec[dict[str, Written]] = Codec(dict[str, Written])
SEARCH_HEAD: Codec[tuple[int, list[str], int, list[IndexFile]]] = Codec(tuple[int, list[str], int, list[IndexFile]])
SEARCH_BATCH: Codec[tuple[list[str], list[int], list[SearchCard], list[str]]] = Codec(
    tuple[list[str], list[int], list[SearchCard], list[str]]
)
SEGMENTS: Codec[list[Stored]] = Codec(list[Stored])
TABLES: dict[str, Codec[Any]] = {"t2s": Codec(dict[str, str])}  # see Cache.table()


def _meta(values: tuple[Any, ...]) -> Meta:
    """A Meta from a worker process, its names shared with the other posts' (see SHARED)."""
    given = list(values)
    for i in SHARED:
        if given[i]:
            given[i] = codec.shared(given[i])
    for i in INTERNED:
        if given[i]:
            given[i] = tuple(map(sys.intern, given[i]))
    meta: Meta = object.__new__(Meta)  # its fields set at once, as pickle makes an object: 10^4 a build
    meta.__dict__.update(zip(META_FIELDS, given, strict=True))
    return meta


def _reduce_meta(meta: Meta) -> tuple[Any, ...]:
    return _meta, (tuple(getattr(meta, name) for name in META_FIELDS),)


# Every Meta sent by a worker (through a pipe, never through the cache) shares its names with the others.
copyreg.pickle(Meta, _reduce_meta)


def seal(row: str, data: bytes) -> bytes:
    """data as the cache keeps it: after a checksum of the row's name and the bytes, so that bytes changed
    on disk, or moved to another row, fail the check on the way back (see Cache._unsealed())."""
    return _checksum(row, data) + data


def _checksum(row: str, data: bytes | memoryview) -> bytes:
    return keys.checksum(row, data, SEAL)


def _plain_names(names: Sequence[str]) -> bool:
    """Every name is ASCII letters and digits, as keys are: a key names a file under links/ (see output.py)."""
    joined = "".join(names)
    return not names or (all(names) and joined.isascii() and not joined.encode().translate(None, _NAME_BYTES))


_NAME_BYTES = (string.ascii_letters + string.digits).encode()


def _bucket(path: str, count: int = BUCKETS) -> int:
    return keys.bucket(path, count)


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


class CacheDamaged(SitegenError):
    """The cache failed a check while a build read it. It is marked: the next Cache opened on the folder
    (the same build, run again) clears it first."""


def _guarded(method: Callable[P, T]) -> Callable[P, T]:
    """A method of Cache (or of a view of it, with .cache) whose SQLite errors are said as SitegenErrors:
    a damaged file as CacheDamaged, a full disk as such, with the folder and what to do."""

    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except sqlite3.DatabaseError as err:
            owner = args[0].cache if isinstance(args[0], SearchKeys) else args[0]
            assert isinstance(owner, Cache)
            raise owner._failure(err) from None

    return guarded


class Cache:
    """The cache folder's database; reads and writes of every build step go through here.

    A cache that cannot be used (a read-only site folder) is replaced for this build by a temporary
    one: it is never worth failing for. One that is damaged is cleared, and notice says so.
    """

    def __init__(self, folder: Path) -> None:
        self._pid = -1
        self._owner = os.getpid()
        self._db: sqlite3.Connection | None = None
        self._lock: io.FileIO | None = None  # a file object: a Cache dropped unclosed lets the lock go
        self._file: int | None = None  # the database file's inode, once open (see _damaged())
        self._failed = False  # a write failed: nothing more is committed
        self._writes = 0
        self._pages: list[tuple[str, bytes]] = []  # rendered pages not yet written (see add_page)
        self._slugs: dict[str, str] | None = None  # the slugs table, read whole when first needed
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self.notice: SitegenError | None = None  # a warning for the user: the cache was found damaged, and cleared
        try:
            self._open(folder)
        except SitegenError:
            self._release()
            raise
        except (OSError, sqlite3.Error) as err:
            self._release()
            if _full(err):
                raise self._no_space() from None
            self._scratch = tempfile.TemporaryDirectory(prefix="sitegen-cache-")
            self._open(Path(self._scratch.name))

    def _open(self, folder: Path) -> None:
        """Lock the folder, clear it if it is damaged, and start the database afresh if made by other code."""
        self.folder = folder
        reason = _not_a_folder(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self._lock, lock_reason = _locked(folder)
        reason = reason or lock_reason or _marked(folder) or _not_as_left(folder)
        made_by = None
        if reason is None:
            try:
                made_by = self._made_by()
            except CacheDamaged as damaged:
                reason = damaged.message
        if reason is not None:
            self._disconnect()
            _clear(folder)
            self.notice = SitegenError(
                f"the build cache could not be used ({reason}): it was cleared, and this build made it again",
                folder,
                warning=True,
            )
        if made_by != code_key():
            self._disconnect()
            for suffix in ("", "-wal", "-shm"):
                (folder / f"{DATABASE}{suffix}").unlink(missing_ok=True)
            self.db.executescript(
                f"BEGIN; {SCHEMA} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {FORMAT}; COMMIT;"
            )
            self._set_about("code", code_key())
            self.db.commit()
        self._file = os.stat(folder / DATABASE).st_ino

    def _made_by(self) -> str | None:
        """The code key the database was made by; None for none (a new file). CacheDamaged if it is not one
        this program made: not a SQLite file, cut short, another program's or another format, other tables."""
        path = self.folder / DATABASE
        try:
            with path.open("rb") as file:
                head = file.read(100)
        except FileNotFoundError:
            return None
        if not head:
            return None
        if not head.startswith(b"SQLite format 3\x00") or len(head) < 100:
            raise self._damaged(f"{DATABASE} is not a SQLite database")
        if _cut_short(path, head):
            raise self._damaged(f"{DATABASE} is cut short")
        try:
            found = self.db.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
            ).fetchall()
            (application,) = self.db.execute("PRAGMA application_id").fetchone()
            (version,) = self.db.execute("PRAGMA user_version").fetchone()
            if not found:
                return None
            if application != APPLICATION_ID:
                raise self._damaged(f"{DATABASE} was made by another program, or by an older sitegen")
            if version != FORMAT:
                raise self._damaged(f"{DATABASE} is of format {version}, not {FORMAT}")
            if found != _schema():
                raise self._damaged(f"{DATABASE} does not hold sitegen's tables")
            return self._about("code")
        except sqlite3.DatabaseError as err:
            raise self._damaged(f"{DATABASE}: {err}") from None

    @property
    def db(self) -> sqlite3.Connection:
        """This process's connection: a forked worker opens its own on first use."""
        if self._db is not None and self._pid != os.getpid():
            _inherited.append(self._db)  # never closed here: closing it would act on the parent's database
            self._db = None
        if self._db is None:
            self._db = sqlite3.connect(self.folder / DATABASE, timeout=60)
            self._pid = os.getpid()
            self._db.execute("PRAGMA trusted_schema = OFF")
            self._db.execute("PRAGMA cell_size_check = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        return self._db

    def _failure(self, err: sqlite3.DatabaseError) -> SitegenError:
        """The SitegenError a SQLite error is: a full disk, a damaged file, or another failure to write."""
        if _full(err):
            self._failed = True
            return self._no_space()
        if not isinstance(err, sqlite3.OperationalError):  # a file SQLite finds malformed, a constraint broken
            return self._damaged(f"{DATABASE}: {err}")
        self._failed = True
        return SitegenError(
            f"the build cache could not be used: {err}",
            self.folder,
            hint="check that its disk has room and can be written, then build again (or remove the folder)",
        )

    def _no_space(self) -> SitegenError:
        return SitegenError(
            "the disk is full: the build cache could not be written",
            self.folder,
            hint="free some space on that disk, then build again (the cache is as the last build left it)",
        )

    def _damaged(self, reason: str) -> CacheDamaged:
        """The error for a cache found damaged, which is marked so (see DAMAGED) for the next build to clear:
        unless the database is another by now (a process forked by a build that failed, still reading the
        database that the build run again has cleared)."""
        with contextlib.suppress(OSError):
            if os.stat(self.folder / DATABASE).st_ino == self._file:
                _write_new(self.folder / DAMAGED, reason.encode("utf-8", "replace")[:400])
        return CacheDamaged(
            f"the build cache is damaged: {reason}",
            self.folder,
            hint="build again: the next build clears it first",
        )

    def _unsealed(self, row: str, sealed: Any) -> memoryview:
        """The bytes kept in a row by seal(), once they pass its check; else the cache is damaged."""
        if type(sealed) is not bytes or len(sealed) < SEAL:
            raise self._damaged(f"{row} holds no sealed value")
        data = memoryview(sealed)[SEAL:]
        if sealed[:SEAL] != _checksum(row, data):
            raise self._damaged(f"{row} fails its checksum")
        return data

    def _value(self, kept: Codec[T], row: str, sealed: Any) -> T:
        """The value kept in a row: checked, then decoded by its codec, which makes nothing but its type."""
        try:
            return kept.decode(self._unsealed(row, sealed))
        except Malformed as err:
            raise self._damaged(f"{row} does not hold a value of its type ({err})") from None

    def _text(self, row: str, sealed: Any) -> str:
        try:
            return str(self._unsealed(row, sealed), "utf-8")
        except UnicodeDecodeError:
            raise self._damaged(f"{row} does not hold text") from None

    def _wrote(self) -> None:
        """Commit now and then, so another build (say, serve's) never waits long for the database."""
        self._writes += 1
        if self._writes % 500 == 0:
            self.db.commit()

    def _about(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM about WHERE name = ?", (name,)).fetchone()
        return self._text(f"about/{name}", row[0]) if row else None

    def _set_about(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO about VALUES (?, ?)", (name, seal(f"about/{name}", value.encode())))

    @_guarded
    def commit(self) -> None:
        self._write_pages()
        self.db.commit()

    def close(self) -> None:
        """Commit what is pending (unless a write failed: then it is rolled back) and let other builds in."""
        try:
            self._disconnect()
        finally:
            self._release()
            if self._scratch is not None:
                self._scratch.cleanup()

    @_guarded
    def _disconnect(self) -> None:
        """Commit what is pending and close this process's connection; after a failed write, close only."""
        if self._db is None or self._pid != os.getpid():
            self._db = None
            return
        try:
            if not self._failed:
                self._write_pages()
                self._db.commit()
        finally:
            self._db.close()  # what was not committed is rolled back
            self._db = None

    def _release(self) -> None:
        """The connection closed without a commit, and the lock given up (by the process that took it)."""
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None
        if self._lock is not None and self._owner == os.getpid():
            self._lock.close()  # and with it the lock (a POSIX lock: see _locked())
        self._lock = None

    # posts
    def entries(self, scope: str) -> dict[str, Entry]:
        """The entries kept under this scope (the topic vocabulary their problems were found with), by path."""
        return self._posts("entries", scope)

    def stats(self, scope: str) -> dict[str, tuple[int, int]]:
        """The size and mtime of every file the entries under this scope were made from, by path: a twentieth
        of the entries' bytes, read to find the changed files while the entries load."""
        return self._posts("stats", scope)

    @_guarded
    def _posts(self, column: Literal["entries", "stats"], scope: str) -> dict[str, Any]:
        """One column of the posts' buckets, joined; empty if kept under another scope."""
        joined: dict[str, Any] = {}
        if self._about("entries") == scope:
            for bucket, sealed in self.db.execute(f"SELECT bucket, {column} FROM posts"):
                joined.update(self._bucket_of(column, bucket, sealed))
        return joined

    def _bucket_of(self, column: Literal["entries", "stats"], bucket: int, sealed: Any) -> dict[str, Any]:
        """One bucket of the posts, each entry found under its own file's path."""
        if column == "stats":
            return self._value(STATS, f"posts/stats/{bucket}", sealed)
        entries = self._value(ENTRIES, f"posts/entries/{bucket}", sealed)
        if list(entries) != [entry.post.file for entry in entries.values()]:
            raise self._damaged(f"posts/entries/{bucket} files an entry under another file's path")
        return entries

    @_guarded
    def save_entries(self, scope: str, changed: dict[str, Entry], removed: Iterable[str]) -> None:
        """Write again the buckets that changed, with their files' stats."""
        fresh = self._about("entries") != scope
        if fresh:
            self.db.execute("DELETE FROM posts")
            self._set_about("entries", scope)

        def stored(bucket: int) -> dict[str, Entry]:
            row = None if fresh else self.db.execute("SELECT entries FROM posts WHERE bucket = ?", (bucket,)).fetchone()
            return self._bucket_of("entries", bucket, row[0]) if row else {}

        parts = _rebucketed(stored, changed, removed, _bucket)
        self.db.executemany(
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

    # bodies
    @_guarded
    def body(self, key: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT body FROM bodies WHERE key = ?", (key,)).fetchone()
        return self._value(BODY, f"bodies/{key}", row[0]) if row else None

    @_guarded
    def body_links(self, key: str) -> tuple[Link, ...] | None:
        row = self.db.execute("SELECT links FROM bodies WHERE key = ?", (key,)).fetchone()
        return self._value(LINKS, f"bodies.links/{key}", row[0]) if row else None

    @_guarded
    def body_keys(self) -> set[str]:
        return {key for (key,) in self.db.execute("SELECT key FROM bodies")}

    @_guarded
    def add_body(self, key: str, html: str, text: str, links: tuple[Link, ...]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)",
            (key, seal(f"bodies/{key}", BODY.encode((html, text))), seal(f"bodies.links/{key}", LINKS.encode(links))),
        )
        self._wrote()

    # pages, search files and their bytes
    @_guarded
    def page(self, key: str) -> bytes | None:
        row = self.db.execute(
            "SELECT pages.sha, seal, data FROM pages JOIN blobs ON pages.sha = blobs.sha WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        sha, sealed, data = row
        if sealed != _checksum(f"pages/{key}", str(sha).encode()):
            raise self._damaged(f"pages/{key} fails its checksum")
        return self._checked_blob("blobs", sha, data)

    def _checked_blob(self, table: str, sha: str, data: Any) -> bytes:
        """Bytes kept by their SHA-256, once they have it."""
        if type(data) is not bytes or content_key(data) != sha:
            raise self._damaged(f"{table}/{sha} does not hold the bytes of that hash")
        return data

    @_guarded
    def add_page(self, key: str, data: bytes) -> None:
        """Kept in memory for a while: a page rendered while the search process writes waits for no lock."""
        self._pages.append((key, data))
        if len(self._pages) >= PAGES_HELD:
            self._write_pages()

    def _write_pages(self) -> None:
        for key, data in self._pages:
            sha = self.add_blob(data)
            self.db.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?)", (key, sha, _checksum(f"pages/{key}", sha.encode()))
            )
        self._pages.clear()

    @_guarded
    def plan(self) -> tuple[str, Plan | None]:
        """The last build's plan, with the hash of the site and cards it was made for ("", None: none)."""
        row = self.db.execute("SELECT cards, plan FROM plans").fetchone()
        if row is None:
            return "", None
        plan = self._value(PLAN, f"plans/{row[0]}", row[1])
        pages = [path + "index.html" if path == "" or path.endswith("/") else path for path in plan.paths]
        if not safe_paths([*pages, *(feed[0] for feed in plan.feeds)]):
            raise self._damaged(f"plans/{row[0]} names a page outside the output folder")
        return row[0], plan

    @_guarded
    def save_plan(self, cards: str, plan: Plan) -> None:
        """Only the last build's is kept."""
        self.db.execute("DELETE FROM plans")
        self.db.execute("INSERT INTO plans VALUES (?, ?)", (cards, seal(f"plans/{cards}", PLAN.encode(plan))))

    @_guarded
    def slug(self, name: str) -> str:
        """slugs.slugify(name), remembered. The table is read in one query: a build asks for thousands."""
        if self._slugs is None:
            self._slugs = {
                name: self._text(f"slugs/{name}", sealed) for name, sealed in self.db.execute("SELECT * FROM slugs")
            }
            if not safe_paths(list(self._slugs.values())) or any("/" in slug for slug in self._slugs.values()):
                raise self._damaged("slugs holds a slug that is not a file name")
        slug = self._slugs.get(name)
        if slug is None:
            slug = self._slugs[name] = slugify(name)
            self.db.execute("INSERT INTO slugs VALUES (?, ?)", (name, seal(f"slugs/{name}", slug.encode())))
            self._wrote()
        return slug

    @_guarded
    def table(self, name: str, make: Callable[[], T]) -> T:
        """make(), remembered under name (its codec in TABLES): for tables that depend on a library's data
        alone (see code_key())."""
        kept: Codec[T] = TABLES[name]
        row = self.db.execute("SELECT value FROM tables WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return self._value(kept, f"tables/{name}", row[0])
        value = make()
        self.db.execute("INSERT INTO tables VALUES (?, ?)", (name, seal(f"tables/{name}", kept.encode(value))))
        return value

    def search_keys(self) -> SearchKeys:
        return SearchKeys(self)

    @contextlib.contextmanager
    def locked(self, name: str) -> Iterator[None]:
        """Another build of this site (say, serve's) waits here: the search index's state spans many writes."""
        if fcntl is None:  # Windows: builds of one site at a time, please
            yield
            return
        handle = _lock_file(self.folder / f"{name}.lock")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)  # now: a process forked meanwhile holds the descriptor too
        finally:
            os.close(handle)

    @_guarded
    def blob(self, sha: str) -> bytes:
        row = self.db.execute("SELECT data FROM blobs WHERE sha = ?", (sha,)).fetchone()
        if row is None:
            raise KeyError(sha)
        return self._checked_blob("blobs", sha, row[0])

    @_guarded
    def add_blob(self, data: bytes, sha: str | None = None) -> str:
        """Store bytes under their SHA-256 (pass it if known); returns it."""
        sha = sha or content_key(data)
        self.db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?)", (sha, data))
        self._wrote()
        return sha

    # what is in each output folder
    @_guarded
    def knows(self, target: Path) -> bool:
        """A build wrote target and finished: written() has its record."""
        return self._clean(str(target.resolve()))

    @_guarded
    def written(self, target: Path) -> dict[str, Written] | None:
        """The files the last committed build left in target, or None when that is not known for sure."""
        name = str(target.resolve())
        if not self._clean(name):
            return None
        record: dict[str, Written] = {}
        for bucket, sealed in self.db.execute("SELECT bucket, record FROM outputs WHERE target = ?", (name,)):
            record.update(self._record_part(name, bucket, sealed))
        return record

    def _clean(self, name: str) -> bool:
        """The record of the output folder (by name) is whole: the last build that wrote there finished."""
        row = self.db.execute("SELECT clean, seal FROM targets WHERE target = ?", (name,)).fetchone()
        if row is None:
            return False
        if row[1] != _checksum(f"targets/{name}", str(row[0]).encode()):
            raise self._damaged(f"targets/{name} fails its checksum")
        return bool(row[0])

    def _record_part(self, name: str, bucket: int, sealed: Any) -> dict[str, Written]:
        """A bucket of the record of an output folder, each path checked to lie in it, each key to be one."""
        record = self._value(RECORD, f"outputs/{name}/{bucket}", sealed)
        if not safe_paths(list(record)) or not _plain_names([written[0] for written in record.values()]):
            raise self._damaged(f"outputs/{name}/{bucket} names a file outside the output folder")
        return record

    @_guarded
    def altered(self, target: Path) -> list[str]:
        """The files of target's record that are not there as recorded (changed or removed by hand). It reads
        the record a bucket at a time: run in a forked process, it holds a fiftieth of it, not a copy."""
        name = str(target.resolve())
        records = self.db.execute("SELECT bucket, record FROM outputs WHERE target = ?", (name,))
        try:
            folder = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:  # gone: none is there
            return [rel for bucket, sealed in records for rel in self._record_part(name, bucket, sealed)]
        found = []
        try:
            for bucket, sealed in records:
                part = self._record_part(name, bucket, sealed)
                found += [rel for rel, written in part.items() if not as_written(rel, written, folder)]
        finally:
            os.close(folder)
        return found

    @_guarded
    def committing(self, target: Path) -> None:
        """Mark target unknown until save_written(): a build killed while committing is then rebuilt in full."""
        self._set_clean(str(target.resolve()), False)
        self.db.commit()

    def _set_clean(self, name: str, clean: bool) -> None:
        value = int(clean)
        self.db.execute(
            "INSERT OR REPLACE INTO targets VALUES (?, ?, ?)",
            (name, value, _checksum(f"targets/{name}", b"%d" % value)),
        )

    @_guarded
    def save_written(self, target: Path, staged: dict[str, Written], removed: list[str], whole: bool) -> None:
        """The record of target after a build: the last one's with the files staged put in and the removed ones
        taken out, or what was staged when that was every file. It is kept in OUTPUT_BUCKETS values by a hash of
        each file's folder, and only those the build changed are read and written again."""
        name = str(target.resolve())
        if whole:
            self.db.execute("DELETE FROM outputs WHERE target = ?", (name,))

        def stored(bucket: int) -> dict[str, Written]:
            row = (
                None
                if whole
                else self.db.execute(
                    "SELECT record FROM outputs WHERE target = ? AND bucket = ?", (name, bucket)
                ).fetchone()
            )
            return self._record_part(name, bucket, row[0]) if row else {}

        parts = _rebucketed(stored, staged, removed, _folder_bucket)
        self.db.executemany(
            "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)",
            (
                (name, bucket, seal(f"outputs/{name}/{bucket}", RECORD.encode(part)))
                for bucket, part in sorted(parts.items())
            ),
        )
        self._set_clean(name, True)
        self.db.commit()

    @_guarded
    def has_bodies(self, settings: str) -> bool:
        """Every post's body rendered with these settings is here: the last build that pruned the bodies
        kept those of every post it read, and a post changed since then was rendered when it was read."""
        return self._about("bodies") == settings

    @_guarded
    def prune(self, used: dict[str, set[str]], settings: str) -> None:
        """Drop the pages and bodies this build did not use, once they outnumber the used ones; the bodies
        used are every post's, rendered with settings."""
        pruned = False
        for table, kept in used.items():
            (count,) = self.db.execute(f"SELECT count(DISTINCT key) FROM {table}").fetchone()
            if count > PRUNE_SLACK * len(kept) + 100:
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
                self.db.execute("DELETE FROM used")
                self.db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in kept))
                self.db.execute(f"DELETE FROM {table} WHERE key NOT IN (SELECT key FROM used)")
                pruned = True
        for (target,) in self.db.execute("SELECT target FROM targets").fetchall():
            if not Path(target).is_dir():  # serve's preview folders, tests' temporary sites
                self.db.execute("DELETE FROM targets WHERE target = ?", (target,))
                self.db.execute("DELETE FROM outputs WHERE target = ?", (target,))
        if pruned:
            self.db.execute("DELETE FROM blobs WHERE sha NOT IN (SELECT sha FROM pages)")
        self._set_about("bodies", settings)
        self.db.commit()


def _full(err: BaseException) -> bool:
    """The error says the disk is full."""
    if isinstance(err, OSError):
        return err.errno in (errno.ENOSPC, errno.EDQUOT)
    return getattr(err, "sqlite_errorname", "") == "SQLITE_FULL"


def _mode(path: Path) -> int | None:
    """What path is (its st_mode, the link itself for a link), None if nothing."""
    try:
        return os.lstat(path).st_mode
    except FileNotFoundError:
        return None


def _not_a_folder(folder: Path) -> str | None:
    """Why the cache folder is no folder (a file, a link: never followed), after removing it; None if it is one."""
    mode = _mode(folder)
    if mode is None or stat.S_ISDIR(mode):
        return None
    folder.unlink()
    return f"{folder.name} was not a folder"


def _lock_file(path: Path) -> int:
    """A lock file opened, never through a link (made if missing)."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)


def _locked(folder: Path) -> tuple[io.FileIO | None, str | None]:
    """The cache folder's lock taken for this build, and why its lock file had to be made again (if it did).

    A second build of the site stops here at once, naming the first's process: two builds at once would
    write the same files. A POSIX record lock (lockf), not flock: it is this process's alone, so the
    processes it forks (which live on for a moment after a build fails) do not hold it, and it dies with
    the process, so a killed build leaves none. A second Cache in the same process shares it. Nothing is
    written into the file: a build refused before it starts leaves the site as it was, to the byte.
    """
    if fcntl is None:  # Windows: builds of one site at a time, please
        return None, None
    path = folder / LOCK
    mode = _mode(path)
    reason = None
    if mode is not None and not stat.S_ISREG(mode):
        _remove(path)
        reason = f"{LOCK} was not a file"
    handle = io.FileIO(_lock_file(path), "r+")
    try:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        holder = _holder(handle) if err.errno in (errno.EACCES, errno.EAGAIN) else None
        handle.close()
        if err.errno not in (errno.EACCES, errno.EAGAIN):
            raise
        raise SitegenError(
            "another sitegen build is running in this site" + (f" (pid {holder})" if holder else ""),
            folder.parent,
            hint="wait for it to end (or stop it), then build again",
        ) from None
    except BaseException:
        handle.close()
        raise
    return handle, reason


def _holder(handle: io.FileIO) -> int | None:
    """The process that holds the lock on handle's file, as Linux's F_GETLK tells it (its struct flock: type,
    whence, start, length, pid); None where that cannot be told."""
    if sys.platform != "linux":
        return None
    layout = "hhqqi"
    try:
        kind, _, _, _, pid = struct.unpack(
            layout, fcntl.fcntl(handle, fcntl.F_GETLK, struct.pack(layout, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
        )
    except OSError:
        return None
    return int(pid) if kind != fcntl.F_UNLCK and pid > 0 else None


def _marked(folder: Path) -> str | None:
    """Why a build marked the cache damaged, if one did."""
    try:
        with open(folder / DAMAGED, "rb", opener=_no_link) as file:
            return file.read(400).decode("utf-8", "replace").strip() or "a build found it damaged"
    except FileNotFoundError:
        return None
    except OSError:
        return f"{DAMAGED} is not a file"


def _no_link(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW)


def _write_new(path: Path, data: bytes) -> None:
    """A small file written whole beside path and renamed over it: never through a link, and never seen empty
    (a build's forked reader may mark the cache while the build reads the mark)."""
    part = path.with_name(f".{path.name}.{os.getpid()}")
    handle = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        os.write(handle, data)
    finally:
        os.close(handle)
    os.replace(part, path)


def _not_as_left(folder: Path) -> str | None:
    """Why the cache folder is not as builds leave it, if it is not: the database's files and the lock files
    are files, links/ and spares/ folders (never links to elsewhere), and spares/ holds files alone, named by
    number (output.py writes into them). Other names are left alone."""
    with os.scandir(folder) as found:
        for entry in found:
            if (entry.name.startswith(DATABASE) or entry.name.endswith(".lock")) and not entry.is_file(
                follow_symlinks=False
            ):
                return f"{entry.name} is not a file"
            if entry.name in ("links", "spares") and not entry.is_dir(follow_symlinks=False):
                return f"{entry.name}/ is not a folder"
    try:
        with os.scandir(folder / "spares") as spares:
            for spare in spares:
                if not (spare.name.isascii() and spare.name.isdigit() and spare.is_file(follow_symlinks=False)):
                    return f"spares/ holds {spare.name!r}, which no build put there"
    except FileNotFoundError:
        pass
    return None


def _cut_short(path: Path, head: bytes) -> bool:
    """The database file is shorter than its header says, with no write-ahead log that would hold the rest."""
    if int.from_bytes(head[24:28], "big") != int.from_bytes(head[92:96], "big"):
        return False  # the header's page count is not kept up to date: nothing to compare
    size = int.from_bytes(head[16:18], "big")
    pages = int.from_bytes(head[28:32], "big")
    wal = path.with_name(f"{path.name}-wal")
    return (wal.stat().st_size if wal.exists() else 0) == 0 and path.stat().st_size < pages * (
        size if size > 1 else 65536
    )


@functools.cache
def _schema() -> list[tuple[str, str, str, str]]:
    """The tables and indexes of SCHEMA, as sqlite_master lists them."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA)
        return db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    finally:
        db.close()


def _remove(path: Path) -> None:
    """A file, link or folder removed (a link, not what it leads to)."""
    if stat.S_ISDIR(os.lstat(path).st_mode):
        shutil.rmtree(path)
    else:
        path.unlink()


def _clear(folder: Path) -> None:
    """Everything in the cache folder removed but the lock, which this build holds.

    Removed, not set aside: the cache holds nothing a build cannot make again, and a copy kept beside it
    would be another gigabyte at 10^4 stories, in a folder that no .gitignore or CI cache rule knows."""
    for name in sorted(os.listdir(folder)):
        if name != LOCK:
            _remove(folder / name)


def _batch_part(state: State, start: int) -> tuple[list[Any], ...]:
    """The state's columns for the batch of docs from start: one part of it as the cache keeps it."""
    end = start + state.batch_docs
    return (state.stamps[start:end], state.lengths[start:end], state.cards[start:end], state.fragments[start:end])


class SearchKeys:
    """The search index's key store (search_index.KeyStore), in the cache's database."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self._loaded: State | None = None  # the state as read, so that finish() writes only what changed

    @_guarded
    def state(self) -> State | None:
        """The state, kept in parts: its head (part 0), and each batch of docs' stamps, lengths, cards and
        fragments (part 1 + batch), so that an update writes a batch or two, not 10^4 docs' stamps."""
        rows = self.cache.db.execute("SELECT part, state FROM search_state ORDER BY part").fetchall()
        if not rows or rows[0][0] != 0:
            return None
        batch_docs, shards, total, files = self.cache._value(SEARCH_HEAD, "search_state/0", rows[0][1])
        if not safe_paths([file.path for file in files]):
            raise self.cache._damaged("search_state/0 names a file outside the output folder")
        stamps: list[str] = []
        lengths: list[int] = []
        cards: list[SearchCard] = []
        fragments: list[str] = []
        for part, sealed in rows[1:]:
            batch = self.cache._value(SEARCH_BATCH, f"search_state/{part}", sealed)
            stamps += batch[0]
            lengths += batch[1]
            cards += batch[2]
            fragments += batch[3]
        self._loaded = State(batch_docs, stamps, lengths, cards, fragments, shards, total, files)
        return self._loaded

    @_guarded
    def begin(self, fresh: bool) -> None:
        if not fresh:  # the batches' parts stay, for finish() to write again those that change
            self.cache.db.execute("DELETE FROM search_state WHERE part = 0")
        else:
            self.cache.db.execute("DELETE FROM search_state")
            self.cache.db.execute("DELETE FROM search_keys")
            self.cache.db.execute("DELETE FROM search_parts")
            self._loaded = None
        self.cache.db.commit()

    @_guarded
    def put(self, rows: Iterable[Row]) -> None:
        rows = list(rows)
        db = self.cache.db
        db.executemany("DELETE FROM search_parts WHERE key = ?", ((row[0],) for row in rows))
        db.executemany(
            "INSERT OR REPLACE INTO search_keys VALUES (?, ?, NULL, ?, ?)",
            (
                (
                    key,
                    fnv1a(key),
                    seal(f"search_keys.record/{key}", record),
                    seal(f"search_keys/{key}", SEGMENTS.encode(segments)),
                )
                for key, record, _, segments in rows
            ),
        )
        db.executemany(
            "INSERT OR IGNORE INTO search_parts VALUES (?, ?, ?, ?)",
            (
                (path, key, sha, _checksum(f"search_parts/{path}", sha.encode()))
                for key, _, parts, _ in rows
                for path, sha in parts
            ),
        )
        self.cache._wrote()

    @_guarded
    def drop(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.cache.db.execute("DELETE FROM search_keys WHERE key = ?", (key,))
            self.cache.db.execute("DELETE FROM search_parts WHERE key = ?", (key,))

    @_guarded
    def segments(self, keys: Iterable[str]) -> dict[str, Row]:
        found: dict[str, Row] = {}
        db = self.cache.db
        for key in keys:
            row = db.execute("SELECT record, segments FROM search_keys WHERE key = ?", (key,)).fetchone()
            if row is not None:
                parts = self._parts(
                    db.execute("SELECT path, sha, seal FROM search_parts WHERE key = ? ORDER BY path", (key,))
                )
                record = bytes(self.cache._unsealed(f"search_keys.record/{key}", row[0]))
                found[key] = (key, record, tuple(parts), self.cache._value(SEGMENTS, f"search_keys/{key}", row[1]))
        return found

    def _parts(self, rows: Iterable[tuple[str, str, Any]]) -> list[Part]:
        """Part files (path and sha) as kept, each checked, its path to lie in the output folder."""
        parts = []
        for path, sha, sealed in rows:
            if sealed != _checksum(f"search_parts/{path}", str(sha).encode()):
                raise self.cache._damaged(f"search_parts/{path} fails its checksum")
            parts.append((path, sha))
        if not safe_paths([path for path, _ in parts]):
            raise self.cache._damaged("search_parts names a file outside the output folder")
        return parts

    @_guarded
    def assign(self, count: int, keys: Iterable[str] | None = None) -> None:
        if keys is None:
            self.cache.db.execute("UPDATE search_keys SET shard = hash % ?", (count,))
        else:
            self.cache.db.executemany(
                "UPDATE search_keys SET shard = hash % ? WHERE key = ?", ((count, key) for key in keys)
            )

    @_guarded
    def shard_records(self, shards: Iterable[int] | None) -> dict[str, bytes]:
        db = self.cache.db
        if shards is None:
            rows = db.execute("SELECT key, record FROM search_keys").fetchall()
        else:
            rows = [
                row for n in shards for row in db.execute("SELECT key, record FROM search_keys WHERE shard = ?", (n,))
            ]
        return {key: bytes(self.cache._unsealed(f"search_keys.record/{key}", record)) for key, record in rows}

    @_guarded
    def part_users(self, paths: Iterable[str]) -> dict[str, int]:
        db = self.cache.db
        return {
            path: db.execute("SELECT count(*) FROM search_parts WHERE path = ?", (path,)).fetchone()[0]
            for path in paths
        }

    @_guarded
    def parts(self) -> list[Part]:
        return self._parts(self.cache.db.execute("SELECT DISTINCT path, sha, seal FROM search_parts ORDER BY path"))

    @_guarded
    def blob(self, sha: str) -> bytes:
        row = self.cache.db.execute("SELECT data FROM search_files WHERE sha = ?", (sha,)).fetchone()
        if row is None:
            raise SitegenError("the build cache lost a file of the search index; build again")
        return self.cache._checked_blob("search_files", sha, row[0])

    @_guarded
    def add(self, sha: str, data: bytes) -> None:
        self.cache.db.execute("INSERT OR IGNORE INTO search_files VALUES (?, ?)", (sha, data))
        self.cache._wrote()

    @_guarded
    def keep_only(self, shas: Iterable[str]) -> None:
        db = self.cache.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS index_files (sha TEXT PRIMARY KEY)")
        db.execute("DELETE FROM index_files")
        db.executemany("INSERT OR IGNORE INTO index_files VALUES (?)", ((sha,) for sha in shas))
        db.execute("DELETE FROM search_files WHERE sha NOT IN (SELECT sha FROM index_files)")

    @_guarded
    def finish(self, state: State, dropped: Iterable[str]) -> None:
        db = self.cache.db
        db.executemany("DELETE FROM search_files WHERE sha = ?", ((sha,) for sha in dropped))
        for batch, start in enumerate(range(0, len(state.stamps), state.batch_docs)):
            part = _batch_part(state, start)
            if self._loaded is None or part != _batch_part(self._loaded, start):
                db.execute(
                    "INSERT OR REPLACE INTO search_state VALUES (?, ?)",
                    (1 + batch, seal(f"search_state/{1 + batch}", SEARCH_BATCH.encode(part))),  # type: ignore[arg-type]
                )
        head = (state.batch_docs, state.shards, state.total, state.files)
        db.execute("INSERT INTO search_state VALUES (0, ?)", (seal("search_state/0", SEARCH_HEAD.encode(head)),))
        db.commit()
        self._loaded = state
