"""Topics (the site's controlled vocabulary) and free tags of a story, from its words.

Both are pure functions of the text, so re-importing a story gives the same front matter.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from functools import cache
from pathlib import Path

from sitegen.config import Topic
from sitegen.extract.regions import TITLE_WEIGHT, gazetteer

MAX_TOPICS = 3
MAX_WORD = 4  # longer words are rare in news text and cost a dictionary look-up at every character
# Weighted hits a topic or a tag needs: twice in the body, or once in the title (TITLE_WEIGHT).
MIN_HITS = 2

# Terms of the trade that jieba's general dictionary splits (防/溺水, 网格/村警 ...).
DOMAIN_TERMS = frozenset(
    ["防溺水", "危险水域", "反诈", "反电诈", "电诈", "电信诈骗", "网络诈骗", "电信网络诈骗", "养老诈骗", "刷单", "村警", "网格员", "网格化管理", "辅警", "义警", "枫桥经验", "雪亮工程", "天网工程", "扫黑除恶", "平安建设", "平安创建", "社会治理", "基层治理", "矛盾纠纷", "社区警务", "警网融合", "一村一警", "智慧警务", "校园安全", "安全教育", "酒驾", "醉驾", "综治中心"]
)

# Words every story of a public-safety news archive uses: they tell stories apart from nothing.
GENERIC_WORDS = frozenset(
    ["记者", "通讯员", "见习记者", "本报", "本报记者", "编辑", "责任编辑", "来源", "原文", "链接", "图片", "视频", "新闻", "报道", "转载", "近日", "日前", "目前", "今年", "去年", "近年", "近年来", "以来", "当天", "当日", "时间", "第一时间", "期间", "同时", "此外", "其中", "工作", "群众", "人民", "人民群众", "百姓", "老百姓", "社会", "全国", "全省", "全市", "全县", "全区", "我市", "我县", "我区", "本市", "该所", "开展", "进行", "通过", "实现", "加强", "推进", "推动", "提升", "提高", "落实", "完善", "创新", "建立", "打造", "持续", "坚持", "不断", "进一步", "有效", "积极", "全面", "切实", "扎实", "深入", "充分", "及时", "主动", "重要", "相关", "部门", "单位", "领导", "干部", "负责人", "同志", "活动", "情况", "问题", "方面", "方式", "形式", "工作法", "机制", "模式", "体系", "作用", "能力", "水平", "成效", "效果", "成果", "经验", "措施", "发展", "建设", "服务", "管理", "安全", "平安", "稳定", "和谐", "守护", "保障", "力量", "基础", "基层", "一线", "当地", "地区", "区域", "辖区", "介绍", "表示", "说道", "认为", "告诉", "发现", "了解", "据悉", "据了解", "获悉", "得知", "称赞", "感谢", "希望", "要求", "坚决", "确保", "公安", "警方", "民警", "公安局", "分局", "派出所", "所长", "局长", "警官", "政府", "党委", "政法", "政法委", "市委", "县委", "镇政府", "大家", "他们", "我们", "自己", "这里", "那里", "哪里", "这样", "这些", "那些", "一个", "一些", "各类", "各种", "多次", "每个", "所有", "最后一公里", "千家万户", "零距离", "第一道", "防线", "身边", "一道", "一起", "一次", "成为", "作为", "能够", "已经", "正在"]
)

_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")
_NUMBER_WORD = re.compile(r"第?[零〇一二三四五六七八九十百千万亿两几]+[个条次名年月日天号件起人项批期届位]?")
_QUOTED = re.compile(r"[“\"「『]([\u4e00-\u9fff]{2,8})[”\"」』]")


def find_topics(text: str, topics: tuple[Topic, ...], title: str = "") -> tuple[str, ...]:
    """Topics whose keywords the story uses: at most three, best first.

    Rule: a topic's score is the number of its keyword occurrences, each hit in `title`
    counting TITLE_WEIGHT times; a topic needs a score of MIN_HITS (twice in the body, or
    once in the title), so one passing mention does not file a story under it. Ties are
    broken by topic name, so the same text always gives the same topics.
    """
    scores = {
        topic.name: sum(text.count(k) + TITLE_WEIGHT * title.count(k) for k in topic.keywords) for topic in topics
    }
    ranked = sorted((-score, name) for name, score in scores.items() if score >= MIN_HITS)
    return tuple(name for _, name in ranked[:MAX_TOPICS])


@cache
def _idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table (its corpus statistics), words of two to MAX_WORD characters, and its median.

    Read straight from the file jieba ships: building jieba's own segmenter costs about a
    second per process, which a bulk import of a few dozen pages cannot afford.
    """
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed")
    table: dict[str, float] = {}
    with (Path(spec.origin).parent / "analyse" / "idf.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, _, value = line.rstrip("\n").partition(" ")
            if 2 <= len(word) <= MAX_WORD:
                table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2]


def _words(text: str, vocabulary: dict[str, float]) -> list[str]:
    """Backward maximum matching against the IDF vocabulary (the longest known word ending here).

    Backward matching cuts Chinese better than forward (未发生 is 未 + 发生, not 未发 + 生).
    """
    words: list[str] = []
    end = len(text)
    while end > 0:
        for size in range(min(MAX_WORD, end), 1, -1):
            if text[end - size : end] in vocabulary:
                words.append(text[end - size : end])
                end -= size
                break
        else:
            end -= 1
    return words


@cache
def _place_words() -> frozenset[str]:
    """Place names and what is left of them when a segmenter cuts one char off (井冈 of 井冈山)."""
    forms = gazetteer().forms
    return frozenset(forms) | {f[:-1] for f in forms if len(f) >= 3}


def _is_tag(word: str) -> bool:
    return (
        _HAN_WORD.fullmatch(word) is not None
        and word not in GENERIC_WORDS
        and word not in _place_words()
        and _NUMBER_WORD.fullmatch(word) is None
    )


def find_tags(title: str, body: str, limit: int = 6) -> tuple[str, ...]:
    """Free keywords of a story, most characteristic first (TF-IDF with jieba's corpus statistics).

    Terms the story puts in quotes at least twice (“网格村警”) and DOMAIN_TERMS are counted
    whole, before the rest is segmented, so that they are not cut into 网格 and 村警.
    Candidates are Chinese words of two characters or more, not generic news words, not place
    names, not numbers, used MIN_HITS times (a title use counts TITLE_WEIGHT times); a word
    inside a better tag (网格 after 网格村警) or around one is left out as a repeat.
    Ties are broken by the word, so the output depends on nothing but the input.
    """
    text = "\n".join([title] * TITLE_WEIGHT + [body])
    quoted = {term for term in _QUOTED.findall(text) if text.count(term) >= MIN_HITS}
    whole = sorted(quoted | {t for t in DOMAIN_TERMS if t in text}, key=lambda t: (-len(t), t))
    counts: Counter[str] = Counter()
    if whole:
        splitter = re.compile("|".join(map(re.escape, whole)))
        counts.update(splitter.findall(text))
        text = splitter.sub("\n", text)
    idf, median = _idf()
    counts.update(_words(text, idf))
    scores = {
        word: count * idf.get(word, median)
        for word, count in counts.items()
        if count >= MIN_HITS and _is_tag(word)
    }
    tags: list[str] = []
    for word in sorted(scores, key=lambda w: (-scores[w], w)):
        if len(tags) == limit:
            break
        if not any(word in tag or tag in word for tag in tags):  # 网格村警 makes 网格 redundant
            tags.append(word)
    return tuple(tags)
