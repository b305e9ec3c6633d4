"""search.js in a real browser, against files from search_index.build(), served from 127.0.0.1.

The browser must give the same hits, in the same order, as the Python reader in
test_search_index.py (which is checked against a substring scan), fetch only the shards a
query needs, insert data as text only, and never leave the site.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from support import REPO, Watch, serve
from test_search_index import NEEDLE, NOWHERE, Reader, random_queries

from sitegen.search_index import SPACE_CHARS, SearchDoc, fold, shard_of

SCRIPT = REPO / "themes" / "default" / "static" / "search.js"

# The markup search.js expects (themes/default/templates/search.html renders the same ids).
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
<div id="search-status" aria-live="polite"></div>
<ol id="search-results" class="stories"></ol>
</main>
<script src="{base}search.js" defer data-index="{base}search/manifest.json" data-base="{base}"></script>
</body>
</html>
"""


def write_site(root: Path, files: dict[str, bytes], base: str) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "search" / "index.html").write_text(PAGE.format(base=base), encoding="utf-8")
    (root / "search.js").write_bytes(SCRIPT.read_bytes())
    return root


def settled(page: Page) -> str:
    """Wait until the search in flight is done; its status text."""
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-status').textContent;"
        " return s !== '' && !s.startsWith('正在搜索'); }"
    )
    return page.locator("#search-status").inner_text()


def submit(page: Page, query: str) -> str:
    page.locator("#search-input").fill(query)
    page.evaluate("document.querySelector('#search-status').textContent = ''")
    page.locator("#search-input").press("Enter")
    return settled(page)


def shown(page: Page) -> list[str]:
    links = page.locator("#search-results li .story-title a")
    return [str(href) for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))")]


def needed_shards(files: dict[str, bytes], keys: list[str]) -> set[str]:
    hashes = json.loads(files["search/manifest.json"])["shards"]
    return {f"shard-{hashes[shard_of(k, len(hashes))]}.json" for k in keys}


@pytest.mark.parametrize("base", ["/", "/archive/"])
def test_search_page_finds_exactly_the_story(
    browser: Browser, files: dict[str, bytes], docs: list[SearchDoc], tmp_path: Path, base: str
) -> None:
    with serve(write_site(tmp_path, files, base), base) as site:
        page = browser.new_page()
        watch = Watch(page)
        page.goto(f"{site}search/?q={NEEDLE}")
        assert settled(page) == "找到 1 篇。"
        assert shown(page) == [f"{base}posts/story-03/"]
        item = page.locator("#search-results li")
        assert item.locator(".story-title a").inner_text() == docs[3].title
        assert item.locator("time").get_attribute("datetime") == docs[3].date
        assert docs[3].source in item.locator(".story-meta").inner_text()
        assert item.locator(".story-summary").inner_text() == docs[3].summary
        total_shards = len(json.loads(files["search/manifest.json"])["shards"])
        assert watch.shards() == needed_shards(files, ["网格", "村警"])
        assert len(watch.shards()) < total_shards

        assert submit(page, "網格村警") == "找到 1 篇。"
        assert shown(page) == [f"{base}posts/story-03/"]
        assert page.url.endswith("/search/?q=" + "%E7%B6%B2%E6%A0%BC%E6%9D%91%E8%AD%A6")

        assert submit(page, NOWHERE).startswith("没有找到")
        assert page.locator("#search-results li").count() == 0

        page.evaluate("document.querySelector('#search-status').textContent = ''")
        page.go_back()
        assert settled(page) == "找到 1 篇。"
        assert page.locator("#search-input").input_value() == "網格村警"

        assert watch.errors == []
        assert all(u.startswith((site, "data:")) for u in watch.requests), watch.requests


def test_browser_ranks_like_the_python_reader(
    browser: Browser, files: dict[str, bytes], docs: list[SearchDoc], tmp_path: Path
) -> None:
    rng = random.Random(5)
    queries = random_queries(docs, rng)
    from_titles = [
        fold(docs[i].title)[i % 5 : i % 5 + 1 + i % 2] for i in range(0, len(docs), 3)
    ]  # title hits rank first
    sample = rng.sample(queries, 40) + from_titles + ["公", "ZAKER", "１１０ 下載"]
    with serve(write_site(tmp_path, files, "/"), "/") as site:
        page = browser.new_page()
        watch = Watch(page)
        page.goto(f"{site}search/")
        assert page.locator("#search-status").inner_text() == ""
        for query in sample:
            ranked, _ = Reader(files).search(query)
            status = submit(page, query)
            expected = [f"/{docs[d].url}" for d in ranked[:50]]
            assert shown(page) == expected, query
            if not ranked:
                assert status.startswith("没有找到"), query
            else:
                assert re.match(rf"找到 {len(ranked)} 篇", status), (query, status)
        assert watch.errors == []
        assert all(u.startswith(site) for u in watch.requests)


def test_markup_in_the_data_is_shown_as_text(
    browser: Browser, files: dict[str, bytes], docs: list[SearchDoc], tmp_path: Path
) -> None:
    with serve(write_site(tmp_path, files, "/"), "/") as site:
        page = browser.new_page()
        watch = Watch(page)
        page.goto(f"{site}search/?q=%3Cscript%3E")
        assert settled(page).startswith("找到")
        link = page.locator("#search-results .story-title a").first
        assert link.inner_text() == docs[11].title
        assert page.locator("#search-results img, #search-results script, #search-results b").count() == 0
        assert page.locator("#search-results .story-summary").first.inner_text() == docs[11].summary
        assert watch.errors == []


def test_queries_split_on_the_same_spaces_as_the_index(browser: Browser, tmp_path: Path) -> None:
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
    sample = "ＡＰＰ１１０ ｶﾀｶﾅ ①②  ZAKER Ǆ ΣΑΣ ＆ﬁ"
    page = browser.new_page()
    page.goto("about:blank")
    assert page.evaluate("s => s.normalize('NFKC').toLowerCase()", sample) == fold(sample)
