"""The search index answers exactly like a substring scan, read only through the files it writes.

`Reader` below follows themes/default/static/search.js step by step (manifest -> shards ->
doc chunks), so these tests pin the algorithm the browser runs; test_search_js.py checks
that the browser agrees with it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import unicodedata
from datetime import date, timedelta
from typing import Any

import pytest

from sitegen.search_index import (
    SPACE_CHARS,
    SearchDoc,
    build,
    fold,
    shard_of,
    t2s_chars,
)

MAX_RESULTS = 50
SPLIT = re.compile(f"[{re.escape(SPACE_CHARS)}]+")
POOL = (
    "公安派出所民警社区群众平安建设基层治理矛盾纠纷调解反诈宣传防溺水校园安全交通消防禁毒巡逻防控"
    "服务工作开展组织活动干部志愿者老人学生家长学校水域夏季暑期风险隐患排查整治专项行动法治教育"
    "守护红色哨兵井冈山遂川盐城江苏江西吉安县市省镇街道乡里年月日时分记者通讯员报道近日以来目前"
    "通过利用加强完善推进落实提升创新机制模式经验成效显著明显群防群治零发案刑事案件电信诈骗止付"
    "冻结资金账户手机短信电话微信线索核查打击违法犯罪嫌疑人抓获破获依法处理"
)
NEEDLE = "网格村警"
NOWHERE = "这个词不会出现在任何报道里"


def synthetic_docs(n: int = 30, seed: int = 7) -> list[SearchDoc]:
    """Newest first, like the build: random text plus the cases that need folding.

    Doc 3 alone uses 网格村警 (a dozen times, like the seed story); doc 5 is written in
    traditional characters; doc 8 has full-width Latin and digits; doc 11 has markup-like
    text that must show as text; the last three are undated.
    """
    rng = random.Random(seed)
    newest = date(2023, 12, 28)

    def prose(chars: int) -> str:
        lines: list[str] = []
        while sum(map(len, lines)) < chars:
            words = ["".join(rng.choices(POOL, k=rng.randint(2, 6))) for _ in range(rng.randint(4, 12))]
            lines.append("，".join(words) + "。")
        return "\n".join(lines)

    docs = []
    for i in range(n):
        title = "".join(rng.choices(POOL, k=rng.randint(8, 16)))
        text = prose(rng.randint(300, 900))
        summary = text.split("\n")[0][:60]
        if i == 3:
            text = "\n".join(f"{line}推行{NEEDLE}制度" for line in text.split("\n")[:12]) + "\n" + text
        if i == 5:
            title = "網格化管理經驗：社區民警開展反詐騙宣傳"
            text = "遂川縣公安局創新機制，築牢社會治理第一道防線。\n" + text
        if i == 8:
            text = "下载国家反诈中心ＡＰＰ，遇到诈骗拨打１１０。\n" + text
            title = "ZAKER 转载：" + title
        if i == 11:
            title = '<img src=x onerror="alert(1)"> & <script>标题</script>'
            summary = "<b>粗体</b> 摘要 &amp; 实体"
        dated = i < n - 3
        docs.append(
            SearchDoc(
                url=f"posts/story-{i:02d}/",
                title=title,
                text=text,
                date=(newest - timedelta(days=7 * i)).isoformat() if dated else "",
                summary=summary,
                categories=(rng.choice(["反诈", "社区警务", "防溺水"]),),
                regions=("江西省", rng.choice(["吉安市", "赣州市"])),
                source=rng.choice(["井冈山报", "新华社", "中国网"]),
            )
        )
    return docs


class Reader:
    """The files build() returned, read the way search.js reads them; remembers what it opened."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.opened: list[str] = []
        self.manifest = self.load("manifest.json")

    def load(self, name: str) -> Any:
        self.opened.append(name)
        return json.loads(self.files[f"search/{name}"])

    def fold(self, text: str) -> str:
        folded = unicodedata.normalize("NFKC", text)
        if any(ord(ch) > 0x7F for ch in folded):
            table = self.load(f"t2s-{self.manifest['t2s']}.json")
            t2s = dict(zip(table["t"], table["s"], strict=True))
            folded = "".join(t2s.get(ch, ch) for ch in folded)
        return folded.lower()

    def shard_key(self, key: str) -> tuple[str, str]:
        number = shard_of(key, len(self.manifest["shards"]))
        return f"shard-{self.manifest['shards'][number]}.json", key

    def search(self, query: str) -> tuple[list[int], list[dict[str, Any]]]:
        """All hits, ranked, and the doc records of the first MAX_RESULTS."""
        terms = list(dict.fromkeys(t for t in SPLIT.split(self.fold(query)) if t))
        if not terms:
            return [], []
        plans = [plan(term) for term in terms]
        names = sorted({self.shard_key(k)[0] for _, keys, _ in plans for k in keys})
        shards = {name: self.load(name) for name in names}
        hits: dict[int, tuple[int, int]] | None = None  # doc -> (count, title terms)
        for single, keys, offsets in plans:
            postings = [shards[self.shard_key(k)[0]].get(k) for k in keys]
            found = match_term(single, offsets, postings)
            before = hits if hits is not None else {d: (0, 0) for d in found}
            hits = {d: (before[d][0] + c, before[d][1] + t) for d, (c, t) in found.items() if d in before}
        assert hits is not None
        ranked = sorted(hits, key=lambda d: (-hits[d][1], -hits[d][0], d))
        size = self.manifest["chunk_size"]
        chunks = {
            c: self.load(f"docs-{self.manifest['chunks'][c]}.json")
            for c in sorted({d // size for d in ranked[:MAX_RESULTS]})
        }
        return ranked, [chunks[d // size][d % size] for d in ranked[:MAX_RESULTS]]


def plan(term: str) -> tuple[bool, list[str], list[int]]:
    if len(term) == 1:
        return True, [term], [0]
    offsets = list(range(0, len(term) - 1, 2))
    if offsets[-1] != len(term) - 2:
        offsets.append(len(term) - 2)
    return False, [term[i : i + 2] for i in offsets], offsets


def undelta(gaps: list[int]) -> list[int]:
    out, n = [], 0
    for gap in gaps:
        n += gap
        out.append(n)
    return out


def match_term(single: bool, offsets: list[int], postings: list[Any]) -> dict[int, tuple[int, int]]:
    """doc -> (occurrences, 1 if one of them is in the title)."""
    if any(p is None for p in postings):
        return {}
    if single:
        titled = set(undelta(postings[0][1]))
        return {d: (1, int(d in titled)) for d in undelta(postings[0][0])}
    lists = []
    for entries in postings:
        docs, doc = {}, 0
        for entry in entries:
            doc += entry[0]
            docs[doc] = set(undelta(entry[1:]))
        lists.append(docs)
    found = {}
    for doc in set.intersection(*(set(d) for d in lists)):
        starts = [s for s in lists[0][doc] if all(s + off in docs[doc] for off, docs in zip(offsets, lists, strict=True))]
        if starts:
            found[doc] = (len(starts), int(min(starts) < 0))
    return found


def brute_force(docs: list[SearchDoc], query: str) -> set[int]:
    terms = [t for t in SPLIT.split(fold(query)) if t]
    return {
        i for i, doc in enumerate(docs) if terms and all(t in fold(doc.title) or t in fold(doc.text) for t in terms)
    }


def test_fold_makes_full_width_half_width() -> None:
    assert fold("ＡＰＰ１１０，ｗｗｗ") == "app110,www"


def test_fold_lowercases_latin() -> None:
    assert fold("ZAKER App") == "zaker app"


def test_fold_turns_traditional_into_simplified() -> None:
    assert fold("網格村警 遂川縣公安局") == "网格村警 遂川县公安局"


def test_fold_converts_characters_not_phrases() -> None:
    """The browser gets only the character table, so the index must not fold by phrase either."""
    assert fold("乾隆") == "干隆"


def test_t2s_table_is_opencc_characters_one_for_one() -> None:
    table = t2s_chars()
    assert table["網"] == "网" and table["詐"] == "诈" and table["騙"] == "骗"
    assert len(table) > 4000
    assert all(len(t) == 1 and len(s) == 1 and t != s for t, s in table.items())


def test_needle_is_in_exactly_one_doc(docs: list[SearchDoc]) -> None:
    assert brute_force(docs, NEEDLE) == {3}


def test_needle_found_in_exactly_its_story(files: dict[str, bytes]) -> None:
    ranked, records = Reader(files).search(NEEDLE)
    assert ranked == [3]
    assert records[0]["url"] == "posts/story-03/"


@pytest.mark.parametrize("query", ["網格村警", "网格村警", " 網格 村警 ", "網格\u3000村警", "ＡＰＰ 下載"])
def test_query_is_folded_like_the_text(files: dict[str, bytes], docs: list[SearchDoc], query: str) -> None:
    assert set(Reader(files).search(query)[0]) == brute_force(docs, query)


@pytest.mark.parametrize(
    ("query", "doc"),
    [("网格化管理经验", 5), ("遂川县公安局", 5), ("app", 8), ("１１０", 8), ("zaker", 8), ("<script>", 11)],
)
def test_folded_text_is_found(files: dict[str, bytes], query: str, doc: int) -> None:
    assert doc in Reader(files).search(query)[0]


def test_missing_query_finds_nothing(files: dict[str, bytes]) -> None:
    assert Reader(files).search(NOWHERE) == ([], [])


def test_blank_query_finds_nothing(files: dict[str, bytes]) -> None:
    assert Reader(files).search(" \u3000 ") == ([], [])


def disguise(query: str, rng: random.Random) -> str:
    """Write a folded query back in forms that fold to it: traditional, full-width, upper case."""
    back: dict[str, list[str]] = {}
    for t, s in sorted(t2s_chars().items()):
        back.setdefault(s, []).append(t)
    out = []
    for ch in query:
        if ch in back and rng.random() < 0.5:
            out.append(rng.choice(back[ch]))
        elif "a" <= ch <= "z" and rng.random() < 0.5:
            out.append(chr(ord(ch.upper()) + 0xFEE0) if rng.random() < 0.5 else ch.upper())
        else:
            out.append(ch)
    return "".join(out)


def random_queries(docs: list[SearchDoc], rng: random.Random) -> list[str]:
    """Substrings of 1-4 characters of the folded docs, pairs of them, and strings found nowhere."""
    texts = [f"{fold(d.title)}\n{fold(d.text)}" for d in docs]

    def piece() -> str:
        while True:
            text = rng.choice(texts)
            length = rng.randint(1, 4)
            start = rng.randrange(len(text) - length)
            candidate = text[start : start + length]
            if not set(candidate) & set(SPACE_CHARS):
                return candidate

    singles = [piece() for _ in range(300)]
    pairs = [f"{piece()} {piece()}" for _ in range(100)]
    nowhere = ["".join(rng.choices(POOL + "abc", k=rng.randint(2, 4))) for _ in range(120)]
    return singles + pairs + [disguise(q, rng) for q in singles[:100]] + nowhere


def test_index_agrees_with_substring_scan(files: dict[str, bytes], docs: list[SearchDoc]) -> None:
    """Recall and precision exactly 1.0 over many queries, reading only the built files."""
    rng = random.Random(1)
    queries = random_queries(docs, rng)
    misses = wrong = relevant = empty = 0
    for query in queries:
        expected = brute_force(docs, query)
        got = set(Reader(files).search(query)[0])
        misses += len(expected - got)
        wrong += len(got - expected)
        relevant += len(expected)
        empty += not expected
    assert (misses, wrong) == (0, 0)
    assert relevant > 1000 and empty > 30  # both sides of the check were exercised


def test_a_query_opens_only_the_shards_of_its_keys(files: dict[str, bytes]) -> None:
    reader = Reader(files)
    total = len(reader.manifest["shards"])
    assert total > 2
    reader.search("村警网格")  # bigrams 村警 and 网格: at most two shards
    shards = [n for n in reader.opened if n.startswith("shard-")]
    assert 1 <= len(shards) <= 2 < total


def test_results_carry_the_doc_records(files: dict[str, bytes], docs: list[SearchDoc]) -> None:
    ranked, records = Reader(files).search("网格化")
    assert ranked == [5]
    doc = docs[5]
    assert records == [
        {
            "url": doc.url,
            "title": doc.title,
            "date": doc.date,
            "summary": doc.summary,
            "categories": list(doc.categories),
            "regions": list(doc.regions),
            "source": doc.source,
            "year": int(doc.date[:4]),
        }
    ]


def test_undated_docs_have_no_year(files: dict[str, bytes], docs: list[SearchDoc]) -> None:
    reader = Reader(files)
    last, size = len(docs) - 1, reader.manifest["chunk_size"]
    record = reader.load(f"docs-{reader.manifest['chunks'][last // size]}.json")[last % size]
    assert (record["url"], record["date"], record["year"]) == (docs[last].url, "", None)


def test_ranking_title_then_occurrences_then_newer() -> None:
    def doc(n: int, title: str, text: str) -> SearchDoc:
        return SearchDoc(f"posts/{n}/", title, text, f"2022-01-{20 - n:02d}", "", (), (), "")

    docs = [
        doc(0, "新闻一", "社区开展反诈宣传。"),
        doc(1, "新闻二", "反诈反诈，反诈宣传。"),
        doc(2, "新闻三", "反诈宣传。"),
        doc(3, "反诈宣传进社区", "宣传。"),
        doc(4, "新闻五", "反诈工作。"),
    ]
    ranked, _ = Reader(build(docs)).search("反诈")
    assert ranked == [3, 1, 0, 2, 4]
    ranked, _ = Reader(build(docs)).search("诈 宣传")  # one-character terms count once
    assert ranked == [3, 0, 1, 2]


def test_terms_do_not_span_title_and_body_or_lines() -> None:
    docs = [SearchDoc("posts/a/", "标题结尾", "正文开头\n第二段", "", "", (), (), "")]
    reader = Reader(build(docs))
    assert reader.search("结尾正文")[0] == []
    assert reader.search("开头第二")[0] == []
    assert reader.search("结尾 开头")[0] == [0]


def test_files_are_content_hashed_and_all_referenced(files: dict[str, bytes]) -> None:
    manifest = json.loads(files["search/manifest.json"])
    named = {f"search/shard-{h}.json" for h in manifest["shards"]}
    named |= {f"search/docs-{h}.json" for h in manifest["chunks"]}
    named |= {f"search/t2s-{manifest['t2s']}.json", "search/manifest.json"}
    assert named == set(files)
    for path, data in files.items():
        if path != "search/manifest.json":
            assert path.endswith(f"-{hashlib.sha256(data).hexdigest()[:10]}.json")


def test_shards_split_keys_by_hash(files: dict[str, bytes]) -> None:
    manifest = json.loads(files["search/manifest.json"])
    count = len(manifest["shards"])
    for number, digest in enumerate(manifest["shards"]):
        shard = json.loads(files[f"search/shard-{digest}.json"])
        assert all(shard_of(key, count) == number for key in shard)


def test_shard_count_grows_with_the_archive(docs: list[SearchDoc]) -> None:
    small = json.loads(build(docs[:2])["search/manifest.json"])
    large = json.loads(build(docs)["search/manifest.json"])
    assert len(small["shards"]) == 1 < len(large["shards"])


def test_empty_archive_builds_an_index_that_finds_nothing() -> None:
    reader = Reader(build([]))
    assert reader.manifest["docs"] == 0
    assert reader.search("网格") == ([], [])


def test_build_is_deterministic(docs: list[SearchDoc], files: dict[str, bytes]) -> None:
    assert build(list(docs)) == files


def test_files_are_canonical_json(files: dict[str, bytes]) -> None:
    for data in files.values():
        canonical = json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert data == canonical.encode("utf-8")
