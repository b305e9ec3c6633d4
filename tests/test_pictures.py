"""Pictures: a post's local pictures resized at build to a few widths (never wider than they are), shown with
srcset, sizes, width, height and lazy loading; made once and kept; a file that is no picture is a warning.
The import's opt-in step fetches a story's remote pictures into static/ (over loopback here)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from support import TEST_SITE, copy_site, serve

from sitegen import assets, bodies, cli, config, content, images
from sitegen.cache import Cache
from sitegen.content import Post
from sitegen.output import Output


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


POST = """\
---
title: 图片报道
date: 2022-06-01T09:00:00+08:00
categories: [反诈]
slug: pics
---

第一段。

![现场](/images/big.jpg)

*民警在现场劝阻*

![宽图](/images/wide.png)

![小图](/images/small.webp)

![动图](/images/moving.gif) ![标志](/images/logo.svg)

![竖拍](/images/turned.jpg)

![旁边的图](beside.jpg)

<p><img alt="作者定宽" width="320" src="/images/wide.png"></p>
"""


def picture(size: tuple[int, int], kind: str, mode: str = "RGB", **options: object) -> bytes:
    data = io.BytesIO()
    Image.new(mode, size, (180, 40, 40, 200)[: len(mode)] if mode != "P" else 3).save(data, kind, **options)
    return data.getvalue()


def turned_jpeg() -> bytes:
    """A photo taken with the phone turned: stored 400x200, shown 200x400 (EXIF orientation 6)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return picture((400, 200), "JPEG", exif=exif.tobytes())


