"""sitegen import: golden posts for the seed sources, DESIGN.md's table as assertions, and the command."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path

import pytest
from support import SEED_CASES, seed

from sitegen import cli, config, frontmatter
from sitegen.commands import import_
from sitegen.errors import SitegenError
from sitegen.importers.convert import Converted, convert
from sitegen.importers.detect import detect
from sitegen.typography import clean_body, has_clause_punctuation


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


REPO = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).resolve().parent / "fixtures" / "import"
GOLDEN_CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())  # our own sources, beside their posts
CASES = sorted([*GOLDEN_CASES, *SEED_CASES])
# The post each seed must become (DESIGN.md): the repository ships them as its content.
SHIPPED = {
    "hexo_zaker": "posts/2022/jing-gang-shan-ci-ping-pai-chu-suo-yong-dang.md",
    "pdf_jinggangshanbao": "posts/undated/12-nian-xing-shi-ling-fa-an-shou-hu-tian-xia-di.md",
    "jekyll_mirror": "posts/2022/jie-du-quan-guo-shi-fan-shi-bei-hou-de-ping-an.md",
    "portal_china_com": "posts/2022/jiang-su-yan-cheng-zhi-mi-shou-hu-ping-an-de-qun.md",
    "portal_minsheng": "posts/2022/sui-chuan-gong-an-chuang-xin-ji-zhi-zhu-lao-she.md",
}
CFG = config.load(CASES_DIR)  # its own sitegen.toml: the site's topics may change, the goldens should not
CJK_GAP = re.compile(r"[\u4e00-\u9fff，。；：！？“”] [\u4e00-\u9fff，。；：！？“”]")


def input_of(case: str) -> Path:
    return seed(case) if case in SEED_CASES else next((CASES_DIR / case).glob("input.*"))


@cache
def imported(case: str) -> Converted:
    path = input_of(case)
    return convert(path.read_bytes(), path, CFG, set())


def paragraphs(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if not p.startswith(("## ", "![", "*"))]


def headings(body: str) -> list[str]:
    return [p[3:] for p in body.split("\n\n") if p.startswith("## ")]


def captions(body: str) -> list[str]:
    return [p.strip("*") for p in body.split("\n\n") if p.startswith("*")]


def assert_in_order(body: str, parts: list[str]) -> None:
    """Every part appears in the body, each after the one before."""
    at = 0
    for part in parts:
        found = body.find(part, at)
        assert found >= 0, f"missing or out of order: {part[:40]}"
        at = found + len(part)


@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_golden(case: str, golden: Callable[[str, Path], None]) -> None:
    result = imported(case)
    golden(frontmatter.dump(result.meta, result.body), CASES_DIR / case / "expected.md")


@pytest.mark.parametrize("case", sorted(SEED_CASES))
def test_seeds_become_the_shipped_posts(case: str) -> None:
    """The undated PDF story comes in as a draft for review; the shipped post is that draft, published."""
    result = imported(case)
    text = frontmatter.dump(result.meta, result.body)
    shipped = (REPO / "content" / SHIPPED[case]).read_text(encoding="utf-8")
    if result.meta.draft:
        assert case == "pdf_jinggangshanbao" and text.count("draft: true\n") == 1
        text = text.replace("draft: true\n", "")
    assert text == shipped


@pytest.mark.parametrize("case", CASES)
def test_every_post_reads_back_and_is_clean(case: str) -> None:
    result = imported(case)
    text = frontmatter.dump(result.meta, result.body)
    meta, body, _ = frontmatter.read(text, Path("expected.md"))
    assert meta == result.meta and body.strip() == result.body
    for paragraph in paragraphs(body):
        assert not CJK_GAP.search(paragraph), paragraph
    assert "<" not in body and "佚名" not in text
    assert meta.summary and len(meta.summary) <= 120 and meta.summary in body
    assert meta.fingerprint and meta.fingerprint.startswith("sha256:")


def test_hexo_zaker_post() -> None:
    meta, body = imported("hexo_zaker").meta, imported("hexo_zaker").body
    assert meta.title == "井冈山茨坪派出所：勇当守护平安的红色哨兵"
    assert meta.date == datetime.fromisoformat("2022-05-29T12:15:55+08:00")
    assert meta.date.isoformat() == "2022-05-29T12:15:55+08:00"
    assert meta.authors == ("郭杰文", "贾伊宁")
    assert (meta.source, meta.via, meta.editor) == ("新华社", "ZAKER", "施歌")
    assert len(meta.images) == 4 and all(i.startswith("http://zkres") for i in meta.images)
    assert [line[4:-1] for line in body.split("\n\n") if line.startswith("![")] == list(meta.images)
    assert "629335bab15ec0662e5c6b40" not in body  # the 300x300 logo after the credits
    for gone in ("cors.zfour", "纠错", "责任编辑", "div", "记者：", "音视频部", "新媒体"):
        assert gone not in body, gone
    assert not set(meta.categories) & {"新媒体", "ZAKER", "source"}
    assert body.endswith("![](http://zkres1.myzaker.com/202205/629335bab15ec0662e5c6b3f_1024.jpg)")


def test_pdf_newspaper_page() -> None:
    meta, body = imported("pdf_jinggangshanbao").meta, imported("pdf_jinggangshanbao").body
    assert meta.title == "12年刑事“零发案” 守护“天下第一山”"
    assert meta.subtitle == "井冈山市公安局茨坪派出所推行群防群治模式"
    assert meta.authors == ("沈媛",)
    assert meta.date is None and meta.review == ("date",)
    assert headings(body) == [
        "群防群治 守护平安",
        "锻造“快警务”“优警务”“全警务”",
        "用辛苦指数 换游客幸福指数",
        "主动参与 化解矛盾纠纷",
    ]
    assert paragraphs(body)[0] == "巍巍八百里，红色井冈山，这里是中国革"  # cut off by the page; kept as it is
    for gone in ("□", "见习记者", "沈媛", "\n\n井冈山市公安局茨坪派出所推行群防群治模式"):
        assert gone not in body


def test_jekyll_mirror_post() -> None:
    meta, body = imported("jekyll_mirror").meta, imported("jekyll_mirror").body
    assert meta.title == "解读全国“示范市”背后的“平安密码”"
    assert meta.date is not None and meta.date.isoformat() == "2022-01-11T09:16:55+08:00"
    assert (meta.authors, meta.source) == (("徐瑞春",), "井冈山报")
    assert meta.source_url == "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201112242935091"
    assert headings(body) == [
        "一份蓝图勾画平安吉安建设新格局",
        "红色治理打造平安吉安建设新模式",
        "创新驱动建立平安吉安建设新机制",
        "严管严控提升平安吉安建设新面貌",
        "示范带动培育平安创建新风尚",
    ]
    assert "\n\n……\n\n" in body
    for gone in ("返回", "文章来源", "本报记者", "finews", "withounder"):
        assert gone not in body, gone


def test_portal_china_com_copy() -> None:
    meta, body = imported("portal_china_com").meta, imported("portal_china_com").body
    assert meta.title == "江苏盐城：织密守护平安的群众防线"
    assert meta.date is not None and meta.date.isoformat() == "2022-10-10T19:25:06+08:00"
    assert (meta.source, meta.authors, meta.editor, meta.via) == (
        "中国网·美丽盐城",
        ("张腾飞", "范汉娟"),
        "DH020",
        None,
    )
    assert headings(body) == ["创“枫桥” 邻里守望共守平安", "搭“班子” 以心换心共解矛盾", "走“万户” 同气连枝共筑防线"]
    assert captions(body) == [
        "警方举行“东亭有义”平安联盟启动仪式",
        "民警和志愿者现场开展矛盾调解",
        "孙益海带领益海志愿者联盟在整理走访宣传计划",
    ]
    assert body.count("为进一步动员群众") == 1  # the teaser above the story is gone
    assert "织密守护平安的群众防线" not in body  # the title repeated before each picture
    for gone in ("评论", "首页", ">", "非遗江苏", "人文江苏", "出行指南针", "智慧江苏", "发布时间", "文/"):
        assert gone not in body, gone
    assert body.endswith("为全市平安稳定作出积极贡献。")
    assert {"江苏省", "盐城市"} <= set(meta.regions)


def test_portal_minsheng_copy() -> None:
    meta, body = imported("portal_minsheng").meta, imported("portal_minsheng").body
    text = frontmatter.dump(meta, body)
    assert meta.title == "遂川公安创新机制筑牢社会治理第一道防线"
    assert meta.date == date(2022, 8, 18) and not isinstance(meta.date, datetime)
    assert (meta.source, meta.via, meta.authors) == ("江西政法网", "民生内参", ())
    assert meta.original_url == "http://www.jxzfw.gov.cn/2022/0815/2022081543177.html"
    assert captions(body) == ["检查救生设备"]
    assert headings(body) == ["人脉广 调解纠纷有优势", "情况明 筑牢防溺水屏障", "巡逻勤 警务围着群众转"]
    footer = ("佚名", "ICP", "免责声明", "联系电话", "监督电话", "邮箱", "QQ", "msnc", "010-", "@163.com", "版权")
    for gone in (*footer, "欢迎访问", "当前所在"):
        assert gone not in text, gone
    assert body.endswith("“网格村警”为基层社会治理注入了新的活力。")
    assert {"江西省", "吉安市", "遂川县"} <= set(meta.regions)


def test_gbk_page_declaring_gb2312() -> None:
    raw = input_of("html_gbk").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("gb2312")  # 喆 is GBK-only: the declared charset is too small
    meta, body = imported("html_gbk").meta, imported("html_gbk").body
    assert meta.title == "吉安市民警王喆勇救落水儿童"
    assert meta.date is not None and meta.date.isoformat() == "2023-07-15T16:40:00+08:00"
    assert (meta.authors, meta.source, meta.editor) == (("刘晓明", "陈静"), "平安吉安网", "周敏")
    assert meta.images == ("https://www.pajian.example/uploads/2023/07/rescue.jpg",)
    assert captions(body) == ["民警王喆将落水儿童救上岸"]
    assert headings(body) == ["暑期防溺水不能松懈"]
    page = ("首页", "当前位置", "点击数", "分享", "相关新闻", "热点排行", "广告")
    for gone in (*page, "ICP", "版权所有", "联系电话", "qrcode", "责任编辑"):
        assert gone not in body, gone


@pytest.mark.parametrize("case", ["portal_china_com", "portal_minsheng"])
def test_portal_story_paragraphs_all_kept_in_order(case: str) -> None:
    """Story paragraphs in these copies are the indented lines; each comes out, in order."""
    lines = input_of(case).read_text(encoding="utf-8").splitlines()
    story = [clean_body(line) for line in lines if line.startswith("  ") and len(line.strip()) >= 20]
    story = [re.sub(r"（文/.*）$", "", p) for p in story]
    assert_in_order(imported(case).body, story)


def test_jekyll_story_paragraphs_all_kept_in_order() -> None:
    source = input_of("jekyll_mirror").read_text(encoding="utf-8")
    story = [clean_body(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p>(.*?)</p>", source)[1:]]
    assert_in_order(imported("jekyll_mirror").body, story)


def test_pdf_story_paragraphs_all_kept_in_order() -> None:
    chunks = input_of("pdf_jinggangshanbao").read_text(encoding="utf-8").split("\n\n")
    story = [clean_body(c) for c in chunks if has_clause_punctuation(c)]
    assert len(story) == 19
    assert_in_order(imported("pdf_jinggangshanbao").body, story)


@pytest.mark.parametrize(
    ("case", "kind"),
    [
        ("hexo_zaker", "post"),
        ("jekyll_mirror", "post"),
        ("pdf_jinggangshanbao", "pdf"),
        ("portal_china_com", "portal"),
        ("portal_minsheng", "portal"),
        ("html_gbk", "html"),
    ],
)
def test_detect_kind_by_content(case: str, kind: str) -> None:
    assert detect(input_of(case).read_bytes()).kind == kind


def test_detect_hard_wrapped_pdf_text() -> None:
    column = (
        "井冈山践行新时代群众路线，创新推出红色治理\n工作法，探索了一条新时代基层治理的新路\n"
        "径，坚定写下了平安井冈答卷。作为天下第一\n山的守护者，茨坪派出所承担起历史重任。\n"
    )
    assert detect(column.encode("utf-8")).kind == "pdf"


def test_detect_markdown_post_and_page_with_bom() -> None:
    post = "---\ntitle: 标题\ndate: 2022-01-01\n---\n\n## 小标题\n\n正文。\n"
    assert detect(post.encode("utf-8")).kind == "post"
    page = "\ufeff<!DOCTYPE html><html><body><p>正文。</p></body></html>"
    assert detect(page.encode("utf-8")).kind == "html"


def test_page_resaved_as_utf8_keeps_its_old_gb2312_declaration() -> None:
    page = '<html><head><meta charset="gb2312"></head><body><p>民警王喆勇救落水儿童。</p></body></html>'
    assert "民警王喆勇救落水儿童" in detect(page.encode("utf-8")).text
    assert "民警王喆勇救落水儿童" in detect(page.encode("gbk")).text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b" \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    ],
)
def test_detect_refuses_what_is_not_text(data: bytes, message: str) -> None:
    with pytest.raises(SitegenError, match=message):
        detect(data)


def test_a_markdown_post_keeps_its_body_as_written() -> None:
    post = (
        "---\ntitle: 民警护学\ndate: 2022-09-01 07:30:00\nauthor: 李明\n---\n\n"
        "![](https://img.example.org/a.jpg)\n\n图为民警在校门口护学\n\n"
        "9月1日，开学第一天，民警早早来到校门口护学。\n\n**平安上学路**\n\n交警大队在学校周边设立护学岗。\n"
    )
    result = convert(post.encode("utf-8"), Path("post.md"), CFG, set())
    assert result.meta.authors == ("李明",) and result.meta.date is not None
    assert result.meta.date.isoformat() == "2022-09-01T07:30:00+08:00"
    assert result.body == (
        "![](https://img.example.org/a.jpg)\n\n图为民警在校门口护学\n\n"
        "9月1日，开学第一天，民警早早来到校门口护学。\n\n**平安上学路**\n\n交警大队在学校周边设立护学岗。"
    )


# The command: files, re-imports, conflicts, bad sources.


def seeds() -> list[Path]:
    return [seed(case) for case in SEED_CASES]


def posts(content: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(content.rglob("*.md"))}


def test_import_writes_one_post_per_story(tmp_path: Path) -> None:
    report = import_.run(CFG, seeds(), tmp_path / "content")
    assert report.failed == 0
    written = sorted(str(p.relative_to(tmp_path / "content")) for p in posts(tmp_path / "content"))
    assert len(written) == 5
    assert "posts/undated/12-nian-xing-shi-ling-fa-an-shou-hu-tian-xia-di.md" in written
    assert sum(p.startswith("posts/2022/") for p in written) == 4
    assert "5 sources: 5 created (1 needs review), 0 unchanged, 0 duplicate, 0 conflict, 0 failed" in report.summary()
    assert not list((tmp_path / "content").rglob("*.tmp"))


def test_reimport_changes_nothing(tmp_path: Path) -> None:
    content = tmp_path / "content"
    import_.run(CFG, seeds(), content)
    before = posts(content)
    report = import_.run(CFG, seeds(), content)
    assert posts(content) == before
    assert [o.status for o in report.outcomes] == ["unchanged"] * 5
    assert all(o.message.startswith("already imported into") for o in report.outcomes)


def test_reimport_keeps_edited_post(tmp_path: Path) -> None:
    content = tmp_path / "content"
    source = input_of("portal_minsheng")
    import_.run(CFG, [source], content)
    post = next(content.rglob("*.md"))
    edited = post.read_text(encoding="utf-8").replace("检查救生设备", "民警检查救生设备").encode("utf-8")
    post.write_bytes(edited)
    report = import_.run(CFG, [source], content)
    assert post.read_bytes() == edited
    assert [o.status for o in report.outcomes] == ["conflict"]
    assert str(post) in report.summary() and report.failed == 0
    assert len(posts(content)) == 1


def test_same_title_from_another_source_gets_its_own_slug(tmp_path: Path) -> None:
    """Another story under the same headline (not a copy: its text is another seed's)."""
    content = tmp_path / "content"
    first = input_of("portal_minsheng")
    title = first.read_text(encoding="utf-8").splitlines()[3]
    other = input_of("portal_china_com").read_text(encoding="utf-8").splitlines()
    second = tmp_path / "other.txt"
    second.write_text("\n".join([title, "", *(line for line in other if line.startswith("  "))]), encoding="utf-8")
    import_.run(CFG, [first, second], content)
    names = sorted(p.stem for p in content.rglob("*.md"))
    assert names == [
        "sui-chuan-gong-an-chuang-xin-ji-zhi-zhu-lao-she",
        "sui-chuan-gong-an-chuang-xin-ji-zhi-zhu-lao-she-2",
    ]


def test_bad_sources_are_named_and_the_rest_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.html"
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" * 20)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    good = input_of("portal_china_com")
    sources = [str(missing), str(binary), str(empty), str(good)]
    code = cli.main(["--root", str(REPO), "import", *sources, "--content", str(tmp_path / "content")])
    out = capsys.readouterr()
    assert code == 1
    assert f"failed    {missing}: no such file" in out.out
    assert f"failed    {binary}: binary file" in out.out
    assert f"failed    {empty}: empty file" in out.out
    assert f"created   {good}" in out.out
    assert "4 sources: 1 created, 0 unchanged, 0 duplicate, 0 conflict, 3 failed, 0 skipped" in out.out
    assert "Traceback" not in out.out + out.err
    assert len(posts(tmp_path / "content")) == 1
