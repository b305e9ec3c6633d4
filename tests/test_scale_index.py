"""The search index built on a Dask LocalCluster is the local build's, file for file and byte for byte."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from support import TEST_SITE, copy_site

from sitegen import cli
from sitegen.scale import index as scale_index
from sitegen.search import index
from sitegen.search.index import BATCH_DOCS, SearchDoc
from sitegen.search.query import Reader

# Characters of the generated prose; 民 and 警 are left out: they come in one long line alone (see docs()).
POOL = (
    "公安局派出所社区群众反诈宣传防范电信网络诈骗巡逻治安交通事故消防安全禁毒学校校园"
    "守护红色哨兵山区城市县市省镇街道乡里年月日时分记者通讯员报道近日以来目前通过利用加强"
    "完善推进落实提升创新机制模式经验成效显著明显群防群治零发案刑事案件止付冻结资金账户"
    "手机短信电话微信线索核查打击违法犯罪嫌疑人抓获破获依法处理"
)


def docs(n: int, seed: int = 27) -> list[SearchDoc]:
    """n stories newest first, the last few undated, over several years and facet values.

    Every story has a line of 民警, every third one said 400 times: those keys' postings pass
    BLOCK_BYTES and are cut in blocks, and 民 and 警, in the same docs as often, share their D part files.
    One story in ten is written in traditional characters, which the index folds.
    """
    rng = random.Random(seed)
    newest = date(2024, 6, 30)
    made = []
    for i in range(n):
        lines = ["，".join("".join(rng.choices(POOL, k=rng.randint(2, 6))) for _ in range(8)) + "。"]
        lines += ["".join(rng.choices(POOL, k=rng.randint(20, 90))) for _ in range(rng.randint(2, 12))]
        lines.append("民警" * (400 if i % 3 == 0 else 1 + i % 20))
        if i % 10 == 4:
            lines.append("網絡詐騙案件頻發，社區民警開展宣傳。")
        text = "\n".join(lines)
        dated = i < n - 5
        made.append(
            SearchDoc(
                url=f"posts/s{i:04d}/",
                title="".join(rng.choices(POOL, k=rng.randint(6, 18))),
                text=text,
                date=(newest - timedelta(days=i * 3 + i % 2)).isoformat() if dated else "",
                summary=lines[0][:50],
                categories=tuple(
                    sorted(rng.sample(["反诈", "社区警务", "防溺水", "禁毒", "交通"], k=rng.randint(0, 2)))
                ),
                regions=(rng.choice(["江西省", "湖南省"]), rng.choice(["吉安市", "赣州市", "长沙市"])),
                source=rng.choice(["井冈山报", "新华社", "中国网", ""]),
            )
        )
    return made


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, Client(cluster) as connected:
        yield connected


@pytest.fixture(scope="module")
def archive() -> list[SearchDoc]:
    return docs(2 * BATCH_DOCS + 120)


@pytest.fixture(scope="module")
def local(archive: list[SearchDoc]) -> dict[str, bytes]:
    return files(index.build(archive))


def files(made: Iterator[index.IndexFile]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for file in made:
        assert file.data is not None and file.path not in out, file.path
        out[file.path] = file.data
    return out


def test_cluster_build_writes_the_local_builds_files(
    client: Client, archive: list[SearchDoc], local: dict[str, bytes]
) -> None:
    made = list(scale_index.build(client, archive))
    assert made[-1].path == index.MANIFEST
    assert files(iter(made)) == local
    assert all(file.sha == index.content_key(file.data or b"") for file in made)


def test_the_archive_has_what_the_comparison_needs(archive: list[SearchDoc], local: dict[str, bytes]) -> None:
    """Several batches, runs and key groups; keys cut in blocks; keys whose postings share a part file."""
    assert len(scale_index.runs(len(archive), 2)) == 3
    assert scale_index.group_count(len(archive), 2) == 4
    reader = Reader(lambda name: local[f"search/{name}"])
    pair, min_, jing = reader.record("民警"), reader.record("民"), reader.record("警")
    assert pair is not None and min_ is not None and jing is not None
    assert len(pair.blocks) >= 2
    assert [b.d for b in min_.blocks] == [b.d for b in jing.blocks] and isinstance(min_.blocks[0].d, str)


def test_any_number_of_key_groups_gives_the_same_files(client: Client, archive: list[SearchDoc]) -> None:
    few = archive[:300]
    assert files(scale_index.build(client, few, groups=1)) == files(scale_index.build(client, few, groups=7))


def test_docs_out_of_order_are_refused_as_the_local_build_refuses_them(client: Client) -> None:
    late = [*docs(20)[:10], SearchDoc("posts/late/", "旧闻", "旧的报道。", "2001-01-01", "", (), (), ""), *docs(20)[:3]]
    with pytest.raises(ValueError, match="posts/s0000/"):
        list(index.build(late))
    with pytest.raises(ValueError, match="posts/s0000/"):
        list(scale_index.build(client, late))


def test_an_empty_archive_gives_the_local_builds_files(client: Client) -> None:
    assert files(scale_index.build(client, [])) == files(index.build([]))


def test_sitegen_build_on_a_cluster_writes_the_local_builds_site(tmp_path: Path) -> None:
    """`sitegen build --engine dask` (a LocalCluster of 2): the whole site as a local build writes it, byte for
    byte; the next local build, whose cache now keeps no index, builds it whole to the same bytes again."""
    local, on_cluster = (copy_site(TEST_SITE, tmp_path / name) for name in ("local", "cluster"))
    assert cli.main(["--root", str(local), "build"]) == 0
    assert cli.main(["--root", str(on_cluster), "build", "--engine", "dask", "--jobs", "2"]) == 0
    site = site_files(local / "output")
    assert any(path.startswith("search/s-") for path in site)
    assert site_files(on_cluster / "output") == site
    assert cli.main(["--root", str(on_cluster), "build"]) == 0
    assert site_files(on_cluster / "output") == site


def test_a_scheduler_without_the_dask_engine_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = copy_site(TEST_SITE, tmp_path / "site")
    assert cli.main(["--root", str(site), "build", "--scheduler", "tcp://127.0.0.1:1"]) == 1
    assert "--engine dask" in capsys.readouterr().err
    assert not (site / "output").exists()


def site_files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}
