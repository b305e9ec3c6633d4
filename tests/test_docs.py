"""The editor's guide keeps up with the code: every front matter field and every command is explained."""

from __future__ import annotations

from dataclasses import fields

from support import REPO

from sitegen.frontmatter import Meta

GUIDE = (REPO / "docs/editor-guide.md").read_text(encoding="utf-8")


def test_guide_explains_every_front_matter_field() -> None:
    missing = [f.name for f in fields(Meta) if f"| `{f.name}` |" not in GUIDE]
    assert missing == []


def test_guide_shows_every_editor_command() -> None:
    for command in ("sitegen new", "sitegen import", "sitegen serve", "sitegen check"):
        assert command in GUIDE, command


def test_readme_links_the_guide() -> None:
    assert "docs/editor-guide.md" in (REPO / "README.md").read_text(encoding="utf-8")
