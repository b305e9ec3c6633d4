"""search.js in a real browser (Debian's Chromium), served from 127.0.0.1.

Against files from search_index.build() the browser must give the same hits, in the same
order, with the same facet counts, as sitegen/search_query.py (which test_search_index.py
checks against a substring scan), also when keys are cut into many external blocks. On the
built example site a reader searches, narrows by a facet, sees highlighted results, goes back,
and opens a result, with the keyboard alone; and nothing is requested outside the site.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page
from support import REPO, TEST_SITE, Watch, built, copy_site, serve, settled
from test_search_index import NEEDLE, long_story, random_queries, reader

from sitegen import cli
from sitegen.search import index as search_index
from sitegen.search.index import SPACE_CHARS, SearchDoc, fold
from sitegen.search.query import Result

SCRIPT = REPO / "themes" / "default" / "static" / "search.js"

# The markup search.js expects; themes/default/templates/search.html renders the same ids
# (test_the_template_has_what_search_js_needs keeps the two together).
PAGE = """<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>搜索</title><link rel="icon" href="data:,"></head>
<body>
<main>
<h1>搜索</h1>
<form id="search-form" role="search" action="{base}search/" method="get">
  <label for="search-input">搜索全部报道</label>
  <input id="search-input" name="q" type="search" autocomplete="off">
  <button type="submit">搜索</button>
</form>
<div id="search-status" role="status" aria-live="polite"></div>
<div id="search-facets" class="facets" role="group" aria-label="筛选"></div>
<ol id="search-results" class="stories"></ol>
<button id="search-more" type="button" hidden>显示更多结果</button>
</main>
<script src="{base}search.js" defer data-index="{base}search/manifest.json" data-base="{base}"></script>
</body>
</html>
"""
IDS = ("search-form", "search-input", "search-status", "search-facets", "search-results", "search-more")


def write_site(root: Path, files: dict[str, bytes], base: str = "/") -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "search" / "index.html").write_text(PAGE.format(base=base), encoding="utf-8")
    (root / "search.js").write_bytes(SCRIPT.read_bytes())
    return root


def visit(page: Page, query: str, **filters: str) -> str:
    """Show a search state as a link or the back button would: through the URL and popstate."""
    url = "?" + urlencode({"q": query, **filters})
    page.evaluate(
        "url => { document.querySelector('#search-status').textContent = '';"
        " history.pushState(null, '', url); dispatchEvent(new PopStateEvent('popstate')); }",
        url,
    )
    return settled(page)


def shown(page: Page) -> list[str]:
    links = page.locator("#search-results li .story-title a")
    return [str(href) for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))")]


def snippets(page: Page) -> list[tuple[str, list[str], str]]:
    """Each result's snippet: its text, the texts marked in it, and the line naming the terms in the body."""
    found = page.locator("#search-results li").evaluate_all(
        "lis => lis.map(li => { const p = li.querySelector('.story-snippet');"
        " return [p.textContent, [...p.querySelectorAll('mark')].map(m => m.textContent),"
        " li.querySelector('.story-found')?.textContent ?? '']; })"
    )
    return [(text, marks, body) for text, marks, body in found]


def shows_the_hit(page: Page, term: str) -> list[bool]:
    """For each result: the term is marked in its title or snippet, or named as in its body."""
    return [
        bool(found)
        for found in page.locator("#search-results li").evaluate_all(
            "(lis, term) => lis.map(li => [...li.querySelectorAll('mark')].some(m => m.textContent === term)"
            " || (li.querySelector('.story-found')?.textContent ?? '').includes(`“${term}”`))",
            term,
        )
    ]


def expected_snippets(result: Result) -> list[tuple[str, list[str], str]]:
    """What snippets() should find for the Python reader's result."""
    return [
        (
            s.text,
            [s.text[a:b] for a, b in s.marks],
            "正文含" + "".join(f"“{t}”" for t in s.elsewhere) if s.elsewhere else "",
        )
        for s in result.snippets
    ]


