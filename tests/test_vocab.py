"""Regions, topics and tags of a story: the seed stories' expected values and the guards around them."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from sitegen import config
from sitegen.config import Topic
from sitegen.extract.regions import find_regions, gazetteer, short_name
from sitegen.extract.vocab import GENERIC_WORDS, find_tags, find_topics

REPO = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
TOPICS = config.load(REPO).topics
TITLES = {
    "000": "井冈山茨坪派出所：勇当守护平安的红色哨兵",
    "001": "12年刑事“零发案” 守护“天下第一山”",
    "002": "解读全国“示范市”背后的“平安密码”",
    "003": "江苏盐城：织密守护平安的群众防线",
    "004": "遂川公安创新机制筑牢社会治理第一道防线",
}


def seed(number: str) -> str:
    return next(SEEDS.glob(f"{number}_*.txt")).read_text(encoding="utf-8")


# --- the gazetteer ---------------------------------------------------------------------------


def test_gazetteer_is_a_tree_of_real_divisions() -> None:
    g = gazetteer()
    levels = {len(code) for code in g.names}
    assert levels == {2, 4, 6}
    assert sum(1 for code in g.names if len(code) == 2) == 31
    for code, parent in g.parents.items():
        assert (parent == "") == (len(code) == 2), code
        assert code.startswith(parent) and parent in g.names or parent == "", code
    placeholders = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
    assert not placeholders & set(g.names.values())
    assert g.parents["110105"] == "11"  # 朝阳区 hangs under 北京市, not under a 市辖区
    assert g.parents["419001"] == "41"  # 济源市 under 河南省
    assert all(g.names[p] != name for p, name in ((g.parents[c], g.names[c]) for c in g.names) if p)


def test_regions_md_names_the_shipped_file() -> None:
    data = files("sitegen") / "data"
    digest = hashlib.sha256((data / "regions.tsv").read_bytes()).hexdigest()
    assert digest in (data / "REGIONS.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("江苏省", "江苏"),
        ("盐城市", "盐城"),
        ("遂川县", "遂川"),
        ("井冈山市", "井冈山"),
        ("广西壮族自治区", "广西"),
        ("新疆维吾尔自治区", "新疆"),
        ("延边朝鲜族自治州", "延边"),
        ("伊犁哈萨克自治州", "伊犁"),
        ("积石山保安族东乡族撒拉族自治县", "积石山"),
        ("东乡族自治县", "东乡"),
        ("鄂伦春自治旗", "鄂伦春"),
        ("神农架林区", "神农架"),
        ("金林区", "金林"),
        ("大兴安岭地区", "大兴安岭"),
        ("阿拉善盟", "阿拉善"),
        ("城区", "城区"),
    ],
)
def test_short_name(name: str, short: str) -> None:
    assert short_name(name) == short


# --- regions of the seed stories ----------------------------------------------------------------

SEED_REGIONS = {
    "000": ("江西省", "吉安市", "井冈山市"),
    "001": ("江西省", "吉安市", "井冈山市"),
    "002": ("江西省", "吉安市"),
    "003": ("江苏省", "盐城市"),
    "004": ("江西省", "吉安市", "遂川县"),
}


@pytest.mark.parametrize("number", sorted(SEED_REGIONS))
def test_seed_regions(number: str) -> None:
    assert find_regions(seed(number)) == SEED_REGIONS[number]
    assert find_regions(seed(number), title=TITLES[number]) == SEED_REGIONS[number]


# --- short names, ambiguity, false positives ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("江苏盐城：盐城警方织密防线，盐城志愿者上门宣传。", ("江苏省", "盐城市")),
        ("吉安警方……吉安市民……", ("江西省", "吉安市")),  # 吉安 is the city, not 吉安县
        ("海南海口：海口警方开展夏季整治。", ("海南省", "海口市")),
        ("海南警方开展夏季整治，海南各地……", ("海南省",)),  # not 海南藏族自治州 (青海)
        ("河南警方……河南……", ("河南省",)),  # not 河南蒙古族自治县 (青海)
        ("吉林市公安局通报，吉林市……", ("吉林省", "吉林市")),
        ("北京市东城区", ("北京市", "东城区")),
        ("北京朝阳：朝阳区民警走进社区，朝阳警方提醒。", ("北京市", "朝阳区")),
        ("辽宁朝阳：朝阳警方开展反诈宣传。", ("辽宁省", "朝阳市")),
        ("南京鼓楼：鼓楼警方破获一起案件。", ("江苏省", "南京市", "鼓楼区")),
        ("福州鼓楼：鼓楼警方破获一起案件。", ("福建省", "福州市", "鼓楼区")),
        ("共建平安吉安，平安吉安建设……吉安", ("江西省", "吉安市")),  # 安吉 (浙江) hides in 平安吉安
    ],
)
def test_short_names_and_ambiguity(text: str, expected: tuple[str, ...]) -> None:
    assert find_regions(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "坚持和平发展，维护世界和平，和平是人类共同的愿望。",
        "朝阳群众举报，朝阳群众又立功了，鼓楼里的鼓声。",  # shared names and no province or city
        "在主城区、开发区、新区、郊区和矿区巡逻，城关派出所，市中心。",
        "创建全国示范县，示范县建设，又一个示范县。",  # 范县 only with 河南 or 濮阳
        "长治久安，长治久安。",
        "安康杯竞赛，安康杯知识竞赛。",
        "遂川公安……遂川公安……遂川",  # a bare two-character county name needs its city or province
        "盐城",  # a single passing mention in the body is not enough
        "",
    ],
)
def test_no_region_from_common_words(text: str) -> None:
    assert find_regions(text) == ()


def test_common_word_stays_a_word_next_to_its_place() -> None:
    # 公安县 is a county of 荆州; in police news 公安 is the police.
    text = "湖北荆州：荆州市公安局……公安机关……公安民警……公安干警……荆州警方"
    assert find_regions(text) == ("湖北省", "荆州市")


def test_title_weighs_more_than_body() -> None:
    body = "盐城和南京的民警联合行动。"
    assert find_regions(body) == ("江苏省",)  # a tie between the cities: no city
    assert find_regions(body, title="南京警方联合行动") == ("江苏省", "南京市")
    assert find_regions(body, title="盐城警方联合行动") == ("江苏省", "盐城市")
    # One title mention outweighs two in the body.
    assert find_regions("盐城民警……盐城民警与南京民警联合行动。", title="南京警方") == ("江苏省", "南京市")


def test_footer_and_passing_mentions_lose_to_the_story() -> None:
    story = "遂川县公安局推行网格村警。遂川县……遂川县……遂川县……吉安市道德模范。"
    footer = "第一办公区：北京市东城区建国门内大街；第二办公区：北京市西城区。"
    assert find_regions(story + footer) == ("江西省", "吉安市", "遂川县")


def test_county_only_when_it_dominates_its_city() -> None:
    text = "盐城警方……盐城市……盐城……盐城市亭湖区……滨海县……盐都区……射阳县"
    assert find_regions(text) == ("江苏省", "盐城市")


# --- topics ----------------------------------------------------------------------------------------


def test_seed_topics() -> None:
    assert {"社区警务", "防溺水"} <= set(find_topics(seed("004"), TOPICS, title=TITLES["004"]))
    assert {"社区警务", "反诈"} & set(find_topics(seed("003"), TOPICS, title=TITLES["003"]))
    for number in SEED_REGIONS:
        found = find_topics(seed(number), TOPICS, title=TITLES[number])
        assert 1 <= len(found) <= 3
        assert set(found) <= {t.name for t in TOPICS}


TEST_TOPICS = (
    Topic("反诈", ("诈骗", "反诈")),
    Topic("防溺水", ("溺水",)),
    Topic("消防安全", ("火灾",)),
    Topic("交通安全", ("酒驾",)),
    Topic("校园安全", ("校园",)),
)


def test_topic_needs_two_body_hits_or_one_title_hit() -> None:
    assert find_topics("一起诈骗案。", TEST_TOPICS) == ()
    assert find_topics("一起诈骗案，反诈宣传。", TEST_TOPICS) == ("反诈",)
    assert find_topics("正文", TEST_TOPICS, title="警惕诈骗") == ("反诈",)


def test_topics_ranked_by_score_then_name_at_most_three() -> None:
    text = "溺水溺水溺水 诈骗诈骗 火灾火灾 酒驾酒驾 校园"
    # 防溺水 leads with 3 hits; three topics tie at 2, the first two by name; 校园 has 1.
    assert find_topics(text, TEST_TOPICS) == ("防溺水", *sorted(["反诈", "消防安全", "交通安全"])[:2])


# --- tags ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", sorted(SEED_REGIONS))
def test_seed_tags_are_words_not_places_or_numbers(number: str) -> None:
    tags = find_tags(TITLES[number], seed(number))
    assert 3 <= len(tags) <= 6
    forms = gazetteer().forms
    for tag in tags:
        assert tag not in forms and tag not in GENERIC_WORDS, tag
        assert not any(ch.isdigit() or ch.isascii() for ch in tag), tag
    assert len(set(tags)) == len(tags)


def test_seed_tags_pick_the_storys_own_terms() -> None:
    tags_004 = find_tags(TITLES["004"], seed("004"))
    assert tags_004[0] == "网格村警"
    assert "网格" not in tags_004 and "村警" not in tags_004  # parts of a better tag
    assert "东亭有义" in find_tags(TITLES["003"], seed("003"))
    assert "群防群治" in find_tags(TITLES["001"], seed("001"))


def test_tags_are_deterministic_and_ties_sorted_by_word() -> None:
    body = "“红狐计划”和“蓝鲸行动”同时启动。“蓝鲸行动”与“红狐计划”各抓获嫌疑人。"
    swapped = "“蓝鲸行动”和“红狐计划”同时启动。“红狐计划”与“蓝鲸行动”各抓获嫌疑人。"
    tags = find_tags("", body)
    assert tags[:2] == tuple(sorted(["红狐计划", "蓝鲸行动"]))
    assert find_tags("", swapped) == tags == find_tags("", body)


def test_tags_skip_numbers_places_and_generic_words() -> None:
    body = "2022年，一个一个，十四五，十四五，江西江西，南昌南昌，记者记者，近日近日，工作工作。禁毒，禁毒。"
    assert find_tags("", body) == ("禁毒",)


def test_tags_limit_and_title_weight() -> None:
    body = "溺水 溺水 救生圈 救生圈 山塘 山塘 游泳 游泳 水域 水域 巡查 巡查 警示牌 警示牌"
    assert len(find_tags("", body, limit=3)) == 3
    assert "哨兵" in find_tags("红色哨兵", body, limit=10)  # once in the title is enough
    assert "哨兵" not in find_tags("", body + "哨兵", limit=10)  # once in the body is not


def test_jieba_keeps_quiet() -> None:
    code = "from sitegen.extract.vocab import find_tags; print(find_tags('“网格村警”', '“网格村警”巡逻'))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stderr == ""
    assert "网格村警" in run.stdout
