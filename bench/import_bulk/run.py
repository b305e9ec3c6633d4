#!/usr/bin/env python3
"""Bulk import throughput: `sitegen import DIR` of N news pages, cold, into an empty content folder.

The pages are the synthetic stories of shared/bench/make_corpus.py (different stories that reuse
the seeds' sentences), each wrapped in a portal page with navigation, by-line, related links and
footer; every third page is GBK-encoded and says so in its <meta>. Each run starts a fresh
`sitegen` process (start-up and per-worker loading included) and writes into a new content
folder. Prints the median wall time of the runs, pages per second, and the run's summary line,
whose `duplicate` count is the number of these different stories wrongly taken for copies.

    python bench/import_bulk/run.py [--n 1000] [--runs 3] [--jobs N]
"""

from __future__ import annotations

import argparse
import html
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
MAKE_CORPUS = REPO.parent / "shared" / "bench" / "make_corpus.py"


def portal_page(meta: dict[str, object], body: str, gbk: bool) -> tuple[str, str]:
    """A story as a city portal serves it; returns the page and the charset it is saved in."""
    title = str(meta["title"])
    listed = meta.get("authors")
    authors = " ".join(str(a) for a in listed) if isinstance(listed, list) else ""
    when = meta["date"]
    info = f"{when:%Y-%m-%d %H:%M} 来源：{meta.get('source', '')} 作者：{authors}" if isinstance(when, datetime) else ""
    paragraphs = "".join(f"<p>{html.escape(p.strip())}</p>" for p in body.split("\n\n") if p.strip())
    charset = "gbk" if gbk else "utf-8"
    page = (
        f"<!DOCTYPE html><html><head><meta charset='{charset}'><title>{html.escape(title)}_平安资讯网</title>"
        "<script>var _hmt = _hmt || [];</script></head><body>"
        "<div class='nav'><a href='/'>首页</a> <a href='/news/'>平安动态</a> <a href='/law/'>法治宣传</a>"
        " <a href='/service/'>办事服务</a></div>"
        "<div class='location'>当前位置：<a href='/'>首页</a> &gt; 平安动态 &gt; 正文</div>"
        f"<div class='article'><h1>{html.escape(title)}</h1><div class='info'>{html.escape(info)}</div>"
        f"{paragraphs}<p>（责任编辑：王敏）</p></div>"
        "<div class='share'>分享到：微信 微博</div>"
        "<div class='related'><h3>相关新闻</h3><ul><li><a href='/n/1.html'>我市召开平安建设推进会</a></li>"
        "<li><a href='/n/2.html'>暑期防溺水宣传进社区</a></li><li><a href='/n/3.html'>反诈宣传进校园</a></li></ul></div>"
        "<div class='footer'>平安资讯网版权所有 赣ICP备12345678号 联系电话：0796-8888888</div></body></html>"
    )
    return page, charset


def make_pages(n: int, out: Path) -> int:
    corpus = out / "markdown"
    subprocess.run(
        [sys.executable, str(MAKE_CORPUS), "--n", str(n), "--out", str(corpus), "--format", "sitegen"],
        check=True,
        capture_output=True,
    )
    pages = out / "pages"
    for number, path in enumerate(sorted(corpus.rglob("*.md"))):
        _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
        page, charset = portal_page(yaml.safe_load(head), body, gbk=number % 3 == 0)
        target = pages / f"{number // 100:02d}" / f"{path.stem}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.encode(charset, errors="xmlcharrefreplace"))
    return len(list(pages.rglob("*.html")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        count = make_pages(args.n, work)
        times: list[float] = []
        summary = ""
        for run in range(args.runs):
            command = [sys.executable, "-m", "sitegen", "--root", str(REPO), "import", str(work / "pages")]
            command += ["--content", str(work / f"content-{run}")] + (["--jobs", str(args.jobs)] if args.jobs else [])
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
        median = statistics.median(times)
        print(
            f"{count} pages, runs {', '.join(f'{t:.1f}' for t in times)} s: median {median:.1f} s = {count / median:.1f} pages/s"
        )
        print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
