"""search_update.update(): a few changed docs give the same files as building the index whole.

The synthetic archive is indexed with small batches (so that it has many segments and
several fragment folders) into a real build cache; then docs are edited, one change after
another, and every update's files are compared with a full build of the same docs: the last
files with the update's changes applied, and the files the store lists after it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import pytest
from support import built

from sitegen.cache import Cache
from sitegen.keys import digest
from sitegen.search import index as search_index
from sitegen.search import update as search_update
from sitegen.search.index import SearchDoc, build
from sitegen.search.store import Keys as SearchKeys
from sitegen.search.update import update


def stamps(docs: list[SearchDoc]) -> list[str]:
    return [digest(repr(doc)) for doc in docs]


def files_of(listing: Iterable[search_index.IndexFile], store: SearchKeys) -> dict[str, bytes]:
    return {f.path: f.data if f.data is not None else store.blob(f.sha) for f in listing}


@pytest.fixture
def store(tmp_path: Path, docs: list[SearchDoc], monkeypatch: pytest.MonkeyPatch) -> SearchKeys:
    monkeypatch.setattr(search_index, "BATCH_DOCS", 4)
    keys = SearchKeys(Cache(tmp_path))
    for _ in build(docs, stamps(docs), keys):
        pass
    return keys


def updated(docs: list[SearchDoc], store: SearchKeys) -> dict[str, bytes]:
    before = files_of(search_update.listing(store), store)
    changes = update(docs, stamps(docs), store)
    assert changes is not None, "the update fell back to a full build"
    assert changes.base == search_index.content_key(before[search_index.MANIFEST])
    after = {path: data for path, data in before.items() if path not in changes.gone}
    after.update(files_of(changes.files, store))
    assert after == files_of(search_update.listing(store), store)
    return after


EDITS = {
    "a sentence added": lambda d: replace(d, text=d.text + "\n新增一句：网格员连夜排查。"),
    "text cut short": lambda d: replace(d, text=d.text[: len(d.text) // 3]),
    "new title with traditional characters": lambda d: replace(d, title="網格化管理再出發"),
    "topic and source": lambda d: replace(d, categories=("禁毒",), source="新华社"),
    "region": lambda d: replace(d, regions=("江西省", "赣州市" if "吉安市" in d.regions else "吉安市")),
    "keys nobody else has": lambda d: replace(d, text=d.text + "\n鑫龘靐齉爩"),
    "emptied": lambda d: replace(d, title="", text=""),
}


def test_each_edit_gives_the_files_of_a_full_build(docs: list[SearchDoc], store: SearchKeys) -> None:
    current = list(docs)
    for n, (name, edit) in enumerate(EDITS.items()):
        doc_id = (n * 7 + 3) % len(current)
        current[doc_id] = edit(current[doc_id])
        assert updated(current, store) == built(current), name


@pytest.fixture
def counting(tmp_path: Path, docs: list[SearchDoc], monkeypatch: pytest.MonkeyPatch) -> SearchKeys:
    """The store of an index whose keys in 4 docs or more keep their facet counts."""
    monkeypatch.setattr(search_index, "BATCH_DOCS", 4)
    monkeypatch.setattr(search_index, "COUNTED_DF", 4)
    keys = SearchKeys(Cache(tmp_path))
    for _ in build(docs, stamps(docs), keys):
        pass
    return keys


def test_keys_that_keep_facet_counts_update_to_the_bytes_of_a_full_build(
    docs: list[SearchDoc], counting: SearchKeys
) -> None:
    """Counts kept as they were (a key's docs and their facets unchanged) or counted again, never stale."""
    current = list(docs)
    for n, (name, edit) in enumerate(EDITS.items()):
        doc_id = (n * 5 + 1) % len(current)
        current[doc_id] = edit(current[doc_id])
        assert updated(current, counting) == built(current), name


def test_a_topic_changed_rewrites_shards_alone(
    docs: list[SearchDoc], counting: SearchKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A story's keys keep their facet counts in their shards: a topic or source changed makes no key again
    and writes no D or P part, only shards (and facets, fragments, manifest)."""
    put: list[str] = []
    real_put = SearchKeys.put
    monkeypatch.setattr(SearchKeys, "put", lambda self, rows: real_put(self, [put.append(r[0]) or r for r in rows]))
    before = files_of(search_update.listing(counting), counting)
    edited = [EDITS["topic and source"](d) if i == 3 else d for i, d in enumerate(docs)]
    after = updated(edited, counting)
    assert after == built(edited)
    changed = [path for path, data in after.items() if before.get(path) != data]
    assert put == []
    assert any("/s-" in path for path in changed)
    assert not any(re.search(r"/[dp]-", path) for path in changed)
    shards = [json.loads(files[search_index.MANIFEST])["shards"][1] for files in (before, after)]
    assert shards[0] == shards[1]  # however long the counts get (see index.shard_weight())


def test_counts_of_any_length_weigh_the_same_in_the_shard_count(docs: list[SearchDoc], counting: SearchKeys) -> None:
    """A topic moved lengthens or shortens a thousand keys' counts: the shard count must not follow them."""
    files = files_of(search_update.listing(counting), counting)
    records = [r for path, data in files.items() if "/s-" in path for r in search_index.records_of(data).values()]
    record = next(r for r in records if search_index.kept_counts(r) is not None)
    start, end = search_index.counts_span(record)
    # two bytes more of counts (their length says so): enough for shard_weight(), which reads no further
    longer = record[:start] + bytes([end - start + 1]) + record[start + 1 : end] + b"\x01\x01" + record[end:]
    assert search_index.kept_counts(longer) is not None and len(longer) == len(record) + 2
    assert search_index.shard_weight(longer) == search_index.shard_weight(record)


def test_a_story_moved_to_the_year_before_updates_its_keys_year_counts(
    docs: list[SearchDoc], counting: SearchKeys
) -> None:
    """A date moved across New Year, its doc id kept: every key of the story counts it in the other year."""
    doc_id = next(i for i, d in enumerate(docs[:-4]) if d.date[5:7] == "01" and docs[i + 1].date < d.date[:4])
    new_year = int(docs[doc_id].date[:4])
    current = list(docs)
    current[doc_id] = replace(docs[doc_id], date=f"{new_year - 1}-12-31")
    assert updated(current, counting) == built(current)


def test_several_docs_moved_in_different_facets_at_once(docs: list[SearchDoc], counting: SearchKeys) -> None:
    """A key held by some of the moved docs and not others takes the moves of its own docs alone. The values
    moved to are every doc's most common ones, so that no facet's names change (that would count anew)."""
    topics, regions = (
        Counter(values).most_common(2) for values in ([d.categories for d in docs], [d.regions for d in docs])
    )

    def other(common: list[tuple[tuple[str, ...], int]], now: tuple[str, ...]) -> tuple[str, ...]:
        return common[1][0] if now == common[0][0] else common[0][0]

    moves = [
        lambda d: replace(d, categories=other(topics, d.categories)),
        lambda d: replace(d, regions=other(regions, d.regions)),
        lambda d: replace(d, categories=other(topics, d.categories), regions=other(regions, d.regions)),
    ]
    current = [moves[i % 3](d) if i % 4 == 1 else d for i, d in enumerate(docs)]
    assert updated(current, counting) == built(current)


def test_several_docs_changed_at_once(docs: list[SearchDoc], store: SearchKeys) -> None:
    current = [EDITS["a sentence added"](d) if i % 5 == 0 else d for i, d in enumerate(docs)]
    assert updated(current, store) == built(current)


def test_a_reverted_edit_gives_back_the_first_files(docs: list[SearchDoc], store: SearchKeys) -> None:
    first = built(docs)
    edited = [EDITS["keys nobody else has"](d) if i == 2 else d for i, d in enumerate(docs)]
    updated(edited, store)
    assert updated(list(docs), store) == first


def test_nothing_changed_changes_no_file(docs: list[SearchDoc], store: SearchKeys) -> None:
    changes = update(docs, stamps(docs), store)
    assert changes is not None
    assert (changes.files, changes.gone) == ([], [])
    assert files_of(search_update.listing(store), store) == built(docs)


def test_a_sentence_added_changes_a_few_files(docs: list[SearchDoc], store: SearchKeys) -> None:
    edited = [EDITS["a sentence added"](d) if i == 5 else d for i, d in enumerate(docs)]
    everything = len(search_update.listing(store))
    changes = update(edited, stamps(edited), store)
    assert changes is not None
    made = [f.path for f in changes.files if f.data is not None]
    shards = [f for f in changes.files if f.path.startswith("search/s-")]
    assert 0 < len(made) < len([f for f in shards if f.data is None]) < everything / 2
    assert search_index.MANIFEST in made
    assert all(
        f.data is None for f in changes.files if "/frag-" in f.path and not f.path.endswith(("/5.json.gz", "/5.bin"))
    )


def test_an_update_writes_the_state_of_the_changed_batch_alone(docs: list[SearchDoc], store: SearchKeys) -> None:
    def parts() -> dict[int, bytes]:
        return dict(store.store.db.execute("SELECT part, state FROM search_state"))

    before = parts()
    updated([EDITS["a sentence added"](d) if i == 5 else d for i, d in enumerate(docs)], store)
    after = parts()
    assert after.keys() == before.keys()
    assert {part for part in after if after[part] != before[part]} == {0, 1 + 5 // search_index.BATCH_DOCS}


def test_the_store_keeps_only_the_files_of_the_index(docs: list[SearchDoc], store: SearchKeys) -> None:
    edited = [EDITS["a sentence added"](d) if i == 0 else d for i, d in enumerate(docs)]
    updated(edited, store)
    (kept,) = store.store.db.execute("SELECT count(*) FROM search_files").fetchone()
    sources = {search_index.source(doc) for doc in edited}  # what the next update reads the docs' old keys from
    assert kept == len(set(built(edited).values())) + len(sources)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda docs: docs[:-1], id="a doc removed"),
        pytest.param(lambda docs: [*docs, replace(docs[-1], url="posts/new/")], id="a doc added"),
        pytest.param(
            lambda docs: [replace(d, date="2001-01-01") if i == 0 else d for i, d in enumerate(docs)], id="a doc moved"
        ),
        pytest.param(lambda docs: [replace(d, text=d.text + "。") for d in docs], id="every doc changed"),
        pytest.param(  # every counted key's facet counts are numbered by the facet's values
            lambda docs: [replace(d, source="人民日报") if i == 3 else d for i, d in enumerate(docs)],
            id="a facet value no doc had",
        ),
    ],
)
def test_changes_that_move_doc_ids_fall_back_to_a_full_build(
    docs: list[SearchDoc], store: SearchKeys, change, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_update, "MAX_CHANGED", len(docs) - 1)
    changed = change(list(docs))
    assert update(changed, stamps(changed), store) is None


