"""The same bytes whichever way a site is built: cold, from a warm cache, incrementally, serially or in parallel.

Each test generates a small archive (the example site plus 60 made-up posts) and applies the
same edits to two copies: one rebuilt incrementally with its cache and output kept, one built
cold (no cache, no output) after every edit. Parallel builds hand the workers small chunks, so
that a small site is split between them as a large one is.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from support import TEST_SITE, copy_site

from sitegen import cli, output, parallel, plan, taxonomy
from sitegen.cache import CACHE_DIR, LIBRARIES, Cache, installed
from sitegen.record import Record
from sitegen.search import index as search_index
from sitegen.search import update as search_update


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


TOPICS = ["社区警务", "反诈", "防溺水"]
TAGS = ["枫桥经验", "网格化管理", "反诈宣传", "暑期安全", "护学岗", "人民调解", "夜间巡查"]
REGIONS = [["江西省", "吉安市", "遂川县"], ["江西省", "吉安市", "井冈山市"], ["江苏省", "盐城市"], ["浙江省", "绍兴市"]]
SOURCES = ["井冈山报", "新华社", "中国网", "江西日报"]
SENTENCES = [
    "民警深入辖区开展走访，发放宣传资料。",
    "今年以来，全县共排查整改隐患一百余处。",
    "“群众的事再小也是大事”，社区民警说。",
    "活动现场，民警结合典型案例讲解防范知识。",
    "下一步，派出所将持续深化平安建设。",
]
POSTS = 60


def make_post(i: int, rng: random.Random) -> str:
    """One made-up post in sitegen's front matter; some undated, some linking to another post."""
    date = f"date: 20{rng.randint(15, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:30:00+08:00\n"
    paragraphs = ["".join(rng.sample(SENTENCES, 3)) for _ in range(rng.randint(2, 4))]
    if rng.random() < 0.2:  # to the posts the tests never edit
        paragraphs.append(f"详见[另一篇](/posts/gen-{rng.randrange(50, POSTS):03d}/)。")
    if rng.random() < 0.2:
        paragraphs.insert(1, "## 工作成效")
    return (
        f"---\ntitle: 第{i}号平安报道\n"
        + (date if rng.random() > 0.05 else "review: [date]\n")
        + f"source: {rng.choice(SOURCES)}\n"
        + f"categories: [{', '.join(rng.sample(TOPICS, rng.randint(1, 2)))}]\n"
        + f"tags: [{', '.join(rng.sample(TAGS, rng.randint(1, 3)))}]\n"
        + f"regions: [{', '.join(rng.choice(REGIONS))}]\n"
        + f"summary: 第{i}号报道的摘要。\nslug: gen-{i:03d}\n---\n\n"
        + "\n\n".join(paragraphs)
        + "\n"
    )


@pytest.fixture
def sites(tmp_path: Path) -> tuple[Path, Path]:
    """Two identical copies of a 64-post site: one to build incrementally, one to build cold each time."""
    rng = random.Random(7)
    posts = {f"gen-{i:03d}.md": make_post(i, rng) for i in range(POSTS)}
    made = []
    for name in ("incremental", "cold"):
        site = copy_site(TEST_SITE, tmp_path / name)
        folder = site / "content/posts/gen"
        folder.mkdir()
        for file, text in posts.items():
            (folder / file).write_text(text, encoding="utf-8")
        made.append(site)
    return made[0], made[1]


def build(site: Path, *args: str) -> None:
    assert cli.main(["--root", str(site), "build", *args]) == 0


def cold_build(site: Path) -> None:
    shutil.rmtree(site / CACHE_DIR, ignore_errors=True)
    shutil.rmtree(site / "output", ignore_errors=True)
    build(site)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def edit(site: Path, rel: str, pattern: str, new: str) -> None:
    path = site / rel
    text = path.read_text(encoding="utf-8")
    changed = re.sub(pattern, new, text, count=1)
    assert changed != text, (rel, pattern)
    path.write_text(changed, encoding="utf-8")


