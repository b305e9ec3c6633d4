"""Fetching a news page over http(s): bounded in time, size and redirects, and saying who asks.

Every way a fetch can go wrong becomes a SitegenError whose message says what happened
(HTTP 404 Not Found, no answer within 20 s, more than 5 redirects ...), so a bulk import
reports it against the URL and goes on.

The time limit is for the whole response: connecting, the headers and every read of the body.
A timer shuts the fetch's sockets down when it runs out, so a server trickling a byte at a
time cannot stretch it (as it could a limit on each read). Redirects are followed only to
http(s) URLs, and the opener knows no other scheme: a page cannot send the importer to
ftp:// or to a file on this computer.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import socket
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from sitegen import __version__
from sitegen.errors import SitegenError

USER_AGENT = f"sitegen/{__version__} (+news archive importer)"
# Seconds for a whole response. A news page (well under 1 MB) comes in a few seconds even from
# a slow county server; a stuck one costs a worker no more than this.
TIMEOUT = 20.0
MAX_BYTES = 10 * 1024 * 1024  # a news page is well under 1 MB; 10 MB is something else
MAX_REDIRECTS = 5
SCHEMES = ("http", "https")
_CHUNK = 64 * 1024  # a multiple of 8, as some /proc files need


@dataclass(frozen=True)
class Page:
    """What the server sent: the bytes, the URL they came from after redirects, the header charset."""

    url: str
    data: bytes
    charset: str | None


def fetch(url: str, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES, max_redirects: int = MAX_REDIRECTS) -> Page:
    """GET url; a page over max_bytes, slower than timeout in all or behind more than max_redirects is refused."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    with _Deadline(timeout) as deadline:
        try:
            response = _opener(deadline, max_redirects).open(request, timeout=timeout)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
            raise SitegenError(_slow(timeout) if deadline.passed else _failure(err, timeout, max_redirects)) from None
        with response:
            try:
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise SitegenError(too_large(int(length), max_bytes))
                data = read_capped(response.read, max_bytes)
            except (http.client.HTTPException, OSError) as err:
                if deadline.passed:
                    raise SitegenError(stopped_slow(timeout)) from None
                raise SitegenError(f"the connection broke off: {err or type(err).__name__}") from None
            if deadline.passed:  # the timer may have cut the data short
                raise SitegenError(stopped_slow(timeout))
            return Page(response.geturl(), data, response.headers.get_content_charset())


def read_capped(read: Callable[[int], bytes], max_bytes: int) -> bytes:
    """Everything read() gives, in chunks, refused as soon as it passes max_bytes: a source that
    never ends (or lies about its size) costs at most max_bytes of memory."""
    chunks: list[bytes] = []
    size = 0
    while chunk := read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise SitegenError(stopped_large(max_bytes))
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(size: int, limit: int) -> str:
    """A size known before reading (a file's, or the length a server announced) over the size limit."""
    return f"{size / 1e6:.1f} MB, more than the {limit / 2**20:g} MB a source may be (--max-size)"


def stopped_large(limit: int) -> str:
    return f"more than the {limit / 2**20:g} MB a source may be (--max-size)"


def stopped_slow(timeout: float) -> str:
    return f"stopped after {timeout:g} s: the server took longer than the time limit"


def _slow(timeout: float) -> str:
    return f"no answer within {timeout:g} s"


def _failure(err: Exception, timeout: float, max_redirects: int) -> str:
    """What went wrong before a response began, in the words of the import summary."""
    if isinstance(err, urllib.error.HTTPError):
        if 300 <= err.code < 400 and err.headers.get("Location"):
            return f"more than {max_redirects} redirects (a redirect loop?)"
        return f"HTTP {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        if isinstance(err.reason, TimeoutError):
            return _slow(timeout)
        return f"cannot connect: {_reason(err.reason)}"
    if isinstance(err, TimeoutError):  # the socket's own timeout, before urllib wraps it
        return _slow(timeout)
    if isinstance(err, http.client.HTTPException | ConnectionError):
        return f"the connection broke off: {err or type(err).__name__}"
    if isinstance(err, ValueError):  # urllib's word for a URL it cannot use
        return f"not a URL that can be fetched: {err}"
    return f"cannot connect: {_reason(err)}"


def _reason(reason: object) -> str:
    if isinstance(reason, socket.gaierror):
        return "host not found"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return str(getattr(reason, "strerror", None) or reason)


def shown(url: str, limit: int = 200) -> str:
    """A URL from a server, fit for a message: no control characters, not endless."""
    clean = "".join("?" if unicodedata.category(c).startswith("C") else c for c in url)
    return clean if len(clean) <= limit else clean[:limit] + "…"


# The time limit.


class _Deadline:
    """The end of one fetch's time. When it comes, every socket the fetch opened is shut down, so a
    read blocked on a trickling server returns at once instead of with its next byte."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.passed = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the time limit is reached")
        return left

    def connect(
        self, address: tuple[str, int], timeout: object = None, source_address: tuple[str, int] | None = None
    ) -> socket.socket:
        """socket.create_connection, but each address is tried within the time left, not each
        within the whole limit; the socket is then watched."""
        host, port = address
        error: OSError = OSError(f"no address for {host}")
        for family, kind, proto, _, where in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(self.left())
                if source_address:
                    sock.bind(source_address)
                sock.connect(where)
            except OSError as err:
                sock.close()
                error = err
                continue
            self._watch(sock)
            return sock
        raise error

    def _watch(self, sock: socket.socket) -> None:
        # A duplicate, so that shutting it down still reaches the connection once TLS has taken
        # the socket over (wrapping detaches the original).
        with self._lock:
            copy = sock.dup()
            self._sockets.append(copy)
            if self.passed:
                _shut(copy)

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # not connected (any more): nothing to wake
        sock.shutdown(socket.SHUT_RDWR)


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = deadline.connect


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = deadline.connect


class _Timed(urllib.request.AbstractHTTPHandler):
    """Opens connections that connect within the deadline and are shut down when it passes."""

    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self.deadline = deadline

    def do_open(self, http_class: Any, req: urllib.request.Request, **kwargs: Any) -> http.client.HTTPResponse:
        timed = _HTTPSConnection if issubclass(http_class, http.client.HTTPSConnection) else _HTTPConnection
        return super().do_open(functools.partial(timed, deadline=self.deadline), req, **kwargs)


class _TimedHTTP(_Timed, urllib.request.HTTPHandler):
    pass


class _TimedHTTPS(_Timed, urllib.request.HTTPSHandler):
    pass


# Redirects.


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects only to http(s) URLs (and at most max_redirections of them)."""

    def http_error_302(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: http.client.HTTPMessage
    ) -> http.client.HTTPResponse | None:
        location = headers.get("Location") or headers.get("URI")
        if location:
            target = urllib.parse.urljoin(req.full_url, location.strip())
            if urllib.parse.urlsplit(target).scheme.lower() not in SCHEMES:
                fp.close()
                raise SitegenError(f"redirected to {shown(target)}: only redirects to http(s) URLs are followed")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(deadline: _Deadline, max_redirects: int) -> urllib.request.OpenerDirector:
    """Only what fetching a web page needs: there is no handler for file:, ftp: or data: to be sent to."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        _TimedHTTP(deadline),
        _TimedHTTPS(deadline),
        # A loop counts as too many redirects, not sooner.
        type("Redirects", (_Redirects,), {"max_redirections": max_redirects, "max_repeats": max_redirects})(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener
