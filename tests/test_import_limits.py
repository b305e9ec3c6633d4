"""sitegen import against hostile sources: every limit is attacked and must hold.

A server on 127.0.0.1 (started here) redirects to ftp:// and file://, trickles a byte at a
time, or never stops sending; files are /dev/zero, a /proc file that says it is empty, FIFOs,
sockets and links out of the folder being imported. Each run must end, soon, without a
traceback, with every source in the report and the reason naming the limit that stopped it.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sitegen import config, fetch
from sitegen.commands import import_
from sitegen.errors import SitegenError


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


CASES_DIR = Path(__file__).resolve().parent / "fixtures" / "import"
CFG = config.load(CASES_DIR)
SITEGEN = Path(sys.executable).parent / "sitegen"
SECRET = "这一段只写在导入目录之外的文件里，如果它出现在任何一篇文章中，就说明导入跟随了指向目录之外的链接。"


def story(title: str, extra: str = "") -> bytes:
    """A short news page of our own that the importer turns into a post (with extra as its second paragraph)."""
    paragraphs = [
        "四月二日晚九时许，城东派出所民警在辖区巡逻时，发现一名老人独自坐在公交站台，神情焦急。",
        extra,
        "民警上前询问得知，老人外出散步后记不清回家的路，身上也没有带手机。民警一边安抚老人，一边联系社区网格员核实信息。",
        "经过四十分钟的走访查询，民警终于找到老人的家属，并驾车将老人平安送回家中，家属连声道谢。",
        "派出所提醒，家中有年迈老人的，外出时尽量有人陪同，并随身携带写有联系方式的卡片。",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs if p)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}_平安新闻</title></head><body>"
        f"<div class='article'><h1>{title}</h1><div class='info'>2023-04-02 21:30 来源：平安新闻</div>{body}</div>"
        "</body></html>"
    ).encode()


# `sitegen import` as a user runs it.


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float  # the largest the process grew
    report: dict[str, Any]

    def outcome(self, source: str | Path) -> dict[str, Any]:
        (found,) = [s for s in self.report["sources"] if s["source"] == str(source)]
        return dict(found)


# Starts a command in a child of its own and writes the child's peak memory (kB) to argv[1]. A process
# started straight from the test suite would report the suite's own size as its peak: Linux keeps the
# high-water mark of the memory a process had before exec, and a child of pytest starts as pytest.
PEAK_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def sitegen_import(tmp_path: Path, *sources: str | Path, limit: float = 30) -> Run:
    """Run the installed sitegen (one process, so its peak memory is the import's), killed after limit s."""
    report, peak = tmp_path / "report.json", tmp_path / "peak.txt"
    command = [str(SITEGEN), "--root", str(CASES_DIR), "import", *map(str, sources)]
    command += ["--content", str(tmp_path / "content"), "--report", str(report), "--jobs", "1"]
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    start = time.monotonic()
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", PEAK_LAUNCHER, str(peak), *command],
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        killer = threading.Timer(limit, os.killpg, (proc.pid, signal.SIGKILL))
        killer.start()
        returncode = proc.wait()
        killer.cancel()
    seconds = time.monotonic() - start
    assert seconds < limit, f"sitegen import {sources} still ran after {limit} s"
    errors = err.read_text(encoding="utf-8")
    assert "Traceback" not in errors, errors
    data = json.loads(report.read_text(encoding="utf-8"))
    peak_mb = int(peak.read_text(encoding="utf-8")) / 1024
    return Run(returncode, out.read_text(encoding="utf-8"), errors, seconds, peak_mb, data)


def posts_text(tmp_path: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "content").rglob("*.md")))


# A hostile web server.


