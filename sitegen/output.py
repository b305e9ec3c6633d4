"""The only writer: the new site is staged beside the old one and put in place in one atomic exchange.

A build that fails or is interrupted, even killed, before that exchange leaves the previous output/
untouched; after it, output/ is the whole new site.

When the last build's record of output/ is known (the cache keeps it, see cache.py), only files
whose bytes changed are staged. The release before output/'s is kept beside it (the shadow,
`.output.sitegen-prev/`, its files hard links to output/'s where they are the same): commit() brings
it up to date with output/ by the files it lags behind, moves the staged files in, and exchanges the
two folders. A one-post edit so costs in proportion to the files it changes, not to the site. When
there is no record, every file is staged and the staging folder is exchanged with output/ whole.

The build writes only into a folder that it made: output/ holds a mark (MARK) saying so, and
checked_target() refuses a folder that holds the site's sources or someone else's files.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import errno
import functools
import json
import os
import re
import shutil
import stat
from array import array
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sitegen import leftovers, parallel
from sitegen.errors import SitegenError
from sitegen.keys import content_key, flat_name, short_key
from sitegen.parallel import Pending

_OUTSIDE = re.compile(r"(?:^|/)\.{0,2}(?:/|$)")  # an empty, "." or ".." part
SPARES = 4096  # old files kept for later builds to write over, at most (see Output._create())
TREE = "site"  # the staging folder's tree of files in folders new to target; flat files lie beside it
MARK = ".sitegen-output"  # in output/: a folder sitegen made, so a later build may replace what it holds
MARK_TEXT = "This folder is made by 'sitegen build', which replaces everything in it. Keep your files elsewhere.\n"
SYNC = ".sitegen-sync"  # in the shadow: which release of output/ it follows, and the files it lags by


# A file a build left in output/: its key (a page key, or the hash of its bytes), size and mtime_ns.
# A plain tuple: every build loads one for each file of the site, and pickle makes a NamedTuple
# much slower (bench/README.md).
Written = tuple[str, int, int]


class Output:
    """Site-relative path -> file; a path written twice is a bug in the build, not a silent overwrite.

    previous: what the last build left in target (None: unknown, so every file is written).
    dry: nothing is ever written (`sitegen check` needs only the list of files).
    """

    def __init__(
        self,
        target: Path,
        previous: dict[str, Written] | None = None,
        dry: bool = False,
        checking: Pending | None = None,
        spares: Path | None = None,
        links: Path | None = None,
    ) -> None:
        self.target = target
        self.spares = spares  # a folder of old files to write new ones over (see _create())
        self.links = links  # a folder of links to the files written, by key (see _linked())
        if previous is not None and not safe_paths(list(previous)):
            previous = None  # a record naming a path outside output/ is not one this program wrote
        self.previous = previous if target.is_dir() else None  # output/ removed: nothing to keep, nothing to stat
        # output/ removed, the record known: the files as written (a hash of each), to tell a link still as
        # written (see _linked()). Sorted hashes, not a set: a tenth of the memory.
        self._written_hashes = (
            array("q", sorted(map(hash, previous.values())))
            if links is not None and previous and self.previous is None
            else None
        )
        self.dry = dry
        self.files: dict[str, str] = {}  # every file of the new site -> its key
        self.staged: dict[str, Written] = {}  # the files written to the staging folder
        self._stage: Path | None = None
        self._dirs: set[str] = set()  # folders made under the staging folder's tree
        self._in_target: dict[str, bool] = {}  # folder -> whether target has it, asked once (see _staging())
        self._removed: list[str] | None = None
        self._checking: tuple[int, Pending] | None = None  # see start_check() and confirmed()
        if checking is not None and self.previous and not dry:
            self._checking = (os.getpid(), checking)
        elif checking is not None:
            checking.stop()
        self._untouched: set[str] | None = None  # the last build's files found as it wrote them, when checked
        self._assumed: list[str] = []  # the last build's files kept while the check ran (see confirmed())
        self._by_key: dict[str, str] | None = None  # previous: key -> a path holding it, made when first needed
        self._spare_names: list[str] | None = None  # the spares not yet taken, listed when first needed
        self._links_made = False
        self._spare_room: int | None = None  # spares that may still be kept, counted when first needed
        self.add(MARK, MARK_TEXT)

    def _claim(self, rel: str) -> str:
        """The stored path for rel (a URL ending in '/' means its index.html), refused if taken or outside."""
        rel = rel.lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        if (self.previous is None or rel not in self.previous) and _OUTSIDE.search(rel):  # the last build's are checked
            raise SitegenError(f"refusing to write outside the output folder: {rel}")
        if rel in self.files:
            raise SitegenError(f"two pages want the same file: {rel}", hint="two slugs or terms collide")
        return rel

    def _on_disk(self, rel: str, key: str) -> bool:
        """The last build wrote this very file at rel, and it is still there as written."""
        old = self.previous.get(rel) if self.previous is not None else None
        if old is None or old[0] != key:
            return False
        return self._as_left(rel, old)

    def _as_left(self, rel: str, old: Written) -> bool:
        """The last build's file at rel is still as it wrote it: as the check found, or will find (see confirmed())."""
        if self._checking is not None and self._checking[0] == os.getpid():  # not in a forked copy of this Output
            self._assumed.append(rel)
            return True
        return rel in self._untouched if self._untouched is not None else self._as_written(rel, old)

    def confirmed(self) -> bool:
        """Whether every file of the last build that was kept (or linked) while the check ran is as it was written.

        Waits for the check. False: the site must be made again, by again().
        """
        if self._checking is None or self._checking[0] != os.getpid():
            return True
        altered = set(self._checking[1].result())
        self._checking = None
        self._untouched = set(self.previous or ()).difference(altered)
        return altered.isdisjoint(self._assumed)

    def again(self) -> Output:
        """A new Output for the same target and record, with what the check found: this one is discarded."""
        self.discard()
        fresh = Output(self.target, self.previous, self.dry, spares=self.spares, links=self.links)
        fresh._untouched = self._untouched
        return fresh

    def _as_written(self, rel: str, old: Written) -> bool:
        """The file at rel has the size and mtime the last build recorded."""
        return as_written(f"{self.target}/{rel}", old)

    def add_made(self, rel: str, key: str, make: Callable[[], str]) -> None:
        """A file made only when target lacks it as made with this key (a hash of everything it is made from)."""
        if self.keep(rel, key) is None:
            self.add(rel, make(), key)

    def keep(self, rel: str, key: str) -> str | None:
        """Add the file without its bytes when none are needed: the stored path, or None to add() them."""
        rel = self._claim(rel)
        if self.dry or self._on_disk(rel, key):
            self.files[rel] = key
            return rel
        return None

    def add(self, rel: str, data: bytes | str | Callable[[], bytes], key: str | None = None) -> str:
        """Add one file; its bytes are staged unless the same file is in target already. Returns the stored path.

        data may be a function that gives the bytes, called only if no file of the last build has them (by
        key): a file moved to a renamed folder (the search index's) is linked there, not written again.
        """
        rel = self._claim(rel)
        if callable(data):
            assert key is not None, "bytes to come are named by their key"
            raw = b""
        else:
            raw = data.encode("utf-8") if isinstance(data, str) else data
        key = key or content_key(raw)
        self.files[rel] = key
        if not self.dry and not self._on_disk(rel, key):
            path = self._staging(rel)
            same = self._elsewhere(key) if callable(data) else None
            if same is not None:
                os.link(os.path.join(self.target, same), path)
                self.staged[rel] = self.previous[same]  # type: ignore[index]  # the same file, by another name
            elif (linked := self._linked(key, path)) is not None:
                self.staged[rel] = linked
            else:
                self.staged[rel] = (key, *_write(self._create(path), data() if callable(data) else raw))
                self._link(key, path)
        return rel

    def _linked(self, key: str, path: str) -> Written | None:
        """The file written with key by a past build, linked at path, if its link is still as written.

        Every file written is also linked under links/, by key. A build into an emptied output/ (a CI
        machine that keeps only the cache) then links its files instead of writing them: a link costs a
        small part of what a new file costs (bench/README.md). Nothing writes into a file that has two names (see
        _create()), and one changed in place by another program no longer has the recorded mtime. A build
        that keeps the last one's files writes only new bytes, which no link holds: it does not look."""
        if self.links is None or self._written_hashes is None:
            return None
        try:
            os.link(f"{self.links}/{key}", path, follow_symlinks=False)
        except OSError:
            return None
        found = os.lstat(path)
        if not stat.S_ISREG(found.st_mode):  # a link planted in links/: never a file of the site
            os.unlink(path)
            return None
        linked = (key, found.st_size, found.st_mtime_ns)
        mark = hash(linked)
        at = bisect.bisect_left(self._written_hashes, mark)
        if at == len(self._written_hashes) or self._written_hashes[at] != mark:
            os.unlink(path)
            return None
        return linked

    def _link(self, key: str, path: str) -> None:
        """Link a file just written under links/ by its key (see _linked()); one there already is replaced,
        since the record now has this file's mtime (the old one may have been changed in place, too)."""
        if self.links is None:
            return
        link = f"{self.links}/{key}"
        try:
            if not self._links_made:
                self.links.mkdir(parents=True, exist_ok=True)
                self._links_made = True
            try:
                os.link(path, link)
            except FileExistsError:
                os.link(path, f"{link}.{os.getpid()}")
                os.replace(f"{link}.{os.getpid()}", link)
        except OSError:  # links/ on another disk, say: files are written as before
            self.links = None

    def _unlink_unused(self, keys: Iterable[str]) -> None:
        """Remove the links of these keys that no file of the new site has: an old file then has one name
        left, and can be kept as a spare (see _keep_spares())."""
        if self.links is None:
            return
        used = set(self.files.values())
        for key in set(keys).difference(used):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.links}/{key}")

    def _create(self, path: str) -> int:
        """A new file at path, open for writing: a spare file moved there, while there are any.

        On ext4 a file made costs far more when the journal is busy, and a file removed or emptied frees
        its blocks; writing over a file's blocks costs little (bench/README.md). An edit replaces hundreds
        of files: commit() keeps the old ones as spares."""
        if self._spare_names is None:
            self._spare_names = _listing(self.spares) if self.spares is not None else []
        while self._spare_names:
            try:
                os.rename(f"{self.spares}/{self._spare_names.pop()}", path)
            except FileNotFoundError:  # taken by the other process staging files for this build
                continue
            except OSError:  # the spares on another disk, say
                self._spare_names = []
                break
            try:  # not emptied: _write() writes over its old bytes, then cuts them
                fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
            except OSError:  # not a plain file (a link planted among the spares): never written through
                os.unlink(path)
                continue
            if os.fstat(fd).st_nlink == 1 and stat.S_ISREG(
                os.fstat(fd).st_mode
            ):  # as kept: no other name sees what is written into it
                return fd
            os.close(fd)
            os.unlink(path)
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)  # less the umask, as open() does

    def _elsewhere(self, key: str) -> str | None:
        """A path where the last build left these very bytes (by key), still as written."""
        if self.previous is None:
            return None
        if self._by_key is None:
            self._by_key = {written[0]: rel for rel, written in self.previous.items()}
        rel = self._by_key.get(key)
        return rel if rel is not None and self._on_disk(rel, key) else None

    def place(self, placed: list[tuple[str, str, Written | None]], blob: Callable[[str], bytes]) -> None:
        """Files listed by path and key, with how each was staged into this Output's folder (by it, or by
        a forked copy of it); one not staged is kept from the last build, or written from blob(key)."""
        for rel, key, written in placed:
            if written is not None:
                self.files[self._claim(rel)] = key
                self.staged[rel] = written
            elif self.keep(rel, key) is None:
                self.add(rel, blob(key), key)

    def keep_rest(self, prefix: str, gone: set[str], blob: Callable[[str], bytes]) -> None:
        """Every file the last build left under prefix, but those gone and those added already, kept (or
        written again from blob(key), if changed by hand): a step that changed a few of its files lists only those."""
        for rel, written in (self.previous or {}).items():
            if rel.startswith(prefix) and rel not in gone and rel not in self.files:
                key = written[0]
                if self.dry or self._as_left(rel, written):
                    self.files[rel] = key  # keep(), without its checks: the search index has thousands of files
                else:
                    self.add(rel, functools.partial(blob, key), key)

    def add_hashed(self, name: str, data: bytes | str) -> str:
        """Store an asset under a content-hashed name (style.css -> style.1a2b3c4d.css)."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        stem, dot, ext = name.rpartition(".")
        hashed = f"{stem}.{short_key(raw, 10)}{dot}{ext}"
        if hashed not in self.files:
            self.add(hashed, raw)
        return hashed

    def _staging(self, rel: str) -> str:
        """Where rel is staged: in a folder of its own path when that folder is new to target (it moves in
        whole), else flat, named from rel (see keys.flat_name()): a new folder costs as much as a new file, and a page
        staged in a folder of its own would make two, here and for its old file set aside."""
        folder = _parent(rel)
        if self._known(folder):
            return f"{self.stage}/{flat_name(rel)}"
        path = f"{self.stage}/{TREE}/{rel}"
        if folder not in self._dirs:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self._dirs.add(folder)
        return path

    def _known(self, folder: str) -> bool:
        """The folder is in target already (as the last build left it): its new files are staged flat."""
        if self.previous is None:
            return False
        if folder not in self._in_target:
            self._in_target[folder] = os.path.isdir(f"{self.target}/{folder}")
        return self._in_target[folder]

    @property
    def stage(self) -> Path:
        """The sibling folder new files are written to, made on first use."""
        if self._stage is None:
            parent = self.target.resolve().parent
            parent.mkdir(parents=True, exist_ok=True)
            prefix = f".{self.target.name}.new-"
            leftovers.sweep(parent, prefix)
            self._stage = leftovers.scratch(parent, prefix)
        return self._stage

    @property
    def removed(self) -> list[str]:
        """Files the last build wrote that the new site does not have (asked for once the site is complete)."""
        if self._removed is None:
            self._removed = sorted(set(self.previous or ()) - set(self.files))
        return self._removed

    @property
    def unchanged(self) -> bool:
        """target holds this very site already: every file kept from the last build, none removed."""
        return self.previous is not None and not self.staged and not self.removed

    @property
    def whole(self) -> bool:
        """Nothing is kept from the last build (none known): the staging folder's tree replaces target whole."""
        return self.previous is None

    def commit(self) -> int:
        """Put the new site in place in one atomic exchange: target is the whole old site or the whole new one
        at every moment, a kill included."""
        try:
            if self.whole:
                self._swap()
                self._unlink_unused(_listing(self.links) if self.links is not None else [])
            else:
                self._release()
        finally:
            self.discard()
        return len(self.files)

    def discard(self) -> None:
        """Drop what was staged (after commit, or instead of it), and stop a check still running."""
        if self._checking is not None and self._checking[0] == os.getpid():
            self._checking[1].stop()
            self._checking = None
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)
            self._stage = None

    @property
    def shadow(self) -> Path:
        """The release before target's, kept beside it: the next build brings it up to date and swaps it in."""
        return self.target.parent / f".{self.target.name}.sitegen-prev"

    def _swap(self) -> None:
        """The staged tree becomes target; the old target (and a stale shadow) go into the staging folder, and
        with it in discard()."""
        fresh = self.stage / TREE
        fresh.mkdir(exist_ok=True)  # a site of no files
        os.chmod(fresh, 0o755)
        if os.path.lexists(self.shadow):
            os.replace(self.shadow, self.stage / "shadow")
        if self.target.exists():
            exchange(fresh, self.target)
        else:
            os.replace(fresh, self.target)

    def _release(self) -> None:
        """The shadow brought to the last build's site (by the files it lags behind), then to this one's, and
        exchanged with target: it then holds the last build's site, lagging by the files this build changed.

        Without a shadow in a known state (the first change after a whole build, or a build killed while it
        worked on the shadow) one is made by linking every file of target: once, in O(files)."""
        removed = self.removed
        if not removed and not self.staged:
            return
        shadow = self.shadow
        lag = lagging(self.target, shadow)
        if lag is None:
            if os.path.lexists(shadow):
                os.replace(shadow, self.stage / "shadow")
            _clone(self.target, shadow)
        else:
            os.unlink(shadow / SYNC)  # unknown from here until the state is written again
            for rel in lag:
                self._relink(shadow, rel)
        for rel in removed:
            self._retire(shadow / rel)
            _prune_dirs((shadow / rel).parent, shadow)
        new = {folder for folder in map(_parent, self.staged) if not self._known(folder)}
        for folder in sorted(new, key=lambda f: f.count("/")):  # a new folder's new subfolders move with it
            if not _inside(folder, new):
                self._retire(shadow / folder)
                _move(self.stage / TREE / folder, shadow / folder)
        for rel in self.staged:
            if _parent(rel) not in new:
                self._retire(shadow / rel)
                _move(self.stage / flat_name(rel), shadow / rel)
        exchange(shadow, self.target)
        old = self.previous or {}
        self._unlink_unused(old[rel][0] for rel in [*removed, *self.staged] if rel in old)
        _write_lag(shadow, self.target, sorted({*removed, *self.staged}))

    def _relink(self, shadow: Path, rel: str) -> None:
        """shadow's file at rel made target's: linked, or removed when target has none."""
        self._retire(shadow / rel)
        if os.path.isfile(self.target / rel) and not os.path.islink(self.target / rel):
            (shadow / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(self.target / rel, shadow / rel)
        else:
            _prune_dirs((shadow / rel).parent, shadow)

    def _retire(self, path: Path) -> None:
        """Whatever is at path removed: a file no other name sees kept as a spare (up to SPARES) for later
        builds to write over (see _create()), a folder removed whole."""
        try:
            found = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(found.st_mode):
            shutil.rmtree(path)
            return
        if self.spares is not None and stat.S_ISREG(found.st_mode) and found.st_nlink == 1:
            if self._spare_room is None:
                self.spares.mkdir(exist_ok=True)
                self._spare_room = SPARES - len(_listing(self.spares))
            if self._spare_room > 0:
                os.rename(path, f"{self.spares}/{found.st_ino}")  # a number names one file at a time
                self._spare_room -= 1
                return
        os.unlink(path)


def exchange(new: Path, target: Path) -> None:
    """Swap two folders in one step (Linux's renameat2 RENAME_EXCHANGE): a reader of target sees the old
    folder or the new one, never a mix or nothing. Where the call is missing, three renames: target is
    then missing for an instant, but still never a mix."""
    if _renameat2 is not None:
        if _renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE) == 0:
            return
        error = ctypes.get_errno()
        if error not in (errno.ENOSYS, errno.EINVAL):
            raise OSError(error, os.strerror(error), str(target))
    aside = target.parent / f".{target.name}.swap-{os.getpid()}"
    os.replace(target, aside)
    os.replace(new, target)
    os.replace(aside, new)