def test_an_interrupted_update_leaves_no_state_to_update_from(
    docs: list[SearchDoc], store: SearchKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(SearchKeys, "put", interrupted)
    edited = [EDITS["a sentence added"](d) if i == 0 else d for i, d in enumerate(docs)]
    with pytest.raises(KeyboardInterrupt):
        update(edited, stamps(edited), store)
    assert store.state() is None


def middle(text: str) -> int:
    return text.index("\n", len(text) // 2)


@pytest.mark.parametrize("where", [len, middle], ids=["at the end", "in the middle"])
def test_a_paragraph_added_touches_only_its_own_keys(
    docs: list[SearchDoc], store: SearchKeys, monkeypatch: pytest.MonkeyPatch, where: Callable[[str], int]
) -> None:
    """The lines after it keep their positions: an edit in the middle costs what one at the end does.

    A line's slots are picked by its text's hash, so the new line may push aside the one line whose
    slots it took (one edit in a few dozen): that line's keys are touched too, and no others.
    """
    added = "\n新增一段：网格员连夜排查。"
    text = docs[3].text
    at = where(text)
    edited = [replace(d, text=text[:at] + added + text[at:]) if i == 3 else d for i, d in enumerate(docs)]
    put: list[str] = []
    real_put = SearchKeys.put
    monkeypatch.setattr(SearchKeys, "put", lambda self, rows: real_put(self, [put.append(r[0]) or r for r in rows]))
    assert updated(edited, store) == built(edited)
    moved = moved_lines(docs[3], edited[3])
    assert len(moved) <= 1
    allowed = {key for line in [search_index.fold(added.strip()), *moved] for key in (*line, *pairs(line))}
    assert put and set(put) <= allowed


def pairs(line: str) -> list[str]:
    return [a + b for a, b in zip(line, line[1:], strict=False)]


def moved_lines(before: SearchDoc, after: SearchDoc) -> list[str]:
    """The folded lines of before that after places at other positions."""

    def placed(doc: SearchDoc) -> set[tuple[str, int]]:
        lines = f"{search_index.fold(doc.title)}\n{search_index.fold(doc.text)}".split("\n")
        return set(zip(lines, search_index.line_bases(lines, 1), strict=True))

    return [line for line, _ in placed(before) - placed(after)]
