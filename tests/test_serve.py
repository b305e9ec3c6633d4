"""sitegen serve over real HTTP on loopback and in Chromium: edit, break, fix, and the page follows;
any failure of a rebuild is shown and survived; only this machine's names for the server are answered."""

from __future__ import annotations

import http.client
import json
import os
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
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser
from support import TEST_SITE, Watch, copy_site, ctrl_c_default

from sitegen import pipeline
from sitegen.commands import serve


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


POST = "content/posts/2022/fan-zha.md"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    stderr: list[str] = field(default_factory=list)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(TEST_SITE, tmp_path / "site")


# sitegen with a build that fails as a bug would (not a SitegenError) while a post holds the marker.
FAILING_BUILD = """
import sys
from pathlib import Path
from sitegen.cli import main
from sitegen import pipeline

real_run = pipeline.build

def run(cfg, content_dir, *args, **kwargs):
    if any("INJECT-FAILURE" in p.read_text(encoding="utf-8") for p in Path(content_dir).rglob("*.md")):
        raise RuntimeError("injected failure")
    return real_run(cfg, content_dir, *args, **kwargs)

pipeline.build = run
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def server(site: Path) -> Iterator[Server]:
    yield from launch([sys.executable, "-m", "sitegen"], site)


@pytest.fixture
def failing_server(site: Path) -> Iterator[Server]:
    yield from launch([sys.executable, "-c", FAILING_BUILD], site)


def launch(program: list[str], site: Path) -> Iterator[Server]:
    """Start `program --root site serve` on a free port; stop it with Ctrl-C afterwards."""
    env = {k: v for k, v in os.environ.items() if k != serve.DEBUG_VARIABLE}
    process = subprocess.Popen(
        [*program, "--root", str(site), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=ctrl_c_default,
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
        try:
            process.wait(timeout=10)
        finally:
            if process.poll() is None:  # no server is left running after a failed test
                process.kill()
                process.wait()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def request(url: str, path: str, hosts: list[str], method: str = "GET") -> tuple[int, str, str]:
    """One request with exactly the given Host headers (none, one or several): status, content type, body."""
    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=5)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for host in hosts:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read().decode("utf-8")
    finally:
        connection.close()


def recovered(page: str, text: str) -> bool:
    """The fixing build is served and its error cleared (the files land a moment before the error goes)."""
    return text in page and 'id="sitegen-error"' not in page


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


def test_serve_survives_an_unexpected_error_and_recovers(site: Path, failing_server: Server) -> None:
    server = failing_server
    assert "志愿者耐心讲解" in fetch(server.url + "posts/fan-zha/")[1]

    edit(site, "志愿者耐心讲解", "志愿者耐心讲解 INJECT-FAILURE")
    until(lambda: 'id="sitegen-error"' in fetch(server.url + "posts/fan-zha/")[1])
    status, page = fetch(server.url + "posts/fan-zha/")
    assert status == 200 and "unexpected RuntimeError: injected failure" in page
    assert "志愿者耐心讲解" in page and "INJECT-FAILURE" not in page  # the last good build, under the error
    until(lambda: any("error: unexpected RuntimeError: injected failure" in line for line in server.stderr))

    edit(site, "志愿者耐心讲解 INJECT-FAILURE", "志愿者修好以后的讲解")  # the watcher is still there
    until(lambda: recovered(fetch(server.url + "posts/fan-zha/")[1], "志愿者修好以后的讲解"))

    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=10) == 0
    assert "Traceback" not in "".join(server.stderr)


def test_serve_survives_a_post_that_crashed_the_build(site: Path, server: Server) -> None:
    """A 5,000-digit title once escaped the build as a ValueError and stopped the watcher for good."""
    edit(site, "title: 盐城警方开展反诈宣传", "title: " + "9" * 5000)
    until(lambda: 'id="sitegen-error"' in fetch(server.url + "posts/fan-zha/")[1])
    assert "志愿者耐心讲解" in fetch(server.url + "posts/fan-zha/")[1]

    edit(site, "title: " + "9" * 5000, "title: 盐城警方修好的标题")
    until(lambda: recovered(fetch(server.url + "posts/fan-zha/")[1], "盐城警方修好的标题"))
    assert server.process.poll() is None and "Traceback" not in "".join(server.stderr)


def test_unexpected_error_is_one_line_and_the_traceback_only_on_request(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded\nwhile rendering")

    monkeypatch.setattr(pipeline, "build", broken)
    monkeypatch.delenv(serve.DEBUG_VARIABLE, raising=False)
    preview = serve.Preview(site, None, drafts=False)
    try:
        preview.rebuild()
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 1 and lines[0].endswith(
            "error: unexpected RecursionError: maximum recursion depth exceeded while rendering "
            f"(set {serve.DEBUG_VARIABLE}=1 to see the traceback)"
        )
        assert preview.error is not None and "RecursionError" in preview.error and preview.generation == 1

        monkeypatch.setenv(serve.DEBUG_VARIABLE, "1")
        preview.rebuild()
        assert "Traceback (most recent call last)" in capsys.readouterr().err and preview.generation == 2
    finally:
        preview.close()


def test_serve_answers_only_its_own_host_names(server: Server) -> None:
    port = str(urlsplit(server.url).port)
    for host in [
        "127.0.0.1:" + port,
        "localhost:" + port,
        "localhost",
        "LocalHost:" + port,
        "127.0.0.1",
        "[::1]:" + port,
    ]:
        status, _, body = request(server.url, "/posts/fan-zha/", [host])
        assert status == 200 and "志愿者耐心讲解" in body, host

    refused: list[tuple[str, list[str], str]] = [
        ("/posts/fan-zha/", ["evil.example"], "GET"),
        ("/posts/fan-zha/", ["evil.example:" + port], "GET"),
        ("/posts/fan-zha/", ["127.0.0.1.evil.example:" + port], "GET"),
        ("/posts/fan-zha/", ["localhost.:" + port], "GET"),
        ("/posts/fan-zha/", ["127.0.0.1:1"], "GET"),  # another port: another origin
        ("/posts/fan-zha/", ["127.0.0.1:" + port + "@evil.example"], "GET"),
        ("/posts/fan-zha/", [], "GET"),
        ("/posts/fan-zha/", ["127.0.0.1:" + port, "evil.example"], "GET"),
        ("/__sitegen/events", ["evil.example"], "GET"),
        ("/posts/fan-zha/", ["evil.example"], "HEAD"),
        ("/", ["evil.example"], "POST"),
    ]
    for path, hosts, method in refused:
        status, kind, body = request(server.url, path, hosts, method)
        assert status == 421 and kind.startswith("text/plain"), (path, hosts, method)
        assert len(body) < 200 and "志愿者" not in body and "<" not in body

    # A full URL as the request target names its own host: refused whatever the Host header says.
    status, kind, body = request(server.url, "http://evil.example/posts/fan-zha/", ["127.0.0.1:" + port])
    assert status == 400 and kind.startswith("text/plain") and "志愿者" not in body
    assert server.process.poll() is None


def test_serve_keeps_to_its_folder(site: Path, server: Server) -> None:
    port = str(urlsplit(server.url).port)
    config_text = (site / "sitegen.toml").read_text(encoding="utf-8").strip()
    outside = [
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/" + str(site / "sitegen.toml"),
        "//" + str(site / "sitegen.toml"),
        "/../../../../../.." + str(site / "sitegen.toml"),
        "/posts/fan-zha/%00/../../../../../../etc/passwd",
    ]
    for path in outside:
        status, _, body = request(server.url, path, ["127.0.0.1:" + port])
        assert status == 404 and "root:" not in body and config_text not in body, path
    # A folder without index.html (the search index's folder of story pieces) is not listed, not even to HEAD.
    _, _, manifest = request(server.url, "/search/manifest.json", ["127.0.0.1:" + port])
    folder = f"/search/frag-{json.loads(manifest)['fragments'][1][0]}/"
    assert request(server.url, folder + "0.json.gz", ["127.0.0.1:" + port], "HEAD")[0] == 200
    assert request(server.url, folder, ["127.0.0.1:" + port], "HEAD")[0] == 404
    status, _, body = request(server.url, folder, ["127.0.0.1:" + port])
    assert status == 404 and "0.json.gz" not in body


def ranged(url: str, path: str, header: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One request with a Range header: status, headers, body."""
    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=5)
    try:
        connection.request(method, path, headers={"Range": header})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_serve_answers_range_requests_as_static_hosts_do(site: Path, server: Server) -> None:
    """206 with the bytes asked for and where they are; 416 when the file has none of them; the whole file
    (200) for a header it ignores: another unit, several ranges, a range written wrong."""
    path = "/search/manifest.json"
    whole = ranged(server.url, path, "bytes=0-")[2]
    size = len(whole)
    assert size > 20
    for header, start, end in [
        ("bytes=0-9", 0, 10),
        ("bytes=5-5", 5, 6),
        ("bytes=10-", 10, size),
        ("bytes=-7", size - 7, size),
        (f"bytes=3-{size + 100}", 3, size),
        (f"bytes=-{size + 5}", 0, size),
    ]:
        status, headers, body = ranged(server.url, path, header)
        assert status == 206 and body == whole[start:end], header
        assert headers["Content-Range"] == f"bytes {start}-{end - 1}/{size}", header
        assert headers["Content-Length"] == str(end - start)
    status, headers, body = ranged(server.url, path, "bytes=0-3", "HEAD")
    assert status == 206 and body == b"" and headers["Content-Length"] == "4"
    for header in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        status, headers, body = ranged(server.url, path, header)
        assert status == 416 and headers["Content-Range"] == f"bytes */{size}" and body == b"", header
    for header in ("bytes=0-1,4-5", "items=0-3", "bytes=9-2", "bytes=-", "bytes=a-b"):
        status, _, body = ranged(server.url, path, header)
        assert status == 200 and body == whole, header
    status, headers, _ = ranged(server.url, "/posts/fan-zha/", "bytes=0-9")
    assert status == 200 and headers["Content-Type"].startswith("text/html")  # pages come whole, with the reload script
    assert ranged(server.url, "/search/missing.bin", "bytes=0-9")[0] == 404


