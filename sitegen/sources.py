"""What `sitegen import` was given -> items to import, each with a stable label, and their bytes.

A source is a file, a folder (walked recursively in sorted order), an http(s) URL or a WARC
file (each HTML response in it is one item). Walking a folder skips hidden files and files
that are plainly not news (scripts, fonts ...): they are counted, not imported. Configuration
(a blog's settings, data files, theme templates) is skipped with that reason, and so are the
folders a blog keeps beside its posts (its theme, installed packages, the site it built). A
picture is an Asset: copied into the site if an imported post shows it, else listed. A file
named on the command line is always tried, so a wrong one gets a message of its own.

Nothing but plain files is ever opened: a FIFO would hang the import, a device may never end
(or do something when opened), so these and sockets are skipped with their reason, found in a
folder or named. A link found in a folder is followed only if it stays inside the folder that
was named: a downloaded folder must not turn /etc/passwd into a post. A link named on the
command line is followed (the user chose it), to a plain file or a folder only.

expand() only lists; load() reads one item, in a worker, within the size limit.
"""

from __future__ import annotations

import gzip
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from sitegen import fetch
from sitegen.errors import SitegenError
from sitegen.paths import inside

MAX_BYTES = fetch.MAX_BYTES

PICTURES = frozenset({"jpg", "jpeg", "png", "gif", "webp", "bmp", "svg", "ico", "tif", "tiff", "avif", "heic"})
_NOT_NEWS = {
    "a style sheet or script": "css js mjs map",
    "a font": "woff woff2 ttf otf eot",
    "audio or video": "mp3 mp4 m4a wav ogg flv avi mov webm wmv",
    "an archive": "zip rar 7z tar tgz bz2 xz gz",
    "an office document": "doc docx xls xlsx ppt pptx odt",
    "a program": "exe dll so dylib bin swf class pyc",
}
_REASONS = {ext: reason for reason, exts in _NOT_NEWS.items() for ext in exts.split()}
# A blog's settings, data files and theme: skipped with their reason, and listed.
_CONFIGURATION = {
    "configuration, not a story": "yml yaml toml json lock ini cfg conf",
    "a theme's template or style (configuration), not a story": "ejs swig njk pug jade styl scss sass less liquid hbs",
}
_CONFIG_REASONS = {ext: reason for reason, exts in _CONFIGURATION.items() for ext in exts.split()}
_CONFIG_NAMES = dict.fromkeys(
    ("gemfile", "rakefile", "makefile", "dockerfile", "cname", "procfile"), "configuration, not a story"
)
# A repository's notes about itself, beside its posts, whatever their extension.
_NOTES = frozenset({"readme", "license", "licence", "changelog", "contributing", "copying"})
# The settings file of each generator: the folder that holds one is a blog's.
BLOG_SETTINGS: dict[str, Literal["hugo", "jekyll"]] = {
    "hugo.toml": "hugo",
    "hugo.yaml": "hugo",
    "hugo.json": "hugo",
    "config.toml": "hugo",
    "config.yaml": "hugo",
    "config.json": "hugo",
    "_config.yml": "jekyll",
    "_config.yaml": "jekyll",
    "_config.toml": "jekyll",
}
MAX_UP = 6  # folders above a folder searched for the blog it belongs to
# A blog's files that are neither its posts nor configuration: its other pages are not news stories.
_PAGE_SUFFIXES = (".md", ".markdown", ".html", ".htm")
PAGE = "a page of the blog (about, archives, tags ...), not a post: not imported"
LIST_PAGE = "a section's list page of the blog (Hugo's _index.md), not a post: not imported"
PUBLISHED_FILE = "a file the blog publishes as it is, not a post: not imported"
# Folders a blog keeps beside its posts that hold no story, skipped whole (in a blog's folder only:
# elsewhere a folder named public may hold news pages). node_modules is never news.
_BLOG_FOLDERS = {
    "themes": "the blog's theme (configuration)",
    "layouts": "the blog's templates (configuration)",
    "_layouts": "the blog's templates (configuration)",
    "_includes": "the blog's templates (configuration)",
    "_sass": "the blog's styles (configuration)",
    "_data": "the blog's data files (configuration)",
    "scaffolds": "Hexo's templates for new posts (configuration)",
    "archetypes": "Hugo's templates for new posts (configuration)",
    "public": "the site the blog built from its posts: the posts are imported from their sources",
    "_site": "the site Jekyll built from the posts: the posts are imported from their sources",
    "resources": "files Hugo generated",
}
_PACKAGES = "node_modules"
_POST_SUFFIXES = (".md", ".markdown")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_SPECIAL = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass(frozen=True)
class Item:
    """One story to import. label names it in messages and the report: a path, a URL or warcfile#url."""

    label: str
    path: Path | None = None  # the file, or the WARC file holding the record
    url: str | None = None  # the URL to fetch, or the record's target URI
    offset: int | None = None  # where the record starts in its WARC file
    root: Path | None = None  # the folder named on the command line that this file was found in


