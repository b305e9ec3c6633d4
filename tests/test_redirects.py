"""Old URLs keep working: each alias of a post gets a redirect page, and an alias that would replace a
page of the site or another post's alias is refused by build and reported by check, with file and line."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from support import TEST_SITE, copy_site

from sitegen import cli, config, content, pipeline, posts, redirects
from sitegen.cache import CACHE_DIR, Cache
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import CHINA
from sitegen.output import Output

MOVED = """\
---
title: 旧址迁来的"报道" <一>
date: 2019-03-05T10:00:00+08:00
categories: [反诈]
slug: moved-story
aliases:
- /2019/03/05/old-story/
- /post/old-story.html
- /archive/旧文
- /p/%E6%97%A7
---

迁移过来的一篇报道。
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    made = copy_site(TEST_SITE, tmp_path / "site")
    (made / "content/posts/2019").mkdir()
    (made / "content/posts/2019/moved.md").write_text(MOVED, encoding="utf-8")
    return made


def run_build(site: Path, *args: str) -> None:
    assert cli.main(["--root", str(site), "build", *args]) == 0


def refused(site: Path) -> list[SitegenError]:
    """The problems that stop a build of site."""
    cfg = config.load(site)
    with pytest.raises(SitegenErrors) as caught:
        pipeline.build(cfg, site / "content", site / "output")
    return caught.value.errors


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_each_alias_gets_a_redirect_page_at_the_path_a_host_serves(site: Path) -> None:
    run_build(site)
    out = site / "output"
    pages = [
        out / "2019/03/05/old-story/index.html",
        out / "post/old-story.html",
        out / "archive/旧文/index.html",
        out / "p/旧/index.html",
    ]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert '<meta http-equiv="refresh" content="0; url=/posts/moved-story/">' in text
        assert '<link rel="canonical" href="https://example.org/posts/moved-story/">' in text
        assert '<a href="/posts/moved-story/">旧址迁来的&quot;报道&quot; &lt;一&gt;</a>' in text
        assert '<meta name="robots" content="noindex">' in text
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "old-story" not in sitemap and "旧" not in sitemap
    assert "posts/moved-story/" in sitemap


def test_redirects_carry_the_base_path(site: Path) -> None:
    run_build(site, "--base-url", "https://host.example/archive/")
    text = (site / "output/post/old-story.html").read_text(encoding="utf-8")
    assert 'content="0; url=/archive/posts/moved-story/"' in text
    assert 'rel="canonical" href="https://host.example/archive/posts/moved-story/"' in text


def test_redirect_pages_are_the_same_bytes_every_build(site: Path, tmp_path: Path) -> None:
    run_build(site)
    first = tree(site / "output")
    shutil.rmtree(site / CACHE_DIR)
    shutil.rmtree(site / "output")
    run_build(site)
    assert tree(site / "output") == first


def test_editing_aliases_updates_the_redirects_on_a_rebuild(site: Path, tmp_path: Path) -> None:
    """The incremental build adds, changes and removes redirect pages as a cold build makes them."""
    run_build(site)
    post = site / "content/posts/2019/moved.md"
    text = post.read_text(encoding="utf-8")
    text = text.replace("- /post/old-story.html\n", "").replace("/2019/03/05/old-story/", "/2019/03/06/old-story/")
    post.write_text(text.replace("title: 旧址迁来的", "title: 改过标题的"), encoding="utf-8")
    run_build(site)
    out = site / "output"
    assert not (out / "post/old-story.html").exists()
    assert not (out / "2019/03/05/old-story").exists()
    assert "改过标题的" in (out / "2019/03/06/old-story/index.html").read_text(encoding="utf-8")
    assert "改过标题的" in (out / "archive/旧文/index.html").read_text(encoding="utf-8")
    cold = copy_site(site, tmp_path / "cold")
    shutil.rmtree(cold / CACHE_DIR)
    shutil.rmtree(cold / "output")
    run_build(cold)
    assert tree(out) == tree(cold / "output")


def alias(site: Path, *paths: str, post: str = "content/posts/2022/fan-zha.md") -> Path:
    """Give a post of the example site aliases, on lines of their own after its slug."""
    file = site / post
    text = file.read_text(encoding="utf-8")
    lines = "".join(f"- {p}\n" for p in paths)
    file.write_text(re.sub(r"(slug: .*\n)", rf"\1aliases:\n{lines}", text, count=1), encoding="utf-8")
    return file


