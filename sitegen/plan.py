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
from datetime import date
from functools import partial
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from sitegen import codec, feeds, taxonomy
from sitegen.bodies import HtmlOf
from sitegen.cache import Cache, View, guarded, seal
from sitegen.codec import Codec
from sitegen.config import Config
from sitegen.content import Brief, Card, Post
from sitegen.feeds import Feed
from sitegen.frontmatter import sort_key
from sitegen.keys import cards_key, digest, places_key
from sitegen.output import safe_paths
from sitegen.sitemap import PAGE_FOLDER
from sitegen.slugs import slugify
from sitegen.taxonomy import KINDS, REGIONS, TOPICS, ArticleTerms, Term, Terms, by_topic, names_of, related

T = TypeVar("T")


class Job(NamedTuple):
    """One HTML page to make: its URL, template and key, and how to build its template context.

    A tuple: a build that plans its pages again makes one for every page of the site."""

    path: str
    template: str
    key: str
    context: Callable[[HtmlOf], dict[str, Any]]


Crumb = tuple[str, str]  # a breadcrumb: the name and site-relative URL of a page above (or the page itself)
HOME: tuple[Crumb, ...] = (("首页", ""),)
WINDOW = 2  # the page numbers a list's pagination shows on each side of the current one


@dataclass(frozen=True)
class Pager(Generic[T]):
    """One page of a paginated list."""

    number: int
    count: int
    items: Sequence[T]
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

    def numbers(self) -> list[int | None]:
        """The page numbers to link: the first, the last and WINDOW on each side of this one; None for the
        numbers left out between them (1 None 4 5 6 7 8 None 250), unless that is a single number."""
        shown = sorted({1, self.count, *range(max(1, self.number - WINDOW), min(self.count, self.number + WINDOW) + 1)})
        numbers: list[int | None] = []
        last = 0
        for number in shown:
            if number - last > 1:
                numbers.append(last + 1 if number - last == 2 else None)
            numbers.append(number)
            last = number
        return numbers


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
    return first_url if number == 1 else f"{first_url}{PAGE_FOLDER}{number}/"


def _fixed(context: dict[str, Any], _: HtmlOf) -> dict[str, Any]:
    return context


def _plain(site: str, template: str, path: str) -> Job:
    """A page that shows nothing but the site (search, 404)."""
    return Job(path, template, digest(site, template, path), partial(_fixed, {}))


def _article(
    post: Post, older: Post | None, newer: Post | None, terms: ArticleTerms, html_of: HtmlOf
) -> dict[str, Any]:
    links = {k.key: tuple(terms.link(k.key, n) for n in names_of(post, k.key)) for k in KINDS}
    topics = links[TOPICS.key]
    above = ((topics[0].name, topics[0].url),) if topics else (("全部报道", "posts/"),)
    return {
        "crumbs": (*HOME, *above, (post.meta.title, post.url)),
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
    page = Pager(number, count, cards, first_url)
    crumbs = _numbered(extra.get("trail", ()), page)
    return {"title": title, "pager": page, "total": len(posts), **extra, "crumbs": crumbs}


def _numbered(trail: tuple[Crumb, ...], pager: Pager[Any]) -> tuple[Crumb, ...]:
    """A list page's breadcrumbs: the list's trail (ending with the list), then the page's number past page 1."""
    return (*trail, (f"第 {pager.number} 页", pager.url)) if pager.number > 1 else trail


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
    *,
    at: str | None = None,
    **extra: Any,
) -> Iterator[Job]:
    """The pages of a list (places: its posts' in the newest-first list of all); each page's Pager is made
    when it is rendered, not kept for every page of the archive. lists: the keys kept from the last plan (see Lists), or None.
    at: a path that shows the list's first page alone (its pager linking the list's pages), planned instead.
    extra: what else the pages show (a trail of breadcrumbs, a feed, links to other pages), in their keys."""
    count = page_count(len(posts), per_page)
    extras = repr(sorted(extra.items()))
    where, planned = (first_url, count) if at is None else (at, 1)
    kept = lists if lists is not None and lists.known(where, title, extras, places, planned) else None
    for number in range(1, planned + 1):
        url = page_url(where, number)
        start, end = (number - 1) * per_page, number * per_page
        if kept is not None and kept.changed.isdisjoint(places[start:end]):
            key = kept.key(where, number)
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
    """Every HTML page of the site, in a fixed order: the home list, the articles, the terms (a region's topics
    after it), the archive, the list of all posts, the corrections, and the index of each list's page/ folder.
    kept: the articles' frames known already (see kept_frames()); lists: the list pages' keys (see Lists)."""
    every = cards_key(site, [p.card.key for p in posts])  # what the pages that show every term show
    paged: list[tuple[str, str]] = []  # the first URL and title of each list of more than one page

    def listing(
        title: str, stories: Sequence[Post], places: Sequence[int], first_url: str, **extra: Any
    ) -> Iterator[Job]:
        if len(stories) > cfg.per_page:
            paged.append((first_url, title))
        return list_jobs(site, title, stories, places, first_url, cfg.per_page, lists, **extra)

    yield from listing(cfg.title, posts, range(len(posts)), "", home=True, trail=HOME)
    yield from article_jobs(site, posts, terms.for_articles(), kept or {})
    for kind in KINDS:
        context = {"kind": kind, "terms": terms.by_kind[kind.key], "crumbs": _kind_trail(kind.key)}
        if kind is REGIONS:
            context["tree"] = _tree(terms, None)
        yield Job(f"{kind.key}/", "terms.html", digest(every, "terms.html", kind.key), partial(_fixed, context))
        for term in terms.by_kind[kind.key]:
            title = f"{kind.label}：{term.name}"
            yield from listing(title, term.stories, term.places, term.url, **_term_extra(terms, term))
            if kind is REGIONS:
                for topic, stories, places, url in _region_topics(terms, term):
                    title = f"{REGIONS.label}：{term.name} · {TOPICS.label}：{topic}"
                    yield from listing(title, stories, places, url, **_region_topic_extra(terms, term, topic, url))
                yield _region_topics_job(site, terms, term)
    yield _archive_job(every, terms, len(posts))
    for year in terms.years:
        yield from listing(f"归档：{year.name}年", year.stories, year.places, year.url, **_year_extra(terms, year))
    for month in terms.months:
        y, m = month.name.split("/")
        trail = (*_year_trail(y), (f"{int(m)}月", month.url))
        yield from listing(f"归档：{y}年{int(m)}月", month.stories, month.places, month.url, trail=trail)
    yield from _all_posts(site, posts, cfg.per_page, lists)
    entries = corrections(posts)
    if len(entries) > CORRECTIONS_PER_PAGE:
        paged.append((CORRECTIONS, "更正"))
    yield from correction_jobs(site, entries)
    yield _plain(site, "search.html", "search/")
    yield _plain(site, "404.html", "404.html")
    yield from (_folder_job(site, first_url, title) for first_url, title in paged)