@dataclass(frozen=True)
class Asset:
    """A picture found in a folder: not a story, but copied into the site if an imported post shows it."""

    label: str
    path: Path


@dataclass(frozen=True)
class Unusable:
    """Something named or found that is not imported: skipped on purpose, or failed before reading."""

    label: str
    reason: str
    failed: bool
    routine: bool = False  # hidden files, pictures ...: counted in the summary, not listed


@dataclass(frozen=True)
class Loaded:
    data: bytes
    url: str | None  # where the bytes came from on the web
    charset: str | None  # what the HTTP header declared


Entry = Item | Unusable | Asset


@dataclass(frozen=True)
class Blog:
    """A Hexo, Jekyll or Hugo blog's folder (its repository's root, where its settings file is)."""

    root: Path
    generator: Literal["hexo", "jekyll", "hugo"]


def blog_at(folder: Path) -> Blog | None:
    """The blog whose folder this is: Hexo's _config.yml beside source/ (or scaffolds/), Jekyll's _config.yml
    or _config.yaml, Hugo's config or hugo settings beside content/, or a folder holding content/ and static/."""
    for name, generator in BLOG_SETTINGS.items():
        if not (folder / name).is_file():
            continue
        if generator == "jekyll" and ((folder / "source").is_dir() or (folder / "scaffolds").is_dir()):
            return Blog(folder, "hexo")
        if generator == "hugo" and not (folder / "content").is_dir():
            continue
        return Blog(folder, generator)
    if (folder / "content").is_dir() and (folder / "static").is_dir():
        return Blog(folder, "hugo")
    return None


def blog_around(folder: Path) -> Blog | None:
    """The blog folder is in: folder itself or the nearest folder at most MAX_UP above it that is a blog's."""
    here = Path(os.path.abspath(folder))
    return next((found for up in [here, *here.parents][:MAX_UP] if (found := blog_at(up)) is not None), None)


def page_reason(path: Path, blog: Blog) -> str | None:
    """Why a file of a blog is not imported although it may be text: one of its pages (Hexo's source/about/,
    Jekyll's about.md, Hugo's content/about.md and _index.md) or a file it publishes as it is; None for a post
    or a file outside what the blog publishes."""
    where = Path(os.path.abspath(path))
    if not where.is_relative_to(blog.root):
        return None
    rel = where.relative_to(blog.root).as_posix()
    page = path.name.lower().endswith(_PAGE_SUFFIXES)
    if blog.generator == "hugo":
        return _hugo_page(rel, blog.root, page)
    if blog.generator == "hexo":
        if not rel.startswith("source/") or rel.startswith(("source/_posts/", "source/_drafts/")):
            return None  # a post, or beside the blog's source/ (not published)
    elif {"_posts", "_drafts"} & set(rel.split("/")[:-1]):
        return None  # Jekyll: a post, in _posts or in a category's _posts
    return PAGE if page else PUBLISHED_FILE


