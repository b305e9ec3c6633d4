"""Group stories into browse terms: topic, tag, region, source, year and month."""

from __future__ import annotations

import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from sitegen.content import Post
from sitegen.frontmatter import Meta
from sitegen.keys import word_hash


@dataclass(frozen=True)
class Kind:
    """One way of browsing: its URL folder, its Chinese label, and how a story names its terms."""

    key: str
    label: str


TOPICS = Kind("topics", "专题")
TAGS = Kind("tags", "标签")
REGIONS = Kind("regions", "地区")
SOURCES = Kind("sources", "来源")
KINDS = (TOPICS, REGIONS, SOURCES, TAGS)
RELATED_WEIGHTS = {TAGS.key: 3, REGIONS.key: 2, TOPICS.key: 1, SOURCES.key: 1}
RELATED_POOL = 200


@dataclass(frozen=True)
class Term:
    """A browse page: the stories (newest first) that share one topic, tag, region, source or period."""

    kind: str
    name: str
    slug: str
    stories: tuple[Post, ...]
    places: tuple[int, ...] = ()  # the stories' places in the newest-first list of all

    @property
    def url(self) -> str:
        return f"{self.kind}/{self.slug}/"


@dataclass(frozen=True)
class Terms:
    """Every term of the site, by kind, sorted for display."""

    by_kind: dict[str, tuple[Term, ...]]
    years: tuple[Term, ...]
    months: tuple[Term, ...]
    index: dict[tuple[str, str], Term]
    order: dict[str, int]  # slug -> place in the newest-first list, the tie-break everywhere
    stories: tuple[Post, ...]  # newest first
    pools: dict[tuple[str, str], tuple[int, ...]]  # (kind, name) -> the places of the term's pool()
    parents: dict[str, str]  # region -> the region above it (see region_parents()); none for a root

    def lookup(self, kind: str, name: str) -> Term:
        return self.index[(kind, name)]

    def children(self, region: str | None) -> tuple[Term, ...]:
        """The regions right below one (None: the roots), in the regions' display order."""
        return tuple(t for t in self.by_kind[REGIONS.key] if self.parents.get(t.name) == region)

    def ancestors(self, region: str) -> tuple[Term, ...]:
        """The regions above one, broadest first: 江西省, 吉安市 for 遂川县."""
        chain: list[Term] = []
        while (region := self.parents.get(region, "")) != "":
            chain.insert(0, self.lookup(REGIONS.key, region))
        return tuple(chain)

    def for_articles(self) -> ArticleTerms:
        """As much of the terms as an article shows (see ArticleTerms)."""
        slugs = {key: term.slug for key, term in self.index.items()}
        return ArticleTerms(slugs, self.pools, self.order, self.stories)


@dataclass(frozen=True, slots=True)
class TermLink:
    """A term as an article links to it: its name and URL, not its stories."""

    kind: str
    name: str
    slug: str

    @property
    def url(self) -> str:
        return f"{self.kind}/{self.slug}/"


@dataclass(frozen=True)
class ArticleTerms:
    """What an article page shows of the terms, and nothing else: each term's slug (its link) and pool
    (the candidates of related()). An article's key covers exactly these (see plan.article_jobs()), and
    a plan kept in the cache carries them (see plan.Plan.terms()), so an article made from the cache's
    plan shows what one made from every term shows: a template cannot reach a term's stories."""

    slugs: dict[tuple[str, str], str]
    pools: dict[tuple[str, str], tuple[int, ...]]  # (kind, name) -> the places of the term's pool()
    order: dict[str, int]  # slug -> place in the newest-first list
    stories: tuple[Post, ...]  # newest first

    def link(self, kind: str, name: str) -> TermLink:
        return TermLink(kind, name, self.slugs[(kind, name)])

    def pool(self, kind: str, name: str) -> tuple[Post, ...]:
        """The stories of the term's pool, as pool() gives them."""
        return tuple(map(self.stories.__getitem__, self.pools[(kind, name)]))


