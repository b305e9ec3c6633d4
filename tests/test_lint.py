"""The code's own checks run with the tests, so CI refuses what a reviewer would:
lint findings, unformatted files and type errors in the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "sitegen", "tests", "bench"],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "sitegen", "tests", "bench"],
    "mypy": [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "sitegen"],
}


@pytest.mark.parametrize("name", CHECKS)
def test_the_code_passes_its_checks(name: str) -> None:
    done = subprocess.run(CHECKS[name], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}{done.stderr}"
