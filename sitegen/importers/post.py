"""Hexo, Jekyll, Hugo and plain Markdown posts: front matter in any dialect, then a body.

A body that is a news page's HTML pasted in (a feed reader's copy, a mirror) is cleaned like a
page: the blog's taxonomy there describes the feed, not the story, and `author:` is often the
aggregator the post was pulled from (ZAKER), which becomes `via`, never an author.

A body written in Markdown is migrated, not re-extracted: kept as written (markdown_body.migrate)
with the author's tags, categories, slug, old addresses and pictures, and compared with its source
(loss.compare) so that whatever did not come through is listed under review.

Which generator wrote a post follows from where it lies (source/_posts is Hexo's, _posts with dated
file names Jekyll's, content/ Hugo's), else from its blog's settings file, its front matter and its
template tags. It decides how the body's tags are read and what the post's old address was.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache, partial
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

from markdown_it import MarkdownIt

from sitegen import frontmatter
from sitegen.extract import clean, metadata
from sitegen.extract.metadata import Credits
from sitegen.extract.patterns import AGGREGATORS
from sitegen.frontmatter import CHINA, Document
from sitegen.importers import NotAStory, Picture, RawStory, loss, markdown_body, story
from sitegen.paths import inside
from sitegen.sources import BLOG_SETTINGS, MAX_UP, PAGE, PICTURES, blog_around

Generator = Literal["hexo", "jekyll", "hugo", "markdown"]

# Template tags and keys only one generator writes, for a post found outside its blog's layout.
_BODY_SIGNS: tuple[tuple[re.Pattern[str], Generator], ...] = (
    (
        re.compile(r"\{%-?\s*(?:asset_img|asset_path|asset_link|post_link|post_path|codeblock|blockquote|note)\b"),
        "hexo",
    ),
    (re.compile(r"\{\{[<%]-?\s*/?\w+"), "hugo"),
    (
        re.compile(r"\{%-?\s*(?:highlight|include|link|post_url|raw|capture|assign)\b|\{\{-?\s*(?:site|page)\."),
        "jekyll",
    ),
)
_FRONT_SIGNS: tuple[tuple[str, Generator], ...] = (
    ("layout", "jekyll"),
    ("lastmod", "hugo"),
    ("aliases", "hugo"),
    ("url", "hugo"),
    ("weight", "hugo"),
    ("updated", "hexo"),
)
_DATED_NAME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})-(.+)")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)

# Default addresses (before a blog's settings or the post's front matter say otherwise).
HEXO_PERMALINK = ":year/:month/:day/:title/"
JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_PLACEHOLDER = re.compile(
    r":(output_ext|categories|category|post_title|short_year|i_month|i_day|y_day|year|month|day|hour|minute|second|title|slug|name)"
)
_DATED = re.compile(r":(?:year|short_year|month|i_month|day|i_day|y_day|hour|minute|second)")
_UNSAFE = re.compile(r"[\x00-\x20\x7f\"'<>\\^`{|}]")
_PERMALINK_SETTING = re.compile(r"^permalink:[ \t]*['\"]?([^'\"#\n]*?)['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)

# A site-wide picture (/images/a.png) keeps its address when it lies in a folder that holds
# pictures on most blogs: other pages and sites may link to it. Any other goes beside the post's.
KEEP_FOLDERS = frozenset(
    {"images", "image", "img", "imgs", "pics", "pictures", "photos", "uploads", "upload", "assets", "static", "media"}
    | {"files", "attachments", "wp-content"}
)
# The folders of a blog whose files the site serves from its root (besides the blog's own folder): Hugo's
# assets/ too, where its templates and shortcodes find pictures. Any of them for a post of no known blog.
_SERVED: dict[Generator, tuple[str, ...]] = {
    "hexo": ("source", "static"),
    "jekyll": ("source", "static"),
    "hugo": ("static", "assets", "source"),
    "markdown": ("source", "static"),
}
# Front matter keys that name a post's cover picture.
COVER_KEYS = ("cover", "image", "images", "thumbnail", "banner", "header-img", "header_img", "featured_image")
_SUMMARY_KEYS = ("description", "summary", "excerpt")
_UPDATED_KEYS = ("updated", "lastmod", "modified", "last_modified_at")

# Markdown blocks a news page's pasted HTML does not have beside it.
_MARKDOWN_BLOCKS = frozenset(
    {"heading_open", "bullet_list_open", "ordered_list_open", "fence", "code_block", "blockquote_open", "table_open"}
)
_PAGE_SHARE = 0.9  # of a page fragment's text that lies in HTML blocks
_PARSER = MarkdownIt("commonmark", {"html": True})


@dataclass(frozen=True)
class Layout:
    """Where a post lies in its blog, as far as its path and the files around it tell."""

    generator: Generator
    root: Path | None  # the blog's folder (holding source/, _posts/ or content/), when found
    name: str  # the post's name in its generator's addresses: Hexo's path under _posts, Jekyll's slug ...
    assets: Path | None  # the folder of the post's own files: a Hexo asset folder or a Hugo page bundle
    file_date: date | None  # the date a Jekyll-style file name starts with
    folder_categories: tuple[str, ...] = ()  # Jekyll: folders above _posts are categories
    draft: bool = False  # in a _drafts folder


def read(text: str, origin: Path, root: Path | None = None) -> RawStory:
    """A post's text -> RawStory. origin is the file (its folder holds the post's pictures); root the
    folder the import was asked for, the furthest a site-wide picture is looked for when the post's
    blog cannot be found around it."""
    doc = frontmatter.split_source(text, origin)
    if _is_page(doc.data, origin):
        raise NotAStory(PAGE)
    if is_page_fragment(doc.body):
        return _read_fragment(doc)
    return _migrate(doc, Path(os.path.abspath(origin)), Path(os.path.abspath(root)) if root else None)


def _is_page(data: dict[str, Any], origin: Path) -> bool:
    """A blog's page (about, archives, tags), by its front matter: `layout: page` or `type: page`, outside a
    folder of posts (sources.page_reason knows a blog's pages by their place)."""
    pages = {str(data.get(key)).strip().lower() for key in ("layout", "type")} & {"page"}
    return bool(pages) and not {"_posts", "_drafts"} & set(origin.parts[:-1])


def is_page_fragment(body: str) -> bool:
    """A body that is a news page's HTML pasted in, not Markdown: it opens with a tag, nine tenths of its
    text is in HTML blocks, and beside them are plain paragraphs at most (a mirror's links)."""
    if not body.lstrip().startswith("<") or body.lstrip().startswith("<!--"):
        return False
    tokens = _PARSER.parse(body)
    if any(t.type in _MARKDOWN_BLOCKS for t in tokens):
        return False
    in_html = sum(len(t.content) for t in tokens if t.type == "html_block")
    in_text = sum(len(t.content) for t in tokens if t.type == "inline")
    return in_html >= _PAGE_SHARE * (in_html + in_text)


def _read_fragment(doc: Document) -> RawStory:
    """A pasted news page, cleaned like any page, the front matter trusted first."""
    title = _text(doc.data.get("title"))
    extract = clean.assemble(clean.markdown_to_blocks(doc.body), title)
    extract = replace(extract, credits=extract.credits.merge(_front_credits(doc.data)))
    return story(title, extract, date=_date(doc.data.get("date")) or extract.credits.date)


def _migrate(doc: Document, origin: Path, root: Path | None) -> RawStory:
    """The author's Markdown kept as written, with everything its front matter and layout tell."""
    data = doc.data
    where = layout(origin, doc, root)
    migrated = markdown_body.migrate(doc.body, where.generator, partial(post_address, origin, where))
    lost = loss.compare(doc.body, migrated.markdown)
    written = _when(data.get("date"))
    when = written or where.file_date
    title = _text(data.get("title")) or _first_heading(migrated.markdown) or _words_of(where.name)
    slug = _slug(data, where)
    credits = _blog_credits(data)
    covers = tuple(ref for key in COVER_KEYS for ref in _strings(data.get(key)))
    refs = tuple(dict.fromkeys(r for r in map(_absolute, (*covers, *migrated.images)) if r))
    boundary = where.root or root or origin.parent
    home = blog_address(where.root) if where.root else None
    pictures = tuple(p for ref in refs if (p := _picture_of(ref, home, origin, where, boundary)) is not None)
    categories = _terms(data.get("categories"), where.generator) + _terms(data.get("category"), where.generator)
    review = (() if title else ("title",)) + (() if when else ("date",)) + migrated.review + lost.review
    return RawStory(
        title=title,
        body_markdown=migrated.markdown,
        subtitle=_text(data.get("subtitle")) or None,
        date=_in_china(when),
        authors=credits.authors,
        editor=credits.editor,
        source=credits.source,
        via=credits.site if credits.site != credits.source else None,
        images=refs,
        review=tuple(dict.fromkeys(review)),
        migrated=True,
        updated=_in_china(next((u for k in _UPDATED_KEYS if (u := _when(data.get(k))) is not None), None)),
        tags=_terms(data.get("tags"), where.generator) + _terms(data.get("tag"), where.generator),
        categories=tuple(dict.fromkeys((*categories, *where.folder_categories))),
        slug=slug,
        aliases=old_addresses(data, where, written or where.file_date, categories),
        summary=next((s for k in _SUMMARY_KEYS if (s := _text(data.get(k)))), None),
        draft=where.draft or data.get("draft") is True or data.get("published") is False,
        pictures=pictures,
        missing_han=lost.missing_han,
    )


# Where a post lies: its generator, its blog's folder, its own folder of files.


def layout(origin: Path, doc: Document, root: Path | None = None) -> Layout:
    """The post's place in its blog, from its path, the files around it, its front matter and body.
    A post found in a folder named for import (root) belongs to a blog inside that folder, if any:
    a settings file above it (in a home or temporary folder) says nothing about the post."""
    parts = origin.parts
    dated = _DATED_NAME.fullmatch(origin.stem)
    assets = _assets(origin)
    for posts in ("_posts", "_drafts"):
        if posts in parts[:-1]:
            return _posts_layout(origin, parts.index(posts), dated, assets)
    if "content" in parts[:-1]:
        at = len(parts) - 1 - parts[::-1].index("content")
        under = PurePosixPath(*parts[at + 1 :])
        name = (under.parent if origin.stem in ("index", "_index") else under.with_suffix("")).as_posix()
        return Layout("hugo", Path(*parts[:at]) if at else None, name, assets, _file_date(dated))
    found = blog_root(origin.parent)
    if found is not None and root is not None and not found[0].is_relative_to(root):
        found = None
    name = origin.parent.name if origin.stem == "index" else origin.stem
    return Layout(found[1] if found else _signs(doc), found[0] if found else None, name, assets, _file_date(dated))


def _posts_layout(origin: Path, at: int, dated: re.Match[str] | None, assets: Path | None) -> Layout:
    """A post in a _posts (or _drafts) folder: Hexo's when that lies in source/ or the file name has no
    date (Jekyll requires one), else Jekyll's, whose folders between the site and _posts are categories."""
    parts = origin.parts
    draft = parts[at] == "_drafts"
    if (at > 0 and parts[at - 1] == "source") or dated is None:
        base = Path(*parts[: at - 1]) if at > 1 and parts[at - 1] == "source" else Path(*parts[:at])
        name = PurePosixPath(*parts[at + 1 :]).with_suffix("").as_posix()
        return Layout("hexo", base, name, assets, _file_date(dated), draft=draft)
    found = blog_root(Path(*parts[:at]))
    base = found[0] if found else Path(*parts[:at])
    categories = parts[len(base.parts) : at]
    return Layout("jekyll", base, dated.group(4), assets, _file_date(dated), tuple(categories), draft)


@cache
def blog_root(folder: Path) -> tuple[Path, Generator] | None:
    """The nearest folder at most MAX_UP above that is a blog's (sources.blog_at), and its generator."""
    found = blog_around(folder)
    return (found.root, found.generator) if found is not None else None


def _signs(doc: Document) -> Generator:
    """A post outside any blog layout: its front matter's form and keys, then its template tags."""
    if doc.dialect in ("toml", "json"):
        return "hugo"
    if doc.dialect == "yaml-open":
        return "hexo"
    for pattern, generator in _BODY_SIGNS:
        if pattern.search(doc.body):
            return generator
    return next((generator for key, generator in _FRONT_SIGNS if key in doc.data), "markdown")


def _assets(origin: Path) -> Path | None:
    """A Hugo page bundle (index.md and its files) or a Hexo asset folder (_posts/a.md and _posts/a/)."""
    if origin.stem in ("index", "_index"):
        return origin.parent
    beside = origin.with_suffix("")
    return beside if beside.is_dir() else None


def _file_date(dated: re.Match[str] | None) -> date | None:
    if dated is None:
        return None
    try:
        return date(int(dated.group(1)), int(dated.group(2)), int(dated.group(3)))
    except ValueError:
        return None


# The post's old addresses.


def old_addresses(
    data: dict[str, Any], where: Layout, when: date | None, categories: tuple[str, ...]
) -> tuple[str, ...]:
    """Every address the post had: its front matter's url, permalink and aliases, and its generator's
    default address for it (when its blog's settings and its date make that knowable), as site paths."""
    given = [*_strings(data.get("url")), *_strings(data.get("permalink"))]
    default = _default_pattern(where)
    patterns = given or ([default] if default else [])
    found = [
        p if urlsplit(p).scheme else _expand(p, where, when, categories, data)
        for p in patterns
        if when is not None or not _DATED.search(p)
    ]
    found += [_alias(a, where) for a in _strings(data.get("aliases"))]
    paths = (_site_path(p) for p in found if p)
    return tuple(dict.fromkeys(p for p in paths if p is not None and frontmatter.alias_problem(p) is None))


def _default_pattern(where: Layout) -> str | None:
    """The generator's address pattern for this post: its blog's permalink setting, else the default."""
    setting = _permalink_setting(where.root) if where.root else None
    if where.generator == "hexo":
        return setting or HEXO_PERMALINK
    if where.generator == "jekyll":
        return JEKYLL_STYLES.get(setting or "date", setting)
    if where.generator == "hugo":
        return None if setting is not None else "/:name/"
    return None


@cache
def _permalink_setting(root: Path) -> str | None:
    """`permalink:` of a Hexo or Jekyll _config.yml (Hugo's [permalinks] are per section: not read)."""
    for name in ("_config.yml", "_config.yaml"):
        try:
            text = (root / name).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        found = _PERMALINK_SETTING.search(text)
        return found.group(1).strip() or None if found else None
    return None


def _expand(pattern: str, where: Layout, when: date | None, categories: tuple[str, ...], data: dict[str, Any]) -> str:
    """A Hexo or Jekyll permalink pattern filled in for this post (one with a date only when it has one)."""
    slug = _text(data.get("slug")) or where.name
    day = when or date.min
    values = {
        "year": f"{day.year:04d}",
        "short_year": f"{day.year % 100:02d}",
        "month": f"{day.month:02d}",
        "i_month": str(day.month),
        "day": f"{day.day:02d}",
        "i_day": str(day.day),
        "y_day": f"{day.timetuple().tm_yday:03d}",
        "hour": f"{day.hour:02d}" if isinstance(day, datetime) else "00",
        "minute": f"{day.minute:02d}" if isinstance(day, datetime) else "00",
        "second": f"{day.second:02d}" if isinstance(day, datetime) else "00",
        "title": slug,
        "slug": slug.lower(),
        "name": PurePosixPath(where.name).name if where.generator == "hexo" else where.name,
        "post_title": _text(data.get("title")),
        "output_ext": ".html",
        "categories": "/".join(dict.fromkeys(c.lower() for c in (*where.folder_categories, *categories))),
        "category": "/".join(categories),
    }
    if where.generator == "hugo":  # Hugo: the path under content/, its last part the slug if given, lower case
        given = _text(data.get("slug"))
        path = PurePosixPath(where.name)
        values["name"] = re.sub(r"\s+", "-", (path.parent / given).as_posix() if given else where.name).lower()
    filled = _PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)
    return "/" + re.sub(r"/{2,}", "/", filled).lstrip("/")