def _hugo_page(rel: str, root: Path, page: bool) -> str | None:
    parts = rel.split("/")
    if parts[0] == "static":
        return PUBLISHED_FILE
    if parts[0] != "content" or not page:
        return None
    if parts[-1].split(".")[0] == "_index":
        return LIST_PAGE
    top_level = len(parts) == 2 or (len(parts) == 3 and parts[2].split(".")[0] == "index")
    return PAGE if top_level and _has_sections(root / "content") else None


def _has_sections(content: Path) -> bool:
    """content/ holds sections (folders of posts, not one page's bundle): its top-level files are pages then,
    not a blog's posts kept at the top."""
    try:
        folders = [p for p in content.iterdir() if p.is_dir()]
    except OSError:
        return False
    return any(not any((f / f"index{s}").is_file() for s in _POST_SUFFIXES) for f in folders)


def expand(sources: Sequence[str]) -> list[Entry]:
    """Sources in the order given, each folder's files sorted; a file reached twice is listed once."""
    entries: list[Entry] = []
    seen: set[str] = set()
    for source in sources:
        for entry in _expand_one(source):
            if entry.label not in seen:
                seen.add(entry.label)
                entries.append(entry)
    return entries


def _expand_one(source: str) -> Iterator[Entry]:
    if "://" in source:
        scheme = source.split("://", 1)[0].lower()
        if scheme in fetch.SCHEMES:
            yield Item(source, url=source)
        else:
            yield Unusable(source, f"a {scheme}:// URL: only http and https can be fetched", failed=True)
        return
    path = Path(source)
    if path.is_dir():
        yield from _walk(path, path, os.path.realpath(path), blog_around(path))
    elif kind := _special(path):
        yield Unusable(source, f"{kind}, not a file: not opened", failed=True)
    elif path.is_file() and is_warc(path):
        yield from warc_items(path)
    else:
        yield Item(source, path=path)  # reading it says what is wrong, if anything


def _walk(folder: Path, top: Path, root: str, blog: Blog | None) -> Iterator[Entry]:
    """The entries of folder and its subfolders; top is the folder named, root its real path, blog the blog
    folder is in (found above top, or a folder on the way down)."""
    try:
        paths = sorted(folder.iterdir())
    except OSError as err:
        yield Unusable(str(folder), f"cannot read this folder: {err.strerror}", failed=True)
        return
    settings = any(path.name in BLOG_SETTINGS for path in paths)
    blog = (blog_at(Path(os.path.abspath(folder))) if settings else None) or blog
    owner = _owner(folder)
    for path in paths:
        if path.name.startswith("."):
            yield Unusable(str(path), "hidden, not imported", failed=False, routine=True)
        elif path.is_symlink():
            yield from _link(path, top, root, owner, blog)
        elif path.is_dir():
            reason = _BLOG_FOLDERS.get(path.name) if settings else None
            if path.name == _PACKAGES:
                reason = "installed packages (configuration)"
            if reason:
                yield Unusable(str(path), f"a folder of {reason}: not imported", failed=False)
            else:
                yield from _walk(path, top, root, blog)
        else:
            yield from _file(path, top, owner, blog)


def _owner(folder: Path) -> Path | None:
    """The post whose own folder this is: a Hexo asset folder (_posts/a/ beside _posts/a.md) or a Hugo
    page bundle (a folder holding index.md)."""
    for suffix in _POST_SUFFIXES:
        for post in (folder.with_name(folder.name + suffix), folder / f"index{suffix}"):
            if post.is_file():
                return post
    return None


def _link(path: Path, top: Path, root: str, owner: Path | None, blog: Blog | None) -> Iterator[Entry]:
    """A link found in a folder: skipped if it leads out of the folder named, or nowhere; a folder
    inside it is walked there anyway (and following it could go round in circles)."""
    target = os.path.realpath(path)
    if not inside(target, root):
        yield Unusable(str(path), f"a link to {target}, outside {top}: not followed", failed=False)
    elif not os.path.exists(target):
        yield Unusable(str(path), f"a link to {target}, which does not exist", failed=False)
    elif os.path.isdir(target):
        yield Unusable(str(path), f"a link to the folder {target}, imported from there", failed=False, routine=True)
    else:
        yield from _file(path, top, owner, blog)