def facet_counts(page: Page) -> dict[str, dict[str, int]]:
    pairs = page.locator("button.facet-value").evaluate_all(
        "bs => bs.map(b => [b.dataset.facet, b.dataset.value, b.querySelector('.count').textContent])"
    )
    counts: dict[str, dict[str, int]] = {}
    for facet, value, count in pairs:
        counts.setdefault(facet, {})[value] = int(count.strip("()"))
    return counts


@pytest.fixture(scope="module")
def blocked(docs: list[SearchDoc]) -> dict[str, bytes]:
    """Every key cut into external blocks of a few docs, and one story long enough for 32-bit positions."""
    long_doc = SearchDoc(
        "posts/long/", "长文", "前言" + "平安建设" * 17000 + NEEDLE, "2023-06-01", "", ("反诈",), (), ""
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_index, "BATCH_DOCS", 2)
        patch.setattr(search_index, "BLOCK_BYTES", 64)
        patch.setattr(search_index, "INLINE_BYTES", 16)
        return built(search_index.newest_first([*docs, long_doc]))


@pytest.mark.parametrize("index", ["files", "blocked", "counted", "sparse", "counted_blocked"])
def test_browser_agrees_with_the_python_reader(
    browser: Browser, request: pytest.FixtureRequest, docs: list[SearchDoc], tmp_path: Path, index: str
) -> None:
    files: dict[str, bytes] = request.getfixturevalue(index)
    rng = random.Random(5)
    queries = rng.sample(random_queries(docs, rng), 30) + [
        "公",
        "ZAKER",
        "１１０ 下載",
        NEEDLE,
        "平安建设平安",
        "建设網格村",
    ]
    cases: list[tuple[str, dict[str, str]]] = [(q, {}) for q in queries]
    cases += [("安", {"topic": "反诈"}), ("公 安", {"region": "吉安市", "year": "2022"}), ("", {"source": "新华社"})]
    with serve(write_site(tmp_path, files), "/") as site:
        page = browser.new_page()
        watch = Watch(page)
        page.goto(f"{site}search/")
        assert page.locator("#search-status").inner_text() == ""
        for query, filters in cases:
            result = reader(files).search(query, filters)
            assert result is not None
            status = visit(page, query, **filters)
            expected = [f"/{r['url']}" for r in result.page]
            assert shown(page) == expected, (query, filters)
            assert re.match(rf"找到 {result.total} 篇", status) if result.total else status.startswith("没有找到")
            listed = {f: dict(counts) for f, counts in result.facets.items() if counts}
            for f, value in filters.items():
                listed.setdefault(f, {}).setdefault(value, 0)  # a chosen value stays listed
            assert all(len(values) <= 8 for values in listed.values())  # the page lists at most 8 at first
            assert facet_counts(page) == listed, (query, filters)
            assert snippets(page) == expected_snippets(result), query
        assert watch.errors == []
        assert all(u.startswith(site) for u in watch.requests)


@pytest.mark.parametrize("index", ["blocked", "counted", "counted_blocked"])
def test_a_query_fetches_only_what_it_needs(
    browser: Browser, request: pytest.FixtureRequest, tmp_path: Path, index: str
) -> None:
    """The browser fetches exactly the files the Python reader fetches: shards, parts, facets, fragments."""
    blocked: dict[str, bytes] = request.getfixturevalue(index)
    with serve(write_site(tmp_path, blocked), "/") as site:
        for query in (NEEDLE, "网格", f"{NEEDLE} 安", "平安建设", "公", "安,", "網格", "村警 網格化"):
            page = browser.new_page()
            watch = Watch(page)
            page.goto(f"{site}search/?" + urlencode({"q": query}))
            settled(page)
            r = reader(blocked)
            r.search(query)
            fetched = {u.removeprefix(f"{site}search/") for u in watch.requests if u.startswith(f"{site}search/")}
            assert {f for f in fetched if not f.startswith("?")} == set(r.fetched), query
            page.close()


