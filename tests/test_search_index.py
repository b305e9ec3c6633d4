"""The search index answers exactly like a substring scan, read only through the files it writes.

sitegen/search_query.py reads the files the way search.js does (manifest -> shards -> D parts
-> P parts -> fragments), so these tests pin the algorithm the browser runs;
test_search_js.py checks that the browser agrees with it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import unicodedata
from dataclasses import replace
from datetime import date, timedelta

import pytest
from support import built, small_blocks

from sitegen.search import index as search_index
from sitegen.search.index import SPACE_CHARS, SearchDoc, build, fold, t2s_chars
from sitegen.search.query import Reader, Result, parse_shard, plan, span

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
        if i == 5:  # without a summary: its excerpt is its opening
            title = "網格化管理經驗：社區民警開展反詐騙宣傳"
            text = "遂川縣公安局創新機制，築牢社會治理第一道防線。\n" + text
            summary = ""
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
                date=(newest - timedelta(days=40 * i)).isoformat() if dated else "",
                summary=summary,
                categories=(rng.choice(["反诈", "社区警务", "防溺水"]),) + (("禁毒",) if i % 4 == 0 else ()),
                regions=("江西省", rng.choice(["吉安市", "赣州市"])),
                source=rng.choice(["井冈山报", "新华社", "中国网"]) if i % 7 else "",
            )
        )
    return docs


def unpacked(data: bytes) -> bytes:
    """A file of the index as a reader sees it: gunzipped if it is gzip."""
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def reader(files: dict[str, bytes]) -> Reader:
    return Reader(lambda name: files[f"search/{name}"])


def search(files: dict[str, bytes], query: str, **filters: str) -> Result:
    result = reader(files).search(query, filters)
    assert result is not None
    return result


def brute_force(docs: list[SearchDoc], query: str) -> set[int]:
    terms = [t for t in SPLIT.split(fold(query)) if t]
    return {
        i for i, doc in enumerate(docs) if terms and all(t in fold(doc.title) or t in fold(doc.text) for t in terms)
    }


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
    """Substrings of 1-8 characters of the folded docs, pairs of them, disguised ones, and strings found nowhere."""
    texts = [f"{fold(d.title)}\n{fold(d.text)}" for d in docs]

    def piece(longest: int = 4) -> str:
        while True:
            text = rng.choice(texts)
            length = rng.randint(1, longest)
            start = rng.randrange(len(text) - length)
            candidate = text[start : start + length]
            if not set(candidate) & set(SPACE_CHARS):
                return candidate

    singles = [piece() for _ in range(250)] + [piece(8) for _ in range(50)]
    pairs = [f"{piece()} {piece()}" for _ in range(100)]
    nowhere = ["".join(rng.choices(POOL + "abc", k=rng.randint(2, 4))) for _ in range(120)]
    return singles + pairs + [disguise(q, rng) for q in singles[:100]] + nowhere


# ---- folding ----


def test_fold_makes_full_width_half_width() -> None:
    assert fold("ＡＰＰ１１０，ｗｗｗ") == "app110,www"


def test_fold_lowercases_latin() -> None:
    assert fold("ZAKER App") == "zaker app"


def test_fold_turns_traditional_into_simplified() -> None:
    assert fold("網格村警 遂川縣公安局") == "网格村警 遂川县公安局"


def test_fold_converts_characters_not_phrases() -> None:
    """The browser gets only the character table, so the index must not fold by phrase either."""
    assert fold("乾隆") == "干隆"


def test_fold_shortcuts_equal_plain_nfkc_translate_lower() -> None:
    """fold() skips work for common text; the result must be what the three plain steps give."""
    table = {ord(t): s for t, s in t2s_chars().items()}
    rng = random.Random(3)
    pool = (
        "，：；（）！？…％。、“”"
        + "網格ＡＢａｂAbc１２"
        + "\u0301\u0308\u0323"
        + "ｶﾞ①ﬁ㍻"
        + "\U00020000\U0002f800"
        + POOL[:40]
    )
    samples = ["".join(rng.choices(pool, k=rng.randint(1, 12))) for _ in range(3000)]
    samples += ["Ａ\u0301，", "，\u0301", "e\u0323\u0302", "\u2f00\u2f01"]
    for text in samples:
        assert fold(text) == unicodedata.normalize("NFKC", text).translate(table).lower(), repr(text)


def test_t2s_table_is_opencc_characters_one_for_one() -> None:
    table = t2s_chars()
    assert table["網"] == "网" and table["詐"] == "诈" and table["騙"] == "骗"
    assert len(table) > 4000
    assert all(len(t) == 1 and len(s) == 1 and t != s for t, s in table.items())


def test_opencc_maps_no_character_outside_the_ranges_the_table_covers() -> None:
    ends = [0x80, *(bound for pair in search_index.T2S_RANGES for bound in pair), 0x110000]
    for begin, end in zip(ends[0::2], ends[1::2], strict=True):
        assert search_index._converted(begin, end) == {}, (hex(begin), hex(end))


def test_t2s_buckets_hold_the_whole_table(files: dict[str, bytes]) -> None:
    folder, count = json.loads(files["search/manifest.json"])["t2s"]
    shipped: dict[str, str] = {}
    for n in range(count):
        part = json.loads(files[f"search/t2s-{folder}/{n}.json"])
        assert all(ord(t) % count == n for t in part["t"])
        shipped.update(zip(part["t"], part["s"], strict=True))
    assert shipped == t2s_chars()


# ---- matching ----


def test_needle_is_in_exactly_one_doc(docs: list[SearchDoc]) -> None:
    assert brute_force(docs, NEEDLE) == {3}


def test_needle_found_in_exactly_its_story(files: dict[str, bytes]) -> None:
    result = search(files, NEEDLE)
    assert result.ranked == [3]
    assert result.hits[3].count == 12
    assert result.page[0]["url"] == "posts/story-03/"


@pytest.mark.parametrize("query", ["網格村警", "网格村警", " 網格 村警 ", "網格\u3000村警", "ＡＰＰ 下載"])
def test_query_is_folded_like_the_text(files: dict[str, bytes], docs: list[SearchDoc], query: str) -> None:
    assert set(search(files, query).ranked) == brute_force(docs, query)


@pytest.mark.parametrize(
    ("query", "doc"),
    [("网格化管理经验", 5), ("遂川县公安局", 5), ("app", 8), ("１１０", 8), ("zaker", 8), ("<script>", 11)],
)
def test_folded_text_is_found(files: dict[str, bytes], query: str, doc: int) -> None:
    assert doc in search(files, query).ranked


def test_missing_query_finds_nothing(files: dict[str, bytes]) -> None:
    result = search(files, NOWHERE)
    assert (result.total, result.ranked, result.page) == (0, [], [])


def test_blank_query_without_filters_is_nothing_to_do(files: dict[str, bytes]) -> None:
    assert reader(files).search(" \u3000 ") is None


def test_index_agrees_with_substring_scan(files: dict[str, bytes], docs: list[SearchDoc]) -> None:
    """Recall and precision exactly 1.0 over many queries, reading only the built files."""
    rng = random.Random(1)
    misses = wrong = relevant = empty = 0
    for query in random_queries(docs, rng):
        expected = brute_force(docs, query)
        got = set(search(files, query).ranked)
        misses += len(expected - got)
        wrong += len(got - expected)
        relevant += len(expected)
        empty += not expected
    assert (misses, wrong) == (0, 0)
    assert relevant > 1000 and empty > 30  # both sides of the check were exercised


def test_small_blocks_agree_with_substring_scan(docs: list[SearchDoc], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same with every key cut into many external blocks, as in a large archive."""
    monkeypatch.setattr(search_index, "BATCH_DOCS", 3)
    monkeypatch.setattr(search_index, "BLOCK_BYTES", 64)
    monkeypatch.setattr(search_index, "INLINE_BYTES", 16)
    monkeypatch.setattr(search_index, "SPILL_GROUPS", 3)
    files = built(docs)
    assert sum(name.startswith("search/p-") for name in files) > 100
    rng = random.Random(2)
    for query in random_queries(docs, rng)[::3]:
        assert set(search(files, query).ranked) == brute_force(docs, query), query


