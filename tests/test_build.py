"""sitegen build on the small example site in tests/site/."""

from __future__ import annotations

import gc
import itertools
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import TEST_SITE, broken_links, copy_site

from sitegen import cli, output


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


def build(site: Path, *args: str) -> int:
    return cli.main(["--root", str(site), "build", *args])


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(TEST_SITE, tmp_path / "site")


@pytest.fixture
def built(site: Path) -> Path:
    assert build(site) == 0
    return site / "output"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_output_tree_matches_expected(built: Path, golden) -> None:
    listing = "".join(f"{path}\n" for path in tree(built))
    golden(listing, TEST_SITE / "expected_files.txt")


def test_two_builds_are_byte_identical(site: Path, tmp_path: Path) -> None:
    assert build(site, "--output", str(tmp_path / "a")) == 0
    assert build(site, "--output", str(tmp_path / "b")) == 0
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_every_internal_link_resolves_at_domain_root(built: Path) -> None:
    assert broken_links(built, "/") == []


def test_every_internal_link_resolves_under_a_sub_path(site: Path) -> None:
    assert build(site, "--base-url", "https://host.example/archive/") == 0
    out = site / "output"
    assert broken_links(out, "/archive/") == []
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="/archive/posts/' in home and 'href="/posts/' not in home
    assert "https://host.example/archive/posts/wang-ge-cun-jing/" in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_drafts_are_left_out_unless_asked_for(site: Path) -> None:
    assert build(site) == 0
    assert not (site / "output/posts/draft").exists()
    assert "尚未发布的草稿" not in (site / "output/index.html").read_text(encoding="utf-8")
    assert build(site, "--drafts") == 0
    assert (site / "output/posts/draft/index.html").is_file()


def test_untrusted_html_in_a_post_cannot_run(built: Path) -> None:
    page = (built / "posts/fan-zha/index.html").read_text(encoding="utf-8").lower()
    body = page[page.index('class="article-body"') : page.index('class="article-terms"')]
    for bad in ("<script", "onclick", "javascript:", "<iframe", "<form", "<input", "style="):
        assert bad not in body, bad
    assert "点击" in body and "红字" in body  # the text itself survives


