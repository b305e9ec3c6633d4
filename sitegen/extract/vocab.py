"""Topics (the site's controlled vocabulary) and free tags of a story, from its words.

Both are pure functions of the text, so re-importing a story gives the same front matter. Both
read the story's words as regions.story_spans cuts them (jieba's dictionary, place names, terms
of the trade), so that a keyword or a tag is a word of the story, never a piece of a longer one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from functools import cache

from sitegen.config import Topic
from sitegen.extract.regions import TITLE_WEIGHT, elsewhere, gazetteer, story_spans
from sitegen.extract.words import OTHER_TERMS, TRADE_TERMS, lexicon

MAX_TOPICS = 3
# Weighted keyword hits a topic or a tag needs at least: twice in the body, or once in the title.
MIN_HITS = 2
# A story about a topic uses its keywords at least once in this many Han characters: a long
# essay that says 矛盾 three times is not about mediation.
CHARS_PER_HIT = 1000

# Keywords that are everyday words: who or where a story is about (学生, 学校, 社区), what people
# do or feel (游泳, 矛盾, 安全感), general nouns of several trades (网格 is also a mesh). Stories
# far from public safety use them as often as stories about it, so they count for a topic only
# beside one of its specific keywords, and only as whole words (留学生 is not 学生, 服务网格 not
# 网格). The most common words of the language (words.EVERYDAY_RANK) are everyday words too,
# whichever an editor adds to sitegen.toml.
EVERYDAY_WORDS = frozenset(
    [
        "学生",
        "学校",
        "校园",
        "师生",
        "老师",
        "教师",
        "孩子",
        "儿童",
        "青少年",
        "家长",
        "中小学",
        "幼儿园",
        "游泳",
        "山塘",
        "水库",
        "河道",
        "矛盾",
        "纠纷",
        "评理",
        "网格",
        "社区",
        "村民",
        "驻村",
        "巡逻",
        "头盔",
        "安全感",
        "示范市",
        "社会治理",
        "天网",
    ]
)
# What an everyday keyword may carry inside one word and still be itself: 网格化, 网格员, 学生们.
DERIVATIONS = frozenset(["化", "员", "长", "们"])

# Words every story of a public-safety news archive uses: they tell stories apart from nothing.
GENERIC_WORDS = frozenset(
    [
        "记者",
        "通讯员",
        "见习记者",
        "本报",
        "本报记者",
        "编辑",
        "责任编辑",
        "来源",
        "原文",
        "链接",
        "图片",
        "视频",
        "新闻",
        "报道",
        "转载",
        "近日",
        "日前",
        "目前",
        "今年",
        "去年",
        "近年",
        "近年来",
        "以来",
        "当天",
        "当日",
        "时间",
        "第一时间",
        "期间",
        "同时",
        "此外",
        "其中",
        "工作",
        "群众",
        "人民",
        "人民群众",
        "百姓",
        "老百姓",
        "社会",
        "全国",
        "全省",
        "全市",
        "全县",
        "全区",
        "我市",
        "我县",
        "我区",
        "本市",
        "该所",
        "开展",
        "进行",
        "通过",
        "实现",
        "加强",
        "推进",
        "推动",
        "提升",
        "提高",
        "落实",
        "完善",
        "创新",
        "建立",
        "打造",
        "持续",
        "坚持",
        "不断",
        "进一步",
        "有效",
        "积极",
        "全面",
        "切实",
        "扎实",
        "深入",
        "充分",
        "及时",
        "主动",
        "重要",
        "相关",
        "部门",
        "单位",
        "领导",
        "干部",
        "负责人",
        "同志",
        "活动",
        "情况",
        "问题",
        "方面",
        "方式",
        "形式",
        "工作法",
        "机制",
        "模式",
        "体系",
        "作用",
        "能力",
        "水平",
        "成效",
        "效果",
        "成果",
        "经验",
        "措施",
        "发展",
        "建设",
        "服务",
        "管理",
        "安全",
        "平安",
        "稳定",
        "和谐",
        "守护",
        "保障",
        "力量",
        "基础",
        "基层",
        "一线",
        "当地",
        "地区",
        "区域",
        "辖区",
        "介绍",
        "表示",
        "说道",
        "认为",
        "告诉",
        "发现",
        "了解",
        "据悉",
        "据了解",
        "获悉",
        "得知",
        "称赞",
        "感谢",
        "希望",
        "要求",
        "坚决",
        "确保",
        "公安",
        "警方",
        "民警",
        "公安局",
        "分局",
        "派出所",
        "所长",
        "局长",
        "警官",
        "政府",
        "党委",
        "政法",
        "政法委",
        "市委",
        "县委",
        "镇政府",
        "大家",
        "他们",
        "我们",
        "自己",
        "这里",
        "那里",
        "哪里",
        "这样",
        "这些",
        "那些",
        "一个",
        "一些",
        "各类",
        "各种",
        "多次",
        "每个",
        "所有",
        "最后一公里",
        "千家万户",
        "零距离",
        "第一道",
        "防线",
        "身边",
        "一道",
        "一起",
        "一次",
        "成为",
        "作为",
        "能够",
        "已经",
        "正在",
    ]
)

# Parts of speech (jieba's) that make a tag: nouns (n, nz, nt, nw), verbal nouns (vn: 诈骗),
# abbreviations (j). Verbs, set phrases, pronouns, conjunctions, adverbs, adjectives, numbers,
# times, idioms and the names of people (nr) and places (ns) never do, unless they are terms of
# the trade (words.TRADE_TERMS: 禁毒, 溺水) or the story puts them in quotes.
TAG_POS = frozenset(["n", "nz", "nt", "nw", "vn", "j"])

# The most common one-character surnames, less those that are more often function words (于,
# 向, 曾, 何, 许, 余, 万, 任, 付). A two-character word a story only ever writes right after the
# same one of them is a given name (裴逸群 cut as 裴 + 逸群), not a keyword.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭高林罗郑梁谢宋唐韩冯邓曹彭肖田董袁潘蒋蔡杜叶程苏魏吕丁沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔汤裴"
)

_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
_NUMBER_WORD = re.compile(r"第?[零〇一二三四五六七八九十百千万亿两几]+[个条次名年月日天号件起人项批期届位]?")
_QUOTED = re.compile(r"[“\"「『]([\u4e00-\u9fff]{2,8})[”\"」』]")


class _Words:
    """A text with its words, to tell a keyword standing as a word from one inside another."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = story_spans(text)
        self.starts = [start for start, _ in self.spans]

    def _covering(self, position: int) -> tuple[int, int]:
        return self.spans[bisect_right(self.starts, position) - 1]

    def hits(self, keyword: str, everyday: bool) -> tuple[int, int]:
        """How often keyword is used as itself, and how often of those inside a trade term.

        A whole word always counts. Inside one longer word, a specific keyword counts (诈骗案,
        人民调解, 森林火灾: still its trade), an everyday one only with a derivation (网格化),
        and neither inside a term of another trade (服务网格). Straddling two words never counts.
        Inside a term of our trade (矛盾纠纷, 网格村警) any keyword counts, in its trade sense.
        """
        count = in_terms = 0
        start = self.text.find(keyword)
        while start >= 0:
            end = start + len(keyword)
            first, last = self._covering(start), self._covering(end - 1)
            word = self.text[first[0] : first[1]]
            if first == last and word in TRADE_TERMS and word != keyword:
                count += 1
                in_terms += 1
            elif first[0] == start and last[1] == end:
                count += 1
            elif first == last and word not in OTHER_TERMS:
                count += (first[0] == start and word[len(keyword) :] in DERIVATIONS) or not everyday
            start = self.text.find(keyword, start + 1)
        return count, in_terms