def _file(path: Path, top: Path, owner: Path | None = None, blog: Blog | None = None) -> Iterator[Entry]:
    """A file found in a folder, by its kind, its name, its place in its blog, then its first bytes; owner
    is the post whose own folder (asset folder, page bundle) the file is in."""
    suffix = path.suffix.lower().lstrip(".")
    if kind := _special(path):
        yield Unusable(str(path), f"{kind}, not a file: not opened", failed=False)
    elif suffix in PICTURES:
        yield Asset(str(path), path)
    elif path.name.lower().endswith((".warc", ".warc.gz")):
        yield from warc_items(path)
    elif config := _CONFIG_REASONS.get(suffix) or _CONFIG_NAMES.get(path.name.lower()):
        yield Unusable(str(path), config, failed=False)
    elif reason := _REASONS.get(suffix):
        yield Unusable(str(path), f"{reason}, not a news source", failed=False, routine=True)
    elif path.name.split(".")[0].lower() in _NOTES:
        yield Unusable(str(path), "a repository's notes about itself (README, LICENSE ...), not a story", False)
    elif owner is not None and path != owner and not path.name.lower().endswith(_POST_SUFFIXES):
        yield Unusable(str(path), f"a file of {owner}'s own folder, not a story (only pictures are copied)", False)
    elif blog is not None and (page := page_reason(path, blog)) is not None:
        yield Unusable(str(path), page, failed=False)
    elif is_warc(path):
        yield from warc_items(path)
    else:
        yield Item(str(path), path=path, root=top)


def _special(path: Path) -> str | None:
    """What path is (through links) if it is there and neither a plain file nor a folder."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    return _special_kind(mode)


def _special_kind(mode: int) -> str | None:
    return next((name for test, name in _SPECIAL if test(mode)), None)


def is_warc(path: Path) -> bool:
    """A WARC file, compressed or not, by its first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(5)
        if head.startswith(b"\x1f\x8b"):
            with gzip.open(path) as unzipped:
                head = unzipped.read(5)
    except (OSError, EOFError):
        return False
    return head == b"WARC/"


def warc_items(path: Path) -> Iterator[Entry]:
    """Each HTML page a WARC file holds, as warcfile#url; the other records are counted once."""
    others = 0
    try:
        with path.open("rb") as handle:
            records = ArchiveIterator(handle)
            for record in records:
                if record.rec_type not in ("response", "resource"):
                    continue
                if _is_page(record):
                    url = record.rec_headers.get_header("WARC-Target-URI") or ""
                    yield Item(f"{path}#{url}", path=path, url=url or None, offset=records.get_record_offset())
                else:
                    others += 1
    except (OSError, ArchiveLoadFailed, EOFError, ValueError) as err:
        yield Unusable(str(path), f"not a readable WARC file: {err}", failed=True)
    if others:
        yield Unusable(
            str(path), f"{others} record{'s' if others > 1 else ''} not HTML pages", failed=False, routine=True
        )


def _is_page(record: ArcWarcRecord) -> bool:
    """An HTML document that was served as one (status 2xx): not a picture, redirect or error page."""
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode() or ""
        content_type = record.http_headers.get_header("Content-Type") or ""
        return status.startswith("2") and content_type.lower().startswith(_HTML_TYPES)
    content_type = record.rec_headers.get_header("Content-Type") or ""
    return content_type.lower().startswith(_HTML_TYPES)


def load(item: Item, timeout: float = fetch.TIMEOUT, max_bytes: int = MAX_BYTES) -> Loaded:
    """The item's bytes; a missing, unreadable, unreachable or oversized source raises with its reason."""
    if item.path is not None and item.offset is not None:
        return _load_record(item.path, item.offset, max_bytes)
    if item.url is not None:
        page = fetch.fetch(item.url, timeout=timeout, max_bytes=max_bytes)
        return Loaded(page.data, page.url, page.charset)
    assert item.path is not None
    return Loaded(_read_file(item.path, max_bytes), None, None)


