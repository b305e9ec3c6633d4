"""The build cache, .sitegen-cache/ next to sitegen.toml: the store that each step of the build keeps its
work in, so that work done once for a post, a body, a page or the search index is not done again.

This module is the store alone: one SQLite file (so an interrupted build never leaves a torn entry),
opened, versioned and locked here, with the bytes of pages kept by hash (blobs) and the unused rows
pruned. Each step owns its own tables and reads them through a View (see the module named):

- posts    (posts.py)   content file -> what the build learnt from it, in buckets by a hash of the path
- bodies   (bodies.py)  hash of a Markdown body and the render settings -> its HTML, plain text and links
- pages    (render.py)  page key -> hash of its bytes, the bytes in blobs
- plans, slugs (plan.py)  the last build's page plan, and each term's pinyin slug
- search_*, tables (search/store.py)  the search index as the last build left it, for the next to update
- targets, outputs (record.py)  what the last build wrote in each output folder
- pictures (images.py)  hash of a picture file -> its format and size; each body's pictures by its hash

Beside it, spares/ keeps the files the last builds replaced in output/, for the next to write over,
and links/ a second name for each file the builds wrote, by key, for a build into an emptied
output/ to link (see output.py); build.lock is held by the build that uses the cache.

The cache is data, never code: every value is kept by codec.py, which makes only the types its
modules register, and carries a checksum of its bytes and of the row that holds it (see seal());
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
import errno
import functools
import io
import os
import re
import shutil
import sqlite3
import stat
import struct
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

try:
    import fcntl
except ImportError:  # not on Windows
    fcntl = None  # type: ignore[assignment]

from sitegen import keys
from sitegen.codec import Codec, Malformed
from sitegen.errors import SitegenError
from sitegen.keys import content_key, digest

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
CREATE TABLE IF NOT EXISTS pictures (key TEXT PRIMARY KEY, value BLOB);
"""
_inherited: list[sqlite3.Connection] = []
PRUNE_SLACK = 2  # a table is pruned to this build's entries once it holds this many times more
BLOB_USERS = ("pages",)  # the tables whose rows name blobs by their sha: a blob none names is pruned
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
    the first found as import would: what importlib.metadata says, without importing it."""
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


def seal(row: str, data: bytes) -> bytes:
    """data as the cache keeps it: after a checksum of the row's name and the bytes, so that bytes changed
    on disk, or moved to another row, fail the check on the way back (see Cache.unsealed())."""
    return checksum(row, data) + data


def checksum(row: str, data: bytes | memoryview) -> bytes:
    """The checksum seal() puts before data: for a row that keeps it apart from its value."""
    return keys.checksum(row, data, SEAL)


class CacheDamaged(SitegenError):
    """The cache failed a check while a build read it. It is marked: the next Cache opened on the folder
    (the same build, run again) clears it first."""


def guarded(method: Callable[P, T]) -> Callable[P, T]:
    """A method of Cache (or of a View of it) whose SQLite errors are said as SitegenErrors: a damaged
    file as CacheDamaged, a full disk as such, with the folder and what to do."""

    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except sqlite3.DatabaseError as err:
            owner = args[0].store if isinstance(args[0], View) else args[0]
            assert isinstance(owner, Cache)
            raise owner.failure(err) from None

    return guarded


class Cache:
    """The cache folder's database, opened for one build; each step reads and writes it through a View.

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
        self._pending: list[Callable[[], None]] = []  # the views' writes held back, made before each commit
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
            self.set_about("code", code_key())
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
            raise self.damaged(f"{DATABASE} is not a SQLite database")
        if _cut_short(path, head):
            raise self.damaged(f"{DATABASE} is cut short")
        try:
            found = self.db.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
            ).fetchall()
            (application,) = self.db.execute("PRAGMA application_id").fetchone()
            (version,) = self.db.execute("PRAGMA user_version").fetchone()
            if not found:
                return None
            if application != APPLICATION_ID:
                raise self.damaged(f"{DATABASE} was made by another program, or by an older sitegen")
            if version != FORMAT:
                raise self.damaged(f"{DATABASE} is of format {version}, not {FORMAT}")
            if found != _schema():
                raise self.damaged(f"{DATABASE} does not hold sitegen's tables")
            return self.about("code")
        except sqlite3.DatabaseError as err:
            raise self.damaged(f"{DATABASE}: {err}") from None

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

    def failure(self, err: sqlite3.DatabaseError) -> SitegenError:
        """The SitegenError a SQLite error is: a full disk, a damaged file, or another failure to write."""
        if _full(err):
            self._failed = True
            return self._no_space()
        if not isinstance(err, sqlite3.OperationalError):  # a file SQLite finds malformed, a constraint broken
            return self.damaged(f"{DATABASE}: {err}")
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

    def damaged(self, reason: str) -> CacheDamaged:
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

    def unsealed(self, row: str, sealed: Any) -> memoryview:
        """The bytes kept in a row by seal(), once they pass its check; else the cache is damaged."""
        if type(sealed) is not bytes or len(sealed) < SEAL:
            raise self.damaged(f"{row} holds no sealed value")
        data = memoryview(sealed)[SEAL:]
        if sealed[:SEAL] != checksum(row, data):
            raise self.damaged(f"{row} fails its checksum")
        return data

    def value(self, kept: Codec[T], row: str, sealed: Any) -> T:
        """The value kept in a row: checked, then decoded by its codec, which makes nothing but its type."""
        try:
            return kept.decode(self.unsealed(row, sealed))
        except Malformed as err:
            raise self.damaged(f"{row} does not hold a value of its type ({err})") from None

    def text(self, row: str, sealed: Any) -> str:
        try:
            return str(self.unsealed(row, sealed), "utf-8")
        except UnicodeDecodeError:
            raise self.damaged(f"{row} does not hold text") from None

    def wrote(self) -> None:
        """Commit now and then, so another build (say, serve's) never waits long for the database."""
        self._writes += 1
        if self._writes % 500 == 0:
            self.db.commit()

    def about(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM about WHERE name = ?", (name,)).fetchone()
        return self.text(f"about/{name}", row[0]) if row else None

    def set_about(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO about VALUES (?, ?)", (name, seal(f"about/{name}", value.encode())))

    def hold(self, write: Callable[[], None]) -> None:
        """write() is called before every commit: for a view that holds rows back to write them in one go."""
        self._pending.append(write)

    def _write_pending(self) -> None:
        for write in self._pending:
            write()

    @guarded
    def commit(self) -> None:
        self._write_pending()
        self.db.commit()

    def close(self) -> None:
        """Commit what is pending (unless a write failed: then it is rolled back) and let other builds in."""
        try:
            self._disconnect()
        finally:
            self._release()
            if self._scratch is not None:
                self._scratch.cleanup()

    @guarded
    def _disconnect(self) -> None:
        """Commit what is pending and close this process's connection; after a failed write, close only."""
        if self._db is None or self._pid != os.getpid():
            self._db = None
            return
        try:
            if not self._failed:
                self._write_pending()
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

    # pages, search files and their bytes
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

    def checked_blob(self, table: str, sha: str, data: Any) -> bytes:
        """Bytes kept by their SHA-256, once they have it."""
        if type(data) is not bytes or content_key(data) != sha:
            raise self.damaged(f"{table}/{sha} does not hold the bytes of that hash")
        return data

    @guarded
    def blob(self, sha: str) -> bytes:
        row = self.db.execute("SELECT data FROM blobs WHERE sha = ?", (sha,)).fetchone()
        if row is None:
            raise KeyError(sha)
        return self.checked_blob("blobs", sha, row[0])

    @guarded
    def add_blob(self, data: bytes, sha: str | None = None) -> str:
        """Store bytes under their SHA-256 (pass it if known); returns it."""
        sha = sha or content_key(data)
        self.db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?)", (sha, data))
        self.wrote()
        return sha

    @guarded
    def prune(self, used: dict[str, set[str]]) -> None:
        """Drop the rows of each table (by key) that this build did not use, once they outnumber the used
        ones, and the blobs no row names any more; then commit."""
        pruned = False
        for table, kept in used.items():
            (count,) = self.db.execute(f"SELECT count(DISTINCT key) FROM {table}").fetchone()
            if count > PRUNE_SLACK * len(kept) + 100:
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS used (key TEXT PRIMARY KEY)")
                self.db.execute("DELETE FROM used")
                self.db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in kept))
                self.db.execute(f"DELETE FROM {table} WHERE key NOT IN (SELECT key FROM used)")
                pruned = pruned or table in BLOB_USERS
        if pruned:
            named = " UNION ".join(f"SELECT sha FROM {table}" for table in BLOB_USERS)
            self.db.execute(f"DELETE FROM blobs WHERE sha NOT IN ({named})")
        self.db.commit()


def rebucketed(
    stored: Callable[[int], dict[str, T]], changed: dict[str, T], removed: Iterable[str], bucket: Callable[[str], int]
) -> dict[int, dict[str, T]]:
    """For a view that keeps a mapping in buckets (a value each, so that an edit writes a few): the buckets
    that changed and removed fall in, as stored() gives them, with the changes made."""
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


class View:
    """One step's tables in the store: what its module reads and writes there, through the store's checks
    (see Cache.value()) and errors (see guarded())."""

    def __init__(self, store: Cache) -> None:
        self.store = store


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
    would be as large as the cache again, in a folder that no .gitignore or CI cache rule knows."""
    for name in sorted(os.listdir(folder)):
        if name != LOCK:
            _remove(folder / name)