POST = "content/posts/gen/gen-042.md"
EDITS: dict[str, Callable[[Path], None]] = {
    "body": lambda site: edit(site, POST, "\n---\n\n", "\n---\n\n新增的一段正文。\n\n"),
    "topic": lambda site: edit(site, POST, r"categories: \[.*\]", "categories: [反诈, 社区警务]"),
    "title": lambda site: edit(site, POST, "title: 第42号平安报道", "title: 第42号平安报道（更正）"),
    "date": lambda site: edit(site, POST, r"date: \d{4}", "date: 2024"),
    "draft": lambda site: edit(site, POST, "slug: gen-042", "slug: gen-042\ndraft: true"),
    "new post": lambda site: (site / "content/posts/gen/new.md").write_text(make_post(999, random.Random(1))),
    "deleted post": lambda site: (site / "content/posts/gen/gen-007.md").unlink(),
    "template": lambda site: edit(site, "themes/default/templates/base.html", "<main", "<!-- 模板改动 -->\n<main"),
    "per_page": lambda site: edit(site, "sitegen.toml", "per_page = 2", "per_page = 3"),
}


def test_parallel_cold_warm_and_incremental_builds_are_identical(sites: tuple[Path, Path], monkeypatch) -> None:
    incremental, cold = sites
    monkeypatch.setattr(parallel, "CHUNK", 2)
    monkeypatch.setattr(search_index, "BATCH_DOCS", 8)  # the search index is built in parallel too
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    build(incremental)
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    cold_build(cold)
    assert tree(incremental / "output") == tree(cold / "output")

    shutil.rmtree(incremental / "output")  # warm: the cache is kept, output/ is not
    build(incremental)
    assert tree(incremental / "output") == tree(cold / "output")

    monkeypatch.setattr(parallel, "cores", lambda: 2)
    for name, change in EDITS.items():
        change(incremental)
        change(cold)
        build(incremental)
        cold_build(cold)
        assert tree(incremental / "output") == tree(cold / "output"), name


def test_the_record_of_output_follows_every_edit(sites: tuple[Path, Path]) -> None:
    """What the cache records of output/ (kept in buckets, a few rewritten by each build) is every file
    there with its size and mtime, after each kind of edit."""
    site, _ = sites
    build(site)
    for name, change in EDITS.items():
        change(site)
        build(site)
        output = site / "output"
        store = Cache(site / CACHE_DIR)
        record = Record(store).written(output)
        store.close()
        assert record is not None, name
        on_disk = {p.relative_to(output).as_posix(): p.stat() for p in output.rglob("*") if p.is_file()}
        assert {rel: (size, mtime) for rel, (_, size, mtime) in record.items()} == {
            rel: (stat.st_size, stat.st_mtime_ns) for rel, stat in on_disk.items()
        }, name


def test_no_op_rebuild_writes_nothing(sites: tuple[Path, Path], capsys) -> None:
    site, _ = sites
    build(site)
    before = mtimes(site / "output")
    capsys.readouterr()
    build(site)
    assert "(0 changed," in capsys.readouterr().out
    assert mtimes(site / "output") == before


def test_body_edit_rewrites_its_page_and_feeds_not_the_lists(sites: tuple[Path, Path], capsys) -> None:
    site, _ = sites
    build(site)
    before = mtimes(site / "output")
    EDITS["body"](site)
    build(site)
    after = mtimes(site / "output")
    changed = {rel for rel in after if after[rel] != before.get(rel)}
    assert "posts/gen-042/index.html" in changed
    assert not any(
        rel.startswith(("topics/", "tags/", "regions/", "archive/")) and rel.endswith(".html") for rel in changed
    )
    assert "index.html" not in changed and "sitemap.xml" not in changed


def test_body_edit_takes_the_plan_from_the_last_build(sites: tuple[Path, Path], monkeypatch) -> None:
    site, cold = sites
    build(site)
    EDITS["body"](site)
    EDITS["body"](cold)
    planned: list[int] = []
    real = taxonomy.collect
    monkeypatch.setattr(taxonomy, "collect", lambda *args: planned.append(1) or real(*args))
    build(site)
    assert planned == []  # neither grouped nor planned: the article page was made from the plan
    cold_build(cold)
    assert tree(site / "output") == tree(cold / "output")
    planned.clear()
    EDITS["topic"](site)  # other cards: planned again
    build(site)
    assert planned == [1]