def _alias(alias: str, where: Layout) -> str:
    """A Hugo alias; one without a leading / is relative to the post's section."""
    if alias.startswith(("/", "http://", "https://")):
        return alias
    section = PurePosixPath(where.name).parent.as_posix()
    return f"/{section}/{alias}" if section != "." else f"/{alias}"


def _site_path(address: str) -> str | None:
    """An address as a path on the site: a full URL's path, without query or fragment, the characters a
    link cannot hold as they are escaped (Chinese stays as it is written)."""
    parts = urlsplit(address.strip())
    path = "/" + unquote(parts.path).lstrip("/")
    return _UNSAFE.sub(lambda m: quote(m.group()), path) if path != "/" else None


# The blog's own address: a full URL on it names one of its posts or files.

_SETTING = r"^{}[ \t]*:[ \t]*['\"]?([^'\"#\s]*)"
_HUGO_ADDRESS = re.compile(r"""^[ \t]*["']?baseurl["']?[ \t]*[:=][ \t]*["']?([^"'\s,#]+)""", re.I | re.M)
_PLACEHOLDER_HOSTS = frozenset({"example.com", "example.org", "example.net", "localhost", "127.0.0.1"})


@cache
def blog_address(folder: Path) -> str | None:
    """The address the blog was published at ('https://host/path/'): its _config.yml's url (and Jekyll's
    baseurl), or Hugo's baseURL, from the blog whose folder is folder or one at most MAX_UP above it;
    None when none is set or it is the generator's placeholder (example.com)."""
    found = blog_root(folder)
    if found is None:
        return None
    for name in BLOG_SETTINGS:
        try:
            text = (found[0] / name).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        if name.startswith("_config"):
            url, base = _setting(text, "url"), _setting(text, "baseurl")
        else:
            address = _HUGO_ADDRESS.search(text)
            url, base = (address.group(1) if address else ""), ""
        home = _home(url, base)
        if home is not None:
            return home
    return None


