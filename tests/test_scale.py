"""sitegen import on a Dask cluster (--engine dask): the same posts, byte for byte, and the same groups of
copies as a local import; WARC files read as byte ranges of records; a cluster that cannot be reached or
fails is an error that leaves content/ as it was.

The pages are synthetic portal pages of this file's own sentences (fixtures/scale/sentences.txt), some
reprinted by other portals with their own furniture, title suffix, punctuation and a paragraph cut.
"""

from __future__ import annotations

import html
import io
import json
import random
import socket
import sys
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from sitegen import cli, config, dedupe, frontmatter, scale, sources
from sitegen.commands import import_
from sitegen.scale import engine, shards

CASES_DIR = Path(__file__).resolve().parent / "fixtures" / "import"
HTML = CASES_DIR.parent / "html"
CFG = config.load(CASES_DIR)
SENTENCES = [
    line
    for line in (Path(__file__).parent / "fixtures" / "scale" / "sentences.txt").read_text("utf-8").splitlines()
    if line and not line.startswith("#")
]
PORTALS = ("平安吉安网", "赣州警方在线", "萍乡公安", "上饶政法网")


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")


def portal_page(title: str, paragraphs: list[str], portal: str, day: int) -> bytes:
    """A story as a county portal serves it: its navigation, by-line, related links and footer."""
    story = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}_{portal}</title></head><body>"
        f"<div class='nav'><a href='/'>首页</a> <a href='/jwdt/'>警务动态</a> <a href='/bszn/'>办事指南</a></div>"
        f"<div class='article'><h1>{title}</h1><div class='info'>2024-06-{day:02d} 08:30 来源：{portal}</div>"
        f"{story}</div><div class='related'><h3>相关阅读</h3><ul><li><a href='/a/1.html'>夏季治安巡防启动</a>"
        f"</li></ul></div><div class='footer'>{portal} 版权所有 备案号 赣ICP备00000000号</div></body></html>"
    ).encode()


def stories(n: int, seed: int = 0) -> list[tuple[str, list[str]]]:
    """n different stories: a headline and four paragraphs of two sentences, drawn from the pool."""
    told = []
    for i in range(n):
        rng = random.Random(seed * 1000 + i)
        picked = rng.sample(SENTENCES, 8)
        told.append(
            (f"警务快讯第{seed * 1000 + i + 1}期：{picked[0][:10]}", ["".join(picked[j : j + 2]) for j in (0, 2, 4, 6)])
        )
    return told


def reprinted(paragraphs: list[str]) -> list[str]:
    """Another portal's copy: full-width commas as ASCII ones, the last paragraph cut."""
    return [p.replace("，", ", ") for p in paragraphs[:-1]] + [paragraphs[-1][: len(paragraphs[-1]) // 2]]


def crawl(n: int, seed: int = 0, reprints: int = 3) -> list[tuple[str, bytes, str]]:
    """(url, payload, content type) of a crawl: n stories, the first `reprints` of them copied by one or two
    other portals later in the crawl, a picture and an error page between them."""
    told = stories(n, seed)
    records = [
        (f"https://{seed}.portal.example/{i}.html", portal_page(t, ps, PORTALS[0], i % 28 + 1), "text/html")
        for i, (t, ps) in enumerate(told)
    ]
    for i, (title, paragraphs) in enumerate(told[:reprints]):
        for copy in range(1 + i % 2):
            page = portal_page(title, reprinted(paragraphs), PORTALS[1 + copy], i % 28 + 1)
            records.insert(len(records) // 2 + i * 3, (f"https://{seed}.copy{copy}.example/{i}.htm", page, "text/html"))
    records.insert(2, (f"https://{seed}.portal.example/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png"))
    records.insert(5, (f"https://{seed}.portal.example/gone.html", b"<html>404</html>", "text/html; status=404"))
    return records


def write_warc(path: Path, records: list[tuple[str, bytes, str]], gzip: bool = True) -> Path:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        for url, data, content_type in records:
            status = "404 Not Found" if "status=404" in content_type else "200 OK"
            headers = StatusAndHeaders(status, [("Content-Type", content_type.split(";")[0])], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(data), http_headers=headers)
            )
    return path


def files(content: Path) -> dict[str, bytes]:
    """Every file the import wrote under content/, by its path there."""
    return {str(p.relative_to(content)): p.read_bytes() for p in sorted(content.rglob("*")) if p.is_file()}


def groups(content: Path) -> set[tuple[str, ...]]:
    """Each post that recorded copies: its own fingerprint and its copies' (the groups of one story)."""
    found = set()
    for path in sorted(content.rglob("*.md")):
        meta = frontmatter.read(path.read_text("utf-8"), path)[0]
        if meta.copies:
            found.add((meta.fingerprint or "", *(c.fingerprint or "" for c in meta.copies)))
    return found


def shown(report: import_.ImportReport, content: Path) -> str:
    return report.summary().replace(str(content), "CONTENT")


def test_dask_engine_writes_the_same_posts_and_groups_as_local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A WARC spread over several tasks of a 2-worker LocalCluster, beside a plain HTML file; then a second
    crawl with copies of stories the first run wrote (found in content/, not in the run)."""
    monkeypatch.setattr(engine, "RECORDS_PER_TASK", 5)
    pages = [  # a multi-page article, its pages in two tasks: joined into one post
        (f"https://police.example.cn/story/88{n}.html", (HTML / f"page{i}.html").read_bytes(), "text/html")
        for i, n in ((1, ""), (2, "_2"))
    ]
    records = crawl(14)
    first = write_warc(tmp_path / "first.warc.gz", [pages[0], *records[:9], pages[1], *records[9:]])
    page = tmp_path / "pages" / "one.html"
    page.parent.mkdir()
    title, paragraphs = stories(1, seed=7)[0]
    page.write_bytes(portal_page(title, paragraphs, PORTALS[3], 3))
    second = write_warc(tmp_path / "second.warc", crawl(6, seed=1), gzip=False)
    known = next(r for r in records if r[0].endswith("/1.html"))
    later_copies = [
        (f"https://late.example/{i}.html", portal_page(t, reprinted(ps), PORTALS[3], 9), "text/html")
        for i, (t, ps) in enumerate(stories(14)[3:5], start=3)
    ]
    again = write_warc(tmp_path / "again.warc.gz", [known, *later_copies])

    outcomes = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        dask = import_.Engine("dask", cluster.scheduler_address, tmp_path / "work")
        for name, how in (("local", import_.Engine()), ("dask", dask)):
            content = tmp_path / name / "content"
            report = import_.run(CFG, [str(first), str(page.parent)], content, jobs=2, engine=how)
            later = import_.run(CFG, [str(second), str(again)], content, jobs=2, engine=how)
            outcomes[name] = (files(content), groups(content), shown(report, content), shown(later, content))
        paths = sorted((tmp_path / "work").glob(shards.PATTERN))
        with Client(cluster) as client:  # the band shuffle of the second run's shards, each key holding all or 1
            found = {held: engine._candidates(client, paths, held) for held in (dedupe.HELD, 1)}

    assert outcomes["dask"][0] == outcomes["local"][0]  # the same posts, byte for byte, and the same list
    assert outcomes["dask"][1] == outcomes["local"][1]
    assert outcomes["dask"][2:] == outcomes["local"][2:]
    local_files, local_groups, summary, later_summary = outcomes["local"]
    # each crawl: stories 0 and 2 copied once, 1 twice; 3 and 4 copied in the second run; the article's 2 pages
    assert sorted(len(g) for g in local_groups) == [2, 2, 2, 2, 2, 2, 2, 3, 3]
    assert "16 created, 0 unchanged, 4 duplicate, 1 joined as later pages" in summary
    assert "6 created, 1 unchanged, 6 duplicate" in later_summary
    assert "again.warc.gz#https://late.example/3.html: the same story as" in later_summary  # a post of the first run

    rows = [row for path in paths for row in shards.read(path)]
    assert [r["position"] for r in rows] == list(range(len(rows)))
    assert len(rows) == 10 + 3  # the second run's records: its shards replaced the first run's
    sketches = [(r["position"], dedupe.Sketch(r["sketch_size"], tuple(r["sketch"]))) for r in rows]
    for held, shuffled in found.items():
        assert {j: sorted(near) for j, near in shuffled.items()} == in_run_order(sketches, held)
    copied = {r["position"] for r in rows if ".copy" in r["label"]}
    assert len(copied) == 4 and copied <= set(found[dedupe.HELD])
    assert shards.SCHEMA.names[:3] == ["position", "label", "digest"]


def in_run_order(sketches: list[tuple[int, dedupe.Sketch]], held: int) -> dict[int, list[tuple[int, float]]]:
    """What a local import finds, record by record: for each record's position, the earlier records it may
    copy (position, estimate), sorted."""
    pairs: dedupe.Pairs[int] = dedupe.Pairs(held=held)
    for position, sketch in sketches:
        pairs.seen(str(position), sketch)
    return {int(j): sorted((int(i), score) for i, score in near) for j, near in pairs.found.items() if near}


def common_sentences(n: int, seed: int = 0) -> list[tuple[int, list[int]]]:
    """Sketches of n bodies made of common sentences: every body holds the first four bands of all, and the
    five bodies of a family hold one more band together and agree on the first bin of every other band."""
    rng = random.Random(seed)
    common = [rng.randrange(1 << 20) for _ in range(8)]
    made = []
    for i in range(n):
        family = random.Random(i // 5)
        kin = [family.randrange(1 << 20) for _ in range(dedupe.BINS)]
        mins = [*common, *kin[8:10], *(v if b % 2 == 0 else rng.randrange(1 << 20) for b, v in enumerate(kin[10:]))]
        made.append((rng.randrange(900, 1100), mins))
    return made


def test_the_band_shuffle_pairs_as_a_run_index_holding_few_per_band(tmp_path: Path) -> None:
    made = common_sentences(60)
    path = tmp_path / shards.shard_name(0)
    shards.write(
        path,
        [{"position": n, "label": str(n), "sketch_size": size, "sketch": mins} for n, (size, mins) in enumerate(made)],
    )
    for held in (2, 5, 60):
        keyed = engine._keyed([str(path)], 3)
        parts = [engine._part_pairs([keyed[part]], [keyed[-1]], held) for part in range(3)]
        shuffled: dict[int, set[tuple[int, float]]] = {}  # a pair met in several parts, once
        for later, earlier, score in parts:
            for j, i, sc in zip(later.tolist(), earlier.tolist(), score.tolist(), strict=True):
                shuffled.setdefault(j, set()).add((i, sc))
        local = in_run_order([(n, dedupe.Sketch(size, tuple(mins))) for n, (size, mins) in enumerate(made)], held)
        assert {j: sorted(near) for j, near in shuffled.items()} == local
        if held == 2:
            few = sum(map(len, local.values()))
    assert few < sum(map(len, local.values()))  # holding 2 a band, some records miss a family's copies
    found = engine.Shards([], {}, chains=False).pairs()
    assert found is not None
    for n, (size, mins) in enumerate(made):  # the settling of a cluster's run looks for no pairs again
        found.seen(str(n), dedupe.Sketch(size, tuple(mins)))
    assert found.found == {}


def test_a_warc_split_into_ranges_gives_the_records_of_the_whole(tmp_path: Path) -> None:
    for gzip in (True, False):
        warc = write_warc(tmp_path / f"crawl{int(gzip)}.warc", crawl(9), gzip=gzip)
        items = [e for e in sources.expand([str(warc)]) if isinstance(e, sources.Item)]
        runs = sources.split_warc(items, 4)
        assert [len(r) for r in runs] == [4, 4, 4, 1]
        assert [item for run in runs for item in run] == items
        whole = [sources.load(item) for item in items]
        ranged = [loaded for run in runs for loaded in sources.read_range(run)]
        assert ranged == whole
        assert [w.url for w in whole] == [i.url for i in items]


def test_a_record_too_large_in_a_range_fails_alone(tmp_path: Path) -> None:
    records = crawl(3, reprints=0)
    records.insert(3, ("https://big.example/x.html", b"<p>" + "很长".encode() * 600 + b"</p>", "text/html"))
    warc = write_warc(tmp_path / "crawl.warc.gz", records)
    items = [e for e in sources.expand([str(warc)]) if isinstance(e, sources.Item)]
    got = sources.read_range(items, max_bytes=2000)
    assert [type(g).__name__ for g in got] == ["Loaded", "Loaded", "SitegenError", "Loaded"]


def test_shard_rows_read_back_as_the_records_they_were(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "crawl.warc.gz", crawl(3))
    items = [e for e in sources.expand([str(warc)]) if isinstance(e, sources.Item)]
    job = import_._Job(CFG, frozenset(), 5.0, 2**20)
    found = import_.extract_run(job, items)
    shards.write(tmp_path / "s.parquet", [shards.row(n, f) for n, f in enumerate(found)])
    back = [shards.extracted(values) for values in shards.read(tmp_path / "s.parquet")]
    assert back == [
        import_.Extracted(f.label, f.digest, f.converted, sketch=f.sketch, may_link=f.may_link) for f in found
    ]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:{port}", "no-such-scheme://x"])
def test_a_scheduler_that_cannot_be_reached_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], address: str
) -> None:
    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 2)
    warc = write_warc(tmp_path / "crawl.warc.gz", crawl(2, reprints=0))
    site = _site(tmp_path)
    where = address.format(port=_closed_port())
    status = cli.main(["--root", str(site), "import", str(warc), "--engine", "dask", "--scheduler", where])
    out, err = capsys.readouterr()
    assert status != 0
    assert f"cannot reach the Dask scheduler at {where}" in err
    assert "Traceback" not in err + out
    assert not (site / "content").exists()


def test_options_of_the_dask_engine_without_it_and_a_preview_on_it_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = _site(tmp_path)
    status = cli.main(["--root", str(site), "import", "x.html", "--scheduler", "tcp://127.0.0.1:1"])
    assert status != 0
    assert "--scheduler and --work are for the Dask engine" in capsys.readouterr().err
    status = cli.main(["--root", str(site), "import", "x.html", "--engine", "dask", "--to", str(tmp_path / "x.md")])
    assert status != 0
    assert "a preview (--to, --list) is converted here" in capsys.readouterr().err


def test_the_dask_engine_without_dask_installed_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # what an import finds when it is not installed
    monkeypatch.delitem(sys.modules, "sitegen.scale.engine")
    monkeypatch.delattr(scale, "engine")
    warc = write_warc(tmp_path / "crawl.warc.gz", crawl(2, reprints=0))
    site = _site(tmp_path)
    status = cli.main(["--root", str(site), "import", str(warc), "--engine", "dask"])
    err = capsys.readouterr().err
    assert status != 0
    assert "--engine dask needs the package distributed, which is not installed" in err
    assert "pip install 'sitegen[scale]'" in err
    assert not (site / "content").exists()


def _broken_shard(*args: object) -> bool:
    raise OSError("No space left on device")


def test_a_cluster_that_fails_leaves_content_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site = _site(tmp_path)
    before = write_warc(tmp_path / "before.warc.gz", crawl(2, seed=3, reprints=0))
    import_.run(CFG, [str(before)], site / "content", jobs=1)
    kept = files(site / "content")
    monkeypatch.setattr(engine, "_shard", _broken_shard)  # every task fails on its worker
    warc = write_warc(tmp_path / "crawl.warc.gz", crawl(8))
    status = cli.main(
        [
            "--root",
            str(site),
            "import",
            str(warc),
            "--engine",
            "dask",
            "--jobs",
            "2",
            "--report",
            str(tmp_path / "r.json"),
        ]
    )
    out, err = capsys.readouterr()
    assert status != 0
    assert "the Dask cluster failed after 0 of 1 tasks: OSError: No space left on device" in err
    assert "nothing was written into content/" in err
    assert "Traceback" not in err + out
    assert files(site / "content") == kept
    assert json.loads((tmp_path / "r.json").read_text("utf-8"))["sources"] == []


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitegen.toml").write_text((CASES_DIR / "sitegen.toml").read_text("utf-8"), "utf-8")
    return site
