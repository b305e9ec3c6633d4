"""Where a link leads: one rule for links in content/, static/, the theme and imported folders."""

from __future__ import annotations

import os
from pathlib import Path


def inside(path: str | Path, root: str | Path) -> bool:
    """path lies in root once every link on the way to either is followed: a link that leads out of a
    folder (to /etc/passwd, ~/.bashrc) must not bring its target into the site."""
    top = os.path.realpath(root)
    return os.path.commonpath([os.path.realpath(path), top]) == top
