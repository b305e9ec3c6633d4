"""What a reader and the machines that read for them get from a page: structured data, link previews,
canonical links, corrections, descriptions, reading time, dates; dark mode, print and the measure in Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page
from support import TEST_SITE, Watch, copy_site, serve

from sitegen import cli
from sitegen.render import reading_minutes

BASE = "https://example.org/archive/"
# A story with everything the trust features show, and front matter that tries to leave its script element.
CORRECTED = """---
title: 某镇派出所“夜巡队”守护老街</script><script>alert(1)</script>
subtitle: 居民自发巡逻三年
date: 2024-05-06T08:30:00+08:00
updated: 2024-05-07
authors: [王某某, 李某]
editor: 赵某
source: 某县融媒体中心
source_url: https://news.example.com/a/1.html
original_url: https://media.example.cn/2024/0506/x.html
categories: [社区警务]
tags: [夜巡]
regions: [江西省, 吉安市, 遂川县]
summary: 老街居民组成“夜巡队”，三年来协助派出所劝阻纠纷。</script><!--
corrections:
- date: 2024-05-07
  text: 本文原称夜巡队有“三十人”，应为“二十人”。</script><!--
- date: 2024-05-08T10:00:00+08:00
  text: 更正了派出所所长的姓名。
copies:
- via: 某聚合网站
  source_url: https://aggregator.example.net/p/9
slug: ye-xun-dui
---

每到晚上八点，老街口的路灯下就聚起一群穿红马甲的居民。“我们就是多看一眼、多问一句。”队长说。

三年来，夜巡队劝阻邻里纠纷四十余起，见[警民联系点](/posts/fan-zha/)和[县公安局网站](https://police.example.gov.cn/)。

A note for visitors: "Please call the station if you see anything unusual."
"""


def _build(root: Path, base_url: str) -> Path:
    site = copy_site(TEST_SITE, root / "site")
    (site / "content/posts/2024").mkdir()
    (site / "content/posts/2024/ye-xun-dui.md").write_text(CORRECTED, encoding="utf-8")
    out = root / "output"
    assert cli.main(["--root", str(site), "build", "--output", str(out), "--base-url", base_url]) == 0
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("reader"), BASE)


def soup_of(out: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((out / path).read_text(encoding="utf-8"), "html.parser")


def json_ld(soup: BeautifulSoup) -> dict[str, Any]:
    """The page's NewsArticle (the breadcrumbs have a BreadcrumbList of their own)."""
    found = [json.loads(script.string) for script in soup.find_all("script", type="application/ld+json")]
    articles = [data for data in found if data["@type"] == "NewsArticle"]
    assert len(articles) == 1
    return articles[0]


def test_article_json_ld_is_a_news_article_with_the_story_fields(built: Path) -> None:
    data = json_ld(soup_of(built, "posts/ye-xun-dui/index.html"))
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == "某镇派出所“夜巡队”守护老街</script><script>alert(1)</script>"
    assert data["alternativeHeadline"] == "居民自发巡逻三年"
    assert data["datePublished"] == "2024-05-06T08:30:00+08:00"
    assert data["dateModified"] == "2024-05-08T10:00:00+08:00"  # the latest correction, after `updated`
    assert data["author"] == [{"@type": "Person", "name": "王某某"}, {"@type": "Person", "name": "李某"}]
    assert data["editor"] == {"@type": "Person", "name": "赵某"}
    assert data["publisher"] == {"@type": "Organization", "name": "测试档案", "url": BASE}
    assert data["sourceOrganization"]["name"] == "某县融媒体中心"
    assert [place["name"] for place in data["contentLocation"]] == ["江西省", "吉安市", "遂川县"]
    assert data["isBasedOn"] == [
        "https://news.example.com/a/1.html",
        "https://media.example.cn/2024/0506/x.html",
        "https://aggregator.example.net/p/9",
    ]
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "datePublished": "2024-05-07",
            "text": "本文原称夜巡队有“三十人”，应为“二十人”。</script><!--",
        },
        {
            "@type": "CorrectionComment",
            "datePublished": "2024-05-08T10:00:00+08:00",
            "text": "更正了派出所所长的姓名。",
        },
    ]
    assert data["url"] == data["mainEntityOfPage"]["@id"] == BASE + "posts/ye-xun-dui/"
    assert data["inLanguage"] == "zh-CN" and data["timeRequired"] == "PT1M"


def test_an_undated_story_has_no_dates_in_its_json_ld(built: Path) -> None:
    data = json_ld(soup_of(built, "posts/wu-ri-qi/index.html"))
    assert "datePublished" not in data and "dateModified" not in data and "correction" not in data


