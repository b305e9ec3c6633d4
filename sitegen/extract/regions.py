"""Which 省 / 市 / 县 a story is about, from the Chinese place names it uses as places.

The gazetteer is sitegen/data/regions.tsv (see REGIONS.md). Every division is known by its
official name and by its short name (盐城 for 盐城市, 遂川 for 遂川县, 江苏 for 江苏省,
延边 for 延边朝鲜族自治州). A name counts only where it is a word of its sentence, cut by
words.py's segmenter with every place name added to jieba's dictionary: not inside a longer
word (范县 in 示范县, 安吉 in 平安吉安, 北京 in 北京大学), nor where the next word makes it
part of another name (北京路 is a street in many cities, 北京时间 a time zone). Short names are
where the false positives come from, so:

- forms that are ordinary words (和平, 城关, 公安, 平安 ...) are never read as places;
- a *weak* form counts only when the story also names its city or province, or a place
  under them: a two-character county form (遂川, 范县) or a form shared by places on
  different chains (朝阳, 鼓楼, 朝阳区), which goes to the candidate whose city and province
  are named most;
- a form shared along one chain means the higher level (吉安 is 吉安市, not 吉安县), and a
  province's short name beats any other place's (海南 is 海南省, not 海南藏族自治州).

Evidence is counted in sentences, not mentions: a sentence that names a place (however often)
adds its weight once to that division and to each division above it; the title weighs
TITLE_WEIGHT, the lead (the first sentence, where news names its place) LEAD_WEIGHT. A province
needs MIN_EVIDENCE and at least one sentence in CHARS_PER_MENTION characters of the story (a
place named twice in a long essay is a passing mention), unless the title names it. The
province must also be named more than any other province, and more than the places outside
the gazetteer that the story names (abroad, and 香港, 澳门, 台湾: data/elsewhere.txt), so a
story about London that says 北京 once is not filed under 北京市. Below the province a place is
kept only when it clearly dominates its siblings (CLEAR_SHARE): a story that names five
counties of 盐城 is about 盐城市.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from sitegen.extract.words import EXTRA_FREQ, OTHER_TERMS, TRADE_TERMS, Extra, extra_words, lexicon, spans

TITLE_WEIGHT = 3
LEAD_WEIGHT = 2
MIN_EVIDENCE = 2
CHARS_PER_MENTION = 1500
# Below the province, a place is chosen when it holds this share of the evidence of all its
# siblings (twice all the others together): a wrong county is worse than stopping at the city.
CLEAR_SHARE = 2 / 3

# Forms that are ordinary words far more often than places, in news text.
COMMON_WORDS = frozenset(
    [
        "城区",
        "郊区",
        "矿区",
        "东区",
        "西区",
        "市中",
        "城关",
        "老城区",
        "新城区",
        "解放区",
        "和平",
        "公安",
        "平安",
        "会同",
        "安居",
        "爱民",
        "惠民",
        "富民",
        "长治",
        "安康",
        "来宾",
        "日照",
        "阿里",
        "合作",
        "东方",
        "资源",
        "比如",
        "南部",
        "解放",
        "前进",
        "港口",
        "友好",
        "共和",
        "城中",
        "城北",
        "友谊",
        "中方",
        "凤凰",
        "安定",
        "延长",
        "光明",
        "新兴",
        "运河",
        "万年",
        "东风",
        "南岸",
        "工农",
        "大名",
        "富裕",
        "清水",
        "高明",
        "前锋",
        "复兴",
        "长子",
        "清新",
        "宏伟",
        "平定",
        "洞口",
        "温泉",
        "向阳",
        "振兴",
        "三元",
        "大方",
        "莲花",
        "名山",
        "白云",
        "桃源",
        "大观",
        "台前",
        "高台",
        "无为",
        "小店",
        "同心",
        "元宝",
        "宝塔",
        "平房",
        "灯塔",
        "白玉",
        "天涯",
        "七星",
        "海棠",
        "博爱",
        "同仁",
        "回民",
        "钟楼",
        "江岸",
        "龙凤",
        "新民",
        "老城",
        "天台",
        "兴业",
        "路南",
        "路北",
        "市北",
        "市南",
        "天长",
        "进贤",
        "新华",
        "安宁",
        "通道",
        "互助",
        "大通",
        "民和",
        "民权",
        "永和",
        "太和",
        "新城",
        "江北",
        "江南",
        "河东",
        "河西",
        "桥东",
        "桥西",
        "城东",
        "城西",
        "白塔",
        "石门",
        "金山",
        "宝山",
        "长安",
        "新市",
        "上街",
        "红旗",
        "铁西",
        "铁东",
    ]
)
# Words after a place name that make it part of another name: a street (北京路 and 南京东路 are
# in many cities), a time zone (北京时间), a river that shares its name with a place (嫩江干流).
NAME_HEADS = frozenset(
    [
        "路",
        "街",
        "大街",
        "大道",
        "东路",
        "西路",
        "南路",
        "北路",
        "中路",
        "巷",
        "胡同",
        "时间",
        "干流",
        "支流",
        "流域",
        "江段",
        "河段",
        "水系",
    ]
)

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
LEAD_CHARS = 8  # the lead is the first sentence with at least this many Han characters

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
    return Gazetteer(names, parents, forms, frozenset(weak))


@cache
def elsewhere() -> frozenset[str]:
    """Names of places outside the gazetteer (data/elsewhere.txt, see ELSEWHERE.md)."""
    return frozenset((files("sitegen") / "data" / "elsewhere.txt").read_text(encoding="utf-8").split())


@cache
def story_lexicon() -> Extra:
    """Words a story is cut with beyond jieba's dictionary: places here and abroad, trade terms."""
    known = lexicon().logp
    names = [*gazetteer().forms, *elsewhere(), *TRADE_TERMS, *OTHER_TERMS]
    return extra_words({name: EXTRA_FREQ for name in names if name not in known})