def _kind_trail(kind: str) -> tuple[Crumb, ...]:
    label = next(k.label for k in KINDS if k.key == kind)
    return (*HOME, (label, f"{kind}/"))


def _trail(terms: Terms, term: Term) -> tuple[Crumb, ...]:
    """首页 › 地区 › 江西省 › 吉安市: the way from the home page to a term's list (through the regions above it)."""
    above = terms.ancestors(term.name) if term.kind == REGIONS.key else ()
    return (*_kind_trail(term.kind), *((t.name, t.url) for t in above), (term.name, term.url))


def _counted(found: Sequence[Term]) -> tuple[tuple[str, str, int], ...]:
    """Terms as a page links them: name, URL and number of stories (plain values: they go into keys)."""
    return tuple((t.name, t.url, len(t.stories)) for t in found)


def _term_extra(terms: Terms, term: Term) -> dict[str, Any]:
    """What a term's list shows besides its stories: its trail and feed; a region's, the regions above and
    below it and its topics (their lists of the region's stories; not their counts, which a topic edit would
    change on every page of the list: the region's topics/ page shows them)."""
    extra: dict[str, Any] = {"trail": _trail(terms, term), "feed": f"{term.url}atom.xml"}
    if term.kind == REGIONS.key:
        parent = terms.parents.get(term.name)
        extra["parent"] = (parent, terms.lookup(REGIONS.key, parent).url) if parent is not None else None
        extra["children"] = _counted(terms.children(term.name))
        extra["topics"] = tuple((name, url) for name, _, _, url in _region_topics(terms, term))
    return extra


def _tree(terms: Terms, region: str | None) -> tuple[tuple[Term, Any], ...]:
    """The regions below one (None: the roots), each with the tree below it: 省 → 市 → 县."""
    return tuple((child, _tree(terms, child.name)) for child in terms.children(region))


def _region_topics(terms: Terms, region: Term) -> list[tuple[str, tuple[Post, ...], tuple[int, ...], str]]:
    """Each topic a region has stories in: its name, the stories and their places, and the URL of their list."""
    return [
        (name, stories, places, f"{region.url}{TOPICS.key}/{terms.lookup(TOPICS.key, name).slug}/")
        for name, stories, places in by_topic(region)
    ]


def _region_topic_extra(terms: Terms, region: Term, topic: str, url: str) -> dict[str, Any]:
    whole = terms.lookup(TOPICS.key, topic)
    return {"trail": (*_trail(terms, region), (topic, url)), "see_also": ((f"{TOPICS.label}：{topic}", whole.url),)}


def _region_topics_job(site: str, terms: Terms, region: Term) -> Job:
    """regions/<region>/topics/: the region's topics, each linking its list of the region's stories."""
    path = f"{region.url}{TOPICS.key}/"
    items = tuple((name, url, len(stories)) for name, stories, _, url in _region_topics(terms, region))
    context = {
        "title": f"{region.name} · {TOPICS.label}",
        "items": items,
        "crumbs": (*_trail(terms, region), (TOPICS.label, path)),
    }
    return Job(
        path, "folder.html", digest(site, "folder.html", path, repr(sorted(context.items()))), partial(_fixed, context)
    )