def test_front_matter_cannot_leave_the_json_ld_script(built: Path) -> None:
    page = (built / "posts/ye-xun-dui/index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script( [^>]*)?>(.*?)</script>", page, re.DOTALL)
    assert scripts and all(kind == ' type="application/ld+json"' for kind, _ in scripts)
    assert not any(re.search(r"[<>&]", text) for _, text in scripts)
    assert page.count("<script") == len(scripts)  # the title's <script> is text, in the JSON and in the page


def test_canonical_and_link_previews_are_absolute(built: Path) -> None:
    soup = soup_of(built, "posts/ye-xun-dui/index.html")
    url = BASE + "posts/ye-xun-dui/"
    assert soup.find("link", rel="canonical")["href"] == url
    meta = {tag.get("property") or tag.get("name"): tag["content"] for tag in soup.find_all("meta", content=True)}
    assert meta["og:url"] == url and meta["og:type"] == "article" and meta["og:site_name"] == "测试档案"
    assert meta["og:title"] == meta["twitter:title"] == "某镇派出所“夜巡队”守护老街</script><script>alert(1)</script>"
    assert (
        meta["og:description"] == meta["description"] == "老街居民组成“夜巡队”，三年来协助派出所劝阻纠纷。</script><!--"
    )
    assert meta["twitter:card"] == "summary" and meta["og:locale"] == "zh_CN"
    assert meta["article:published_time"] == "2024-05-06T08:30:00+08:00"
    topic = soup_of(built, "topics/she-qu-jing-wu/page/2/index.html")
    assert topic.find("link", rel="canonical")["href"] == BASE + "topics/she-qu-jing-wu/page/2/"
    missing = soup_of(built, "404.html")
    assert missing.find("link", rel="canonical") is None and missing.find("meta", attrs={"name": "robots"})


def test_a_relative_base_url_gives_root_relative_canonical_links(tmp_path: Path) -> None:
    out = _build(tmp_path, "/archive/")
    soup = soup_of(out, "posts/ye-xun-dui/index.html")
    assert soup.find("link", rel="canonical")["href"] == "/archive/posts/ye-xun-dui/"
    assert json_ld(soup)["publisher"]["url"] == "/archive/"


def test_corrections_are_shown_with_their_dates(built: Path) -> None:
    soup = soup_of(built, "posts/ye-xun-dui/index.html")
    notes = soup.select("#corrections li")
    assert [note.get_text() for note in notes] == [
        "2024年5月7日：本文原称夜巡队有“三十人”，应为“二十人”。</script><!--",
        "2024年5月8日 10:00：更正了派出所所长的姓名。",
    ]
    assert notes[0].time["datetime"] == "2024-05-07"
    assert soup.select_one('.byline a[href="#corrections"]').get_text() == "2 条更正"
    assert soup_of(built, "posts/fan-zha/index.html").find(id="corrections") is None


def test_undated_stories_have_no_empty_datetime_anywhere(built: Path) -> None:
    for page in built.rglob("*.html"):
        assert 'datetime=""' not in page.read_text(encoding="utf-8"), page
    article = soup_of(built, "posts/wu-ri-qi/index.html")
    assert article.select_one(".byline dd .date").get_text() == "日期不详"
    related = soup_of(built, "posts/wang-ge-cun-jing/index.html").select(".related li")
    undated = [li for li in related if "wu-ri-qi" in li.a["href"]]
    assert undated and undated[0].time is None and undated[0].select_one(".date").get_text() == "日期不详"


# The home list, each kind's index, a term's list and the archive's, with their later pages.
LISTS = re.compile(
    r"(?:(?:topics|tags|sources|regions)/(?:[a-z0-9-]+/)?|archive/(?:\d{4}/(?:\d{2}/)?)?)?(?:page/\d+/)?index\.html"
)


def test_every_list_page_has_a_description_of_its_own(built: Path) -> None:
    pages = [p.relative_to(built).as_posix() for p in built.rglob("index.html")]
    lists = [page for page in pages if LISTS.fullmatch(page)]
    described = {page: soup_of(built, page).find("meta", attrs={"name": "description"})["content"] for page in lists}
    assert len(lists) > 30 and "sitegen 的测试站点" not in described.values()
    assert len(set(described.values())) == len(described)
    topic = described["topics/she-qu-jing-wu/index.html"]
    assert topic.startswith("「专题：社区警务」的 4 篇报道（第 1/2 页）：某镇派出所“夜巡队”")


def test_list_items_show_region_and_topic(built: Path) -> None:
    item = soup_of(built, "index.html").select("li.story")[0]
    assert item.select_one(".story-region").get_text() == "地区：江西省 吉安市 遂川县"
    assert [topic.get_text() for topic in item.select(".story-topic")] == ["专题：社区警务"]


