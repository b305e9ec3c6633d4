"""Regions of a story: the gazetteer, place names used as places, and the evidence a region needs."""

from __future__ import annotations

import hashlib
from importlib.resources import files

import pytest
from support import seed

from sitegen.extract.regions import elsewhere, find_regions, gazetteer, short_name

TITLES = {
    "000": "井冈山茨坪派出所：勇当守护平安的红色哨兵",
    "001": "12年刑事“零发案” 守护“天下第一山”",
    "002": "解读全国“示范市”背后的“平安密码”",
    "003": "江苏盐城：织密守护平安的群众防线",
    "004": "遂川公安创新机制筑牢社会治理第一道防线",
}
# A sentence with no place, topic or keyword in it, to make a story long without naming anything.
FILLER = "这段文字只讲道理，不提任何地方，也不提任何单位的名称。"


def seed_text(number: str) -> str:
    return seed(number).read_text(encoding="utf-8")


# --- the gazetteer and the places outside it -------------------------------------------------


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


def test_elsewhere_is_abroad_and_outside_the_gazetteer() -> None:
    names = elsewhere()
    assert {"伦敦", "英国", "美国", "东京", "莫斯科", "香港", "澳门", "台湾"} <= names
    assert not names & set(gazetteer().forms)  # 上海 and 乌鲁木齐 are time-zone cities too
    text = (files("sitegen") / "data" / "elsewhere.txt").read_text(encoding="utf-8")
    assert text.splitlines() == sorted(set(text.splitlines()))
    assert "中国" not in names and "联合国" not in names


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


# --- the seed stories ------------------------------------------------------------------------------

SEED_REGIONS = {
    "000": ("江西省", "吉安市", "井冈山市"),
    "001": ("江西省", "吉安市", "井冈山市"),
    "002": ("江西省", "吉安市"),
    "003": ("江苏省", "盐城市"),
    "004": ("江西省", "吉安市", "遂川县"),
}


@pytest.mark.parametrize("number", sorted(SEED_REGIONS))
def test_seed_regions(number: str) -> None:
    assert find_regions(seed_text(number)) == SEED_REGIONS[number]
    assert find_regions(seed_text(number), title=TITLES[number]) == SEED_REGIONS[number]


# --- short names and ambiguity ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("江苏盐城：盐城警方织密防线，盐城志愿者上门宣传。", ("江苏省", "盐城市")),
        ("吉安警方……吉安市民……", ("江西省", "吉安市")),  # 吉安 is the city, not 吉安县
        ("海南海口：海口警方开展夏季整治。", ("海南省", "海口市")),
        ("海南警方开展夏季整治，海南各地……", ("海南省",)),  # not 海南藏族自治州 (青海)
        ("河南警方开展夏季整治，河南各地民警上街。", ("河南省",)),  # not 河南蒙古族自治县 (青海)
        ("吉林市公安局通报，吉林市……", ("吉林省", "吉林市")),
        ("北京市东城区警方通报一起案件。", ("北京市", "东城区")),
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
    text = "湖北荆州：荆州市公安局通报案情。公安机关提醒。公安民警走访。公安干警值守。荆州警方表示。"
    assert find_regions(text) == ("湖北省", "荆州市")


def test_county_with_its_province_and_alone() -> None:
    # 范县 is a two-character county name: alone it could be a piece of 示范县, with 河南 it is the county.
    assert find_regions("河南范县：范县公安局开展夏季巡逻。范县民警走村入户。") == ("河南省", "濮阳市", "范县")
    assert find_regions("范县公安局开展夏季巡逻。范县民警走村入户。") == ()
    # 东乡 is a district of 抚州 (江西) and a county of 临夏 (甘肃): the province named decides.
    assert find_regions("江西东乡：东乡警方开展反诈宣传。东乡民警进村。") == ("江西省", "抚州市", "东乡区")
    assert find_regions("甘肃东乡：东乡警方开展反诈宣传。东乡民警进村。") == (
        "甘肃省",
        "临夏回族自治州",
        "东乡族自治县",
    )


# --- names used as places, not as parts of other names ---------------------------------------------


def test_a_street_named_after_another_city_is_a_street() -> None:
    text = "广州市越秀区北京路步行街昨晚发生一起盗窃案。广州警方连夜出警。北京路商户说夜里人多。"
    assert find_regions(text) == ("广东省", "广州市", "越秀区")
    assert find_regions("上海警方在南京东路开展巡逻。南京东路游客众多。上海民警提醒。") == ("上海市",)