def test_article_page_shows_the_front_matter(built: Path) -> None:
    page = (built / "posts/wang-ge-cun-jing/index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert "<h1>遂川公安创新推行“网格村警”机制</h1>" in page
    assert "2022年8月18日" in page and "郭勇" in page
    assert 'href="http://www.jxzfw.gov.cn/2022/0815/2022081543177.html"' in page  # source linked to the original
    assert "<figcaption>检查救生设备</figcaption>" in page
    assert 'href="/regions/sui-chuan-xian/"' in page and 'href="/topics/fang-ni-shui/"' in page
    assert 'rel="prev"' in page and 'rel="next"' in page
    assert "相关报道" in page


def test_copies_of_a_story_are_listed_on_its_page(site: Path) -> None:
    post = site / "content/posts/2022/fan-zha.md"
    copies = "copies:\n- via: ZAKER\n  source_url: https://www.myzaker.com/article/1\n  fingerprint: sha256:0123456789abcdef\n"
    post.write_text(
        post.read_text(encoding="utf-8").replace("slug: fan-zha\n", "slug: fan-zha\n" + copies), encoding="utf-8"
    )
    assert build(site) == 0
    page = (site / "output/posts/fan-zha/index.html").read_text(encoding="utf-8")
    assert '<dt>另见</dt><dd><a href="https://www.myzaker.com/article/1" rel="noopener nofollow">ZAKER</a></dd>' in page


def test_undated_story_is_kept_but_never_given_a_date(built: Path) -> None:
    page = (built / "posts/wu-ri-qi/index.html").read_text(encoding="utf-8")
    assert "日期不详" in page
    assert "wu-ri-qi" not in (built / "atom.xml").read_text(encoding="utf-8")


def test_term_pages_count_and_paginate(built: Path) -> None:
    topic = (built / "topics/she-qu-jing-wu/index.html").read_text(encoding="utf-8")
    assert "共 3 篇" in topic and 'rel="next"' in topic
    assert (built / "topics/she-qu-jing-wu/page/2/index.html").is_file()
    assert "共 2 篇" in (built / "archive/2022/index.html").read_text(encoding="utf-8")
    assert (built / "archive/2022/08/index.html").is_file()
    topics = (built / "topics/index.html").read_text(encoding="utf-8")
    assert topics.index("社区警务") < topics.index("反诈")  # most stories first


def test_feeds_and_sitemap_are_well_formed(built: Path) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(built / "atom.xml").getroot()
    assert feed.find("a:updated", ns).text == "2022-10-10T19:25:06+08:00"  # newest story, not now()
    titles = [e.find("a:title", ns).text for e in feed.findall("a:entry", ns)]
    assert titles == ["盐城警方开展反诈宣传", "遂川公安创新推行“网格村警”机制", "解读全国“示范市”背后的“平安密码”"]
    topic_feed = ET.parse(built / "topics/fan-zha/atom.xml").getroot()
    assert len(topic_feed.findall("a:entry", ns)) == 1
    urls = ET.parse(built / "sitemap.xml").getroot()
    locs = {u.find("{http://www.sitemaps.org/schemas/sitemap/0.9}loc").text for u in urls}
    assert "https://example.org/posts/fan-zha/" in locs and not any("404" in u for u in locs)
    assert "Sitemap: https://example.org/sitemap.xml" in (built / "robots.txt").read_text(encoding="utf-8")
    assert (built / "404.html").is_file()


def test_no_page_loads_anything_from_a_third_party(built: Path) -> None:
    for page in built.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for attr in ('src="http', 'src="//', 'stylesheet" href="http', 'stylesheet" href="//'):
            assert attr not in text, f"{page}: {attr}"
    page = (built / "posts/wang-ge-cun-jing/index.html").read_text(encoding="utf-8")
    assert '<a class="remote-image" href="https://example.com/a.jpg"' in page  # linked, not loaded


def test_remote_images_are_embedded_when_configured(site: Path) -> None:
    config = site / "sitegen.toml"
    config.write_text("remote_images = true\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    assert build(site) == 0
    page = (site / "output/posts/wang-ge-cun-jing/index.html").read_text(encoding="utf-8")
    assert '<img src="https://example.com/a.jpg" alt="检查救生设备"' in page


BAD_POSTS = {
    "broken_yaml.md": ("---\ntitle: 标题\ntags: [a, b\n---\n正文\n", ":3: broken YAML"),
    "bad_date.md": ("---\ntitle: 标题\ndate: 2023-13-01\n---\n正文\n", ":3: '2023-13-01' is not a date"),
    "tags_number.md": ("---\ntitle: 标题\ntags: 5\n---\n正文\n", ":3: 'tags' must be text or a list of text"),
    "no_title.md": ("---\ndate: 2023-01-01\n---\n正文\n", ":1: missing title"),
    "not_utf8.md": (b"---\ntitle: \xb1\xea\xcc\xe2\n---\n".decode("latin-1"), ": not UTF-8 text"),
}


@pytest.mark.parametrize("name", sorted(BAD_POSTS))
def test_bad_post_fails_with_file_and_line_and_keeps_old_output(site: Path, name: str, capsys) -> None:
    assert build(site) == 0
    before = tree(site / "output")
    text, message = BAD_POSTS[name]
    bad = site / "content/posts" / name
    bad.write_bytes(text.encode("latin-1") if name == "not_utf8.md" else text.encode("utf-8"))
    capsys.readouterr()
    assert build(site) == 1
    err = capsys.readouterr().err
    assert f"{bad}{message}" in err, err
    assert "Traceback" not in err
    assert tree(site / "output") == before
    assert not [p for p in site.iterdir() if p.name.startswith(".output")]


def test_all_bad_posts_are_reported_together(site: Path, capsys) -> None:
    for name, (text, _) in BAD_POSTS.items():
        if name != "not_utf8.md":
            (site / "content/posts" / name).write_text(text, encoding="utf-8")
    assert build(site) == 1
    err = capsys.readouterr().err
    assert all(name in err for name in BAD_POSTS if name != "not_utf8.md")


def test_interrupted_build_leaves_previous_output(site: Path, monkeypatch) -> None:
    assert build(site) == 0
    before = tree(site / "output")
    config = site / "sitegen.toml"  # a new title changes every page: a rebuild writes only what changed
    config.write_text(config.read_text(encoding="utf-8").replace("测试档案", "测试档案二"), encoding="utf-8")
    real_write = output._write
    calls = {"n": 0}

    def failing_write(fd: int, data: bytes) -> tuple[int, int]:
        calls["n"] += 1
        if calls["n"] == 10:
            raise KeyboardInterrupt
        return real_write(fd, data)

    monkeypatch.setattr(output, "_write", failing_write)
    assert build(site) == 130
    monkeypatch.undo()
    assert tree(site / "output") == before
    assert [p.name for p in site.iterdir() if p.name.startswith(".output")] == []  # no temp folder left


# The child writes a flag and sleeps at its first file written, until SIGTERM reaches it.
PAUSED_BUILD = """
import sys, time
from pathlib import Path
from sitegen import cli, output

flag = Path(sys.argv[2])

def paused(fd, data):
    flag.touch()
    time.sleep(60)

output._write = paused
sys.argv = ["sitegen", "--root", sys.argv[1], "build"]
cli.command()
"""


def test_a_build_stopped_by_sigterm_cleans_up_as_after_ctrl_c(site: Path, tmp_path: Path) -> None:
    assert build(site) == 0
    before = tree(site / "output")
    config = site / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("测试档案", "测试档案二"), encoding="utf-8")
    flag = tmp_path / "writing"
    child = subprocess.Popen(
        [sys.executable, "-c", PAUSED_BUILD, str(site), str(flag)], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not flag.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert flag.exists(), "the build never reached its first file"
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "interrupted: terminated" in err and "Traceback" not in err
    assert tree(site / "output") == before
    assert [p.name for p in site.iterdir() if p.name.startswith(".output")] == []


def test_duplicate_slugs_are_an_error(site: Path, capsys) -> None:
    (site / "content/posts/copy.md").write_text("---\ntitle: 副本\nslug: fan-zha\n---\n正文\n", encoding="utf-8")
    assert build(site) == 1
    assert "slug 'fan-zha' is also used by" in capsys.readouterr().err


def test_unknown_config_key_suggests_the_right_one(site: Path, capsys) -> None:
    config = site / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("per_page", "per_pages"), encoding="utf-8")
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "sitegen.toml: unknown key 'per_pages'" in err and "did you mean 'per_page'?" in err


def test_command_line_error_has_no_traceback(site: Path) -> None:
    (site / "content/posts/bad.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "sitegen", "--root", str(site), "build"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 1
    assert "bad.md:2: broken YAML" in run.stderr and "Traceback" not in run.stderr


def test_the_command_prints_its_summary_and_exits_zero(site: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "sitegen", "--root", str(site), "build"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("built ") and (site / "output/index.html").is_file()


def test_a_build_that_ends_its_process_leaves_its_data_to_the_exit(site: Path) -> None:
    """The `sitegen` command exits as soon as the build returns: the build hands it its data to hold rather than
    freeing it object by object, and leaves the cycle collector paused; a caller that goes on gets both back."""
    held: list[object] = []
    try:
        assert cli.main(["--root", str(site), "build"], held=held) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    ((entries, posts, out, *_),) = held
    assert len(posts) == len(list((site / "content").rglob("*.md"))) - 1  # but the draft
    assert out.files.keys() == {
        p.relative_to(site / "output").as_posix() for p in (site / "output").rglob("*") if p.is_file()
    }
    assert build(site) == 0 and gc.isenabled()


def test_the_entries_keep_one_time_zone_object_per_offset(tmp_path: Path) -> None:
    """Each parsed date has a time zone object of its own; a blob of the cache's entries keeps one per
    offset and name, and the dates it gives back are the same instants, shown the same way."""
    from sitegen.cache import Cache
    from sitegen.content import Post, read_story
    from sitegen.posts import Entry, Table, _bucket

    names = (tmp_path / f"p{i}.md" for i in itertools.count())
    first = next(names)
    paths = [first, *itertools.islice((p for p in names if _bucket(str(p)) == _bucket(str(first))), 2)]  # one blob
    entries = {}
    stamps = ["2022-08-18T09:30:00+08:00", "2023-01-02T23:05:00+08:00", "2023-01-03T01:00:00+09:00"]
    for path, stamp in zip(paths, stamps, strict=True):
        path.write_text(f"---\ntitle: 第{path.stem}篇\ndate: {stamp}\n---\n\n正文。\n", encoding="utf-8")
        entries[str(path)] = Entry(1, 1, Post.of(read_story(path)), (), (), 5, 1)
    dates = [e.post.meta.date for e in entries.values()]
    assert len(dates) == 3 and dates[0].tzinfo is not dates[1].tzinfo
    store = Cache(tmp_path / "cache")
    Table(store).save("scope", entries, [])
    kept = Table(store).entries("scope")
    loaded = [kept[path].post.meta.date for path in entries]
    store.close()
    assert loaded == dates and [d.isoformat() for d in loaded] == [d.isoformat() for d in dates]
    assert loaded[0].tzinfo is loaded[1].tzinfo and loaded[2].tzinfo is not loaded[0].tzinfo


@pytest.mark.parametrize(("written", "published"), [("news.example.org", "news.example.org"), ("平安.中国", "xn--")])
def test_the_configs_cname_is_published_as_the_domain_alone(site: Path, written: str, published: str) -> None:
    config = site / "sitegen.toml"
    config.write_text(f'cname = "{written}"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    assert build(site) == 0
    cname = (site / "output/CNAME").read_text(encoding="ascii")
    assert cname.startswith(published) and cname.endswith("\n") and len(cname.splitlines()) == 1


@pytest.mark.parametrize("written", ["https://news.example.org/", "news.example.org/archive", "news", "a b.org"])
def test_a_cname_that_is_no_domain_name_is_refused(site: Path, written: str, capsys) -> None:
    config = site / "sitegen.toml"
    config.write_text(f'cname = "{written}"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    assert build(site) == 1
    assert "cname" in capsys.readouterr().err and not (site / "output/CNAME").exists()


def test_a_cname_in_both_static_and_the_config_is_refused(site: Path, capsys) -> None:
    config = site / "sitegen.toml"
    config.write_text('cname = "news.example.org"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    (site / "static").mkdir(exist_ok=True)
    (site / "static/CNAME").write_text("old.example.org\n", encoding="ascii")
    assert build(site) == 1
    assert "static/CNAME" in capsys.readouterr().err
