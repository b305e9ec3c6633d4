"""The editor's commands: sitegen new, sitegen check, and what build refuses or holds back."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from support import TEST_SITE, copy_site

from sitegen import cli, frontmatter
from sitegen.frontmatter import CHINA


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
