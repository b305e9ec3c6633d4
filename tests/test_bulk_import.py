"""sitegen import in bulk: folders, URLs and WARC files in one run, copies of one story as one post,
bad items named while the rest go on, Ctrl-C and resume, the JSON report, previews.

Every URL is served by a server on 127.0.0.1 started by the test.
"""

from __future__ import annotations

import contextlib
import html
import http.server
import io
import itertools
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import SEED_CASES, ctrl_c_default, seed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from sitegen import __version__, cli, config, dedupe, fetch, frontmatter
from sitegen.commands import import_
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.importers.convert import as_declared, convert, fingerprint


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


REPO = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).resolve().parent / "fixtures" / "import"
CFG = config.load(CASES_DIR)
SEEDS = tuple(SEED_CASES)


def posts(content: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(content.rglob("*.md"))}


def metas(content: Path) -> list[frontmatter.Meta]:
    return [frontmatter.read(text, path)[0] for path, text in posts(content).items()]


def statuses(report: import_.ImportReport) -> list[str]:
    return [o.status for o in report.outcomes]


# Pages built from the seeds.


def page(title: str, paragraphs: list[str], info: str = "", site: str = "吉安新闻网") -> str:
    """A news page as a city portal serves it: navigation, by-line, story, related links, footer."""
    story = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}_{site}</title></head><body>"
        f"<div class='nav'><a href='/'>首页</a> <a href='/news/'>本地新闻</a> <a href='/gov/'>政务公开</a></div>"
        f"<div class='location'>当前位置：<a href='/'>首页</a> &gt; 本地新闻</div>"
        f"<div class='article'><h1>{title}</h1><div class='info'>{info}</div>{story}</div>"
        "<div class='related'><h3>相关新闻</h3><ul><li><a href='/n/1.html'>我市召开平安建设推进会</a></li>"
        "<li><a href='/n/2.html'>暑期防溺水宣传进社区</a></li></ul></div>"
        f"<div class='footer'>{site}版权所有 赣ICP备12345678号 联系电话：0796-8888888</div></body></html>"
    )


def zaker_paragraphs() -> list[str]:
    """The story paragraphs of seed 000 (a Xinhua story as ZAKER carried it)."""
    body = seed("hexo_zaker").read_text(encoding="utf-8").split("---", 2)[2]
    pieces = (re.sub(r"<[^>]+>", "", p).strip() for p in re.split(r"</?p>|<div[^>]*>|</div>", body))
    return [p for p in pieces if len(p) > 20 and "纠错" not in p and "责任编辑" not in p]


def zaker_on_city_portal() -> bytes:
    """Seed 000's story on a city portal: other furniture, other title suffix, the credit as text."""
    title = "井冈山茨坪派出所：勇当守护平安的红色哨兵"
    return page(title, zaker_paragraphs(), "2022-05-29 12:15 来源：新华社").encode("utf-8")


def zaker_on_minsheng() -> bytes:
    """Seed 000's story copied as text out of a republishing portal, spacing and punctuation changed."""
    lines = ["欢迎访问民生内参!", "当前所在:首页 > 平安建设", "", "井冈山茨坪派出所：勇当守护平安的红色哨兵", ""]
    lines += ["来源:新华社 作者:佚名时间:2022-05-30", ""]
    lines += ["  " + p.replace("，", ",").replace(" ", "") for p in zaker_paragraphs()]
    lines += ["", "免责声明:本站转载的内容仅供参考。"]
    return "\n".join(lines).encode("utf-8")