class _Hostile(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up: as it should
            if self.path.startswith("/to/"):
                self._redirect(urllib.parse.unquote(self.path.removeprefix("/to/")))
            elif self.path == "/via-http":
                self._redirect("/to/file:///etc/passwd")
            elif self.path == "/story":
                self._answer(story("巡逻民警深夜护送迷路老人回家"))
            elif self.path == "/trickle":
                self._trickle_body()
            elif self.path == "/trickle-head":
                self._trickle(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>")
            elif self.path == "/endless":
                self._endless()

    def _redirect(self, target: str) -> None:
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle_body(self) -> None:
        """Headers at once, then a byte every 0.2 s: each read gets its byte in time. Gives up after
        8 s, so an import that is not stopped at its limit takes that long."""
        page = story("巡逻民警深夜护送迷路老人回家")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self._trickle(page[:40])

    def _trickle(self, data: bytes) -> None:
        for byte in data:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.2)

    def _endless(self) -> None:
        """A page that never ends and does not say how long it is (stops at 100 MB, so a test that
        fails does not run forever)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        chunk = "<p>民警巡逻</p>".encode() * 4000
        for _ in range(100 * 1024 * 1024 // len(chunk)):
            self.wfile.write(chunk)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


# Redirects.


def test_only_redirects_to_http_urls_are_followed(tmp_path: Path, server: str) -> None:
    urls = {
        "ftp": f"{server}/to/ftp://127.0.0.1/story.html",
        "file": f"{server}/to/file:///etc/passwd",
        "disguised": f"{server}/to/%20FiLe:///etc/passwd",
        "after an http hop": f"{server}/via-http",
        "http": f"{server}/to/{server}/story",
    }
    run = sitegen_import(tmp_path, *urls.values())
    assert run.code == 1
    assert run.outcome(urls["ftp"])["status"] == "failed"
    assert run.outcome(urls["ftp"])["message"] == (
        "redirected to ftp://127.0.0.1/story.html: only redirects to http(s) URLs are followed"
    )
    for name in ("file", "disguised", "after an http hop"):
        outcome = run.outcome(urls[name])
        assert outcome["status"] == "failed", name
        assert outcome["message"].lower().startswith("redirected to file:///etc/passwd"), name
    assert run.outcome(urls["http"])["status"] == "created"
    assert "root:" not in posts_text(tmp_path)
    assert f"failed    {urls['file']}: redirected to file:///etc/passwd" in run.out


# The time limit.


def test_a_trickling_server_is_stopped_at_the_time_limit(tmp_path: Path, server: str) -> None:
    start = time.monotonic()
    report = import_.run(CFG, [f"{server}/trickle"], tmp_path / "content", timeout=1.0)
    took = time.monotonic() - start
    assert 0.9 < took < 2.0
    (outcome,) = report.outcomes
    assert (outcome.status, outcome.message) == (
        "failed",
        "stopped after 1 s: the server took longer than the time limit",
    )


def test_headers_trickled_a_byte_at_a_time_are_stopped_at_the_time_limit(server: str) -> None:
    start = time.monotonic()
    with pytest.raises(SitegenError) as caught:
        fetch.fetch(f"{server}/trickle-head", timeout=1.0)
    assert 0.9 < time.monotonic() - start < 2.0
    assert caught.value.message == "no answer within 1 s"


# The size limit.


def test_a_response_that_never_ends_stops_at_the_size_limit(tmp_path: Path, server: str) -> None:
    run = sitegen_import(tmp_path, f"{server}/endless", f"{server}/story")
    assert run.code == 1
    assert run.outcome(f"{server}/endless")["message"] == "more than the 10 MB a source may be (--max-size)"
    assert run.outcome(f"{server}/story")["status"] == "created"
    assert run.peak_mb < 500  # an import takes about 150 MB; the whole stream was 100 MB


def test_dev_zero_and_a_proc_file_end_at_once_in_bounded_memory(tmp_path: Path) -> None:
    """/dev/zero is a device: never opened. /proc/self/pagemap says it is empty and holds gigabytes:
    read up to the size limit."""
    zero_link = tmp_path / "zero.html"
    zero_link.symlink_to("/dev/zero")  # a link named on the command line is followed, to what it is
    run = sitegen_import(tmp_path, "/dev/zero", zero_link, "/proc/self/pagemap")
    assert run.code == 1
    assert run.outcome("/dev/zero") == {
        "source": "/dev/zero",
        "status": "failed",
        "post": None,
        "message": "a character device, not a file: not opened",
        "review": [],
    }
    assert run.outcome(zero_link)["message"] == "a character device, not a file: not opened"
    assert run.outcome("/proc/self/pagemap")["message"] == "more than the 10 MB a source may be (--max-size)"
    assert run.seconds < 20
    assert run.peak_mb < 500
    assert "3 sources: 0 created, 0 unchanged, 0 duplicate, 0 conflict, 3 failed, 0 skipped" in run.out


# Files that are not files.


def test_fifos_and_sockets_are_skipped_never_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.html").write_bytes(story("巡逻民警深夜护送迷路老人回家"))
    os.mkfifo(folder / "pipe.html")
    named_pipe = tmp_path / "named.html"
    os.mkfifo(named_pipe)
    monkeypatch.chdir(folder)  # a socket's path must be short
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind("sock.html")
        listening.listen()
        run = sitegen_import(tmp_path, folder, named_pipe)
    assert run.code == 1  # the pipe named on the command line failed
    assert run.outcome(folder / "story.html")["status"] == "created"
    assert run.outcome(folder / "pipe.html")["status"] == "skipped"
    assert run.outcome(folder / "pipe.html")["message"] == "a named pipe (FIFO), not a file: not opened"
    assert run.outcome(folder / "sock.html")["message"] == "a socket, not a file: not opened"
    assert run.outcome(named_pipe)["status"] == "failed"
    assert f"skipped   {folder / 'pipe.html'}: a named pipe (FIFO), not a file: not opened" in run.out
    assert "4 sources: 1 created, 0 unchanged, 0 duplicate, 0 conflict, 1 failed, 2 skipped" in run.out


# Links.


def test_links_out_of_an_imported_folder_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "private" / "secret.html"
    secret.parent.mkdir()
    secret.write_bytes(story("不该被导入的文件", SECRET))
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "real.html").write_bytes(story("巡逻民警深夜护送迷路老人回家"))
    links = {
        "sub/leak.html": secret,
        "sub/passwd.txt": Path("/etc/passwd"),
        "up": Path(".."),
        "private": secret.parent,
        "gone.html": Path("nothing-here.html"),
        "inner.html": Path("real.html"),
        "self": Path("."),
    }
    for name, target in links.items():
        (folder / name).symlink_to(target)
    run = sitegen_import(tmp_path, folder)
    assert run.code == 0
    text = posts_text(tmp_path)
    assert SECRET not in text and "root:" not in text
    leak = run.outcome(folder / "sub" / "leak.html")
    assert (leak["status"], leak["message"]) == ("skipped", f"a link to {secret}, outside {folder}: not followed")
    assert run.outcome(folder / "sub" / "passwd.txt")["message"].startswith("a link to /etc/")
    assert run.outcome(folder / "up")["message"] == f"a link to {tmp_path}, outside {folder}: not followed"
    assert run.outcome(folder / "private")["message"] == f"a link to {secret.parent}, outside {folder}: not followed"
    assert "which does not exist" in run.outcome(folder / "gone.html")["message"]
    # Inside the folder: a file is imported through its link too (the same story, so once); a folder
    # is walked where it is.
    assert sorted(run.outcome(folder / n)["status"] for n in ("inner.html", "real.html")) == ["created", "unchanged"]
    assert run.outcome(folder / "self")["status"] == "skipped"
    assert f"skipped   {folder / 'sub' / 'leak.html'}: a link to {secret}, outside {folder}" in run.out
    assert f"skipped   {folder / 'self'}" not in run.out  # routine: counted, not listed


def test_a_link_named_on_the_command_line_is_followed(tmp_path: Path) -> None:
    secret = tmp_path / "private" / "secret.html"
    secret.parent.mkdir()
    secret.write_bytes(story("用户自己点名的文件", SECRET))
    named = tmp_path / "named.html"
    named.symlink_to(secret)
    report = import_.run(CFG, [named], tmp_path / "content")
    assert [o.status for o in report.outcomes] == ["created"]
    assert SECRET in posts_text(tmp_path)
