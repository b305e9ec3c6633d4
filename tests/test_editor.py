"""The editor's commands: sitegen new, sitegen check, and what build refuses or holds back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from support import TEST_SITE, copy_site

from sitegen import cli, content, frontmatter
from sitegen.config import load as load_config
from sitegen.errors import SitegenErrors
from sitegen.frontmatter import CHINA
from sitegen.importers.convert import held_for_review


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(TEST_SITE, tmp_path / "site")


def sitegen(site: Path, *args: str) -> int:
    return cli.main(["--root", str(site), *args])


def test_new_writes_a_complete_draft_and_prints_its_path(site: Path, capsys) -> None:
    args = ("new", "遂川公安推行“网格村警”", "--category", "反诈", "--region", "遂川县", "--tag", "网格村警")
    assert sitegen(site, *args) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.parent.name == str(datetime.now(CHINA).year) and path.is_file()
    meta, body, _ = frontmatter.read(path.read_text(encoding="utf-8"), path)
    assert meta.title == "遂川公安推行“网格村警”" and meta.draft is True
    assert meta.slug == "sui-chuan-gong-an-tui-xing-wang-ge-cun-jing"
    assert meta.categories == ("反诈",) and meta.tags == ("网格村警",)
    assert meta.regions == ("江西省", "吉安市", "遂川县")
    assert isinstance(meta.date, datetime) and meta.date.utcoffset() == CHINA.utcoffset(None)
    assert abs((datetime.now(CHINA) - meta.date).total_seconds()) < 60
    assert body.strip()


def test_new_refuses_to_overwrite(site: Path, capsys) -> None:
    assert sitegen(site, "new", "同一个标题") == 0
    path = Path(capsys.readouterr().out.strip())
    path.write_text(path.read_text(encoding="utf-8") + "\n编辑写的内容\n", encoding="utf-8")
    before = path.read_bytes()
    assert sitegen(site, "new", "同一个标题") == 1
    assert "already exists; nothing was written" in capsys.readouterr().err
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--category", "反炸"), "unknown topic '反炸'"),
        (("--region", "火星"), "'火星' is not a province, city or county"),
        (("--region", "朝阳区"), "names several places"),
        (("--slug", "不是ASCII"), "must be lowercase ASCII"),
    ],
)
def test_new_rejects_what_the_site_does_not_know(site: Path, args: tuple[str, ...], message: str, capsys) -> None:
    assert sitegen(site, "new", "标题", *args) == 1
    assert message in capsys.readouterr().err
    assert not list((site / "content/posts").rglob("biao-ti.md"))


def test_check_passes_a_clean_site_and_shows_warnings(site: Path, capsys) -> None:
    assert sitegen(site, "check") == 0
    out = capsys.readouterr().out
    assert "wu-ri-qi.md:8: warning: needs review: date" in out
    assert "5 posts checked: 0 errors, 1 warnings" in out
    assert sitegen(site, "check", "--strict") == 1


BROKEN = {
    "schema": (
        "---\ntitle: 标题\ndate: 2023-13-01\ntags: 5\n---\n正文\n",
        [(3, "'2023-13-01' is not a date"), (4, "'tags' must be")],
    ),
    "topic": ("---\ntitle: 标题\ncategories: [火灾]\n---\n正文\n", [(3, "unknown topic '火灾'")]),
    "empty": ("---\ntitle: 标题\n---\n\n", [(1, "the post has no text")]),
    "link": (
        "---\ntitle: 标题\n---\n\n正文\n\n见[另一篇](/posts/no-such-post/)。\n",
        [(7, "broken link: /posts/no-such-post/")],
    ),
    "image": ("---\ntitle: 标题\n---\n\n![图](/images/missing.jpg)\n", [(5, "broken image: /images/missing.jpg")]),
    "slug": ("---\ntitle: 标题\nslug: fan-zha\n---\n正文\n", [(3, "slug 'fan-zha' is also used by")]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_check_names_file_and_line_and_build_refuses(site: Path, case: str, capsys) -> None:
    text, expected = BROKEN[case]
    post = site / "content/posts" / f"{case}.md"
    post.write_text(text, encoding="utf-8")
    assert sitegen(site, "check") == 1
    out = capsys.readouterr().out
    for line, message in expected:
        assert f"{post}:{line}: {message}" in out, out
    assert sitegen(site, "build") == 1
    assert not (site / "output").exists()


def test_check_json_lists_problems_with_severity(site: Path, capsys) -> None:
    (site / "content/posts/topic.md").write_text("---\ntitle: 标题\ncategories: [火灾]\n---\n正文\n", encoding="utf-8")
    assert sitegen(site, "check", "--format", "json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == 1 and report["warnings"] == 2 and report["posts"] == 6  # no date; review
    error = next(p for p in report["problems"] if p["severity"] == "error")
    assert error["file"].endswith("topic.md") and error["line"] == 3 and "火灾" in error["message"]


def test_check_reports_config_problems_by_key(site: Path, capsys) -> None:
    config = site / "sitegen.toml"
    text = (
        config.read_text(encoding="utf-8")
        .replace("per_page = 2", 'per_page = "2"')
        .replace('base_url = "https://example.org/"', 'base_url = ""')
    )
    config.write_text('titel = "x"\n' + text, encoding="utf-8")
    assert sitegen(site, "check") == 1
    out = capsys.readouterr().out
    assert "sitegen.toml: 'base_url' is empty" in out
    assert "unknown key 'titel'" in out and "did you mean 'title'?" in out
    assert "sitegen.toml: 'per_page' must be int, not str" in out


def test_links_between_posts_and_static_files_resolve(site: Path) -> None:
    (site / "static/images").mkdir(parents=True)
    (site / "static/images/map.png").write_bytes(b"\x89PNG\r\n")
    post = site / "content/posts/2022/fan-zha.md"
    post.write_text(
        post.read_text(encoding="utf-8") + "\n见[网格村警](/posts/wang-ge-cun-jing/)。\n\n![地图](/images/map.png)\n",
        encoding="utf-8",
    )
    assert sitegen(site, "check") == 0
    assert sitegen(site, "build", "--base-url", "https://host.example/archive/") == 0
    page = (site / "output/posts/fan-zha/index.html").read_text(encoding="utf-8")
    assert 'href="/archive/posts/wang-ge-cun-jing/"' in page and 'src="/archive/images/map.png"' in page
    assert (site / "output/images/map.png").read_bytes() == b"\x89PNG\r\n"


def test_future_posts_wait_for_their_date(site: Path) -> None:
    (site / "content/posts/future.md").write_text(
        "---\ntitle: 明年的报道\ndate: 2999-01-01T08:00:00+08:00\n---\n正文\n", encoding="utf-8"
    )
    assert sitegen(site, "build") == 0
    assert not (site / "output/posts/future").exists()
    assert sitegen(site, "build", "--drafts") == 0
    assert (site / "output/posts/future/index.html").is_file()


def test_updated_shows_on_the_page_and_in_the_feed(site: Path) -> None:
    post = site / "content/posts/2022/fan-zha.md"
    post.write_text(
        post.read_text(encoding="utf-8").replace("slug: fan-zha", "slug: fan-zha\nupdated: 2022-11-02T10:00:00+08:00"),
        encoding="utf-8",
    )
    assert sitegen(site, "build") == 0
    page = (site / "output/posts/fan-zha/index.html").read_text(encoding="utf-8")
    assert "更新于" in page and "2022年11月2日 10:00" in page
    feed = (site / "output/atom.xml").read_text(encoding="utf-8")
    assert "<updated>2022-11-02T10:00:00+08:00</updated>" in feed


# check helps (issue 26, point 4)


def write_post(site: Path, name: str, text: str) -> Path:
    path = site / "content/posts/2024" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(site: Path, path: Path, capsys) -> list[dict[str, object]]:
    sitegen(site, "check", "--format", "json")
    return [p for p in json.loads(capsys.readouterr().out)["problems"] if p["file"] == str(path)]


@pytest.mark.parametrize(
    ("written", "line", "hint"),
    [
        ("categories:\n  - 社区警务\n  - 反炸\n", 6, "did you mean '反诈'?"),  # the item's line, not the key's
        ("categories: [反炸]\n", 4, "did you mean '反诈'?"),
        ("categories: [溺水]\n", 4, "did you mean '防溺水'?"),  # a topic's keyword names its topic
        ("categories: [交通]\n", 4, "topics are set in sitegen.toml: 反诈、社区警务、防溺水"),
    ],
)
def test_an_unknown_topic_is_named_at_its_item_with_did_you_mean(
    site: Path, written: str, line: int, hint: str, capsys
) -> None:
    path = write_post(site, "topic.md", f"---\ntitle: 专题写错\ndate: 2024-05-01\n{written}---\n正文\n")
    (problem,) = problems_of(site, path, capsys)
    assert (problem["line"], problem["message"], problem["hint"]) == (line, problem["message"], hint)
    assert str(problem["message"]).startswith("unknown topic")


def test_a_region_typo_is_a_warning_with_the_gazetteers_name(site: Path, capsys) -> None:
    path = write_post(
        site,
        "region.md",
        "---\ntitle: 地区写错\ndate: 2024-05-01\nregions:\n  - 江西省\n  - 吉安市\n  - 泰禾县\n---\n正文\n",
    )
    (problem,) = problems_of(site, path, capsys)
    assert problem["severity"] == "warning" and problem["line"] == 7
    assert problem["message"] == "region '泰禾县' is not in the gazetteer" and problem["hint"] == "did you mean 泰和县?"


def test_a_town_or_a_place_abroad_is_no_region_typo(site: Path, capsys) -> None:
    path = write_post(
        site, "town.md", "---\ntitle: 乡镇\ndate: 2024-05-01\nregions: [江西省, 泰和县, 马市镇, 新加坡]\n---\n正文\n"
    )
    assert problems_of(site, path, capsys) == []


def test_a_duplicated_slug_is_blamed_on_the_newer_post_not_the_published_one(site: Path, capsys) -> None:
    older = site / "content/posts/2022/fan-zha.md"
    newer = write_post(site, "a-new.md", "---\ntitle: 新稿\ndate: 2024-05-01\nslug: fan-zha\n---\n正文\n")
    renamed = older.rename(site / "content/posts/2022/zz-fan-zha.md")  # after the new one in path order
    (problem,) = problems_of(site, newer, capsys)
    assert problem["line"] == 4 and problem["message"] == f"slug 'fan-zha' is also used by {renamed}"
    assert "do not change a published slug" in str(problem["hint"])
    assert problems_of(site, renamed, capsys) == []


def test_a_draft_sharing_a_slug_is_the_one_reported(site: Path, capsys) -> None:
    draft = write_post(
        site, "a-draft.md", "---\ntitle: 草稿\ndate: 2020-01-01\nslug: fan-zha\ndraft: true\n---\n正文\n"
    )
    (problem,) = problems_of(site, draft, capsys)
    assert problem["message"].startswith("slug 'fan-zha' is also used by")


def test_the_placeholder_body_and_empty_sections_are_errors_once_not_a_draft(site: Path, capsys) -> None:
    assert sitegen(site, "new", "占位正文") == 0
    path = Path(capsys.readouterr().out.strip())
    path.write_text(path.read_text(encoding="utf-8") + "\n## 现场\n\n## 经过\n\n民警赶到。\n", encoding="utf-8")
    assert problems_of(site, path, capsys) == []  # a draft may be unfinished
    path.write_text(path.read_text(encoding="utf-8").replace("draft: true\n", ""), encoding="utf-8")
    problems = problems_of(site, path, capsys)
    assert [(p["severity"], p["message"]) for p in problems] == [
        ("error", "the post still holds the placeholder text of 'sitegen new'"),
        ("error", "the section '现场' is empty"),
    ]
    body_line = path.read_text(encoding="utf-8").split("\n").index("## 现场") + 1
    assert problems[1]["line"] == body_line


def test_a_heading_with_subsections_or_code_is_not_empty(site: Path, capsys) -> None:
    body = "导语。\n\n## 经过\n\n### 第一天\n\n民警赶到。\n\n## 代码\n\n```\n# 注释\n```\n"
    path = write_post(site, "sections.md", f"---\ntitle: 小标题\ndate: 2024-05-01\n---\n\n{body}")
    assert problems_of(site, path, capsys) == []


def test_serve_counts_the_drafts_it_hides(site: Path) -> None:
    assert content.count_drafts(site / "content") == 1
    write_post(site, "jekyll.md", "---\ntitle: 未发布\npublished: false\n---\n正文\n")
    write_post(site, "body.md", "---\ntitle: 正文里提到\n---\n正文\n\ndraft: true\n")
    assert content.count_drafts(site / "content") == 2


# Imports wait for an editor (issue 26, point 5)


def test_import_review_as_draft_is_read_from_sitegen_toml(site: Path) -> None:
    config = site / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[import]\nreview_as_draft = true\n", encoding="utf-8")
    assert load_config(site).review_as_draft is True
    config.write_text(config.read_text(encoding="utf-8").replace("review_as_draft = true", "review_as_drafts = 1"))
    with pytest.raises(SitegenErrors) as raised:
        load_config(site)
    assert raised.value.errors[0].hint == "did you mean 'review_as_draft'?"


def test_an_imported_story_with_review_items_is_written_as_a_draft(site: Path) -> None:
    cfg = replace(load_config(site), review_as_draft=True)
    meta = frontmatter.Meta(title="导入的报道", review=("date",))
    assert held_for_review(meta, cfg).draft is True
    assert held_for_review(replace(meta, review=()), cfg).draft is False
    assert held_for_review(meta, replace(cfg, review_as_draft=False)).draft is False
