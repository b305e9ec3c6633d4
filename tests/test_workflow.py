"""The GitHub Actions workflow: parsed, and its check and build steps run as CI would run them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import REPO, broken_links

WORKFLOW = REPO / ".github/workflows/publish.yml"


def steps() -> dict[str, dict[str, str]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return {step.get("name", step.get("uses", "")): step for step in workflow["jobs"]["build"]["steps"]}


def test_workflow_tests_checks_builds_and_publishes() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    names = list(steps())
    assert names.index("Test") < names.index("Check the posts") < names.index("Build")
    assert steps()["actions/upload-pages-artifact@v3"]["with"]["path"] == "output"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["steps"][0]["uses"] == "actions/deploy-pages@v4"


def test_workflow_installs_and_tests_like_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    install = steps()["Install sitegen"]["run"]
    assert install.startswith("python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'")
    assert "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest -q" in readme
    assert steps()["Test"]["run"] == "python -m pytest -q"
    assert "apt-get install -y -qq chromium" in steps()["Install the browser for the tests"]["run"]


def run_step(name: str, site: Path, repository: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GITHUB_REPOSITORY": repository,
        "GITHUB_REPOSITORY_OWNER": repository.split("/")[0],
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    return subprocess.run(
        ["bash", "-c", steps()[name]["run"]], cwd=site, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    site = tmp_path / "repo"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copytree(REPO / "themes", site / "themes")
    shutil.copy(REPO / "sitegen.toml", site / "sitegen.toml")
    return site


@pytest.mark.parametrize(
    ("repository", "base_path"), [("octo/safety-archive", "/safety-archive/"), ("octo/octo.github.io", "/")]
)
def test_workflow_check_and_build_steps_run(checkout: Path, repository: str, base_path: str) -> None:
    check = run_step("Check the posts", checkout, repository)
    assert check.returncode == 0, check.stdout + check.stderr
    build = run_step("Build", checkout, repository)
    assert build.returncode == 0, build.stdout + build.stderr
    output = checkout / "output"
    assert broken_links(output, base_path) == []
    assert f'href="{base_path}topics/"' in (output / "index.html").read_text(encoding="utf-8")
