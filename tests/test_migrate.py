"""Migrating blogs: Hexo, Jekyll and Hugo sites (tests/fixtures/blogs/) through the real `sitegen import`.

Each fake blog shows one generator's shapes: front matter in every dialect (CRLF and a BOM, Hexo's
form without the opening ---, TOML, JSON), Jekyll dates from file names, drafts, Hexo asset folders,
Hugo page bundles, site-wide pictures in source/, static/ and assets/, settings files and themes.
The posts are checked field by field, the pictures in static/ byte by byte, and the site is built.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from support import seed

from sitegen import config, frontmatter, sources
from sitegen.commands.import_ import ImportReport, Outcome
from sitegen.config import Topic
from sitegen.errors import SitegenError
from sitegen.importers import post
from sitegen.importers.convert import sort_categories
from sitegen.importers.detect import detect


@pytest.fixture(scope="module", autouse=True)
def english() -> Iterator[None]:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese);
    for the whole module, as the blogs are imported once for it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LANGUAGE", "en")
        yield


REPO = Path(__file__).resolve().parent.parent
BLOGS = Path(__file__).resolve().parent / "fixtures" / "blogs"
SITEGEN = str(Path(sys.executable).parent / "sitegen")
CHINA = timezone(timedelta(hours=8))


@dataclass
class Imported:
    """One run of `sitegen import` over the three fake blogs into a fresh site."""

    site: Path
    report: dict[str, Any]
    out: str

    def outcome(self, rel: str) -> dict[str, Any]:
        return next(s for s in self.report["sources"] if s["source"] == str(BLOGS / rel))

    def post(self, rel: str) -> tuple[frontmatter.Meta, str]:
        path = Path(self.outcome(rel)["post"])
        meta, body, _ = frontmatter.read(path.read_text(encoding="utf-8"), path)
        return meta, body

    @cached_property
    def static(self) -> Path:
        return self.site / "static"


def new_site(folder: Path) -> Path:
    """A site with the repository's settings (its topics) and theme."""
    folder.mkdir(parents=True)
    shutil.copy(REPO / "sitegen.toml", folder)
    shutil.copytree(REPO / "themes", folder / "themes")
    return folder


def sitegen(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SITEGEN, "--root", str(site), *args], capture_output=True, text=True, check=False)


def import_blogs(site: Path) -> Imported:
    report = site / "report.json"
    blogs = [str(BLOGS / name) for name in ("hexo", "jekyll", "hugo")]
    run = sitegen(site, "import", *blogs, "--content", str(site / "content"), "--report", str(report))
    assert run.returncode == 0, run.stdout + run.stderr
    return Imported(site, json.loads(report.read_text(encoding="utf-8")), run.stdout)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    return import_blogs(new_site(tmp_path_factory.mktemp("migrate") / "site"))


