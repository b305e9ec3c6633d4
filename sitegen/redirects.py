"""Redirect pages for old URLs: a post's `aliases` keep working after a move (cool URLs don't change).

Each alias becomes a small page at the path a static host serves for it ('/2019/03/05/hello/' ->
2019/03/05/hello/index.html, '/post/hello.html' -> that file) that sends the reader on with a meta
refresh, names the post as canonical, shows a link, and asks search engines not to index it. These
are not pages of the site: they stay out of the sitemap and the search index. The same pages are
made for sitegen.toml's [redirects] (a renamed topic's, tag's or region's old page, see `sitegen rename`).

Every folder a file of the site implies answers too (a reader shortens /2019/03/05/old-story/ to
/2019/03/): a folder with no index page of its own gets one that sends the reader to the nearest page
that lists what it held: the archive's month or year for a dated folder, else the nearest folder above
with a page of the site, else the home page. The search index's folders are left out: its script
fetches their files, no reader browses them.

The pages are added once every other file of the site is known, so that an alias that would replace
one of them, or that another post also claims, is refused with the file and line that gives it.

A slug changed by hand (in an editor, or in the CMS) moves a published story without an alias. With the
build cache (Moved), the build knows each story file's address at the last build: a story found at
another address keeps a redirect at its old one, build after build while the cache lasts, and the build
warns with the exact `aliases:` line that makes it last for good (a build never edits a story: only a
command the editor runs does, see `sitegen rename slug`). A cache lost before the line is added loses
the redirect, which is why the warning asks for the line and the guide for the command.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote

from sitegen import frontmatter
from sitegen.cache import View, guarded
from sitegen.config import CONFIG_NAME, Config
from sitegen.errors import SitegenError
from sitegen.frontmatter import Meta
from sitegen.output import Output
from sitegen.search import index as search_index

PAGE_SUFFIXES = (".html", ".htm")  # an alias ending so names a file; any other names a folder
RESERVED = posixpath.dirname(search_index.MANIFEST) + "/"  # the search index adds its files after the redirects
MAX_NAME = 255  # bytes of a file or folder name on most file systems
MOVED_HINT = "remove the line from [redirects] in sitegen.toml: the page at that path is real again"
FOLDER_NOTE = "这里没有页面，请看："  # a folder's index: what it sends the reader to
_DATED = re.compile(r"(?:^|/)((?:19|20)\d\d)(?:/(\d\d?))?(?:/\d\d?)?$")  # …/2024, …/2024/05, …/2024/05/09
_UNSERVABLE = re.compile(r"[\x00-\x1f\x7f\\]|%2[fF]|%5[cC]")  # controls, and separators a host would not decode


class Aliased(Protocol):
    """A story or a build's post: what a redirect is made from."""

    @property
    def meta(self) -> Meta: ...

    @property
    def url(self) -> str: ...

    @property
    def path(self) -> Path: ...

    @property
    def file(self) -> str: ...  # str(path), which a build's post keeps without making a Path


class Moved(View):
    """Each published story's address at the last build (file -> URL), and the old addresses of stories
    whose slug changed since without an alias (URL -> file), in the cache's about table."""

    ADDRESSES, HELD = "addresses", "moved"

    @guarded
    def last(self) -> tuple[dict[str, str], dict[str, str]]:
        return self._read(self.ADDRESSES), self._read(self.HELD)

    @guarded
    def save(self, addresses: dict[str, str], held: dict[str, str]) -> None:
        for name, value in ((self.ADDRESSES, addresses), (self.HELD, held)):
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
            if self.store.about(name) != text:
                self.store.set_about(name, text)

    def _read(self, name: str) -> dict[str, str]:
        text = self.store.about(name)
        try:
            value = json.loads(text) if text else {}
        except ValueError:
            raise self.store.damaged(f"about/{name} is not JSON") from None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise self.store.damaged(f"about/{name} is not a table of addresses")
        return value


def add(cfg: Config, posts: Iterable[Aliased], out: Output, moved: Moved | None = None) -> list[SitegenError]:
    """A redirect page in out for each alias of posts that may have one; a problem for each that may not.
    moved: the build cache's record of addresses, for the old addresses of slugs changed by hand."""
    problems: list[SitegenError] = []
    claimed: dict[str, Aliased] = {}  # file -> the post whose alias it redirects
    folders: set[str] | None = None  # the folders of the site's files, made when the first alias needs them
    ordered = sorted(posts, key=lambda p: p.file)
    for post in ordered:
        for alias in post.meta.aliases:
            rel, problem = target_file(alias)
            if rel is not None and problem is None:
                if folders is None:
                    folders = _folders(out.files)
                problem = _collision(rel, post, claimed, out.files, folders)
            if problem is not None:
                problems.append(SitegenError(f"alias '{alias}' {problem}", post.path, alias_line(post.path, alias)))
            elif rel is not None and rel not in claimed:
                claimed[rel] = post
                out.add(rel, page(cfg, post.meta.title, post.url))
    if moved is not None:
        problems += _held(cfg, ordered, out, claimed, moved)
    redirected = set(claimed)
    problems += _moved(cfg, claimed, out, redirected)
    folder_indexes(cfg, out, redirected)
    return problems


def _held(
    cfg: Config, posts: list[Aliased], out: Output, claimed: dict[str, Aliased], moved: Moved
) -> list[SitegenError]:
    """A redirect at each old address of a story whose slug changed by hand since a build this cache recorded,
    with a warning giving the `aliases:` line that keeps it; the record updated for the next build."""
    last, held = moved.last()
    now = {_file_key(cfg, post): post for post in posts if not post.meta.draft}
    for file, url in last.items():
        post = now.get(file)
        if post is not None and post.url != url:
            held[url] = file
    problems: list[SitegenError] = []
    folders = _folders(out.files) if held else set()
    kept: dict[str, str] = {}
    for url, file in sorted(held.items()):
        post = now.get(file)
        rel = url + "index.html"
        if post is None or url == post.url or "/" + rel in map(_page_of, post.meta.aliases):
            continue  # the story is gone, back at its address, or keeps the address as an alias now
        problem = _collision(rel, post, claimed, out.files, folders)
        old = "/" + url
        if problem is not None:
            message = f"the old address {old} of this story (its slug changed) {problem}: it has no redirect"
            problems.append(SitegenError(message, post.path, _slug_line(post), warning=True))
            continue
        kept[url] = file
        claimed[rel] = post
        out.add(rel, page(cfg, post.meta.title, post.url))
        aliases = ", ".join((*post.meta.aliases, old))
        problems.append(
            SitegenError(
                f"the slug changed: the old address {old} redirects here only while the build cache lasts",
                post.path,
                _slug_line(post),
                hint=f"add this line to the story's front matter to keep the redirect: aliases: [{aliases}]",
                warning=True,
            )
        )
    moved.save({file: post.url for file, post in now.items()}, kept)
    return problems


def _file_key(cfg: Config, post: Aliased) -> str:
    """A story's file as the record names it: relative to the site's folder when inside it (a CI runner's
    checkout may move), as walked otherwise."""
    name, root = post.file, str(cfg.root) + "/"
    return name[len(root) :] if name.startswith(root) else name


def _page_of(alias: str) -> str:
    rel, _ = target_file(alias)
    return "/" + (rel or "")


def _slug_line(post: Aliased) -> int | None:
    """The line of the story's `slug:` (else its front matter's first), for the warning."""
    try:
        doc = frontmatter.split(post.path.read_text(encoding="utf-8"), post.path)
    except (OSError, UnicodeDecodeError, SitegenError):
        return None
    return doc.lines.get("slug", doc.start_line)


def _moved(cfg: Config, claimed: dict[str, Aliased], out: Output, written: set[str]) -> list[SitegenError]:
    """A redirect page for each entry of sitegen.toml's [redirects] (a renamed term's old page, see
    `sitegen rename`), refused as an alias is when it would replace a page of the site; written: the
    redirect pages' files, to which each is added."""
    problems: list[SitegenError] = []
    config_path = cfg.root / CONFIG_NAME
    folders = _folders(out.files) if cfg.redirects else set()
    for old, new in cfg.redirects:
        rel, problem = target_file("/" + old.lstrip("/"))
        if rel is not None and problem is None:
            other = claimed.get(rel)
            problem = f"is also an alias of {other.path}" if other else _site_clash(rel, out.files, folders)
        line = toml_line(config_path, old)
        if problem is not None:
            problems.append(SitegenError(f"redirect '{old}' {problem}", config_path, line, hint=MOVED_HINT))
            continue
        target, _ = target_file("/" + new.lstrip("/"))
        if target not in out.files:
            problems.append(
                SitegenError(
                    f"redirect '{old}' leads to '{new}', a page the site does not have", config_path, line, warning=True
                )
            )
        if rel is not None:
            written.add(rel)
            out.add(rel, page(cfg, unquote(new.strip("/")), new.lstrip("/")))
    return problems


def folder_indexes(cfg: Config, out: Output, redirected: set[str]) -> list[str]:
    """An index page for each folder of the site's files that has none (redirected: the redirect pages
    written, never a folder's target), sending the reader to listing(); the folders given one."""
    files = out.files
    given: list[str] = []
    skipped = set(redirected)  # pages a folder's index may not send the reader to
    bare = [f for f in _folders(files) if f"{f}/index.html" not in files and not (f + "/").startswith(RESERVED)]
    for folder in sorted(bare, key=lambda f: (f.count("/"), f)):  # a folder before those in it
        index = f"{folder}/index.html"
        target = listing(folder, files, skipped)
        out.add(index, page(cfg, _titles(cfg, target), target, note=FOLDER_NOTE))
        given.append(index)
        skipped.add(index)
    return given