def test_a_character_the_table_changes_twice_is_folded(browser: Browser, tmp_path: Path) -> None:
    """苧 folds to 苎, though folded text holds it (薴 folds to it): the page folds a query holding it."""
    docs = [
        SearchDoc("posts/a/", "薴麻", "种植薴麻的农户。", "2023-02-01", "", (), (), ""),
        SearchDoc("posts/b/", "苧麻", "苧麻纺织。", "2023-01-01", "", (), (), ""),
    ]
    files = built(docs)
    with serve(write_site(tmp_path, files), "/") as site:
        page = browser.new_page()
        page.goto(f"{site}search/")
        for query, url in (("苧麻", "/posts/b/"), ("苎麻", "/posts/b/"), ("薴麻", "/posts/a/")):
            assert visit(page, query) == "找到 1 篇。" and shown(page) == [url], query
            assert shown(page) == [f"/{r['url']}" for r in reader(files).search(query).page]  # type: ignore[union-attr]


def test_markup_in_the_data_is_shown_as_text(
    browser: Browser, files: dict[str, bytes], docs: list[SearchDoc], tmp_path: Path
) -> None:
    with serve(write_site(tmp_path, files), "/") as site:
        page = browser.new_page()
        watch = Watch(page)
        page.goto(f"{site}search/?q=%3Cscript%3E")
        assert settled(page).startswith("找到")
        link = page.locator("#search-results .story-title a").first
        assert link.inner_text() == docs[11].title
        assert link.locator("mark").inner_text() == "<script>"
        assert page.locator("#search-results img, #search-results script, #search-results b").count() == 0
        assert watch.errors == []


def test_snippets_mark_the_hits_also_in_traditional_text(
    browser: Browser, files: dict[str, bytes], tmp_path: Path
) -> None:
    with serve(write_site(tmp_path, files), "/") as site:
        page = browser.new_page()
        page.goto(f"{site}search/?q=" + "网格化 遂川县")
        assert settled(page) == "找到 1 篇。"
        assert page.locator(".story-title mark").all_inner_texts() == ["網格化"]
        assert page.locator(".story-snippet mark").all_inner_texts() == ["遂川縣"]
        page.goto(f"{site}search/?q={NEEDLE}")
        settled(page)
        assert page.locator(".story-snippet mark").all_inner_texts() == []  # the summary does not hold it
        assert page.locator(".story-found").all_inner_texts() == [f"正文含“{NEEDLE}”"]


def test_a_hit_far_into_a_long_story_is_named(browser: Browser, tmp_path: Path) -> None:
    """The snippet is the story's opening, and the result names the terms its body holds."""
    story = long_story("最后一段写到了甲乙丙丁这件事的经过。")
    files = built([story])
    with serve(write_site(tmp_path, files), "/") as site:
        for query in ("甲乙丙丁", "甲乙", "乙 丙丁"):
            page = browser.new_page()
            watch = Watch(page)
            page.goto(f"{site}search/?" + urlencode({"q": query}))
            assert settled(page) == "找到 1 篇。"
            [(text, marks, body)] = snippets(page)
            assert marks == [] and body == "正文含" + "".join(f"“{t}”" for t in query.split())
            result = reader(files).search(query)
            assert result is not None and snippets(page) == expected_snippets(result)
            assert watch.errors == []
            page.close()


def test_a_second_query_reuses_what_the_page_fetched(browser: Browser, files: dict[str, bytes], tmp_path: Path) -> None:
    """The manifest, the facets' head, shards, parts and fragments are fetched once per page."""
    with serve(write_site(tmp_path, files), "/") as site:
        page = browser.new_page()
        watch = Watch(page)
        page.goto(f"{site}search/?q=" + "网格")
        settled(page)
        first = [u for u in watch.requests if "/search/" in u and not u.endswith("/search/?q=%E7%BD%91%E6%A0%BC")]
        assert len(first) == len(set(first)) and any("manifest.json" in u for u in first)
        for query in ("网格 村警", "网格"):
            watch.requests.clear()
            visit(page, query)
            again = [u for u in watch.requests if "/search/" in u]
            assert not {*again} & {*first}, query
            first += again
        assert watch.errors == []