def _year_trail(year: str) -> tuple[Crumb, ...]:
    return (*HOME, ("归档", "archive/"), (f"{year}年", f"archive/{year}/"))


def _year_extra(terms: Terms, year: Term) -> dict[str, Any]:
    """A year's list shows its trail and links its months, with their counts, January first."""
    months = [m for m in terms.months if m.name.startswith(f"{year.name}/")]
    shown = tuple((f"{int(m.name[5:])}月", m.url, len(m.stories)) for m in reversed(months))
    return {"trail": _year_trail(year.name), "months": shown}


def _archive_job(every: str, terms: Terms, total: int) -> Job:
    """The archive: a calendar of years and months with their counts, and the topics (keyed by every card)."""
    context = {
        "calendar": calendar(terms),
        "years": terms.years,
        "topics": terms.by_kind[TOPICS.key],
        "total": total,
        "undated": total - sum(len(year.places) for year in terms.years),  # the years hold every dated post
        "crumbs": (*HOME, ("归档", "archive/")),
    }
    return Job("archive/", "archive.html", digest(every, "archive.html"), partial(_fixed, context))


def calendar(terms: Terms) -> tuple[tuple[str, str, int, tuple[tuple[int, str, int], ...]], ...]:
    """Each year (newest first) with its URL and count, and its twelve months: number, URL and count (a month
    with no story: "" and 0)."""
    months = {m.name: m for m in terms.months}
    rows = []
    for year in terms.years:
        cells = []
        for number in range(1, 13):
            month = months.get(f"{year.name}/{number:02d}")
            cells.append((number, month.url, len(month.stories)) if month is not None else (number, "", 0))
        rows.append((year.name, year.url, len(year.stories), tuple(cells)))
    return tuple(rows)


ALL_POSTS = "posts/"


def _all_posts(site: str, posts: Sequence[Post], per_page: int, lists: Lists | None) -> Iterator[Job]:
    """posts/: the first page of the list of all stories, whose next pages are the home list's."""
    title = "全部报道"
    trail = (*HOME, (title, ALL_POSTS))
    yield from list_jobs(site, title, posts, range(len(posts)), "", per_page, lists, at=ALL_POSTS, trail=trail)


CORRECTIONS = "corrections/"
CORRECTIONS_PER_PAGE = 50


class Corrected(NamedTuple):
    """A correction (更正) as the corrections page lists it: the story it corrects, and what and when."""

    story: Card
    date: date
    text: str


def corrections(posts: Sequence[Post]) -> list[Corrected]:
    """Every story's corrections, newest first (of one day, the newer story's first, then in its own order)."""
    found = [
        (sort_key(c.date), -place, -n, Corrected(post.card, c.date, c.text))
        for place, post in enumerate(posts)
        for n, c in enumerate(post.meta.corrections)
    ]
    return [entry for *_, entry in sorted(found, key=lambda f: f[:3], reverse=True)]


def correction_jobs(site: str, entries: Sequence[Corrected]) -> Iterator[Job]:
    """The pages of the corrections list: each keyed by the cards of the stories it shows, which hold the
    corrections."""
    count = page_count(len(entries), CORRECTIONS_PER_PAGE)
    for number in range(1, count + 1):
        shown = entries[(number - 1) * CORRECTIONS_PER_PAGE : number * CORRECTIONS_PER_PAGE]
        pager = Pager(number, count, shown, CORRECTIONS)
        crumbs = _numbered((*HOME, ("更正", CORRECTIONS)), pager)
        context = {"title": "更正", "pager": pager, "total": len(entries), "crumbs": crumbs}
        cards = (f"{entry.story.key} {entry.date.isoformat()}" for entry in shown)
        key = digest(site, "corrections.html", pager.url, str(count), str(len(entries)), *cards)
        yield Job(pager.url, "corrections.html", key, partial(_fixed, context))


def _folder_job(site: str, first_url: str, title: str) -> Job:
    """The index of a list's page/ folder: it sends the reader to the list's first page."""
    path = f"{first_url}{PAGE_FOLDER}"
    context = {"title": title, "target": first_url}
    return Job(path, "redirect.html", digest(site, "redirect.html", path, first_url, title), partial(_fixed, context))


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
    """The site's feed and each term's (a topic's, region's, source's, tag's): path, title, page, and the places
    of the posts it shows."""
    titled: list[tuple[str, str, Sequence[Post]]] = [(cfg.title, "", posts)]
    for kind in KINDS:
        label = "" if kind is TOPICS else f"（{kind.label}）"
        titled += [(f"{cfg.title}：{t.name}{label}", t.url, t.stories) for t in terms.by_kind[kind.key]]
    return [
        (f"{page}atom.xml", title, page, tuple(terms.order[p.slug] for p in feeds.shown(cfg, stories)))
        for title, page, stories in titled
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