def test_serve_keeps_one_connection_for_many_requests(server: Server) -> None:
    """HTTP/1.1 with keep-alive, as static hosts speak it (a search fetches a score of files): a page, a file, a
    range of it, a redirect and a missing page answered in turn on one connection, each with its length; the
    reload events close theirs, their stream having none."""
    where = urlsplit(server.url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=5)
    try:
        answers = []
        for path, headers in [
            ("/posts/fan-zha/", {}),
            ("/search/manifest.json", {}),
            ("/search/manifest.json", {"Range": "bytes=0-9"}),
            ("/posts", {}),
            ("/no-such-page/", {}),
            ("/search/manifest.json", {}),
        ]:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            assert response.version == 11 and not response.will_close, path
            assert response.getheader("Content-Length") == str(len(body)), path
            assert connection.sock is not None
            answers.append((response.status, connection.sock.getsockname()))
        assert [status for status, _ in answers] == [200, 200, 206, 301, 404, 200]
        assert len({local for _, local in answers}) == 1  # one TCP connection throughout
        connection.request("GET", serve.EVENTS)
        events = connection.getresponse()
        assert events.status == 200 and events.will_close and events.getheader("Content-Length") is None
        assert events.fp is not None and events.fp.readline().startswith(b"data: ")
    finally:
        connection.close()


def test_byte_range_reads_one_range_of_a_header() -> None:
    assert serve.byte_range("bytes=0-0", 10) == (0, 1)
    assert serve.byte_range(" bytes=2-4 ", 10) == (2, 5)
    assert serve.byte_range("bytes=-3", 10) == (7, 10)
    assert serve.byte_range("bytes=10-", 10) == (10, 10)  # nothing of the file: 416
    assert serve.byte_range("bytes=-0", 10) == (10, 10)
    assert serve.byte_range("bytes=0-4, 6-7", 10) is None
    assert serve.byte_range("bytes=4-2", 10) is None