def _read_file(path: Path, max_bytes: int) -> bytes:
    """A plain file's bytes. Its kind is checked before opening (a device is never opened) and on
    what was opened, without blocking (a FIFO may have taken its place since); its size from the
    stat and again while reading, since /proc files say they hold nothing."""
    if kind := _special(path):
        raise SitegenError(f"{kind}, not a file: not opened")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise SitegenError("no such file or folder") from None
    except OSError as err:
        raise SitegenError(f"cannot read: {err.strerror}") from None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise SitegenError(f"{_special_kind(found.st_mode) or 'a folder'}, not a file: not read")
        if found.st_size > max_bytes:
            raise SitegenError(fetch.too_large(found.st_size, max_bytes))
        return fetch.read_capped(lambda size: os.read(fd, size), max_bytes)
    except OSError as err:
        raise SitegenError(f"cannot read: {err.strerror}") from None
    finally:
        os.close(fd)


def _load_record(path: Path, offset: int, max_bytes: int) -> Loaded:
    """The payload of the record at offset (HTTP chunking and compression undone by warcio)."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            data, url, content_type = _payload(next(iter(ArchiveIterator(handle))), max_bytes)
    except _UNREADABLE as err:
        raise SitegenError(f"cannot read this WARC record: {err}") from None
    return _loaded(data, url, content_type, max_bytes)


def split_warc(items: Sequence[Item], records: int) -> list[list[Item]]:
    """The items as runs of at most `records` consecutive records of one WARC file (a byte range of it:
    from the first one's offset to the last one's), other items alone: one large file spreads over
    many workers, each reading only its range (read_range)."""
    runs: list[list[Item]] = []
    for item in items:
        last = runs[-1] if runs else None
        ranged = item.path is not None and item.offset is not None
        if ranged and last and last[0].path == item.path and last[0].offset is not None and len(last) < records:
            last.append(item)
        else:
            runs.append([item])
    return runs


def read_range(items: Sequence[Item], max_bytes: int = MAX_BYTES) -> list[Loaded | SitegenError]:
    """The records of one run of split_warc, read in one pass over their byte range: each one's bytes as
    load() gives them, or the error load() raises (a record the pass could not reach is read alone)."""
    path = items[0].path
    assert path is not None and all(i.path == path and i.offset is not None for i in items)
    wanted = {item.offset: n for n, item in enumerate(items)}
    found: list[Loaded | SitegenError | None] = [None] * len(items)
    end = max(item.offset or 0 for item in items)
    try:
        with path.open("rb") as handle:
            handle.seek(items[0].offset or 0)
            records = ArchiveIterator(handle)
            for record in records:
                payload = _payload(record, max_bytes)  # read first: asking the offset reads the record to its end
                at = records.get_record_offset()
                if at in wanted:
                    try:
                        found[wanted[at]] = _loaded(*payload, max_bytes)
                    except SitegenError as err:
                        found[wanted[at]] = err
                if at >= end:
                    break
    except _UNREADABLE:
        pass  # the records not reached are read one by one below, each failing as load() fails
    return [
        f if f is not None else _attempt(path, item.offset or 0, max_bytes)
        for f, item in zip(found, items, strict=True)
    ]


def _attempt(path: Path, offset: int, max_bytes: int) -> Loaded | SitegenError:
    try:
        return _load_record(path, offset, max_bytes)
    except SitegenError as err:
        return err


_UNREADABLE = (OSError, ArchiveLoadFailed, EOFError, StopIteration, ValueError)


def _payload(record: ArcWarcRecord, max_bytes: int) -> tuple[bytes, str | None, str]:
    """A record's payload (read up to one byte past max_bytes), target URI and content type."""
    data = record.content_stream().read(max_bytes + 1)
    headers = record.http_headers or record.rec_headers
    return data, record.rec_headers.get_header("WARC-Target-URI"), headers.get_header("Content-Type") or ""


def _loaded(data: bytes, url: str | None, content_type: str, max_bytes: int) -> Loaded:
    if len(data) > max_bytes:
        raise SitegenError(fetch.stopped_large(max_bytes))
    return Loaded(data, url, _charset(content_type))


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip(" \"'"):
            return value.strip(" \"'")
    return None
