"""Posts and settings written by a careless user or an attacker: every one is an error at its file and
line from both `check` and `build` (never a hang or a traceback), or is made harmless on the way out."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import TEST_SITE, copy_site

from sitegen import cli, markup


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


SITEGEN = Path(sys.executable).with_name("sitegen")  # the installed command, as users run it
# A link a reader could click that runs script: <a href="javascript:..."> (the theme's own data: icon is no link)
SCRIPT_LINK = re.compile(r"<a\s[^>]*href=\"\s*(javascript|vbscript|data):", re.IGNORECASE)


@dataclass(frozen=True)
class Run:
    code: int
    out: str  # stdout and stderr together


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(TEST_SITE, tmp_path / "site")


def sitegen(site: Path, *args: str) -> Run:
    """The command in this process, as `sitegen --root SITE ...` runs it (an unexpected exception fails the test)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = cli.main(["--root", str(site), *args])
    return Run(code, out.getvalue())


def sitegen_process(site: Path, *args: str, timeout: float = 60) -> Run:
    """The installed command in its own process, stopped if it runs past timeout."""
    done = subprocess.run(
        [str(SITEGEN), "--root", str(site), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    return Run(done.returncode, done.stdout + done.stderr)


def write_post(site: Path, name: str, text: str) -> Path:
    path = site / "content" / "posts" / name
    path.write_text(text, encoding="utf-8")
    return path


def post(front: str, body: str = "正文。") -> str:
    """A post whose front matter is title and date (lines 2 and 3), then front (from line 4)."""
    return f"---\ntitle: 标题\ndate: 2022-05-01\n{front}\n---\n\n{body}\n"


def assert_refused(site: Path, where: str, message: str) -> None:
    """check and build both exit 1, naming where (file:line) and message, without a traceback."""
    for run in (sitegen(site, "check"), sitegen(site, "build")):
        assert run.code == 1, run.out
        assert f"{where}: {message}" in run.out or (where in run.out and message in run.out), run.out
        assert "Traceback" not in run.out


def script_links(output: Path) -> list[str]:
    return [str(p) for p in output.rglob("*.html") if SCRIPT_LINK.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("javascript:alert(1)", "not a javascript: link"),
        ("JaVaScRiPt:alert(1)", "not a javascript: link"),
        ('" javascript:alert(1)"', "not a javascript: link"),
        ('"\\tjava\\tscript:alert(1)"', "not a javascript: link"),
        ('"java\\nscript:alert(1)"', "not a javascript: link"),
        ('"\\x01javascript:alert(1)"', "control character U+0001"),
        ("'data:text/html,<script>alert(1)</script>'", "not a data: link"),
        ("vbscript:msgbox(1)", "not a vbscript: link"),
        ("//evil.example/x", "another host without http(s)"),
    ],
)
def test_a_link_that_is_not_http_or_a_site_path_is_refused(site: Path, value: str, message: str) -> None:
    path = write_post(site, "bad.md", post(f"source_url: {value}"))
    assert_refused(site, f"{path}:4", message)


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ("original_url: javascript:alert(1)", 4),
        ("copies:\n- source: 新华社\n  source_url: javascript:alert(1)", 4),
        ("copies:\n- source: 新华社\n  original_url: javascript:alert(1)", 4),
        ("images: [https://example.org/a.jpg, javascript:alert(1)]", 4),
        ("tags: [a]\nimage: javascript:alert(1)", 5),
    ],
)
def test_every_link_of_the_contract_is_checked(site: Path, front: str, line: int) -> None:
    path = write_post(site, "bad.md", post(front))
    assert_refused(site, f"{path}:{line}", "not a javascript: link")


def test_http_links_and_site_paths_are_kept(site: Path) -> None:
    front = (
        "source: 新华社\nsource_url: HTTPS://example.org/a?b=1\noriginal_url: /posts/fan-zha/\n"
        "images: [http://example.org/a.jpg, img/b.jpg]\ncopies:\n- source: 人民网\n  source_url: https://example.com/c"
    )
    write_post(site, "good.md", post(front))
    run = sitegen(site, "check")
    assert run.code == 0, run.out
    assert sitegen(site, "build").code == 0
    page = (site / "output" / "posts" / "good" / "index.html").read_text(encoding="utf-8")
    assert 'href="HTTPS://example.org/a?b=1"' in page and 'href="https://example.com/c"' in page


