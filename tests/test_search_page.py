"""The search page as a reader meets it, in Chromium on a phone and a desktop: the first result above the
fold, nothing moving while results load, Back to where the reader was, results as one types, the keyboard.

The site is the test site plus stories of our own that share a word (巡更) and a few regions, enough for
显示更多 to have more to show.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from support import TEST_SITE, copy_site, serve, settled

from sitegen import cli

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
WORD = "巡更"
STORIES = 34
REGIONS = ("江西省, 吉安市", "江苏省, 盐城市")
UNDATED = "摊位整治"  # the word of the one undated story


def story(n: int) -> str:
    """A story with WORD in its body; its regions one of REGIONS, its topic 反诈."""
    region = REGIONS[n % len(REGIONS)]
    return (
        f"---\ntitle: 夜间{WORD}第{n}期\ndate: 2023-{n % 12 + 1:02d}-{n % 27 + 1:02d}\nsource: 测试日报\n"
        f"categories: [反诈]\nregions: [{region}]\nslug: xun-luo-{n}\n---\n\n"
        f"民警在街头{WORD}，第{n}晚。\n"
    )


@pytest.fixture(scope="module")
def site_out(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    site = copy_site(TEST_SITE, tmp_path_factory.mktemp("search-page") / "site")
    folder = site / "content" / "posts" / "2023"
    folder.mkdir(parents=True)
    for n in range(STORIES):
        (folder / f"xun-luo-{n}.md").write_text(story(n), encoding="utf-8")
    undated = f"---\ntitle: 夜市{UNDATED}\nsource: 测试日报\nslug: ye-shi\n---\n\n{UNDATED}。\n"
    (folder / "ye-shi.md").write_text(undated, encoding="utf-8")
    assert cli.main(["--root", str(site), "build", "--base-url", "https://example.org/"]) == 0
    yield site / "output"


@pytest.fixture
def site(site_out: Path) -> Iterator[str]:
    with serve(site_out, "/") as url:
        yield url


def result_links(page: Page) -> list[str]:
    hrefs = page.locator("#search-results .story-title a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    return [str(href) for href in hrefs]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_first_result_is_above_the_fold(browser: Browser, site: str, viewport: ViewportSize) -> None:
    page = browser.new_page(viewport=viewport)
    page.goto(f"{site}search/?q={WORD}")
    assert settled(page) == f"找到 {STORIES} 篇。"
    box = page.locator("#search-results li").first.bounding_box()
    assert box is not None and box["y"] + 40 < viewport["height"], box
    page.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_layout_shift_during_a_search(browser: Browser, site: str, viewport: ViewportSize) -> None:
    page = browser.new_page(viewport=viewport)
    page.add_init_script(
        "window.__cls = 0; new PerformanceObserver(list => { for (const e of list.getEntries())"
        " if (!e.hadRecentInput) window.__cls += e.value; }).observe({type: 'layout-shift', buffered: true});"
    )
    page.goto(f"{site}search/?q={WORD}")
    settled(page)
    page.locator("#search-input").fill("民警")
    page.evaluate("document.querySelector('#search-form').requestSubmit()")  # not a keystroke: counted
    page.wait_for_function("() => document.querySelector('#search-input').value === '民警'")
    settled(page)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__cls") < 0.05
    page.close()


def test_back_restores_results_facets_and_scroll(browser: Browser, site: str) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{site}search/?q={WORD}")
    settled(page)
    page.locator("#search-filter summary").click()
    page.locator('button.facet-value[data-value="反诈"]').click()
    page.wait_for_url("**topic=*")
    settled(page)
    page.locator("#search-more").click()
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 20")
    assert "n=20" in page.url
    chips = page.locator("#search-chips button").all_inner_texts()
    assert chips == ["专题：反诈 ×"]
    link = page.locator("#search-results .story-title a").nth(15)
    link.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 500
    links = result_links(page)
    link.click()
    page.wait_for_url("**/posts/**")
    page.go_back()
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 20")
    assert result_links(page) == links
    assert page.locator("#search-chips button").all_inner_texts() == chips
    assert page.locator("#search-input").input_value() == WORD
    page.wait_for_function(f"() => Math.abs(window.scrollY - {scrolled}) < 2")
    page.close()


def test_results_come_as_one_types_and_escape_clears(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}search/")
    page.locator("#search-input").press_sequentially(WORD, delay=50)
    assert settled(page) == f"找到 {STORIES} 篇。"
    assert len(result_links(page)) == 10
    assert page.url.endswith("?q=%E5%B7%A1%E6%9B%B4")
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length === 0")
    assert page.locator("#search-input").input_value() == ""
    assert page.locator("#search-status").inner_text() == ""
    page.close()


def test_a_stale_search_never_replaces_a_newer_one(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}search/")
    page.locator("#search-input").press_sequentially("派出所", delay=300)  # a search between each keystroke
    assert settled(page) == "找到 3 篇。"
    page.wait_for_timeout(500)
    assert page.locator("#search-status").inner_text() == "找到 3 篇。"
    assert len(result_links(page)) == 3
    page.close()


def test_tab_reaches_the_first_result_with_a_visible_focus(browser: Browser, site: str) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{site}search/")
    page.locator("#search-input").focus()
    page.keyboard.type(WORD)
    page.keyboard.press("Enter")
    settled(page)
    first = page.locator("#search-results .story-title a").first
    for _ in range(20):
        page.keyboard.press("Tab")
        if first.evaluate("a => a === document.activeElement"):
            break
    assert first.evaluate("a => a === document.activeElement && a.matches(':focus-visible')")
    assert first.evaluate("a => getComputedStyle(a).outlineStyle") == "solid"
    page.close()


def test_undated_results_say_so(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}search/?q={UNDATED}")
    settled(page)
    metas = page.locator("#search-results .story-meta").evaluate_all("ps => ps.map(p => p.innerHTML)")
    assert metas and all('<span class="date">日期不详</span>' in m for m in metas), metas
    assert page.locator('#search-results time[datetime=""]').count() == 0
    page.close()


def test_a_result_shows_its_region_and_topic(browser: Browser, site: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}search/?q=网格")
    settled(page)
    first = page.locator("#search-results li").first
    assert first.locator(".story-region").text_content() == "地区：江西省 吉安市 遂川县"
    assert first.locator(".story-topic").all_text_contents() == ["专题：社区警务", "专题：防溺水"]
    page.close()