def moving_gif() -> bytes:
    frames = [Image.new("P", (640, 360), i) for i in range(3)]
    data = io.BytesIO()
    frames[0].save(data, "GIF", save_all=True, append_images=frames[1:])
    return data.getvalue()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    made = copy_site(TEST_SITE, tmp_path / "site")
    folder = made / "static/images"
    folder.mkdir(parents=True)
    (folder / "big.jpg").write_bytes(picture((1600, 900), "JPEG"))
    (folder / "wide.png").write_bytes(picture((1000, 500), "PNG", "RGBA"))
    (folder / "small.webp").write_bytes(picture((300, 200), "WEBP"))
    (folder / "moving.gif").write_bytes(moving_gif())
    (folder / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    (folder / "turned.jpg").write_bytes(turned_jpeg())
    (made / "static/posts/pics").mkdir(parents=True)
    (made / "static/posts/pics/beside.jpg").write_bytes(picture((900, 600), "JPEG"))
    (made / "content/posts/2022/pics.md").write_text(POST, encoding="utf-8")
    return made


def build(site: Path) -> None:
    assert cli.main(["--root", str(site), "build"]) == 0


def tags(site: Path) -> dict[str, dict[str, str]]:
    """The article's <img> tags by alt: their attributes."""
    page = (site / "output/posts/pics/index.html").read_text(encoding="utf-8")
    found = [dict(re.findall(r'([a-z]+)="([^"]*)"', tag)) for tag in re.findall(r"<img\b[^>]*>", page)]
    return {tag["alt"]: tag for tag in found}


def srcset(tag: dict[str, str]) -> list[tuple[str, int]]:
    return [(url, int(width[:-1])) for url, width in (part.split() for part in tag["srcset"].split(", "))]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_photo_gets_smaller_copies_in_its_own_format_and_keeps_its_original(site: Path) -> None:
    build(site)
    photo = tags(site)["现场"]
    assert photo["src"] == "/images/big.jpg" and (photo["width"], photo["height"]) == ("1600", "900")
    widths = srcset(photo)
    assert [w for _, w in widths] == [480, 800, 1200, 1600] and widths[-1][0] == "/images/big.jpg"
    assert photo["sizes"] == images.SIZES and photo["decoding"] == "async"
    for url, width in widths[:-1]:
        assert re.fullmatch(rf"/images/big\.{width}w\.[0-9a-f]{{10}}\.jpg", url)
        with Image.open(site / "output" / url.lstrip("/")) as made:
            assert made.format == "JPEG" and made.size == (width, round(900 * width / 1600))
    assert (site / "output/images/big.jpg").read_bytes() == (site / "static/images/big.jpg").read_bytes()
    page = (site / "output/posts/pics/index.html").read_text(encoding="utf-8")
    assert 'height="900" decoding="async"><figcaption>民警在现场劝阻</figcaption></figure>' in page


def test_no_picture_is_made_wider_than_it_is(site: Path) -> None:
    build(site)
    shown = tags(site)
    assert [w for _, w in srcset(shown["宽图"])] == [480, 800, 1000]
    with Image.open(site / "output" / srcset(shown["宽图"])[0][0].lstrip("/")) as made:
        assert made.format == "PNG" and made.mode == "RGBA" and made.size == (480, 240)
    small = shown["小图"]  # narrower than every width: no copies, its size all the same
    assert "srcset" not in small and (small["width"], small["height"]) == ("300", "200")
    assert sorted(p.name for p in (site / "output/images").glob("small*")) == ["small.webp"]


def test_lazy_loading_but_for_the_first_picture_sizes_from_the_file_as_shown(site: Path) -> None:
    build(site)
    shown = tags(site)
    assert "loading" not in shown["现场"]  # the first picture: most likely in the first screen
    assert all(tag["loading"] == "lazy" for alt, tag in shown.items() if alt != "现场")
    assert (shown["竖拍"]["width"], shown["竖拍"]["height"]) == ("200", "400")  # EXIF orientation 6
    assert shown["旁边的图"]["src"] == "beside.jpg" and shown["旁边的图"]["width"] == "900"
    assert srcset(shown["旁边的图"])[0][0].startswith("/posts/pics/beside.480w.")


def test_gif_and_svg_are_published_untouched(site: Path) -> None:
    build(site)
    shown = tags(site)
    assert "srcset" not in shown["动图"] and (shown["动图"]["width"], shown["动图"]["height"]) == ("640", "360")
    assert "srcset" not in shown["标志"] and "width" not in shown["标志"] and shown["标志"]["loading"] == "lazy"
    for name in ("moving.gif", "logo.svg"):
        assert (site / "output/images" / name).read_bytes() == (site / "static/images" / name).read_bytes()
    assert sorted(p.name for p in (site / "output/images").iterdir() if p.name.startswith(("moving", "logo"))) == [
        "logo.svg",
        "moving.gif",
    ]


def test_an_authors_own_width_is_kept(site: Path) -> None:
    build(site)
    own = tags(site)["作者定宽"]
    assert own["width"] == "320" and "height" not in own and "srcset" in own


def test_a_sub_path_site_gets_its_pictures_under_the_base_path(site: Path) -> None:
    assert cli.main(["--root", str(site), "build", "--base-url", "https://example.org/archive/"]) == 0
    photo = tags(site)["现场"]
    assert photo["src"] == "/archive/images/big.jpg"
    assert all(url.startswith("/archive/images/big.") for url, _ in srcset(photo))


def test_a_second_build_resizes_nothing(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build(site)
    before = tree(site / "output")

    def refused(task: object) -> object:
        raise AssertionError(f"read again: {task}")

    monkeypatch.setattr(images, "_made", refused)
    build(site)  # nothing changed
    post = site / "content/posts/2022/pics.md"
    post.write_text(post.read_text(encoding="utf-8").replace("第一段。", "第一段，改过。"), encoding="utf-8")
    build(site)  # the body changed, its pictures did not
    after = tree(site / "output")
    assert {k: v for k, v in after.items() if "/images/" in f"/{k}"} == {
        k: v for k, v in before.items() if "/images/" in f"/{k}"
    }
    assert "第一段，改过。" in after["posts/pics/index.html"].decode()


def test_a_picture_replaced_under_its_name_changes_its_page_as_a_cold_build_would(site: Path, tmp_path: Path) -> None:
    build(site)
    (site / "static/images/big.jpg").write_bytes(picture((1000, 1000), "JPEG"))
    build(site)
    assert (tags(site)["现场"]["width"], tags(site)["现场"]["height"]) == ("1000", "1000")
    cold = copy_site(site, tmp_path / "cold")
    shutil.rmtree(cold / "output")
    shutil.rmtree(cold / ".sitegen-cache")
    build(cold)
    assert tree(site / "output") == tree(cold / "output")
    assert not any(name.startswith("images/big.1200w.") for name in tree(site / "output"))


def warnings(site: Path) -> int:
    """The number of warnings `sitegen build` counts for the site, from its summary line."""
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", "--root", str(site), "build"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = re.search(r"(\d+) warnings?", done.stdout)
    return int(found[1]) if found else 0


def test_a_file_that_is_no_picture_is_a_warning_naming_the_post_and_the_file(site: Path, tmp_path: Path) -> None:
    (site / "static/images/big.jpg").write_bytes(b"\xff\xd8\xff not a photo")
    (site / "static/images/wide.png").write_bytes(picture((1000, 500), "PNG")[:300])  # cut short
    cfg = config.load(site)
    stories, _ = content.read_all(site / "content")
    out, store = Output(tmp_path / "out"), Cache(tmp_path / "cache")
    try:
        assets.add_site(cfg, out)
        _, shown = images.publish(cfg, [Post.of(s) for s in stories], out, bodies.FromStories(cfg, stories), store)
        assert isinstance(shown, images.Pictured)
        problems = sorted(shown.problems, key=lambda p: p.message)
    finally:
        out.discard()
        store.close()
    assert [p.warning and p.path for p in problems] == [site / "content/posts/2022/pics.md"] * 2
    assert problems[0].message.startswith("the picture /images/big.jpg (images/big.jpg in static/) is shown as it is:")
    assert "not a picture Pillow can read" in problems[0].message
    assert problems[1].message.startswith("the picture /images/wide.png (images/wide.png in static/)")
    assert "cannot be read" in problems[1].message
    warnings_before = warnings(site)  # a warning: the site is built, the picture shown as written
    assert tags(site)["现场"] == {"src": "/images/big.jpg", "alt": "现场"}
    (site / "static/images/big.jpg").write_bytes(picture((1600, 1000), "JPEG"))
    (site / "static/images/wide.png").write_bytes(picture((1000, 500), "PNG"))
    assert warnings(site) == warnings_before - 2  # the build counts them as warnings, as --strict refuses them


STORY = """\
---
title: 民警景区巡逻
date: 2023-05-02 10:00:00 +0800
slug: xun-luo
---

吉安市井冈山市茨坪派出所民警在景区巡逻。

![民警巡逻]({base}/photos/patrol.jpg)

*民警在景区巡逻，守护游客平安*

![已删除]({base}/photos/gone.jpg)

![登录页]({base}/photos/login.jpg)

![太大]({base}/photos/huge.jpg)

```
![代码里的图]({base}/photos/patrol.jpg)
```
"""


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    """A loopback server of a newsroom's pictures (one photo, a login page under a picture's name, a big
    file), and a blog post (the import's source) that shows them from there."""
    root = tmp_path / "newsroom"
    (root / "photos").mkdir(parents=True)
    (root / "photos/patrol.jpg").write_bytes(picture((1000, 750), "JPEG"))
    (root / "photos/login.jpg").write_text("<html><body>请登录</body></html>", encoding="utf-8")
    (root / "photos/huge.jpg").write_bytes(b"\xff\xd8\xff" + bytes(200_000))
    with serve(root) as served:
        base = served.rstrip("/")
        source = tmp_path / "blog/xun-luo.md"
        source.parent.mkdir()
        source.write_text(STORY.format(base=base), encoding="utf-8")
        yield root, base, source


def test_fetch_images_downloads_a_storys_pictures_with_caption_and_provenance(
    site: Path, remote: tuple[Path, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    newsroom, base, source = remote
    taken = site / "static/images/xun-luo/patrol.jpg"  # another picture of that name: never written over
    taken.parent.mkdir(parents=True)
    taken.write_bytes(picture((100, 100), "PNG"))
    args = ["--root", str(site), "import", str(source), "--fetch-images", "--max-size", "0.1", "--timeout", "5"]
    assert cli.main(args) == 0
    summary = capsys.readouterr().out
    post = site / "content/posts/2023/xun-luo.md"
    text = post.read_text(encoding="utf-8")
    assert "![民警巡逻](/images/xun-luo/patrol-2.jpg)\n\n*民警在景区巡逻，守护游客平安*" in text
    assert f"![代码里的图]({base}/photos/patrol.jpg)" in text  # code is an example, not a picture
    for name in ("gone", "login", "huge"):
        assert f"]({base}/photos/{name}.jpg)" in text  # not fetched: still shown from its site
    assert (site / "static/images/xun-luo/patrol-2.jpg").read_bytes() == (newsroom / "photos/patrol.jpg").read_bytes()
    assert taken.read_bytes() == picture((100, 100), "PNG")
    assert sorted(p.name for p in taken.parent.iterdir()) == [".sources.json", "patrol-2.jpg", "patrol.jpg"]
    assert json.loads((taken.parent / ".sources.json").read_text(encoding="utf-8")) == {
        "patrol-2.jpg": {
            "url": f"{base}/photos/patrol.jpg",
            "alt": "民警巡逻",
            "caption": "民警在景区巡逻，守护游客平安",
            "post": str(post),
        }
    }
    assert f"copied    {base}/photos/patrol.jpg: a picture {post} shows -> " in summary
    assert f"{base}/photos/gone.jpg: a picture {post} shows, not fetched: HTTP 404" in summary
    assert "login.jpg: a picture" in summary and "the server sent no JPEG, PNG, GIF or WebP picture" in summary
    assert f"{base}/photos/huge.jpg: a picture {post} shows, not fetched: 0.2 MB, more than" in summary
    assert "1 picture copied" in summary

    assert cli.main(args) == 0  # again: nothing new to fetch, nothing changed
    assert post.read_text(encoding="utf-8") == text
    assert "copied    " not in capsys.readouterr().out

    build(site)  # the page shows the copy, with its sizes, and asks the newsroom for nothing it could keep
    page = (site / "output/posts/xun-luo/index.html").read_text(encoding="utf-8")
    assert '<img src="/images/xun-luo/patrol-2.jpg" srcset="/images/xun-luo/patrol-2.480w.' in page
    assert 'width="1000" height="750"' in page
    assert not (site / "output/images/xun-luo/.sources.json").exists()


def test_fetch_images_leaves_a_post_changed_by_hand_as_it_is(
    site: Path, remote: tuple[Path, str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, source = remote
    assert cli.main(["--root", str(site), "import", str(source)]) == 0
    post = site / "content/posts/2023/xun-luo.md"
    post.write_text(post.read_text(encoding="utf-8").replace("巡逻。", "巡逻，编辑改过。"), encoding="utf-8")
    edited = post.read_text(encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["--root", str(site), "import", "--fetch-images"]) == 0  # every post the importer wrote
    assert post.read_text(encoding="utf-8") == edited
    assert f"skipped   {post}: changed by hand since it was imported" in capsys.readouterr().out
    assert not (site / "static/images/xun-luo").exists()
