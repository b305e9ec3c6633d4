"""The one exception family: every user-facing failure carries its file, line and a hint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class SitegenError(Exception):
    """A problem the user can fix; the CLI prints it once, without a traceback."""

    message: str
    path: Path | None = None
    line: int | None = None
    hint: str | None = None
    warning: bool = False  # shown, but stops nothing unless --strict

    def __str__(self) -> str:
        if self.path is not None and self.line is not None:
            where = f"{self.path}:{self.line}: "
        elif self.path is not None:
            where = f"{self.path}: "
        else:
            where = ""
        return where + self.message + (f"\n  hint: {self.hint}" if self.hint else "")


@dataclass
class SitegenErrors(Exception):
    """Several problems found in one pass, reported together so the user fixes them at once."""

    errors: list[SitegenError]

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)
