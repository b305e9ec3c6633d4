"""CJK typography rules, one behaviour per case."""

from __future__ import annotations

import pytest

from sitegen.typography import clean_body, clean_heading, join_lines, reflow


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # spaces inside Chinese text go, also around numbers
        ("基层 治理的新路径", "基层治理的新路径"),
        ("辖区面积 130 平方公里，常住人口 1.64 万人。", "辖区面积130平方公里，常住人口1.64万人。"),
        ("井 冈山 100%的景区", "井冈山100%的景区"),
        # ASCII punctuation beside Chinese becomes full-width
        ("巍巍八百里,红色井冈山,这里是中国革", "巍巍八百里，红色井冈山，这里是中国革"),
        ("交巡合一; 交治合一", "交巡合一；交治合一"),
        ("五老调解队:负责化解", "五老调解队：负责化解"),
        ("失而复得了! 更没想到", "失而复得了！更没想到"),
        ("靠谱吗?", "靠谱吗？"),
        ("村 (居、社区)委员会", "村（居、社区）委员会"),
        # straight quotes pair up; spaces inside them go
        ('新时代 " 枫桥经验 "，用百倍努力', "新时代“枫桥经验”，用百倍努力"),
        ('"1" 即指"一支公安队伍", 交巡合一', "“1”即指“一支公安队伍”，交巡合一"),
        ('"破案再多,不如不发案。" 茨坪派出所', "“破案再多，不如不发案。”茨坪派出所"),
        # a lost quote damages only its neighbourhood
        ('"全警务 "警警都能过得硬"的"作风红"', "“全警务“警警都能过得硬”的“作风红”"),
        # numbers, decimals, 1+4+N, times, thousands, URLs and Latin words stay
        ('及"1+4+N"模式', "及“1+4+N”模式"),
        ("达3.6万余次", "达3.6万余次"),
        ("上午8:30集合,共1,000人", "上午8:30集合，共1,000人"),
        # a URL keeps its spaces, so that it ends where it should
        ("详见 http://example.org/a?b=1,2 页面", "详见 http://example.org/a?b=1,2 页面"),
        ("Hello, world (test)", "Hello, world (test)"),
        ("第(1)条", "第(1)条"),
        # body paragraphs never invent a closing quote
        ('他说"没想到', "他说“没想到"),
    ],
)
def test_clean_body(raw: str, expected: str) -> None:
    assert clean_body(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # one space between two phrases is the headline's separator; a lost closing quote is restored
        ('12年刑事"零发案" 守护"天下第一山', "12年刑事“零发案” 守护“天下第一山”"),
        ("群防群治 守护平安", "群防群治 守护平安"),
        ("群防群治   守护平安", "群防群治 守护平安"),
        ("创“枫桥” 邻里守望共守平安", "创“枫桥” 邻里守望共守平安"),
        # between two quoted items, and inside quotes, the space goes
        ('锻造"快警务" "优警务""全警务"', "锻造“快警务”“优警务”“全警务”"),
        ("江苏盐城:织密守护平安的群众防线", "江苏盐城：织密守护平安的群众防线"),
        ("标题 ， 内容", "标题，内容"),
    ],
)
def test_clean_heading(raw: str, expected: str) -> None:
    assert clean_heading(raw) == expected


def test_join_lines_without_space_between_chinese() -> None:
    assert join_lines(["探索了一条新时代基层", "治理的新路径"]) == "探索了一条新时代基层治理的新路径"


def test_join_lines_keeps_space_between_latin_words() -> None:
    assert join_lines(["the quick", "brown fox"]) == "the quick brown fox"


def test_reflow_blank_line_ends_paragraph() -> None:
    lines = ["第一段第一行文字", "第一段第二行。", "", "第二段。"]
    assert reflow(lines) == ["第一段第一行文字第一段第二行。", "第二段。"]


def test_reflow_short_sentence_end_and_indent_start_paragraphs() -> None:
    lines = [
        "茨坪派出所传承红色基因，锻造快警务优警务全",
        "警务的作风。",
        "锻造快警务。搭建两微一端警务服务微窗口，建",
        "立公安微信群206个。",
        "  锻造优警务。长期坚持三同五大群众工作法。",
    ]
    assert reflow(lines) == [
        "茨坪派出所传承红色基因，锻造快警务优警务全警务的作风。",
        "锻造快警务。搭建两微一端警务服务微窗口，建立公安微信群206个。",
        "锻造优警务。长期坚持三同五大群众工作法。",
    ]
