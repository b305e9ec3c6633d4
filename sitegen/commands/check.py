"""sitegen check: every post and the config validated, nothing built or written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sitegen import checks, content, messages, pipeline, posts, redirects
from sitegen.config import Config
from sitegen.errors import SitegenError


@dataclass(frozen=True)
class CheckReport:
    problems: list[SitegenError]
    posts: int
    strict: bool

    @property
    def errors(self) -> list[SitegenError]:
        return [p for p in self.problems if self.strict or not p.warning]

    @property
    def warnings(self) -> list[SitegenError]:
        return [p for p in self.problems if not (self.strict or not p.warning)]

    def text(self) -> str:
        """'file:line: message' per problem, warnings marked, then the totals: in the reader's language."""
        lines = [messages.problem(p, kind=messages.WARNING if p in self.warnings else None) for p in self.problems]
        totals = f"{self.posts} posts checked: {len(self.errors)} errors, {len(self.warnings)} warnings"
        lines.append(messages.translated(totals))
        return "\n".join(lines)

    def json(self) -> str:
        """Each problem with its message and hint in English ("message", "hint": the same in every locale, for
        scripts that match them) and as the text report shows them ("text", "hint_text": the reader's language)."""
        rows = [
            {
                "file": str(p.path) if p.path else None,
                "line": p.line,
                "severity": "warning" if p in self.warnings else "error",
                "message": p.message,
                "hint": p.hint,
                "text": messages.translated(p.message),
                "hint_text": messages.translated(p.hint) if p.hint else None,
            }
            for p in self.problems
        ]
        summary = {"posts": self.posts, "errors": len(self.errors), "warnings": len(self.warnings)}
        return json.dumps({"problems": rows, **summary, "language": messages.current()}, ensure_ascii=False, indent=2)


def _order(problem: SitegenError) -> tuple[str, int]:
    return (str(problem.path or ""), problem.line or 0)


def run(cfg: Config, content_dir: Path, now: datetime, strict: bool = False) -> CheckReport:
    """Every post on its own (drafts too), then the links and aliases of what a build would publish."""
    stories, problems = content.read_all(content_dir)
    unique = list({s.slug: s for s in reversed(stories)}.values())  # a duplicate slug is reported already
    to_publish = posts.published(content.newest_first(unique), drafts=False, now=now)
    site = pipeline.files(cfg, to_publish, content_dir)
    problems.extend(redirects.add(cfg, to_publish, site))  # as the build adds them: after every other file
    robots = checks.robots_problem(cfg)
    if robots is not None:
        problems.append(robots)
    files = set(site.files)
    publishing = {s.path for s in to_publish}
    for story in stories:
        problems.extend(checks.story_problems(cfg, story))
        if story.path in publishing:
            problems.extend(checks.link_problems(story, files))
    return CheckReport(sorted(problems, key=_order), len(stories), strict)
