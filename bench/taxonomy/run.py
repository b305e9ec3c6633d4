#!/usr/bin/env python3
"""Topics and regions against an editor's labels: precision and recall of find_topics and
find_regions on stories from ../shared (news pages, real blog posts, the seed stories).

    bench/taxonomy/run.py [--shared ../shared] [--code DIR ...] [--errors]

labels.tsv (beside this script) names each story by its path under shared/ and gives the
topics and the 省/市/县 chain an editor files it under; README.md says how they were labelled.
The stories' text is read from shared/ at run time. --code DIR measures the sitegen package of
another checkout too (e.g. `git worktree add /tmp/tax-before HEAD~3`), in its own process, so
the figures before and after a change come out of one command. --errors lists each story
whose topics or regions are wrong or missing (ids and labels only).

Scoring. A label is required, or acceptable when prefixed with ? (a place or topic an editor
would not object to, but does not ask for). Topics: precision = found topics that are
labelled (required or acceptable) / found topics; recall = required topics found / required
topics. Regions count each level of the chain (省, 市, 县) as one item the same way, against
the labelled chain(s); a story with no label and no region counts for neither.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
GROUPS = (("news", "eval/"), ("blogs", "migrate/"), ("seeds", "seeds/"))


@dataclass(frozen=True)
class Label:
    topics: frozenset[str]
    topics_ok: frozenset[str]  # required and acceptable
    region: frozenset[str]  # the names of the required chain
    regions_ok: frozenset[str]  # the names of every labelled chain
    topics_text: str  # the label as written, for --errors
    regions_text: str


@dataclass
class Tally:
    found: int = 0
    right: int = 0
    wanted: int = 0
    hit: int = 0
    wrong_stories: list[str] = field(default_factory=list)

    def add(self, path: str, found: set[str], ok: frozenset[str], wanted: frozenset[str]) -> None:
        self.found += len(found)
        self.right += len(found & ok)
        self.wanted += len(wanted)
        self.hit += len(found & wanted)
        if found - ok:
            self.wrong_stories.append(path)

    def figures(self) -> str:
        precision = f"{self.right / self.found:6.1%}" if self.found else "     -"
        recall = f"{self.hit / self.wanted:6.1%}" if self.wanted else "     -"
        return f"P {precision} ({self.right}/{self.found})  R {recall} ({self.hit}/{self.wanted})"


def parse_labels(path: Path) -> dict[str, Label]:
    labels: dict[str, Label] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        story, topics, regions = line.split("\t")
        topic_items = [] if topics == "-" else topics.split(",")
        chains = [] if regions == "-" else regions.split(";")
        required = [c for c in chains if not c.startswith("?")]
        labels[story] = Label(
            topics=frozenset(t for t in topic_items if not t.startswith("?")),
            topics_ok=frozenset(t.lstrip("?") for t in topic_items),
            region=frozenset(required[0].split("/")) if required else frozenset(),
            regions_ok=frozenset(name for c in chains for name in c.lstrip("?").split("/")),
            topics_text=topics,
            regions_text=regions,
        )
    return labels


# --- reading a story as the importer hands it to find_topics / find_regions ----------------

_FRONT = re.compile(r"\A(?:---|\+\+\+)[ \t]*\n(.*?)\n(?:---|\+\+\+)[ \t]*\n", re.S)
_HEXO_FRONT = re.compile(r"\A((?:[\w-]+:.*\n|[ \t]+.*\n|-[ \t].*\n)+)---[ \t]*\n")  # Hexo without the opening ---
_TITLE = re.compile(r"^title\s*[:=]\s*(.+?)\s*$", re.M)
_TAG = re.compile(r"<[^>]+>")


def split_front_matter(text: str) -> tuple[str, str]:
    """(title, body) of a post file; title "" when it has no front matter."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").lstrip("\n")
    match = _FRONT.match(text) or _HEXO_FRONT.match(text)
    if not match:
        return "", text
    title = _TITLE.search(match.group(1))
    return (title.group(1).strip("'\"") if title else ""), text[match.end() :]