def is_everyday(keyword: str) -> bool:
    return keyword in EVERYDAY_WORDS or lexicon().is_everyday(keyword)


def find_topics(text: str, topics: tuple[Topic, ...], title: str = "") -> tuple[str, ...]:
    """Topics the story is about: at most three, best first.

    Rule: a topic's evidence is the number of hits of its keywords and of its own name (see
    _Words.hits), a title hit counting TITLE_WEIGHT times. A topic needs MIN_HITS of them to be
    specific (a keyword that is not an everyday word, or one inside a trade term), and all of
    them to reach MIN_HITS and one per CHARS_PER_HIT characters of the story: so not from one
    passing word, nor from the setting alone (学生 and 学校 make a school story, not a
    campus-safety one). Ties are broken by topic name, so the same text gives the same topics.
    """
    body, head = _Words(text), _Words(title)
    need = max(MIN_HITS, len(_HAN.findall(text)) / CHARS_PER_HIT)
    scores: dict[str, int] = {}
    for topic in topics:
        evidence = specific = 0
        for keyword in dict.fromkeys((topic.name, *topic.keywords)):
            everyday = is_everyday(keyword)
            (in_body, body_terms), (in_title, title_terms) = body.hits(keyword, everyday), head.hits(keyword, everyday)
            evidence += in_body + TITLE_WEIGHT * in_title
            if everyday:
                in_body, in_title = body_terms, title_terms
            specific += in_body + TITLE_WEIGHT * in_title
        if specific >= MIN_HITS and evidence >= need:
            scores[topic.name] = evidence
    ranked = sorted(scores, key=lambda name: (-scores[name], name))
    return tuple(ranked[:MAX_TOPICS])