def test_a_search_asks_for_its_files_before_the_history_entry(
    browser: Browser, files: dict[str, bytes], tmp_path: Path
) -> None:
    """Making a history entry may take the browser a while: a query's first requests go out before it."""
    with serve(write_site(tmp_path, files), "/") as site:
        page = browser.new_page()
        page.add_init_script(
            "window.calls = []; const fetched = window.fetch, pushed = history.pushState;"
            " window.fetch = (...a) => { calls.push(`fetch ${a[0]}`); return fetched(...a); };"
            " history.pushState = function (...a) { calls.push('pushState'); return pushed.apply(this, a); };"
        )
        page.goto(f"{site}search/")
        page.wait_for_function("window.calls.some((c) => c.includes('/facets-'))")  # the page has opened
        for query in ("网格", "村警"):
            page.evaluate("window.calls = []")
            page.locator("#search-input").fill(query)
            page.locator("#search-input").press("Enter")
            settled(page)
            calls = page.evaluate("window.calls")
            assert calls.index("pushState") > 0 and "/search/s-" in calls[0], (query, calls)


@pytest.mark.parametrize("index", ["files", "counted_blocked"])
def test_more_results_load_the_next_page(
    browser: Browser, request: pytest.FixtureRequest, tmp_path: Path, index: str
) -> None:
    """The next page follows the first, also when the first was a key's best docs (counted_blocked: the
    ranking of every match is made, its D parts fetched, when more are asked for)."""
    files: dict[str, bytes] = request.getfixturevalue(index)
    with serve(write_site(tmp_path, files), "/") as site:
        page = browser.new_page()
        page.goto(f"{site}search/?q=%E5%85%AC")  # 公
        total = int(re.findall(r"\d+", settled(page))[0])
        assert total > 10 and page.locator("#search-results li").count() == 10
        page.locator("#search-more").press("Enter")
        page.wait_for_function("document.querySelectorAll('#search-results li').length > 10")
        assert page.locator("#search-results li").count() == min(20, total)
        assert page.evaluate(
            "document.activeElement.closest('li') === document.querySelectorAll('#search-results li')[10]"
        )
        assert shown(page) == [f"/{r['url']}" for r in reader(files).search("公", page=0).page] + [  # type: ignore[union-attr]
            f"/{r['url']}"
            for r in reader(files).search("公", page=1).page  # type: ignore[union-attr]
        ]


def test_queries_split_on_the_same_spaces_as_the_index(browser: Browser) -> None:
    """SPACE_CHARS in search_index.py must be exactly what JavaScript's \\s matches."""
    page = browser.new_page()
    page.goto("about:blank")
    js_spaces = page.evaluate(
        "() => { const out = []; for (let c = 0; c < 0x110000; c++) {"
        " if (c < 0xd800 || c > 0xdfff) { if (/\\s/u.test(String.fromCodePoint(c))) out.push(c); } } return out; }"
    )
    assert js_spaces == sorted(map(ord, SPACE_CHARS))


def test_browser_folds_like_python(browser: Browser) -> None:
    """NFKC and lowercasing agree between the browser and Python (t2s uses the shipped table)."""
    sample = "ＡＰＰ１１０ ｶﾀｶﾅ ①②  ZAKER Ǆ ΣΑΣ ＆ﬁ Ａ\u0301，…"
    page = browser.new_page()
    page.goto("about:blank")
    assert page.evaluate("s => s.normalize('NFKC').toLowerCase()", sample) == fold(sample)


# ---- the real search page of the example site ----


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    site = copy_site(TEST_SITE, tmp_path_factory.mktemp("example") / "site")
    out = site / "output"
    assert cli.main(["--root", str(site), "build", "--base-url", "https://example.org/archive/"]) == 0
    yield out, "/archive/"