def _setting(text: str, key: str) -> str:
    found = re.search(_SETTING.format(key), text, re.MULTILINE)
    return found.group(1) if found else ""


def _home(url: str, base: str) -> str | None:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    if parts.scheme not in ("http", "https") or not host or host in _PLACEHOLDER_HOSTS:
        return None
    path = "/".join(p for p in (*parts.path.split("/"), *base.split("/")) if p)
    return f"{parts.scheme}://{parts.netloc}/{path + '/' if path else ''}"


def on_blog(url: str, home: str | None) -> str | None:
    """The site path ('/2020/01/02/x/') a full URL names on the blog at home (http or https, with or
    without www.), or None for another site. Query and fragment are left off."""
    if home is None or not url.lower().startswith(("http://", "https://")):
        return None
    parts, blog = urlsplit(url), urlsplit(home)
    if (parts.hostname or "").removeprefix("www.") != (blog.hostname or "").removeprefix("www."):
        return None
    prefix, path = blog.path.rstrip("/"), parts.path or "/"
    if parts.port != blog.port or (path != prefix and not path.startswith(prefix + "/")):
        return None
    return "/" + path[len(prefix) :].lstrip("/")


# Links to other posts.

POST_SUFFIXES = (".md", ".markdown")
# Where each tag looks a post up, as folders of the blog (None: the post's own folder), tried in order.
_POST_FOLDERS: dict[str, tuple[tuple[str, ...] | None, ...]] = {
    "post_link": (("source", "_posts"), None),  # Hexo: the path under source/_posts, no extension
    "post_path": (("source", "_posts"), None),
    "post_url": (("_posts",), None),  # Jekyll: the file's name in _posts
    "link": ((),),  # Jekyll: a path from the site's folder
    "ref": (None, ("content",)),  # Hugo: beside the page, else from content/
    "relref": (None, ("content",)),
}


