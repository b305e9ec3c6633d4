"""Shared test helpers: a loopback static server, an internal link checker, a site copy."""

from __future__ import annotations

import functools
import http.server
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Page

from sitegen.search import index as search_index
from sitegen.search.index import SearchDoc

REPO = Path(__file__).resolve().parent.parent
TEST_SITE = Path(__file__).resolve().parent / "site"
# DESIGN.md's five source documents: third parties' text, read where CI keeps them (beside the
# repository), never copied into it. A test case names a seed by the shape of its source.
SEEDS = REPO.parent / "shared" / "seeds"
SEED_CASES = {
    "hexo_zaker": "000",
    "pdf_jinggangshanbao": "001",
    "jekyll_mirror": "002",
    "portal_china_com": "003",
    "portal_minsheng": "004",
}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def seed(name: str) -> Path:
    """The seed file of a case name (SEED_CASES) or of a number, "000" to "004"."""
    return next(SEEDS.glob(f"{SEED_CASES.get(name, name)}_*.txt"))


def copy_site(src: Path, dest: Path) -> Path:
    """A writable copy of a site folder (links into themes/ resolved), so tests never build into the repo."""
    shutil.copytree(src, dest, symlinks=False)
    return dest


class _Handler(http.server.SimpleHTTPRequestHandler):
    prefix = "/"

    def translate_path(self, path: str) -> str:
        clean = urlsplit(path).path
        if not clean.startswith(self.prefix):
            return str(Path(self.directory) / "__outside_prefix__")
        return super().translate_path("/" + clean[len(self.prefix) :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        not_found = Path(self.directory) / "404.html"
        if code == 404 and not_found.exists():
            body = not_found.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(root: Path, prefix: str = "/") -> Iterator[str]:
    """Serve root at http://127.0.0.1:PORT{prefix}, as a static host would (404.html for misses)."""
    handler = type("Handler", (_Handler,), {"prefix": prefix})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


def broken_links(output: Path, base_path: str = "/") -> list[str]:
    """Every internal href/src in every HTML page must name a file in output/ ('page -> link' list)."""
    problems: list[str] = []
    for page in sorted(output.rglob("*.html")):
        rel = page.relative_to(output).as_posix()
        page_url = base_path + (rel.removesuffix("index.html"))
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag in soup.find_all(["a", "link", "script", "img", "form"]):
            target = tag.get("href") or tag.get("src") or tag.get("action")
            if not target or target.startswith(("#", "mailto:")):
                continue
            parts = urlsplit(urljoin("http://site.invalid" + page_url, target))
            if parts.netloc != "site.invalid":
                continue
            path = unquote(parts.path)
            if not path.startswith(base_path):
                problems.append(f"{rel} -> {target} (outside {base_path})")
                continue
            local = output / path[len(base_path) :]
            if path.endswith("/"):
                local = local / "index.html"
            if not local.is_file():
                problems.append(f"{rel} -> {target}")
    return problems


class Watch:
    """Console errors and every URL a page requests."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))

    def shards(self) -> set[str]:
        return {u.rsplit("/", 1)[1] for u in self.requests if "/search/shard-" in u}


def built(docs: list[SearchDoc]) -> dict[str, bytes]:
    """search_index.build() output: site path -> bytes."""
    return {file.path: file.data for file in search_index.build(docs) if file.data is not None}


def small_blocks(patch: pytest.MonkeyPatch) -> None:
    """Builds made under patch cut every key's postings into external blocks of a doc or so: frequent keys have many."""
    patch.setattr(search_index, "BATCH_DOCS", 1)
    patch.setattr(search_index, "BLOCK_BYTES", 8)
    patch.setattr(search_index, "INLINE_BYTES", 16)


def settled(page: Any) -> str:
    """Wait until the search in flight is done; its status text."""
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-status').textContent;"
        " return s !== '' && !s.startsWith('正在搜索'); }"
    )
    return page.locator("#search-status").inner_text()


def ctrl_c_default() -> None:
    """For subprocess.Popen(preexec_fn=...): Ctrl-C acts on the child as in a terminal, even when the suite
    itself was started with SIGINT ignored (a shell's background job), which the child would inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