@cache
def _place_words() -> frozenset[str]:
    """Place names here and abroad, and a name less its last character (井冈 of 井冈山)."""
    forms = gazetteer().forms
    return frozenset(forms) | {f[:-1] for f in forms if len(f) >= 3} | elsewhere()


@cache
def _unknown_weight() -> float:
    """The weight of a word the dictionary lacks (a quoted name, a trade term): its median word's."""
    values = sorted(lexicon().logp.values())
    return -values[len(values) // 2]


def _is_tag(word: str, quoted: list[str]) -> bool:
    lex = lexicon()
    term = word in quoted or word in TRADE_TERMS or word in OTHER_TERMS
    return (
        _HAN_WORD.fullmatch(word) is not None
        and (term or lex.pos.get(word) in TAG_POS)
        and not lex.is_everyday(word)
        and word not in GENERIC_WORDS
        and word not in _place_words()
        and _NUMBER_WORD.fullmatch(word) is None
    )


def _word_counts(text: str, quoted: list[str]) -> tuple[Counter[str], set[str]]:
    """The words of text (a quoted term counted whole, the words inside it left out), and the
    two-character words that only ever follow the same surname (given names)."""
    counts: Counter[str] = Counter()
    inside: set[int] = set()
    for term in quoted:
        for match in re.finditer(re.escape(term), text):
            if not inside.intersection(range(match.start(), match.end())):
                counts[term] += 1
                inside.update(range(match.start(), match.end()))
    before: dict[str, set[str]] = {}
    previous = (0, 0)
    for start, end in story_spans(text):
        if not inside or not inside.intersection(range(start, end)):
            word = text[start:end]
            counts[word] += 1
            glued = previous[1] == start and previous[1] - previous[0] == 1
            before.setdefault(word, set()).add(text[previous[0]] if glued else "")
        previous = (start, end)
    names = {word for word, heads in before.items() if len(word) == 2 and len(heads) == 1 and heads <= SURNAMES}
    return counts, names


def find_tags(title: str, body: str, limit: int = 6) -> tuple[str, ...]:
    """Free keywords of a story, most characteristic first (count x rarity in jieba's dictionary).

    Candidates are words of the story (trade terms and terms it puts in quotes at least twice,
    “网格村警”, counted whole) that are content words in jieba's dictionary (TAG_POS), of two
    Han characters or more, not everyday words, not generic news words, not place names, not
    given names (SURNAMES), not numbers, used MIN_HITS times (a title use counts TITLE_WEIGHT
    times); a word inside a better tag (网格 after 网格村警) or around one is left out as a
    repeat. Ties are broken by the word, so the output depends on nothing but the input.
    """
    joined = f"{title}\n{body}"
    quoted = sorted(
        {t for t in _QUOTED.findall(joined) if TITLE_WEIGHT * title.count(t) + body.count(t) >= MIN_HITS},
        key=lambda t: (-len(t), t),
    )
    counts, names = _word_counts(body, quoted)
    title_counts, title_names = _word_counts(title, quoted)
    for word, count in title_counts.items():
        counts[word] += TITLE_WEIGHT * count
    lex = lexicon()
    scores = {
        word: count * (-lex.logp[word] if word in lex.logp else _unknown_weight())
        for word, count in counts.items()
        if count >= MIN_HITS and _is_tag(word, quoted) and word not in names | title_names
    }
    tags: list[str] = []
    for word in sorted(scores, key=lambda w: (-scores[w], w)):
        if len(tags) == limit:
            break
        if not any(word in tag or tag in word for tag in tags):  # 网格村警 makes 网格 redundant
            tags.append(word)
    return tuple(tags)
