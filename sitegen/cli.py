"""Command line: parse arguments, run one command, print errors once. The only place that exits."""

from __future__ import annotations

import argparse
import errno
import functools
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from sitegen import __version__, config, messages
from sitegen.errors import SitegenError, SitegenErrors
from sitegen.frontmatter import CHINA


def _content_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--content", type=Path, help="content folder (default: from sitegen.toml, else content/)")


class _Formatter(argparse.HelpFormatter):
    """argparse's own headings ('usage:', 'options:') in the reader's language."""

    def start_section(self, heading: str | None) -> None:
        super().start_section(messages.translated(heading) if heading else heading)

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix if prefix is not None else messages.translated("usage: "))


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks the reader's language: its help (see _translate_help) and its errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {messages.label(messages.ERROR)}{messages.translated(message)}\n")


def _translate_help(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Every description and help text of parser and its commands, through the catalogue."""
    if parser.description:
        parser.description = messages.translated(parser.description)
    for action in parser._actions:
        if action.help:
            action.help = messages.translated(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = messages.translated(choice.help) if choice.help else choice.help
            for command in set(action.choices.values()):
                _translate_help(command)
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
        "portals, text from newspaper PDFs; files, folders, http(s) URLs or WARC files) into posts under "
        "content/posts/<year>/<slug>.md. The kind of each source is recognised from its content. "
        "Re-importing a source changes nothing; a post an editor has changed is never overwritten; "
        "the same story from several sites becomes one post that lists its copies.",
    )
    imp.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="files, folders (searched recursively), URLs or WARC files"
    )
    _content_option(imp)
    imp.add_argument("--report", type=Path, metavar="FILE", help="also write a JSON report of every source's outcome")
    imp.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: one per core)")
    imp.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="where the sources are read and converted: 'local' worker processes (the default) or a Dask "
        "cluster ('dask': WARC files split into ranges of records, the results kept as Parquet shards, "
        "copies of a story found by a shuffle on MinHash band keys); the posts written are the same",
    )
    imp.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: the Dask scheduler to use (tcp://host:8786; its workers must see the "
        "sources and the --work folder); without it, a cluster of --jobs workers on this machine",
    )
    imp.add_argument(
        "--work",
        type=Path,
        metavar="DIR",
        help="with --engine dask: the folder for the run's Parquet shards (default: "
        ".sitegen-cache/import/<time>-<process>/ in the site's folder); kept after the run",
    )
    imp.add_argument(
        "--timeout",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="time limit for each URL, connecting and reading together (default: 20)",
    )
    imp.add_argument(
        "--max-size",
        type=float,
        default=10.0,
        metavar="MB",
        help="size limit for each file, page or WARC record (default: 10)",
    )
    imp.add_argument(
        "--fetch-images",
        action="store_true",
        help="also download the pictures the imported posts show from other sites (given no SOURCE: those of "
        "every post the importer wrote) into static/images/<slug>/, their captions and URLs recorded in a "
        ".sources.json beside them, so that pages show them without asking those sites",
    )
    imp.add_argument(
        "--to",
        type=Path,
        metavar="FILE",
        help="write the one SOURCE's post to FILE instead of into content/ (a preview)",
    )
    imp.add_argument(
        "--list", type=Path, metavar="TSV", help="preview many: a file of 'source<TAB>output file' lines, like --to"
    )

    build = sub.add_parser(
        "build",
        help="build the static site into output/",
        description="Build content/ with the theme into output/. The new site is written to a fresh "
        "folder and swapped in only when complete, so a failed build leaves output/ as it was.",
    )
    _content_option(build)
    build.add_argument("--output", type=Path, help="output folder (default: from sitegen.toml, else output/)")
    build.add_argument(
        "--base-url", help="where the site is published, e.g. https://host/archive/ (default: from sitegen.toml)"
    )
    build.add_argument("--drafts", action="store_true", help="include drafts and posts dated in the future")
    build.add_argument("--strict", action="store_true", help="treat warnings (see 'sitegen check') as errors")
    build.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="where the search index is built: in local processes (the default; with the cache, only what "
        "changed is indexed again) or whole on a Dask cluster ('dask': the same files, byte for byte)",
    )
    build.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: the Dask scheduler to use (tcp://host:8786); without it, a cluster of "
        "--jobs workers on this machine",
    )
    build.add_argument(
        "--jobs", type=int, metavar="N", help="with --engine dask: workers on this machine (default: one per core)"
    )

    new = sub.add_parser(
        "new",
        help="start a new post (a draft) and print its path",
        description="Write content/posts/<year>/<slug>.md with complete front matter: the date now (+08:00), "
        "a stable ASCII slug from the title, draft: true. Never overwrites an existing post.",
    )
    new.add_argument("title", help="the headline, e.g. 遂川公安创新推行“网格村警”机制")
    new.add_argument(
        "--category", action="append", default=[], metavar="TOPIC", help="a topic from sitegen.toml (repeatable)"
    )
    new.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="PLACE",
        help="a province, city or county, e.g. 遂川县 (repeatable)",
    )
    new.add_argument("--tag", action="append", default=[], metavar="WORD", help="a keyword (repeatable)")
    new.add_argument("--slug", help="the URL name instead of the title's pinyin (lowercase ASCII and hyphens)")
    _content_option(new)

    check = sub.add_parser(
        "check",
        help="validate every post and the config without building",
        description="Check front matter (keys, types, dates, known topics, unique slugs), internal links, local "
        "images, empty posts and posts whose 'review' list is not empty. Prints file:line: message for each "
        "and exits non-zero when there is an error (or any warning, with --strict).",
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    _content_option(check)

    serve = sub.add_parser(
        "serve",
        help="preview the site on this computer, rebuilding and reloading on every change",
        description="Build the site into a temporary folder, serve it at http://127.0.0.1:PORT/, watch content/, "
        "themes/, static/ and sitegen.toml, rebuild on every change and reload open pages. A broken post "
        "shows its error in the terminal and on the page; the server keeps running.",
    )
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0 picks a free one)")
    serve.add_argument("--drafts", action="store_true", help="include drafts and posts dated in the future")
    _content_option(serve)

    rename = sub.add_parser(
        "rename",
        help="rename a topic, tag or region in every story, or move a story to a new slug; old pages redirect",
        description="Rewrite the front matter of every story under content/ that uses OLD to use NEW, editing "
        "only that item (the rest of each file stays as it is). For a topic, also rename its key in "
        "sitegen.toml's [topics]. The old term page's path is added to [redirects] in sitegen.toml, and the "
        "build leaves a redirect page there, so old links keep working. With KIND slug, OLD is a story's slug: "
        "its slug becomes NEW and its old address is added to its aliases, which the build redirects.",
    )
    rename.add_argument("kind", metavar="KIND", help="topic, tag, region or slug")
    rename.add_argument("old", metavar="OLD", help="the name the stories use now")
    rename.add_argument("new", metavar="NEW", help="the name they should use")
    rename.add_argument("--dry-run", action="store_true", help="only show what would change; write nothing")
    _content_option(rename)

    cms = sub.add_parser(
        "cms",
        help="write the browser editor's files (Decap CMS) into static/admin/",
        description="Write static/admin/index.html and static/admin/config.yml: Decap CMS, with which editors "
        "write and edit stories in the browser at /admin/. The fields follow the front matter contract, the "
        "topics and regions are chosen from sitegen.toml's topics and the gazetteer. Run it again after "
        "changing the topics (the publish workflow runs it before every build).",
    )
    cms.add_argument("--repo", default="OWNER/REPOSITORY", help="the GitHub repository the CMS commits to")
    cms.add_argument("--branch", default="main", help="the branch stories are published from (default: main)")
    cms.add_argument("--auth-url", help="the OAuth service editors log in through (default: Decap's, on Netlify)")
    cms.add_argument("--check", action="store_true", help="write nothing; exit 1 if the files are out of date")
    return _translate_help(parser)


def _paths(args: argparse.Namespace, cfg: config.Config) -> tuple[Path, Path]:
    content = args.content if getattr(args, "content", None) else cfg.root / cfg.content_dir
    output = args.output if getattr(args, "output", None) else cfg.root / cfg.output_dir
    return content, output


def dispatch(args: argparse.Namespace, held: list[object] | None = None) -> int:
    """Run the command; held, if given, keeps what a build made until the caller exits (see command())."""
    if args.command == "check":
        return check(args)
    cfg = config.load(args.root)
    messages.use(cfg.messages_language)
    if args.command == "build":
        from sitegen.commands import build

        if args.engine != "dask" and (args.scheduler or args.jobs):
            raise SitegenError("--scheduler and --jobs of build are for the Dask engine", hint="add --engine dask")
        content, output = _paths(args, cfg)
        return build.run(cfg, args, content, output, held)
    if args.command == "import":
        from sitegen.commands import import_

        for option, value in (("--timeout", args.timeout), ("--max-size", args.max_size)):
            if not value > 0:
                raise SitegenError(f"{option} {value:g}: give a number above 0")
        max_bytes = int(args.max_size * 2**20)
        if args.engine != "dask" and (args.scheduler or args.work):
            raise SitegenError("--scheduler and --work are for the Dask engine", hint="add --engine dask")
        if args.engine == "dask" and (args.to or args.list):
            raise SitegenError("a preview (--to, --list) is converted here: --engine dask is for imports into content/")
        if args.fetch_images and (args.to or args.list):
            raise SitegenError("--fetch-images writes into static/: a preview (--to, --list) writes nothing there")
        if args.to or args.list:
            pairs = import_.preview_pairs(args.sources, args.to, args.list)
            previewed = import_.preview(cfg, pairs, jobs=args.jobs, timeout=args.timeout, max_bytes=max_bytes)
            print(messages.translated(previewed.summary()))
            return 1 if previewed.failed else 0
        if not args.sources and not args.fetch_images:
            raise SitegenError(
                "nothing to import", hint="name files, folders, URLs or WARC files: sitegen import page.html"
            )
        content, _ = _paths(args, cfg)
        imported = import_.run(
            cfg,
            args.sources,
            content,
            jobs=args.jobs,
            report=args.report,
            timeout=args.timeout,
            max_bytes=max_bytes,
            fetch_images=args.fetch_images,
            engine=import_.Engine(args.engine, args.scheduler, args.work),
        )
        print(messages.translated(imported.summary()))
        return 1 if imported.failed else 0
    if args.command == "new":
        from sitegen.commands import new

        content, _ = _paths(args, cfg)
        path = new.run(cfg, content, args.title, datetime.now(CHINA), args.category, args.region, args.tag, args.slug)
        print(path)
        return 0
    if args.command == "cms":
        return cms_command(cfg, args)
    if args.command == "rename":
        from sitegen.commands import rename

        content, _ = _paths(args, cfg)
        renamed = rename.run(cfg, content, args.kind, args.old, args.new, args.dry_run)
        print("\n".join([*renamed.changes, messages.translated(renamed.summary())]))
        return 0
    if args.command == "serve":
        from sitegen.commands import serve

        return serve.run(cfg, args.content, args.port, args.drafts)
    raise AssertionError(args.command)


def check(args: argparse.Namespace) -> int:
    """sitegen check: config problems are reported like post problems, in the chosen format."""
    from sitegen.commands import check

    try:
        cfg = config.load(args.root)
    except (SitegenError, SitegenErrors) as err:
        problems = err.errors if isinstance(err, SitegenErrors) else [err]
        report = check.CheckReport(problems, 0, args.strict)
    else:
        messages.use(cfg.messages_language)
        content, _ = _paths(args, cfg)
        report = check.run(cfg, content, datetime.now(CHINA), args.strict)
    print(report.json() if args.format == "json" else report.text())
    return 1 if report.errors else 0


def cms_command(cfg: config.Config, args: argparse.Namespace) -> int:
    """sitegen cms: write the admin files, or with --check say which are out of date."""
    from sitegen import cms

    backend = cms.Backend(args.repo, args.branch, args.auth_url)
    if args.check:
        stale = cms.stale(cfg, backend)
        for path in stale:
            print(f"{path}: out of date: run sitegen cms", file=sys.stderr)
        return 1 if stale else 0
    for path in cms.write(cfg, backend):
        print(path)
    return 0


def disk_error(err: OSError) -> SitegenError:
    """What the system refused, said as a problem the user can fix: which file, and what to do."""
    hints = {
        errno.ENOSPC: "the disk is full: free some space and run the command again",
        errno.EDQUOT: "the disk quota is used up: free some space and run the command again",
        errno.EROFS: "the disk is read-only: choose a folder on a writable disk",
        errno.EACCES: "you may not write there: check the folder's owner and permissions",
        errno.EPERM: "you may not write there: check the folder's owner and permissions",
        errno.ENAMETOOLONG: "a name is too long for the disk: shorten the slug or the folder's path",
    }
    path = Path(err.filename) if err.filename else None
    return SitegenError(err.strerror or str(err), path, hint=hints.get(err.errno or 0, "run the command again"))


def print_error(err: Exception) -> None:
    """'error: ' and the error, in the reader's language."""
    print(f"{messages.label(messages.ERROR)}{messages.error_text(err)}", file=sys.stderr)


def command() -> None:
    """The `sitegen` program: main(), then an exit that leaves freeing the build's objects to the system.

    Python's own exit collects and frees every object one by one, which grows with the archive, and
    so does freeing a build's objects as it returns (the build puts them in held instead). Everything is written and closed by then; output is flushed first.
    """
    signal.signal(signal.SIGTERM, functools.partial(_terminated, os.getpid()))
    held: list[object] = []
    code = main(held=held)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _terminated(program: int, signum: int, frame: object) -> None:
    """SIGTERM (a CI job cancelled, a timeout) stops the program as Ctrl-C does: what it was writing is
    cleaned up (a build's staging folder, an import's temporary file), not left beside output/. A
    forked worker, which its caller stops with SIGTERM, ends at once, as it would by default."""
    if os.getpid() != program:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
    raise KeyboardInterrupt("terminated")


def main(argv: list[str] | None = None, held: list[object] | None = None) -> int:
    messages.use(None)  # the locale's language until the config names one
    args = _parser().parse_args(argv)
    try:
        return dispatch(args, held)
    except (SitegenError, SitegenErrors) as err:
        print_error(err)
        return 1
    except OSError as err:  # the disk, not the program: full, read-only, not ours to write
        print_error(disk_error(err))
        return 1
    except KeyboardInterrupt as stop:
        said = f"interrupted: {stop}" if str(stop) else "interrupted; nothing half-written was kept"
        print(messages.translated(said), file=sys.stderr)
        return 130
