"""Which 省 / 市 / 县 a story is about, from the place names it mentions.

The gazetteer is sitegen/data/regions.tsv (see REGIONS.md). Every division is known by its
official name and by its short name (盐城 for 盐城市, 遂川 for 遂川县, 江苏 for 江苏省,
延边 for 延边朝鲜族自治州). Short names are where the false positives come from, so:

- forms that are ordinary words (和平, 城关, 公安, 平安 ...) are never read as places;
- a *weak* form counts only when the story also names its city or province, or a place
  under them: a two-character county form (遂川, 范县 — two characters are too easily part
  of another word: 示范县) or a form shared by places on different chains (朝阳, 鼓楼,
  朝阳区), which goes to the candidate whose city and province are named most;
- a form shared along one chain means the higher level (吉安 is 吉安市, not 吉安县), and a
  province's short name beats any other place's (海南 is 海南省, not 海南藏族自治州).

Mentions are weighted (title more than body) and added up the tree, so a county's mentions
count for its city and province; the answer is the one best-supported chain, cut where a
level has no clear winner (a story that names five counties of 盐城 is about 盐城市).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

TITLE_WEIGHT = 3
# A province needs this much weighted evidence: one passing mention in the body is not enough.
MIN_EVIDENCE = 2
# A child is kept when it holds at least this share of its parent's evidence.
DOMINANT_SHARE = 0.5

# Forms that are ordinary words far more often than places, in news text.
COMMON_WORDS = frozenset(
    ["城区", "郊区", "矿区", "东区", "西区", "市中", "城关", "老城区", "新城区", "解放区", "和平", "公安", "平安", "会同", "安居", "爱民", "惠民", "富民", "长治", "安康", "来宾", "日照", "阿里", "合作", "东方", "资源", "比如", "南部", "解放", "前进", "港口", "友好", "共和", "城中", "城北", "友谊", "中方", "凤凰", "安定", "延长", "光明", "新兴", "运河", "万年", "东风", "南岸", "工农", "大名", "富裕", "清水", "高明", "前锋", "复兴", "长子", "清新", "宏伟", "平定", "洞口", "温泉", "向阳", "振兴", "三元", "大方", "莲花", "名山", "白云", "桃源", "大观", "台前", "高台", "无为", "小店", "同心", "元宝", "宝塔", "平房", "灯塔", "白玉", "天涯", "七星", "海棠", "博爱", "同仁", "回民", "钟楼", "江岸", "龙凤", "新民", "老城", "天台", "兴业", "路南", "路北", "市北", "市南", "天长", "进贤", "新华", "安宁", "通道", "互助", "大通", "民和", "民权", "永和", "太和", "新城", "江北", "江南", "河东", "河西", "桥东", "桥西", "城东", "城西", "白塔", "石门", "金山", "宝山", "长安", "新市", "上街", "红旗", "铁西", "铁东"]
)

_ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|"
    "水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|"
    "乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各"
)
_MULTI_CHAR_ETHNIC = "|".join(e for e in _ETHNIC.split("|") if len(e) > 1)
# An ethnic group named before 自治…: 满族, 回族, or (in Xinjiang) 哈萨克 without 族.
_TRAILING_ETHNIC = re.compile(f"(?:(?:{_ETHNIC})族|(?:{_MULTI_CHAR_ETHNIC}))$")
_SUFFIXES = (
    "特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "矿区", "新区",
    "省", "市", "区", "县", "旗", "盟",
)  # fmt: skip


def short_name(name: str) -> str:
    """The name people write without the administrative suffix: 井冈山市 -> 井冈山.

    A suffix is only taken off when two characters remain, so 金林区 is 金林, not 金.
    """
    stem = name
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            break
    while (m := _TRAILING_ETHNIC.search(stem)) and m.start() >= 2:
        stem = stem[: m.start()]
    if stem.endswith("族") and len(stem) > 2:  # 东乡族自治县: the place is named after the people
        stem = stem[:-1]
    return stem


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, str]  # code -> official name
    parents: dict[str, str]  # code -> parent code, "" for a province
    forms: dict[str, tuple[str, ...]]  # surface form -> candidate codes
    weak: frozenset[str]  # forms that count only when an ancestor is named too
    lengths: tuple[int, ...]  # the lengths forms come in, longest first
    initials: frozenset[str]  # the characters forms start with

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent ...: nearest first."""
        return _ancestors(self.parents, code)


def _ancestors(parents: dict[str, str], code: str) -> list[str]:
    chain = []
    while code := parents[code]:
        chain.append(code)
    return chain


