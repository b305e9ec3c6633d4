"""Topics and tags of a story: the seed stories' expected values and the guards around them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_regions import FILLER, TITLES, seed_text

from sitegen import config
from sitegen.config import Topic
from sitegen.extract.regions import gazetteer
from sitegen.extract.vocab import GENERIC_WORDS, _Words, find_tags, find_topics, is_everyday

REPO = Path(__file__).resolve().parent.parent
TOPICS = config.load(REPO).topics


# --- topics ----------------------------------------------------------------------------------------


def test_seed_topics() -> None:
    assert {"社区警务", "防溺水"} <= set(find_topics(seed_text("004"), TOPICS, title=TITLES["004"]))
    assert {"社区警务", "反诈"} & set(find_topics(seed_text("003"), TOPICS, title=TITLES["003"]))
    for number in TITLES:
        found = find_topics(seed_text(number), TOPICS, title=TITLES[number])
        assert 1 <= len(found) <= 3
        assert set(found) <= {t.name for t in TOPICS}


def test_seed_topics_are_what_the_stories_are_about() -> None:
    assert find_topics(seed_text("000"), TOPICS, title=TITLES["000"])[0] == "社区警务"
    assert find_topics(seed_text("002"), TOPICS, title=TITLES["002"])[0] == "平安建设"
    assert "反诈" in find_topics(seed_text("003"), TOPICS, title=TITLES["003"])


TOPICS_WITH_EVERYDAY_WORDS = (
    Topic("社区警务", ("派出所", "社区民警", "网格", "巡逻")),
    Topic("防溺水", ("溺水", "野泳", "游泳")),
    Topic("校园安全", ("护学岗", "校车", "学生", "学校", "校园")),
    Topic("反诈", ("诈骗", "反诈")),
)


def test_a_keyword_inside_a_longer_word_is_not_the_keyword() -> None:
    # 网格 is a mesh in 服务网格 (computing) but the grid of community policing in 网格员 and 网格化.
    tech = _Words("服务网格让微服务之间的调用可观测。服务网格的数据面由边车代理组成。")
    assert tech.hits("网格", everyday=True) == (0, 0)
    grid = _Words("网格员每天走访。推行网格化管理。全镇划成十个网格。")
    assert grid.hits("网格", everyday=True) == (3, 2)  # 网格员, 网格化管理: terms of the trade
    assert _Words("推行网格化。").hits("网格", everyday=True) == (1, 0)  # a derivation
    # Everyday words inside dictionary words (游泳池, 留学生) are other words; specific ones
    # inside theirs (诈骗案) are still themselves.
    assert _Words("新建的游泳池开放了。").hits("游泳", everyday=True) == (0, 0)
    assert _Words("留学生回国。").hits("学生", everyday=True) == (0, 0)
    assert _Words("一起诈骗案告破。").hits("诈骗", everyday=False) == (1, 0)
    # Inside a term of the trade an everyday word is used in its trade sense.
    assert _Words("排查矛盾纠纷。").hits("纠纷", everyday=True) == (1, 1)


def test_a_tech_post_about_service_meshes_is_not_community_policing() -> None:
    post = (
        "服务网格是微服务的基础设施层。Istio 是最常见的服务网格。"
        "服务网格负责服务之间的流量、熔断和巡逻式的健康检查。部署服务网格之前先装好集群。"
    )
    assert find_topics(post, TOPICS_WITH_EVERYDAY_WORDS, title="服务网格入门") == ()
    story = "城南派出所推行网格化管理。网格员和社区民警一起巡逻。派出所把辖区分成八个网格。"
    assert find_topics(story, TOPICS_WITH_EVERYDAY_WORDS) == ("社区警务",)


def test_a_lone_swim_in_another_story_is_not_drowning() -> None:
    demolition = (
        "旧厂房拆除工地昨天发生坍塌，两名工人受伤。工地没有设置警示标志，拆房队也没有资质。"
        "附近居民说，工地旁边原来是一家游泳馆，夏天常有孩子去游泳。有关部门已责令停工整改。"
    )
    assert find_topics(demolition, TOPICS_WITH_EVERYDAY_WORDS) == ()
    drowning = "暑假来临，学校提醒学生不要私自下水游泳。去年本地发生两起溺水事故。野泳危险，家长要看好孩子。"
    assert find_topics(drowning, TOPICS_WITH_EVERYDAY_WORDS) == ("防溺水",)


def test_everyday_words_alone_make_no_topic() -> None:
    school = "学校合唱团的学生在比赛中获奖。学生们每天放学后练习。学校为学生请来了专业老师。" * 2
    assert find_topics(school, TOPICS_WITH_EVERYDAY_WORDS, title="学生合唱团获奖") == ()
    guarded = school + "上学放学时段，护学岗的民警和老师守在校门口。护学岗已经坚持三年。"
    assert find_topics(guarded, TOPICS_WITH_EVERYDAY_WORDS) == ("校园安全",)
    # The topic's own name is its most specific keyword.
    assert find_topics("学校开展校园安全检查。校园安全无小事。", TOPICS_WITH_EVERYDAY_WORDS) == ("校园安全",)
    assert is_everyday("学生") and is_everyday("网格") and not is_everyday("派出所")
    assert is_everyday("可以")  # among the most common words of the language


def test_evidence_scales_with_the_length_of_the_story() -> None:
    hits = "他说起当年被诈骗的经历。那次诈骗让他记了一辈子。"
    assert find_topics(hits, TOPICS_WITH_EVERYDAY_WORDS) == ("反诈",)
    assert find_topics(hits + FILLER * 150, TOPICS_WITH_EVERYDAY_WORDS) == ()


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


@pytest.mark.parametrize("number", sorted(TITLES))
def test_seed_tags_are_words_not_places_or_numbers(number: str) -> None:
    tags = find_tags(TITLES[number], seed_text(number))
    assert 3 <= len(tags) <= 6
    forms = gazetteer().forms
    for tag in tags:
        assert tag not in forms and tag not in GENERIC_WORDS, tag
        assert not any(ch.isdigit() or ch.isascii() for ch in tag), tag
    assert len(set(tags)) == len(tags)


def test_seed_tags_pick_the_storys_own_terms() -> None:
    tags_004 = find_tags(TITLES["004"], seed_text("004"))
    assert tags_004[0] == "网格村警"
    assert "网格" not in tags_004 and "村警" not in tags_004  # parts of a better tag
    assert "东亭有义" in find_tags(TITLES["003"], seed_text("003"))
    assert "群防群治" in find_tags(TITLES["001"], seed_text("001"))


def test_tags_are_deterministic_and_ties_sorted_by_word() -> None:
    body = "“红狐计划”和“蓝鲸行动”同时启动。“蓝鲸行动”与“红狐计划”各抓获嫌疑人。"
    swapped = "“蓝鲸行动”和“红狐计划”同时启动。“红狐计划”与“蓝鲸行动”各抓获嫌疑人。"
    tags = find_tags("", body)
    assert tags[:2] == tuple(sorted(["红狐计划", "蓝鲸行动"]))
    assert find_tags("", swapped) == tags == find_tags("", body)


def test_tags_skip_numbers_places_and_generic_words() -> None:
    body = "2022年，一个一个，十四五，十四五，江西江西，南昌南昌，记者记者，近日近日，工作工作。禁毒，禁毒。"
    assert find_tags("", body) == ("禁毒",)


def test_stop_words_and_function_words_are_not_tags() -> None:
    body = "这个时候可以使用这个方法。这个时候我们可以使用那个工具。使用之前可以先看看这个说明。禁毒宣传，禁毒宣传。"
    tags = find_tags("", body)
    assert tags == ("禁毒",)
    for word in ["这个", "时候", "可以", "使用", "我们", "之前"]:
        assert word not in tags


def test_given_names_are_not_tags() -> None:
    body = "王建华介绍，社区新建了调解室。王建华说，调解室每周开放三天。调解室由王建华负责。"
    tags = find_tags("", body)
    assert "调解" in tags
    assert "建华" not in tags  # 王建华 cut as 王 + 建华: a given name, not a keyword


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