# Each post as its blog wrote it -> what the site must hold. Topics found in the text may be added
# after the ones the author's categories name, so categories are checked as a prefix.
EXPECTED: dict[str, dict[str, Any]] = {
    "hexo/source/_posts/anti-fraud-talk.md": {
        "title": "社区民警进小区讲反诈",
        "date": datetime(2023, 3, 8, 10, 20, tzinfo=CHINA),
        "updated": datetime(2023, 3, 9, 8, 0, tzinfo=CHINA),
        "categories": ("平安建设",),
        "tags": ("反诈宣传", "老年人", "社区活动"),
        "aliases": ("/2023/03/08/anti-fraud-talk/",),
        "images": ("/images/anti-fraud-talk/poster.png",),
        "review": ("category 社区活动 kept as a tag",),
    },
    "hexo/source/_posts/campus/school-gate.md": {  # Hexo's front matter without the opening ---
        "title": "护学岗上的早晨",
        "date": datetime(2023, 9, 1, 7, 30, tzinfo=CHINA),
        "categories": ("校园安全",),
        "tags": ("护学岗", "一线故事"),
        "aliases": ("/2023/09/01/campus/school-gate/",),
        "images": ("/images/campus/gate.png",),
        "review": ("category 一线故事 kept as a tag",),
    },
    "hexo/source/_posts/crlf-notice.md": {  # CRLF line ends and a BOM; its picture is missing
        "title": "暑期防溺水提醒",
        "date": datetime(2023, 7, 1, 9, 0, tzinfo=CHINA),
        "categories": ("防溺水",),
        "tags": ("防溺水",),
        "aliases": ("/2023/07/01/crlf-notice/",),
        "images": ("/images/crlf-notice/missing-photo.png",),
        "review": ("image not found: missing-photo.png (put it at static/images/crlf-notice/missing-photo.png)",),
    },
    "hexo/source/_posts/lost-wallet.md": {  # a picture in the blog's source/images/
        "title": "捡到钱包交给民警",
        "date": datetime(2023, 10, 12, 16, 0, tzinfo=CHINA),
        "categories": ("社区警务",),
        "tags": ("拾金不昧",),
        "images": ("/images/2023/wallet.png",),
        "review": (),
    },
    "hexo/source/_drafts/unfinished.md": {
        "title": "未完成的稿子",
        "date": None,
        "draft": True,
        "tags": ("草稿",),
        "aliases": (),
        "review": ("date",),
    },
    "jekyll/_posts/2021-06-01-river-patrol.md": {  # dated by its file name only
        "title": "河边巡逻防溺水",
        "date": date(2021, 6, 1),
        "categories": ("防溺水",),
        "tags": ("暑期", "河道", "巡河"),
        "aliases": ("/防溺水/巡河/2021/06/01/river-patrol.html",),
        "images": ("/assets/images/2021/river.png",),
        "review": ("category 巡河 kept as a tag",),
    },
    "jekyll/_posts/2021-07-15-night-watch.markdown": {
        "title": "夜巡：凌晨两点的街道",
        "subtitle": "跟随民警走一趟夜班",
        "date": datetime(2021, 7, 16, 1, 0, tzinfo=CHINA),
        "authors": ("王小明",),
        "draft": True,  # published: false
        "categories": ("社区警务",),
        "aliases": ("/patrol/night-watch/",),
        "review": (),
    },
    "jekyll/_posts/2022-01-03-mediation.md": {
        "title": "一场邻里纠纷的调解",
        "date": date(2022, 1, 3),
        "categories": ("矛盾调解",),  # 调解 is one of the topic's keywords
        "tags": ("邻里", "人民调解"),
        "summary": "楼上漏水引发的纠纷，在调解员的耐心工作下化解。",
        "aliases": ("/调解/2022/01/03/mediation.html",),
        "review": (),
    },
    "jekyll/_posts/2022-03-05-fire-drill.md": {  # pictures in the blog's images/: site-wide, raw HTML, ../
        "title": "消防演练进社区",
        "date": date(2022, 3, 5),
        "categories": ("消防安全",),
        "tags": ("演练",),
        "images": ("/images/2022/fire-drill.png", "/images/2022/hose.png", "/images/2022/extinguisher.png"),
        "review": (),
    },
    "hugo/content/post/2020-05-01-helmet.md": {  # TOML
        "title": "戴好头盔再出发",
        "slug": "helmet-first",
        "date": datetime(2020, 5, 1, 8, 0, tzinfo=CHINA),
        "updated": datetime(2020, 5, 2, 9, 0, tzinfo=CHINA),
        "tags": ("头盔", "交通安全", "交通"),
        "aliases": ("/post/helmet-first/", "/old/helmet/"),
        "images": ("/img/badge.png",),
        "review": ("category 交通 kept as a tag",),
    },
    "hugo/content/post/bridge-story/index.md": {  # a page bundle, CRLF
        "title": "桥下的救援",
        "slug": "bridge-story",
        "date": date(2020, 8, 12),
        "categories": ("防溺水",),
        "tags": ("救援",),
        "aliases": ("/post/bridge-story/",),
        "images": ("/images/bridge-story/cover.png", "/images/bridge-story/scene.png"),
        "review": (),
    },
    "hugo/content/post/route-map.md": {  # a picture in the blog's assets/
        "title": "巡逻路线图更新",
        "date": date(2021, 4, 2),
        "tags": ("巡逻路线",),
        "images": ("/images/route-map.png",),
        "aliases": ("/post/route-map/",),
        "review": (),
    },
    "hugo/content/post/json-front.md": {  # JSON
        "title": "社区里的网格员",
        "date": date(2019, 11, 20),
        "tags": ("网格员",),
        "aliases": ("/2019/11/grid-worker/",),
        "review": (),
    },
}


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_each_post_keeps_what_its_author_set(imported: Imported, rel: str) -> None:
    assert imported.outcome(rel)["status"] == "created"
    meta, _ = imported.post(rel)
    for key, want in EXPECTED[rel].items():
        got = getattr(meta, key)
        if key == "categories":
            assert got[: len(want)] == want, rel
        else:
            assert got == want, (rel, key)
        if isinstance(want, datetime):
            assert got.utcoffset() == want.utcoffset()