def test_a_script_link_never_reaches_output(site: Path) -> None:
    """The installed command, end to end: a clean build, then posts with script links in every field."""
    assert sitegen_process(site, "build").code == 0
    assert script_links(site / "output") == []  # the test site's body links to javascript: already
    fields = [
        "source_url: ' JaVaScRiPt:alert(1)'\nsource: 新华社",
        'original_url: "\\tjavascript:alert(1)"\nsource: 新华社',
        "copies:\n- source: 新华社\n  source_url: vbscript:msgbox(1)",
    ]
    paths = [write_post(site, f"bad{i}.md", post(front)) for i, front in enumerate(fields)]
    for command in ("check", "build"):
        run = sitegen_process(site, command)
        assert run.code == 1 and "Traceback" not in run.out
        assert all(f"{path}:4:" in run.out for path in paths), run.out
    assert sitegen_process(site, "build", "--drafts").code == 1
    assert script_links(site / "output") == []
    assert not list((site / "output" / "posts").glob("bad*"))


@pytest.mark.parametrize("base_url", ['https://example.org/a"onmouseover="alert(1)/', "/a'b/", "/a b/"])
def test_a_base_url_that_would_break_out_of_a_link_is_refused(site: Path, base_url: str) -> None:
    config = site / "sitegen.toml"
    text = config.read_text(encoding="utf-8").replace('"https://example.org/"', json.dumps(base_url))  # a TOML string
    config.write_text(text, encoding="utf-8")
    for run in (sitegen(site, "check"), sitegen(site, "build")):
        assert run.code == 1 and f"{config}: base_url" in run.out and "Traceback" not in run.out
    assert not (site / "output").exists()


@pytest.mark.parametrize(
    "base_url", ['https://example.org/a"b/', "javascript:alert(1)//", "ftp://example.org/", "//evil.example/", "x/"]
)
def test_base_url_on_the_command_line_must_be_http_or_a_path(site: Path, base_url: str) -> None:
    run = sitegen(site, "build", "--base-url", base_url)
    assert run.code == 1 and "base_url" in run.out and "Traceback" not in run.out
    assert not (site / "output").exists()


def test_the_base_path_is_escaped_in_body_links() -> None:
    html = markup.to_html("[a](/posts/x/) ![i](/i.png)", base_path='/a"b&\\1/')
    assert 'href="/a&quot;b&amp;\\1/posts/x/"' in html and 'src="/a&quot;b&amp;\\1/i.png"' in html


def test_an_alias_bomb_is_refused_at_once(site: Path) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    path = write_post(site, "bomb.md", post("\n".join(levels) + "\ntags: [" + ",".join(["*i"] * 9) + "]"))
    for command in ("check", "build"):
        started = time.monotonic()
        run = sitegen_process(site, command, timeout=30)
        assert time.monotonic() - started < 10
        assert run.code == 1 and "Traceback" not in run.out
        assert f"{path}:5: YAML aliases (*name) are not allowed" in run.out  # the first alias


def test_nul_in_front_matter_is_an_error_at_its_line(site: Path) -> None:
    path = write_post(site, "nul.md", post("summary: a\x00b"))
    assert_refused(site, f"{path}:4", "control character U+0000")


@pytest.mark.parametrize(
    ("value", "char"), [('"一\\x01二"', "U+0001"), ("一\x1b二", "U+001B"), ('"\\uFFFE"', "U+FFFE")]
)
def test_a_control_character_in_a_title_is_an_error_at_its_line(site: Path, value: str, char: str) -> None:
    path = write_post(site, "ctl.md", f"---\ndate: 2022-05-01\ntitle: {value}\n---\n\n正文\n")
    assert_refused(site, f"{path}:3", f"control character {char}")


def test_a_5000_digit_title_is_an_error_at_its_line(site: Path) -> None:
    path = write_post(site, "big.md", f"---\ndate: 2022-05-01\ntitle: {'9' * 5000}\n---\n\n正文\n")
    assert_refused(site, f"{path}:3", "a number of 5000 characters")


def test_an_over_long_slug_is_refused_by_check_and_build_alike(site: Path) -> None:
    path = write_post(site, "long.md", post(f"slug: {'a' * 300}"))
    assert_refused(site, f"{path}:4", "slug of 300 characters: at most 200")
    write_post(site, "long.md", post(f"slug: {'a' * 200}"))
    assert sitegen(site, "build").code == 0
    assert (site / "output" / "posts" / ("a" * 200) / "index.html").is_file()


def test_control_characters_in_a_body_leave_feeds_and_sitemap_well_formed(site: Path) -> None:
    body = "一\x01二\x0b三\x1b四\ufffe五\ufffd。\n\n<p>六\x08七</p>"
    write_post(site, "ctl.md", post("categories: [反诈]\nsummary: 摘要", body))
    assert sitegen(site, "check").code == 0
    assert sitegen(site, "build").code == 0
    output = site / "output"
    for name in ("atom.xml", "topics/fan-zha/atom.xml", "sitemap.xml"):
        ET.fromstring((output / name).read_bytes())  # raises if not well-formed
    assert "一二三四五\ufffd" in (output / "atom.xml").read_text(encoding="utf-8")


