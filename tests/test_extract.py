"""Shared extraction rules: metadata lines, proxies, and the story's boundaries."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sitegen.extract import metadata
from sitegen.extract.clean import Block, assemble, unwrap_proxy
from sitegen.frontmatter import CHINA


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("来源:江西政法网 作者:佚名时间:2022-08-18", metadata.Credits(date=date(2022, 8, 18), source="江西政法网")),
        ("□见习记者 沈媛", metadata.Credits(authors=("沈媛",))),
        ("□本报记者徐瑞春", metadata.Credits(authors=("徐瑞春",))),
        ("记者 张三 通讯员 李四", metadata.Credits(authors=("张三", "李四"))),
        ("记者：郭杰文、贾伊宁", metadata.Credits(authors=("郭杰文", "贾伊宁"))),
        ("【责任编辑 : 施歌】", metadata.Credits(editor="施歌")),
        ("记者王伟报道", metadata.Credits(authors=("王伟",))),
        ("王伟/文 赵丽/图", metadata.Credits(authors=("王伟", "赵丽"))),
        ("楼主：江畔听涛客", metadata.Credits(authors=("江畔听涛客",))),
        ("［本报评论员 王伟］", metadata.Credits(authors=("王伟",))),
        ("文丨王伟", metadata.Credits(authors=("王伟",))),
        ("责任编辑：施歌_NBJS1234", metadata.Credits(editor="施歌")),
        ("（文章来源：井冈山报）", metadata.Credits(source="井冈山报")),
        ("新华社音视频部制作", metadata.Credits(source="新华社")),
        ("原文链接:http://example.gov.cn/a.html", metadata.Credits(original_url="http://example.gov.cn/a.html")),
        ("欢迎访问民生内参!", metadata.Credits(site="民生内参")),
        ("民生内参 msnc.org.cn 版权所有。", metadata.Credits(site="民生内参")),
        (
            "2023年04月02日 09:00　来源：县公安局　【字体：大 中 小】",
            metadata.Credits(date=datetime(2023, 4, 2, 9, 0, tzinfo=CHINA), source="县公安局"),
        ),
    ],
)
def test_metadata_lines(line: str, expected: metadata.Credits) -> None:
    assert metadata.read_line(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "记者了解到",
        "记者从市公安局获悉，今年以来全市共破获案件",
        "时间：2022年7月1日上午，地点：广场",
        "人脉广 调解纠纷有优势",
    ],
)
def test_story_lines_are_not_metadata(line: str) -> None:
    assert metadata.read_line(line) is None


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("成文日期：2024-01-05 发布日期：2024-01-09", date(2024, 1, 9)),
        ("发布时间：2024-01-09 更新时间：2024-02-01", date(2024, 1, 9)),
        ("更新时间：2024-02-01 发布时间：2024-01-09", date(2024, 1, 9)),
        ("来源：东江日报 2024-01-09", date(2024, 1, 9)),
    ],
)
def test_the_publication_date_wins(line: str, day: date) -> None:
    found = metadata.read_line(line)
    assert found is not None and found.date == day and not found.provisional


def test_a_signing_date_gives_way_to_a_publication_date() -> None:
    written = metadata.read_line("成文日期：2024-01-05")
    assert written == metadata.Credits(date=date(2024, 1, 5), provisional=True)
    assert written.merge(metadata.Credits(date=date(2024, 1, 9))).date == date(2024, 1, 9)
    assert metadata.Credits(date=date(2024, 1, 9)).merge(written).date == date(2024, 1, 9)


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("2024年1月9日", date(2024, 1, 9)),
        ("（2024年1月9日）", date(2024, 1, 9)),
        ("二〇二四年十二月三十日", date(2024, 12, 30)),
    ],
)
def test_signed_dates(line: str, day: date) -> None:
    assert metadata.signed_date(line) == day


def test_a_labelled_original_link_is_read_from_its_anchor() -> None:
    links = (("阅读原文", "https://news.example.org/a.html"),)
    assert metadata.original_link("阅读原文", links) == metadata.Credits(original_url="https://news.example.org/a.html")
    assert metadata.original_link("详情见官网", links) is None


def test_lead_credit_without_brackets() -> None:
    text, found = metadata.lead_credit("本报讯 记者王伟 通讯员赵丽 4月1日上午，民警走进社区。")
    assert text == "4月1日上午，民警走进社区。"
    assert found == metadata.Credits(authors=("王伟", "赵丽"))
    assert metadata.lead_credit("新华社北京4月1日电 国务院近日印发通知。") == (
        "新华社北京4月1日电 国务院近日印发通知。",
        None,
    )


def test_photo_credit_in_a_caption() -> None:
    assert metadata.photo_credit("民警讲解防骗知识。 记者 王伟 摄") == metadata.Credits(authors=("王伟",))
    assert metadata.photo_credit("民警讲解防骗知识。") is None


@pytest.mark.parametrize(("value", "people"), [("拓尔思", ()), ("TRS", ()), ("张伟", ("张伟",)), ("petrs", ("petrs",))])
def test_meta_authors_are_never_cms_vendors(value: str, people: tuple[str, ...]) -> None:
    assert metadata.meta_people(value) == people


@pytest.mark.parametrize(
    ("line", "people"),
    [
        ("作者：巷口听风人", ("巷口听风人",)),
        ("作者：东江日报评论部", ()),
        ("作者：新浪网友", ()),
        ("作者：临川市公安局", ()),
        ("作者：巷口听风人 王伟", ()),
    ],
)
def test_pen_names_after_a_label(line: str, people: tuple[str, ...]) -> None:
    found = metadata.read_line(line)
    assert (found.authors if found else ()) == people


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ("http://news.example.com 2005年04月05日06:40 东江早报", "东江早报"),
        ("2005-04-05 民警发现了问题", None),
        ("2005-04-05 本站", None),
    ],
)
def test_an_outlet_after_a_date_under_a_headline(line: str, source: str | None) -> None:
    found = metadata.byline(line, dates=True)
    assert found is not None and found.date is not None and found.source == source


@pytest.mark.parametrize(("name", "ok"), [("夜归人2009", True), ("duscha", True), ("登录", False), ("某某网友", False)])
def test_screen_names(name: str, ok: bool) -> None:
    assert metadata.is_screen_name(name) is ok


def test_a_credit_naming_an_organisation_is_metadata_naming_no_one() -> None:
    assert metadata.read_line("作者：新浪网友") == metadata.Credits()
    assert metadata.read_line("作者：临川市公安局") == metadata.Credits()


def test_lead_credit_is_read_and_removed() -> None:
    text, found = metadata.lead_credit("本报讯（记者 王伟 通讯员 赵丽）4月1日上午，民警走进社区。")
    assert text == "4月1日上午，民警走进社区。"
    assert found == metadata.Credits(authors=("王伟", "赵丽"))


@pytest.mark.parametrize(
    ("url", "inner"),
    [
        ("https://cors.zfour.workers.dev/?http://zkres1.myzaker.com/a.jpg", "http://zkres1.myzaker.com/a.jpg"),
        ("https://images.example.net/?url=https%3A%2F%2Fimg.example.org%2Fb.png", "https://img.example.org/b.png"),
        ("https://img.example.org/c.jpg?w=600&h=400", "https://img.example.org/c.jpg?w=600&h=400"),
    ],
)
def test_unwrap_proxy(url: str, inner: str) -> None:
    assert unwrap_proxy(url) == inner


def story(*lines: str) -> list[str]:
    return [b.text for b in assemble([Block("text", line) for line in lines], "标题").blocks]


def test_contact_line_inside_the_story_is_kept() -> None:
    assert story(
        "民警提醒，遇到可疑情况要及时报警，不要轻信陌生来电。",
        "举报电话：96110",
        "警方表示，将持续开展反诈宣传，守护群众财产安全。",
        "联系电话：010-12345678",
    ) == [
        "民警提醒，遇到可疑情况要及时报警，不要轻信陌生来电。",
        "举报电话：96110",
        "警方表示，将持续开展反诈宣传，守护群众财产安全。",
    ]


def test_footer_after_the_story_is_dropped_even_when_it_reads_like_prose() -> None:
    assert story(
        "民警提醒，遇到可疑情况要及时报警，不要轻信陌生来电。",
        "[免责声明] 本文来源于网络转载，仅供学习交流使用。",
        "本站部分信息由相应民事主体自行提供，该信息内容的真实性由该民事主体负责。",
    ) == ["民警提醒，遇到可疑情况要及时报警，不要轻信陌生来电。"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06/02/2022 - 13:48", datetime(2022, 2, 6, 13, 48, tzinfo=CHINA)),  # day first
        ("7/5/2005 9:23:57 PM", datetime(2005, 5, 7, 21, 23, 57, tzinfo=CHINA)),
        ("12/25/2019", date(2019, 12, 25)),  # a second number above 12 is the day
        ("2005-04-05 06:40更新", datetime(2005, 4, 5, 6, 40, tzinfo=CHINA)),
    ],
)
def test_dates_in_page_by_lines(text: str, expected: date) -> None:
    assert metadata.parse_when(text) == expected


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("时间：2019年3月2日10:05 作者：林晓东 我来说两句(0)", ("林晓东",)),
        ("城市晚报记者陈思远/文 受访者供图", ("陈思远",)),
        ("〓 论坛 发布时间 2019/03/02 10:05:00 by qingshan 〓", ("qingshan",)),
        ("由韩小雨张贴 @ 2019-03-02 10:05:00 (12)", ("韩小雨",)),
        ("本报实习生 杜明 何静 本报记者 邱海涛", ("杜明", "何静", "邱海涛")),
        ("记者 孙　伟", ("孙伟",)),  # a two-character name spaced to the width of three
        ("[ 曹文轩 ] 来源：[ 晨报 ]", ("曹文轩",)),
    ],
)
def test_lenient_by_lines_name_their_writers(line: str, authors: tuple[str, ...]) -> None:
    found = metadata.byline(line, dates=True)
    assert found is not None and found.authors == authors


@pytest.mark.parametrize("line", ["分享到", "小字号", "查看评论", "江苏", "金融", "打印本页", "关注", "www.example.cn"])
def test_page_controls_and_places_under_a_headline_are_not_names(line: str) -> None:
    found = metadata.byline(line, dates=True, names=True)
    assert found is None or not found.authors


def test_lone_name_under_a_headline_is_its_writer() -> None:
    found = metadata.byline("钱文忠、欧阳晓", names=True)
    assert found is not None and found.authors == ("钱文忠", "欧阳晓")


def test_credits_closing_or_opening_a_paragraph() -> None:
    assert metadata.trailing_credit("……作出贡献。（总台记者 何晓明）")[1] == metadata.Credits(authors=("何晓明",))
    text, found = metadata.lead_credit("据新华社拉萨电（记者 次仁罗布）记者近日从会上了解到，今年以来……")
    assert text.startswith("记者近日") and found == metadata.Credits(authors=("次仁罗布",))


def test_meta_author_names_people_only() -> None:
    assert metadata.meta_people("赵  培") == ("赵培",)
    assert metadata.meta_people("大汉网络") == ()
    assert metadata.meta_people("中文学术期刊,汉斯出版社,Hans Publishers") == ()


@pytest.mark.parametrize(
    ("line", "authors"),
    [
        ("新华社记者 钟明远 欧阳雪", ("钟明远", "欧阳雪")),
        ("本报记者 吴晓峰 林佳", ("吴晓峰", "林佳")),
        ("特约记者 马文博　见习记者 阿依古丽·买买提", ("马文博", "阿依古丽·买买提")),
        ("文/郭子轩 图/韩雪", ("郭子轩", "韩雪")),
        ("文/郭子轩 图/市消防救援支队", ("郭子轩",)),  # a unit is credited for the pictures, no person
        ("撰文 翁佳琪", ("翁佳琪",)),
        ("执笔：吐尔逊·艾力", ("吐尔逊·艾力",)),
        ("作者：彭立、许嘉", ("彭立", "许嘉")),
        ("作者，韩冬青", ("韩冬青",)),
        ("（何雨桐 冯凯 报道）", ("何雨桐", "冯凯")),
        ("（记者 王小明 通讯员 陈刚）", ("王小明", "陈刚")),
        ("记者 张伟李娜", ("张伟", "李娜")),  # two names written together
        ("记者 次仁罗布", ("次仁罗布",)),  # a four-character name is one name when it does not split
        ("本报记者 张三 北京报道", ("张三",)),
        ("记者 张三 摄影报道", ("张三",)),
        ("记者 张三 发自北京", ("张三",)),
        ("记者 张三、李四 综合报道", ("张三", "李四")),
        ("文/图 张三", ("张三",)),
        ("作者：张三（某某大学教授）", ("张三",)),
        ("作者 | 张三", ("张三",)),
    ],
)
def test_newsroom_by_line_forms(line: str, authors: tuple[str, ...]) -> None:
    found = metadata.read_line(line) or metadata.byline(line, dates=True)
    assert found is not None and found.authors == authors


@pytest.mark.parametrize(
    "line",
    [
        "作者：网络整理",
        "作者：佚名 来源：本站",
        "作者：大汉网络",
        "作者：admin",
        "文/盐城公安",
        "作者：编辑部",
        "作者：宣传办公室",
        "技术支持：大汉网络",
        "作者：宣传处",
        "作者：平安南京",
        "作者：江苏公安",
        "作者：市公安局政治部",
    ],
)
def test_sites_vendors_and_desks_are_no_authors(line: str) -> None:
    for found in (metadata.read_line(line), metadata.byline(line, dates=True, names=True)):
        assert found is None or found.authors == ()


@pytest.mark.parametrize(
    ("line", "editor"),
    [("责任编辑：孙丽", "孙丽"), ("（编辑：何静）", "何静"), ("责编 苏畅", "苏畅"), ("【编辑：黄志成】", "黄志成")],
)
def test_editors_are_editors_not_authors(line: str, editor: str) -> None:
    found = metadata.read_line(line)
    assert found is not None and found.editor == editor and found.authors == ()


@pytest.mark.parametrize(
    ("value", "people"),
    [
        ("CSDN.NET", ()),
        ("大汉网络", ()),
        ("TRS", ()),
        ("网络整理", ()),
        ("肖春芳", ("肖春芳",)),
        ("欧阳晓明", ("欧阳晓明",)),
    ],
)
def test_meta_author_is_a_person_or_nothing(value: str, people: tuple[str, ...]) -> None:
    assert metadata.meta_people(value) == people


def test_trailing_names_in_brackets_close_a_story() -> None:
    text, found = metadata.trailing_credit("……确保群众生命财产安全。（张伟 李娜）")
    assert text == "……确保群众生命财产安全。" and found == metadata.Credits(authors=("张伟", "李娜"))
    assert metadata.trailing_credit("……关于印发实施办法的通知（试行）")[1] is None


def test_a_link_line_is_the_page_only_when_labelled_so() -> None:
    assert metadata.read_line("本文链接：https://a.example.cn/1.html") == metadata.Credits(
        own_url="https://a.example.cn/1.html"
    )
    assert metadata.read_line("来源链接：https://b.example.cn/2.html") == metadata.Credits(
        original_url="https://b.example.cn/2.html"
    )


@pytest.mark.parametrize(
    ("paragraph", "rest", "authors"),
    [
        ("新京报讯（记者张三 通讯员李四）4月1日，民警走进社区。", "4月1日，民警走进社区。", ("张三", "李四")),
        ("央视网消息（记者 张三）：近日，民警走进社区。", "近日，民警走进社区。", ("张三",)),
        (
            "新华社乌鲁木齐3月15日电（记者 阿依古丽·买买提）近日，民警走进社区。",
            "近日，民警走进社区。",
            ("阿依古丽·买买提",),
        ),
    ],
)
def test_lead_credits_in_the_usual_forms(paragraph: str, rest: str, authors: tuple[str, ...]) -> None:
    text, found = metadata.lead_credit(paragraph)
    assert text == rest and found is not None and found.authors == authors
