"""pytest options and fixtures shared by the whole suite."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


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
