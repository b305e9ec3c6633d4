"""Chinese words: jieba's dictionary (word, frequency, part of speech) and a segmenter over it.

Topics, regions and tags all ask the same question of a name or keyword found in a text: is it
a word there, or part of a longer one (网格 in 服务网格, 北京 in 北京路, 范县 in 示范县)? The
answer comes from segmenting the sentence the way jieba does without its HMM: the route through
the dictionary's words with the highest product of word probabilities. jieba's own segmenter is
not used because building it costs about a second per process; this reads the same file once.
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MAX_LEN = 8  # longer dictionary words are rare set phrases, and each length costs a look-up per character
# The most common words of the language (by jieba's frequencies) are everyday words: they say
# nothing about what a story is about. EVERYDAY_RANK sets how many count as such.
EVERYDAY_RANK = 2000
# Frequency given to a word the caller adds (a keyword, a place name) that the dictionary lacks:
# common enough to be kept whole, rare enough that the dictionary's own longer words still win.
EXTRA_FREQ = 100

# Terms of public-safety work. Kept whole where jieba's dictionary would split them (防/溺水,
# 网格/村警); a keyword inside one (网格 in 网格村警) is the keyword in its trade sense; and
# they may be tags though jieba calls some of them verbs (禁毒, 溺水).
TRADE_TERMS = frozenset(
    [
        "防溺水",
        "危险水域",
        "反诈",
        "反电诈",
        "电诈",
        "电信诈骗",
        "网络诈骗",
        "电信网络诈骗",
        "养老诈骗",
        "刷单",
        "村警",
        "网格员",
        "网格化管理",
        "辅警",
        "义警",
        "枫桥经验",
        "雪亮工程",
        "天网工程",
        "扫黑除恶",
        "平安建设",
        "平安创建",
        "社会治理",
        "基层治理",
        "矛盾纠纷",
        "社区警务",
        "警网融合",
        "一村一警",
        "智慧警务",
        "校园安全",
        "安全教育",
        "酒驾",
        "醉驾",
        "综治中心",
        "网格村警",
        "网格警务",
        "社区民警",
        "护学岗",
        "野泳",
        "溺水",
        "禁毒",
        "调解",
        "调处",
        "巡防",
        "群防群治",
    ]
)
# Terms of other trades, younger than jieba's dictionary, that hold a word of ours in another
# sense (网格 is a mesh or a layout grid in computing): kept whole so that the word is not read alone.
OTHER_TERMS = frozenset(["服务网格", "网格布局", "网格计算", "网格搜索", "数据网格"])

_RUN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9_.+#-]+")


@dataclass(frozen=True)
class Lexicon:
    logp: dict[str, float]  # word -> log of its probability (frequency / all frequencies)
    pos: dict[str, str]
    prefixes: frozenset[str]  # proper prefixes of words, where to stop looking for longer words
    log_total: float
    everyday: float  # the logp of the EVERYDAY_RANK-th most common word

    def is_everyday(self, word: str) -> bool:
        return self.logp.get(word, -math.inf) >= self.everyday


@cache
def lexicon() -> Lexicon:
    """jieba's dict.txt, words of at most MAX_LEN characters."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("jieba is not installed")
    logp: dict[str, float] = {}
    pos: dict[str, str] = {}
    tags: dict[str, str] = {}  # one string per part of speech, not one per word
    counts: list[int] = []
    log = math.log
    with (Path(spec.origin).parent / "dict.txt").open(encoding="utf-8") as lines:
        for line in lines:
            word, count, tag = line.split(" ")
            if len(word) <= MAX_LEN:
                counts.append(int(count))
                logp[word] = log(counts[-1] or 1)
                pos[word] = tags.setdefault(tag, tag[:-1])
    log_total = log(sum(counts))
    for word in logp:
        logp[word] -= log_total
    # Prefixes of two characters or more: any character may begin a word, so that is not asked.
    prefixes = frozenset(word[:end] for word in logp if len(word) > 2 for end in range(2, len(word)))
    everyday = sorted(counts, reverse=True)[EVERYDAY_RANK]
    return Lexicon(logp, pos, prefixes, log_total, log(everyday) - log_total)


@dataclass(frozen=True)
class Extra:
    """Words a caller adds to the dictionary (place names, trade terms), with their logp."""

    logp: Mapping[str, float]
    prefixes: frozenset[str]


NO_EXTRA = Extra({}, frozenset())


def extra_words(words: Mapping[str, int]) -> Extra:
    """Extra from words and their frequencies."""
    log_total = lexicon().log_total
    logp = {word: math.log(count) - log_total for word, count in words.items()}
    return Extra(logp, frozenset(word[:end] for word in words for end in range(2, len(word))))


def segment(text: str, extra: Extra = NO_EXTRA) -> list[str]:
    """The words of text: Han runs cut by the dictionary, Latin/digit runs whole, the rest dropped."""
    return [text[start:end] for start, end in spans(text, extra)]


def spans(text: str, extra: Extra = NO_EXTRA) -> list[tuple[int, int]]:
    """(start, end) of each word of segment(text), positions in text."""
    out: list[tuple[int, int]] = []
    for match in _RUN.finditer(text):
        start, end = match.span()
        if text[start] < "\u4e00":  # a Latin or digit run: one word
            out.append((start, end))
            continue
        for size in _cut(match.group(), extra):
            out.append((start, start + size))
            start += size
    return out


def _cut(run: str, extra: Extra) -> list[int]:
    """Word lengths of a Han run by jieba's route without HMM: from the end, the best-scoring
    word starting at each position (the highest sum of log probabilities to the end).

    Longer words are looked up only while the characters read so far begin some word (jieba's
    prefix dictionary), so most positions cost two or three look-ups.
    """
    lex = lexicon()
    logp, prefixes, unknown = lex.logp.get, lex.prefixes, -lex.log_total
    extra_logp, extra_prefixes = extra.logp.get, extra.prefixes
    size = len(run)
    score = [0.0] * (size + 1)
    step = [1] * (size + 1)
    for start in range(size - 1, -1, -1):
        best, length = logp(run[start], unknown) + score[start + 1], 1
        end = start + 2
        while end <= size:
            if end > start + 2 and (head := run[start : end - 1]) not in prefixes and head not in extra_prefixes:
                break
            word = run[start:end]
            value = extra_logp(word)
            if value is None:
                value = logp(word)
            if value is not None and value + score[end] > best:
                best, length = value + score[end], end - start
            end += 1
        score[start], step[start] = best, length
    lengths, start = [], 0
    while start < size:
        lengths.append(step[start])
        start += step[start]
    return lengths
