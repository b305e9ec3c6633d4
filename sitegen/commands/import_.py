"""sitegen import: sources -> posts under content/posts/<year>/<slug>.md, never over an edited post.

Each source is read, converted and written on its own: a bad source is reported and the rest
go on. A source imported before (same fingerprint) is never written again: its post is
"unchanged" when it reads as the importer would write it, else a "conflict" (an editor changed
it), named in the report and left as it is.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sitegen import frontmatter
from sitegen.config import Config
from sitegen.content import post_paths
from sitegen.errors import SitegenError
from sitegen.importers.convert import KIND_NAMES, convert, fingerprint

Status = Literal["created", "unchanged", "conflict", "failed"]


@dataclass(frozen=True)
class Outcome:
    source: Path
    status: Status
    message: str


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "failed")

    def summary(self) -> str:
        """One line per source, then the totals."""
        lines = [f"{o.status:<9} {o.source}: {o.message}" for o in self.outcomes]
        counts = {
            s: sum(1 for o in self.outcomes if o.status == s) for s in ("created", "unchanged", "conflict", "failed")
        }
        totals = ", ".join(f"{n} {s}" for s, n in counts.items())
        lines.append(f"{len(self.outcomes)} source{'s' if len(self.outcomes) != 1 else ''}: {totals}")
        return "\n".join(lines)


@dataclass
class Existing:
    """What content/ already holds: slugs in use, and the post (path, slug) each fingerprint made."""

    slugs: set[str]
    by_fingerprint: dict[str, tuple[Path, str]]


def run(cfg: Config, sources: list[Path], content_dir: Path) -> ImportReport:
    report = ImportReport()
    existing = scan(content_dir)
    for source in sources:
        report.outcomes.append(import_one(cfg, source, content_dir, existing))
    return report


def scan(content_dir: Path) -> Existing:
    """Slugs and fingerprints of the posts in content/, read leniently: a post an editor broke
    still names its fingerprint, and must still not be imported over."""
    slugs: set[str] = set()
    prints: dict[str, tuple[Path, str]] = {}
    for path in post_paths(content_dir) if content_dir.is_dir() else []:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            slugs.add(path.stem)
            continue
        slug = _key(text, "slug") or path.stem
        slugs.update({slug, path.stem})
        found = _key(text, "fingerprint")
        if found:
            prints.setdefault(found, (path, slug))
    return Existing(slugs, prints)


def import_one(cfg: Config, source: Path, content_dir: Path, existing: Existing) -> Outcome:
    """Read, convert and write one source; every failure becomes a message naming the file."""
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        return Outcome(source, "failed", "no such file")
    except IsADirectoryError:
        return Outcome(source, "failed", "a folder, not a file: name the files to import")
    except OSError as err:
        return Outcome(source, "failed", f"cannot read: {err.strerror}")
    previous = existing.by_fingerprint.get(fingerprint(data))
    try:
        converted = convert(data, source, cfg, existing.slugs, slug=previous[1] if previous else None)
    except SitegenError as err:
        where = f"line {err.line}: " if err.line else ""
        hint = f" (hint: {err.hint})" if err.hint else ""
        return Outcome(source, "failed", f"{where}{err.message}{hint}")
    except Exception as err:  # one source's importer bug must not stop the others
        return Outcome(source, "failed", f"could not be read ({type(err).__name__}: {err}); please report this source")
    text = frontmatter.dump(converted.meta, converted.body)
    kind = KIND_NAMES[converted.kind]
    if previous is not None:
        path = previous[0]
        if _read(path) == text:
            return Outcome(source, "unchanged", f"{kind}, already imported as {path}")
        return Outcome(source, "conflict", f"{path} was changed since it was imported from this source; left as it is")
    meta = converted.meta
    slug = meta.slug or ""
    target = content_dir / "posts" / (str(meta.date.year) if meta.date else "undated") / f"{slug}.md"
    write_atomic(target, text)
    existing.slugs.add(slug)
    existing.by_fingerprint[meta.fingerprint or ""] = (target, slug)
    review = f"; to check: {', '.join(meta.review)}" if meta.review else ""
    return Outcome(source, "created", f"{kind} -> {target}{review}")


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, then rename: a reader sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _key(text: str, key: str) -> str | None:
    """A top-level front matter value, found even when the YAML around it is broken."""
    head = text.split("\n---", 2)[0] if text.startswith("---") else ""
    match = re.search(rf"^{key}:[ \t]*['\"]?([^'\"\s]+)", head, re.MULTILINE)
    return match.group(1) if match else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
