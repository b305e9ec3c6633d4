"""Step 2 of the build: every post's body rendered to HTML and plain text, once for its Markdown.

A body depends on its Markdown and on two settings (see keys.body_key()); the cache's bodies table
keeps each by that key, with the links it holds (for `check`). posts.load() renders the bodies of
the files that changed; Cached renders any other it lacks (another base URL, pruned) on every core
before the pages are made, which fetch them by key when they render.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sitegen import content, keys, markup, parallel
from sitegen.cache import Cache, View, guarded, seal
from sitegen.codec import Codec
from sitegen.config import Config
from sitegen.content import Post, Story
from sitegen.errors import SitegenError
from sitegen.markup import Link

Body = tuple[str, str, str, tuple[Link, ...]]  # key, HTML, text, links
HtmlOf = Callable[[Post], str]  # a post's rendered body, fetched when a page or feed needs it

BODY: Codec[tuple[str, str]] = Codec(tuple[str, str])
LINKS: Codec[tuple[Link, ...]] = Codec(tuple[Link, ...])


def key(post: Post, cfg: Config) -> str:
    """The key of a post's rendered body with this site's settings."""
    return keys.body_key(post.body_sha, cfg.remote_images, cfg.base_path)


def settings(cfg: Config) -> str:
    """What every body's key adds to its Markdown's hash with this site's settings."""
    return keys.body_settings(cfg.remote_images, cfg.base_path)


def render(cfg: Config, story: Story, body_key: str) -> Body:
    html, links = markup.render(story.body, cfg.remote_images, cfg.base_path)
    return body_key, html, markup.to_text(html), links


@dataclass(frozen=True)
class Rendered:
    """A post with its body rendered: what `bench/search` indexes of a story."""

    post: Post
    html: str
    text: str


def rendered(story: Story, cfg: Config) -> Rendered:
    html = markup.to_html(story.body, cfg.remote_images, cfg.base_path)
    return Rendered(Post.of(story), html, markup.to_text(html))


class Table(View):
    """The bodies table: body key -> its HTML and text, and its links apart (a build that reads a changed
    file asks for the links alone, to know whether its body is here)."""

    @guarded
    def body(self, body_key: str) -> tuple[str, str] | None:
        row = self.store.db.execute("SELECT body FROM bodies WHERE key = ?", (body_key,)).fetchone()
        return self.store.value(BODY, f"bodies/{body_key}", row[0]) if row else None

    @guarded
    def links(self, body_key: str) -> tuple[Link, ...] | None:
        row = self.store.db.execute("SELECT links FROM bodies WHERE key = ?", (body_key,)).fetchone()
        return self.store.value(LINKS, f"bodies.links/{body_key}", row[0]) if row else None

    @guarded
    def keys(self) -> set[str]:
        return {body_key for (body_key,) in self.store.db.execute("SELECT key FROM bodies")}

    @guarded
    def add(self, body_key: str, html: str, text: str, links: tuple[Link, ...]) -> None:
        self.store.db.execute(
            "INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)",
            (
                body_key,
                seal(f"bodies/{body_key}", BODY.encode((html, text))),
                seal(f"bodies.links/{body_key}", LINKS.encode(links)),
            ),
        )
        self.store.wrote()

    @guarded
    def complete(self, with_settings: str) -> bool:
        """Every post's body rendered with these settings is here: the last build kept those of every post
        it read (see kept()), and a post changed since then was rendered when it was read."""
        return self.store.about("bodies") == with_settings

    @guarded
    def kept(self, with_settings: str) -> None:
        """This build's bodies, rendered with these settings, are every post's (see complete())."""
        self.store.set_about("bodies", with_settings)


class Bodies(Protocol):
    def get(self, post: Post) -> tuple[str, str]:
        """A post's rendered body: its HTML and plain text."""
        ...


class Cached:
    """Bodies from the cache; any it lacks (another base URL, pruned) are rendered first, on every core.

    The cache knows when it has every body with these settings (see Table.complete()), and then
    nothing is looked up: posts.load() rendered the bodies of the files that changed.
    """

    def __init__(self, cfg: Config, store: Cache, posts: Iterable[Post]) -> None:
        self.cfg, self.table = cfg, Table(store)
        if not self.table.complete(settings(cfg)):
            have = self.table.keys()
            missing = [p for p in posts if key(p, cfg) not in have]
            for body in parallel.ordered_map(functools.partial(_reread, cfg), missing):
                self.table.add(*body)
        store.commit()  # forked workers read bodies through their own connections

    def get(self, post: Post) -> tuple[str, str]:
        found = self.table.body(key(post, self.cfg))
        if found is None:
            raise SitegenError("the build cache lost a rendered body; build again", post.path)
        return found


def _reread(cfg: Config, post: Post) -> Body:
    story = content.read_story(post.path)
    if Post.of(story).body_sha != post.body_sha:
        raise SitegenError("the post changed while the site was being built; build again", post.path)
    return render(cfg, story, key(post, cfg))


class FromStories:
    """Bodies rendered from stories in memory, for `sitegen check`, which keeps no cache."""

    def __init__(self, cfg: Config, stories: list[Story]) -> None:
        self.cfg = cfg
        self.stories = {s.path: s for s in stories}

    def get(self, post: Post) -> tuple[str, str]:
        made = rendered(self.stories[post.path], self.cfg)
        return made.html, made.text
