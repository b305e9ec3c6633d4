"""pytest options and fixtures shared by the whole suite."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import CHROMIUM_ARGS, built, small_blocks

from sitegen.search.index import SearchDoc


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite expected files from actual output")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, Path], None]:
    """Compare text with an expected file; with --update-golden, rewrite the file instead (review the diff)."""

    def check(actual: str, expected: Path) -> None:
        if request.config.getoption("--update-golden"):
            expected.parent.mkdir(parents=True, exist_ok=True)
            expected.write_text(actual, encoding="utf-8")
        assert expected.exists(), f"{expected} is missing: run pytest --update-golden and review it"
        assert actual == expected.read_text(encoding="utf-8")

    return check


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (a Playwright browser download is not possible here)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def docs() -> list[SearchDoc]:
    """The synthetic archive the search tests share (see test_search_index.synthetic_docs)."""
    from test_search_index import synthetic_docs

    return synthetic_docs()


@pytest.fixture(scope="session")
def files(docs: list[SearchDoc]) -> dict[str, bytes]:
    """search_index.build() output for the synthetic archive: site path -> bytes."""
    return built(docs)


def built_counted(docs: list[SearchDoc], blocked: bool = False) -> dict[str, bytes]:
    """docs built with facet counts and best docs kept by every key in 8 docs or more, facet columns of 8 docs;
    blocked: and every key's postings in external blocks of a doc or so."""
    from sitegen.search import index as search_index

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_index, "COUNTED_DF", 8)
        patch.setattr(search_index, "FACET_DOCS", 8)
        if blocked:
            small_blocks(patch)
        return built(docs)


@pytest.fixture(scope="session")
def counted(docs: list[SearchDoc]) -> dict[str, bytes]:
    """The synthetic archive built_counted()."""
    return built_counted(docs)


@pytest.fixture(scope="session")
def counted_blocked(docs: list[SearchDoc]) -> dict[str, bytes]:
    """The synthetic archive built_counted(), its postings in external blocks."""
    return built_counted(docs, blocked=True)


@pytest.fixture(scope="session")
def sourced(docs: list[SearchDoc]) -> list[SearchDoc]:
    """The synthetic archive with 7 sources, the first 6 of one doc each: many a counted key has only the last."""
    return [replace(doc, source=f"来源{i}" if i < 6 else "来源6" if i % 2 else "") for i, doc in enumerate(docs)]


@pytest.fixture(scope="session")
def sparse(sourced: list[SearchDoc]) -> dict[str, bytes]:
    """The sourced archive built_counted(): keys keep sparse source counts (see index.count_bytes()), dense others."""
    return built_counted(sourced)