def listing(folder: str, files: dict[str, str], redirects: set[str]) -> str:
    """The page (site-relative URL) that lists what a folder without a page holds: for a dated folder
    (…/2024/05/) the archive's month, else its year; else the nearest folder above it with a page of the
    site; else the home page."""
    dated = _DATED.search(folder)
    if dated is not None:
        year, month = dated.group(1), dated.group(2)
        wanted = [f"archive/{year}/{int(month):02d}/"] if month and 1 <= int(month) <= 12 else []
        for url in [*wanted, f"archive/{year}/", "archive/"]:
            if url + "index.html" in files:
                return url
    for above in reversed(_parents(folder + "/index.html")[:-1]):
        index = f"{above}/index.html"
        if index in files and index not in redirects:
            return above + "/"
    return ""


def _titles(cfg: Config, url: str) -> str:
    """What a folder's index calls the page it sends the reader to."""
    parts = url.strip("/").split("/")
    if parts[0] == "archive" and len(parts) == 3:
        return f"{parts[1]}年{int(parts[2])}月的报道"
    if parts[0] == "archive" and len(parts) == 2:
        return f"{parts[1]}年的报道"
    if url == "archive/":
        return "归档"
    return cfg.title if url == "" else unquote(cfg.base_path + url)


def target_file(alias: str) -> tuple[str | None, str | None]:
    """The file in output/ a static host serves for an alias, or why there can be none."""
    if _UNSERVABLE.search(alias):
        return None, "holds a character or an encoded separator that no host serves as a path"
    problem = frontmatter.alias_problem(alias)
    if problem is not None:
        return None, problem
    path = unquote(alias)
    if _UNSERVABLE.search(path):
        return None, "holds a control character or a backslash once decoded"
    if path.endswith("/"):
        rel = path + "index.html"
    elif path.lower().endswith(PAGE_SUFFIXES):
        rel = path
    else:
        rel = path + "/index.html"
    parts = rel.lstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None, "is not a path to one page: it has an empty, '.' or '..' part once decoded"
    if any(len(part.encode("utf-8")) > MAX_NAME for part in parts):
        return None, f"has a part longer than {MAX_NAME} bytes, more than a file name may have"
    return "/".join(parts), None


def _collision(
    rel: str, post: Aliased, claimed: dict[str, Aliased], files: dict[str, str], folders: set[str]
) -> str | None:
    """Why the redirect at rel would clash with the site or another post's alias, or None."""
    page_of_post = post.url + "index.html"
    if rel == page_of_post:
        return "is the post's own address"
    other = claimed.get(rel)
    if other is not None and other is not post:
        return f"is also an alias of {other.path}"
    return _site_clash(rel, files, folders)


def _site_clash(rel: str, files: dict[str, str], folders: set[str]) -> str | None:
    """Why a redirect page at rel would replace a file or folder of the site, or None."""
    if rel.startswith(RESERVED):
        return f"lies in {RESERVED}, the search index's folder"
    if rel in files:
        return f"would replace the site's page {rel}"
    if rel in folders:
        return f"would replace the site's folder {rel}/"
    clash = next((folder for folder in _parents(rel) if folder in files), None)
    if clash is not None:
        return f"would need a folder where the site has the file {clash}"
    return None


def _folders(files: Iterable[str]) -> set[str]:
    """Every folder that holds a file, at any depth: each file's folder, then up while a folder is new."""
    found: set[str] = set()
    for rel in files:
        folder = rel.rpartition("/")[0]
        while folder and folder not in found:
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return found


def _parents(rel: str) -> list[str]:
    """'a/b/c.html' -> ['a', 'a/b']."""
    parts = rel.split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts))]


def page(cfg: Config, title: str, url: str, note: str = "本文已移至新地址：") -> str:
    """The redirect page to a post (or, with another note, a page) at url (site-relative); its bytes depend on
    nothing but these."""
    href = html.escape(cfg.base_path + url)
    canonical = html.escape(cfg.absolute(cfg.base_path + url))
    name = html.escape(title)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(cfg.language)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"<title>{name}</title>\n"
        '<meta name="robots" content="noindex">\n'
        f'<link rel="canonical" href="{canonical}">\n'
        f'<meta http-equiv="refresh" content="0; url={href}">\n'
        "</head>\n"
        "<body>\n"
        f'<p>{html.escape(note)}<a href="{href}">{name}</a></p>\n'
        "</body>\n"
        "</html>\n"
    )


def toml_line(path: Path, key: str) -> int | None:
    """The line of sitegen.toml that gives key (quoted), for messages; None if it is not found."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    quoted = (f'"{key}"', f"'{key}'")
    return next((n for n, line in enumerate(lines, 1) if line.lstrip().startswith(quoted)), None)


def alias_line(path: Path, alias: str) -> int | None:
    """The line of the post's front matter that gives the alias (else its 'aliases' key), for messages.
    Read again only when an alias is refused: the build keeps no line numbers for them."""
    try:
        text = path.read_text(encoding="utf-8")
        doc = frontmatter.split(text, path)
    except (OSError, UnicodeDecodeError, SitegenError):
        return None
    key_line = doc.lines.get("aliases", doc.lines.get("alias"))
    if key_line is None:
        return doc.start_line
    lines = text.replace("\r\n", "\n").split("\n")
    for number in range(key_line, doc.body_line):
        if alias in lines[number - 1]:
            return number
    return key_line