def post_address(origin: Path, where: Layout, tag: str, name: str) -> str:
    """A link to another post, as a template tag names it -> the path of that post's source file from this
    post's folder ('../java/intro.md'): `sitegen import` turns it into the address the post gets once
    every post of the run is written, as it does the links the author wrote to .md files."""
    found = _post_file(origin, where, tag, name)
    rel = os.path.relpath(found, origin.parent).replace(os.sep, "/")
    return _UNSAFE.sub(lambda m: quote(m.group()), rel)


def post_names(path: PurePosixPath) -> tuple[str, ...]:
    """The names a post's source file goes by in links, lower case: its name (a bundle's folder for an
    index.md), then that name without a Jekyll date."""
    stem = path.parent.name if path.stem in ("index", "_index") else path.stem
    dated = _DATED_NAME.fullmatch(stem)
    return tuple(dict.fromkeys(name.lower() for name in (stem, dated.group(4) if dated else stem) if name))


def _post_file(origin: Path, where: Layout, tag: str, name: str) -> Path:
    """The file a tag's name for a post stands for: the first that exists of where the tag looks, else the
    first place it looks (the import then looks the post up by its name)."""
    name = name.strip()
    rooted = tag in ("ref", "relref") and name.startswith("/")  # Hugo: from content/
    folders = (("content",),) if rooted else _POST_FOLDERS.get(tag, (None,))
    bases = [base for f in folders if (base := _in_blog(origin, where.root, f)) is not None]
    files = _file_names(name.lstrip("/"))
    candidates = [base / file for base in bases or [origin.parent] for file in files]
    return next((c for c in candidates if c.is_file()), candidates[0])


