"""Step 7 of the build (with feeds.py): sitemap.xml (an index of sitemap-N.xml past LIMIT URLs) and robots.txt,
from the list of pages the build wrote."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sitegen.config import Config
from sitegen.content import Post
from sitegen.keys import digest
from sitegen.output import Output

# What XML 1.0 does not allow in a document at all (not even as a reference): C0 controls but tab and
# line breaks, lone surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    """&, < and > as entities, as xml.sax.saxutils.escape does (which imports urllib.request, slow to load),
    and what XML cannot hold left out: the feeds and the sitemap parse, whatever a post's body holds."""
    return NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


PAGE_FOLDER = "page/"  # a paginated list's second page is <list>/page/2/; the folder's index sends to page 1
LIMIT = 50_000  # URLs in one sitemap file, the protocol's limit: past it sitemap.xml is an index of files


def listed(path: str) -> bool:
    """Whether a page the build wrote belongs in the sitemap: not 404.html, nor a list's page/ folder index
    (it only sends the reader to the list's first page); a post's page is listed whatever its slug."""
    if path == "404.html":
        return False
    return path.startswith("posts/") or not (
        path == PAGE_FOLDER + "index.html" or path.endswith("/" + PAGE_FOLDER + "index.html")
    )


def sitemap(cfg: Config, page_paths: Sequence[str], lastmod: dict[str, str]) -> str:
    """A urlset of the pages, in the order given; articles carry their date as lastmod."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in page_paths:
        loc = path.removesuffix("index.html")
        lines.append(f"  <url><loc>{escape(cfg.absolute(cfg.base_path + loc))}</loc>")
        if path in lastmod:
            lines.append(f"    <lastmod>{lastmod[path]}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def index(cfg: Config, files: Sequence[tuple[str, str]]) -> str:
    """A sitemap index: each file's URL, and its newest lastmod when it has one."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for name, newest in files:
        lines.append(f"  <sitemap><loc>{escape(cfg.absolute(cfg.base_path + name))}</loc>")
        if newest:
            lines.append(f"    <lastmod>{newest}</lastmod>")
        lines.append("  </sitemap>")
    lines.append("</sitemapindex>")
    return "\n".join(lines) + "\n"


def robots(cfg: Config) -> str:
    """Allow everything, and name the sitemap. Under a sub-path the file says it must be copied to the host's
    root: crawlers read robots.txt there alone (see checks.robots_problem())."""
    note = (
        f"# Crawlers read robots.txt only at the root of a host: this site is at {cfg.base_path}, so\n"
        "# copy these lines into the host's /robots.txt.\n"
        if cfg.base_path != "/"
        else ""
    )
    return f"{note}User-agent: *\nAllow: /\nSitemap: {cfg.absolute(cfg.base_path + 'sitemap.xml')}\n"


def write(cfg: Config, site: str, posts: Sequence[Post], pages: list[str], out: Output) -> None:
    """sitemap.xml, or past LIMIT URLs sitemap-1.xml, sitemap-2.xml ... and sitemap.xml their index (each file
    made only when its pages or their days changed); and robots.txt."""
    paths = sorted(filter(listed, pages))
    days = lastmod(posts)
    parts = [paths[i : i + LIMIT] for i in range(0, len(paths), LIMIT)] or [[]]
    if len(parts) == 1:
        _add(cfg, site, out, "sitemap.xml", paths, days)
    else:
        files = []
        for number, part in enumerate(parts, 1):
            name = f"sitemap-{number}.xml"
            _add(cfg, site, out, name, part, days)
            files.append((name, max((days[p] for p in part if p in days), default="")))
        out.add_made("sitemap.xml", digest(site, "sitemap.xml", repr(files)), lambda: index(cfg, files))
    out.add("robots.txt", robots(cfg))


def _add(cfg: Config, site: str, out: Output, name: str, paths: list[str], days: dict[str, str]) -> None:
    shows = digest(site, name, *paths, *(days.get(p, "") for p in paths))
    out.add_made(name, shows, lambda: sitemap(cfg, paths, days))


def lastmod(posts: Sequence[Post]) -> dict[str, str]:
    """Each dated article's page -> its day, for the sitemap."""
    return {p.url + "index.html": p.day for p in posts if p.day}