def test_bodies_are_kept_as_written(imported: Imported) -> None:
    _, body = imported.post("hexo/source/_posts/anti-fraud-talk.md")
    assert "## 常见骗局" in body
    assert "| 冒充客服 | 要求转账退款 |" in body
    assert '```python\ndef is_scam(call):\n    return "转账" in call.text  # 只是示意\n```' in body
    assert "![反诈海报](/images/anti-fraud-talk/poster.png)" in body and "{%" not in body
    _, body = imported.post("jekyll/_posts/2021-06-01-river-patrol.md")
    assert '```shell\necho "巡河打卡"\n```' in body


def test_every_picture_a_post_shows_is_copied_and_none_overwritten(imported: Imported) -> None:
    copies = {
        "hexo/source/_posts/anti-fraud-talk/poster.png": "images/anti-fraud-talk/poster.png",  # asset folder
        "hexo/source/images/campus/gate.png": "images/campus/gate.png",  # site-wide, its address kept
        "jekyll/assets/images/2021/river.png": "assets/images/2021/river.png",
        "hugo/static/img/badge.png": "img/badge.png",  # {{< figure >}}
        "hugo/content/post/bridge-story/cover.png": "images/bridge-story/cover.png",  # bundle
        "hugo/content/post/bridge-story/scene.png": "images/bridge-story/scene.png",
    }
    site_wide = {  # pictures of the blog's own folders (source/, images/, assets/): not walked as assets
        "hexo/source/images/2023/wallet.png": "images/2023/wallet.png",  # walked: copied
        "jekyll/images/2022/fire-drill.png": "images/2022/fire-drill.png",
        "jekyll/images/2022/hose.png": "images/2022/hose.png",  # <img src> in raw HTML
        "jekyll/images/2022/extinguisher.png": "images/2022/extinguisher.png",  # ../images/ from _posts
        "hugo/assets/images/route-map.png": "images/route-map.png",
    }
    copies.update(site_wide)
    for source, target in copies.items():
        assert (imported.static / target).read_bytes() == (BLOGS / source).read_bytes()
        outcome = imported.outcome(source)
        assert outcome["status"] == "copied" and outcome["message"].endswith(f"static/{target}"), source
    unused = ("hexo/source/_posts/anti-fraud-talk/draft-sketch.png", "hexo/source/images/logo.png")
    for source in (*unused, "hugo/content/post/bridge-story/unused.png"):
        assert imported.outcome(source)["status"] == "skipped"
        assert "no post imported in this run shows" in imported.outcome(source)["message"]
        assert f"skipped   {BLOGS / source}" in imported.out  # listed, not only counted
    assert sorted(p.relative_to(imported.static).as_posix() for p in imported.static.rglob("*.*")) == sorted(
        copies.values()
    )
    assert imported.report["totals"]["copied"] == len(copies)


