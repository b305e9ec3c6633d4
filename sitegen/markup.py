"""Markdown -> safe HTML. Post bodies may carry HTML scraped from the web, so all of it is sanitised."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

Link = tuple[str, int, bool]  # target, line within the body counted from 0, is an image


@functools.cache
def _parser() -> MarkdownIt:
    """The Markdown parser, made when the first body is: a build that renders none (nothing changed, or
    a post's topics) does not import markdown-it at all."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    parser = MarkdownIt("commonmark", {"html": True, "typographer": False})
    return parser.enable("table").enable("strikethrough").use(footnote_plugin)


ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "del", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "section", "small",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "li": {"id"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Footnotes (markdown-it's footnote plugin): their classes, and ids of its one form only (fn3, fnref3:1), so
# that a body's HTML cannot name an element the page's own script looks up.
ALLOWED_CLASSES = {
    "a": {"footnote-backref"},
    "hr": {"footnotes-sep"},
    "li": {"footnote-item"},
    "ol": {"footnotes-list"},
    "section": {"footnotes"},
    "sup": {"footnote-ref"},
}
_FOOTNOTE_ID = re.compile(r"fn(?:ref)?\d+(?::\d+)?")
URL_SCHEMES = {"http", "https", "mailto"}

# An image alone in its paragraph, followed by an emphasised line: the importers' caption form.
_FIGURE = re.compile(r"<p>(<img [^>]*>|<a class=\"remote-image\"[^>]*>[^<]*</a>)</p>\s*<p><em>([^<]*)</em></p>")
_TAGS = re.compile(r"<[^>]+>")
_H1 = re.compile(r"<(/?)h1>")
_REMOTE_IMG = re.compile(r'<img src="((?:https?:)?//[^"]*)"[^>]*>')
_ALT = re.compile(r'alt="([^"]*)"')
_SITE_ROOT = re.compile(r'(href|src)="/(?!/)')


def sanitise(raw_html: str) -> str:
    """Keep structure and media; drop scripts, event handlers, styles, iframes, forms, javascript: URLs."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_footnote_ids,
    )


def _footnote_ids(tag: str, name: str, value: str) -> str | None:
    """Every attribute as it is, but an id that is not a footnote's, which is dropped."""
    return value if name != "id" or _FOOTNOTE_ID.fullmatch(value) else None


def to_html(markdown: str, remote_images: bool = False, base_path: str = "/") -> str:
    """Render a post body; 'image + *caption*' pairs become figures with captions.

    Images on other hosts are links unless remote_images is set: loading them would tell a
    third party who reads the archive. Site-relative links ('/posts/x/') get the base path,
    so a post's links work when the site is hosted under a sub-path.
    """
    return _finish(_parser().render(markdown), remote_images, base_path)


def render(markdown: str, remote_images: bool = False, base_path: str = "/") -> tuple[str, tuple[Link, ...]]:
    """to_html() and body_links() from one parse: the build needs both for every changed post."""
    parser = _parser()
    tokens = parser.parse(markdown)
    html = parser.renderer.render(tokens, parser.options, {})
    return _finish(html, remote_images, base_path), tuple(_links(tokens))


def _finish(rendered: str, remote_images: bool, base_path: str) -> str:
    # The page title is the only h1, so a body's top-level headings step down one level.
    safe = sanitise(_H1.sub(r"<\1h2>", rendered))
    if base_path != "/":
        prefix = html.escape(base_path)  # the config refuses quotes; escaped all the same, as in templates
        safe = _SITE_ROOT.sub(lambda m: f'{m.group(1)}="{prefix}', safe)
    if not remote_images:
        safe = _REMOTE_IMG.sub(_image_link, safe)
    return _FIGURE.sub(r"<figure>\1<figcaption>\2</figcaption></figure>", safe)


def _image_link(match: re.Match[str]) -> str:
    alt = _ALT.search(match.group(0))
    label = f"图片：{alt.group(1)}" if alt and alt.group(1) else "图片"
    return f'<a class="remote-image" href="{match.group(1)}" rel="noopener noreferrer nofollow">{label}</a>'


def to_text(body_html: str) -> str:
    """Plain text of rendered HTML, one block per line, for search and summaries."""
    blocks = re.sub(r"</(p|h\d|li|figcaption|td|th|blockquote|pre)>", "\n", body_html)
    return re.sub(r"\n{2,}", "\n", html.unescape(_TAGS.sub("", blocks))).strip()


def body_links(markdown: str) -> list[Link]:
    """(target, line within the body counted from 0, is an image) for every link and image."""
    return _links(_parser().parse(markdown))


def _links(tokens: list[Token]) -> list[Link]:
    found: list[Link] = []
    for block in tokens:
        line = block.map[0] if block.map else 0
        if block.type == "html_block":
            found += _html_links(block.content, line)
            continue
        if block.type != "inline" or not block.children:
            continue
        for token in block.children:
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            elif token.type == "link_open":
                found.append((str(token.attrs.get("href", "")), line, False))
            elif token.type == "image":
                found.append((str(token.attrs.get("src", "")), line, True))
            elif token.type == "html_inline":
                found += _html_links(token.content, line)
    return found


_HTML_IMG = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_HTML_A = re.compile(r"""<a\b[^>]*?\shref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def _html_links(raw: str, line: int) -> list[Link]:
    """The images (<img src>) and links (<a href>) of a body's raw HTML, in their order, so that the build
    checks them as it checks Markdown's."""
    found = [(m.start(), m[1], True) for m in _HTML_IMG.finditer(raw)]
    found += [(m.start(), html.unescape(m[1]), False) for m in _HTML_A.finditer(raw)]
    return [(target, line + raw.count("\n", 0, at), image) for at, target, image in sorted(found)]


# Pictures: the build (images.py) adds the sizes of a body's local pictures to its <img> tags when the page is
# made, so that the body's HTML kept in the cache is the same whatever the site's picture files hold.
_IMG = re.compile(r'<img\b(?:[^>"]|"[^"]*")*>')  # a ">" in an attribute's value (alt="a > b") is no end
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')  # as nh3 writes them: lowercase names, double quotes
_DIMENSIONS = ("width", "height")
_ORDER = ("src", "srcset", "sizes", "alt", "title", "width", "height", "loading", "decoding")


def image_sources(body_html: str) -> list[str]:
    """The src of every <img> of a rendered body, in order, as written (a URL, or a path on the site)."""
    return [tag.get("src", "") for tag in images(body_html)]


def images(body_html: str) -> list[dict[str, str]]:
    """The attributes of every <img> of a rendered body, in order, their values unescaped."""
    return [_attributes(tag.group(0)) for tag in _IMG.finditer(body_html)]


def with_pictures(body_html: str, picture: Callable[[str, bool], Mapping[str, str] | None]) -> str:
    """A rendered body whose <img> tags get what picture(src, first) gives for them (srcset, sizes, width,
    height, loading ...); first: the tag is the body's first picture. An author's own width or height is
    kept, and then neither is added: the picture shows at the size the author chose."""
    shown = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal shown
        attributes = _attributes(match.group(0))
        extra = picture(attributes.get("src", ""), shown == 0)
        shown += 1
        if not extra:
            return match.group(0)
        sized = any(name in attributes for name in _DIMENSIONS)
        merged = {**attributes, **{k: v for k, v in extra.items() if not (sized and k in _DIMENSIONS)}}
        ordered = sorted(merged, key=lambda name: _ORDER.index(name) if name in _ORDER else len(_ORDER))
        return "<img" + "".join(f' {name}="{html.escape(merged[name])}"' for name in ordered) + ">"

    return _IMG.sub(rewrite, body_html)


def _attributes(tag: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _ATTRIBUTE.findall(tag)}
