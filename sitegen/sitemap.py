"""Step 7 of the build (with feeds.py): sitemap.xml and robots.txt, from the list of pages the build wrote."""

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


def sitemap(cfg: Config, page_paths: list[str], lastmod: dict[str, str]) -> str:
    """Every HTML page but 404, in path order; articles carry their date as lastmod."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in sorted(p for p in page_paths if p != "404.html"):
        loc = path.removesuffix("index.html")
        lines.append(f"  <url><loc>{escape(cfg.absolute(cfg.base_path + loc))}</loc>")
        if path in lastmod:
            lines.append(f"    <lastmod>{lastmod[path]}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots(cfg: Config) -> str:
    return f"User-agent: *\nAllow: /\nSitemap: {cfg.absolute(cfg.base_path + 'sitemap.xml')}\n"


def write(cfg: Config, site: str, posts: Sequence[Post], pages: list[str], out: Output) -> None:
    """sitemap.xml (made only when its pages or their days changed) and robots.txt."""
    shows = digest(site, "sitemap.xml", *pages, *(p.card.brief for p in posts))  # its days are in the briefs
    out.add_made("sitemap.xml", shows, lambda: sitemap(cfg, pages, lastmod(posts)))
    out.add("robots.txt", robots(cfg))


def lastmod(posts: Sequence[Post]) -> dict[str, str]:
    """Each dated article's page -> its day, for the sitemap."""
    return {p.url + "index.html": p.day for p in posts if p.day}
