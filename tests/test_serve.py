"""sitegen serve over real HTTP on loopback and in Chromium: edit, break, fix, and the page follows."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from support import TEST_SITE, Watch, copy_site

POST = "content/posts/2022/fan-zha.md"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    stderr: list[str] = field(default_factory=list)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(TEST_SITE, tmp_path / "site")


@pytest.fixture
def server(site: Path) -> Iterator[Server]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "--root", str(site), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    url = ""
    for line in process.stdout:
        if match := re.search(r"serving (http://127\.0\.0\.1:\d+/)", line):
            url = match.group(1)
            break
    assert url, "serve did not start"
    running = Server(url, process)
    threading.Thread(target=lambda: running.stderr.extend(process.stderr or []), daemon=True).start()
    threading.Thread(target=lambda: list(process.stdout or []), daemon=True).start()
    yield running
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def until(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def edit(site: Path, old: str, new: str) -> None:
    path = site / POST
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_serve_rebuilds_shows_errors_and_recovers(site: Path, server: Server) -> None:
    status, page = fetch(server.url + "posts/fan-zha/")
    assert status == 200 and "志愿者耐心讲解" in page and "EventSource" in page
    assert fetch(server.url + "posts/no-such-page/")[0] == 404

    edit(site, "志愿者耐心讲解", "志愿者第二次耐心讲解")
    until(lambda: "志愿者第二次耐心讲解" in fetch(server.url + "posts/fan-zha/")[1])

    edit(site, "title: 盐城警方开展反诈宣传", "title: [盐城警方")
    until(lambda: 'id="sitegen-error"' in fetch(server.url + "posts/fan-zha/")[1])
    status, page = fetch(server.url + "posts/fan-zha/")
    assert status == 200 and "fan-zha.md:2: broken YAML" in page and "志愿者第二次耐心讲解" in page  # last good build
    until(lambda: any("fan-zha.md:2: broken YAML" in line for line in server.stderr))
    assert server.process.poll() is None

    edit(site, "title: [盐城警方", "title: 盐城警方开展反诈宣传")
    until(lambda: 'id="sitegen-error"' not in fetch(server.url + "posts/fan-zha/")[1])

    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=10) == 0
    assert "Traceback" not in "".join(server.stderr)


def test_open_page_reloads_itself_after_an_edit(site: Path, server: Server, browser: Browser) -> None:
    page = browser.new_page()
    watch = Watch(page)
    page.goto(server.url + "posts/fan-zha/")
    assert "志愿者耐心讲解" in page.locator(".article-body").inner_text()
    page.wait_for_timeout(300)  # the event stream is open
    edit(site, "志愿者耐心讲解", "志愿者在浏览器里看到的新内容")
    page.wait_for_function("document.body.innerText.includes('志愿者在浏览器里看到的新内容')", timeout=15000)
    assert watch.errors == []
    assert all(u.startswith((server.url, "data:")) for u in watch.requests)