def _in_blog(origin: Path, root: Path | None, parts: tuple[str, ...] | None) -> Path | None:
    """A folder of the post's blog (None for the post's own folder); None when the blog's folder is unknown."""
    if parts is None:
        return origin.parent
    return root.joinpath(*parts) if root is not None else None


def _file_names(rel: str) -> list[str]:
    """A post's path as a link names it -> the files it may be: itself when it has a post's extension,
    else with one, or the index of its page bundle."""
    if rel.lower().endswith(POST_SUFFIXES):
        return [rel]
    folder = rel.rstrip("/")
    return [folder + suffix for suffix in POST_SUFFIXES] + [f"{folder}/index.md", f"{folder}/_index.md"]


# Pictures.


def _absolute(ref: str) -> str | None:
    """A picture's address as the post's `images` may hold it: a protocol-relative one (//host/a.png) with
    https, a local one as written; None for inline data and any other scheme."""
    ref = ref.strip()
    if ref.startswith("//"):
        return "https:" + ref
    scheme = urlsplit(ref).scheme.lower()
    return ref if scheme in ("", "http", "https") and frontmatter.url_problem(ref) is None else None


def _picture_of(ref: str, home: str | None, origin: Path, where: Layout, boundary: Path) -> Picture | None:
    """A picture the post shows that is the blog's own: a local address, or a full URL on the blog's own
    address whose file the blog holds (one it does not hold stays a picture on the web)."""
    if is_local(ref):
        return _picture(ref, origin, where, boundary)
    path = on_blog(ref, home)
    found = _picture(path, origin, where, boundary) if path is not None else None
    return replace(found, ref=ref) if found is not None and found.path is not None else None


