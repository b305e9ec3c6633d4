"""The build checks every local image of a post: one that no file of the built site provides is an error at
its file and line (as a broken internal link is), with a 'did you mean' when only the letter case differs."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import TEST_SITE, copy_site

from sitegen import cli, config, pipeline
from sitegen.errors import SitegenErrors


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


POST = """\
---
title: 带图片的报道
date: 2022-06-01T09:00:00+08:00
categories: [反诈]
slug: with-images
---

第一段。

![现场](/images/Scene.JPG)

![示意](diagram.png)

![外站](https://example.net/a.png)
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    made = copy_site(TEST_SITE, tmp_path / "site")
    (made / "static/images").mkdir(parents=True)
    (made / "static/images/scene.jpg").write_bytes(b"\xff\xd8\xff")
    (made / "static/posts/with-images").mkdir(parents=True)
    (made / "static/posts/with-images/diagram.png").write_bytes(b"\x89PNG")
    (made / "content/posts/2022/with-images.md").write_text(POST, encoding="utf-8")
    return made


def test_an_image_in_other_letter_case_is_an_error_with_the_right_name(site: Path) -> None:
    with pytest.raises(SitegenErrors) as caught:
        pipeline.build(config.load(site), site / "content", site / "output")
    [problem] = caught.value.errors
    assert problem.path == site / "content/posts/2022/with-images.md" and problem.line == 10
    assert problem.message == "broken image: /images/Scene.JPG (no such page or file in the site)"
    assert problem.hint is not None and problem.hint.startswith("did you mean /images/scene.jpg?")


def test_an_image_no_file_provides_is_an_error_without_a_guess(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "static/images/scene.jpg").unlink()
    assert cli.main(["--root", str(site), "check"]) == 1
    out = capsys.readouterr().out
    assert "with-images.md:10: broken image: /images/Scene.JPG" in out
    assert "did you mean" not in out


def test_local_images_the_site_provides_build(site: Path) -> None:
    post = site / "content/posts/2022/with-images.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Scene.JPG", "scene.jpg"), encoding="utf-8")
    assert cli.main(["--root", str(site), "build"]) == 0
    page = (site / "output/posts/with-images/index.html").read_text(encoding="utf-8")
    assert 'src="/images/scene.jpg"' in page and 'src="diagram.png"' in page


def test_an_image_in_a_bodys_raw_html_is_checked_too(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = site / "content/posts/2022/with-images.md"
    post.write_text(
        post.read_text(encoding="utf-8").replace("/images/Scene.JPG", "/images/scene.jpg")
        + '\n<p><img src="/images/Missing.png"></p>\n\n段落里的<img src="/images/gone.png" alt="">图。\n',
        encoding="utf-8",
    )
    assert cli.main(["--root", str(site), "check"]) == 1
    out = capsys.readouterr().out
    assert "with-images.md:16: broken image: /images/Missing.png" in out
    assert "with-images.md:18: broken image: /images/gone.png" in out


def test_a_link_in_a_bodys_raw_html_is_checked_too(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = site / "content/posts/2022/with-images.md"
    post.write_text(
        post.read_text(encoding="utf-8").replace("/images/Scene.JPG", "/images/scene.jpg")
        + '\n<div><a class="more" href="/posts/no-such-story/">下一篇</a></div>\n\n'
        + '段落里的<a href="/posts/with-images/">本文</a>和<a href="https://example.net/">外站</a>。\n',
        encoding="utf-8",
    )
    assert cli.main(["--root", str(site), "check"]) == 1
    out = capsys.readouterr().out
    assert "with-images.md:16: broken link: /posts/no-such-story/" in out
    assert "/posts/with-images/ (no such" not in out and "example.net" not in out