def test_the_template_has_what_search_js_needs(example: tuple[Path, str]) -> None:
    html = (example[0] / "search" / "index.html").read_text(encoding="utf-8")
    for id_ in IDS:
        assert f'id="{id_}"' in html
    assert 'aria-live="polite"' in html and 'data-base="/archive/"' in html


def test_keyboard_search_facet_back_and_open(browser: Browser, example: tuple[Path, str]) -> None:
    """Search, narrow by a facet, see highlighted results, go back to the previous state, open a result: keys only."""
    out, base = example
    with serve(out, base) as site:
        page = browser.new_page()
        watch = Watch(page)
        page.goto(f"{site}search/")
        page.locator("#search-input").focus()
        page.keyboard.type("派出所")
        page.keyboard.press("Enter")
        assert settled(page) == "找到 3 篇。"
        assert page.url.endswith("/archive/search/?q=%E6%B4%BE%E5%87%BA%E6%89%80")
        before = shown(page)
        assert len(before) == 3 and all(h.startswith("/archive/posts/") for h in before)
        assert shows_the_hit(page, "派出所") == [True] * 3
        assert facet_counts(page)["region"]["遂川县"] == 1

        for _ in range(40):  # Tab to the facet button for 遂川县
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.dataset.value") == "遂川县":
                break
        page.evaluate("document.querySelector('#search-status').textContent = ''")
        page.keyboard.press("Enter")
        assert settled(page) == "找到 1 篇。"
        assert "region=%E9%81%82%E5%B7%9D%E5%8E%BF" in page.url
        assert shown(page) == ["/archive/posts/wang-ge-cun-jing/"]
        assert page.evaluate("document.activeElement.dataset.value") == "遂川县"  # focus stays on the choice
        assert page.locator('button[data-value="遂川县"]').get_attribute("aria-pressed") == "true"
        assert shows_the_hit(page, "派出所") == [True]

        page.evaluate("document.querySelector('#search-status').textContent = ''")
        page.go_back()
        assert settled(page) == "找到 3 篇。"
        assert shown(page) == before
        assert page.locator("#search-input").input_value() == "派出所"
        assert page.locator('button[data-value="遂川县"]').get_attribute("aria-pressed") == "false"

        page.locator("#search-results .story-title a").first.focus()
        title = page.locator("#search-results .story-title a").first.inner_text()
        page.keyboard.press("Enter")
        page.wait_for_url("**/archive/posts/*/")
        assert page.locator("h1").inner_text() == title

        assert watch.errors == []
        assert all(u.startswith((site, "data:")) for u in watch.requests), watch.requests


def test_facets_without_a_query_browse_the_archive(browser: Browser, example: tuple[Path, str]) -> None:
    out, base = example
    with serve(out, base) as site:
        page = browser.new_page()
        page.goto(f"{site}search/?topic=%E5%8F%8D%E8%AF%88")  # 反诈
        assert settled(page) == "找到 1 篇报道。"
        assert shown(page) == ["/archive/posts/fan-zha/"]


def test_without_javascript_the_page_says_so_and_links_the_browse_pages(
    browser: Browser, example: tuple[Path, str]
) -> None:
    out, base = example
    with serve(out, base) as site:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{site}search/?q=%E6%B4%BE%E5%87%BA%E6%89%80")
        notice = page.locator("p.notice")
        assert "JavaScript" in notice.inner_text()
        links = notice.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert links == ["/archive/topics/", "/archive/regions/", "/archive/sources/", "/archive/archive/"]
        context.close()


def test_the_index_fails_gracefully(browser: Browser, files: dict[str, bytes], tmp_path: Path) -> None:
    site_files = {k: v for k, v in files.items() if "/s-" not in k}  # shards missing
    with serve(write_site(tmp_path, site_files), "/") as site:
        page = browser.new_page()
        page.goto(f"{site}search/?q={NEEDLE}")
        assert settled(page).startswith("搜索暂时不可用")