@cache
def gazetteer() -> Gazetteer:
    """Read regions.tsv once and index every division by its full and short name."""
    text = (files("sitegen") / "data" / "regions.tsv").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    parents: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        code, name, parent = line.split("\t")
        names[code] = name
        parents[code] = parent
    candidates: dict[str, set[str]] = {}
    for code, name in names.items():
        for form in {name, short_name(name)}:
            if len(form) >= 2 and form not in COMMON_WORDS:
                candidates.setdefault(form, set()).add(code)
    forms: dict[str, tuple[str, ...]] = {}
    weak: set[str] = set()
    for form, codes in candidates.items():
        if provinces := {c for c in codes if not parents[c]}:
            codes = provinces
        # Along one chain a shared form means the higher level (吉安: 吉安市 over 吉安县).
        kept = tuple(sorted(c for c in codes if not codes.intersection(_ancestors(parents, c))))
        forms[form] = kept
        if len(kept) > 1 or (len(form) == 2 and len(kept[0]) == 6):
            weak.add(form)
    lengths = tuple(sorted({len(f) for f in forms}, reverse=True))
    initials = frozenset(f[0] for f in forms)
    return Gazetteer(names, parents, forms, frozenset(weak), lengths, initials)


def _mentions(g: Gazetteer, text: str, weight: int, strong: Counter[str], weak: Counter[str]) -> None:
    """Add the place names in text: per division for unambiguous forms, per form for weak ones.

    Names overlap (平安吉安 holds 安吉, a county in 浙江, and 吉安), so every form at every
    position is a candidate and the unambiguous, then longer, then earlier ones are taken.
    """
    found = [
        (form in g.weak, -size, start, form)
        for start, char in enumerate(text)
        if char in g.initials
        for size in g.lengths
        if start + size <= len(text) and (form := text[start : start + size]) in g.forms
    ]
    taken = [False] * len(text)
    for is_weak, size, start, form in sorted(found):
        span = range(start, start - size)  # size is negated for the sort
        if any(taken[i] for i in span):
            continue
        for i in span:
            taken[i] = True
        if is_weak:
            weak[form] += weight
        else:
            strong[g.forms[form][0]] += weight


def _totals(g: Gazetteer, scores: Counter[str]) -> Counter[str]:
    """Each division's own score plus all of its descendants'."""
    totals: Counter[str] = Counter()
    for code, score in scores.items():
        for node in (code, *g.ancestors(code)):
            totals[node] += score
    return totals


def find_regions(text: str, title: str = "") -> tuple[str, ...]:
    """The official names of the 省, 市 and 县 a story is about, in that order; () if unclear.

    `text` is the story (it may include the title); `title`, when given, weighs more.
    One chain only: secondary places are usually passing mentions (a footer's address, where
    a visitor came from), and a wrong region page is worse than a missing one.
    """
    g = gazetteer()
    scores: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    _mentions(g, title, TITLE_WEIGHT, scores, weak)
    _mentions(g, text, 1, scores, weak)
    context = _totals(g, scores)
    for form, hits in weak.items():
        support = {c: sum(context[a] for a in g.ancestors(c)) for c in g.forms[form]}
        best = max(support.values())
        winners = [c for c, s in support.items() if s == best]
        if best > 0 and len(winners) == 1:
            scores[winners[0]] += hits
    totals = _totals(g, scores)
    chain: list[str] = []
    parent = ""
    while children := sorted((c for c in totals if g.parents[c] == parent), key=lambda c: -totals[c]):
        top = children[0]
        if totals[top] < (DOMINANT_SHARE * totals[parent] if parent else MIN_EVIDENCE):
            break
        if len(children) > 1 and totals[children[1]] == totals[top]:
            break  # a tie: no clear winner at this level
        chain.append(g.names[top])
        parent = top
    return tuple(chain)


def region_chain(name: str) -> tuple[str, ...]:
    """'遂川县' or '遂川' -> ('江西省', '吉安市', '遂川县'); 'A/B' picks among places of the same name.

    Raises ValueError naming the candidates when the name is unknown or ambiguous.
    """
    g = gazetteer()
    *context, last = [part.strip() for part in name.split("/") if part.strip()] or [""]
    codes = [c for c, n in g.names.items() if n == last] or list(g.forms.get(last, ()))
    chains = [tuple(g.names[a] for a in reversed([c, *g.ancestors(c)])) for c in sorted(codes)]
    chains = [chain for chain in chains if all(part in chain for part in context)]
    if len(chains) == 1:
        return chains[0]
    if not chains:
        raise ValueError(f"'{name}' is not a province, city or county in the gazetteer")
    options = "、".join("/".join(chain) for chain in chains)
    raise ValueError(f"'{name}' names several places: {options}; write it with its province or city, e.g. {'/'.join(chains[0])}")