def test_a_london_story_is_not_a_beijing_story() -> None:
    title = "伦敦地铁站发生持刀伤人案"
    text = (
        "伦敦警方周二通报，一名男子在伦敦一处地铁站持刀伤人。"
        "事发时为当地时间上午九点，北京时间下午四点。"
        "英国内政大臣表示将加强地铁巡逻。一名来自北京的游客目睹了事发经过。"
    )
    assert find_regions(text, title=title) == ()
    assert find_regions("北京时间今天凌晨，比赛在伦敦开幕。北京时间凌晨三点，决赛开始。") == ()


def test_a_chinese_place_named_as_the_place_of_a_story_abroad() -> None:
    title = "杭州民警赴伦敦交流反诈经验"
    text = "杭州市公安局反诈中心民警一行抵达伦敦。杭州警方介绍了劝阻电信诈骗的做法。杭州民警还走访了当地华人社团。"
    assert find_regions(text, title=title) == ("浙江省", "杭州市")


def test_a_river_that_shares_a_name_with_a_place_is_a_river() -> None:
    text = "吉林省水利厅启动嫩江干流堤防加固工程。工程沿嫩江干流布置。吉林省西部三个县市参与施工。"
    assert find_regions(text) == ("吉林省",)


# --- how much evidence a region needs ---------------------------------------------------------------


def test_a_sentence_counts_once_however_often_it_names_a_place() -> None:
    story = "盐城警方织密防线。盐城志愿者上门宣传。盐城市民点赞。"
    footer = "主办单位地址：北京市东城区某街1号，北京市西城区某街2号，北京市朝阳区某街3号。"
    assert find_regions(story + footer) == ("江苏省", "盐城市")


def test_a_long_essay_that_names_a_place_twice_is_not_about_it() -> None:
    mentions = "浙江的民间投资走在前面。浙江的小城镇靠集市起家。"
    assert find_regions(mentions + FILLER * 3) == ("浙江省",)
    assert find_regions(mentions + FILLER * 200) == ()
    assert find_regions(mentions + FILLER * 200, title="浙江民间投资的路子") == ("浙江省",)


def test_the_lead_names_the_place_of_a_story() -> None:
    text = "11月23日，太原市发布四项养老服务地方标准。" + FILLER * 10
    assert find_regions(text) == ("山西省", "太原市")
    assert find_regions(FILLER * 10 + "太原市发布四项养老服务地方标准。" + FILLER * 10) == ()


def test_title_weighs_more_than_body() -> None:
    body = "盐城和南京的民警联合行动。"
    assert find_regions(body) == ("江苏省",)  # a tie between the cities: no city
    assert find_regions(body, title="南京警方联合行动") == ("江苏省", "南京市")
    assert find_regions(body, title="盐城警方联合行动") == ("江苏省", "盐城市")
    # A title mention outweighs a sentence of the body, not the lead (the first long sentence).
    assert find_regions("盐城民警协助。抓获两人。", title="南京警方破获一起盗窃案") == ("江苏省", "南京市")
    assert find_regions("盐城民警协助抓获两名嫌疑人。", title="南京警方破获一起盗窃案") == ("江苏省",)


def test_footer_and_passing_mentions_lose_to_the_story() -> None:
    story = "遂川县公安局推行网格村警。遂川县民警走村入户。遂川县网格村警巡查水域。吉安市道德模范。"
    footer = "第一办公区：北京市东城区建国门内大街；第二办公区：北京市西城区。"
    assert find_regions(story + footer) == ("江西省", "吉安市", "遂川县")


def test_a_place_below_the_province_only_when_it_clearly_leads_its_siblings() -> None:
    several = "盐城警方行动。盐城市区巡逻。亭湖区民警走访。滨海县民警走访。盐都区民警走访。射阳县民警走访。"
    assert find_regions(several) == ("江苏省", "盐城市")
    two_cities = "南京警方通报。南京民警走访。南京志愿者宣传。苏州警方通报。苏州民警走访。"
    assert find_regions(two_cities) == ("江苏省",)  # 南京 leads 3 to 2, not clearly
    one_city = "南京警方通报。南京民警走访。南京志愿者宣传。苏州警方协助。"
    assert find_regions(one_city) == ("江苏省", "南京市")
