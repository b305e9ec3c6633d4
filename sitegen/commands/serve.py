"""sitegen serve: build, serve on loopback, rebuild on every change, reload the open pages.

The preview is built into a temporary folder (output/ is left alone, so a preview with drafts
is never published by mistake). A build that fails, for any reason, keeps the last good site on
screen with the error over it, and in the terminal; the watcher keeps going and the next good
build clears it. Only requests naming this server on loopback in their Host header are answered,
so a web page elsewhere cannot read the preview through a name it controls (DNS rebinding).
"""

from __future__ import annotations

import html
import http.server
import io
import os
import re
import shutil
import sys
import tempfile
import threading
import traceback
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import watchfiles

from sitegen import config, content, messages, pipeline
from sitegen.config import Config
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import CHINA

EVENTS = "/__sitegen/events"
# Reloads the page when the server says a new build (or a new error) is there.
RELOAD_SCRIPT = """<script>
(() => {{
  const seen = {generation};
  const events = new EventSource("{events}");
  events.onmessage = (e) => {{ if (Number(e.data) !== seen) location.reload(); }};
}})();
</script>"""
ERROR_BOX = (
    '<div id="sitegen-error" role="alert" style="position:fixed;inset:0 0 auto 0;z-index:99999;'
    "background:#fff0f0;color:#82071e;border-bottom:3px solid #82071e;padding:1rem;font:14px/1.6 monospace;"
    'white-space:pre-wrap;max-height:60vh;overflow:auto">{heading}\n{message}</div>'
)
# The watcher reports a spell without changes this long (ms); the first report means it is watching.
QUIET_MS = 100
# Set to 1 to see the traceback of an unexpected error in a rebuild (for a bug report).
DEBUG_VARIABLE = "SITEGEN_DEBUG"
# The names a browser on this machine uses for the server; the address it is bound to is added.
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
HOST_HEADER = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d+))?")
BYTE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")  # one range of a Range header: first-last, first-, or -suffix


class Preview:
    """The state shared by the watcher and the request handlers: where the site is, and the last error."""

    def __init__(self, root: Path, content_dir: Path | None, drafts: bool) -> None:
        self.root = root
        self.content_override = content_dir
        self.drafts = drafts
        self.site_dir = Path(tempfile.mkdtemp(prefix="sitegen-serve-")) / "site"
        self.generation = 0
        self.error: str | None = None
        self.changed = threading.Condition()
        self.base_url = "/"
        self.address = ("127.0.0.1", 0)  # where the server listens, once it does

    def rebuild(self) -> None:
        """Build once; on failure keep the old site and remember the message for the page."""
        started = datetime.now()
        try:
            cfg = replace(config.load(self.root), base_url=self.base_url)
            messages.use(cfg.messages_language)
            content_dir = self.content_override or cfg.root / cfg.content_dir
            report = pipeline.build(cfg, content_dir, self.site_dir, drafts=self.drafts, now=datetime.now(CHINA))
            error = None
            print(f"{started:%H:%M:%S} {messages.translated(report.summary())}", flush=True)
        except (SitegenError, SitegenErrors) as err:
            error = messages.error_text(err)
        except Exception as err:  # a bug or a failing disk: shown like a user error, never the end of serve
            error = messages.translated(unexpected(err))
            if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
                traceback.print_exc()
        if error is not None:
            print(f"{started:%H:%M:%S} {messages.label(messages.ERROR)}{error}", file=sys.stderr, flush=True)
        with self.changed:
            self.error = error
            self.generation += 1
            self.changed.notify_all()

    def watched(self) -> list[Path]:
        cfg_path = self.root / config.CONFIG_NAME
        paths = [self.content_override or self.root / "content", self.root / "themes", self.root / "static"]
        return [p for p in [*paths, cfg_path] if p.exists()]

    def watch(self, stop: threading.Event, ready: threading.Event) -> None:
        """Rebuild after every change until stop; a watcher that fails (a folder removed as it starts) starts again.

        ready is set once the folders are watched (the first quiet spell is reported only then),
        so an edit made after `serving` is printed is never missed.
        """
        while not stop.is_set():
            try:
                for changes in watchfiles.watch(
                    *self.watched(),
                    stop_event=stop,
                    debounce=200,
                    step=50,
                    rust_timeout=QUIET_MS,
                    yield_on_timeout=True,
                    raise_interrupt=False,
                ):
                    ready.set()
                    if changes:
                        self.rebuild()
            except Exception as err:
                said = messages.translated(f"watching stopped: {one_line(err)}; retrying")
                print(f"{datetime.now():%H:%M:%S} {messages.label(messages.ERROR)}{said}", file=sys.stderr, flush=True)
                ready.set()
                stop.wait(1)

    def close(self) -> None:
        shutil.rmtree(self.site_dir.parent, ignore_errors=True)