@pytest.mark.parametrize(
    ("html", "minutes"),
    [
        ("<p>" + "字" * 255 * 3 + "</p>", 3),  # Han characters at 255 a minute
        ("<p>" + "word " * 228 * 2 + "</p>", 2),  # words of Latin text at 228 a minute
        ("<p>" + "字" * 255 + "</p><p>" + "word " * 228 + "</p>", 2),  # both, each at its rate
        ('<p><a href="https://example.com/a/very/long/link">短</a> &amp;</p>', 1),  # markup is not read; at least 1
    ],
)
def test_reading_time_counts_each_script_at_its_rate(html: str, minutes: int) -> None:
    assert reading_minutes(html) == minutes


def test_the_article_says_how_long_it_takes_to_read(built: Path) -> None:
    byline = soup_of(built, "posts/ye-xun-dui/index.html").select_one(".byline")
    assert "约 1 分钟读完" in byline.get_text()


def _opened(browser: Browser, site: str, path: str, **options: Any) -> Page:
    page = browser.new_page(**options)
    page.goto(site + path)
    return page


def test_the_json_ld_parses_in_the_browser_and_runs_nothing(browser: Browser, built: Path) -> None:
    with serve(built, "/archive/") as site:
        page = browser.new_page()
        watch = Watch(page)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(site + "posts/ye-xun-dui/")
        found = page.evaluate("[...document.scripts].map(s => JSON.parse(s.textContent))")
        (data,) = [item for item in found if item["@type"] == "NewsArticle"]
        assert data["headline"].endswith("</script><script>alert(1)</script>")
        kinds = page.evaluate("[...document.scripts].map(s => s.type)")
        assert kinds and set(kinds) == {"application/ld+json"}
        assert dialogs == [] and watch.errors == []


def _colours(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries([['text', 'body', 'color'], ['bg', 'html', 'backgroundColor'],
            ['muted', '.byline', 'color'], ['link', '.article-body a', 'color']].map(
            ([name, selector, property]) => [name, getComputedStyle(document.querySelector(selector))[property]]))"""
    )


def _contrast(one: str, other: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_dark_mode_changes_the_colours_and_keeps_aa_contrast(browser: Browser, built: Path) -> None:
    with serve(built, "/archive/") as site:
        light = _colours(_opened(browser, site, "posts/ye-xun-dui/", color_scheme="light"))
        dark = _colours(_opened(browser, site, "posts/ye-xun-dui/", color_scheme="dark"))
    assert all(light[name] != dark[name] for name in light), (light, dark)
    for colours in (light, dark):
        for name in ("text", "muted", "link"):
            assert _contrast(colours[name], colours["bg"]) >= 4.5, (name, colours)


def test_print_shows_the_article_alone_with_its_link_targets(browser: Browser, built: Path) -> None:
    with serve(built, "/archive/") as site:
        page = _opened(browser, site, "posts/ye-xun-dui/")
        page.emulate_media(media="print")
        shown = page.evaluate(
            "['.site-header', '.site-footer', '.site-search', '.related', '.prev-next', 'article']"
            ".map(s => document.querySelector(s)).filter(Boolean).map(e => getComputedStyle(e).display !== 'none')"
        )
        assert shown == [False, False, False, False, False, True]
        after = page.evaluate(
            "getComputedStyle(document.querySelector('.article-body a[href^=\"https\"]'), '::after').content"
        )
        assert "https://police.example.gov.cn/" in after
        page.emulate_media(media="screen")
        assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") != "none"


def test_chinese_fonts_first_a_measure_of_38_and_dates_that_do_not_wrap(browser: Browser, built: Path) -> None:
    with serve(built, "/archive/") as site:
        page = _opened(browser, site, "posts/ye-xun-dui/", viewport={"width": 1280, "height": 900})
        family = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert family.startswith('"PingFang SC"') and "system-ui" not in family
        per_line = page.evaluate(
            "document.querySelector('.article-body p').getBoundingClientRect().width"
            " / parseFloat(getComputedStyle(document.querySelector('.article-body p')).fontSize)"
        )
        assert 35 <= per_line <= 40
        assert page.evaluate(
            "[...document.querySelectorAll('time, .date')].every(e => getComputedStyle(e).whiteSpace === 'nowrap')"
        )
        phone = _opened(browser, site, "posts/wang-ge-cun-jing/", viewport={"width": 390, "height": 844})
        assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")
        assert phone.evaluate(
            "[...document.querySelectorAll('.related li time, .related li .date')].every(e => e.getClientRects().length === 1)"
        )