def _libc_renameat2() -> Callable[..., int] | None:
    try:
        call: Callable[..., int] = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    return call


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_renameat2 = _libc_renameat2()


def lagging(target: Path, shadow: Path) -> list[str] | None:
    """The files in which shadow differs from target, when shadow is known to be target's last release."""
    try:
        state = json.loads((shadow / SYNC).read_text(encoding="utf-8"))
        if state["target"] != os.stat(target).st_ino:
            return None
        files = state["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(files, list) or not all(isinstance(rel, str) for rel in files) or not safe_paths(files):
        return None
    return files


def _write_lag(shadow: Path, target: Path, files: list[str]) -> None:
    state = {"target": os.stat(target).st_ino, "files": files}
    (shadow / SYNC).write_text(json.dumps(state), encoding="utf-8")


def _clone(source: Path, copy: Path) -> None:
    """copy made as source, every file hard-linked (no bytes copied); links inside source are left out."""
    os.mkdir(copy)
    with os.scandir(source) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _clone(Path(entry.path), copy / entry.name)
            elif entry.is_file(follow_symlinks=False):
                os.link(entry.path, copy / entry.name)


def safe_paths(paths: Sequence[str]) -> bool:
    """Every path names a file inside the folder it is relative to: none is absolute, none has an empty, "."
    or ".." part or a NUL. Joined between slashes, every part of every path lies between two: 37,000 paths
    are checked by four searches in C."""
    joined = "/" + "/".join(paths) + "/"
    return not paths or not ("//" in joined or "/./" in joined or "/../" in joined or "\x00" in joined)


def checked_target(target: Path, root: Path, sources: dict[str, Path], known: bool) -> Path:
    """target, resolved, if a build may replace everything in it; else a SitegenError, with nothing touched.

    Refused: a folder that is or holds the site's root or the filesystem's, the home folder, or any of
    sources (content/, themes/, static/, the cache), or lies inside one of sources; and a folder with
    files in it that no build made (no MARK, and the cache has no record of building it: known).
    """
    where = target.resolve()
    hint = "build into a folder of its own, e.g. --output output (the default)"
    guarded = {"the site folder": root, "your home folder": Path.home(), "the root folder": Path("/"), **sources}
    for name, folder in guarded.items():
        folder = folder.resolve()
        if where == folder or folder.is_relative_to(where):
            raise SitegenError(f"refusing to build into {target}: it would replace {name} ({folder})", hint=hint)
        if name in sources and where.is_relative_to(folder):
            raise SitegenError(f"refusing to build into {target}: it lies inside {name} ({folder})", hint=hint)
    if where.exists() and not where.is_dir():
        raise SitegenError(f"refusing to build into {target}: it is a file, not a folder", hint=hint)
    if where.is_dir() and not known and not _made_by_a_build(where) and _listing(where):
        raise SitegenError(
            f"refusing to build into {target}: it holds files that sitegen did not write",
            hint="a build replaces everything in its output folder: empty it, or choose another with --output",
        )
    return where


def _made_by_a_build(folder: Path) -> bool:
    """folder holds the mark, or is a site built before there was one (these four files, which every build
    since the first has written, and no other generator together)."""
    return (folder / MARK).is_file() or all((folder / name).is_file() for name in _UNMARKED)


_UNMARKED = ("index.html", "404.html", "sitemap.xml", "search/manifest.json")


def start_check(target: Path, altered: Callable[[], list[str]]) -> Pending | None:
    """Start finding which of the last build's files in target are no longer as it wrote them (edited or
    removed by hand), in another process while the build goes on; an Output given it keeps files without
    asking the disk, and takes them as they were written until confirmed() says otherwise: a stat of every file of the site
    is a large part of a one-post edit; the process yields the core to the build's others.

    altered() lists them, reading the record itself (see record.Record.altered()). Start it before the build loads
    anything: a process forked later shares the build's pages, and every page the build then writes is
    copied (for a large archive that put an edit's processes over the memory goal together).
    """
    return parallel.background(functools.partial(_yielding, altered)) if target.is_dir() else None


def _yielding(task: Callable[[], list[str]]) -> list[str]:
    """task() at a lower priority than the build's other processes."""
    os.nice(5)
    return task()


def _parent(rel: str) -> str:
    return rel.rpartition("/")[0]


def _inside(rel: str, folders: set[str]) -> bool:
    """rel lies somewhere under one of folders."""
    folder = _parent(rel)
    while folder:
        if folder in folders:
            return True
        folder = _parent(folder)
    return False


def as_written(path: str, written: Written, folder: int | None = None) -> bool:
    """The file at path (relative to the open folder, if given) has the size and mtime recorded when it was
    written. A path from an open folder is looked up from there, not from the root: in a third less time."""
    try:
        found = os.stat(path, dir_fd=folder)
    except OSError:
        return False
    _, size, mtime_ns = written
    return found.st_size == size and found.st_mtime_ns == mtime_ns


def _listing(folder: Path) -> list[str]:
    """The names in folder; none if it is not there (yet)."""
    try:
        return os.listdir(folder)
    except FileNotFoundError:
        return []


def _write(fd: int, data: bytes) -> tuple[int, int]:
    """Write a new file, open as fd, and close it; its size and mtime. fd may be a spare (see Output._create()):
    its old bytes past the new ones are cut. Plain os calls: open() would add three system calls a file."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
        done = os.fstat(fd)
    finally:
        os.close(fd)
    return done.st_size, done.st_mtime_ns


def _move(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dest)


def _prune_dirs(folder: Path, top: Path) -> None:
    """Remove folder and its parents up to top while they are empty."""
    while folder != top:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