def test_a_tag_with_a_zero_width_space_is_the_visible_tag(site: Path) -> None:
    write_post(site, "zw.md", post('tags: ["反\\u200b诈宣传", "\\u2060"]'))
    assert sitegen(site, "build").code == 0
    tags = sorted(p.name for p in (site / "output" / "tags").iterdir() if p.is_dir())
    assert [t for t in tags if t.startswith("fan-zha")] == ["fan-zha-xuan-chuan"]
    page = (site / "output" / "tags" / "fan-zha-xuan-chuan" / "index.html").read_text(encoding="utf-8")
    assert "/posts/zw/" in page and "/posts/fan-zha/" in page and "\u200b" not in page


def test_nfc_and_nfd_spellings_are_one_term(site: Path) -> None:
    write_post(site, "nfc.md", post("tags: [Caf\u00e9]\nregions: [Caf\u00e9]"))
    write_post(site, "nfd.md", post("tags: [Cafe\u0301]\nregions: [Cafe\u0301]"))
    assert sitegen(site, "build").code == 0
    for kind in ("tags", "regions"):
        pages = [p.name for p in (site / "output" / kind).iterdir() if p.name.startswith("caf")]
        assert pages == ["caf"], pages
        page = (site / "output" / kind / "caf" / "index.html").read_text(encoding="utf-8")
        assert "/posts/nfc/" in page and "/posts/nfd/" in page


@pytest.mark.parametrize("name", ["con", "nul", "aux", "prn", "com1", "lpt9"])
def test_a_device_name_as_a_slug_is_refused(site: Path, name: str) -> None:
    path = write_post(site, "dev.md", post(f"slug: {name}"))
    assert_refused(site, f"{path}:4", f"slug '{name}' is a device name on Windows")


def test_device_names_made_into_slugs_get_a_suffix(site: Path) -> None:
    write_post(site, "con.md", post("tags: [AUX, nul]\nsource: COM1"))
    assert sitegen(site, "build").code == 0
    output = site / "output"
    assert (output / "posts" / "con-1" / "index.html").is_file()
    assert (output / "tags" / "aux-1").is_dir() and (output / "tags" / "nul-1").is_dir()
    assert (output / "sources" / "com1-1").is_dir()
    reserved = {"con", "nul", "aux", "prn", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
    assert not [p for p in output.rglob("*") if p.name.split(".")[0].lower() in reserved]


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        ("summary: 一\nsummary: 二", 5, "key 'summary' is given twice, at lines 4 and 5"),
        ("copies:\n- source: 甲\n  source: 乙", 6, "key 'source' is given twice, at lines 5 and 6"),
        ("tag: 甲\ntags: [乙]", 5, "'tags' and 'tag' (line 4) both give 'tags'"),
    ],
)
def test_a_key_given_twice_names_both_lines(site: Path, front: str, line: int, message: str) -> None:
    path = write_post(site, "dup.md", post(front))
    assert_refused(site, f"{path}:{line}", message)


def test_a_post_linked_in_from_outside_content_is_refused(site: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.md").write_text(post("slug: secret", "SECRET-TEXT"), encoding="utf-8")
    link = site / "content" / "posts" / "secret.md"
    link.symlink_to(outside / "secret.md")
    folder = site / "content" / "more"
    folder.symlink_to(outside)
    for run in (sitegen(site, "check"), sitegen(site, "build")):
        assert run.code == 1 and "Traceback" not in run.out
        assert f"{link}: a link to {outside / 'secret.md'}, outside the content folder" in run.out
        assert f"{folder}: a link to {outside}, outside the content folder" in run.out
    assert not (site / "output").exists()
    link.unlink()
    folder.unlink()
    (site / "content" / "again").symlink_to(site / "content" / "posts")  # within content/: allowed, not followed
    assert sitegen(site, "check").code == 0
    assert sitegen(site, "build").code == 0
    assert not [p for p in (site / "output").rglob("*") if p.is_file() and b"SECRET-TEXT" in p.read_bytes()]
    assert os.path.islink(site / "content" / "again")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("标题", "--slug", "con"), "slug 'con' is a device name on Windows"),
        (("标题", "--slug", "a" * 201), "slug of 201 characters: at most 200"),
        (("标\x01题",), "control character U+0001"),
    ],
)
def test_new_refuses_what_check_would(site: Path, args: tuple[str, ...], message: str) -> None:
    run = sitegen(site, "new", *args)
    assert run.code == 1 and message in run.out and "Traceback" not in run.out
    assert not (site / "content" / "posts" / "con.md").exists()


def test_new_gives_a_device_name_title_another_slug(site: Path) -> None:
    run = sitegen(site, "new", "CON", "--tag", "反\u200b诈宣传")
    path = Path(run.out.strip())
    assert run.code == 0 and path.name == "con-1.md"
    assert "tags:\n- 反诈宣传\n" in path.read_text(encoding="utf-8")
    assert sitegen(site, "check").code == 0
