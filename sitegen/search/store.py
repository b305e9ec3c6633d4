"""The search index as the last build left it, kept in the cache for the next build to update.

search_state holds the index's State in parts (its head, and each batch of docs' stamps, lengths,
cards, fragments and sources), search_keys each key's record and segments, search_parts which part files
each key's record names, search_files the bytes of the index's files by hash; tables holds the
traditional -> simplified table made from OpenCC's data (see index.t2s_chars()).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sitegen import codec
from sitegen.cache import Cache, View, checksum, guarded, seal
from sitegen.codec import Codec
from sitegen.errors import SitegenError
from sitegen.keys import fnv1a
from sitegen.output import safe_paths
from sitegen.search.index import DocFacets, IndexFile, Part, Row, State, Stored

for _kept in (DocFacets, IndexFile):
    codec.register(_kept)

SEARCH_HEAD: Codec[tuple[int, list[str], int, list[IndexFile]]] = Codec(tuple[int, list[str], int, list[IndexFile]])
SEARCH_BATCH: Codec[tuple[list[str], list[int], list[DocFacets], list[str], list[str]]] = Codec(
    tuple[list[str], list[int], list[DocFacets], list[str], list[str]]
)
SEGMENTS: Codec[list[Stored]] = Codec(list[Stored])
T2S: Codec[dict[str, str]] = Codec(dict[str, str])


@guarded
def t2s_table(store: Cache, make: Callable[[], dict[str, str]]) -> dict[str, str]:
    """make(), remembered: the table depends on OpenCC's data alone (see cache.code_key())."""
    row = store.db.execute("SELECT value FROM tables WHERE name = 't2s'").fetchone()
    if row is not None:
        return store.value(T2S, "tables/t2s", row[0])
    value = make()
    store.db.execute("INSERT INTO tables VALUES ('t2s', ?)", (seal("tables/t2s", T2S.encode(value)),))
    return value


def _batch_part(state: State, start: int) -> tuple[list[Any], ...]:
    """The state's columns for the batch of docs from start: one part of it as the cache keeps it."""
    end = start + state.batch_docs
    return (
        state.stamps[start:end],
        state.lengths[start:end],
        state.cards[start:end],
        state.fragments[start:end],
        state.sources[start:end],
    )


