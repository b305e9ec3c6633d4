"""An article's structured data: schema.org NewsArticle as JSON-LD, for search engines and link previews.

Everything in it comes from the story's front matter (its card: see plan.py, an article's key covers
it), the site's settings and the reading time of its body. Front matter is untrusted text, so the
JSON is written to be inert inside a <script> element: no '<', '>' or '&' appears in it as itself.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from markupsafe import Markup

from sitegen.config import Config
from sitegen.content import Card
from sitegen.frontmatter import Meta, sort_key

# What could end the script element ('</script'), open an HTML comment in it ('<!--') or start a
# character reference; the line separators are escaped too, for a reader that takes the JSON as JavaScript.
_INERT = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_json(value: Any) -> Markup:
    """value as JSON text to put between <script type="application/ld+json"> and </script> as it is."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.translate(_INERT))


def news_article(cfg: Config, story: Card, page_url: str, minutes: int) -> dict[str, Any]:
    """The NewsArticle of the story shown at page_url (site-relative), read in about minutes minutes."""
    meta = story.meta
    url = link(cfg, page_url)
    found: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": meta.title,
        "alternativeHeadline": meta.subtitle,
        "description": meta.summary,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "inLanguage": cfg.language,
        "datePublished": _iso(meta.date),
        "dateModified": _iso(modified(meta)),
        "author": [_named("Person", name) for name in meta.authors] or None,
        "editor": _named("Person", meta.editor) if meta.editor else None,
        "publisher": {"@type": "Organization", "name": cfg.title, "url": link(cfg, "")},
        "sourceOrganization": _source(cfg, meta),
        "articleSection": list(meta.categories) or None,
        "keywords": list(meta.tags) or None,
        "contentLocation": [_named("Place", name) for name in meta.regions] or None,
        "image": [link(cfg, image) for image in meta.images] or None,
        "isBasedOn": [link(cfg, source) for source in based_on(meta)] or None,
        "correction": [
            {"@type": "CorrectionComment", "datePublished": _iso(c.date), "text": c.text} for c in meta.corrections
        ]
        or None,
        "timeRequired": f"PT{minutes}M",
    }
    return {key: value for key, value in found.items() if value is not None}


def link(cfg: Config, target: str) -> str:
    """An absolute URL for a link of the site (a page's path, or a path on the site from front matter);
    a link elsewhere as it is. Without a host in base_url, a root-relative path."""
    if target.startswith(("http://", "https://")):
        return target
    return cfg.absolute(cfg.base_path + target.lstrip("/"))


def modified(meta: Meta) -> date | None:
    """When the story last changed: the latest of its date, its update and its corrections."""
    dates = [d for d in (meta.date, meta.updated, *(c.date for c in meta.corrections)) if d is not None]
    return max(dates, key=sort_key) if dates else None


def based_on(meta: Meta) -> list[str]:
    """The copies the story was taken from: its own, the credited publisher's, other sites' (each once)."""
    urls = [meta.source_url, meta.original_url]
    for copy in meta.copies:
        urls += [copy.source_url, copy.original_url]
    return list(dict.fromkeys(url for url in urls if url))


def _source(cfg: Config, meta: Meta) -> dict[str, str] | None:
    """The credited publisher (来源), with its copy's address when known."""
    if not meta.source:
        return None
    found = _named("Organization", meta.source)
    return {**found, "url": link(cfg, meta.original_url)} if meta.original_url else found


def _named(kind: str, name: str) -> dict[str, str]:
    return {"@type": kind, "name": name}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