def test_terms_do_not_span_title_and_body_or_lines() -> None:
    docs = [SearchDoc("posts/a/", "标题结尾", "正文开头\n第二段", "", "", (), (), "")]
    files = built(docs)
    assert search(files, "结尾正文").ranked == []
    assert search(files, "开头第二").ranked == []
    assert search(files, "结尾 开头").ranked == [0]


def test_varints_decode_to_the_values_they_encode() -> None:
    rng = random.Random(3)
    for _ in range(500):
        values = [
            rng.choice([rng.randrange(128), rng.randrange(1 << 20), rng.randrange(1 << 40)])
            for _ in range(rng.randrange(30))
        ]
        data = search_index.varints(values)
        assert data == b"".join(map(search_index.varint, values))
        assert search_index.decode(data) == values


def test_plan_covers_every_character() -> None:
    assert plan("网") == [("网", 0)]
    assert plan("网格") == [("网格", 0)]
    assert plan("网格村") == [("网格", 0), ("格村", 1)]
    assert plan("网格村警") == [("网格", 0), ("村警", 2)]
    assert plan("网格村警制") == [("网格", 0), ("村警", 2), ("警制", 3)]


def test_a_line_keeps_its_positions_when_lines_before_it_change() -> None:
    lines = ["标题", "第一段文字", "第二段文字", "第三段文字"]
    bases = search_index.line_bases(lines, 1)
    assert bases[0] == 0 < min(bases[1:])
    edited = search_index.line_bases(["标题", "第一段改过了", "新的一段", "第二段文字", "第三段文字"], 1)
    assert edited[3:] == bases[2:]


