"""sitegen build: the command's arguments -> pipeline.build() -> its report (see pipeline.py for the steps)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from sitegen import messages, parallel, pipeline
from sitegen.config import Config
from sitegen.search import Cluster


def run(cfg: Config, args: argparse.Namespace, content: Path, output: Path, held: list[object] | None) -> int:
    """Build the site; print the cache's notice (if any) and the summary."""
    if args.base_url:
        cfg = replace(cfg, base_url=args.base_url)
    cluster = Cluster(args.scheduler, args.jobs or parallel.cores()) if args.engine == "dask" else None
    built = pipeline.build(cfg, content, output, drafts=args.drafts, strict=args.strict, held=held, cluster=cluster)
    if built.notice is not None:
        print(f"{messages.label(messages.WARNING)}{messages.error_text(built.notice)}", file=sys.stderr)
    print(messages.translated(built.summary()))
    return 0
