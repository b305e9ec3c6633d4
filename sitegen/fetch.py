"""Fetching a news page over http(s): bounded in time, size and redirects, and saying who asks.

Every way a fetch can go wrong becomes a SitegenError whose message says what happened
(HTTP 404 Not Found, no answer within 20 s, more than 5 redirects ...), so a bulk import
reports it against the URL and goes on.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from sitegen import __version__
from sitegen.errors import SitegenError

USER_AGENT = f"sitegen/{__version__} (+news archive importer)"
TIMEOUT = 20.0  # seconds, for connecting and for the whole page
MAX_BYTES = 10 * 1024 * 1024  # a news page is well under 1 MB; 10 MB is something else
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Page:
    """What the server sent: the bytes, the URL they came from after redirects, the header charset."""

    url: str
    data: bytes
    charset: str | None


def fetch(url: str, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES, max_redirects: int = MAX_REDIRECTS) -> Page:
    """GET url; a page over max_bytes, slower than timeout or behind more than max_redirects is refused."""
    # urllib's handler with our limit; a loop counts as too many redirects, not sooner.
    limits = {"max_redirections": max_redirects, "max_repeats": max_redirects}
    opener = urllib.request.build_opener(type("Redirects", (urllib.request.HTTPRedirectHandler,), limits)())
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise SitegenError(too_large(int(length), max_bytes))
            data = _read(response, max_bytes, deadline, timeout)
            return Page(response.geturl(), data, response.headers.get_content_charset())
    except urllib.error.HTTPError as err:
        if 300 <= err.code < 400:
            raise SitegenError(f"more than {max_redirects} redirects (a redirect loop?)") from None
        raise SitegenError(f"HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            raise SitegenError(_slow(timeout)) from None
        raise SitegenError(f"cannot connect: {_reason(err.reason)}") from None
    except TimeoutError:
        raise SitegenError(_slow(timeout)) from None
    except (http.client.HTTPException, ConnectionError) as err:
        raise SitegenError(f"the connection broke off: {err or type(err).__name__}") from None
    except ValueError as err:  # urllib's word for a URL it cannot use
        raise SitegenError(f"not a URL that can be fetched: {err}") from None


def too_large(size: int, limit: int) -> str:
    return f"{size / 1e6:.1f} MB, more than the {limit / 1e6:.0f} MB a news page can be"


def _read(response: http.client.HTTPResponse, max_bytes: int, deadline: float, timeout: float) -> bytes:
    """The body in chunks, so a huge page stops at the limit and a trickling one at the deadline."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise SitegenError(f"more than the {max_bytes / 1e6:.0f} MB a news page can be")
        if time.monotonic() > deadline:
            raise SitegenError(_slow(timeout))
        chunks.append(chunk)
    return b"".join(chunks)


def _slow(timeout: float) -> str:
    return f"no answer within {timeout:g} s"


def _reason(reason: object) -> str:
    if isinstance(reason, socket.gaierror):
        return "host not found"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return str(getattr(reason, "strerror", None) or reason)
