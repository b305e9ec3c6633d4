"""Steps 3 and 4 of the build: the stories' terms collected, and every page and feed of the site planned.

Pages are planned before any is rendered. A Job's key is a hash of everything its page shows:
the site's settings, templates and assets, and the cards, body, terms and related stories on it;
its context is made from the same values, so a template cannot show what the key leaves out.
A build renders only the pages whose key it has not seen. Computing every key is most of a
rebuild's work, and all of them but the article bodies' hashes depend on the stories' cards
alone, so a Plan remembers them (and what an article shows of the terms: taxonomy.ArticleTerms)
for the next build with the same cards: a body edit then neither groups the terms nor plans a
page, and hashes two strings per article. Article and list pages are given Cards and TermLinks (an
article shows other stories, related or beside it, as Briefs), never Posts or Terms; the few pages
that show every term (terms.html, archive.html) are keyed by every card (their names, counts and
links come from the cards), and a theme must show nothing else of a term's stories there.

make() decides how much of the last plan (kept in the cache's plans table, with the terms' slugs in
the slugs table: see Table) this build can take.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple, Protocol

from sitegen import codec, feeds, taxonomy
from sitegen.bodies import HtmlOf
from sitegen.cache import Cache, View, guarded, seal
from sitegen.codec import Codec
from sitegen.config import Config
from sitegen.content import Brief, Card, Post
from sitegen.feeds import Feed
from sitegen.keys import cards_key, digest, places_key
from sitegen.output import safe_paths
from sitegen.slugs import slugify
from sitegen.taxonomy import KINDS, ArticleTerms, Terms, names_of, related


class Job(NamedTuple):
    """One HTML page to make: its URL, template and key, and how to build its template context.

    A tuple: a build that plans its pages again makes one for every page of the site."""

    path: str
    template: str
    key: str
    context: Callable[[HtmlOf], dict[str, Any]]


@dataclass(frozen=True)
class Pager:
    """One page of a paginated list."""

    number: int
    count: int
    items: Sequence[Card]
    first_url: str

    def url_of(self, number: int) -> str:
        return page_url(self.first_url, number)

    @property
    def url(self) -> str:
        return self.url_of(self.number)

    @property
    def prev_url(self) -> str | None:
        return self.url_of(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url_of(self.number + 1) if self.number < self.count else None


class Plan(NamedTuple):
    """What a page or feed of the site is, as far as the stories' cards (and the site) decide it: a build
    with the same cards as the last one (a body edited, nothing else) takes it from the cache instead of
    grouping the terms and planning every page again; a build with a few other cards (a topic or a title
    edited) takes from it the frames of the articles those cards do not show in (see kept_frames()).

    paths and keys: every HTML page's in plan order, an article's key its frame; articles: where the
    articles start (in the posts' order); slugs and pools: each term's (kind, name) -> its slug and its
    pool's places in the posts, all an article page needs of the terms; feeds: each feed's path, title,
    page and the places of the posts it shows; site, cards and briefs: the site's key, each post's card's
    and its brief's (see content.Brief); lists: each list's signature, first page and number of pages, by
    its first page's URL (see Lists).
    """

    paths: list[str]
    keys: list[str]
    articles: int
    slugs: dict[tuple[str, str], str]
    pools: dict[tuple[str, str], tuple[int, ...]]
    feeds: list[Feed]
    site: str
    cards: list[str]
    briefs: list[str]
    lists: dict[str, tuple[str, int, int]]

    def pages(self, posts: Sequence[Post]) -> list[tuple[str, str]]:
        """Every page's path and key: an article's frame with its body's hash."""
        pages = list(zip(self.paths, self.keys, strict=True))
        for i, post in enumerate(posts, self.articles):
            pages[i] = (pages[i][0], pages[i][1] + post.body_sha)
        return pages

    def terms(self, posts: list[Post]) -> ArticleTerms:
        """What article pages show of the terms: their slugs and pools, as the plan keeps them."""
        order = {post.slug: i for i, post in enumerate(posts)}
        return ArticleTerms(self.slugs, self.pools, order, tuple(posts))

    def article(self, posts: list[Post], i: int, terms: ArticleTerms) -> Job:
        """The job of the article at place i, from the plan and its terms()."""
        return _article_job(posts, i, self.keys[self.articles + i], terms)


def changed_cards(last: Plan, site: str, posts: Sequence[Post]) -> set[int] | None:
    """The places of the posts whose cards are not the last plan's, when the posts are the same ones in the
    same order and at most a tenth of them changed; else None: nothing of the last plan is kept."""
    count = len(posts)
    articles = last.paths[last.articles : last.articles + count]
    if last.site != site or len(last.cards) != count or articles != [post.url for post in posts]:
        return None
    changed = {i for i, (card, post) in enumerate(zip(last.cards, posts, strict=True)) if card != post.card.key}
    return changed if len(changed) <= count // 10 else None


def kept_frames(last: Plan, posts: Sequence[Post], terms: Terms, changed: set[int] | None) -> dict[int, str]:
    """The frames of the last plan's articles (by place) that are the same in this one; changed: from
    changed_cards(), None to keep none.

    An article's frame (see article_jobs()) shows its card, its neighbours' briefs and each of its terms'
    link and pool: it is the same unless it has another card, a neighbour another brief, or one of its
    terms another slug, another pool or a pool with a post whose brief changed. A topic edit changes the
    article's own frame, and those of the articles of the topics whose pools it joined or left.
    """
    if changed is None:
        return {}
    briefed = {i for i in changed if last.briefs[i] != posts[i].card.brief}
    shown = changed | {i - 1 for i in briefed} | {i + 1 for i in briefed}
    for key, places in terms.pools.items():
        term = terms.index[key]
        if last.pools.get(key) != places or last.slugs.get(key) != term.slug or not briefed.isdisjoint(places):
            shown.update(term.places)
    return {i: last.keys[last.articles + i] for i in range(len(posts)) if i not in shown}


class Lists:
    """The keys of list pages that a plan takes from the last one, and each list's signature for the next.

    A list page's key (see list_jobs()) hashes the list's title, its page's number, the number of pages
    and of posts, and the cards it shows. A list with the same signature as in the last plan (its title,
    and its posts by place) keeps the keys of its pages whose posts' cards did not change: a topic edit
    hashes again the pages of the two topics, and one page of each other list that shows the post.
    """

    def __init__(self, last: Plan | None = None, changed: set[int] | None = None) -> None:
        self.changed = changed if changed is not None else set()
        self.last = last if changed is not None else None
        self.signatures: dict[str, tuple[str, int]] = {}  # first URL -> signature, number of pages

    def known(self, first_url: str, title: str, extras: str, places: Sequence[int], count: int) -> bool:
        """Whether the list's pages' keys in the last plan can be kept (places: its posts'); records its signature."""
        signature = digest(title, extras, places_key(places))
        self.signatures[first_url] = (signature, count)
        old = self.last.lists.get(first_url) if self.last is not None else None
        return old is not None and old[0] == signature

    def key(self, first_url: str, number: int) -> str:
        """The key of page number of the list, in the last plan."""
        assert self.last is not None
        return self.last.keys[self.last.lists[first_url][1] + number - 1]


def planned(
    cfg: Config, site: str, posts: list[Post], terms: Terms, jobs: list[Job], feeds: list[Feed], lists: Lists
) -> Plan:
    """The Plan of jobs (from plan(), with lists), to remember for the next build."""
    articles = page_count(len(posts), cfg.per_page)
    keys = [job.key for job in jobs]
    for i, post in enumerate(posts, articles):
        keys[i] = keys[i][: -len(post.body_sha)]  # the frame
    paths = [job.path for job in jobs]
    first = {path: i for i, path in enumerate(paths) if path in lists.signatures}
    return Plan(
        paths,
        keys,
        articles,
        {key: term.slug for key, term in terms.index.items()},
        terms.pools,
        feeds,
        site,
        [post.card.key for post in posts],
        [post.card.brief for post in posts],
        {url: (signature, first[url], count) for url, (signature, count) in lists.signatures.items()},
    )


def page_count(posts: int, per_page: int) -> int:
    """The number of pages of a list of posts (the home list's come before the articles in a plan)."""
    return max(1, -(-posts // per_page))


def page_url(first_url: str, number: int) -> str:
    return first_url if number == 1 else f"{first_url}page/{number}/"


def _fixed(context: dict[str, Any], _: HtmlOf) -> dict[str, Any]:
    return context


def _plain(site: str, template: str, path: str) -> Job:
    """A page that shows nothing but the site (search, 404)."""
    return Job(path, template, digest(site, template, path), partial(_fixed, {}))


def _article(
    post: Post, older: Post | None, newer: Post | None, terms: ArticleTerms, html_of: HtmlOf
) -> dict[str, Any]:
    links = {k.key: tuple(terms.link(k.key, n) for n in names_of(post, k.key)) for k in KINDS}
    return {
        "story": post.card,
        "body": html_of(post),
        "terms": links,
        "related": [_brief(other) for other in related(post, terms)],
        "older": _brief(older) if older else None,
        "newer": _brief(newer) if newer else None,
    }


def _brief(post: Post) -> Brief:
    return Brief.of(post.url, post.meta)


def article_jobs(site: str, posts: list[Post], terms: ArticleTerms, kept: dict[int, str]) -> Iterator[Job]:
    """posts newest first: 'previous' is the older neighbour, 'next' the newer one.

    A page's key is its frame (what it shows but the body) with its body's hash. related()
    looks only at the pools of the story's terms, so their Briefs' keys stand for it in the frame.
    kept: frames known already, by place (see kept_frames()).
    """
    shown: dict[tuple[str, str], str] = {}  # (kind, name) -> a key of what an article shows of the term

    def term_key(kind: str, name: str) -> str:
        key = shown.get((kind, name))
        if key is None:
            link = terms.link(kind, name)
            key = shown[(kind, name)] = digest(link.url, name, *(p.card.brief for p in terms.pool(kind, name)))
        return key

    def frame(i: int) -> str:
        post, (older, newer) = posts[i], _neighbours(posts, i)
        return digest(
            site,
            "article.html",
            post.url,
            post.card.key,
            *(term_key(k.key, name) for k in KINDS for name in names_of(post, k.key)),
            older.card.brief if older else "",
            newer.card.brief if newer else "",
        )

    for i in range(len(posts)):
        known = kept.get(i)
        yield _article_job(posts, i, frame(i) if known is None else known, terms)


def _neighbours(posts: list[Post], i: int) -> tuple[Post | None, Post | None]:
    """The older and the newer post beside place i (posts newest first)."""
    return posts[i + 1] if i + 1 < len(posts) else None, posts[i - 1] if i > 0 else None


def _article_job(posts: list[Post], i: int, frame: str, terms: ArticleTerms) -> Job:
    """The article at place i: its key is its frame and its body's hash side by side (no hash of the two)."""
    older, newer = _neighbours(posts, i)
    return Job(
        posts[i].url, "article.html", frame + posts[i].body_sha, partial(_article, posts[i], older, newer, terms)
    )


def _list(
    title: str, posts: Sequence[Post], pager: tuple[int, int, str, int], extra: dict[str, Any], _: HtmlOf
) -> dict[str, Any]:
    number, count, first_url, per_page = pager
    cards = [p.card for p in posts[(number - 1) * per_page : number * per_page]]
    return {"title": title, "pager": Pager(number, count, cards, first_url), "total": len(posts), **extra}


def _list_key(site: str, url: str, shown: tuple[str, ...], posts: Sequence[Post]) -> str:
    return digest(site, "list.html", url, *shown, *(p.card.key for p in posts))


def list_jobs(
    site: str,
    title: str,
    posts: Sequence[Post],
    places: Sequence[int],
    first_url: str,
    per_page: int,
    lists: Lists | None,
    **extra: Any,
) -> Iterator[Job]:
    """The pages of a list (places: its posts' in the newest-first list of all); each page's Pager is made
    when it is rendered, not kept for every page of the archive. lists: the keys kept from the last plan (see Lists), or None."""
    count = page_count(len(posts), per_page)
    extras = repr(sorted(extra.items()))
    kept = lists if lists is not None and lists.known(first_url, title, extras, places, count) else None
    for number in range(1, count + 1):
        url = page_url(first_url, number)
        start, end = (number - 1) * per_page, number * per_page
        if kept is not None and kept.changed.isdisjoint(places[start:end]):
            key = kept.key(first_url, number)
        else:
            key = _list_key(site, url, (title, str(number), str(count), str(len(posts)), extras), posts[start:end])
        yield Job(url, "list.html", key, partial(_list, title, posts, (number, count, first_url, per_page), extra))


def jobs(
    cfg: Config,
    site: str,
    posts: list[Post],
    terms: Terms,
    kept: dict[int, str] | None = None,
    lists: Lists | None = None,
) -> Iterator[Job]:
    """Every HTML page of the site, in a fixed order: the home list, the articles, the terms, the archive.
    kept: the articles' frames known already (see kept_frames()); lists: the list pages' keys (see Lists)."""
    every = cards_key(site, [p.card.key for p in posts])  # what the pages that show every term show
    yield from list_jobs(site, cfg.title, posts, range(len(posts)), "", cfg.per_page, lists, home=True)
    yield from article_jobs(site, posts, terms.for_articles(), kept or {})
    for kind in KINDS:
        kind_terms = terms.by_kind[kind.key]
        context = {"kind": kind, "terms": kind_terms}
        yield Job(f"{kind.key}/", "terms.html", digest(every, "terms.html", kind.key), partial(_fixed, context))
        for term in kind_terms:
            feed = f"{term.url}atom.xml" if kind.key == "topics" else None
            title = f"{kind.label}：{term.name}"
            yield from list_jobs(site, title, term.stories, term.places, term.url, cfg.per_page, lists, feed=feed)
    archive = {
        "years": terms.years,
        "topics": terms.by_kind["topics"],
        "total": len(posts),
        "undated": len(posts) - sum(len(year.places) for year in terms.years),  # the years hold every dated post
    }
    yield Job("archive/", "archive.html", digest(every, "archive.html"), partial(_fixed, archive))
    for period in (*terms.years, *terms.months):
        label = period.name.replace("/", "年") + ("月" if "/" in period.name else "年")
        first_url = f"archive/{period.slug}/"
        yield from list_jobs(site, f"归档：{label}", period.stories, period.places, first_url, cfg.per_page, lists)
    yield _plain(site, "search.html", "search/")
    yield _plain(site, "404.html", "404.html")


codec.register(Plan)
PLAN: Codec[Plan] = Codec(Plan)


class Table(View):
    """The plans table (the last build's Plan alone, with the hash of the site and cards it was made for)
    and the slugs table (each term's pinyin slug: pinyin is slow to load, and a build asks for thousands)."""

    def __init__(self, store: Cache) -> None:
        super().__init__(store)
        self._slugs: dict[str, str] | None = None  # the slugs table, read whole when first needed

    @guarded
    def last(self) -> tuple[str, Plan | None]:
        """The last build's plan, with the hash of the site and cards it was made for ("", None: none)."""
        row = self.store.db.execute("SELECT cards, plan FROM plans").fetchone()
        if row is None:
            return "", None
        plan = self.store.value(PLAN, f"plans/{row[0]}", row[1])
        pages = [path + "index.html" if path == "" or path.endswith("/") else path for path in plan.paths]
        if not safe_paths([*pages, *(feed[0] for feed in plan.feeds)]):
            raise self.store.damaged(f"plans/{row[0]} names a page outside the output folder")
        return row[0], plan

    @guarded
    def save(self, cards: str, plan: Plan) -> None:
        """Only the last build's is kept."""
        self.store.db.execute("DELETE FROM plans")
        self.store.db.execute("INSERT INTO plans VALUES (?, ?)", (cards, seal(f"plans/{cards}", PLAN.encode(plan))))

    @guarded
    def slug(self, name: str) -> str:
        """slugs.slugify(name), remembered. The table is read in one query."""
        if self._slugs is None:
            self._slugs = {
                name: self.store.text(f"slugs/{name}", sealed)
                for name, sealed in self.store.db.execute("SELECT * FROM slugs")
            }
            if not safe_paths(list(self._slugs.values())) or any("/" in slug for slug in self._slugs.values()):
                raise self.store.damaged("slugs holds a slug that is not a file name")
        slug = self._slugs.get(name)
        if slug is None:
            slug = self._slugs[name] = slugify(name)
            self.store.db.execute("INSERT INTO slugs VALUES (?, ?)", (name, seal(f"slugs/{name}", slug.encode())))
            self.store.wrote()
        return slug


def feed_plan(cfg: Config, posts: list[Post], terms: Terms) -> list[Feed]:
    """The site's feed and each topic's: path, title, page, and the places of the posts it shows."""
    topics = terms.by_kind[taxonomy.TOPICS.key]
    return [
        (f"{page}atom.xml", title, page, tuple(terms.order[p.slug] for p in feeds.shown(cfg, stories)))
        for title, page, stories in [
            (cfg.title, "", posts),
            *((f"{cfg.title}：{t.name}", t.url, t.stories) for t in topics),
        ]
    ]


class Planned(Protocol):
    """The site's pages as this build plans them: every page's path and key in plan order (pages), the job
    of any of them, made only for the pages to render (job()), and the Plan for the next build (finish())."""

    pages: list[tuple[str, str]]

    def job(self, i: int) -> Job: ...

    def finish(self) -> Plan:
        """The plan, kept in the cache (when there is one) for the next build; called once the pages are made."""
        ...


class Fresh:
    """Terms collected and every page planned, taking from the last plan the keys its cards allow."""

    def __init__(
        self,
        cfg: Config,
        site: str,
        posts: list[Post],
        last: Plan | None,
        slug_of: Callable[[str], str],
        keep: Callable[[Plan], None],
    ) -> None:
        self.cfg, self.site, self.posts, self.keep = cfg, site, posts, keep
        terms = taxonomy.collect(posts, slug_of)
        changed = changed_cards(last, site, posts) if last is not None else None
        kept = kept_frames(last, posts, terms, changed) if last is not None else {}
        self.lists = Lists(last, changed)
        self.jobs = list(jobs(cfg, site, posts, terms, kept, self.lists))
        self.terms: Terms | None = terms
        self.pages = [(job.path, job.key) for job in self.jobs]

    def job(self, i: int) -> Job:
        return self.jobs[i]

    def finish(self) -> Plan:
        """The Plan of the jobs; the jobs and terms are let go (the search index needs the memory more)."""
        assert self.terms is not None, "finish() is called once"
        terms, self.terms = self.terms, None
        feeds = feed_plan(self.cfg, self.posts, terms)
        plan = planned(self.cfg, self.site, self.posts, terms, self.jobs, feeds, self.lists)
        self.jobs = []
        self.keep(plan)
        return plan


class Kept:
    """The last build's plan, for the same cards: the jobs of the pages to render made from it alone, an
    article's from the plan's terms; any other page's (one changed or removed by hand in output/, say) once
    the terms are grouped and every page planned, which the plan was kept to spare."""

    def __init__(self, cfg: Config, site: str, posts: list[Post], plan: Plan, slug_of: Callable[[str], str]) -> None:
        self.cfg, self.site, self.posts, self.plan, self.slug_of = cfg, site, posts, plan, slug_of
        self.terms: ArticleTerms | None = None
        self.every: list[Job] | None = None
        self.pages = plan.pages(posts)

    def job(self, i: int) -> Job:
        if 0 <= i - self.plan.articles < len(self.posts):
            self.terms = self.terms or self.plan.terms(self.posts)
            return self.plan.article(self.posts, i - self.plan.articles, self.terms)
        if self.every is None:
            terms = taxonomy.collect(self.posts, self.slug_of)
            self.every = list(jobs(self.cfg, self.site, self.posts, terms))
        return self.every[i]

    def finish(self) -> Plan:
        return self.plan


def make(cfg: Config, site: str, posts: list[Post], store: Cache | None) -> Planned:
    """The pages of the site: the last build's plan when the cards are the same (a body edited), else
    planned again, keeping what the last plan's cards allow. Without a store (`sitegen check`), planned."""
    table = Table(store) if store is not None else None
    made_for, last = table.last() if table is not None else ("", None)
    cards = cards_key(site, [p.card.key for p in posts])
    slug_of = table.slug if table is not None else slugify
    if last is not None and made_for == cards:
        return Kept(cfg, site, posts, last, slug_of)
    keep = partial(table.save, cards) if table is not None else _nowhere
    return Fresh(cfg, site, posts, last, slug_of, keep)


def _nowhere(plan: Plan) -> None:
    """A plan made with no cache to keep it in."""