def read_story(shared: Path, story: str) -> tuple[str, str]:
    """(title, text) of a labelled story, text as markdown_text makes it for the importer."""
    from sitegen.extract.clean import markdown_text

    path = shared / story
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return data.get("title") or "", data.get("body") or ""
    title, body = split_front_matter(path.read_text(encoding="utf-8", errors="replace"))
    if story.startswith("seeds/"):
        body = _TAG.sub("", body)
    return title, markdown_text(body)


def predict(shared: Path, stories: list[str]) -> dict[str, dict[str, list[str]]]:
    """Topics and regions of each story by the sitegen package this process imports."""
    from sitegen import config
    from sitegen.extract.regions import find_regions
    from sitegen.extract.vocab import find_topics

    topics = config.load(REPO).topics
    out = {}
    for story in stories:
        title, text = read_story(shared, story)
        out[story] = {
            "topics": list(find_topics(text, topics, title=title)),
            "regions": list(find_regions(text, title=title)),
        }
    return out


def predict_with(code: Path | None, shared: Path, stories: list[str]) -> dict[str, dict[str, list[str]]]:
    """predict() in a child process whose sitegen comes from `code` (None: this checkout)."""
    env = dict(os.environ, PYTHONPATH=str(code or REPO))
    args = [sys.executable, __file__, "--predict", "--shared", str(shared)]
    done = subprocess.run(args, input="\n".join(stories), env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"predicting with {code or REPO} failed:\n{done.stderr[-3000:]}")
    found: dict[str, dict[str, list[str]]] = json.loads(done.stdout)
    return found


def score(labels: dict[str, Label], found: dict[str, dict[str, list[str]]], prefix: str = "") -> tuple[Tally, Tally]:
    topics, regions = Tally(), Tally()
    for story, label in labels.items():
        if story.startswith(prefix):
            topics.add(story, set(found[story]["topics"]), label.topics_ok, label.topics)
            regions.add(story, set(found[story]["regions"]), label.regions_ok, label.region)
    return topics, regions


def report(name: str, labels: dict[str, Label], found: dict[str, dict[str, list[str]]], errors: bool) -> None:
    print(f"\n## {name}\n")
    print(f"{'set':<8} {'stories':>7}  {'topics':<40} {'regions (省/市/县 items)':<40}")
    for group, prefix in (("all", ""), *GROUPS):
        topics, regions = score(labels, found, prefix)
        count = sum(1 for story in labels if story.startswith(prefix))
        print(f"{group:<8} {count:>7}  {topics.figures():<40} {regions.figures():<40}")
    topics, regions = score(labels, found)
    print(f"\nstories given a wrong topic: {len(topics.wrong_stories)}; a wrong region: {len(regions.wrong_stories)}")
    if errors:
        for story, label in labels.items():
            got = found[story]
            missing_t = label.topics - set(got["topics"])
            missing_r = label.region - set(got["regions"])
            if set(got["topics"]) - label.topics_ok or set(got["regions"]) - label.regions_ok or missing_t or missing_r:
                print(f"  {story}")
                print(f"    topics  {','.join(got['topics']) or '-'}  (label {label.topics_text})")
                print(f"    regions {'/'.join(got['regions']) or '-'}  (label {label.regions_text})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--labels", type=Path, default=HERE / "labels.tsv")
    parser.add_argument("--code", type=Path, action="append", default=[], help="another checkout to measure too")
    parser.add_argument("--errors", action="store_true", help="list the stories filed wrong")
    parser.add_argument("--predict", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.predict:
        json.dump(predict(args.shared, sys.stdin.read().split("\n")), sys.stdout, ensure_ascii=False)
        return
    labels = parse_labels(args.labels)
    stories = list(labels)
    print(f"{len(stories)} labelled stories from {args.shared}")
    for code in args.code:
        report(f"{code} (sitegen from there)", labels, predict_with(code, args.shared, stories), args.errors)
    report(f"{REPO} (this checkout)", labels, predict_with(None, args.shared, stories), args.errors)


if __name__ == "__main__":
    main()