def test_lines_are_more_than_a_slot_apart_and_the_title_comes_first() -> None:
    lines = ["标题第一行", "标题第二行", *(f"第{n}段" * (n % 7 + 1) for n in range(40)), "长" * 1000]
    bases = search_index.line_bases(lines, 2)
    spans = sorted((base, base + len(line)) for base, line in zip(bases, lines, strict=True))
    assert all(end + search_index.SLOT_SIZE < start for (_, end), (start, _) in zip(spans, spans[1:], strict=False))
    assert spans[:2] == [(bases[0], bases[0] + 5), (bases[1], bases[1] + 5)]
    assert spans[-1][1] < 1 << 16  # two bytes a position


def test_a_story_of_too_many_lines_keeps_plain_offsets() -> None:
    lines = ["标题", *(["一段"] * (search_index.SLOTS // 4))]
    assert search_index.line_bases(lines, 1)[:3] == [0, 3, 6]


def test_a_window_across_lines_is_far() -> None:
    docs = [dated(0, "新闻", "网格员和村警一起巡逻。"), dated(1, "新闻", "网格员走访。\n村警巡逻。")]
    result = search(built(docs), "网格 村警")
    assert result.hits[0].span == 4
    assert result.hits[1].span == search_index.SLOT_SIZE


def test_a_line_longer_than_a_slot() -> None:
    """A line of more than 65536 characters takes slots in a row: a term across their border is found."""
    long_text = "前言" + "平安建设" * 17000 + "网格村警在结尾"
    docs = [SearchDoc("posts/long/", "长文", long_text, "2022-01-01", "", (), (), ""), *synthetic_docs(3)]
    files = built(docs)
    assert search(files, "网格村警在").ranked == [0]
    assert search(files, "建设网格").ranked == [0]


# ---- what a query fetches ----


def test_a_query_fetches_the_shards_of_its_keys_only(files: dict[str, bytes]) -> None:
    r = reader(files)
    count = json.loads(files["search/manifest.json"])["shards"][1]
    assert count > 2
    r.search("村警网格")  # bigrams 村警 and 网格: at most two shards
    shards = [n for n in r.fetched if n.startswith("s-")]
    assert 1 <= len(shards) <= 2 < count


def test_fragments_are_fetched_for_the_page_shown_only(files: dict[str, bytes]) -> None:
    r = reader(files)
    result = r.search("公")
    assert result is not None and result.total > 10
    assert sum(n.startswith("frag-") for n in r.fetched) == len(result.page) == 10


def long_story(hit_line: str, lines: int = 60) -> SearchDoc:
    """A story of many lines whose only line holding the hit comes last, far past any opening excerpt."""
    rng = random.Random(3)
    filler = ["".join(rng.choices(POOL, k=rng.randint(60, 200))) for _ in range(lines)]
    text = "\n".join([*filler, hit_line])
    return SearchDoc("posts/long-story/", "长篇报道", text, "2024-01-01", "", (), (), "")


@pytest.mark.parametrize("query", ["甲乙丙丁", "甲乙", "甲乙 丙丁", "乙"])
def test_a_hit_past_the_excerpt_is_named_not_fetched(query: str) -> None:
    """The index keeps no story's whole text: a hit deep in the body is found, the snippet is the opening
    (nothing to mark in it) and the result names the terms the body holds."""
    story = long_story("最后一段写到了" + "甲乙丙丁" + "这件事的经过。")
    files = built([story])
    assert not any(path.endswith(".bin") and "/frag-" in path for path in files)
    r = reader(files)
    result = r.search(query)
    assert result is not None and result.ranked == [0]
    snippet = result.snippets[0]
    assert snippet.text.rstrip("…") in " ".join(story.text.split())
    assert snippet.marks == [] and snippet.elsewhere == query.split()


def test_a_hit_in_the_excerpt_is_marked_and_not_named() -> None:
    story = long_story("正文")
    opening = story.text.split("\n")[0]
    term = opening[20:24]
    shown = reader(built([story])).search(f"{term} 长篇").snippets[0]  # type: ignore[union-attr]
    assert [shown.text[s:e] for s, e in shown.marks][:1] == [term]
    assert shown.elsewhere == []  # 长篇 is in the title


def test_the_excerpt_is_the_summary_else_the_opening_cut() -> None:
    story = replace(long_story("正文"), text="  第一行 \n\n 第二行" + "文" * 400)
    assert search_index.excerpt(replace(story, summary="摘要一句")) == "摘要一句"
    opening = search_index.excerpt(story)
    assert opening.startswith("第一行 第二行文") and opening.endswith("文…")
    assert len(opening) == search_index.EXCERPT_CHARS + 1
    short = replace(story, text="一句话")
    assert search_index.excerpt(short) == "一句话"


def test_a_hit_in_the_title_alone_shows_the_summary_else_the_opening() -> None:
    story = long_story("正文")
    with_summary = replace(story, title="甲乙丙丁标题", summary="摘要一句")
    shown = reader(built([with_summary])).search("甲乙丙丁").snippets[0]  # type: ignore[union-attr]
    assert (shown.text, shown.marks, shown.elsewhere) == ("摘要一句", [], [])
    without = replace(story, title="甲乙丙丁标题")
    shown = reader(built([without])).search("甲乙丙丁").snippets[0]  # type: ignore[union-attr]
    assert shown.text.rstrip("…") in story.text.split("\n")[0] and shown.marks == []


@pytest.fixture(scope="module")
def blocked(docs: list[SearchDoc]) -> dict[str, bytes]:
    """The synthetic archive with small blocks, so that frequent keys have many."""
    with pytest.MonkeyPatch.context() as patch:
        small_blocks(patch)
        return built(docs)


@pytest.mark.parametrize(("index", "archive"), [("counted", "docs"), ("sparse", "sourced")])
def test_counted_keys_answer_with_filters_and_without(request: pytest.FixtureRequest, index: str, archive: str) -> None:
    """Facet counts kept by a key (dense or sparse), or read from the columns, give the same as a scan of the docs."""
    counted: dict[str, bytes] = request.getfixturevalue(index)
    docs: list[SearchDoc] = request.getfixturevalue(archive)
    for query in ("公", "安", "民警", "派出所", "公 安", NEEDLE):
        for filters in ({}, {"topic": "反诈"}, {"year": "2022"}):
            result = reader(counted).search(query, filters)
            assert result is not None
            assert result.facets == expected_counts(docs, brute_force(docs, query), filters), (query, filters)


def test_a_query_matching_its_rarest_keys_docs_reads_no_facet_columns(counted: dict[str, bytes]) -> None:
    r = reader(counted)
    result = r.search("公")
    assert result is not None and result.total >= 8
    assert [n for n in r.fetched if n.startswith("facets-")] == [f"facets-{r.manifest['facets']}.json.gz"]
    r = reader(counted)
    r.search("公", {"topic": "反诈"})  # a filter needs each doc's facets
    assert len([n for n in r.fetched if n.startswith("facets-")]) > 2


@pytest.mark.parametrize("query", ["公", "安", "法", "安,", "校,"])
def test_one_short_term_shows_its_keys_best_docs_without_its_d_parts(
    counted_blocked: dict[str, bytes], docs: list[SearchDoc], query: str
) -> None:
    """The first page of a query of one term of one or two characters is the best docs its key keeps: the same
    page, total and counts as ranking every match, which is done (its D parts fetched) only when asked for."""
    r = reader(counted_blocked)
    result = r.search(query)
    record = r.record(query)
    assert result is not None and record is not None and record.best
    assert not any(n.startswith("d-") for n in r.fetched)
    everything = reader(counted_blocked).search(query, page=1)  # a later page ranks every match
    assert everything is not None
    assert [f["url"] for f in result.page] == [docs[doc].url for doc in everything.ranked[:10]]
    assert result.total == everything.total == len(brute_force(docs, query))
    assert result.facets == everything.facets
    assert result.ranked == everything.ranked
    assert any(n.startswith("d-") for n in r.fetched)


def test_longer_terms_and_filters_rank_every_match(counted_blocked: dict[str, bytes]) -> None:
    for query, filters in (("治,法", {}), ("公 安", {}), ("公", {"topic": "反诈"})):
        r = reader(counted_blocked)
        r.search(query, filters)
        assert any(n.startswith("d-") for n in r.fetched), query


def test_two_character_terms_fetch_no_positions(blocked: dict[str, bytes]) -> None:
    r = reader(blocked)
    assert search(blocked, "网格").ranked == [5, 3]  # 5 has it in its title
    r.search("网格")
    assert any(n.startswith("d-") for n in r.fetched)
    assert not any(n.startswith("p-") for n in r.fetched)


def test_a_frequent_key_fetches_only_the_blocks_of_the_rarer_keys_docs(blocked: dict[str, bytes]) -> None:
    r = reader(blocked)
    frequent = r.record("安")
    assert frequent is not None and len(frequent.blocks) > 5
    result = r.search(f"{NEEDLE} 安")
    assert result is not None and result.ranked == [3]
    own = {b.d for b in frequent.blocks}
    assert sum(name in own for name in r.fetched) == 1


def test_records_list_every_doc_once(blocked: dict[str, bytes], docs: list[SearchDoc]) -> None:
    """df in a shard record is the number of docs holding the key, as the rarest-first plan assumes."""
    manifest = json.loads(blocked["search/manifest.json"])
    folder, count = manifest["shards"]
    texts = [f"{fold(d.title)}\n{fold(d.text)}" for d in docs]
    for n in range(count):
        shard = parse_shard(unpacked(blocked[f"search/s-{folder}/{n}.bin"]), manifest["counted"])
        for key, record in list(shard.items())[:20]:
            assert record.df == sum(key in t for t in texts), key


# ---- ranking ----


def dated(n: int, title: str, text: str) -> SearchDoc:
    return SearchDoc(f"posts/{n}/", title, text, f"2022-01-{20 - n:02d}", "", (), (), "")


def test_ranking_title_then_occurrences_then_newer() -> None:
    docs = [
        dated(0, "新闻一", "社区开展反诈宣传。"),
        dated(1, "新闻二", "反诈反诈，反诈宣传。"),
        dated(2, "新闻三", "反诈宣传。"),
        dated(3, "反诈宣传进社区", "宣传。"),
        dated(4, "新闻五", "反诈工作。"),
    ]
    files = built(docs)
    assert search(files, "反诈").ranked == [3, 1, 0, 2, 4]
    assert search(files, "诈 宣传").ranked == [3, 1, 0, 2]


def test_ranking_counts_in_doubling_buckets_then_closeness() -> None:
    """Two and three occurrences weigh alike; then the doc where the terms stand together wins."""
    docs = [
        dated(0, "新闻", "网格员走访。" + "。" * 50 + "村警巡逻。网格员。"),
        dated(1, "新闻", "网格员和村警一起巡逻。"),
        dated(2, "新闻", "网格网格网格网格，村警。"),
    ]
    files = built(docs)
    result = search(files, "网格 村警")
    assert [(d, result.hits[d].count) for d in result.ranked] == [(2, 5), (1, 2), (0, 3)]
    assert result.hits[1].span < result.hits[0].span


def test_span_is_the_narrowest_window_holding_every_term() -> None:
    assert span([[0, 50], [48], [60, 45]]) == 5
    assert span([[3], [3]]) == 0


def test_one_character_terms_count_their_occurrences() -> None:
    docs = [dated(0, "新闻", "警察。"), dated(1, "新闻", "警察，警察，警察。")]
    assert search(built(docs), "警").ranked == [1, 0]


def test_newest_first_orders_by_date_and_keeps_undated_last_in_the_callers_order(docs: list[SearchDoc]) -> None:
    shuffled = random.Random(4).sample(docs, len(docs))
    ordered = search_index.newest_first(shuffled)
    dated = [d for d in ordered if d.date]
    assert [d.date for d in dated] == sorted((d.date for d in docs if d.date), reverse=True)
    assert ordered[len(dated) :] == [d for d in shuffled if not d.date]
    result = search(built(ordered), "", topic="反诈")
    assert [r["url"] for r in result.page] == [d.url for d in ordered if "反诈" in d.categories][:10]


def test_docs_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="posts/1/"):
        built([dated(2, "旧闻", "旧事。"), dated(1, "新闻", "新事。")])
    with pytest.raises(ValueError, match="posts/0/"):
        built([replace(dated(1, "无日期", "某事。"), date=""), dated(0, "新闻", "新事。")])


# ---- facets ----


def facet_values(doc: SearchDoc) -> dict[str, set[str]]:
    return {
        "topic": set(doc.categories),
        "region": set(doc.regions),
        "source": {doc.source} if doc.source else set(),
        "year": {doc.date[:4]} if doc.date else set(),
    }


def expected_counts(docs: list[SearchDoc], matching: set[int], filters: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per facet: the values of the matches that pass every other facet's filter."""
    counts: dict[str, dict[str, int]] = {}
    for facet in ("topic", "region", "source", "year"):
        counts[facet] = {}
        for i in matching:
            values = facet_values(docs[i])
            if all(v in values[f] for f, v in filters.items() if f != facet):
                for value in values[facet]:
                    counts[facet][value] = counts[facet].get(value, 0) + 1
    return counts


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"topic": "反诈"},
        {"topic": "禁毒", "region": "吉安市"},
        {"year": "2022"},
        {"source": "新华社", "year": "2023"},
    ],
)
def test_filters_narrow_the_results_and_counts_cover_all_matches(
    files: dict[str, bytes], docs: list[SearchDoc], filters: dict[str, str]
) -> None:
    for query in ("公", "平安", "安全 警", "民警开"):
        matching = brute_force(docs, query)
        result = search(files, query, **filters)
        passing = {i for i in matching if all(v in facet_values(docs[i])[f] for f, v in filters.items())}
        assert set(result.ranked) == passing, (query, filters)
        assert result.facets == expected_counts(docs, matching, filters), (query, filters)