def names_of(story: Post, kind: str) -> tuple[str, ...]:
    """The terms of one kind that a story belongs to."""
    return _NAMES[kind](story.card.meta)


def _source(meta: Meta) -> tuple[str, ...]:
    return (meta.source,) if meta.source else ()


_NAMES: dict[str, Callable[[Meta], tuple[str, ...]]] = {
    TOPICS.key: operator.attrgetter("categories"),
    TAGS.key: operator.attrgetter("tags"),
    REGIONS.key: operator.attrgetter("regions"),
    SOURCES.key: _source,
}


def term_slugs(names: list[str], slug_of: Callable[[str], str]) -> dict[str, str]:
    """Pinyin slugs; names whose pinyin collides get a stable hash suffix, except the first by name."""
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(names):
        slug = slug_of(name)
        if slug in taken:
            slug = f"{slug}-{word_hash(name)[2:]}"
        taken.add(slug)
        slugs[name] = slug
    return slugs


def _members(
    metas: list[Meta],
) -> tuple[dict[str, dict[str, list[int]]], dict[int, list[int]], dict[tuple[int, int], list[int]]]:
    """Each term's stories' places (kind -> name -> places), and each year's and month's: in one pass over
    the stories, a third less time than a pass per kind."""
    kinds: dict[str, dict[str, list[int]]] = {k.key: defaultdict(list) for k in KINDS}
    named = [(kinds[k.key], _NAMES[k.key]) for k in KINDS]
    years: dict[int, list[int]] = defaultdict(list)
    months: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, meta in enumerate(metas):
        for members, names in named:
            for name in names(meta):
                members[name].append(i)
        d = meta.date
        if d is not None:
            years[d.year].append(i)
            months[(d.year, d.month)].append(i)
    return kinds, years, months


def _group(
    stories: list[Post], kind: str, members: dict[str, list[int]], slug_of: Callable[[str], str]
) -> tuple[Term, ...]:
    slugs = term_slugs(list(members), slug_of)
    terms = [_term(kind, name, slugs[name], stories, places) for name, places in members.items()]
    return tuple(sorted(terms, key=lambda t: (-len(t.stories), t.name)))


def _term(kind: str, name: str, slug: str, stories: list[Post], places: list[int]) -> Term:
    return Term(kind, name, slug, tuple(map(stories.__getitem__, places)), tuple(places))


def collect(stories: list[Post], slug_of: Callable[[str], str]) -> Terms:
    """stories must be newest first; every term keeps that order. slug_of: slugs.slugify, or a memo of it."""
    kinds, years, months = _members([story.card.meta for story in stories])
    by_kind = {k.key: _group(stories, k.key, kinds[k.key], slug_of) for k in KINDS}
    index = {(t.kind, t.name): t for terms in by_kind.values() for t in terms}
    order = {s.slug: i for i, s in enumerate(stories)}
    pools = {key: term.places[:RELATED_POOL] for key, term in index.items()}
    parents = region_parents([t.name for t in by_kind[REGIONS.key]], [s.card.meta.regions for s in stories])
    periods = (
        tuple(_term("archive", f"{y:04d}", f"{y:04d}", stories, p) for y, p in sorted(years.items(), reverse=True)),
        tuple(
            _term("archive", f"{y:04d}/{m:02d}", f"{y:04d}/{m:02d}", stories, p)
            for (y, m), p in sorted(months.items(), reverse=True)
        ),
    )
    return Terms(by_kind, *periods, index, order, tuple(stories), pools, parents)


