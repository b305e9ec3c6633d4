#!/usr/bin/env python3
"""Batch driver for one peer extractor, so that score.py can time and score it like sitegen.

    python bench/extract_peer.py readability|trafilatura|gne LIST.tsv

LIST.tsv holds 'page.html<TAB>result.json' lines. Every peer reads the same decoded HTML that
sitegen reads (sitegen.importers.detect.decode_html: the declared charset, gb2312 read as its
superset gb18030, else detection) and writes JSON {title, author, date, body}; a page the
peer fails on gets an empty result and a line on stderr. One process for the whole list, as
score.py's batch mode expects.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sitegen.importers.detect import decode_html

Result = dict[str, Any]


def readability(html: str) -> Result:
    from lxml import html as lxml_html
    from readability import Document

    doc = Document(html)
    summary = doc.summary(html_partial=True)
    body = lxml_html.fromstring(summary).text_content() if summary.strip() else ""
    return {"title": doc.short_title(), "author": None, "date": None, "body": body}


def trafilatura(html: str) -> Result:
    import trafilatura as t

    found = t.extract(html, output_format="json", with_metadata=True, favor_recall=False)
    data = json.loads(found) if found else {}
    return {
        "title": data.get("title"),
        "author": data.get("author"),
        "date": data.get("date"),
        "body": data.get("text") or "",
    }


def gne(html: str) -> Result:
    from gne import GeneralNewsExtractor

    data = GeneralNewsExtractor().extract(html)
    return {
        "title": data.get("title"),
        "author": data.get("author"),
        "date": data.get("publish_time"),
        "body": data.get("content") or "",
    }


PEERS: dict[str, Callable[[str], Result]] = {"readability": readability, "trafilatura": trafilatura, "gne": gne}


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in PEERS:
        print(__doc__, file=sys.stderr)
        return 2
    extract = PEERS[sys.argv[1]]
    for line in Path(sys.argv[2]).read_text(encoding="utf-8").splitlines():
        source, out = line.split("\t")
        try:
            result = extract(decode_html(Path(source).read_bytes()))
        except Exception as err:  # a peer's failure on one page is an empty prediction, as score.py counts it
            print(f"{source}: {type(err).__name__}: {err}", file=sys.stderr)
            result = {"title": None, "author": None, "date": None, "body": ""}
        Path(out).write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
