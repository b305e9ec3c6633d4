"""Between steps 2 and 4 of the build: the site's pictures that posts show, resized for phones and screens.

A picture is a file of the site's static/ folder that a post's body shows (an <img>, written in
Markdown or in raw HTML). A JPEG, PNG or WebP picture is resized with Pillow to each of WIDTHS
narrower than itself (never wider), in its own format, and published beside the original, which
stays; GIF, SVG and animations are published as they are. A page shows the picture's <img> with
srcset and sizes, its width and height from the file (the page does not move as it loads),
loading="lazy" (but the body's first picture: it is likely in the first screen) and
decoding="async" (markup.with_pictures() writes them).

Work done once: what a file holds (its format and size, or why it cannot be shown) is kept in the
cache's pictures table by the hash of its bytes (see Table); a resized picture is named and keyed
by that hash, its width and the encoder's settings, and made only when output/ lacks it; which
pictures each body shows is kept by the body's hash, so a build that changed no body reads none.

What a page shows, its key covers: the body HTML in the cache (bodies.py) is its Markdown's alone,
and the sizes and names are added when a page or feed shows it (Pictured). publish() hands the
later steps each post that shows a local picture with a body hash that covers the pictures too
(Post.body_sha and a digest of them), so an article's key and its feeds' change when a picture it
shows changes, and no other page's.
"""

from __future__ import annotations

import functools
import io
import os
import posixpath
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote, unquote, urlsplit

from sitegen import bodies, codec, markup, parallel
from sitegen.bodies import Bodies
from sitegen.cache import Cache, View, guarded, installed, seal
from sitegen.codec import Codec
from sitegen.config import Config
from sitegen.content import Post
from sitegen.errors import SitegenError
from sitegen.keys import digest
from sitegen.output import Output

if TYPE_CHECKING:
    from PIL.Image import Image

WIDTHS = (480, 800, 1200)  # a phone, a tablet or a phone at 2x, a desktop column at 2x
RESIZED = ("JPEG", "PNG", "WEBP")  # the formats resized; any other is published as it is
PASSED = (".svg", ".svgz")  # vector pictures: never read, no size to give
SIZES = "(max-width: 46rem) 100vw, 46rem"  # the default theme's column: at most 46rem wide (style.css)
SAVE: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80, "method": 4},
}
MODES = {"JPEG": ("L", "RGB", "CMYK"), "PNG": ("L", "LA", "RGB", "RGBA"), "WEBP": ("RGB", "RGBA")}


class Info(NamedTuple):
    """What a picture file holds, as far as pages show it; kept by the hash of its bytes."""

    format: str  # Pillow's name for it (JPEG, PNG, WEBP, GIF ...), SVG, or "" when it cannot be read
    width: int  # as shown: after its EXIF orientation
    height: int
    frames: int  # more than 1: an animation, published as it is
    problem: str  # why it cannot be shown in sizes ("" when it can)


class Variant(NamedTuple):
    rel: str
    key: str
    width: int


class Picture(NamedTuple):
    """A local picture as pages show it: its path in the site, what it holds, its smaller copies."""

    rel: str
    info: Info
    variants: tuple[Variant, ...]


codec.register(Info)
INFO: Codec[Info] = Codec(Info)
SHOWN: Codec[dict[str, tuple[str, ...]]] = Codec(dict[str, tuple[str, ...]])