@lru_cache(maxsize=4)
def story_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of the words of a story, as regions, topics and tags all read it."""
    return tuple(spans(text, story_lexicon()))


@dataclass(frozen=True)
class Sentence:
    weight: int
    places: frozenset[str]  # codes of the unambiguous forms it names
    weak: frozenset[str]  # the weak forms it names
    abroad: bool  # it names a place outside the gazetteer


def _sentences(text: str, title_weight: int | None = None) -> list[Sentence]:
    """The sentences of text that name places, weighted: title_weight for a title, else lead or 1."""
    g, outside = gazetteer(), elsewhere()
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    named: dict[int, list[str]] = {}
    words = story_spans(text)
    for index, (start, end) in enumerate(words):
        word = text[start:end]
        if word not in g.forms and word not in outside:
            continue
        follower = words[index + 1] if index + 1 < len(words) else None
        if follower and follower[0] == end and text[follower[0] : follower[1]] in NAME_HEADS:
            continue  # 北京路, 北京时间
        named.setdefault(bisect_right(cuts, start), []).append(word)
    lead = None if title_weight else _lead_index(text, cuts)
    out = []
    for index, names in named.items():
        weight = title_weight or (LEAD_WEIGHT if index == lead else 1)
        places = frozenset(g.forms[n][0] for n in names if n in g.forms and n not in g.weak)
        weak = frozenset(n for n in names if n in g.weak)
        out.append(Sentence(weight, places, weak, any(n in outside and n not in g.forms for n in names)))
    return out


def _lead_index(text: str, cuts: list[int]) -> int | None:
    """Index of the first sentence with LEAD_CHARS Han characters: the lead, or a dateline."""
    for index, (start, end) in enumerate(zip([0, *cuts], [*cuts, len(text)], strict=True)):
        if len(_HAN.findall(text[start:end])) >= LEAD_CHARS:
            return index
    return None


def _up(g: Gazetteer, codes: Iterable[str]) -> set[str]:
    """The divisions and every division above them."""
    return {node for code in codes for node in (code, *g.ancestors(code))}


def _resolve(g: Gazetteer, form: str, context: Counter[str]) -> str | None:
    """The candidate of a weak form whose city and province the story names most, if one does."""
    support = {code: sum(context[a] for a in g.ancestors(code)) for code in g.forms[form]}
    best = max(support.values())
    winners = [code for code, score in support.items() if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def _named(g: Gazetteer, sentences: list[Sentence]) -> list[set[str]]:
    """The divisions each sentence names, and those above them; weak forms resolved by context."""
    strong = [_up(g, sentence.places) for sentence in sentences]
    context: Counter[str] = Counter()
    for sentence, nodes in zip(sentences, strong, strict=True):
        for node in nodes:
            context[node] += sentence.weight
    return [
        nodes | _up(g, {code for form in sentence.weak if (code := _resolve(g, form, context))})
        for sentence, nodes in zip(sentences, strong, strict=True)
    ]


def _province(totals: Counter[str], provinces: list[str], abroad: int) -> str | None:
    """The province named in more weighted sentences than any other, and than places abroad."""
    ranked = sorted(provinces, key=lambda c: -totals[c])
    if not ranked or totals[ranked[0]] <= abroad:
        return None
    return ranked[0] if len(ranked) == 1 or totals[ranked[0]] > totals[ranked[1]] else None


def _child(totals: Counter[str], children: list[str]) -> str | None:
    """The child holding CLEAR_SHARE of its siblings' evidence, named in MIN_EVIDENCE of it."""
    if not children:
        return None
    top = max(children, key=lambda c: (totals[c], c))
    clear = totals[top] >= CLEAR_SHARE * sum(totals[c] for c in children)
    return top if clear and totals[top] >= MIN_EVIDENCE else None


def find_regions(text: str, title: str = "") -> tuple[str, ...]:
    """The official names of the 省, 市 and 县 a story is about, in that order; () if unclear.

    `text` is the story (it may include the title); `title`, when given, weighs more.
    One chain only: secondary places are usually passing mentions (a footer's address, where
    a visitor came from), and a wrong region page is worse than a missing one.
    """
    g = gazetteer()
    headline = _sentences(title, TITLE_WEIGHT) if title else []
    sentences = headline + _sentences(text)
    named = _named(g, sentences)
    totals: Counter[str] = Counter()
    for sentence, nodes in zip(sentences, named, strict=True):
        for node in nodes:
            totals[node] += sentence.weight
    abroad = sum(s.weight for s in sentences if s.abroad)
    province = _province(totals, [c for c in totals if not g.parents[c]], abroad)
    need = max(MIN_EVIDENCE, len(_HAN.findall(text)) / CHARS_PER_MENTION)
    in_title = set().union(*named[: len(headline)])
    if province is None or (totals[province] < need and province not in in_title):
        return ()
    chain = [province]
    while child := _child(totals, [c for c in totals if g.parents[c] == chain[-1]]):
        chain.append(child)
    return tuple(g.names[code] for code in chain)


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
    raise ValueError(
        f"'{name}' names several places: {options}; write it with its province or city, e.g. {'/'.join(chains[0])}"
    )
