"""The build deletes only what it wrote, and output/ is a whole site at every moment, a kill included."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from support import TEST_SITE, copy_site, serve

from sitegen import cli, output


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


SITEGEN = [str(Path(sys.executable).parent / "sitegen")]


def build(site: Path, *args: str) -> int:
    return cli.main(["--root", str(site), "build", *args])


def run(site: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SITEGEN, "--root", str(site), "build", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root by its path, links included as their target's name."""
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            found[path.relative_to(root).as_posix()] = os.readlink(path).encode()
        elif path.is_file():
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(TEST_SITE, tmp_path / "site")


@pytest.mark.parametrize(
    "where",
    ["content", "content/posts", ".", "..", "/", "themes", "themes/default/static", "static", ".sitegen-cache", "home"],
)
def test_an_output_folder_holding_the_sites_files_is_refused_with_nothing_touched(site: Path, where: str) -> None:
    (site / "static").mkdir(exist_ok=True)
    (site / "static" / "logo.txt").write_text("logo", encoding="utf-8")
    assert build(site) == 0  # a cache, so that it is guarded too
    home = site.parent / "home"
    (home / "notes").mkdir(parents=True)
    (home / "notes" / "todo.txt").write_text("keep me", encoding="utf-8")
    before = snapshot(site.parent)
    target = str(home) if where == "home" else where
    done = subprocess.run(
        [*SITEGEN, "--root", str(site), "build", "--output", target],
        capture_output=True,
        text=True,
        cwd=site,
        timeout=120,
        env={**os.environ, "HOME": str(home)},
    )
    assert done.returncode == 1, done.stderr
    assert "refusing to build into" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(site.parent) == before


def test_a_folder_of_someone_elses_files_is_refused(site: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "cat.jpg").write_bytes(b"\xff\xd8 a cat")
    done = run(site, "--output", str(photos))
    assert done.returncode == 1 and "sitegen did not write" in done.stderr
    assert snapshot(photos) == {"cat.jpg": b"\xff\xd8 a cat"}


def test_an_empty_folder_and_one_an_earlier_build_made_are_built_into(site: Path, tmp_path: Path) -> None:
    empty = tmp_path / "public"
    empty.mkdir()
    assert build(site, "--output", str(empty)) == 0
    assert (empty / output.MARK).is_file() and (empty / "index.html").is_file()
    (site / ".sitegen-cache").rename(tmp_path / "cache-aside")  # the mark alone says the build made it
    assert build(site, "--output", str(empty)) == 0


def test_a_record_naming_a_path_outside_output_is_not_trusted(tmp_path: Path) -> None:
    target = tmp_path / "output"
    target.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("mine", encoding="utf-8")
    out = output.Output(target, {"../victim.txt": ("k", 4, 0), "index.html": ("k2", 1, 0)})
    assert out.previous is None  # the whole record is dropped: nothing of it is removed
    out.add("index.html", "<p>new</p>")
    out.commit()
    assert victim.read_text(encoding="utf-8") == "mine"