def is_local(ref: str) -> bool:
    """A picture in the blog's files, not on another site or inline data."""
    ref = ref.strip()
    return bool(ref) and not ref.startswith("//") and urlsplit(ref).scheme == "" and not ref.startswith("#")


def _picture(ref: str, origin: Path, where: Layout, boundary: Path) -> Picture:
    """The file a local picture address names: beside the post (a relative address, a Hexo asset folder,
    a Hugo bundle), else in its blog's source/, static/ or own folder, looking in each folder from the
    post's up to boundary. path is None when no such file is there. A picture of the blog's site-wide
    folders keeps its path there (see KEEP_FOLDERS), so that its old address keeps working."""
    rel = unquote(urlsplit(ref.strip()).path)
    site_wide = rel.startswith("/")
    rel = rel.lstrip("/")
    if not rel or PurePosixPath(rel).suffix.lower().lstrip(".") not in PICTURES:
        return Picture(ref, None, _kept(rel) if site_wide else None)
    near = [] if site_wide else [origin.parent, *([where.assets] if where.assets else [])]
    found = _find(rel, near, origin.parent, boundary, _SERVED[where.generator])
    if found is None:
        return Picture(ref, None, _kept(rel) if site_wide else None)
    return Picture(ref, found, _kept(_under_site(found, where)))


def _under_site(path: Path, where: Layout) -> str:
    """A picture's path in its blog's published files (under source/, static/ or the blog's own folder),
    or '' for one among the posts (an asset folder, a bundle) or outside the blog."""
    if where.root is None:
        return ""
    real = Path(os.path.realpath(path))
    posts = {"_posts", "_drafts", "content"}
    for base in (*(where.root / name for name in _SERVED[where.generator]), where.root):
        top = Path(os.path.realpath(base))
        if real.is_relative_to(top):
            rel = real.relative_to(top)
            return "" if rel.parts[0] in posts else rel.as_posix()
    return ""


def _kept(rel: str) -> str | None:
    """rel, when its first folder is one that holds pictures on most blogs and nothing climbs out of it."""
    parts = PurePosixPath(rel).parts
    kept = len(parts) > 1 and parts[0].lower() in KEEP_FOLDERS and ".." not in parts
    return PurePosixPath(*parts).as_posix() if kept else None


