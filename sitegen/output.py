"""The only writer: files collected in memory, written to a fresh folder, swapped in at the end.

A build that fails or is interrupted before commit() leaves the previous output/ untouched.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from sitegen.errors import SitegenError


class Output:
    """Site-relative path -> bytes; a path written twice is a bug in the build, not a silent overwrite."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.files: dict[str, bytes] = {}

    def add(self, rel: str, data: bytes | str) -> str:
        """Add one file (a URL ending in '/' means its index.html); returns the stored path."""
        rel = rel.lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        parts = Path(rel).parts
        if any(p in ("..", "") for p in parts) or Path(rel).is_absolute():
            raise SitegenError(f"refusing to write outside the output folder: {rel}")
        if rel in self.files:
            raise SitegenError(f"two pages want the same file: {rel}", hint="two slugs or terms collide")
        self.files[rel] = data.encode("utf-8") if isinstance(data, str) else data
        return rel

    def add_hashed(self, name: str, data: bytes | str) -> str:
        """Store an asset under a content-hashed name (style.css -> style.1a2b3c4d.css)."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        stem, dot, ext = name.rpartition(".")
        hashed = f"{stem}.{hashlib.sha256(raw).hexdigest()[:10]}{dot}{ext}"
        if hashed not in self.files:
            self.add(hashed, raw)
        return hashed

    def commit(self) -> int:
        """Write everything into a sibling temp folder, then swap it for the target."""
        parent = self.target.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.new-", dir=parent))
        try:
            for rel in sorted(self.files):
                path = fresh / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(self.files[rel])
            os.chmod(fresh, 0o755)
            old = parent / f".{self.target.name}.old"
            if old.exists():
                shutil.rmtree(old)
            if self.target.exists():
                os.replace(self.target, old)
            os.replace(fresh, self.target)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        return len(self.files)
