"""Command line: parse arguments, run one command, print errors once. The only place that exits."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sitegen import __version__, config
from sitegen.errors import SitegenError, SitegenErrors


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitegen",
        description="Build a Chinese public-safety news archive: import messy sources into content/, build output/.",
    )
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    parser.add_argument(
        "--root", type=Path, default=Path("."), help="the site folder holding sitegen.toml (default: .)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = sub.add_parser(
        "import",
        help="turn news sources into Markdown posts under content/",
        description="Turn news sources (HTML pages in any encoding, Hexo/Jekyll posts, text copied from "
        "portals, text from newspaper PDFs) into posts under content/posts/<year>/<slug>.md. "
        "The kind of each source is recognised from its content. Re-importing a source changes "
        "nothing; a post an editor has changed is never overwritten.",
    )
    imp.add_argument("sources", nargs="+", type=Path, metavar="SOURCE", help="files to import")
    imp.add_argument("--content", type=Path, help="content folder (default: from sitegen.toml, else content/)")

    build = sub.add_parser(
        "build",
        help="build the static site into output/",
        description="Build content/ with the theme into output/. The new site is written to a fresh "
        "folder and swapped in only when complete, so a failed build leaves output/ as it was.",
    )
    build.add_argument("--content", type=Path, help="content folder (default: from sitegen.toml, else content/)")
    build.add_argument("--output", type=Path, help="output folder (default: from sitegen.toml, else output/)")
    build.add_argument(
        "--base-url", help="where the site is published, e.g. https://host/archive/ (default: from sitegen.toml)"
    )
    build.add_argument("--drafts", action="store_true", help="include posts marked draft: true")
    return parser


def _paths(args: argparse.Namespace, cfg: config.Config) -> tuple[Path, Path]:
    content = args.content if getattr(args, "content", None) else cfg.root / cfg.content_dir
    output = args.output if getattr(args, "output", None) else cfg.root / cfg.output_dir
    return content, output


def dispatch(args: argparse.Namespace) -> int:
    cfg = config.load(args.root)
    if args.command == "build":
        from dataclasses import replace

        from sitegen.commands import build

        if args.base_url:
            cfg = replace(cfg, base_url=args.base_url)
        content, output = _paths(args, cfg)
        built = build.run(cfg, content, output, drafts=args.drafts)
        print(built.summary())
        return 0
    if args.command == "import":
        from sitegen.commands import import_

        content, _ = _paths(args, cfg)
        imported = import_.run(cfg, args.sources, content)
        print(imported.summary())
        return 1 if imported.failed else 0
    raise AssertionError(args.command)


def print_error(err: Exception) -> None:
    print(f"error: {err}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return dispatch(args)
    except (SitegenError, SitegenErrors) as err:
        print_error(err)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
