"""The build cache attacked: whatever .sitegen-cache/ holds, a build runs no code from it, deletes and writes
nothing outside output/ and the cache, publishes nothing that failed its check, and ends as a fresh build
would, saying once that the cache was cleared. Builds run as a user runs them, `sitegen build` in a process."""

from __future__ import annotations

import os
import pickle
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from support import TEST_SITE, copy_site

from sitegen import cli, codec
from sitegen.cache import CACHE_DIR, DATABASE, Cache, CacheDamaged, seal
from sitegen.codec import Codec, Malformed
from sitegen.content import Post
from sitegen.frontmatter import Meta
from sitegen.plan import Table as Plans
from sitegen.posts import Entry
from sitegen.record import RECORD


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


SITEGEN = Path(sys.executable).with_name("sitegen")  # the venv's program, as a user runs it
POST = "content/posts/2022/fan-zha.md"
PAGE = "posts/fan-zha/index.html"


class Build(NamedTuple):
    code: int
    out: str
    err: str


def sitegen(site: Path, *args: str) -> Build:
    done = subprocess.run(
        [str(SITEGEN), "--root", str(site), *(args or ("build",))], capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Build(done.returncode, done.stdout, done.stderr)


def build_here(site: Path, capsys: pytest.CaptureFixture[str]) -> Build:
    """A build in this process: the attacks on the database alone, which need no process of their own."""
    capsys.readouterr()
    code = cli.main(["--root", str(site), "build"])
    out, err = capsys.readouterr()
    return Build(code, out, err)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def warned_once(done: Build, site: Path) -> None:
    """The build went on, and said once that it cleared the cache, naming its folder."""
    assert done.code == 0, done.err
    warnings = [line for line in done.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and str(site / CACHE_DIR) in warnings[0], done.err
    assert not any(line.startswith("error:") for line in done.err.splitlines())


class Built(NamedTuple):
    site: Path  # where the site was built: its cache names output/ by this path
    kept: Path  # a copy of it as built, cache and output/ included
    fresh: dict[str, bytes]  # its output/, built with no cache: the bytes every build below must end with


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """tests/site built once with no cache, and kept."""
    root = tmp_path_factory.mktemp("built")
    site = copy_site(TEST_SITE, root / "site")
    assert sitegen(site).code == 0
    shutil.copytree(site, root / "kept", symlinks=True)
    return Built(site, root / "kept", tree(site / "output"))


@pytest.fixture
def fresh(built: Built) -> dict[str, bytes]:
    return built.fresh


@pytest.fixture
def site(built: Built) -> Path:
    """The built site, its cache and output/ there for a test to attack, put back where it was built."""
    shutil.rmtree(built.site)
    shutil.copytree(built.kept, built.site, symlinks=True)
    return built.site


def rows(site: Path, query: str, *args: Any) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(site / CACHE_DIR / DATABASE)
    try:
        found = db.execute(query, args).fetchall()
        db.commit()
        return found
    finally:
        db.close()


class Exploit:
    """Unpickled, runs a shell command: what a poisoned cache row would hold."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, ...]:
        return os.system, (self.command,)


def test_a_crafted_row_that_would_run_a_command_runs_nothing(site: Path, tmp_path: Path, fresh) -> None:
    ran = tmp_path / "ran"
    payload = pickle.dumps(Exploit(f"touch {ran}"))
    assert not ran.exists()
    # every value the cache keeps, as pickle bytes sealed as the cache seals its own (the checksums
    # pass): only the codec stands between them and the build
    sealed = {
        "posts": ("bucket", ["entries", "stats"], "posts/{column}/{row}"),
        "bodies": ("key", ["body", "links"], "bodies{dot}/{row}"),
        "plans": ("cards", ["plan"], "plans/{row}"),
        "search_state": ("part", ["state"], "search_state/{row}"),
        "search_keys": ("key", ["segments"], "search_keys/{row}"),
        "tables": ("name", ["value"], "tables/{row}"),
    }
    for table, (key, columns, row_name) in sealed.items():
        for (row,) in rows(site, f"SELECT {key} FROM {table}"):
            for column in columns:
                name = row_name.format(column=column, row=row, dot="" if column == "body" else ".links")
                rows(site, f"UPDATE {table} SET {column} = ? WHERE {key} = ?", seal(name, payload), row)
    for target, bucket in rows(site, "SELECT target, bucket FROM outputs"):
        rows(
            site,
            "UPDATE outputs SET record = ? WHERE target = ? AND bucket = ?",
            seal(f"outputs/{target}/{bucket}", payload),
            target,
            bucket,
        )
    done = sitegen(site)
    assert not ran.exists()
    warned_once(done, site)
    assert "does not hold a value of its type" in done.err  # the checksum passed: the codec refused it
    assert tree(site / "output") == fresh


def outside_paths(site: Path, bad_path: str, bad_key: str) -> None:
    """The record of output/ names bad_path, and a file whose key is bad_key, sealed as the cache seals its own."""
    name = str((site / "output").resolve())
    bucket, sealed = rows(site, "SELECT bucket, record FROM outputs WHERE target = ? LIMIT 1", name)[0]
    record = RECORD.decode(sealed[16:])
    some = next(iter(record.values()))
    record[bad_path] = some
    record[next(iter(record))] = (bad_key, some[1], some[2])
    rows(
        site,
        "UPDATE outputs SET record = ? WHERE target = ? AND bucket = ?",
        seal(f"outputs/{name}/{bucket}", RECORD.encode(record)),
        name,
        bucket,
    )


def test_a_recorded_path_out_of_output_deletes_nothing(site: Path, fresh) -> None:
    victim, linked = site.parent / "victim.txt", site.parent / "linked.txt"
    victim.write_text("keep me", encoding="utf-8")
    linked.write_text("keep me too", encoding="utf-8")
    outside_paths(site, "../../victim.txt", "../../../linked.txt")  # a key names a file under links/
    (site / "output/index.html").unlink()  # a file to write: the record is used
    done = sitegen(site)
    assert victim.read_text(encoding="utf-8") == "keep me" and linked.read_text(encoding="utf-8") == "keep me too"
    warned_once(done, site)
    assert "names a file outside the output folder" in done.err
    assert tree(site / "output") == fresh


def test_a_body_edited_in_the_cache_is_not_published(site: Path, fresh) -> None:
    bodies = Codec(tuple[str, str])
    for key, sealed in rows(site, "SELECT key, body FROM bodies"):
        html, text = bodies.decode(sealed[16:])
        changed = bodies.encode((html + "<p>攻击者的话</p>", text + "攻击者的话"))
        rows(site, "UPDATE bodies SET body = ? WHERE key = ?", sealed[:16] + changed, key)  # its old checksum
    shutil.rmtree(site / "output")  # every page made again from the bodies
    rows(site, "DELETE FROM pages")
    shutil.rmtree(site / CACHE_DIR / "links")
    done = sitegen(site)
    assert not any("攻击者的话".encode() in data for data in tree(site / "output").values())
    warned_once(done, site)
    assert "fails its checksum" in done.err
    assert tree(site / "output") == fresh


def test_random_bytes_for_the_database_are_cleared(site: Path, fresh, capsys) -> None:
    (site / CACHE_DIR / DATABASE).write_bytes(random.Random(1).randbytes(200_000))
    warned_once(build_here(site, capsys), site)
    assert tree(site / "output") == fresh


def test_random_bytes_inside_the_database_are_found(site: Path, fresh, capsys) -> None:
    path = site / CACHE_DIR / DATABASE
    data = bytearray(path.read_bytes())
    noise = random.Random(2)
    for page in range(1, len(data) // 4096):  # every page but the first, which holds the schema
        data[page * 4096 + 100 : page * 4096 + 400] = noise.randbytes(300)
    path.write_bytes(bytes(data))
    warned_once(build_here(site, capsys), site)
    assert tree(site / "output") == fresh


def test_a_database_cut_short_is_cleared(site: Path, fresh, capsys) -> None:
    path = site / CACHE_DIR / DATABASE
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    warned_once(build_here(site, capsys), site)
    assert tree(site / "output") == fresh


def test_garbage_rows_are_found(site: Path, fresh, capsys) -> None:
    noise = random.Random(3)
    for bucket, *_ in rows(site, "SELECT bucket FROM posts"):
        rows(site, "UPDATE posts SET entries = ? WHERE bucket = ?", noise.randbytes(64), bucket)
    rows(site, "INSERT OR REPLACE INTO slugs VALUES ('垃圾', ?)", noise.randbytes(40))
    (site / POST).write_text((site / POST).read_text(encoding="utf-8"), encoding="utf-8")
    warned_once(build_here(site, capsys), site)
    assert tree(site / "output") == fresh


@pytest.mark.parametrize(
    "foreign",
    [
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes VALUES (1, 'mine')",  # another program's
        "PRAGMA user_version = 99",  # another format of sitegen's
        "CREATE TRIGGER sneaky AFTER INSERT ON posts BEGIN DELETE FROM bodies; END",  # sitegen's, with more in it
    ],
)
def test_a_foreign_database_is_cleared(site: Path, fresh, foreign: str, capsys) -> None:
    if foreign.startswith("CREATE TABLE notes"):
        (site / CACHE_DIR / DATABASE).unlink()
    db = sqlite3.connect(site / CACHE_DIR / DATABASE)
    db.executescript(foreign)
    db.close()
    warned_once(build_here(site, capsys), site)
    assert tree(site / "output") == fresh


def test_garbage_in_the_template_cache_runs_nothing(site: Path, tmp_path: Path, fresh) -> None:
    """Jinja's bytecode cache kept compiled templates in .sitegen-cache/templates/: code, which a build must
    never load. Each template gets a compiled file that, run, would leave a file behind."""
    import jinja2
    from jinja2.bccache import Bucket, FileSystemBytecodeCache

    ran = tmp_path / "ran"
    folder = site / CACHE_DIR / "templates"
    folder.mkdir()
    kept = FileSystemBytecodeCache(str(folder))
    env = jinja2.Environment()
    for template in sorted((site / "themes/default/templates").glob("*.html")):
        bucket = Bucket(
            env, kept.get_cache_key(template.name, str(template)), kept.get_source_checksum(template.read_text())
        )
        bucket.code = compile(f"open({str(ran)!r}, 'w').close()", template.name, "exec")
        kept.dump_bytecode(bucket)
    (folder / "__jinja2_garbage.cache").write_bytes(b"j2garbage")
    shutil.rmtree(site / "output")
    rows(site, "DELETE FROM pages")  # every page rendered
    done = sitegen(site)
    assert done.code == 0, done.err
    assert not ran.exists()
    assert tree(site / "output") == fresh


@pytest.mark.parametrize("folder", ["links", "spares"])
def test_a_file_in_place_of_a_folder_is_cleared(site: Path, fresh, folder: str, capsys) -> None:
    shutil.rmtree(site / CACHE_DIR / folder, ignore_errors=True)
    (site / CACHE_DIR / folder).write_text("not a folder", encoding="utf-8")
    shutil.rmtree(site / "output")  # links/ is used
    warned_once(build_here(site, capsys), site)
    assert tree(site / "output") == fresh


def test_a_spare_that_links_out_is_never_written_into(site: Path, tmp_path: Path, fresh) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    spares = site / CACHE_DIR / "spares"
    spares.mkdir(exist_ok=True)
    for n in range(200):  # more than the build writes files: any file it makes would take one
        (spares / str(1000 + n)).symlink_to(victim)
    (site / "output/index.html").unlink()
    (site / POST).write_text((site / POST).read_text(encoding="utf-8") + "\n新的一句。\n", encoding="utf-8")
    done = sitegen(site)
    assert victim.read_text(encoding="utf-8") == "keep me"
    warned_once(done, site)
    assert PAGE in tree(site / "output")


def test_the_cache_folder_as_a_link_is_not_followed(site: Path, tmp_path: Path, fresh, capsys) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.move(site / CACHE_DIR, elsewhere)
    (elsewhere / "mine.txt").write_text("keep me", encoding="utf-8")
    (site / CACHE_DIR).symlink_to(elsewhere)
    warned_once(build_here(site, capsys), site)
    assert (elsewhere / "mine.txt").read_text(encoding="utf-8") == "keep me"
    assert (site / CACHE_DIR).is_dir() and not (site / CACHE_DIR).is_symlink()
    assert tree(site / "output") == fresh


def test_a_second_build_at_once_refuses_and_check_still_works(site: Path) -> None:
    before = tree(site / "output")
    holder = Cache(site / CACHE_DIR)  # this process builds, as far as the site can tell
    try:
        (site / POST).write_text((site / POST).read_text(encoding="utf-8") + "\n新的一句。\n", encoding="utf-8")
        done = sitegen(site)
        assert done.code == 1
        assert f"another sitegen build is running in this site (pid {os.getpid()})" in done.err
        assert "hint:" in done.err
        assert tree(site / "output") == before
        checked = sitegen(site, "check")  # reads no cache
        assert "another sitegen build" not in checked.err + checked.out and "posts checked" in checked.out
    finally:
        holder.close()
    assert sitegen(site).code == 0


def test_two_builds_started_at_once_end_in_one_site(site: Path, fresh) -> None:
    shutil.rmtree(site / "output")
    shutil.rmtree(site / CACHE_DIR)
    started = [
        subprocess.Popen(
            [str(SITEGEN), "--root", str(site), "build"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    ended = [(p.wait(timeout=120), p.stderr.read()) for p in started]  # type: ignore[union-attr]
    for code, err in ended:
        assert "Traceback" not in err
        assert code == 0 or (code == 1 and "another sitegen build is running in this site" in err), err
    assert 0 in [code for code, _ in ended]
    assert tree(site / "output") == fresh


def test_the_lock_dies_with_a_killed_build(site: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from sitegen.cache import Cache; "
            "held = Cache(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)",
            str(site / CACHE_DIR),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert sitegen(site).code == 1
    holder.kill()
    holder.wait()
    assert sitegen(site).code == 0


def test_a_full_disk_stops_with_an_error_and_keeps_the_cache(site: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    """SQLite's page limit set at the database's size: any write that needs more is "database or disk is full"."""
    (site / POST).write_text(
        (site / POST).read_text(encoding="utf-8") + "\n" + "新的一段很长的正文。" * 20_000, encoding="utf-8"
    )
    kept = rows(site, "SELECT * FROM posts")
    connect = sqlite3.connect

    def full(path: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        db = connect(path, *args, **kwargs)
        if path != ":memory:":
            db.execute("PRAGMA max_page_count = 1")  # as small as the file is: it grows no more
        return db

    monkeypatch.setattr(sqlite3, "connect", full)
    assert cli.main(["--root", str(site), "build"]) == 1
    err = capsys.readouterr().err
    assert "the disk is full" in err and str(site / CACHE_DIR) in err and "free some space" in err
    assert "Traceback" not in err
    monkeypatch.setattr(sqlite3, "connect", connect)
    assert rows(site, "SELECT * FROM posts") == kept  # the failed build's writes rolled back
    done = sitegen(site)
    assert done.code == 0 and "warning:" not in done.err  # nothing found damaged
    cold = copy_site(site, tmp_path / "cold")
    shutil.rmtree(cold / CACHE_DIR)
    shutil.rmtree(cold / "output")
    assert sitegen(cold).code == 0
    assert tree(site / "output") == tree(cold / "output")


def test_damage_found_mid_build_marks_the_cache_for_the_next(site: Path) -> None:
    rows(site, "UPDATE plans SET plan = ?", b"\x00" * 40)
    store = Cache(site / CACHE_DIR)
    try:
        with pytest.raises(CacheDamaged, match="plans/"):
            Plans(store).last()
    finally:
        store.close()
    again = Cache(site / CACHE_DIR)
    try:
        assert again.notice is not None and "plans/" in str(again.notice) and Plans(again).last() == ("", None)
    finally:
        again.close()


def test_the_codec_makes_only_registered_types() -> None:
    class Unknown(NamedTuple):
        name: str

    with pytest.raises(TypeError, match="register"):
        Codec(Unknown)
    entries = Codec(dict[str, Entry])
    for garbage in [
        b"",
        b"\xc1",
        random.Random(4).randbytes(300),
        pickle.dumps({"a": 1}),
        Codec(list[str]).encode(["a"]),
    ]:
        with pytest.raises(Malformed):
            entries.decode(garbage)
    words = Codec(tuple[str, ...])
    assert words.decode(words.encode(("甲", "乙"))) == ("甲", "乙")
    with pytest.raises(Malformed):
        words.decode(Codec(tuple[int, ...]).encode((1, 2)))


def test_the_codec_keeps_entries_as_they_were(tmp_path: Path) -> None:
    from sitegen.content import read_story
    from sitegen.errors import SitegenError

    path = tmp_path / "a.md"
    path.write_text(
        "---\ntitle: 标题\ndate: 2022-08-18T09:30:00+08:00\nupdated: 2022-08-19\ntags: [甲, 乙]\n"
        "copies:\n  - source: 某报\n    source_url: https://example.org/a\n---\n\n正文。\n",
        encoding="utf-8",
    )
    post = Post.of(read_story(path))
    entry = Entry(10, 20, post, (SitegenError("问题", path, 3, "提示", True),), (("/x/", 2, False),), 7, 2)
    entries = Codec(dict[str, Entry])
    back = entries.decode(entries.encode({str(path): entry}))[str(path)]
    assert back == entry and type(back.post.meta) is Meta and back.problems[0].path == path
    assert repr(back.post.meta) == repr(post.meta)  # dates, offsets and all
    assert codec.shared(back.post.meta.tags) is back.post.meta.tags