def test_settings_data_and_themes_are_skipped_as_configuration(imported: Imported) -> None:
    for rel in ("hexo/_config.yml", "hexo/package.json", "jekyll/_config.yml", "jekyll/Gemfile"):
        assert imported.outcome(rel)["message"] == "configuration, not a story"
    assert imported.outcome("hugo/content/post/bridge-story/data.yaml")["message"] == "configuration, not a story"
    assert "configuration" in imported.outcome("jekyll/assets/css/main.scss")["message"]
    for folder in ("hexo/scaffolds", "hexo/themes", "jekyll/_layouts", "jekyll/_includes", "jekyll/_data"):
        assert "configuration" in imported.outcome(folder)["message"], folder
    pdf = imported.outcome("hexo/source/_posts/anti-fraud-talk/handout.pdf")
    assert pdf["status"] == "skipped" and "anti-fraud-talk.md's own folder" in pdf["message"]
    statuses = {s["status"] for s in imported.report["sources"]}
    assert statuses == {"created", "skipped", "copied"}
    assert imported.report["totals"]["created"] == len(EXPECTED)
    walked = {s["source"] for s in imported.report["sources"]}
    for path in BLOGS.rglob("*"):
        if path.is_file():  # every file has an outcome, itself or its skipped folder
            assert any(str(path) == w or str(path).startswith(w + "/") for w in walked), path


def test_a_different_picture_already_there_is_never_overwritten(tmp_path: Path) -> None:
    site = new_site(tmp_path / "site")
    taken = site / "static" / "images" / "anti-fraud-talk" / "poster.png"
    taken.parent.mkdir(parents=True)
    taken.write_bytes(b"an editor's own picture")
    same = site / "static" / "images" / "campus" / "gate.png"
    same.parent.mkdir(parents=True)
    shutil.copy(BLOGS / "hexo/source/images/campus/gate.png", same)
    run = sitegen(site, "import", str(BLOGS / "hexo"))
    assert run.returncode == 0, run.stderr
    assert taken.read_bytes() == b"an editor's own picture"
    moved = site / "static" / "images" / "anti-fraud-talk" / "poster-2.png"
    assert moved.read_bytes() == (BLOGS / "hexo/source/_posts/anti-fraud-talk/poster.png").read_bytes()
    text = next((site / "content").rglob("anti-fraud-talk.md")).read_text(encoding="utf-8")
    assert "![反诈海报](/images/anti-fraud-talk/poster-2.png)" in text
    assert not list(same.parent.glob("gate-*.png"))  # the same picture is not copied twice


def test_reimport_changes_nothing_and_the_site_builds(tmp_path: Path) -> None:
    site = new_site(tmp_path / "site")
    first = import_blogs(site)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file() and p.name != "report.json"}
    again = import_blogs(site)
    assert again.report["totals"]["unchanged"] == len(EXPECTED) and again.report["totals"]["created"] == 0
    assert before == {p: p.read_bytes() for p in site.rglob("*") if p.is_file() and p.name != "report.json"}
    # The review item says where the missing picture goes; putting it there mends the link.
    missing = site / "static" / "images" / "crlf-notice" / "missing-photo.png"
    missing.parent.mkdir()
    shutil.copy(BLOGS / "hexo/source/images/logo.png", missing)
    built = sitegen(site, "build", "--drafts")  # stories with review items wait as drafts
    assert built.returncode == 0, built.stdout + built.stderr
    for source in first.report["sources"]:
        if source["status"] == "copied":
            target = source["message"].rsplit("static/", 1)[1]
            assert (site / "output" / target).read_bytes() == Path(source["source"]).read_bytes()
    page = (site / "output" / "posts" / "anti-fraud-talk" / "index.html").read_text(encoding="utf-8")
    assert "/images/anti-fraud-talk/poster.png" in page and "<table>" in page


# Front matter dialects, one file each.