def test_a_link_in_static_that_leads_out_is_refused(site: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.env"
    secret.write_text("TOKEN=hunter2", encoding="utf-8")
    (site / "static").mkdir(exist_ok=True)
    (site / "static" / "env.txt").symlink_to(secret)
    done = run(site)
    assert done.returncode == 1 and "env.txt" in done.stderr and "leads out" in done.stderr
    assert not (site / "output").exists()


def test_a_link_in_the_themes_static_that_leads_out_is_refused(site: Path, tmp_path: Path) -> None:
    (site / "themes" / "default" / "static" / "passwd.css").symlink_to("/etc/passwd")
    done = run(site)
    assert done.returncode == 1 and "passwd.css" in done.stderr
    assert not (site / "output").exists()


def test_a_template_linked_in_from_outside_the_theme_is_refused(site: Path) -> None:
    (site / "themes" / "default" / "templates" / "secret.html").symlink_to("/etc/passwd")
    done = run(site)
    assert done.returncode == 1 and "secret.html" in done.stderr and "leads out" in done.stderr
    assert not (site / "output").exists()


def test_a_link_inside_static_is_published(site: Path) -> None:
    (site / "static").mkdir(exist_ok=True)
    (site / "static" / "a.txt").write_text("same", encoding="utf-8")
    (site / "static" / "b.txt").symlink_to("a.txt")
    assert build(site) == 0
    assert (site / "output" / "b.txt").read_text(encoding="utf-8") == "same"


def test_leftovers_of_killed_builds_are_removed_by_the_next(site: Path, tmp_path: Path) -> None:
    dead = dead_pid()
    staged = site / f".output.new-{dead}-abc"
    (staged / "site").mkdir(parents=True)
    spilled = tmp_path / "tmp" / f"sitegen-search-{dead}-xyz"
    spilled.mkdir(parents=True)
    mine = site / f".output.new-{os.getpid()}-live"  # a running build's: kept
    mine.mkdir()
    done = run(site, env={"TMPDIR": str(tmp_path / "tmp")})
    assert done.returncode == 0, done.stderr
    assert not staged.exists() and not spilled.exists() and mine.exists()


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def edit(site: Path, step: int) -> None:
    """A change that rewrites, adds and removes files: a body edited, a post added, and on even steps one removed."""
    posts = sorted((site / "content" / "posts").rglob("*.md"))
    posts[0].write_text(posts[0].read_text(encoding="utf-8") + f"\n\n第{step}次补充的一段话。\n", encoding="utf-8")
    (site / "content" / "posts" / "2022" / f"added-{step}.md").write_text(
        f"---\ntitle: 新增稿件{step}\ndate: 2022-06-0{step % 9 + 1}T10:00:00+08:00\ncategories: [反诈]\n---\n\n新增的正文{step}。\n",
        encoding="utf-8",
    )
    if step % 2 == 0:
        (site / "content" / "posts" / "2022" / f"added-{step - 1}.md").unlink(missing_ok=True)


MUTATIONS = ("replace", "rename", "link", "unlink", "mkdir", "rmdir")


def killed_at(site: Path, step: int, tally: Path | None = None) -> bool:
    """Build site in a forked child that kills itself (SIGKILL) at the step-th change to the filesystem after
    commit() begins. Whether the kill happened (False: the build finished first, and wrote into tally how
    many changes it made)."""
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's exit is its report
        count = [0]
        committing = [False]

        def counting(call: Callable[..., object]) -> Callable[..., object]:
            def wrapper(*args: object, **kwargs: object) -> object:
                if committing[0]:
                    count[0] += 1
                    if count[0] == step:
                        os.kill(os.getpid(), signal.SIGKILL)
                return call(*args, **kwargs)

            return wrapper

        commit = output.Output.commit

        def marked(self: output.Output) -> int:
            committing[0] = True
            return commit(self)

        output.Output.commit = marked  # type: ignore[method-assign]
        calls = {name: getattr(os, name) for name in MUTATIONS}
        for name, call in calls.items():
            setattr(os, name, counting(call))
        output._renameat2 = counting(output._renameat2) if output._renameat2 else None  # type: ignore[assignment]
        os.close(1)
        os.close(2)
        code = build(site)
        for name, call in calls.items():
            setattr(os, name, call)
        if tally is not None:
            tally.write_text(str(count[0]))
        os._exit(code)
    _, status = os.waitpid(child, 0)
    return os.WIFSIGNALED(status)


def steps_to_try(total: int) -> list[int]:
    """The first and last few changes (the exchange is among the last) and five spread between."""
    return sorted({*range(1, 3), *range(max(1, total - 4), total + 1), *range(1, total + 1, max(1, total // 5))})


@pytest.mark.parametrize("path", ["first change (shadow made)", "later change (shadow synced)", "whole (no cache)"])
def test_output_is_the_whole_old_site_or_the_whole_new_one_when_killed_at_any_step(site: Path, path: str) -> None:
    assert build(site) == 0
    if path == "later change (shadow synced)":
        edit(site, 1)
        assert build(site) == 0
        assert (site / ".output.sitegen-prev").is_dir()
    old = snapshot(site / "output")
    edit(site, 2)
    new = snapshot_after(site)
    assert new != old
    if path == "whole (no cache)":
        shutil.rmtree(site / ".sitegen-cache")
    trial = site.parent / "trial"
    shutil.copytree(site, trial, symlinks=True)
    tally = site.parent / "tally"
    assert not killed_at(trial, 0, tally)
    for step in steps_to_try(int(tally.read_text())):
        shutil.rmtree(trial)
        shutil.copytree(site, trial, symlinks=True)
        assert killed_at(trial, step), f"no kill at step {step}"
        assert snapshot(trial / "output") in (old, new), f"a mixed site after a kill at step {step}"
        assert build(trial) == 0
        assert snapshot(trial / "output") == new
        assert [p.name for p in trial.iterdir() if p.name.startswith(".output.new-")] == []


def snapshot_after(site: Path) -> dict[str, bytes]:
    """The site the edit should give, built from scratch beside it."""
    scratch = site.parent / "expected"
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(site / "content", scratch / "content")
    shutil.copytree(site / "themes", scratch / "themes")
    shutil.copy(site / "sitegen.toml", scratch / "sitegen.toml")
    assert build(scratch) == 0
    return snapshot(scratch / "output")


def test_the_workers_of_a_killed_build_die_with_it(site: Path) -> None:
    posts = site / "content" / "posts" / "2022"
    for n in range(400):
        (posts / f"bulk-{n}.md").write_text(
            f"---\ntitle: 批量稿件第{n}号\ndate: 2022-03-01T10:00:00+08:00\n---\n\n"
            + "社区民警走访辖区。" * 200
            + "\n",
            encoding="utf-8",
        )
    proc = subprocess.Popen(
        [*SITEGEN, "--root", str(site), "build"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    children: set[int] = set()
    deadline = time.monotonic() + 60
    while not children and proc.poll() is None and time.monotonic() < deadline:
        children = children_of(proc.pid)
        time.sleep(0.01)
    if proc.poll() is not None or not children:
        pytest.fail("the build forked no worker to test")
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in children)


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_a_disk_that_refuses_writes_is_an_error_with_the_old_site_kept(
    site: Path, code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build(site) == 0
    old = snapshot(site / "output")
    edit(site, 1)

    def refused(fd: int, data: bytes) -> tuple[int, int]:
        os.close(fd)
        raise OSError(code, os.strerror(code), "output/posts/x/index.html")

    monkeypatch.setattr(output, "_write", refused)
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "output/posts/x/index.html" in err and "hint:" in err and "Traceback" not in err
    assert snapshot(site / "output") == old
    assert [p.name for p in site.iterdir() if p.name.startswith(".output.new-")] == []


HOSTILE = """\
---
title: 含有可疑链接的报道
date: 2022-06-01T09:00:00+08:00
categories: [反诈]
slug: hostile-links
source_url: https://news.example.org/a.html
---

[一]( JaVaScRiPt:window.__pwned=1) [二](javascript&colon;window.__pwned=2)
<a href="vbscript:msgbox(1)">三</a> <a href="data:text/html,<script>parent.__pwned=4</script>">四</a>
<a href="&#x6A;avascript:window.__pwned=5">五</a> <a href="/" onclick="window.__pwned=6">六</a>
<img src="https://img.example.org/x.png" onerror="window.__pwned=7"> <svg onload="window.__pwned=8"></svg>
"""


def test_no_link_of_a_hostile_post_runs_anything_when_clicked(site: Path, browser: Browser) -> None:
    (site / "content/posts/2022/hostile.md").write_text(HOSTILE, encoding="utf-8")
    done = run(site, "--base-url", '/"onmouseover="window.__pwned=9"/')
    assert done.returncode == 1 and "base_url" in done.stderr  # a base_url that breaks out is refused
    assert build(site) == 0
    with serve(site / "output") as root:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(root + "posts/hostile-links/")
        links = page.locator("article a")
        assert links.count() >= 6
        schemes = page.eval_on_selector_all("article a", "as => as.map(a => a.hasAttribute('href') ? a.protocol : '')")
        assert set(schemes) <= {"http:", "https:", "mailto:", ""}, schemes  # '': the sanitiser took the href
        handlers = page.eval_on_selector_all(
            "article *", "els => els.flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
        )
        assert handlers == []
        for n in range(links.count()):  # what would run, runs in this page: the links that stay on it
            link = page.locator("article a").nth(n)
            if link.get_attribute("href") is None:
                link.click()
                assert page.evaluate("window.__pwned") is None
        page.goto(root + "posts/hostile-links/")
        page.mouse.move(10, 10)
        assert page.evaluate("window.__pwned") is None and dialogs == []
        page.close()
