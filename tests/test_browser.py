"""The shipped archive in a real browser: browse, read, search, follow a result; nothing leaves the site."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser
from support import REPO, Watch, serve

from sitegen import cli


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("archive") / "output"
    assert (
        cli.main(["--root", str(REPO), "build", "--output", str(out), "--base-url", "https://example.org/archive/"])
        == 0
    )
    return out


def test_browse_read_search_and_follow_a_result(browser: Browser, archive: Path) -> None:
    with serve(archive, "/archive/") as site:
        page = browser.new_page()
        watch = Watch(page)
        page.goto(site)
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        page.get_by_role("navigation", name="浏览").get_by_role("link", name="专题").click()
        page.wait_for_url("**/archive/topics/")
        page.locator("ul.terms a").first.click()
        page.wait_for_url("**/archive/topics/*/")
        assert page.locator("h1").inner_text().startswith("专题：")
        first = page.locator("ol.stories .story-title a").first
        title = first.inner_text()
        first.click()
        page.wait_for_url("**/archive/posts/*/")
        assert page.locator("h1").inner_text() == title

        page.locator("#site-q").fill("网格村警")
        page.locator("#site-q").press("Enter")
        page.wait_for_url("**/archive/search/?q=*")
        results = page.locator("#search-results li a")
        results.first.wait_for()
        assert results.count() >= 1
        assert "找到" in page.locator("#search-status").inner_text()
        results.first.click()
        page.wait_for_url("**/archive/posts/*/")
        assert page.locator("h1").inner_text() == "遂川公安创新机制筑牢社会治理第一道防线"

        page.goto(site + "search/?q=" + "这个词不会出现在任何报道里")
        page.wait_for_function("document.querySelector('#search-status').textContent.includes('没有找到')")
        assert page.locator("#search-results li").count() == 0

        assert watch.errors == []
        assert watch.requests and all(u.startswith((site, "data:")) for u in watch.requests), [
            u for u in watch.requests if not u.startswith(site)
        ]


def test_phone_width_has_no_horizontal_scroll(browser: Browser, archive: Path) -> None:
    with serve(archive, "/archive/") as site:
        page = browser.new_page(viewport={"width": 375, "height": 740})
        for path in ("", "topics/", "archive/", "search/"):
            page.goto(site + path)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
