"""The GitHub Actions workflows: publishing is a content job (install, check, build, deploy; warm from a kept
cache, daily, previews for pull requests), and the project's tests run apart. Steps run as CI would run them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import REPO, broken_links

from sitegen.cache import code_key


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


WORKFLOWS = REPO / ".github/workflows"


def workflow(name: str = "publish.yml") -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return loaded


def triggers(name: str = "publish.yml") -> dict[str, Any]:
    """The on: mapping (PyYAML reads the bare key on as True, YAML 1.1's boolean)."""
    found: dict[str, Any] = workflow(name)[True]
    return found


def steps(job: str = "build") -> dict[str, dict[str, Any]]:
    return {step.get("name", step.get("uses", "")): step for step in workflow()["jobs"][job]["steps"]}


def all_runs(name: str = "publish.yml") -> list[str]:
    return [step["run"] for job in workflow(name)["jobs"].values() for step in job.get("steps", []) if "run" in step]


def test_publishing_checks_builds_and_deploys() -> None:
    jobs = workflow()["jobs"]
    names = list(steps())
    assert names.index("Install sitegen") < names.index("Check the posts") < names.index("Build")
    assert steps()["actions/upload-pages-artifact@v3"]["with"]["path"] == "output"
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["needs"] == "build" and jobs["deploy"]["steps"][0]["uses"] == "actions/deploy-pages@v4"


def test_publishing_runs_no_tests_and_installs_no_browser() -> None:
    runs = "\n".join(all_runs())
    for word in ("pytest", "chromium", "playwright", "[test]", ".ci/run"):
        assert word not in runs, word
    assert "container" not in workflow()["jobs"]["build"]
    assert steps()["Install sitegen"]["run"] == 'python -m pip install -q "$SITEGEN"'
    assert workflow()["env"]["SITEGEN"] == "."


def test_the_project_tests_run_in_their_own_workflow_like_the_readme() -> None:
    tests = workflow("tests.yml")
    assert [step.get("run") for step in tests["jobs"]["test"]["steps"]] == [None, "bash .ci/run"]
    assert "content/**" in triggers("tests.yml")["push"]["paths-ignore"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest -q"
    assert command in readme and command in (REPO / ".ci/run").read_text(encoding="utf-8")


def test_the_cache_is_kept_between_runs_under_sitegens_own_key() -> None:
    cache = steps()["actions/cache@v4"]["with"]
    assert cache["path"] == ".sitegen-cache"
    assert cache["key"].startswith("sitegen-${{ steps.version.outputs.code }}-${{ hashFiles('sitegen.toml') }}-")
    assert cache["key"].endswith("${{ github.run_id }}")  # a new cache each run: a cache cannot be updated
    restore = cache["restore-keys"].splitlines()
    assert restore and all(cache["key"].startswith(prefix) for prefix in restore)
    names = list(steps())
    assert names.index("Cache key") < names.index("actions/cache@v4") < names.index("Check the posts")
    preview = steps("preview")
    assert "actions/cache/restore@v4" in preview and "actions/cache@v4" not in preview


def test_the_cache_key_step_gives_sitegens_code_key(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    done = run_step(steps()["Cache key"], tmp_path, "octo/news", GITHUB_OUTPUT=str(outputs))
    assert done.returncode == 0, done.stderr
    assert outputs.read_text(encoding="utf-8") == f"code={code_key()}\n"


def test_a_daily_run_in_the_beijing_morning_publishes_the_days_stories() -> None:
    on = triggers()
    assert on["push"] == {"branches": ["main"]} and "workflow_dispatch" in on
    [schedule] = on["schedule"]
    minute, hour, *every = schedule["cron"].split()
    assert every == ["*", "*", "*"]
    assert 5 <= (int(hour) + 8) % 24 <= 9, "UTC hour + 8 is the morning in Asia/Shanghai"


def test_a_pull_request_gets_a_preview_build_and_no_deployment() -> None:
    jobs = workflow()["jobs"]
    assert "pull_request" in triggers()
    assert jobs["preview"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["build"]["if"] == "github.event_name != 'pull_request'"
    assert jobs["preview"]["permissions"] == {"contents": "read"}
    preview = steps("preview")
    assert "sitegen build --drafts" in preview["Build the preview"]["run"]
    assert preview["actions/upload-artifact@v4"]["with"]["path"] == "output"
    assert not any("deploy" in str(step.get("uses", "")) for step in preview.values())


def test_run_steps_hold_no_expressions_so_they_run_outside_actions() -> None:
    assert [run for run in all_runs() if "${{" in run] == []


def run_step(step: dict[str, Any], site: Path, repository: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A run: step as GitHub runs it with `shell: bash`: bash -eo pipefail, the repository's variables set."""
    env = {
        **os.environ,
        "GITHUB_REPOSITORY": repository,
        "GITHUB_REPOSITORY_OWNER": repository.split("/")[0],
        "GITHUB_REF_NAME": "main",
        "GITHUB_STEP_SUMMARY": str(site.parent / "summary.md"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        **workflow()["env"],
        **env,
    }
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    site = tmp_path / "repo"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copytree(REPO / "themes", site / "themes")
    shutil.copy(REPO / "sitegen.toml", site / "sitegen.toml")
    return site


@pytest.mark.parametrize(
    ("repository", "cname", "base_path", "host"),
    [
        ("octo/safety-archive", "", "/safety-archive/", "https://octo.github.io"),
        ("octo/octo.github.io", "", "/", "https://octo.github.io"),
        ("octo/safety-archive", "news.example.org", "/", "https://news.example.org"),
    ],
)
def test_check_and_build_steps_publish_at_the_right_address(
    checkout: Path, repository: str, cname: str, base_path: str, host: str
) -> None:
    if cname:
        config = checkout / "sitegen.toml"
        config.write_text(f'cname = "{cname}"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    for name in ("Check the posts", "Build"):
        done = run_step(steps()[name], checkout, repository)
        assert done.returncode == 0, done.stdout + done.stderr
    output = checkout / "output"
    assert broken_links(output, base_path) == []
    assert f'href="{base_path}topics/"' in (output / "index.html").read_text(encoding="utf-8")
    assert f"<loc>{host}{base_path}</loc>" in (output / "sitemap.xml").read_text(encoding="utf-8")
    assert (output / "CNAME").read_text(encoding="ascii") == f"{cname}\n" if cname else not (output / "CNAME").exists()


def test_the_preview_step_builds_drafts_and_lists_the_changed_stories(checkout: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(checkout)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    draft = checkout / "content/posts/2024/yu-lan.md"
    draft.parent.mkdir(parents=True, exist_ok=True)
    draft.write_text("---\ntitle: 预览中的草稿\nslug: yu-lan\ndraft: true\n---\n\n正文。\n", encoding="utf-8")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "draft"], check=True)
    done = run_step(steps("preview")["Build the preview"], checkout, "octo/news")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (checkout / "output/posts/yu-lan/index.html").is_file()
    assert "- content/posts/2024/yu-lan.md" in (checkout.parent / "summary.md").read_text(encoding="utf-8")


def test_a_failed_check_fails_the_preview_despite_the_pipe(checkout: Path) -> None:
    (checkout / "content/posts/broken.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    done = run_step(steps("preview")["Check the posts"], checkout, "octo/news")
    assert done.returncode != 0
