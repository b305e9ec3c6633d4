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
