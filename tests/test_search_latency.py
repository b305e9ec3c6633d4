"""What keeps a query fast, in the Python reader (search.js follows it, test_search_js.py checks) and in the
server bench/search times it against.

A query whose keys the index holds needs no bucket of the t2s table, whose requests would share the first
round with its shards; bench/search's server keeps connections alive and answers Range requests, as static
hosts do.
"""

from __future__ import annotations

import http.client
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from support import REPO, built
from test_search_index import NEEDLE, NOWHERE, reader, search

from sitegen.search.index import SearchDoc, fold, t2s_chars


def t2s_fetched(files: dict[str, bytes], query: str) -> set[str]:
    r = reader(files)
    r.search(query)
    return {name for name in r.fetched if name.startswith("t2s-")}


def test_a_query_the_index_holds_fetches_no_t2s_bucket(files: dict[str, bytes]) -> None:
    assert t2s_fetched(files, NEEDLE) == set()
    assert t2s_fetched(files, f"{NEEDLE} 公安 ＡＰＰ") == set()  # folded without the table, the keys are found


def test_a_query_the_index_lacks_folds_with_the_table(files: dict[str, bytes]) -> None:
    """網格村警 (traditional) has keys the index lacks: the buckets of its characters are fetched, and it
    finds what 网格村警 finds; so does a query found nowhere, which may be traditional text."""
    folder, count = reader(files).manifest["t2s"]
    assert t2s_fetched(files, "網格村警") == {f"t2s-{folder}/{ord(ch) % count}.json" for ch in "網格村警"}
    assert search(files, "網格村警").ranked == search(files, NEEDLE).ranked != []
    assert len(t2s_fetched(files, NOWHERE)) > 0


def test_a_character_the_table_changes_twice_is_still_folded() -> None:
    """OpenCC maps 薴 to 苧 and 苧 to 苎: folded text holds 苧 (from 薴), so the key 苧麻 is in the index, yet
    the query 苧麻 folds to 苎麻. The manifest names such characters, and a query holding one is folded."""
    table = t2s_chars()
    assert table["薴"] == "苧" and table["苧"] == "苎"
    docs = [
        SearchDoc("posts/a/", "薴麻", "种植薴麻的农户。", "2023-02-01", "", (), (), ""),
        SearchDoc("posts/b/", "苧麻", "苧麻纺织。", "2023-01-01", "", (), (), ""),
    ]
    files = built(docs)
    assert "苧" in reader(files).manifest["t2s_again"]
    assert fold("苧麻") == "苎麻" and fold("薴麻") == "苧麻"
    assert search(files, "苧麻").ranked == search(files, "苎麻").ranked == [1]
    assert search(files, "薴麻").ranked == [0]


# ---- bench/search's server ----


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """bench/search as a module (it has no .py suffix)."""
    loader = importlib.machinery.SourceFileLoader("bench_search", str(REPO / "bench" / "search"))
    spec = importlib.util.spec_from_loader("bench_search", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_search"] = module  # its dataclasses look their module up
    loader.exec_module(module)
    return module


def test_the_bench_server_keeps_connections_alive(bench: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"0123456789")
    (tmp_path / "b").mkdir()
    with bench.serve(tmp_path) as root:
        connection = http.client.HTTPConnection("127.0.0.1", int(root.rstrip("/").rsplit(":", 1)[1]))
        answers = []
        for path, headers in (("/a.bin", {}), ("/b", {}), ("/a.bin", {"Range": "bytes=2-4"}), ("/a.bin", {})):
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            answers.append((response.status, response.version, response.getheader("Content-Length"), response.read()))
            socket = connection.sock
            assert socket is not None and not response.will_close, path
        connection.close()
    assert answers == [
        (200, 11, "10", b"0123456789"),
        (301, 11, "0", b""),
        (206, 11, "3", b"234"),
        (200, 11, "10", b"0123456789"),
    ]


def test_the_bench_server_answers_ranges_as_static_hosts(bench: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"0123456789")
    with bench.serve(tmp_path) as root:
        connection = http.client.HTTPConnection("127.0.0.1", int(root.rstrip("/").rsplit(":", 1)[1]))
        answers = []
        for asked in ("bytes=8-", "bytes=5-100", "bytes=10-", "bytes=0-0"):
            connection.request("GET", "/a.bin", headers={"Range": asked})
            response = connection.getresponse()
            answers.append((response.status, response.getheader("Content-Range"), response.read()))
        connection.close()
    assert answers == [
        (206, "bytes 8-9/10", b"89"),
        (206, "bytes 5-9/10", b"56789"),
        (416, "bytes */10", b""),
        (206, "bytes 0-0/10", b"0"),
    ]