def line_of(file: Path, text: str) -> int:
    return next(n for n, line in enumerate(file.read_text(encoding="utf-8").split("\n"), 1) if text in line)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/posts/moved-story/", "would replace the site's page posts/moved-story/index.html"),
        ("/posts/fan-zha/", "is the post's own address"),
        ("/2019/03/05/old-story/", "is also an alias of"),
        ("/search/", "lies in search/"),
        ("/sitemap.xml/", "would need a folder where the site has the file sitemap.xml"),
        ("/files/old.html", "would replace the site's folder files/old.html/"),
        ("/p/a%2Fb/", "encoded separator"),
        ("/p/%2E%2E/x/", "'.' or '..' part"),
    ],
)
def test_build_refuses_an_alias_that_clashes_naming_its_file_and_line(site: Path, path: str, message: str) -> None:
    (site / "static/files/old.html").mkdir(parents=True)
    (site / "static/files/old.html/notes.txt").write_text("a folder named like a page", encoding="utf-8")
    file = alias(site, "/kept/fine/", path)
    problems = refused(site)
    assert [(p.path, p.line) for p in problems] == [(file, line_of(file, f"- {path}"))]
    assert message in problems[0].message and path in problems[0].message
    assert not (site / "output").exists()


def test_check_reports_clashing_aliases_with_file_and_line(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = alias(site, "/2019/03/05/old-story/", "/tags/")
    assert cli.main(["--root", str(site), "check", "--format", "json"]) == 1
    rows = json.loads(capsys.readouterr().out)["problems"]
    clashes = [(r["file"], r["line"], r["severity"]) for r in rows if "alias" in r["message"]]
    expected_lines = [line_of(file, "- /2019/03/05/old-story/"), line_of(file, "- /tags/")]
    assert clashes == [(str(file), n, "error") for n in expected_lines]


def test_a_link_to_an_old_address_in_a_body_is_not_broken(site: Path) -> None:
    post = site / "content/posts/2022/fan-zha.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n见[旧文](/post/old-story.html)。\n", encoding="utf-8")
    run_build(site)


@pytest.mark.parametrize(
    ("path", "file"),
    [
        ("/2019/03/05/x/", "2019/03/05/x/index.html"),
        ("/2019/03/05/x", "2019/03/05/x/index.html"),
        ("/post/x.html", "post/x.html"),
        ("/post/x.HTM", "post/x.HTM"),
        ("/p/1.php", "p/1.php/index.html"),
        ("/a%20b/", "a b/index.html"),
    ],
)
def test_the_file_of_an_alias(path: str, file: str) -> None:
    assert redirects.target_file(path) == (file, None)


# A slug changed by hand: the build cache's record of addresses keeps the old one working, and says how to
# keep it for good. The build passes redirects.Moved(store) to redirects.add(); these "builds" do what its
# last step does (see pipeline._refused()), on the site's full list of files, with a real cache.
STORY = "content/posts/2022/fan-zha.md"


class Written(Output):
    """The site's list of files, with the text of those the redirects step adds."""

    def __init__(self, files: dict[str, str]) -> None:
        self.texts: dict[str, str] = {}
        super().__init__(Path("output"), dry=True)
        self.files.update(files)
        self.texts.clear()

    def add(self, rel: str, data: bytes | str | Callable[[], bytes], key: str | None = None) -> str:
        self.texts[rel] = str(data)
        return super().add(rel, data, key)


def recorded_build(site: Path, cache: Path) -> tuple[dict[str, str], list[SitegenError]]:
    """What the redirects step of a build of site adds, with the cache at cache: the pages (file -> text) and
    the warnings."""
    cfg = config.load(site)
    stories, _ = content.read_all(site / "content")
    shown = posts.published(content.newest_first(stories), drafts=False, now=datetime.now(CHINA))
    out = Written(pipeline.files(cfg, shown, site / "output").files)
    store = Cache(cache)
    try:
        problems = redirects.add(cfg, shown, out, redirects.Moved(store))
        store.commit()
    finally:
        store.close()
    return out.texts, problems


def hand_edit(site: Path, old: str, new: str) -> None:
    story = site / STORY
    story.write_text(story.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def test_a_slug_changed_by_hand_keeps_a_redirect_while_the_cache_lasts_and_says_how_to_keep_it(
    tmp_path: Path,
) -> None:
    site, cache = copy_site(TEST_SITE, tmp_path / "site"), tmp_path / "cache"
    out, problems = recorded_build(site, cache)
    assert problems == [] and "posts/fan-zha/index.html" not in out
    hand_edit(site, "slug: fan-zha\n", "slug: fan-zha-xuan-chuan\n")
    for _ in range(2):  # the build after the edit, and the one after that: the record holds the move
        out, problems = recorded_build(site, cache)
        assert 'url=/posts/fan-zha-xuan-chuan/"' in out["posts/fan-zha/index.html"]
        (warning,) = problems
        assert warning.warning and warning.path == site / STORY and warning.line == 10
        assert "/posts/fan-zha/ redirects here only while the build cache lasts" in warning.message
        assert warning.hint is not None and warning.hint.endswith("aliases: [/posts/fan-zha/]")
    hand_edit(site, "slug: fan-zha-xuan-chuan\n", "slug: fan-zha-xuan-chuan\naliases: [/posts/fan-zha/]\n")
    out, problems = recorded_build(site, cache)  # the line the warning gave, added: the alias redirects
    assert problems == [] and 'url=/posts/fan-zha-xuan-chuan/"' in out["posts/fan-zha/index.html"]


def test_each_old_address_redirects_and_moving_back_ends_its_redirect(tmp_path: Path) -> None:
    site, cache = copy_site(TEST_SITE, tmp_path / "site"), tmp_path / "cache"
    recorded_build(site, cache)
    hand_edit(site, "slug: fan-zha\n", "slug: b\n")
    recorded_build(site, cache)
    hand_edit(site, "slug: b\n", "slug: c\n")
    out, problems = recorded_build(site, cache)
    assert {f for f in out if 'url=/posts/c/"' in out[f]} == {
        "posts/fan-zha/index.html",
        "posts/b/index.html",
    }
    assert sorted(p.hint.split("redirect: ")[1] for p in problems if p.hint) == [
        "aliases: [/posts/b/]",
        "aliases: [/posts/fan-zha/]",
    ]
    hand_edit(site, "slug: c\n", "slug: fan-zha\n")
    out, problems = recorded_build(site, cache)
    assert "http-equiv" not in out.get("posts/fan-zha/index.html", "")
    assert sorted(p.message.split(" redirects")[0].rsplit(" ", 1)[1] for p in problems) == ["/posts/b/", "/posts/c/"]


def test_an_old_address_another_story_took_gets_no_redirect(tmp_path: Path) -> None:
    site, cache = copy_site(TEST_SITE, tmp_path / "site"), tmp_path / "cache"
    recorded_build(site, cache)
    hand_edit(site, "slug: fan-zha\n", "slug: fan-zha-2\n")
    other = site / "content/posts/2021/ping-an.md"
    other.write_text(
        other.read_text(encoding="utf-8").replace("---\n\n", "slug: fan-zha\n---\n\n", 1), encoding="utf-8"
    )
    out, problems = recorded_build(site, cache)
    assert "http-equiv" not in out.get("posts/fan-zha/index.html", "")  # the other story's page
    warned = {p.path.name: p for p in problems if p.path is not None and p.warning}
    assert "would replace the site's page posts/fan-zha/index.html" in warned["fan-zha.md"].message
    assert "/posts/ping-an/ redirects here" in warned["ping-an.md"].message  # it moved too, from its file's name
    assert 'url=/posts/fan-zha/"' in out["posts/ping-an/index.html"]


def test_without_the_cache_a_hand_edited_slug_has_no_redirect(tmp_path: Path) -> None:
    """Why the warning asks for the aliases line: a lost cache knows no old address."""
    site = copy_site(TEST_SITE, tmp_path / "site")
    recorded_build(site, tmp_path / "cache")
    hand_edit(site, "slug: fan-zha\n", "slug: fan-zha-2\n")
    out, problems = recorded_build(site, tmp_path / "a-new-cache")
    assert problems == [] and "posts/fan-zha/index.html" not in out


def test_a_slug_changed_by_hand_is_redirected_by_the_build_and_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    site = copy_site(TEST_SITE, tmp_path / "site")
    assert cli.main(["--root", str(site), "build"]) == 0
    story = site / "content/posts/2022/fan-zha.md"
    story.write_text(
        story.read_text(encoding="utf-8").replace("slug: fan-zha\n", "slug: fan-zha-2\n"), encoding="utf-8"
    )
    capsys.readouterr()
    assert cli.main(["--root", str(site), "build"]) == 0
    redirect = (site / "output/posts/fan-zha/index.html").read_text(encoding="utf-8")
    assert 'content="0; url=/posts/fan-zha-2/"' in redirect
    assert cli.main(["--root", str(site), "build"]) == 0  # the next build too: the record holds the move
    assert 'url=/posts/fan-zha-2/"' in (site / "output/posts/fan-zha/index.html").read_text(encoding="utf-8")