def minsheng_cut_and_edited() -> bytes:
    """Seed 004's story on another site: the last third cut off and a few words changed."""
    lines = seed("portal_minsheng").read_text(encoding="utf-8").splitlines()
    story = [line for line in lines if line.startswith("  ") and line.strip()]
    kept = [s.replace("近年来", "近几年来").replace("不寻常", "不一般") for s in story[: len(story) * 2 // 3]]
    head = ["江西法制网", "首页 > 平安建设", "", "遂川公安创新机制筑牢社会治理第一道防线", ""]
    return "\n".join([*head, "发布时间：2022-08-19 来源：江西政法网", "", *kept, "", "版权所有 江西法制网"]).encode()


def seed_sentences() -> list[str]:
    """Every sentence of the five seed stories, for making stories that are not copies of each other."""
    text = "".join(convert(seed(c).read_bytes(), seed(c), CFG, set()).body for c in SEEDS)
    found = re.findall(r"[^。！？\n]{12,}[。！？]", re.sub(r"!\[[^\]]*\]\([^)]*\)|[#*]", "", text))
    return sorted(set(found))


def story_pages(n: int, shared: tuple[str, ...] = ()) -> list[bytes]:
    """n different stories from one site: sentences drawn from the seeds, numbered headlines,
    the same furniture (and the shared sentences) on every page."""
    pool = seed_sentences()
    pages = []
    for i in range(n):
        rng = random.Random(i)
        picked = rng.sample(pool, 8)
        paragraphs = ["".join(picked[j : j + 2]) for j in range(0, 8, 2)] + list(shared)
        title = f"平安建设第{i + 1}期：{picked[0][:12]}"
        pages.append(page(title, paragraphs, f"2023-03-{i % 28 + 1:02d} 09:00 来源：吉安新闻网").encode("utf-8"))
    return pages


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# A loopback web server.


class _Site(http.server.BaseHTTPRequestHandler):
    pages: dict[str, tuple[bytes, str]] = {}
    agents: list[str] = []

    def do_GET(self) -> None:
        self.agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/loop":
            self._send(302, b"", "text/html", {"Location": "/loop"})
        elif self.path == "/moved":
            self._send(301, b"", "text/html", {"Location": "/story/0"})
        elif self.path == "/huge-declared":
            self._send(200, b"<html>", "text/html", {"Content-Length": str(50 * 1024 * 1024)})
        elif self.path == "/huge-streamed":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>" + "长".encode() * 20_000 + b"</p>"
            for _ in range(fetch.MAX_BYTES // len(chunk) + 2):
                self.wfile.write(chunk)
        elif self.path in self.pages:
            data, content_type = self.pages[self.path]
            self._send(200, data, content_type)
        else:
            self._send(404, b"<html><body>not here</body></html>", "text/html")

    def _send(self, code: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up: as it should
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, type[_Site]]]:
    stories = story_pages(2)
    # GBK bytes in a page whose own <meta> says utf-8; only the HTTP header tells the truth.
    gbk = page("吉安市民警王喆勇救落水儿童", ["7月15日下午，吉安市民警王喆跳入赣江，救起一名落水儿童。"] * 3)
    handler = type(
        "Site",
        (_Site,),
        {
            "pages": {
                "/story/0": (stories[0], "text/html"),
                "/story/1": (stories[1], "text/html"),
                "/gbk": (gbk.encode("gbk"), "text/html; charset=gbk"),
            },
            "agents": [],
        },
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Sources.


def test_folders_urls_and_warc_files_in_one_run(tmp_path: Path, site: tuple[str, type[_Site]]) -> None:
    base, _ = site
    stories = story_pages(6)  # the server has 0 and 1
    folder = tmp_path / "in"
    write(folder / "b" / "deeper" / "two.html", stories[3])
    write(folder / "a.html", stories[2])
    write(folder / "b" / "minsheng.txt", seed("portal_minsheng").read_bytes())
    write(folder / "b" / "photo.jpg", b"\xff\xd8\xff\xe0" + bytes(100))
    write(folder / ".draft.html", stories[4])
    warc = make_warc(tmp_path / "crawl.warc.gz", [("https://news.example/5.html", stories[5])])
    sources = [str(folder), f"{base}/story/0", str(warc)]
    report = import_.run(CFG, sources, tmp_path / "content", jobs=2)
    labels = [o.source for o in report.outcomes]
    assert labels == [
        str(folder / ".draft.html"),
        str(folder / "a.html"),
        str(folder / "b" / "deeper" / "two.html"),
        str(folder / "b" / "minsheng.txt"),
        str(folder / "b" / "photo.jpg"),
        f"{base}/story/0",
        f"{warc}#https://news.example/5.html",
        str(warc),  # its picture
    ]
    assert statuses(report) == ["skipped", "created", "created", "created", "skipped", "created", "created", "skipped"]
    assert report.totals()["skipped"] == 3 and report.failed == 0
    assert report.outcomes[4].message == "a picture that no post imported in this run shows: not copied"
    assert len(posts(tmp_path / "content")) == 5


def test_url_page_gets_its_address_as_source_url(tmp_path: Path, site: tuple[str, type[_Site]]) -> None:
    base, handler = site
    report = import_.run(CFG, [f"{base}/moved"], tmp_path / "content")
    assert statuses(report) == ["created"]
    (meta,) = metas(tmp_path / "content")
    assert meta.source_url == f"{base}/story/0"  # where the redirect led
    assert handler.agents[-1] == f"sitegen/{__version__} (+news archive importer)"


def test_charset_from_the_http_header_wins_over_a_wrong_meta(site: tuple[str, type[_Site]]) -> None:
    base, _ = site
    got = fetch.fetch(f"{base}/gbk")
    assert got.charset == "gbk"
    result = convert(got.data, Path("gbk"), CFG, set(), charset=got.charset)
    assert result.meta.title == "吉安市民警王喆勇救落水儿童"
    assert "王喆跳入赣江" in result.body


def test_header_charset_is_used_only_where_it_fits_the_bytes() -> None:
    text = "<p>民警王喆跳入赣江。</p>"
    assert as_declared(text.encode("gbk"), "gbk") == text.encode("utf-8")
    assert as_declared(text.encode("gbk"), "gb2312") == text.encode("utf-8")  # 喆 is only in GBK: read as GB18030
    assert as_declared(text.encode("utf-8"), "gbk") == text.encode("utf-8")  # valid UTF-8 stays UTF-8
    assert as_declared(text.encode("gbk"), "iso-8859-1") == text.encode("gbk")  # a server default says nothing
    assert as_declared(text.encode("gbk"), "no-such-charset") == text.encode("gbk")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/nothing", "HTTP 404 Not Found"),
        ("/loop", "more than 5 redirects (a redirect loop?)"),
        ("/huge-declared", "52.4 MB, more than the 10 MB a source may be (--max-size)"),
        ("/huge-streamed", "more than the 10 MB a source may be (--max-size)"),
        ("/slow", "no answer within 0.5 s"),
    ],
)
def test_fetch_failures_say_what_happened(site: tuple[str, type[_Site]], path: str, message: str) -> None:
    base, _ = site
    with pytest.raises(SitegenError) as caught:
        fetch.fetch(base + path, timeout=0.5)
    assert caught.value.message == message


def test_unreachable_url_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/story.html"
    good = seed("portal_minsheng")
    report = import_.run(CFG, [url, str(good), "ftp://example.org/a.html"], tmp_path / "content", timeout=2)
    assert statuses(report) == ["failed", "created", "failed"]
    assert report.outcomes[0].message == "cannot connect: connection refused"
    assert "only http and https" in report.outcomes[2].message


def make_warc(path: Path, pages: list[tuple[str, bytes]]) -> Path:
    """A gzipped WARC as a crawler writes it: HTML responses, and a picture between them."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        records = [(url, data, "text/html; charset=utf-8") for url, data in pages]
        records.insert(1, ("https://news.example/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"))
        for url, data, content_type in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(data), http_headers=headers)
            )
    return path


def test_warc_file_pages_become_posts(tmp_path: Path) -> None:
    stories = story_pages(2)
    warc = make_warc(
        tmp_path / "crawl.warc.gz", [("https://a.example/1", stories[0]), ("https://a.example/2", stories[1])]
    )
    report = import_.run(CFG, [str(warc)], tmp_path / "content", jobs=1)
    assert [o.source for o in report.outcomes] == [
        f"{warc}#https://a.example/1",
        f"{warc}#https://a.example/2",
        str(warc),
    ]
    assert statuses(report) == ["created", "created", "skipped"]
    assert report.outcomes[2].message == "1 record not HTML pages"
    assert sorted(m.source_url or "" for m in metas(tmp_path / "content")) == [
        "https://a.example/1",
        "https://a.example/2",
    ]


# Bad input.


def test_bad_items_get_a_message_and_the_rest_go_on(tmp_path: Path) -> None:
    huge = tmp_path / "huge.html"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    broken = "<html><body><div><table><tr><td><p>茨坪派出所民警在景区巡逻，为游客指路。<p><b>民警还调解了一起纠纷。</td></html"
    sources = [
        huge,
        write(tmp_path / "binary.dat", bytes(range(256)) * 40),
        write(tmp_path / "empty.html", b""),
        write(tmp_path / "blank.html", b"<html><head><title>x</title></head><body></body></html>"),
        write(tmp_path / "broken.html", broken.encode("utf-8")),
        seed("portal_minsheng"),
    ]
    report = import_.run(CFG, sources, tmp_path / "content")
    by_name = {Path(o.source).name: o for o in report.outcomes}
    assert by_name["huge.html"].message == "52.4 MB, more than the 10 MB a source may be (--max-size)"
    assert by_name["binary.dat"].message.startswith("binary file")
    assert by_name["empty.html"].message.startswith("empty file")
    assert by_name["blank.html"].message == "no story text found in this HTML page"
    assert by_name["broken.html"].status == "created"
    assert by_name[seed("portal_minsheng").name].status == "created"
    assert report.failed == 4


def test_page_whose_declared_charset_is_wrong_still_imports(tmp_path: Path) -> None:
    wrong = page(
        "吉安市民警王喆勇救落水儿童",
        ["7月15日下午，吉安市民警王喆跳入赣江，救起一名落水儿童，民警说这是应该做的。"] * 3,
    )
    source = write(tmp_path / "declared-utf8-is-gbk.html", wrong.encode("gbk"))
    report = import_.run(CFG, [source], tmp_path / "content")
    assert statuses(report) == ["created"]
    assert metas(tmp_path / "content")[0].title == "吉安市民警王喆勇救落水儿童"


def test_exit_status_says_whether_anything_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = str(seed("portal_minsheng"))
    root = ["--root", str(CASES_DIR)]
    assert cli.main([*root, "import", good, "--content", str(tmp_path / "c")]) == 0
    assert cli.main([*root, "import", good, str(tmp_path / "missing.html"), "--content", str(tmp_path / "c")]) == 1
    out = capsys.readouterr().out
    assert f"failed    {tmp_path / 'missing.html'}: no such file or folder" in out
    assert "2 sources: 0 created, 1 unchanged, 0 duplicate, 0 conflict, 1 failed, 0 skipped" in out


# One story from several sites.


def test_copies_of_one_story_become_one_post(tmp_path: Path) -> None:
    variants = tmp_path / "variants"
    sources = [
        seed("hexo_zaker"),
        *(seed(case) for case in SEEDS[1:]),
        write(variants / "city-portal.html", zaker_on_city_portal()),
        write(variants / "minsheng.txt", zaker_on_minsheng()),
        write(variants / "fazhi-cut.txt", minsheng_cut_and_edited()),
    ]
    content = tmp_path / "content"
    report = import_.run(CFG, sources, content, jobs=2)
    assert statuses(report) == ["created"] * 5 + ["duplicate"] * 3
    by_title = {m.title: m for m in metas(content)}
    assert len(by_title) == 5  # the five seeds are five stories
    zaker = by_title["井冈山茨坪派出所：勇当守护平安的红色哨兵"]
    assert [c.source for c in zaker.copies] == ["新华社", "新华社"]
    assert [c.via for c in zaker.copies] == [None, "民生内参"]
    minsheng = by_title["遂川公安创新机制筑牢社会治理第一道防线"]
    assert len(minsheng.copies) == 1 and minsheng.copies[0].fingerprint == fingerprint(sources[-1].read_bytes())
    before = posts(content)
    again = import_.run(CFG, sources, content)
    assert statuses(again) == ["unchanged"] * 8 and posts(content) == before


def test_copy_arriving_later_is_recorded_in_the_existing_post(tmp_path: Path) -> None:
    content = tmp_path / "content"
    import_.run(CFG, [seed("hexo_zaker")], content)
    copy = write(tmp_path / "city-portal.html", zaker_on_city_portal())
    report = import_.run(CFG, [copy], content)
    assert statuses(report) == ["duplicate"]
    (meta,) = metas(content)
    assert meta.copies == (frontmatter.Copy(source="新华社", fingerprint=fingerprint(copy.read_bytes())),)


def test_copy_of_an_edited_post_is_a_conflict_and_the_post_is_left_alone(tmp_path: Path) -> None:
    content = tmp_path / "content"
    import_.run(CFG, [seed("hexo_zaker")], content)
    (post,) = posts(content)
    edited = post.read_text(encoding="utf-8").replace("红色哨兵", "红色哨兵（编辑部整理）", 1)
    post.write_text(edited, encoding="utf-8")
    report = import_.run(CFG, [write(tmp_path / "city-portal.html", zaker_on_city_portal())], content)
    assert statuses(report) == ["conflict"]
    assert "changed by hand" in report.outcomes[0].message
    assert posts(content) == {post: edited}


def test_different_stories_from_one_site_are_not_merged(tmp_path: Path) -> None:
    boilerplate = ("下一步，公安机关将持续深化平安建设，切实维护社会大局稳定，不断提升人民群众的安全感和满意度。",)
    pages = [write(tmp_path / f"{i}.html", data) for i, data in enumerate(story_pages(12, boilerplate))]
    report = import_.run(CFG, pages, tmp_path / "content", jobs=2)
    assert statuses(report) == ["created"] * 12


def test_sharing_half_the_sentences_is_another_story_and_all_but_one_paragraph_a_copy(tmp_path: Path) -> None:
    pool = seed_sentences()
    paragraphs = ["".join(pool[i : i + 3]) for i in range(0, 36, 3)]  # 12 paragraphs, 36 sentences
    original = page("茨坪派出所守护平安", paragraphs)
    other = page("遂川县推行网格村警", paragraphs[:6] + ["".join(pool[i : i + 3]) for i in range(40, 58, 3)])
    edited = page("茨坪派出所守护平安（转载）", paragraphs[:5] + ["".join(pool[60:63])] + paragraphs[6:])
    sources = [
        write(tmp_path / f"{name}.html", data.encode()) for name, data in [("a", original), ("b", other), ("c", edited)]
    ]
    report = import_.run(CFG, sources, tmp_path / "content")
    assert statuses(report) == ["created", "created", "duplicate"]


def test_containment_separates_copies_from_different_stories() -> None:
    """The margin the threshold sits in: copies of a seed score high, different seeds low."""
    seeds = {c: dedupe.shingles(convert(seed(c).read_bytes(), seed(c), CFG, set()).body) for c in SEEDS}
    unrelated = max(dedupe.containment(a, b) for a, b in itertools.combinations(seeds.values(), 2))
    copies = [
        (seeds["hexo_zaker"], zaker_on_city_portal()),
        (seeds["hexo_zaker"], zaker_on_minsheng()),
        (seeds["portal_minsheng"], minsheng_cut_and_edited()),
    ]
    scores = [dedupe.containment(a, dedupe.shingles(convert(b, Path("v"), CFG, set()).body)) for a, b in copies]
    assert unrelated < 0.2 < dedupe.CONTAINMENT < 0.9 < min(scores)


# Resuming.


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda pid: os.killpg(pid, signal.SIGINT), id="Ctrl-C to the whole process group"),
        pytest.param(lambda pid: os.kill(pid, signal.SIGTERM), id="SIGTERM to the program"),
    ],
)
def test_interrupted_run_finishes_on_the_second_run(tmp_path: Path, stop: Callable[[int], None]) -> None:
    folder = tmp_path / "pages"
    for i, data in enumerate(story_pages(60)):
        write(folder / f"{i:03d}.html", data)
    content = tmp_path / "content"
    command = [sys.executable, "-m", "sitegen", "--root", str(CASES_DIR), "import", str(folder)]
    command += ["--content", str(content), "--jobs", "2", "--report", str(tmp_path / "report.json")]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=ctrl_c_default,
    )
    deadline = time.monotonic() + 60
    while len(list(content.rglob("*.md"))) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    stop(proc.pid)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert "Traceback" not in err.decode()
    first = len(posts(content))
    assert 3 <= first < 60
    assert f"interrupted: {first} of 60 sources done, nothing half-written; run the same command again" in err.decode()
    partial = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert partial["complete"] is False and partial["totals"]["created"] == first
    assert not list(tmp_path.rglob("*.tmp"))
    report = import_.run(CFG, [folder], content, jobs=2)
    assert statuses(report).count("unchanged") == first
    assert statuses(report).count("created") == 60 - first
    prints = [m.fingerprint for m in metas(content)]
    assert len(prints) == 60 and len(set(prints)) == 60
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_large_archive_is_scanned_in_parallel_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    import_.run(CFG, [seed(case) for case in SEEDS], content)
    alone = import_.scan(content, workers=1)
    monkeypatch.setattr(import_, "SCAN_IN_PARALLEL", 2)
    shared = import_.scan(content, workers=2)
    assert (shared.slugs, shared.by_fingerprint, shared.current, shared.written) == (
        alone.slugs,
        alone.by_fingerprint,
        alone.current,
        alone.written,
    )
    (post,) = [p for p in alone.current if "sui-chuan" in p.name]
    sketch = dedupe.sketch(dedupe.shingles(frontmatter.read(post.read_text(encoding="utf-8"), post)[1]))
    assert shared.index.candidates(sketch) == alone.index.candidates(sketch) == [post]


# The report and previews.


def test_json_report(tmp_path: Path) -> None:
    report_file = tmp_path / "out" / "report.json"
    missing = tmp_path / "missing.html"
    pdf = seed("pdf_jinggangshanbao")
    code = cli.main(
        [
            "--root",
            str(CASES_DIR),
            "import",
            str(pdf),
            str(missing),
            "--content",
            str(tmp_path / "c"),
            "--report",
            str(report_file),
        ]
    )
    assert code == 1
    data = json.loads(report_file.read_text(encoding="utf-8"))
    post = next((tmp_path / "c").rglob("*.md"))
    assert data == {
        "sources": [
            {
                "source": str(pdf),
                "status": "created",
                "post": str(post),
                "message": f"PDF text -> {post}; to check: date",
                "review": ["date"],
            },
            {
                "source": str(missing),
                "status": "failed",
                "post": None,
                "message": "no such file or folder",
                "review": [],
            },
        ],
        "totals": {
            "created": 1,
            "unchanged": 0,
            "duplicate": 0,
            "page": 0,
            "conflict": 0,
            "failed": 1,
            "skipped": 0,
            "needs_review": 1,
            "copied": 0,
            "text_missing": 0,
        },
        "complete": True,
    }


def test_preview_to_file_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = ["--root", str(CASES_DIR)]
    one = tmp_path / "one.md"
    assert cli.main([*root, "import", str(seed("portal_minsheng")), "--to", str(one)]) == 0
    assert frontmatter.read(one.read_text(encoding="utf-8"), one)[0].title == "遂川公安创新机制筑牢社会治理第一道防线"
    listing = tmp_path / "list.tsv"
    outs = [tmp_path / "out" / f"{case}.md" for case in SEEDS]
    missing = tmp_path / "missing.html"
    lines = [f"{seed(case)}\t{out}" for case, out in zip(SEEDS, outs, strict=True)]
    listing.write_text("\n".join([*lines, f"{missing}\t{tmp_path / 'out' / 'missing.md'}", ""]), encoding="utf-8")
    assert cli.main([*root, "import", "--list", str(listing), "--jobs", "2"]) == 1
    assert all(out.is_file() for out in outs) and not (tmp_path / "out" / "missing.md").exists()
    assert (
        "6 sources: 5 created (1 needs review), 0 unchanged, 0 duplicate, 0 conflict, 1 failed"
        in capsys.readouterr().out
    )
    assert not (tmp_path / "content").exists()


def test_preview_of_a_blogs_page_says_it_is_no_post(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "about.md"
    page.write_text("---\ntitle: 关于\nlayout: page\n---\n\n关于本站。\n", encoding="utf-8")
    out = tmp_path / "about-preview.md"
    assert cli.main(["--root", str(CASES_DIR), "import", str(page), "--to", str(out)]) == 0
    assert not out.exists()
    assert "a page of the blog (about, archives, tags ...), not a post" in capsys.readouterr().out


def test_preview_list_with_a_bad_line_names_it(tmp_path: Path) -> None:
    listing = tmp_path / "list.tsv"
    listing.write_text("a.html\ta.md\nb.html b.md\n", encoding="utf-8")
    with pytest.raises(SitegenErrors) as caught:
        import_.preview_pairs([], None, listing)
    assert str(caught.value) == f"{listing}:2: expected 'source<TAB>output file'"


# The copies field.


def test_copies_read_back_and_bad_ones_name_their_line() -> None:
    meta = frontmatter.Meta(
        title="标题", fingerprint="sha256:1", copies=(frontmatter.Copy(via="ZAKER", source_url="https://z.example/1"),)
    )
    text = frontmatter.dump(meta, "正文。")
    assert "copies:\n- via: ZAKER\n  source_url: https://z.example/1\n" in text
    assert frontmatter.read(text, Path("a.md"))[0] == meta
    with pytest.raises(SitegenErrors) as caught:
        frontmatter.read("---\ntitle: 标题\ncopies:\n- site: ZAKER\n---\n正文。\n", Path("a.md"))
    assert str(caught.value).startswith("a.md:3: 'copies' entries may have source, via, source_url")


# Multi-page articles.

HTML_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "html"


def test_pages_of_one_article_become_one_post_and_are_known_next_time(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in ("page1.html", "page2.html", "story.html"):
        (folder / name).write_bytes((HTML_FIXTURES / name).read_bytes())
    content = tmp_path / "content"
    report = import_.run(CFG, [str(folder)], content, jobs=1)
    assert statuses(report) == ["created", "page", "created"]
    joined = next(m for m in metas(content) if m.source_url == "https://police.example.cn/story/88.html")
    assert joined.title == "社区民警老周的一天"
    assert [c.source_url for c in joined.copies] == ["https://police.example.cn/story/88_2.html"]
    first, second = (HTML_FIXTURES / f"page{n}.html" for n in (1, 2))
    body = next(text for text in posts(content).values() if "88.html" in text)
    first_text = convert(first.read_bytes(), first, CFG, set()).body.split("\n\n")[0]
    last_text = convert(second.read_bytes(), second, CFG, set()).body.split("\n\n")[-1]
    assert first_text in body and last_text in body and body.index(first_text) < body.index(last_text)
    again = import_.run(CFG, [str(folder)], content, jobs=1)
    assert statuses(again) == ["unchanged", "unchanged", "unchanged"]
    assert len(posts(content)) == 2
