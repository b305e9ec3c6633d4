"""sitegen rename topic|tag|region|slug OLD NEW: one term renamed in every story, its old page redirected;
or one story's slug (its address) changed, its old address kept as an alias.

Only the item that names OLD is edited, in place: the rest of every file (other items, quoting, comments,
line ends) stays byte for byte, so the change a reviewer sees is the rename and nothing else. A story
that already names NEW loses OLD instead of naming NEW twice. For a topic, the key of sitegen.toml's
[topics] table is renamed on its line (its keywords kept); and the old term page's path is written to
[redirects], which the build turns into a redirect page (see sitegen/redirects.py).

A slug is renamed in the story's own file: `slug:` changed on its line (or added, for a story named by its
file), and the old address appended to its `aliases:`, which the build turns into a redirect page. The
alias lives in the story, so it goes into the repository with the change and works on any machine, with
or without a build cache. A draft's address was never published: it gets no alias. Taking back an old
slug drops its alias (the page at that address is the story again).
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sitegen import content, frontmatter, redirects, taxonomy
from sitegen.config import CONFIG_NAME, Config
from sitegen.content import Story
from sitegen.errors import SitegenError
from sitegen.slugs import slugify, term_name

KINDS = {  # what the command calls a kind -> its front matter keys (ours, then other generators') and folder
    "topic": (("categories", "category"), taxonomy.TOPICS.key),
    "tag": (("tags", "tag"), taxonomy.TAGS.key),
    "region": (("regions", "region"), taxonomy.REGIONS.key),
}
KIND_HINT = "sitegen rename topic|tag|region|slug OLD NEW, e.g. sitegen rename topic 反诈 反诈宣传"
SLUG = "slug"
ALIAS_KEYS = ("aliases", "alias")
_SEPARATORS = ",，、[]{}"  # what ends an item of a flow list or of a comma-separated name list
_PLAIN_UNSAFE = re.compile(r"""^[\s\-?:,\[\]{}#&*!|>'"%@`]|[:#,\[\]{}，、]|\s$""")
_TABLE = re.compile(r"^\s*\[([^\[\]]+)\]\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"""^(\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)(\s*=\s*)(.*?)(\s*(?:#.*)?)$""")


@dataclass
class Renamed:
    """What a rename changed (or, in a dry run, would change): lines to show, and the files' new text."""

    key: str  # the front matter key: categories, tags or regions
    old: str
    new: str
    dry_run: bool
    changes: list[str] = field(default_factory=list)  # 'file:line: before -> after', one per edited line
    files: dict[Path, str] = field(default_factory=dict)  # story -> its new text
    config: str | None = None  # sitegen.toml's new text, when it changes
    aliased: bool = False  # a slug's rename kept the old address as an alias

    def summary(self) -> str:
        if self.key == SLUG:
            return self._slug_summary()
        count = len(self.files)
        if self.dry_run:
            return f"dry run: would rename '{self.old}' to '{self.new}' under '{self.key}' in {count} files; nothing written"
        return f"renamed '{self.old}' to '{self.new}' under '{self.key}' in {count} files"

    def _slug_summary(self) -> str:
        old, new = post_url(self.old), post_url(self.new)
        if self.dry_run:
            return f"dry run: would move {old} to {new}; nothing written"
        if not self.aliased:
            return f"moved {old} to {new} (a draft: its old address was never published, so no alias)"
        return f"moved {old} to {new}; the old address redirects to the new one"


def run(cfg: Config, content_dir: Path, kind: str, old: str, new: str, dry_run: bool = False) -> Renamed:
    """Rename, or with dry_run only say what would change; raises before writing anything on a problem."""
    if kind == SLUG:
        return rename_slug(content_dir, old, new, dry_run)
    if kind not in KINDS:
        raise SitegenError(f"unknown kind '{kind}': rename a topic, a tag, a region or a slug", hint=KIND_HINT)
    old, new = term_name(old), term_name(new)
    if not old or not new or old == new:
        raise SitegenError("give the old name and a different new name", hint=KIND_HINT)
    keys, folder = KINDS[kind]
    if kind == "topic" and new in {t.name for t in cfg.topics}:
        raise SitegenError(
            f"topic '{new}' exists already in sitegen.toml",
            cfg.root / CONFIG_NAME,
            hint=f"to merge '{old}' into it, remove '{old}' from [topics] first, then rename",
        )
    stories, _ = content.read_all(content_dir)
    result = Renamed(keys[0], old, new, dry_run)
    names: set[str] = set()
    for story in stories:
        used: tuple[str, ...] = getattr(story.meta, keys[0])
        names.update(used)
        if old in used and story.doc.dialect.startswith("yaml"):
            text = story.path.read_bytes().decode("utf-8")
            edited, changes = edit_story(text, story.doc.lines, keys, old, new)
            if edited != text:
                result.files[story.path] = edited
                result.changes += [f"{story.path}:{line}: {change}" for line, change in changes]
    if not result.files:
        raise SitegenError(
            f"no story uses '{old}' under '{keys[0]}'",
            content_dir,
            hint=f"the names in use are listed on the site's /{folder}/ page; check the spelling",
        )
    config_path = cfg.root / CONFIG_NAME
    text = config_path.read_text(encoding="utf-8") if config_path.exists() else ""
    if kind == "topic" and old in {t.name for t in cfg.topics}:
        text, line = rename_topic_key(text, old, new, config_path)
        result.changes.append(f"{config_path}:{line}: [topics] {old} -> {new}")
    before = taxonomy.term_slugs(sorted(names), slugify)
    after = taxonomy.term_slugs(sorted((names - {old}) | {new}), slugify)
    old_path, new_path = f"{folder}/{before[old]}/", f"{folder}/{after[new]}/"
    if old_path != new_path:
        text = add_redirect(text, old_path, new_path)
        result.changes.append(f"{config_path}: [redirects] {old_path} -> {new_path}")
    if config_path.exists() or old_path != new_path:
        result.config = text
    if not dry_run:
        write(result, config_path)
    return result


def write(result: Renamed, config_path: Path) -> None:
    for path, text in result.files.items():
        path.write_bytes(text.encode("utf-8"))
    if result.config is not None:
        config_path.write_bytes(result.config.encode("utf-8"))


def edit_story(
    text: str, key_lines: dict[str, int], keys: tuple[str, ...], old: str, new: str
) -> tuple[str, list[tuple[int, str]]]:
    """text with old renamed to new under keys (or, where new is there already, old removed), and each
    edited line's number and 'before -> after'. Only the lines of those keys are looked at."""
    lines = text.splitlines(keepends=True)
    block = _block_lines(lines, key_lines, keys)
    has_new = any(new in _names(lines[n - 1]) for n in block)
    changes: list[tuple[int, str]] = []
    for number in sorted(block, reverse=True):
        line = lines[number - 1]
        edited = _edit_line(line, old, new, has_new)
        if edited != line:
            lines[number - 1] = edited
            changes.append((number, f"{line.strip()} -> {edited.strip()}" if edited else f"{line.strip()} -> ∅"))
    return "".join(lines), sorted(changes)


def _block_lines(lines: list[str], key_lines: dict[str, int], keys: tuple[str, ...]) -> list[int]:
    """The numbers of the lines that give the values of keys: the key's own line and those indented under it."""
    starts = sorted(set(key_lines.values()))
    found: list[int] = []
    for key in keys:
        start = key_lines.get(key)
        if start is None:
            continue
        end = next((s for s in starts if s > start), len(lines) + 1)
        for number in range(start, end):
            if number > start and lines[number - 1].strip() in ("---", "..."):
                break
            found.append(number)
    return found


def _edit_line(line: str, old: str, new: str, drop: bool) -> str:
    """line with each item naming old renamed to new, or dropped when drop; '' when a list item line is left empty."""
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    start = _value_start(body)
    value_end = _comment_start(body, start)
    value = body[start:value_end]
    items = [span for span in _items(value) if _unquoted(value[span[0] : span[1]]) == old]
    if not items:
        return line
    for a, b in reversed(items):
        if drop:
            value = _without(value, a, b)
        else:
            value = value[:a] + _quoted_like(value[a:b], new) + value[b:]
    if drop and not value.strip() and body[:start].lstrip().startswith("-"):
        return ""
    return body[:start] + value + body[value_end:] + ending


def _value_start(body: str) -> int:
    """Where the value of a front matter line begins: after 'key:', after '- ', else at its first character."""
    found = re.match(r"""^\s*(?:-\s+)?(?:["']?[\w-]+["']?\s*:(?=\s|$)\s*)?""", body)
    return found.end() if found else 0


def _comment_start(body: str, start: int) -> int:
    quote = ""
    for i in range(start, len(body)):
        char = body[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == start or body[i - 1].isspace()):
            return len(body[:i].rstrip()) if body[:i].strip() else i
    return len(body)


def _items(value: str) -> list[tuple[int, int]]:
    """The spans of the names in a value: the items of a flow list, the parts of 'a，b', or the value itself
    (quotes included; a mapping's 'key: ' left out)."""
    spans: list[tuple[int, int]] = []
    quote, begin = "", 0
    for i, char in enumerate(value + ","):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'" and not value[begin:i].strip():
            quote = char
        elif char in _SEPARATORS:
            piece = value[begin:i]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                inner = piece.strip()
                colon = inner.rfind(": ") if inner[0] not in "\"'" else -1
                skip = colon + 2 if colon >= 0 else 0
                rest = inner[skip:]
                skip += len(rest) - len(rest.lstrip())
                spans.append((begin + lead + skip, begin + lead + len(inner)))
            begin = i + 1
    return spans


def _names(line: str) -> set[str]:
    body = line.rstrip("\r\n")
    start = _value_start(body)
    value = body[start : _comment_start(body, start)]
    return {_unquoted(value[a:b]) for a, b in _items(value)}


def _unquoted(item: str) -> str:
    if len(item) >= 2 and item[0] == item[-1] == "'":
        return term_name(item[1:-1].replace("''", "'"))
    if len(item) >= 2 and item[0] == item[-1] == '"':
        try:
            return term_name(json.loads(item))
        except ValueError:
            return term_name(item[1:-1])
    return term_name(item)


def _quoted_like(item: str, name: str) -> str:
    """name written as item was: in the same quotes, or plain when YAML allows it."""
    if item.startswith("'"):
        return "'" + name.replace("'", "''") + "'"
    if item.startswith('"') or _PLAIN_UNSAFE.search(name):
        return json.dumps(name, ensure_ascii=False)
    return name


def _without(value: str, a: int, b: int) -> str:
    """value without the item at a:b and one separator beside it ('[x, y]' -> '[y]')."""
    before = value[:a].rstrip()
    if before and before[-1] in ",，、":
        return before[:-1] + value[b:]
    after = value[b:]
    stripped = after.lstrip()
    if stripped and stripped[0] in ",，、":
        return value[:a] + stripped[1:].lstrip()
    return value[:a] + after


def rename_topic_key(text: str, old: str, new: str, path: Path) -> tuple[str, int]:
    """sitegen.toml's text with the [topics] key old renamed to new on its line, and that line's number."""
    lines = text.splitlines(keepends=True)
    table = ""
    for number, line in enumerate(lines, 1):
        header = _TABLE.match(line)
        if header:
            table = header.group(1).strip()
            continue
        found = _TOML_KEY.match(line.rstrip("\r\n")) if table == "topics" else None
        if found and _toml_key(found.group(2)) == old:
            a, b = found.span(2)
            lines[number - 1] = line[:a] + json.dumps(new, ensure_ascii=False) + line[b:]
            return "".join(lines), number
    raise SitegenError(
        f"topic '{old}' is not written as a line of the [topics] table",
        path,
        hint=f'rename it by hand: "{new}" = [keywords], then run the rename again for the stories',
    )


def _toml_key(token: str) -> str:
    if token.startswith('"'):
        return term_name(str(tomllib.loads(f"k = {token}")["k"]))
    return term_name(token.strip("'"))


def add_redirect(text: str, old_path: str, new_path: str) -> str:
    """sitegen.toml's text with [redirects] old_path = new_path: earlier redirects to old_path now lead to
    new_path, and one from new_path (a name given back) is dropped: its page is real again."""
    lines = text.splitlines(keepends=True)
    table, last = "", None
    kept: list[str] = []
    for line in lines:
        header = _TABLE.match(line)
        if header:
            table = header.group(1).strip()
        found = _TOML_KEY.match(line.rstrip("\r\n")) if table == "redirects" and not header else None
        if found and _toml_key(found.group(2)) in (old_path, new_path):
            continue
        if found and found.group(4) == json.dumps(old_path):
            line = line[: found.start(4)] + json.dumps(new_path) + line[found.end(4) :]
        kept.append(line)
        if table == "redirects" and line.strip():
            last = len(kept)
    entry = f"{json.dumps(old_path)} = {json.dumps(new_path)}\n"
    if last is None:
        if kept and not kept[-1].endswith("\n"):
            kept[-1] += "\n"
        return "".join(kept) + ("\n" if kept else "") + "[redirects]\n" + entry
    kept.insert(last, entry)
    return "".join(kept)


def post_url(slug: str) -> str:
    return f"/posts/{slug}/"


def rename_slug(content_dir: Path, old: str, new: str, dry_run: bool = False) -> Renamed:
    """The story at slug old moved to slug new, its old address added to its aliases (unless a draft); raises
    before writing anything when new is not a slug, or is another story's address or old address."""
    old, new = old.strip().strip("/").removeprefix("posts/"), new.strip().strip("/").removeprefix("posts/")
    if not frontmatter.SLUG_RE.match(new) or len(new) > frontmatter.MAX_SLUG:
        raise SitegenError(
            f"'{new}' is not a slug", hint="lowercase letters, digits and hyphens, e.g. sui-chuan-gong-an"
        )
    stories, _ = content.read_all(content_dir)
    story = _story_of(stories, old, content_dir)
    if new == story.slug:
        raise SitegenError("give the old slug and a different new slug", story.path, hint=KIND_HINT)
    _refuse_taken(stories, story, new)
    if not story.doc.dialect.startswith("yaml"):
        raise SitegenError(
            "only YAML front matter is edited in place",
            story.path,
            hint=f"change 'slug' by hand and add {post_url(story.slug)} to 'aliases'",
        )
    text = story.path.read_bytes().decode("utf-8")
    edited, changes = edit_slug(text, story, new)
    result = Renamed(SLUG, story.slug, new, dry_run, aliased=not story.meta.draft)
    result.files[story.path] = edited
    result.changes = [f"{story.path}:{line}: {change}" for line, change in changes]
    if not dry_run:
        story.path.write_bytes(edited.encode("utf-8"))
    return result


def _story_of(stories: list[Story], old: str, content_dir: Path) -> Story:
    """The story whose slug is old; refused with the closest slugs when none is."""
    for story in stories:
        if story.slug == old:
            return story
    close = difflib.get_close_matches(old, [s.slug for s in stories], n=3)
    raise SitegenError(
        f"no story has the slug '{old}'",
        content_dir,
        hint=f"did you mean {' or '.join(close)}?" if close else "the slug is the last part of the story's address",
    )


def _refuse_taken(stories: list[Story], story: Story, new: str) -> None:
    """Refused when new is another story's slug, or an old address another story keeps (its redirect)."""
    page = post_url(new) + "index.html"
    for other in stories:
        if other is story:
            continue
        if other.slug == new:
            raise SitegenError(
                f"slug '{new}' is used by {other.path}", other.path, content.slug_line(other), hint=TAKEN_HINT
            )
        for alias in other.meta.aliases:
            if "/" + (redirects.target_file(alias)[0] or "") == page:
                line = redirects.alias_line(other.path, alias)
                raise SitegenError(
                    f"{post_url(new)} is an old address of {other.path}", other.path, line, hint=TAKEN_HINT
                )


TAKEN_HINT = "choose another slug: a story's address may not replace another story's page or redirect"


def edit_slug(text: str, story: Story, new: str) -> tuple[str, list[tuple[int, str]]]:
    """text with `slug:` set to new and the old address appended to `aliases:` (not for a draft), or, when
    new is one of the story's old addresses, that alias dropped; each changed line's number and change."""
    lines = text.splitlines(keepends=True)
    ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    keys = story.doc.lines
    close = _closing_line(lines, story)
    block = _block_lines(lines, keys, ALIAS_KEYS)
    back = (post_url(new), post_url(new).rstrip("/"), post_url(new) + "index.html")
    for number in block:
        for alias in back:
            lines[number - 1] = _edit_line(lines[number - 1], alias, "", True)
    inserts: list[tuple[int, int, str]] = []  # (before which line index, order there, line)
    if "slug" in keys:
        line = lines[keys["slug"] - 1]
        body = line.rstrip("\r\n")
        start = _value_start(body)
        lines[keys["slug"] - 1] = body[:start] + new + body[_comment_start(body, start) :] + line[len(body) :]
    else:
        inserts.append((close - 1, 0, f"slug: {new}{ending}"))
    if not story.meta.draft:
        inserts += _add_alias(lines, block, post_url(story.slug), close, ending)
    for index, _, line in sorted(inserts, reverse=True):
        lines.insert(index, line)
    edited = "".join(lines)
    return edited, line_changes(text, edited)


def line_changes(before: str, after: str) -> list[tuple[int, str]]:
    """Each line of after that is not in before, by its number: 'old -> new', '+ new' or 'old -> ∅'."""
    old, new = before.splitlines(), after.splitlines()
    changes: list[tuple[int, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        gone, came = old[a1:a2], new[b1:b2]
        for n in range(max(len(gone), len(came))):
            was = gone[n].strip() if n < len(gone) else None
            now = came[n].strip() if n < len(came) else None
            number = b1 + min(n, len(came) - 1) + 1 if came else b1 + 1
            changes.append((number, f"+ {now}" if was is None else f"{was} -> {now if now is not None else '∅'}"))
    return changes


def _closing_line(lines: list[str], story: Story) -> int:
    """The number of the `---` line that closes the front matter."""
    number = story.doc.body_line - 1
    while number > 0 and lines[number - 1].strip() != "---":
        number -= 1
    if number <= 0:
        raise SitegenError("the front matter's closing '---' line was not found", story.path, story.doc.start_line)
    return number


def _add_alias(lines: list[str], block: list[int], alias: str, close: int, ending: str) -> list[tuple[int, int, str]]:
    """alias appended to the aliases key's flow list or single value (its line edited in place), or the lines
    to insert: an item after a block list's last, or an `aliases:` line before the closing `---` at close."""
    if not block:
        return [(close - 1, 1, f"aliases: [{alias}]{ending}")]
    first = block[0]
    body = lines[first - 1].rstrip("\r\n")
    start = _value_start(body)
    end = _comment_start(body, start)
    value = body[start:end].strip()
    if value:
        listed = value[1:-1].strip() if value.startswith("[") and value.endswith("]") else value
        joined = f"[{listed}, {alias}]" if listed else f"[{alias}]"
        lines[first - 1] = body[:start] + joined + body[end:] + lines[first - 1][len(body) :]
        return []
    items = [n for n in block[1:] if lines[n - 1].lstrip().startswith("-")]
    if not items:
        lines[first - 1] = body.rstrip() + f" [{alias}]" + lines[first - 1][len(body) :]
        return []
    last = lines[items[-1] - 1]
    return [(items[-1], 1, f"{last[: len(last) - len(last.lstrip())]}- {alias}{ending}")]