class Keys(View):
    """The search index's key store (index.KeyStore), in the search_* tables."""

    def __init__(self, store: Cache) -> None:
        super().__init__(store)
        self._loaded: State | None = None  # the state as read, so that finish() writes only what changed

    @guarded
    def state(self) -> State | None:
        """The state, kept in parts: its head (part 0), and each batch of docs' stamps, lengths, cards,
        fragments and sources (part 1 + batch), so that an update writes a batch or two, not every doc's stamps."""
        rows = self.store.db.execute("SELECT part, state FROM search_state ORDER BY part").fetchall()
        if not rows or rows[0][0] != 0:
            return None
        batch_docs, shards, total, files = self.store.value(SEARCH_HEAD, "search_state/0", rows[0][1])
        if not safe_paths([file.path for file in files]):
            raise self.store.damaged("search_state/0 names a file outside the output folder")
        stamps: list[str] = []
        lengths: list[int] = []
        cards: list[DocFacets] = []
        fragments: list[str] = []
        sources: list[str] = []
        for part, sealed in rows[1:]:
            batch = self.store.value(SEARCH_BATCH, f"search_state/{part}", sealed)
            stamps += batch[0]
            lengths += batch[1]
            cards += batch[2]
            fragments += batch[3]
            sources += batch[4]
        self._loaded = State(batch_docs, stamps, lengths, cards, fragments, sources, shards, total, files)
        return self._loaded

    @guarded
    def begin(self, fresh: bool) -> None:
        if not fresh:  # the batches' parts stay, for finish() to write again those that change
            self.store.db.execute("DELETE FROM search_state WHERE part = 0")
        else:
            self.store.db.execute("DELETE FROM search_state")
            self.store.db.execute("DELETE FROM search_keys")
            self.store.db.execute("DELETE FROM search_parts")
            self._loaded = None
        self.store.db.commit()

    @guarded
    def put(self, rows: Iterable[Row]) -> None:
        rows = list(rows)
        db = self.store.db
        db.executemany("DELETE FROM search_parts WHERE key = ?", ((row[0],) for row in rows))
        db.executemany(
            "INSERT OR REPLACE INTO search_keys VALUES (?, ?, NULL, ?, ?)",
            (
                (
                    key,
                    fnv1a(key),
                    seal(f"search_keys.record/{key}", record),
                    seal(f"search_keys/{key}", SEGMENTS.encode(segments)),
                )
                for key, record, _, segments in rows
            ),
        )
        db.executemany(
            "INSERT OR IGNORE INTO search_parts VALUES (?, ?, ?, ?)",
            (
                (path, key, sha, checksum(f"search_parts/{path}", sha.encode()))
                for key, _, parts, _ in rows
                for path, sha in parts
            ),
        )
        self.store.wrote()

    @guarded
    def drop(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.store.db.execute("DELETE FROM search_keys WHERE key = ?", (key,))
            self.store.db.execute("DELETE FROM search_parts WHERE key = ?", (key,))

    @guarded
    def segments(self, keys: Iterable[str]) -> dict[str, Row]:
        found: dict[str, Row] = {}
        db = self.store.db
        for key in keys:
            row = db.execute("SELECT record, segments FROM search_keys WHERE key = ?", (key,)).fetchone()
            if row is not None:
                parts = self._parts(
                    db.execute("SELECT path, sha, seal FROM search_parts WHERE key = ? ORDER BY path", (key,))
                )
                record = bytes(self.store.unsealed(f"search_keys.record/{key}", row[0]))
                found[key] = (key, record, tuple(parts), self.store.value(SEGMENTS, f"search_keys/{key}", row[1]))
        return found

    def _parts(self, rows: Iterable[tuple[str, str, Any]]) -> list[Part]:
        """Part files (path and sha) as kept, each checked, its path to lie in the output folder."""
        parts = []
        for path, sha, sealed in rows:
            if sealed != checksum(f"search_parts/{path}", str(sha).encode()):
                raise self.store.damaged(f"search_parts/{path} fails its checksum")
            parts.append((path, sha))
        if not safe_paths([path for path, _ in parts]):
            raise self.store.damaged("search_parts names a file outside the output folder")
        return parts

    @guarded
    def assign(self, count: int, keys: Iterable[str] | None = None) -> None:
        if keys is None:
            self.store.db.execute("UPDATE search_keys SET shard = hash % ?", (count,))
        else:
            self.store.db.executemany(
                "UPDATE search_keys SET shard = hash % ? WHERE key = ?", ((count, key) for key in keys)
            )

    @guarded
    def part_users(self, paths: Iterable[str]) -> dict[str, int]:
        db = self.store.db
        return {
            path: db.execute("SELECT count(*) FROM search_parts WHERE path = ?", (path,)).fetchone()[0]
            for path in paths
        }

    @guarded
    def parts(self) -> list[Part]:
        return self._parts(self.store.db.execute("SELECT DISTINCT path, sha, seal FROM search_parts ORDER BY path"))

    @guarded
    def blob(self, sha: str) -> bytes:
        row = self.store.db.execute("SELECT data FROM search_files WHERE sha = ?", (sha,)).fetchone()
        if row is None:
            raise SitegenError("the build cache lost a file of the search index; build again")
        return self.store.checked_blob("search_files", sha, row[0])

    @guarded
    def add(self, files: Iterable[tuple[str, bytes]]) -> None:
        self.store.db.executemany("INSERT OR IGNORE INTO search_files VALUES (?, ?)", files)
        self.store.wrote()

    @guarded
    def keep_only(self, shas: Iterable[str]) -> None:
        db = self.store.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS index_files (sha TEXT PRIMARY KEY)")
        db.execute("DELETE FROM index_files")
        db.executemany("INSERT OR IGNORE INTO index_files VALUES (?)", ((sha,) for sha in shas))
        db.execute("DELETE FROM search_files WHERE sha NOT IN (SELECT sha FROM index_files)")

    @guarded
    def finish(self, state: State, dropped: Iterable[str]) -> None:
        db = self.store.db
        db.executemany("DELETE FROM search_files WHERE sha = ?", ((sha,) for sha in dropped))
        for batch, start in enumerate(range(0, len(state.stamps), state.batch_docs)):
            part = _batch_part(state, start)
            if self._loaded is None or part != _batch_part(self._loaded, start):
                db.execute(
                    "INSERT OR REPLACE INTO search_state VALUES (?, ?)",
                    (1 + batch, seal(f"search_state/{1 + batch}", SEARCH_BATCH.encode(part))),  # type: ignore[arg-type]
                )
        head = (state.batch_docs, state.shards, state.total, state.files)
        db.execute("INSERT INTO search_state VALUES (0, ?)", (seal("search_state/0", SEARCH_HEAD.encode(head)),))
        db.commit()
        self._loaded = state
