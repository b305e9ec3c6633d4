"""Full HTML pages: what a page's parts become (links, pictures, captions, lists, tables, credits),
and the pages of a multi-page article joined into one story."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path

import pytest

from sitegen import config
from sitegen.frontmatter import CHINA
from sitegen.importers import RawStory, html_page
from sitegen.importers.convert import Converted, convert
from sitegen.importers.detect import detect

HTML = Path(__file__).resolve().parent / "fixtures" / "html"
CFG = config.load(Path(__file__).resolve().parent / "fixtures" / "import")


@cache
def imported(name: str) -> Converted:
    path = HTML / f"{name}.html"
    return convert(path.read_bytes(), path, CFG, set())


def read(name: str) -> RawStory:
    return html_page.read(detect((HTML / f"{name}.html").read_bytes()).text)


def test_relative_links_are_made_absolute_against_the_canonical_address() -> None:
    body = imported("story").body
    assert "[防溺水专题](https://news.example.cn/topics/drowning.html)" in body
    assert "[安全指南](https://www.example.org/safety)" in body


def test_proxy_wrapped_picture_is_unwrapped_and_keeps_its_caption() -> None:
    result = imported("story")
    assert result.meta.images == ("https://cdn.example.cn/photos/class.jpg",)
    assert "![](https://cdn.example.cn/photos/class.jpg)\n\n*民警为学生讲解防溺水知识*" in result.body
    assert "img-proxy" not in result.body


def test_lists_tables_and_sub_headings_are_kept() -> None:
    body = imported("story").body
    assert "## “六不”要牢记" in body
    assert "- 不私自下水游泳；\n- 不擅自与他人结伴游泳；\n- 不到无安全设施、无救援人员的水域游泳。" in body
    assert "| 月份 | 场次 | 覆盖人数 |\n| --- | --- | --- |\n| 4月 | 3 | 1200 |" in body


def test_canonical_link_is_source_url_and_laiyuan_is_source() -> None:
    meta = imported("story").meta
    assert meta.source_url == "https://news.example.cn/2023/0612/5678.html"
    assert meta.source == "城南区融媒体中心"
    assert meta.via == "平安城南网"
    assert meta.editor == "李明"
    assert meta.date == datetime(2023, 6, 12, 9, 30, tzinfo=CHINA)


def test_page_furniture_stays_out_of_the_story() -> None:
    body = imported("story").body
    for furniture in ("当前位置", "字体", "分享到", "相关新闻", "暑期安全提示", "Copyright", "ICP", "责任编辑", "首页"):
        assert furniture not in body, furniture
    assert body.startswith("6月10日上午，城南派出所民警走进城南小学")
    assert body.endswith("筑牢暑期防溺水安全防线。")


def test_page_without_an_author_gets_none() -> None:
    meta = imported("no_author").meta
    assert meta.authors == ()
    assert meta.source is None  # 来源：本站 names no publisher
    assert meta.title == "关于开展夏季治安巡查的通知"


def test_next_page_link_is_read() -> None:
    assert read("page1").next_page == "https://police.example.cn/story/88_2.html"
    assert read("page2").next_page is None


def test_pages_of_one_article_become_one_story() -> None:
    first, second = read("page1"), read("page2")
    groups = html_page.chains([second, first])
    assert groups == [[first, second]]
    merged = html_page.merge_pages(groups[0])
    assert merged.title == "社区民警老周的一天"
    assert merged.body_markdown.index("清晨六点半") < merged.body_markdown.index("傍晚，他又走进小区")
    assert "下一页" not in merged.body_markdown and "第2页" not in merged.body_markdown
    assert merged.authors == ("王芳",) and merged.source == "城北警务"
    assert merged.source_url == "https://police.example.cn/story/88.html" and merged.next_page is None


def test_pages_of_different_articles_are_not_chained() -> None:
    first = read("page1")
    other = RawStory(title="另一篇报道", body_markdown="正文。", source_url="https://police.example.cn/story/88_2.html")
    assert html_page.chains([first, other]) == [[first], [other]]


def test_pages_that_link_in_a_loop_are_each_placed_once() -> None:
    first, second = read("page1"), read("page2")
    looped = RawStory(**{**second.__dict__, "next_page": first.source_url})
    groups = html_page.chains([looped, first])
    assert sorted(len(g) for g in groups) == [2] and {id(p) for g in groups for p in g} == {id(looped), id(first)}


NEWS = Path(__file__).resolve().parent / "fixtures" / "news"
NEWS_CASES = sorted(p.name for p in NEWS.iterdir() if (p / "page.html").is_file())


@pytest.mark.parametrize("case", NEWS_CASES)
def test_news_page_forms(case: str) -> None:
    """Each page shows one form of how Chinese newsrooms and CMSs lay out a story; expected.json says
    what the post must hold (fields left out are not checked; null means none)."""
    path = NEWS / case / "page.html"
    expected = json.loads((NEWS / case / "expected.json").read_text(encoding="utf-8"))
    result = convert(path.read_bytes(), path, CFG, set())
    meta = result.meta
    assert meta.title == expected["title"]
    assert list(meta.authors) == expected["authors"]
    for field in ("editor", "source", "source_url", "original_url"):
        if field in expected:
            assert getattr(meta, field) == expected[field], field
    day = meta.date.astimezone(CHINA).date() if isinstance(meta.date, datetime) else meta.date
    assert (day.isoformat() if day else None) == expected["date"]
    for text in expected["body_has"]:
        assert text in result.body, text
    for text in expected["body_not"]:
        assert text not in result.body, text


STORY = "<p>近日，城东派出所民警走进社区，向居民讲解防范电信诈骗知识，提醒大家不要轻信陌生来电。</p>" * 3


@pytest.mark.parametrize(
    ("title", "head", "headline"),
    [
        ("城东区汛期转移沿河群众 - 东江日报网", "", "城东区汛期转移沿河群众"),
        ("城东区汛期转移沿河群众_新闻中心_东江网", "", "城东区汛期转移沿河群众"),
        ("首页 > 要闻 > 城东区汛期转移沿河群众", "", "城东区汛期转移沿河群众"),
        ("专题》代表风采》城东区汛期转移沿河群众", "", "城东区汛期转移沿河群众"),
        ("【城东区汛期转移沿河群众】-东江", "", "城东区汛期转移沿河群众"),
        ("城东区汛期转移沿河群众|新闻频道", "", "城东区汛期转移沿河群众"),
        ("防骗提示--社会·法治--东江日报网", "", "防骗提示"),
        ("防骗提示- 环球之声 中文", '<meta property="og:site_name" content="环球之声 中文">', "防骗提示"),
        ("东江网 | 城东区汛期转移沿河群众", '<meta name="keywords" content="东江网,汛期">', "城东区汛期转移沿河群众"),
        ("《平安》新书发布会举行 - 文化 - 东江网", "", "《平安》新书发布会举行"),
        ("\ue601城东区汛期转移沿河群众\u200b", "", "城东区汛期转移沿河群众"),
        ("东江网-城东区汛期转移沿河群众", "", "城东区汛期转移沿河群众"),
        ("【东江网】城东区汛期转移沿河群众", "", "城东区汛期转移沿河群众"),
        ("城东区汛期转移沿河群众-东江新闻网-东江日报社主办", "", "城东区汛期转移沿河群众"),
        ("城东区汛期转移沿河群众-www.dongjiang.example.cn", "", "城东区汛期转移沿河群众"),
        (
            "城东区汛期转移沿河群众：东江日报",
            '<meta property="og:site_name" content="东江日报">',
            "城东区汛期转移沿河群众",
        ),
        ("东江日报：城东区汛期转移沿河群众", "", "东江日报：城东区汛期转移沿河群众"),
        ("【警方提醒】城东区汛期转移沿河群众", "", "【警方提醒】城东区汛期转移沿河群众"),
        ("城东区汛期转移沿河群众—东江网", "", "城东区汛期转移沿河群众"),
        ("城东区汛期转移沿河群众（东江网）", "", "城东区汛期转移沿河群众"),
        ("城东区汛期转移沿河群众（图）", "", "城东区汛期转移沿河群众（图）"),
        ("城东区汛期转移沿河群众 东江网", '<meta name="application-name" content="东江网">', "城东区汛期转移沿河群众"),
        ("平安建设——城东在行动", "", "平安建设——城东在行动"),
    ],
)
def test_site_and_channel_names_leave_the_title(title: str, head: str, headline: str) -> None:
    page = f"<html><head><title>{title}</title>{head}</head><body>{STORY}</body></html>"
    assert html_page.read(page).title == headline


def test_a_kicker_in_the_pages_own_headline_stays() -> None:
    page = (
        "<html><head><title>聚焦两会 | 代表委员热议平安建设_东江网</title></head><body>"
        f"<h1>聚焦两会 | 代表委员热议平安建设</h1>{STORY}</body></html>"
    )
    assert html_page.read(page).title == "聚焦两会 | 代表委员热议平安建设"