def test_facets_alone_browse_the_archive_newest_first(files: dict[str, bytes], docs: list[SearchDoc]) -> None:
    result = search(files, "", topic="反诈")
    assert result.ranked == [i for i, d in enumerate(docs) if "反诈" in d.categories]
    assert result.facets["topic"] == expected_counts(docs, set(range(len(docs))), {"topic": "反诈"})["topic"]


def test_unknown_facet_value_matches_nothing(files: dict[str, bytes]) -> None:
    assert search(files, "公", topic="没有这个专题").ranked == []
    assert search(files, "公", year="1999").ranked == []


def test_undated_docs_have_no_year(files: dict[str, bytes], docs: list[SearchDoc]) -> None:
    result = search(files, "", year="2023")
    assert result.ranked and all(docs[i].date.startswith("2023") for i in result.ranked)
    assert sum(search(files, "公").facets["year"].values()) == len(brute_force(docs, "公") - {27, 28, 29})


# ---- the files ----


def test_results_carry_the_fragments(files: dict[str, bytes], docs: list[SearchDoc]) -> None:
    result = search(files, "网格化")
    assert result.ranked == [5]
    doc = docs[5]
    fragment = result.page[0]
    assert {k: fragment[k] for k in ("url", "title", "date", "source", "excerpt")} == {
        "url": doc.url,
        "title": doc.title,
        "date": doc.date,
        "source": doc.source,
        "excerpt": search_index.excerpt(doc),
    }
    assert doc.summary == "" and fragment["excerpt"].startswith(doc.text.split("\n")[0])
    assert search(files, "网格村警").page[0]["excerpt"] == docs[3].summary
    assert "網" in fragment["t2s"][0] and "网" in fragment["t2s"][1]
    assert "遂川縣" in search(files, "遂川县").snippets[0].text  # the text as written, found folded


