"""One built page of each kind in tests/site, byte for byte, so a change to the build shows in a diff.

The expected files mirror the output paths under tests/site/golden/. `pytest --update-golden` rewrites
them from a fresh build; review `git diff tests/site/golden` before committing.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, TEST_SITE, copy_site

from sitegen import cli

GOLDEN = TEST_SITE / "golden"

# Output path -> what it stands for; one page per template and per kind of output.
PAGES = {
    "index.html": "home: list, first page",
    "page/2/index.html": "list, last page",
    "posts/wang-ge-cun-jing/index.html": "article: full byline, figure, terms, related, prev/next",
    "posts/wu-ri-qi/index.html": "article without a date",
    "topics/index.html": "term index, most stories first",
    "regions/index.html": "term index of a nested vocabulary",
    "topics/she-qu-jing-wu/index.html": "topic page, first of two",
    "tags/fang-ni-shui/index.html": "tag page",
    "regions/sui-chuan-xian/index.html": "region page",
    "sources/jiang-xi-zheng-fa-wang/index.html": "source page",
    "archive/index.html": "archive",
    "archive/2022/index.html": "year page",
    "archive/2022/08/index.html": "month page",
    "search/index.html": "search page",
    "404.html": "not-found page",
    "atom.xml": "site feed",
    "topics/fan-zha/atom.xml": "topic feed",
    "sitemap.xml": "sitemap",
    "robots.txt": "robots.txt",
    "search/manifest.json": "search manifest",
}

# A build elsewhere must not differ: another clock zone, locale and hash seed, and a cold cache.
FOREIGN_ENV = {"TZ": "Pacific/Kiritimati", "LC_ALL": "C", "LANG": "C", "PYTHONHASHSEED": "1"}


def build(site: Path) -> Path:
    assert cli.main(["--root", str(site), "build"]) == 0
    return site / "output"


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(copy_site(TEST_SITE, tmp_path_factory.mktemp("golden") / "site"))


def difference(expected: bytes, actual: bytes, name: str) -> str:
    """The first lines of a unified diff, enough to see what moved without flooding the report."""
    lines = difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(),
        actual.decode("utf-8", "replace").splitlines(),
        f"golden/{name}",
        f"output/{name}",
        lineterm="",
    )
    return "\n".join(list(lines)[:40])


@pytest.mark.parametrize("path", PAGES)
def test_page_matches_golden(path: str, output: Path, request: pytest.FixtureRequest) -> None:
    actual = (output / path).read_bytes()
    expected = GOLDEN / path
    if request.config.getoption("--update-golden"):
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_bytes(actual)
    assert expected.exists(), f"{expected} is missing: run `pytest --update-golden` and review the new file"
    assert actual == expected.read_bytes(), (
        f"{path} ({PAGES[path]}) differs from tests/site/golden/{path}. If the change is intended, run "
        f"`pytest tests/test_golden_pages.py --update-golden` and review `git diff tests/site/golden`.\n"
        + difference(expected.read_bytes(), actual, path)
    )


def test_no_golden_file_is_left_over() -> None:
    kept = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    assert kept <= set(PAGES), f"delete golden files no test reads: {sorted(kept - set(PAGES))}"


def test_a_build_elsewhere_gives_the_same_pages(output: Path, tmp_path: Path) -> None:
    site = copy_site(TEST_SITE, tmp_path / "elsewhere")
    env = {**os.environ, **FOREIGN_ENV}
    run = [sys.executable, "-m", "sitegen", "--root", str(site), "build"]
    done = subprocess.run(run, cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    changed = [path for path in PAGES if (site / "output" / path).read_bytes() != (output / path).read_bytes()]
    assert changed == [], f"pages that depend on the machine: {changed}"