def test_body_edit_updates_the_search_index_without_building_it_whole(sites: tuple[Path, Path], monkeypatch) -> None:
    site, _ = sites
    build(site)
    EDITS["body"](site)

    def whole(*args: object) -> None:
        raise AssertionError("the search index was built whole")

    monkeypatch.setattr(search_index, "build", whole)
    build(site)
    index = json.loads((site / "output/search/manifest.json").read_text(encoding="utf-8"))
    assert index["docs"] == POSTS + 4


def test_a_second_build_of_the_site_waits_for_the_search_index_of_the_first(
    sites: tuple[Path, Path], monkeypatch
) -> None:
    site, _ = sites
    build(site)
    EDITS["body"](site)
    events = site / "events.txt"  # the update runs in a forked process: it tells by a file
    real_update = search_update.update

    def update(*args):
        with events.open("a") as log:
            log.write("update\n")
        return real_update(*args)

    monkeypatch.setattr(search_update, "update", update)
    with Cache(site / CACHE_DIR).locked("search"):  # as another build holding it would
        second = threading.Thread(target=build, args=(site,))
        second.start()
        second.join(timeout=1)
        with events.open("a") as log:
            log.write("released\n")
    second.join()
    assert events.read_text().split() == ["released", "update"]


def build_in_a_process(site: Path, modules: set[str]) -> tuple[set[str], str]:
    """A build in an interpreter of its own: which of modules it imported, and its summary."""
    code = "import json, sys; from sitegen import cli; cli.main(['--root', sys.argv[1], 'build']); print(json.dumps([*sys.modules]))"
    done = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, check=True)
    *printed, loaded = done.stdout.splitlines()
    return modules & set(json.loads(loaded)), "\n".join(printed)