def one_line(err: BaseException, limit: int = 300) -> str:
    """An exception's message on one terminal line, cut short if huge."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unexpected(err: Exception) -> str:
    """The one line for an error sitegen did not foresee (a bug, a failing disk): what, and how to see more."""
    return f"unexpected {type(err).__name__}: {one_line(err)} (set {DEBUG_VARIABLE}=1 to see the traceback)"


def host_allowed(values: list[str], bound: tuple[str, int]) -> bool:
    """Whether the request's one Host header names this server on loopback, with its port or none.

    A page from another site that points a name it controls at 127.0.0.1 (DNS rebinding) sends
    that name here; refusing it keeps the preview (drafts, file paths in errors) to this machine.
    """
    if len(values) != 1 or not (match := HOST_HEADER.fullmatch(values[0].strip().lower())):
        return False
    address, port = bound[0].lower(), str(bound[1])
    names = LOOPBACK_NAMES | {f"[{address}]" if ":" in address else address}
    return match.group(1) in names and match.group(2) in (None, port)


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The bytes [start, end) of a file of size bytes that a Range header asks for; None when the header is to
    be ignored (another unit, several ranges, a range written wrong: the whole file is sent, as RFC 9110
    allows); an empty range when the file holds none of the bytes asked for (416)."""
    match = BYTE_RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":  # the last bytes
        return max(size - int(last), 0), size
    start = int(first)
    if last != "" and int(last) < start:
        return None
    return (start, size if last == "" else min(int(last) + 1, size)) if start < size else (size, size)


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files from the preview folder; HTML gets the reload script and, after a failed build, the error.

    HTTP/1.1 with keep-alive, as static hosts speak: a search fetches a score of small files, and a connection
    (and a thread) for each would cost more than the files. Every answer says its length, but the reload
    events, whose stream ends when the connection closes.
    """

    preview: Preview
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: the body must not wait for an ACK
    timeout = 60  # seconds an idle kept-alive connection holds its thread

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(self.preview.site_dir), **kwargs)

    def parse_request(self) -> bool:
        """Answer only origin-form requests whose Host names this server (see host_allowed)."""
        if not super().parse_request():
            return False
        if not self.path.startswith("/"):  # a full URL as target would name a host of its own
            self.refuse(400, "sitegen serve: the request target must be a path")
            return False
        if not host_allowed(self.headers.get_all("Host") or [], self.preview.address):
            self.refuse(421, "sitegen serve answers only for localhost, 127.0.0.1 and [::1] on its port")
            return False
        return True

    def refuse(self, status: int, text: str) -> None:
        """A short plain-text answer that holds nothing of the site, then the connection closes."""
        body = (messages.translated(text) + "\n").encode("utf-8")
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """No folder listings (HEAD of a folder without index.html would build one)."""
        self.send_error(404)
        return None

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS:
            return self.events()
        target = Path(self.translate_path(path))
        if target.is_dir():
            if not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            target = target / "index.html"
        if target.suffix == ".html" or not target.exists():
            return self.page(target)
        return super().do_GET()

    def send_head(self) -> Any:
        """A file, or the bytes of it that a Range request asks for (206; 416 when it holds none of them), as static
        hosts answer: the search page fetches parts of the index's files that way."""
        asked = self.headers.get("Range")
        target = Path(self.translate_path(urlsplit(self.path).path))
        if asked is None or not target.is_file():
            return super().send_head()
        size = target.stat().st_size
        span = byte_range(asked, size)
        if span is None:
            return super().send_head()
        start, end = span
        if start >= end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        with target.open("rb") as file:
            file.seek(start)
            data = file.read(end - start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(target)))
        self.send_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)

    def page(self, target: Path) -> None:
        status = 200
        if not target.is_file():
            status, target = 404, self.preview.site_dir / "404.html"
        text = target.read_text(encoding="utf-8") if target.is_file() else "<!doctype html><title>404</title>"
        with self.preview.changed:
            generation, error = self.preview.generation, self.preview.error
        extra = RELOAD_SCRIPT.format(generation=generation, events=EVENTS)
        if error:
            heading = messages.translated("the build failed; this is the last good build:")
            extra = ERROR_BOX.format(heading=html.escape(heading), message=html.escape(error)) + extra
        body = (text.replace("</body>", extra + "</body>") if "</body>" in text else text + extra).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def events(self) -> None:
        """Server-sent events: the build generation now, then again after every rebuild."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        last = -1

        def moved_on() -> bool:
            return self.preview.generation != last

        try:
            while not self.server_stopping():
                with self.preview.changed:
                    self.preview.changed.wait_for(moved_on, timeout=15)
                    current = self.preview.generation
                self.wfile.write(f"data: {current}\n\n".encode())
                self.wfile.flush()
                last = current
        except (BrokenPipeError, ConnectionResetError):
            return

    def server_stopping(self) -> bool:
        return bool(getattr(self.server, "stopping", False))

    def log_message(self, format: str, *args: Any) -> None:
        pass


def run(cfg: Config, content_dir: Path | None, port: int, drafts: bool) -> int:
    """Serve until Ctrl-C; returns the exit status."""
    preview = Preview(cfg.root, content_dir, drafts)
    handler = type("PreviewHandler", (Handler,), {"preview": preview})
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as err:
        preview.close()
        raise SitegenError(f"cannot listen on 127.0.0.1:{port}: {err.strerror}", hint="try another --port") from None
    server.daemon_threads = True
    preview.address = ("127.0.0.1", server.server_address[1])
    preview.base_url = f"http://127.0.0.1:{preview.address[1]}/"
    stop = threading.Event()
    try:  # Ctrl-C during the first build too stops cleanly, leaving no temporary folder
        preview.rebuild()
        watching = threading.Event()
        threading.Thread(target=preview.watch, args=(stop, watching), daemon=True).start()
        watching.wait(timeout=10)
        watched = ", ".join(map(str, preview.watched()))
        print(messages.translated(f"serving {preview.base_url} (Ctrl-C to stop); watching {watched}"), flush=True)
        hidden = 0 if drafts else content.count_drafts(content_dir or cfg.root / cfg.content_dir)
        if hidden:
            print(messages.translated(f"{hidden} drafts not shown: 'sitegen serve --drafts' shows them"), flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        print(messages.translated("stopped"), flush=True)
    finally:
        stop.set()
        server.stopping = True  # type: ignore[attr-defined]
        with preview.changed:
            preview.changed.notify_all()
        server.server_close()
        preview.close()
    return 0