DIALECTS = {
    "yaml, CRLF and a BOM": "\ufeff---\r\ntitle: 标题\r\ndate: 2022-01-01\r\n---\r\n\r\n正文。\r\n",
    "Hexo's form without the opening ---": "title: 标题\ndate: 2022-01-01 09:00:00\ntags:\n- 甲\n---\n正文。\n",
    "TOML": '+++\ntitle = "标题"\ndate = 2022-01-01T09:00:00+08:00\n+++\n\n正文。\n',
    "JSON": '{\n  "title": "标题",\n  "date": "2022-01-01"\n}\n\n正文。\n',
}


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_every_front_matter_dialect_is_a_post(name: str) -> None:
    text = DIALECTS[name]
    assert detect(text.encode("utf-8")).kind == "post"
    doc = frontmatter.split_source(text, Path("post.md"))
    assert doc.data["title"] == "标题" and doc.body.strip() == "正文。"
    assert doc.lines["title"] == (1 if name.startswith("Hexo") else 2)


@pytest.mark.parametrize(
    "text",
    [
        "来源：新华社\n---\n正文",  # a portal copy's labelled line, not a key
        "Note: see below\nmore text\n---\n",  # no title or date among the keys
        '{"title": "a"',  # not JSON
        "+++\ntitle = 1\n",  # never closed
    ],
)
def test_text_that_only_looks_like_front_matter_is_not_a_post(text: str) -> None:
    assert frontmatter.dialect(text) is None


def test_a_broken_toml_front_matter_names_its_line() -> None:
    with pytest.raises(SitegenError) as err:
        frontmatter.split_source('+++\ntitle = "t"\ndate = = 1\n+++\n', Path("post.md"))
    assert err.value.line == 3


def test_seeds_pasted_from_news_pages_are_cleaned_not_migrated() -> None:
    for number in ("000", "002"):
        text = seed(number).read_text(encoding="utf-8")
        assert post.is_page_fragment(frontmatter.split_source(text, Path("seed.md")).body), number
    for rel in EXPECTED:
        doc = frontmatter.split_source((BLOGS / rel).read_text(encoding="utf-8-sig"), BLOGS / rel)
        assert not post.is_page_fragment(doc.body), rel
    assert not post.is_page_fragment("<!-- more -->\n\n正文。\n\n```\ncode\n```\n")


# Generators, categories and old addresses.


@pytest.mark.parametrize(
    ("rel", "generator"),
    [
        ("hexo/source/_posts/campus/school-gate.md", "hexo"),
        ("hexo/source/_drafts/unfinished.md", "hexo"),
        ("jekyll/_posts/2022-01-03-mediation.md", "jekyll"),
        ("hugo/content/post/bridge-story/index.md", "hugo"),
    ],
)
def test_the_generator_follows_from_the_layout(rel: str, generator: str) -> None:
    doc = frontmatter.split_source((BLOGS / rel).read_text(encoding="utf-8-sig"), BLOGS / rel)
    assert post.layout(BLOGS / rel, doc).generator == generator


@pytest.mark.parametrize(
    ("text", "generator"),
    [
        ("+++\ntitle = 't'\n+++\n正文", "hugo"),
        ("title: t\n---\n正文", "hexo"),
        ("---\ntitle: t\n---\n{% asset_img a.png %}", "hexo"),
        ('---\ntitle: t\n---\n{{< figure src="a.png" >}}', "hugo"),
        ("---\ntitle: t\nlayout: post\n---\n正文", "jekyll"),
        ("---\ntitle: t\n---\n正文", "markdown"),
    ],
)
def test_a_loose_post_s_generator_follows_from_its_front_matter_and_tags(
    tmp_path: Path, text: str, generator: str
) -> None:
    doc = frontmatter.split_source(text, tmp_path / "a.md")
    assert post.layout(tmp_path / "a.md", doc).generator == generator


TOPICS = (Topic("反诈", ("诈骗", "电诈")), Topic("防溺水", ("溺水", "野泳")))


