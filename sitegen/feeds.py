"""Step 7 of the build (with sitemap.py): Atom feeds for the whole site and for each topic, region, source and
tag, as the plan lists them (see plan.feed_plan()). Undated stories stay out: a date is never invented. A
story's corrections (更正) open its entry, newest first, and date its 'updated'."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from itertools import islice

from sitegen.bodies import Bodies, HtmlOf, key
from sitegen.config import Config
from sitegen.content import Post
from sitegen.frontmatter import Correction, Meta, sort_key
from sitegen.keys import digest
from sitegen.output import Output
from sitegen.sitemap import escape


def _attr(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def shown(cfg: Config, posts: Sequence[Post]) -> list[Post]:
    """The stories a feed holds: of posts (newest first), the first feed_size dated ones."""
    return list(islice((p for p in posts if p.meta.date is not None), cfg.feed_size))


def atom(cfg: Config, title: str, feed_path: str, page_path: str, posts: Sequence[Post], html_of: HtmlOf) -> str:
    """One Atom document; its 'updated' is its newest story's date, so rebuilding changes nothing.

    posts are newest first; only the shown() ones have their bodies fetched.
    """
    dated = shown(cfg, posts)
    updated = sort_key(dated[0].meta.date).isoformat() if dated else "1970-01-01T00:00:00+00:00"
    feed_url = cfg.absolute(cfg.base_path + feed_path)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{_attr(cfg.language)}">',
        f"  <title>{escape(title)}</title>",
        f"  <id>{escape(feed_url)}</id>",
        f'  <link rel="self" href="{_attr(feed_url)}"/>',
        f'  <link rel="alternate" type="text/html" href="{_attr(cfg.absolute(cfg.base_path + page_path))}"/>',
        f"  <updated>{updated}</updated>",
    ]
    for post in dated:
        meta = post.meta
        link = cfg.absolute(cfg.base_path + post.url)
        lines += [
            "  <entry>",
            f"    <title>{escape(meta.title)}</title>",
            f"    <id>{escape(link)}</id>",
            f'    <link rel="alternate" type="text/html" href="{_attr(link)}"/>',
            f"    <published>{sort_key(meta.date).isoformat()}</published>",
            f"    <updated>{updated_of(meta).isoformat()}</updated>",
        ]
        lines += [f"    <author><name>{escape(a)}</name></author>" for a in meta.authors]
        lines += [f'    <category term="{_attr(c)}"/>' for c in meta.categories]
        if meta.summary:
            lines.append(f"    <summary>{escape(meta.summary)}</summary>")
        content = corrections_html(meta.corrections) + html_of(post)
        lines += [f'    <content type="html">{escape(content)}</content>', "  </entry>"]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def updated_of(meta: Meta) -> datetime:
    """When a story last changed: its 'updated', or its newest correction if that is later."""
    return max(sort_key(d) for d in (meta.updated or meta.date, *(c.date for c in meta.corrections)))


def corrections_html(corrections: Sequence[Correction]) -> str:
    """A story's corrections as its feed entry opens with them, newest first."""
    newest = sorted(corrections, key=lambda c: sort_key(c.date), reverse=True)
    return "".join(
        f'<p class="correction"><strong>更正（{c.date.year}年{c.date.month}月{c.date.day}日）</strong>'
        f"：{html.escape(c.text, quote=False)}</p>\n"
        for c in newest
    )


Feed = tuple[str, str, str, tuple[int, ...]]  # path, title, the page it is the feed of, its posts' places


def write(cfg: Config, site: str, posts: Sequence[Post], planned: Sequence[Feed], out: Output, texts: Bodies) -> None:
    """Each feed planned, made only when output/ lacks it as made from the same site, cards and bodies."""

    def html_of(post: Post) -> str:
        return texts.get(post)[0]

    for path, title, page, places in planned:
        shown = [posts[i] for i in places]
        made_from = digest(site, path, title, *(part for p in shown for part in (p.card.key, key(p, cfg))))
        out.add_made(path, made_from, partial(atom, cfg, title, path, page, shown, html_of))