def test_files_are_named_by_content_and_all_referenced(files: dict[str, bytes]) -> None:
    manifest = json.loads(files["search/manifest.json"])
    folder, count = manifest["shards"]
    shards = [unpacked(files[f"search/s-{folder}/{n}.bin"]) for n in range(count)]
    named = {f"search/s-{folder}/{n}.bin" for n in range(count)} | {"search/manifest.json"}
    for shard in shards:
        for record in parse_shard(shard, manifest["counted"]).values():
            named |= {f"search/{p}" for b in record.blocks for p in (b.d, b.p) if isinstance(p, str)}
    t2s_folder, buckets = manifest["t2s"]
    named |= {f"search/t2s-{t2s_folder}/{n}.json" for n in range(buckets)}
    head = json.loads(gzip.decompress(files[f"search/facets-{manifest['facets']}.json.gz"]))
    named |= {f"search/facets-{h}.json.gz" for h in (manifest["facets"], head["sets"], *head["columns"][1])}
    per, folders = manifest["fragments"]
    named |= {f"search/frag-{folders[n // per]}/{n}.json.gz" for n in range(manifest["docs"])}
    assert named == set(files)
    for path, data in files.items():
        if re.search(r"/[dp]-\w+\.bin$|facets-", path):
            assert path.rsplit("-", 1)[1].split(".")[0] == hashlib.sha256(data).hexdigest()[:12], path


def test_gzip_files_are_deterministic_gzip(files: dict[str, bytes]) -> None:
    for path, data in files.items():
        if path.endswith(".gz"):
            assert data[:2] == b"\x1f\x8b" and data[4:8] == b"\0\0\0\0"  # no timestamp
            json.loads(gzip.decompress(data))


def test_manifest_comes_last_so_a_reader_never_sees_a_half_written_index(docs: list[SearchDoc]) -> None:
    paths = [file.path for file in build(docs)]
    assert paths[-1] == "search/manifest.json" and len(paths) == len(set(paths))


def test_empty_archive_builds_an_index_that_finds_nothing() -> None:
    files = built([])
    assert json.loads(files["search/manifest.json"])["docs"] == 0
    assert search(files, "网格").ranked == []


def test_build_is_deterministic(docs: list[SearchDoc], files: dict[str, bytes]) -> None:
    assert built(list(docs)) == files


def test_json_files_are_canonical(files: dict[str, bytes]) -> None:
    for path, data in files.items():
        if path.endswith(".json"):
            canonical = json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            assert data == canonical.encode("utf-8")