def test_categories_become_topics_or_tags_never_dropped() -> None:
    topics, kept = sort_categories(("诈骗", "随笔", "防溺水", "Java", "电诈"), TOPICS)
    assert topics == ("反诈", "防溺水") and kept == ("随笔", "Java")
    assert sort_categories(("反诈宣传",), TOPICS) == ((), ("反诈宣传",))  # a longer word is not the topic


def test_keywords_only_for_a_post_without_tags_or_categories(tmp_path: Path) -> None:
    cfg = config.load(REPO)
    story = "民警提醒，谨防电信诈骗。接到陌生电话要求转账，先挂断再核实，电信诈骗花样多。"
    own = "---\ntitle: 反诈提醒\ndate: 2024-01-01\ntags: [提醒]\n---\n" + story
    none = "---\ntitle: 反诈提醒\ndate: 2024-01-01\n---\n" + story
    from sitegen.importers.convert import convert

    assert convert(own.encode(), tmp_path / "a.md", cfg, set()).meta.tags == ("提醒",)
    assert convert(none.encode(), tmp_path / "b.md", cfg, set()).meta.tags  # found in the text


def test_old_addresses_follow_the_blog_s_permalink_setting(tmp_path: Path) -> None:
    blog = tmp_path / "blog"
    (blog / "_posts").mkdir(parents=True)
    (blog / "_config.yml").write_text("title: x\npermalink: pretty\n", encoding="utf-8")
    path = blog / "_posts" / "2020-02-03-hello.md"
    doc = frontmatter.split_source("---\ntitle: t\ncategories: [News Room]\n---\n正文", path)
    where = post.layout(path, doc)
    assert post.old_addresses(doc.data, where, date(2020, 2, 3), ("News Room",)) == ("/news%20room/2020/02/03/hello/",)


def test_the_summary_counts_posts_that_lack_text() -> None:
    report = ImportReport(
        [
            Outcome("a.md", "created", "blog post -> a.md", missing_han=0.05),
            Outcome("b.md", "created", "blog post -> b.md", missing_han=0.01),
        ]
    )
    assert report.totals()["text_missing"] == 1
    assert "1 post with more than 2% of the source's text missing" in report.summary()


def test_a_picture_outside_the_imported_folder_is_not_copied(tmp_path: Path) -> None:
    site = new_site(tmp_path / "site")
    notes = tmp_path / "notes"
    notes.mkdir()
    (tmp_path / "config.toml").write_text('title = "a Hugo site above the folder imported"\n', encoding="utf-8")
    (tmp_path / "content").mkdir()
    shutil.copy(BLOGS / "hexo/source/images/logo.png", tmp_path / "outside.png")
    (notes / "inside.png").symlink_to(tmp_path / "outside.png")
    (notes / "post.md").write_text(
        "---\ntitle: 笔记\ndate: 2024-01-01\ntags: [笔记]\n---\n正文。\n\n![](../outside.png)\n\n![](inside.png)\n",
        encoding="utf-8",
    )
    run = sitegen(site, "import", str(notes), "--report", str(site / "r.json"))
    assert run.returncode == 0, run.stderr
    assert not (site / "static").exists()
    meta = frontmatter.read(next((site / "content").rglob("post.md")).read_text(encoding="utf-8"), Path("p"))[0]
    assert [r.split(" (")[0] for r in meta.review] == ["image not found: ../outside.png", "image not found: inside.png"]


# A blog's pages, and a posts folder imported on its own.

PAGES = {
    "hexo/source/about/index.md": sources.PAGE,  # Hexo: anything in source/ outside _posts and _drafts
    "hexo/source/tags/index.md": sources.PAGE,
    "jekyll/about.md": sources.PAGE,  # Jekyll: anything outside _posts and _drafts
    "jekyll/archive.html": sources.PAGE,
    "hugo/content/about.md": sources.PAGE,  # Hugo: content/'s top level, beside its sections
    "hugo/content/post/_index.md": sources.LIST_PAGE,
}