def by_topic(region: Term) -> tuple[tuple[str, tuple[Post, ...], tuple[int, ...]], ...]:
    """A region's stories by topic: each topic it has stories in, with them and their places (newest first);
    the topics with most stories first."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, story in enumerate(region.stories):
        for name in story.card.meta.categories:
            members[name].append(i)
    found = [
        (name, tuple(map(region.stories.__getitem__, at)), tuple(map(region.places.__getitem__, at)))
        for name, at in members.items()
    ]
    return tuple(sorted(found, key=lambda t: (-len(t[1]), t[0])))


@cache
def gazetteer() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, str]]]:
    """sitegen/data/regions.tsv (see REGIONS.md) as the region pages need it: each official name's codes,
    and each code's name and parent code ("" for a province). Read here, not with extract.regions, whose
    word tables a build has no use for."""
    codes: dict[str, list[str]] = defaultdict(list)
    divisions: dict[str, tuple[str, str]] = {}
    for line in (files("sitegen") / "data" / "regions.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        code, name, parent = line.split("\t")
        codes[name].append(code)
        divisions[code] = (name, parent)
    return {name: tuple(found) for name, found in codes.items()}, divisions


def region_parents(names: Iterable[str], lists: Iterable[Sequence[str]]) -> dict[str, str]:
    """Each region's parent among the regions (names): the nearest division above it in the gazetteer that is
    one of them; a region with none is a root.

    lists: the regions each story names, broadest first (江西省, 吉安市, 遂川县). They tell which place a
    name held by several is (朝阳区 of 北京市 or of 长春市: the one whose places above are named beside it
    most), and give a name the gazetteer lacks (a 镇, a 开发区) a parent: the known region named right
    before it most often.
    """
    known = set(names)
    codes, divisions = gazetteer()
    beside: dict[str, Counter[str]] = defaultdict(Counter)
    before: dict[str, Counter[str]] = defaultdict(Counter)
    for regions in lists:
        for i, name in enumerate(regions):
            beside[name].update(regions)
            if i > 0 and name not in codes and regions[i - 1] in codes:
                before[name][regions[i - 1]] += 1
    parents: dict[str, str] = {}
    for name in sorted(known):
        if name in codes:
            above = _places_above(codes[name], divisions, beside[name])
        else:
            above = [n for n, _ in sorted(before[name].items(), key=lambda item: (-item[1], item[0]))[:1]]
        parent = next((n for n in above if n in known and n != name), None)
        if parent is not None and not _under(parent, name, parents):
            parents[name] = parent
    return parents


def _places_above(codes: tuple[str, ...], divisions: dict[str, tuple[str, str]], beside: Counter[str]) -> list[str]:
    """The names above a place, nearest first; of several places of one name, the one whose places above are
    named most beside it ([] when two are named as much: a wrong parent is worse than none)."""
    chains = []
    for code in codes:
        chain = []
        while code := divisions[code][1]:
            chain.append(divisions[code][0])
        chains.append((sum(beside[n] for n in chain), chain))
    chains.sort(key=lambda c: -c[0])
    if len(chains) > 1 and chains[0][0] == chains[1][0]:
        return []
    return chains[0][1]


def _under(region: str, name: str, parents: dict[str, str]) -> bool:
    """Whether region lies below name already: making it name's parent would close a loop."""
    while region in parents:
        region = parents[region]
        if region == name:
            return True
    return False


def pool(term: Term) -> tuple[Post, ...]:
    """The stories of a term that related() considers: the newest RELATED_POOL."""
    return term.stories[:RELATED_POOL]


def related(story: Post, terms: ArticleTerms, limit: int = 5) -> list[Post]:
    """Stories sharing the most specific terms: tags and regions weigh more than broad topics; ties go to the newer.

    Only the pool() of each term is a candidate, so a topic with thousands of stories costs
    no more than a small one, and the result depends on the story's terms and their pools alone.
    Scores are counted by Counter in C, and only the candidates that can make the top are sorted.
    """
    scores: Counter[int] = Counter()
    for kind, weight in RELATED_WEIGHTS.items():
        for name in names_of(story, kind):
            scores.update(terms.pools[(kind, name)] * weight)
    scores.pop(terms.order[story.slug], None)
    floor, taken = 0, 0
    for score, count in sorted(Counter(scores.values()).items(), reverse=True):
        floor, taken = score, taken + count
        if taken >= limit:
            break
    best = sorted((i for i, score in scores.items() if score >= floor), key=lambda i: (-scores[i], i))
    return [terms.stories[i] for i in best[:limit]]