def _find(rel: str, near: list[Path], start: Path, boundary: Path, served: tuple[str, ...]) -> Path | None:
    """The first picture file named rel in the folders near, then in each folder from start up to boundary
    (in its folders of served files, then itself), that is a plain file inside boundary."""
    top = os.path.realpath(boundary)
    folders = [*near]
    for up in [start, *start.parents]:
        folders += [*(up / name for name in served), up]
        if os.path.realpath(up) == top or len(folders) > (len(served) + 1) * MAX_UP + len(near):
            break
    for folder in folders:
        candidate = folder / rel
        if not inside(candidate, top):
            continue
        real = os.path.realpath(candidate)
        try:
            if stat.S_ISREG(os.stat(real).st_mode):
                return candidate
        except OSError:
            continue
    return None


# Front matter values.


def _slug(data: dict[str, Any], where: Layout) -> str | None:
    """The post's slug: its front matter's when valid, else its file's name (a Jekyll date taken off,
    a bundle's folder) when that is a valid slug in lower case; None leaves it to the title."""
    for candidate in (_text(data.get("slug")), PurePosixPath(where.name).name.lower()):
        dated = _DATED_NAME.fullmatch(candidate)
        candidate = dated.group(4).lower() if dated else candidate
        if candidate and frontmatter.slug_problem(candidate) is None:
            return candidate
    return None


def _blog_credits(data: dict[str, Any]) -> Credits:
    """A migrated post's `author:` names: each a person (a blog's author, in any script), unless it is an
    aggregator or one of the post's categories (via) or ends like a publisher's name (source)."""
    categories = tuple(_text(c) for c in _flat(data.get("categories")))
    authors: list[str] = []
    found = Credits()
    for name in _strings(_flat(data.get("author")) + _flat(data.get("authors"))):
        credit = metadata.site_author(name, categories, AGGREGATORS)
        if credit.site == name and name not in AGGREGATORS and name not in categories:
            credit = Credits(authors=(name,))
        authors += credit.authors
        found = found.merge(replace(credit, authors=()))
    return replace(found, authors=tuple(dict.fromkeys(authors)))


def _front_credits(data: dict[str, Any]) -> Credits:
    """`author:` as a person, a publisher or the aggregator the post was taken from."""
    categories = tuple(_text(c) for c in _flat(data.get("categories")))
    found = Credits()
    for author in _flat(data.get("author")) + _flat(data.get("authors")):
        found = found.merge(metadata.site_author(_text(author), categories, AGGREGATORS))
    return found


def _date(value: Any) -> date | None:
    """'Sun, 29 May 2022 04:15:55 GMT', '2022-01-11 09:16:55 +0800' -> a time shown in China (+08:00)."""
    return _in_china(_when(value))


def _when(value: Any) -> date | None:
    """A front matter date as written (its own offset kept, for the post's old address), or None."""
    if value in (None, ""):
        return None
    try:
        return frontmatter.parse_date(value)
    except ValueError:
        return None


def _in_china(value: date | None) -> date | None:
    return value.astimezone(CHINA) if isinstance(value, datetime) else value


def _first_heading(markdown: str) -> str:
    found = _HEADING.search(markdown)
    return found.group(1).strip() if found else ""


def _words_of(name: str) -> str:
    """A title made of a file's name when the post has none: 'hello-world' -> 'hello world'."""
    stem = PurePosixPath(name).name
    dated = _DATED_NAME.fullmatch(stem)
    return re.sub(r"[-_]+", " ", dated.group(4) if dated else stem).strip()


def _terms(value: Any, generator: Generator) -> tuple[str, ...]:
    """Tags or categories as the generator reads them: Jekyll splits a string at spaces, plain Markdown
    (our own contract) at commas, Hexo and Hugo take it whole."""
    if isinstance(value, str) and generator in _TERM_SEPARATORS:
        return _strings(re.split(_TERM_SEPARATORS[generator], value))
    return _strings(value)


_TERM_SEPARATORS: dict[Generator, str] = {"jekyll": r"\s+", "markdown": r"[,，、]"}


def _strings(value: Any) -> tuple[str, ...]:
    """Text or a list of text (Hexo's nested category lists flattened), each once, in order."""
    texts = (_text(v) for v in _flat(value) if isinstance(v, (str, int, float)) and not isinstance(v, bool))
    return tuple(dict.fromkeys(t for t in texts if t))


def _flat(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return [item for v in value for item in _flat(v)]
    return [value]


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""