class Table(View):
    """The pictures table: "file/<sha>" -> a file's Info, "shown/<settings>" -> each body's pictures (the
    src of its <img> tags but those on other sites) by the body's hash. Rows are held and written at the
    next commit: the search index may be writing meanwhile."""

    def __init__(self, store: Cache) -> None:
        super().__init__(store)
        self._held: list[tuple[str, bytes]] = []
        store.hold(self._write)

    @guarded
    def info(self, sha: str) -> Info | None:
        row = self._row(f"file/{sha}")
        return self.store.value(INFO, f"pictures/file/{sha}", row) if row is not None else None

    def add_info(self, sha: str, info: Info) -> None:
        self._held.append((f"file/{sha}", INFO.encode(info)))

    @guarded
    def shown(self, settings: str) -> dict[str, tuple[str, ...]]:
        row = self._row(f"shown/{settings}")
        return self.store.value(SHOWN, f"pictures/shown/{settings}", row) if row is not None else {}

    def set_shown(self, settings: str, shown: dict[str, tuple[str, ...]]) -> None:
        self._held.append((f"shown/{settings}", SHOWN.encode(shown)))

    def _row(self, key: str) -> object | None:
        row = self.store.db.execute("SELECT value FROM pictures WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @guarded
    def _write(self) -> None:
        for key, data in self._held:
            self.store.db.execute("INSERT OR REPLACE INTO pictures VALUES (?, ?)", (key, seal(f"pictures/{key}", data)))
        self._held.clear()


class Pictured:
    """Bodies as pages and feeds show them: each local picture's <img> with its sizes (markup.with_pictures()).

    posts: by file, the post as bodies knows it and the attributes of each picture its body shows, by src.
    problems: a warning for each picture shown as it is because its file cannot be read as a picture."""

    def __init__(
        self, texts: Bodies, posts: dict[str, tuple[Post, dict[str, dict[str, str]]]], problems: list[SitegenError]
    ) -> None:
        self.texts, self.posts, self.problems = texts, posts, problems

    def get(self, post: Post) -> tuple[str, str]:
        found = self.posts.get(post.file)
        if found is None:
            return self.texts.get(post)
        known, shown = found
        html, text = self.texts.get(known)
        return markup.with_pictures(html, functools.partial(_attributes, shown)), text


def publish(
    cfg: Config, shown: list[Post], out: Output, texts: Bodies, store: Cache | None
) -> tuple[list[Post], Pictured]:
    """The pictures the posts show, resized into out (call after the site's static/ files are in it); the
    posts with body hashes that cover their pictures, and their bodies with the pictures' sizes.

    `sitegen check` (no cache) makes no page: the posts and bodies are handed on as they are."""
    if store is None:
        return shown, Pictured(texts, {}, [])
    table = Table(store)
    sources = _sources(table, bodies.settings(cfg), shown, texts)
    static = cfg.root / cfg.static_dir
    located: dict[str, list[tuple[str, str]]] = {}  # post file -> (src, rel) of each local picture it shows
    for post in shown:
        for src in sources.get(post.body_sha, ()):
            rel = _local(src, post.url, cfg.base_path)
            if rel is not None and rel in out.files:
                located.setdefault(post.file, []).append((src, rel))
    rels = sorted({rel for found in located.values() for _, rel in found if os.path.isfile(static / rel)})
    pictures = _pictures(rels, static, out, table)
    return _with_pictures(cfg, shown, located, pictures, texts)


def _sources(table: Table, settings: str, shown: list[Post], texts: Bodies) -> dict[str, tuple[str, ...]]:
    """Each shown body's local picture addresses by its hash: kept from the last build, read from the others."""
    known = table.shown(settings)
    found: dict[str, tuple[str, ...]] = {}
    for post in shown:
        if post.body_sha not in found:
            srcs = known.get(post.body_sha)
            if srcs is None:
                srcs = tuple(dict.fromkeys(s for s in markup.image_sources(texts.get(post)[0]) if _on_site(s)))
            found[post.body_sha] = srcs
    if found != known:
        table.set_shown(settings, found)
    return found


def _on_site(src: str) -> bool:
    parts = urlsplit(src)
    return not (parts.scheme or parts.netloc) and bool(parts.path)


def _local(src: str, page_url: str, base_path: str) -> str | None:
    """The path in the site of a picture a page at page_url shows by src ('/images/a.jpg' with the base path,
    or relative to the page), or None for one outside the site."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        if not path.startswith(base_path):
            return None
        path = "/" + path[len(base_path) :]
    else:
        path = posixpath.join("/" + page_url, path)
    rel = posixpath.normpath(path).lstrip("/")
    return rel or None


def _pictures(rels: list[str], static: Path, out: Output, table: Table) -> dict[str, Picture]:
    """Each picture (by its path in the site) with its Info and its smaller copies, in out: those output/
    has already are kept, the others made on every core, one task per file."""
    infos: dict[str, Info | None] = {}
    kept: dict[str, set[int]] = {}
    todo: list[tuple[str, str, tuple[int, ...]]] = []  # rel, its file, the widths to make
    for rel in rels:
        sha = out.files[rel]
        info = infos[rel] = _passed(rel) or table.info(sha)
        wanted = _widths(info) if info is not None else WIDTHS
        kept[rel] = {w for w in wanted if out.keep(*_variant(rel, sha, w)) is not None}
        missing = tuple(w for w in wanted if w not in kept[rel])
        if info is None or missing:
            todo.append((rel, str(static / rel), missing))
    for (rel, _, _), (info, made) in zip(todo, parallel.ordered_map(_made, todo, chunk=1), strict=True):
        sha = out.files[rel]
        if infos[rel] is None:
            table.add_info(sha, info)
        infos[rel] = info
        for width, data in made:
            path, key = _variant(rel, sha, width)
            out.add(path, data, key)
            kept[rel].add(width)
    found: dict[str, Picture] = {}
    for rel in rels:
        info = infos[rel]
        assert info is not None
        widths = [w for w in _widths(info) if w in kept[rel]]
        variants = tuple(Variant(*_variant(rel, out.files[rel], w), w) for w in widths)
        found[rel] = Picture(rel, info, variants)
    return found


def _passed(rel: str) -> Info | None:
    """The Info of a vector picture, which is never read (None for any other)."""
    return Info("SVG", 0, 0, 1, "") if rel.lower().endswith(PASSED) else None


def _widths(info: Info) -> tuple[int, ...]:
    """The widths a picture is resized to: only smaller ones, and none for an animation or another format."""
    if info.problem or info.format not in RESIZED or info.frames > 1:
        return ()
    return tuple(w for w in WIDTHS if w < info.width)


def _variant(rel: str, sha: str, width: int) -> tuple[str, str]:
    """The path and key of a picture's copy at width: beside it, named by its bytes' hash, the width and the
    encoder (another Pillow writes other bytes, under another name that browsers have not kept)."""
    key = digest(sha, str(width), _encoder())
    folder, name = posixpath.split(rel)
    stem, dot, suffix = name.rpartition(".")
    stem, suffix = (stem, dot + suffix) if stem else (name, "")
    return posixpath.join(folder, f"{stem}.{width}w.{key[:10]}{suffix}"), key


@functools.cache
def _encoder() -> str:
    return digest(*installed(["Pillow"]), repr(sorted(SAVE.items())), "LANCZOS reducing_gap=3")


def _made(task: tuple[str, str, tuple[int, ...]]) -> tuple[Info, tuple[tuple[int, bytes], ...]]:
    """A picture file read (whole: a file cut short is found here), and its copies at the widths asked for
    that are narrower than it, if its format is resized."""
    from PIL import Image, ImageOps

    _, path, widths = task
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                opened.load()
                picture = ImageOps.exif_transpose(opened)
                frames = int(getattr(opened, "n_frames", 1))
                info = Info(opened.format or "", picture.width, picture.height, frames, "")
                wanted = set(_widths(info)).intersection(widths)
                return info, tuple((w, _resized(picture, info, w)) for w in sorted(wanted))
    except Exception as err:  # Pillow's readers raise many kinds: any is the file's problem, never the build's
        return Info("", 0, 0, 0, _why(err)), ()


def _resized(picture: Image, info: Info, width: int) -> bytes:
    from PIL import Image

    image = picture
    if image.mode not in MODES[info.format]:
        clear = "A" in image.mode or "transparency" in image.info
        image = image.convert("RGBA" if clear and "RGBA" in MODES[info.format] else "RGB")
    height = max(1, round(info.height * width / info.width))
    small = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    options = dict(SAVE[info.format])
    if picture.info.get("icc_profile"):
        options["icc_profile"] = picture.info["icc_profile"]
    data = io.BytesIO()
    small.save(data, info.format, **options)
    return data.getvalue()


def _why(err: Exception) -> str:
    from PIL import Image, UnidentifiedImageError

    if isinstance(err, UnidentifiedImageError):
        return "it is not a picture Pillow can read (JPEG, PNG, WebP, GIF ...)"
    if isinstance(err, Image.DecompressionBombWarning | Image.DecompressionBombError):
        return f"it has more than {Image.MAX_IMAGE_PIXELS:,} pixels"
    return f"it cannot be read ({err or type(err).__name__})"


def _with_pictures(
    cfg: Config,
    shown: list[Post],
    located: Mapping[str, Sequence[tuple[str, str]]],
    pictures: Mapping[str, Picture],
    texts: Bodies,
) -> tuple[list[Post], Pictured]:
    """The posts, those that show pictures with a body hash covering them; their bodies with the sizes."""
    shows = {rel: _shown(picture, cfg.base_path) for rel, picture in pictures.items()}
    marks = {rel: repr(picture) for rel, picture in pictures.items()}
    posts: list[Post] = []
    pictured: dict[str, tuple[Post, dict[str, dict[str, str]]]] = {}
    problems: list[SitegenError] = []
    for post in shown:
        found = [(src, rel) for src, rel in located.get(post.file, ()) if rel in pictures]
        if not found:
            posts.append(post)
            continue
        pictured[post.file] = (post, {src: shows[rel] for src, rel in found})
        posts.append(post._replace(body_sha=post.body_sha + digest(*(f"{src} {marks[rel]}" for src, rel in found))))
        problems += [_problem(post, src, pictures[rel]) for src, rel in found if pictures[rel].info.problem]
    return posts, Pictured(texts, pictured, problems)


def _shown(picture: Picture, base_path: str) -> dict[str, str]:
    """The attributes a picture's <img> gets, but loading (see _attributes())."""
    info = picture.info
    if info.problem:
        return {}
    shown = {"decoding": "async"}
    if info.width and info.height:
        shown |= {"width": str(info.width), "height": str(info.height)}
    if picture.variants:
        sizes = [(v.rel, v.width) for v in picture.variants] + [(picture.rel, info.width)]
        shown |= {"srcset": ", ".join(f"{base_path}{quote(rel)} {w}w" for rel, w in sizes), "sizes": SIZES}
    return shown


def _attributes(shown: Mapping[str, Mapping[str, str]], src: str, first: bool) -> dict[str, str] | None:
    """What an <img> of the body gets (see markup.with_pictures()): its picture's attributes, and
    loading="lazy" unless it is the body's first picture, which a reader most likely sees at once."""
    attributes = shown.get(src)
    if not attributes:
        return None
    return dict(attributes) if first else {**attributes, "loading": "lazy"}


def _problem(post: Post, src: str, picture: Picture) -> SitegenError:
    return SitegenError(
        f"the picture {src} ({picture.rel} in static/) is shown as it is: {picture.info.problem}",
        post.path,
        hint="replace the file with a JPEG, PNG, WebP or GIF picture, or take it out of the post",
        warning=True,
    )
