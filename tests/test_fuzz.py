"""Property-based fuzzing of what a site's author writes (front matter, Markdown bodies, sitegen.toml)
through `sitegen check` and `sitegen build`, as the command runs them: whatever the input, the only
failures are SitegenError(s) (printed, exit 1), nothing hangs, the feeds and the sitemap parse as XML,
and nothing outside output/ and the cache is written or deleted.

The examples are derandomised (the same on every run, so CI is stable) and few: seconds in all.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import signal
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support import TEST_SITE, copy_site

from sitegen import cli, frontmatter
from sitegen.errors import SitegenError, SitegenErrors

# Fragments an attacker or a careless paste brings: other schemes, controls, look-alikes, YAML and XML syntax.
NASTY = [
    "javascript:alert(1)", " JaVaScRiPt:alert(1)", "\tjava\tscript:x", "data:text/html,x", "vbscript:x",
    "//evil.example/", "https://example.org/a?b=1&c", "/posts/fan-zha/", "\x00", "\x01", "\x0b", "\x1b", "\x7f",
    "\x85", "\ufffe", "\uffff", "\ud800", "\u200b", "\u2060", "\ufeff", "e\u0301", "\u00e9", '"', "'", "\\", "<",
    ">", "&", "]]>", "<![CDATA[", "*a", "&a ", "!!python/object:os.system ", "!!binary ", "!!timestamp ", "{", "}",
    "[", "]", ": ", "- ", "#", "---", "...", "\n", "\r\n", "\t", " ", "con", "NUL", "com1", "9" * 80, "1e999",
    ".nan", "~", "null", "true", "2022-13-45", "反诈", "派出所", "江西省", "🙂",
]  # fmt: skip
MARKDOWN = [
    "[a](javascript:alert(1))", "![i](https://example.org/i.png)", "[l](/posts/fan-zha/)", "<script>alert(1)</script>",
    "<a href='javascript:x'>x</a>", "<img src=x onerror=alert(1)>", "&#0;", "&#xD800;", "&#x1;", "&amp;", "# ",
    "\n\n", "```\n", "| a | b |\n|---|---|\n| 1 | 2 |\n", "<!--", "*", "_", "> ", "1. ", "\\", "<p>",
]  # fmt: skip
KEYS = sorted({*frontmatter.KNOWN, *frontmatter.ALIASES, "layout", "comments"})
TOPICS = ["反诈", "防溺水", "社区警务", "e\u0301", "反\u200b诈"]
LANGUAGES = ["zh-CN", "zh-CN", '"><x', "en\x01"]
T = TypeVar("T")
BASE_URLS = ["/", "/archive/", "https://example.org/", "https://example.org/a b/", 'https://e.org/"x/', "ftp://e/"]

plain = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=16)  # no surrogates or controls
fragments = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=6)), max_size=6).map("".join)
body_text = st.lists(st.one_of(st.sampled_from(MARKDOWN + NASTY), st.text(max_size=12)), max_size=12).map("".join)
mostly_plain = st.one_of(plain, plain, plain, fragments)  # one in four nasty: many examples get built
scalars = st.one_of(fragments, st.integers(), st.floats(), st.booleans(), st.none())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)),
    max_leaves=8,
)


def as_json(value: object) -> str:
    """A value as JSON, which YAML reads (and TOML, for strings and lists of them). Not ASCII: libyaml
    refuses the escaped surrogate pairs JSON writes for characters beyond U+FFFF."""
    return json.dumps(value, ensure_ascii=False)


def sometimes(items: st.SearchStrategy[T]) -> st.SearchStrategy[list[T]]:
    """None of items in two examples of three, else one or two."""
    return st.one_of(st.just([]), st.just([]), st.lists(items, min_size=1, max_size=2))


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    """Mostly a post the site would take (so feeds get built), with fuzzed values, then fuzzed keys: some
    written as JSON (valid YAML, any value), some as raw text after 'key: ' (any YAML at all)."""
    lines = [
        f"title: {as_json(draw(mostly_plain) or '标题')}",
        "date: 2022-05-01T09:00:00+08:00",
        f"categories: {as_json(draw(st.lists(st.sampled_from(TOPICS), max_size=2)))}",
        f"tags: {as_json(draw(st.lists(mostly_plain, max_size=3)))}",
        f"summary: {as_json(draw(mostly_plain))}",
    ]
    for key, value in draw(sometimes(st.tuples(st.sampled_from(KEYS), values))):
        lines.append(f"{key}: {as_json(value)}")
    for key, raw in draw(sometimes(st.tuples(st.sampled_from(KEYS), fragments))):
        lines.append(f"{key}: {raw}")
    return "\n".join(lines)


@st.composite
def config_text(draw: st.DrawFn) -> str:
    """sitegen.toml with fuzzed settings (the folders stay put: where output/ may be is build's own test)."""
    lines = [
        f"title = {as_json('档案' + draw(mostly_plain))}",
        f"description = {as_json('说明' + draw(mostly_plain))}",
        f"base_url = {as_json(draw(st.one_of(st.sampled_from(BASE_URLS), st.sampled_from(BASE_URLS), fragments)))}",
        f"language = {as_json(draw(st.sampled_from(LANGUAGES)))}",
        f"per_page = {draw(st.integers(0, 3))}",
        f"feed_size = {draw(st.integers(0, 3))}",
        f"remote_images = {draw(st.sampled_from(['true', 'false', 'false', '1']))}",
        "[topics]",
        *(f'"{name}" = ["{name}"]' for name in ("社区警务", "反诈", "防溺水")),  # the test site's
    ]
    lines += [
        f"{as_json(name)} = {as_json(words)}"
        for name, words in draw(st.dictionaries(mostly_plain, st.lists(mostly_plain, max_size=2), max_size=2)).items()
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the test site for all examples: its cache stays warm, so each example costs little."""
    return copy_site(TEST_SITE, tmp_path_factory.mktemp("fuzz") / "site")


@contextlib.contextmanager
def at_most(seconds: int) -> Iterator[None]:
    """A hang fails the example instead of stopping the suite (hypothesis' deadline only judges after)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def tree(root: Path, skip: Callable[[Path], bool]) -> dict[str, bytes | str]:
    """Every file's bytes, link's target and folder under root, but the folders skip() names and what they hold."""
    found: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not skip(Path(folder, d))]
        for name in dirs + files:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            found[rel] = f"-> {os.readlink(path)}" if path.is_symlink() else path.read_bytes() if name in files else "/"
    return found


def built_by_sitegen(site: Path, folder: Path) -> bool:
    """output/, the cache, and the folders output.py keeps beside output/ (.output.*: the site it swaps out)."""
    return folder in (site / "output", site / ".sitegen-cache") or (
        folder.parent == site and folder.name.startswith(".output.")
    )


def sitegen(site: Path, *args: str) -> int:
    """The command, in this process: SitegenError(s) end in exit 1; any other exception fails the example."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return cli.main(["--root", str(site), *args])


def check_and_build(site: Path) -> None:
    """check and build the site as it is; what they write stays in output/ and the cache, and the XML parses."""
    before = tree(site.parent, functools.partial(built_by_sitegen, site))
    with at_most(60):
        assert sitegen(site, "check") in (0, 1)
        built = sitegen(site, "build")
    assert built in (0, 1)
    event("built" if built == 0 else "refused")  # pytest --hypothesis-show-statistics: both must be common
    after = tree(site.parent, functools.partial(built_by_sitegen, site))
    assert after == before, sorted(k for k in {*after, *before} if after.get(k) != before.get(k))
    output = site / "output"
    if built == 0:
        for feed in [output / "atom.xml", *output.glob("topics/*/atom.xml"), output / "sitemap.xml"]:
            ET.fromstring(feed.read_bytes())  # raises if not well-formed


FUZZ = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=20),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(front=front_matter(), body=body_text)
def test_any_post_is_built_or_refused_cleanly(site: Path, front: str, body: str) -> None:
    post = site / "content" / "posts" / "fuzz.md"
    post.write_bytes(f"---\n{front}\n---\n\n正文。{body}\n".encode("utf-8", "surrogatepass"))
    check_and_build(site)


@FUZZ
@given(text=config_text())
def test_any_config_is_used_or_refused_cleanly(site: Path, text: str) -> None:
    (site / "content" / "posts" / "fuzz.md").unlink(missing_ok=True)
    config = site / "sitegen.toml"
    kept = config.read_bytes()
    config.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        check_and_build(site)
    finally:
        config.write_bytes(kept)


@settings(max_examples=300, derandomize=True, database=None, deadline=timedelta(seconds=2))
@given(front=st.one_of(front_matter(), fragments), body=body_text)
def test_front_matter_is_read_or_refused_at_a_line(front: str, body: str) -> None:
    """frontmatter.read() alone, on many more examples: a value, or errors that each name a line."""
    try:
        frontmatter.read(f"---\n{front}\n---\n{body}", Path("post.md"))
    except SitegenError as err:
        assert err.line is not None, err
    except SitegenErrors as errs:
        assert all(e.line is not None for e in errs.errors), errs
