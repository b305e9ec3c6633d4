"""sitegen rename: a term renamed in every story, byte for byte elsewhere, and its old page redirected."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path

import pytest
from support import TEST_SITE, broken_links, copy_site

from sitegen import cli
from sitegen.commands import rename

POSTS = Path("content/posts")
# One story per shape a list of names takes in front matter, each with something else to keep.
SHAPES = {
    "flow.md": "---\ntitle: 流式\ndate: 2024-01-02\ntags: [校园安全, '护学岗', 交通]  # 注释留着\n---\n正文。\n",
    "block.md": '---\ntitle: 块式\r\ndate: 2024-01-03\r\ntags:\r\n  - 交通\r\n  - "护学岗"\r\n---\r\n正文。\r\n',
    "scalar.md": "---\ntitle: 单个\ndate: 2024-01-04\ntags: 护学岗\n---\n护学岗正文不改。\n",
    "commas.md": "---\ntitle: 逗号\ndate: 2024-01-05\ntags: 护学岗，交通\n---\n正文。\n",
    "both.md": "---\ntitle: 已有新名\ndate: 2024-01-06\ntags: [护学岗, 护校安园]\n---\n正文。\n",
    "both-block.md": "---\ntitle: 已有新名\ndate: 2024-01-07\ntags:\n- 护校安园\n- 护学岗\n- 交通\n---\n正文。\n",
}
RENAMED = {  # the one line each story should differ in: (before, after); after None when the line goes
    "flow.md": ("tags: [校园安全, '护学岗', 交通]  # 注释留着", "tags: [校园安全, '护校安园', 交通]  # 注释留着"),
    "block.md": ('  - "护学岗"', '  - "护校安园"'),
    "scalar.md": ("tags: 护学岗", "tags: 护校安园"),
    "commas.md": ("tags: 护学岗，交通", "tags: 护校安园，交通"),
    "both.md": ("tags: [护学岗, 护校安园]", "tags: [护校安园]"),
    "both-block.md": ("- 护学岗", None),
}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LANGUAGE", "en")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    return copy_site(TEST_SITE, tmp_path / "site")


def sitegen(site: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["--root", str(site), *args])
    out, err = capsys.readouterr()
    return status, out, err


def changed_lines(before: bytes, after: bytes) -> list[str]:
    """The lines that differ ('-old', '+new'), line ends kept: anything else changed shows here too."""
    diff = difflib.ndiff(before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True))
    return [line[0] + line[2:] for line in diff if line[:1] in "+-"]


def snapshot(site: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_a_topic_is_renamed_in_its_stories_and_its_config_key(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(site)
    status, out, _ = sitegen(site, capsys, "rename", "topic", "反诈", "反诈宣传")
    assert status == 0
    assert "renamed '反诈' to '反诈宣传' under 'categories' in 2 files" in out
    after = snapshot(site)
    changed = {p for p in after if after[p] != before.get(p)}
    story = site / POSTS / "2022/fan-zha.md"
    draft = site / POSTS / "2022/draft.md"
    assert changed == {story, draft, site / "sitegen.toml"}
    for path in (story, draft):
        assert changed_lines(before[path], after[path]) == ["-categories: [反诈]\n", "+categories: [反诈宣传]\n"]
    config = after[site / "sitegen.toml"].decode()
    assert '"反诈宣传" = ["诈骗"]' in config and '"反诈"' not in config
    assert tomllib.loads(config)["redirects"] == {"topics/fan-zha/": "topics/fan-zha-xuan-chuan/"}
    assert changed_lines(before[site / "sitegen.toml"], after[site / "sitegen.toml"])[:2] == [
        '-"反诈" = ["诈骗"]\n',
        '+"反诈宣传" = ["诈骗"]\n',
    ]


def test_the_build_has_the_new_term_page_and_a_redirect_at_the_old(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sitegen(site, capsys, "build")[0] == 0
    assert sitegen(site, capsys, "rename", "topic", "反诈", "反诈宣传")[0] == 0
    assert sitegen(site, capsys, "rename", "region", "遂川县", "遂川")[0] == 0
    status, _, err = sitegen(site, capsys, "build")  # incremental: the output of the first build is there
    assert status == 0, err
    output = site / "output"
    renamed = (
        ("topics/fan-zha", "topics/fan-zha-xuan-chuan", "反诈宣传"),
        ("regions/sui-chuan-xian", "regions/sui-chuan", "遂川"),
    )
    for old, new, name in renamed:
        assert f"：{name} · " in (output / new / "index.html").read_text()
        redirect = (output / old / "index.html").read_text()
        assert f'<meta http-equiv="refresh" content="0; url=/{new}/">' in redirect
        assert f'<link rel="canonical" href="https://example.org/{new}/">' in redirect
        assert f"/{old}/<" not in (output / "sitemap.xml").read_text()


def test_every_shape_of_tag_list_keeps_its_other_bytes(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = site / POSTS / "2024"
    folder.mkdir(parents=True)
    for name, text in SHAPES.items():
        (folder / name).write_bytes(text.encode())
    status, out, _ = sitegen(site, capsys, "rename", "tag", "护学岗", "护校安园")
    assert status == 0, out
    assert f"in {len(SHAPES)} files" in out
    for name, (old, new) in RENAMED.items():
        before, after = SHAPES[name].encode(), (folder / name).read_bytes()
        ending = "\r\n" if b"\r\n" in before else "\n"
        assert changed_lines(before, after) == [f"-{old}{ending}"] + ([f"+{new}{ending}"] if new else []), name
    built, _, err = sitegen(site, capsys, "build")
    assert built == 0, err
    tags = tomllib.loads((site / "sitegen.toml").read_text())["redirects"]
    assert tags == {"tags/hu-xue-gang/": "tags/hu-xiao-an-yuan/"}
    assert "url=/tags/hu-xiao-an-yuan/" in (site / "output/tags/hu-xue-gang/index.html").read_text()


def test_dry_run_changes_nothing_and_says_what_would(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(site)
    status, out, _ = sitegen(site, capsys, "rename", "tag", "网格村警", "网格警务", "--dry-run")
    assert status == 0
    assert "wang-ge-cun-jing.md:9: tags: [网格村警, 防溺水] -> tags: [网格警务, 防溺水]" in out
    assert "[redirects] tags/wang-ge-cun-jing/ -> tags/wang-ge-jing-wu/" in out
    assert "dry run: would rename '网格村警' to '网格警务' under 'tags' in 1 files; nothing written" in out
    assert snapshot(site) == before


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (("place", "a", "b"), "unknown kind 'place'", "sitegen rename topic|tag|region|slug OLD NEW"),
        (("slug", "fan-zh", "x"), "no story has the slug 'fan-zh'", "did you mean fan-zha?"),
        (("slug", "fan-zha", "Fan_Zha"), "'Fan_Zha' is not a slug", "lowercase letters, digits and hyphens"),
        (("slug", "fan-zha", "ping-an"), "slug 'ping-an' is used by", "choose another slug"),
        (("slug", "fan-zha", "fan-zha"), "give the old slug and a different new slug", "sitegen rename"),
        (("tag", "没有这个", "新"), "no story uses '没有这个' under 'tags'", "/tags/ page"),
        (
            ("topic", "社区警务", "防溺水"),
            "topic '防溺水' exists already in sitegen.toml",
            "remove '社区警务' from [topics]",
        ),
        (("topic", "反诈", "反诈"), "give the old name and a different new name", "sitegen rename topic"),
    ],
)
def test_refusals_exit_non_zero_with_a_hint_and_change_nothing(
    site: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str, hint: str
) -> None:
    before = snapshot(site)
    status, out, err = sitegen(site, capsys, "rename", *args)
    assert status == 1 and not out
    assert message in err and hint in err and "Traceback" not in err
    assert snapshot(site) == before


def test_a_redirect_over_a_real_page_is_refused_with_its_config_line(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sitegen(site, capsys, "rename", "tag", "防溺水", "溺水预防")[0] == 0
    assert sitegen(site, capsys, "rename", "tag", "网格村警", "防溺水")[0] == 0  # the old name, used again
    config = tomllib.loads((site / "sitegen.toml").read_text())["redirects"]
    assert "tags/fang-ni-shui/" not in config  # dropped: the page is real again
    with (site / "sitegen.toml").open("a", encoding="utf-8") as toml:
        toml.write('"tags/fang-ni-shui/" = "tags/ni-shui-yu-fang/"\n')
    status, _, err = sitegen(site, capsys, "build")
    line = (site / "sitegen.toml").read_text().splitlines().index('"tags/fang-ni-shui/" = "tags/ni-shui-yu-fang/"')
    assert status == 1
    assert f"sitegen.toml:{line + 1}: redirect 'tags/fang-ni-shui/' would replace the site's page" in err
    assert "remove the line from [redirects]" in err


def test_earlier_redirects_follow_a_second_rename() -> None:
    text = '[topics]\n"甲" = ["x"]\n\n[redirects]\n"topics/a/" = "topics/b/"\n'
    assert rename.add_redirect(text, "topics/b/", "topics/c/") == (
        '[topics]\n"甲" = ["x"]\n\n[redirects]\n"topics/a/" = "topics/c/"\n"topics/b/" = "topics/c/"\n'
    )


def test_chinese_is_the_default_language(site: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    status, out, _ = sitegen(site, capsys, "rename", "topic", "反诈", "反诈宣传", "--dry-run")
    assert status == 0
    assert "试运行：将在 2 个文件的 categories 中把「反诈」改为「反诈宣传」；未写入任何文件" in out


# Slugs: a story's address moved, its old one kept as an alias in the story itself.
ALIASED = {  # a story's aliases in each shape front matter gives them -> the lines after `rename slug`
    "flow": (
        "aliases: [/2019/03/05/old/]  # 旧博客\n",
        ["-aliases: [/2019/03/05/old/]  # 旧博客\n", "+aliases: [/2019/03/05/old/, /posts/fan-zha/]  # 旧博客\n"],
    ),
    "block": ("aliases:\n  - /2019/03/05/old/\n", ["+  - /posts/fan-zha/\n"]),
    "single": (
        "aliases: /2019/03/05/old/\n",
        ["-aliases: /2019/03/05/old/\n", "+aliases: [/2019/03/05/old/, /posts/fan-zha/]\n"],
    ),
    "none": ("", ["+aliases: [/posts/fan-zha/]\n"]),
}


@pytest.mark.parametrize("shape", ALIASED)
def test_a_slug_moves_and_its_old_address_joins_the_aliases(
    site: Path, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    story = site / POSTS / "2022/fan-zha.md"
    aliases, expected = ALIASED[shape]
    story.write_text(story.read_text().replace("slug: fan-zha\n", f"slug: fan-zha\n{aliases}"))
    before = snapshot(site)
    status, out, err = sitegen(site, capsys, "rename", "slug", "fan-zha", "fan-zha-xuan-chuan")
    assert status == 0, err
    assert "moved /posts/fan-zha/ to /posts/fan-zha-xuan-chuan/; the old address redirects to the new one" in out
    assert "fan-zha.md:10: slug: fan-zha -> slug: fan-zha-xuan-chuan" in out
    after = snapshot(site)
    assert {p for p in after if after[p] != before[p]} == {story}
    lines = changed_lines(before[story], after[story])
    assert sorted(lines) == sorted(["-slug: fan-zha\n", "+slug: fan-zha-xuan-chuan\n", *expected])


def test_a_story_named_by_its_file_gets_a_slug_line_and_an_alias(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story = site / POSTS / "2021/ping-an.md"
    before = story.read_bytes()
    status, out, _ = sitegen(site, capsys, "rename", "slug", "ping-an", "ping-an-mi-ma")
    assert status == 0
    assert changed_lines(before, story.read_bytes()) == ["+slug: ping-an-mi-ma\n", "+aliases: [/posts/ping-an/]\n"]
    assert "ping-an.md:10: + slug: ping-an-mi-ma" in out and "ping-an.md:11: + aliases: [/posts/ping-an/]" in out


def test_the_build_after_a_slug_rename_redirects_the_old_address(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Built before and after, incrementally: the story at its new address, a redirect at the old one, no
    broken link; taking the old slug back drops the alias and the page is the story's again."""
    assert sitegen(site, capsys, "build")[0] == 0
    assert sitegen(site, capsys, "rename", "slug", "fan-zha", "fan-zha-xuan-chuan")[0] == 0
    assert sitegen(site, capsys, "build")[0] == 0
    output = site / "output"
    assert "<h1" in (output / "posts/fan-zha-xuan-chuan/index.html").read_text()
    old = (output / "posts/fan-zha/index.html").read_text()
    assert '<meta http-equiv="refresh" content="0; url=/posts/fan-zha-xuan-chuan/">' in old
    assert broken_links(output) == []
    assert sitegen(site, capsys, "rename", "slug", "fan-zha-xuan-chuan", "fan-zha")[0] == 0
    text = (site / POSTS / "2022/fan-zha.md").read_text()
    assert "slug: fan-zha\naliases: [/posts/fan-zha-xuan-chuan/]\n" in text  # /posts/fan-zha/ dropped
    assert sitegen(site, capsys, "build")[0] == 0
    assert "http-equiv" not in (output / "posts/fan-zha/index.html").read_text()
    assert "url=/posts/fan-zha/" in (output / "posts/fan-zha-xuan-chuan/index.html").read_text()


def test_a_draft_moves_without_an_alias(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = site / POSTS / "2022/draft.md"
    status, out, _ = sitegen(site, capsys, "rename", "slug", "draft", "cao-gao")
    assert status == 0 and "a draft: its old address was never published, so no alias" in out
    assert "aliases" not in draft.read_text() and "slug: cao-gao\n" in draft.read_text()


def test_a_slug_may_not_take_another_story_s_old_address(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story = site / POSTS / "2021/ping-an.md"
    story.write_text(story.read_text().replace("---\n\n", "aliases: [/posts/fan-zha-2/]\n---\n\n", 1))
    before = snapshot(site)
    status, _, err = sitegen(site, capsys, "rename", "slug", "fan-zha", "fan-zha-2")
    assert status == 1
    assert "ping-an.md:10: /posts/fan-zha-2/ is an old address of" in err and "choose another slug" in err
    assert snapshot(site) == before