def test_a_rebuild_takes_term_slugs_from_the_cache_without_loading_pinyin(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    build(site)
    EDITS["body"](site)
    loaded, _ = build_in_a_process(site, {"pypinyin"})
    assert loaded == set()


def test_a_topic_edit_loads_neither_markdown_it_nor_package_metadata(sites: tuple[Path, Path]) -> None:
    """No body is rendered, so the Markdown parser is not imported; the cache's code key reads the libraries'
    versions without importlib.metadata."""
    site, _ = sites
    build(site)
    EDITS["topic"](site)
    loaded, summary = build_in_a_process(site, {"markdown_it", "importlib.metadata"})
    assert loaded == set()
    assert int(re.search(r"\((\d+) changed", summary)[1]) > 1  # its lists changed with it


def test_a_body_edit_is_rendered_beside_the_loading_of_the_entries(sites: tuple[Path, Path]) -> None:
    """The walk that finds the changed file analyses it on the other core, while the build's own process
    loads the entries: that process never imports the Markdown parser."""
    site, _ = sites
    build(site)
    EDITS["body"](site)
    loaded, _ = build_in_a_process(site, {"markdown_it"})
    assert loaded == (set() if parallel.cores() > 1 else {"markdown_it"})
    assert "新增的一段正文" in (site / "output/posts/gen-042/index.html").read_text(encoding="utf-8")


def test_the_code_key_reads_the_versions_importlib_metadata_reads() -> None:
    assert installed([*LIBRARIES, "no-such-library"]) == [*map(importlib.metadata.version, LIBRARIES), ""]


def test_a_file_changed_or_removed_in_output_is_restored(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    build(site)
    expected = tree(site / "output")
    (site / "output/posts/gen-010/index.html").write_text("changed by hand", encoding="utf-8")
    (site / "output/topics/fan-zha/index.html").unlink()
    build(site)
    assert tree(site / "output") == expected


def test_a_list_page_removed_by_hand_is_made_again_when_the_cache_lost_it(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    build(site)
    expected = tree(site / "output")
    (site / "output/topics/fan-zha/index.html").unlink()
    with Cache(site / CACHE_DIR).db as db:  # pruned, say: only planning every page can make it again
        db.execute("DELETE FROM pages")
    build(site)
    assert tree(site / "output") == expected


def test_search_files_changed_or_removed_by_hand_are_restored_by_an_edit(sites: tuple[Path, Path], monkeypatch) -> None:
    incremental, cold = sites
    monkeypatch.setattr(parallel, "cores", lambda: 2)  # the search index is updated in a forked process
    monkeypatch.setattr(search_index, "BATCH_DOCS", 8)  # fragment folders the edit leaves where they are
    build(incremental)
    for fragment in (incremental / "output/search").glob("frag-*/1*.json.gz"):
        fragment.write_bytes(b"changed by hand")
    next((incremental / "output/search").glob("frag-*/2*.json.gz")).unlink()
    EDITS["body"](incremental)
    EDITS["body"](cold)
    build(incremental)
    cold_build(cold)
    assert tree(incremental / "output") == tree(cold / "output")


@pytest.mark.parametrize("failing", [2, 6, 12])  # files moved into the shadow, folders, and the last
def test_interrupted_commit_leaves_the_old_site_whole(sites: tuple[Path, Path], monkeypatch, failing: int) -> None:
    """The new site is assembled in the shadow beside output/, which is untouched until the exchange."""
    site, cold = sites
    build(site)
    EDITS["body"](site)
    build(site)  # a shadow in a known state: this commit syncs it, then moves the new files in
    before = tree(site / "output")
    EDITS["title"](site)  # the post, its neighbours, lists and feeds change
    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(src: str | Path, dest: str | Path) -> None:
        calls["n"] += 1
        if calls["n"] == failing:
            raise KeyboardInterrupt
        real_replace(src, dest)

    monkeypatch.setattr(output.os, "replace", failing_replace)
    assert cli.main(["--root", str(site), "build"]) == 130
    monkeypatch.undo()
    assert calls["n"] == failing
    assert tree(site / "output") == before
    assert [p.name for p in site.iterdir() if p.name.startswith(".output.new-")] == []
    build(site)  # the shadow's state unknown: made again from output/
    EDITS["body"](cold)
    EDITS["title"](cold)
    cold_build(cold)
    assert tree(site / "output") == tree(cold / "output")


def test_build_killed_while_committing_is_followed_by_a_full_one(sites: tuple[Path, Path], monkeypatch) -> None:
    incremental, cold = sites
    build(incremental)
    EDITS["topic"](incremental)
    EDITS["topic"](cold)
    monkeypatch.setattr(Record, "save_written", lambda *args, **kwargs: None)  # as if killed after the moves
    build(incremental)
    monkeypatch.undo()
    (incremental / "output/stray.html").write_text("left by the killed build", encoding="utf-8")
    build(incremental)  # output/ is not known for sure: rebuilt whole, and the stray file goes
    cold_build(cold)
    assert tree(incremental / "output") == tree(cold / "output")


def test_drafts_bodies_are_kept_for_the_day_they_are_shown(sites: tuple[Path, Path]) -> None:
    """A build with another base URL renders every body again, drafts' too, so that a later build that
    shows the drafts finds their bodies: the cache then says it has every body without looking."""
    incremental, cold = sites
    build(incremental)
    build(incremental, "--base-url", "https://example.org/archive/")
    build(incremental, "--base-url", "https://example.org/archive/", "--drafts")
    shutil.rmtree(cold / "output", ignore_errors=True)
    build(cold, "--base-url", "https://example.org/archive/", "--drafts")
    assert tree(incremental / "output") == tree(cold / "output")


def test_a_broken_cache_is_started_afresh(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    build(site)
    expected = tree(site / "output")
    for file in (site / CACHE_DIR).rglob("*"):  # the database, and the compiled templates beside it
        if file.is_file():
            file.write_bytes(b"not a database")
    shutil.rmtree(site / "output")
    build(site)
    assert tree(site / "output") == expected


def test_a_renamed_folder_is_moved_whole(sites: tuple[Path, Path], monkeypatch) -> None:
    """The search index's folders are named by their files' hashes: an edit renames one fragment folder and
    the shards' folder, each moved into the shadow with one rename, not one for each of their files."""
    site, _ = sites
    build(site)
    folders = {p.name for p in (site / "output/search").iterdir() if p.is_dir()}
    moves: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def replace(src: str | Path, dest: str | Path) -> None:
        moves.append((Path(src), Path(dest)))
        real_replace(src, dest)

    monkeypatch.setattr(output.os, "replace", replace)
    EDITS["title"](site)  # the title is in the story's fragment (a sentence in the body may not be)
    build(site)
    now = {p.name for p in (site / "output/search").iterdir() if p.is_dir()}
    new = now - folders
    assert {name[:2] for name in new} == {"s-", "fr"} and len(new) == 2 and len(folders - now) == 2
    shadow = site / ".output.sitegen-prev" / "search"
    ends = [dest.name for _, dest in moves if dest.parent == shadow]
    assert sorted(name for name in ends if name in new) == sorted(new)  # each moved once
    assert not any(dest.parent.name in new for _, dest in moves)  # no file moved on its own


def test_files_moved_to_a_renamed_folder_are_linked_not_written(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    build(site)
    fragments = {p.name: p.stat().st_ino for p in (site / "output/search").glob("frag-*/*.json.gz")}
    EDITS["title"](site)  # a fragment folder is named by its fragments' bytes: one changed, so it moves
    build(site)
    moved = {p.name: p.stat().st_ino for p in (site / "output/search").glob("frag-*/*.json.gz")}
    assert moved.keys() == fragments.keys()
    assert sum(moved[name] != inode for name, inode in fragments.items()) == 1


def inodes(folder: Path) -> set[int]:
    return {p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_an_edit_writes_over_the_files_the_last_one_replaced(sites: tuple[Path, Path]) -> None:
    """The shadow's files that the next release replaces, and no other name sees, are kept as spares."""
    incremental, cold = sites
    build(incremental)
    EDITS["body"](incremental)
    build(incremental)  # the shadow made: the release before this one, sharing its unchanged files
    EDITS["title"](incremental)  # the post, its neighbours, lists and feeds: the shadow's old files become spares
    build(incremental)
    spares = {int(name) for name in os.listdir(incremental / CACHE_DIR / "spares")}
    assert spares
    before = inodes(incremental / "output")
    assert not spares & before
    EDITS["topic"](incremental)
    build(incremental)
    new = inodes(incremental / "output") - before
    assert new and len(new & spares) == min(len(new), len(spares))  # as many new files as there were spares
    EDITS["body"](cold)
    EDITS["title"](cold)
    EDITS["topic"](cold)
    cold_build(cold)
    assert tree(incremental / "output") == tree(cold / "output")


def test_a_file_another_name_sees_is_never_written_over(sites: tuple[Path, Path], monkeypatch) -> None:
    """A replaced file hard-linked elsewhere (a backup made with cp -al, say) is not kept as a spare, and the
    spares are at most SPARES."""
    site, _ = sites
    monkeypatch.setattr(output, "SPARES", 5)
    build(site)
    backup = site / "backup.html"
    os.link(site / "output/posts/gen-042/index.html", backup)
    saved = backup.read_bytes()
    for change in ("title", "topic", "body"):  # each rewrites the post's page
        EDITS[change](site)
        build(site)
        assert (site / "output/posts/gen-042/index.html").read_bytes() != saved
        assert backup.read_bytes() == saved
        spares = site / CACHE_DIR / "spares"
        assert backup.stat().st_ino not in {int(name) for name in (os.listdir(spares) if spares.exists() else [])}
    assert len(os.listdir(site / CACHE_DIR / "spares")) == 5


def test_a_build_into_an_emptied_output_links_the_files_of_the_last(sites: tuple[Path, Path]) -> None:
    """output/ removed, the cache kept (a CI machine's): every file is a second name of one in links/."""
    site, _ = sites
    build(site)
    expected = tree(site / "output")
    shutil.rmtree(site / "output")
    build(site)
    assert tree(site / "output") == expected
    links = inodes(site / CACHE_DIR / "links")
    assert inodes(site / "output") == links  # and no link is left of a file the site no longer has


def test_a_file_changed_in_place_is_written_again_not_linked(sites: tuple[Path, Path]) -> None:
    """A program that writes into a file of output/ changes its link too (one file, two names): the mtime
    tells, and the next build into an emptied output/ writes the file again, and links that."""
    site, _ = sites
    build(site)
    expected = tree(site / "output")
    page = site / "output/posts/gen-010/index.html"
    with page.open("r+b") as file:
        file.write(b"changed in place")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 10**9))
    for _ in range(2):
        shutil.rmtree(site / "output")
        build(site)
        assert tree(site / "output") == expected
    assert inodes(site / "output") == inodes(site / CACHE_DIR / "links")


def test_an_edit_removes_the_links_of_the_files_it_replaced(sites: tuple[Path, Path]) -> None:
    site, _ = sites
    build(site)
    EDITS["title"](site)
    build(site)
    assert inodes(site / CACHE_DIR / "links") <= inodes(site / "output")


@pytest.mark.parametrize(("change", "replanned"), [("topic", 1), ("title", 3)])
def test_an_edit_plans_again_only_the_articles_that_show_what_changed(
    sites: tuple[Path, Path], monkeypatch, change: str, replanned: int
) -> None:
    """Other articles' frames are taken from the last plan. Without related stories (no pools), a topic
    edit plans again the post's article alone; a title edit its neighbours' too, which show its title."""
    incremental, cold = sites
    monkeypatch.setattr(taxonomy, "RELATED_POOL", 0)
    build(incremental)
    kept: list[dict[int, str]] = []
    real = plan.kept_frames
    monkeypatch.setattr(plan, "kept_frames", lambda *args: kept.append(real(*args)) or kept[-1])
    EDITS[change](incremental)
    EDITS[change](cold)
    build(incremental)
    cold_build(cold)
    articles = len(list((incremental / "output/posts").glob("*/index.html")))
    assert len(kept) == 1 and len(kept[0]) == articles - replanned
    assert tree(incremental / "output") == tree(cold / "output")


def test_a_topic_edit_hashes_again_only_the_list_pages_that_change(sites: tuple[Path, Path], monkeypatch) -> None:
    """A list whose posts are the same keeps its pages' keys from the last plan, but for the page that shows
    the edited post; the topics the post left or joined are hashed again whole."""
    incremental, cold = sites
    build(incremental)
    hashed: list[str] = []
    real = plan._list_key
    monkeypatch.setattr(plan, "_list_key", lambda site, url, *rest: hashed.append(url) or real(site, url, *rest))
    EDITS["topic"](incremental)
    build(incremental)
    edited = [url for url in hashed if not url.startswith("topics/") and "/topics/" not in url]
    lists = [p for p in (incremental / "output").rglob("index.html") if "/posts/" not in p.as_posix()]
    assert 0 < len(hashed) < len(lists) / 3
    assert edited and all(
        "posts/gen-042/" in (incremental / "output" / url / "index.html").read_text() for url in edited
    )
    EDITS["topic"](cold)
    cold_build(cold)
    assert tree(incremental / "output") == tree(cold / "output")


def test_an_edit_no_brief_shows_rewrites_no_article_but_its_own(sites: tuple[Path, Path]) -> None:
    """Every pool of this small site holds the post, so it is a candidate for every related list it shares a
    term with; those lists show its title and date (its brief), not its summary or topics: a summary edit
    changes no other article's key, and no other article is rendered or written again."""
    incremental, _ = sites
    build(incremental)
    before = mtimes(incremental / "output/posts")
    edit(incremental, POST, "summary: .*", "summary: 更正后的摘要。")
    build(incremental)
    after = mtimes(incremental / "output/posts")
    assert [path for path in after if after[path] != before.get(path)] == ["gen-042/index.html"]


def test_a_new_term_that_takes_an_old_ones_slug_plans_its_articles_again(sites: tuple[Path, Path], monkeypatch) -> None:
    """夜间巡察 and 夜间巡查 share their pinyin; the first by name keeps the plain slug, so the old tag's pages move."""
    incremental, cold = sites
    monkeypatch.setattr(taxonomy, "RELATED_POOL", 3)  # few pools hold the edited post: the slug alone must tell
    build(incremental)
    for site in sites:
        edit(site, POST, r"tags: \[", "tags: [夜间巡察, ")
    build(incremental)
    cold_build(cold)
    assert tree(incremental / "output") == tree(cold / "output")


@pytest.mark.parametrize("reach", ["terms.topics[0].stories", "terms.topics[0].places"])
def test_an_article_template_cannot_reach_a_terms_stories(
    sites: tuple[Path, Path], reach: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An article is given its terms as links (taxonomy.ArticleTerms, TermLink), from every term or from a
    kept plan alike: a theme that shows a term's stories on an article fails on every build, not only on
    one that renders the article from the last plan (whose terms never held stories)."""
    site, _ = sites
    template = site / "themes/default/templates/article.html"
    template.write_text(
        template.read_text(encoding="utf-8").replace("{% endblock %}", "{{ " + reach + " }}{% endblock %}", 1),
        encoding="utf-8",
    )
    assert cli.main(["--root", str(site), "build"]) == 1
    assert "TermLink object' has no attribute" in capsys.readouterr().err
    assert not (site / "output").exists()