def test_a_blogs_pages_are_skipped_with_their_reason(imported: Imported) -> None:
    for rel, reason in PAGES.items():
        outcome = imported.outcome(rel)
        assert (outcome["status"], outcome["message"]) == ("skipped", reason), rel
        assert f"skipped   {BLOGS / rel}: {reason}" in imported.out  # listed, never a silent drop


def test_a_page_is_known_by_its_front_matter_outside_a_blog_too(tmp_path: Path) -> None:
    site = new_site(tmp_path / "site")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "about.md").write_text("---\ntitle: 关于\nlayout: page\n---\n\n关于本站。\n", encoding="utf-8")
    (notes / "story.md").write_text(
        "---\ntitle: 巡逻\ndate: 2024-01-01\ntags: [巡逻]\n---\n\n夜间巡逻。\n", encoding="utf-8"
    )
    run = sitegen(site, "import", str(notes))
    assert run.returncode == 0, run.stderr
    assert f"skipped   {notes / 'about.md'}: {sources.PAGE}" in run.stdout
    assert [p.name for p in (site / "content").rglob("*.md")] == ["story.md"]


def test_pages_are_known_when_a_folder_inside_the_blog_is_imported(tmp_path: Path) -> None:
    site = new_site(tmp_path / "site")
    run = sitegen(site, "import", str(BLOGS / "hexo" / "source"))
    assert run.returncode == 0, run.stderr
    assert f"skipped   {BLOGS / 'hexo/source/about/index.md'}: {sources.PAGE}" in run.stdout


# Each posts folder on its own -> the pictures its posts show from the blog's own folders.
SITE_WIDE = {
    "hexo/source/_posts": {
        "images/campus/gate.png": "hexo/source/images/campus/gate.png",
        "images/2023/wallet.png": "hexo/source/images/2023/wallet.png",
    },
    "jekyll/_posts": {
        "assets/images/2021/river.png": "jekyll/assets/images/2021/river.png",
        "images/2022/fire-drill.png": "jekyll/images/2022/fire-drill.png",
        "images/2022/hose.png": "jekyll/images/2022/hose.png",
        "images/2022/extinguisher.png": "jekyll/images/2022/extinguisher.png",
    },
    "hugo/content/post": {
        "img/badge.png": "hugo/static/img/badge.png",
        "images/route-map.png": "hugo/assets/images/route-map.png",
    },
}


def test_a_posts_folder_imported_alone_brings_the_pictures_of_its_blogs_folder(tmp_path: Path) -> None:
    site = new_site(tmp_path / "site")
    run = sitegen(site, "import", *(str(BLOGS / folder) for folder in SITE_WIDE))
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("image not found") == 1 and "image not found: missing-photo.png" in run.stdout
    built = sitegen(site, "build", "--drafts")
    assert built.returncode == 0, built.stdout + built.stderr
    for pictures in SITE_WIDE.values():
        for target, source in pictures.items():
            assert (site / "static" / target).read_bytes() == (BLOGS / source).read_bytes()
            assert (site / "output" / target).read_bytes() == (BLOGS / source).read_bytes()
    page = (site / "output" / "posts" / "fire-drill" / "index.html").read_text(encoding="utf-8")
    assert page.count('src="/images/2022/') == 3


def test_a_picture_outside_the_blogs_folder_is_never_copied(tmp_path: Path) -> None:
    blog = tmp_path / "blog"
    (blog / "_posts").mkdir(parents=True)
    (blog / "_config.yml").write_text("title: t\n", encoding="utf-8")
    shutil.copy(BLOGS / "hexo/source/images/logo.png", tmp_path / "secret.png")
    (blog / "_posts" / "2024-01-01-walk.md").write_text(
        "---\ntitle: 巡线\ntags: [巡线]\n---\n\n正文。\n\n![](../../secret.png)\n", encoding="utf-8"
    )
    site = new_site(tmp_path / "site")
    run = sitegen(site, "import", str(blog / "_posts"))
    assert run.returncode == 0, run.stderr
    assert not (site / "static").exists()
    assert "image not found: ../../secret.png" in run.stdout
