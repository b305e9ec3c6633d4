"""What sitegen says, in the reader's language: Simplified Chinese, or English (as the code writes it).

Messages are written in English where they are raised (SitegenError(message, path, line, hint)) and
stay English in the code, the tests of the stages and the import's --report. They are translated
here, at the places they are shown: the CLI's errors and summaries, `check`'s report, `serve`'s
console and error banner, the `--help` texts. One catalogue holds every translation:
locale/zh_CN/LC_MESSAGES/sitegen.po, whose msgids are the English templates as the code's f-strings
spell them ("unknown topic '{name}'" -> "未知专题「{name}」"). A finished message is matched against
the templates (each compiled to a regex, placeholders matching as little as they can, the template
with the most fixed text first); the values the placeholders caught are translated too (a message
inside a message). Text no template matches is shown as it is, in English; tests/test_messages.py
fails when a message the code can show has no template (see locale/extract.py).

The language: `messages_language` in sitegen.toml ("en" or "zh") if set, else the locale variables
as gettext reads them (LANGUAGE, LC_ALL, LC_MESSAGES, LANG; the first set one): English when it
starts with "en", Chinese otherwise, as the archive's editors read it.
"""

from __future__ import annotations

import functools
import heapq
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.errors import SitegenError, SitegenErrors

ZH, EN = "zh", "en"
CATALOGUE = Path(__file__).resolve().parent / "locale" / "zh_CN" / "LC_MESSAGES" / "sitegen.po"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
# "{{" and "}}" are braces of the text; "{name}" is a placeholder named as the code's f-string field.
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
# A caught value is translated again only if it holds English words (not a path, a number, a Chinese title).
WORDS = re.compile(r"[A-Za-z]{2}")
MAX_NESTING = 4
OPENING = 3  # characters of a template's fixed start by which entries are grouped
CACHE_SIZE = 50_000  # translations kept; more are forgotten together
# The labels the CLI puts before a message; the catalogue holds them like any other text.
ERROR = "error"
WARNING = "warning"
HINT = "hint"
# Where two values that touch may be split: "2 joined as later pages, " + "3", "x.md" + "; to check: date".
BOUNDARY = frozenset(" ,;:()")
# Spaces the English had around what Chinese punctuation now ends or opens: "3 篇 （其中" -> "3 篇（其中".
SPACED_PUNCTUATION = re.compile(r"[ \t]*([，。：；（）「」、？！])[ \t]*")
# Texts of the libraries the CLI shows in its own words (argparse's usage and errors, the system's
# reasons for refusing a file, PyYAML's problems): in the catalogue though no sitegen code spells them.
LIBRARY_TEXTS = (
    "positional arguments",
    "options",
    "show this help message and exit",
    "show program's version number and exit",
    "the following arguments are required: {arguments}",
    "unrecognized arguments: {arguments}",
    "argument {argument}: {problem}",
    "invalid choice: {value} (choose from {choices})",
    "invalid {kind} value: {value}",
    "expected one argument",
    "No such file or directory",
    "Permission denied",
    "No space left on device",
    "Read-only file system",
    "Is a directory",
    "Not a directory",
    "File name too long",
    "Address already in use",
    "mapping values are not allowed here",
    "found character {character} that cannot start any token",
    "could not find expected ':'",
    "did not find expected key",
    "did not find expected '-' indicator",
)

_chosen: str | None = None


def language(setting: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """EN or ZH: the site's `messages_language` if given, else the first locale variable that is set."""
    if setting:
        return EN if setting.strip().lower().startswith("en") else ZH
    env = os.environ if environ is None else environ
    value = next((env[name] for name in LOCALE_VARIABLES if env.get(name)), "")
    return EN if value.lower().startswith("en") else ZH


def use(setting: str | None) -> None:
    """The config's choice for what this process prints (the CLI calls it once it has read the config);
    None or "" follows the locale variables, read each time."""
    global _chosen
    _chosen = language(setting) if setting else None


def current() -> str:
    return _chosen if _chosen is not None else language()


@dataclass(frozen=True)
class Entry:
    """One catalogue template, compiled: its regex, its placeholders in order, and its translation."""

    template: str
    translation: str
    regex: str  # compiled when first needed (most never are in a run)
    names: tuple[str, ...]
    touching: tuple[int, ...]  # placeholders right after another ("{pages}{n} conflict"): see Catalogue._split
    opening: str  # the fixed text it starts with ("" if a placeholder): what the text must start with
    longest: str  # the longest fixed piece: a quick test before the regex
    fixed: int  # how much fixed text: more is more specific
    ends_fixed: bool  # ends with fixed text, so it can be the first part of a longer text
    worded: bool  # its fixed text holds a word; one that does not ("{status} {source}: {message}", a summary's
    # line) is tried only on a line or a value in it, and taken only when a value it catches translates

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.regex, re.DOTALL)


def compile_entry(template: str, translation: str) -> Entry:
    """fixed: the text before, between and after the placeholders; each placeholder catches as little as it
    can, and one that opens the template no line break (it cannot take the lines before the message)."""
    names: list[str] = []
    fixed: list[str] = [""]
    position = 0
    for match in PLACEHOLDER.finditer(template):
        fixed[-1] += template[position : match.start()]
        if match.group(1) is None:
            fixed[-1] += match.group()[0]
        else:
            names.append(match.group(1))
            fixed.append("")
        position = match.end()
    fixed[-1] += template[position:]
    pieces = [re.escape(fixed[0])]
    for n, text in enumerate(fixed[1:]):
        pieces += ["([^\n]*?)" if n == 0 and not fixed[0] else "(.*?)", re.escape(text)]
    return Entry(
        template,
        translation,
        "".join(pieces),
        tuple(names),
        tuple(n for n in range(1, len(names)) if not fixed[n]),
        fixed[0],
        max(fixed, key=len),
        sum(map(len, fixed)),
        bool(fixed[-1]),
        bool(WORDS.search("".join(fixed))),
    )


def fill(translation: str, values: Mapping[str, str]) -> str:
    """The translation with each placeholder replaced by the value caught for it."""
    return PLACEHOLDER.sub(lambda m: m.group()[0] if m.group(1) is None else values[m.group(1)], translation)


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The templates and their Chinese, the most specific first; what was translated is kept (messages repeat).

    A text is translated whole, else line by line, else as a message followed by more; the values a
    template catches are translated the same way, MAX_NESTING deep. A template without words (a
    summary's "{status} {source}: {message}") is tried on one line, or a value in it, and only when
    a value it catches translates without another such template (so two of them do not nest).
    """

    entries: tuple[Entry, ...]
    done: dict[tuple[str, int, bool], str | None] = field(default_factory=dict, repr=False)

    @functools.cached_property
    def templates(self) -> dict[str, str]:
        return {e.template: e.translation for e in self.entries}

    @functools.cached_property
    def _by_opening(self) -> dict[str, tuple[Entry, ...]]:
        """The entries with placeholders by the first OPENING characters of their fixed start ("" if none)."""
        groups: dict[str, list[Entry]] = {}
        for entry in self.entries:
            if entry.names:
                groups.setdefault(entry.opening[:OPENING], []).append(entry)
        return {key: tuple(group) for key, group in groups.items()}

    def _candidates(self, text: str) -> Iterator[Entry]:
        """The entries text could match (those whose opening it starts with), the most specific first."""
        groups = [self._by_opening.get(text[:n], ()) for n in range(min(len(text), OPENING) + 1)]
        return heapq.merge(*groups, key=lambda e: (-e.fixed, e.template))

    def translate(self, text: str) -> str:
        """text in Chinese as far as the catalogue knows it; the rest as it is."""
        found = self._translated(text, 0)
        return text if found is None else SPACED_PUNCTUATION.sub(r"\1", found)

    def _translated(self, text: str, depth: int, layouts: bool = True) -> str | None:
        """text translated, or None when no template takes it."""
        key = (text, depth, layouts)
        if key not in self.done:
            if len(self.done) > CACHE_SIZE:  # serve runs for days; messages differ by file and line
                self.done.clear()
            self.done[key] = self._translating(text, depth, layouts)
        return self.done[key]

    def _translating(self, text: str, depth: int, layouts: bool) -> str | None:
        core = text.strip()
        if not core or depth > MAX_NESTING or not WORDS.search(core):
            return None
        start, end = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        found = self._whole(core, depth, layouts)
        if found is None and "\n" in core:
            lines = [self._translated(line, depth, layouts) for line in core.split("\n")]
            if any(line is not None for line in lines):
                found = "\n".join(t or line for t, line in zip(lines, core.split("\n"), strict=True))
        if found is None:
            found = self._sequence(core, depth, layouts)
        return None if found is None else start + found + end

    def _whole(self, text: str, depth: int, layouts: bool) -> str | None:
        exact = self.templates.get(text.replace("{", "{{").replace("}", "}}"))
        if exact is not None:
            return fill(exact, {})
        if not any(c.isspace() for c in text):
            return None  # one word, a path or a URL: only an exact entry ("created", "link") translates it
        layouts = layouts and depth <= 1 and "\n" not in text
        for entry in self._candidates(text):
            if entry.longest in text and (entry.worded or layouts) and text.startswith(entry.opening):
                match = entry.pattern.fullmatch(text)
                if match is None:
                    continue
                caught = self._split(entry, list(match.groups()))
                if entry.worded or any(self._translated(value, depth + 1, layouts=False) for value in caught):
                    return self._filled(entry, caught, depth)
        return None

    def _split(self, entry: Entry, caught: list[str]) -> tuple[str, ...]:
        """Two placeholders that touch: the first caught nothing, the second both values. They are split at
        the word boundary where most of the two translate ("2 joined as later pages, " + "3"; a path +
        "; to check: date")."""
        for n in entry.touching:
            both = caught[n - 1] + caught[n]
            cuts = [0, *(i for i in range(1, len(both)) if both[i - 1] in BOUNDARY or both[i] in BOUNDARY)]
            best = max(cuts, key=lambda i: (self._known(both[:i]) + self._known(both[i:]), -i))
            caught[n - 1 : n + 1] = [both[:best], both[best:]]
        return tuple(caught)

    def _known(self, value: str) -> int:
        return 1 if self._translated(value, 1) is not None else 0

    def _sequence(self, text: str, depth: int, layouts: bool) -> str | None:
        """A message with another after it (a summary and its '; 2 warnings'): each part translated."""
        for entry in self._candidates(text):
            if not (entry.ends_fixed and entry.longest in text and text.startswith(entry.opening)):
                continue
            if (match := entry.pattern.match(text)) and match.end() < len(text):
                rest = self._translated(text[match.end() :], depth + 1, layouts)
                if rest is not None:
                    return self._filled(entry, match.groups(), depth) + rest
        return None

    def _filled(self, entry: Entry, caught: Sequence[str], depth: int) -> str:
        values = {
            name: (self._translated(value, depth + 1) or value).strip()
            for name, value in zip(entry.names, caught, strict=True)
        }
        return fill(entry.translation, values)


def read(path: Path = CATALOGUE) -> Catalogue:
    """The .po file as a Catalogue; entries without a translation (or marked fuzzy) are left out.

    Babel reads the .po itself: no compiled .mo to keep in step with it, and the file stays the one
    place a translation is written and reviewed."""
    from babel.messages.pofile import read_po  # only when something is shown in Chinese

    if not path.is_file():  # an install without its package data: English rather than a crash on every message
        return Catalogue(())
    with path.open("rb") as po:
        catalog = read_po(po, locale="zh_CN")
    entries = [
        compile_entry(str(message.id), str(message.string))
        for message in catalog
        if message.id and message.string and not message.fuzzy
    ]
    return Catalogue(tuple(sorted(entries, key=lambda e: (-e.fixed, e.template))))


@functools.cache
def catalogue() -> Catalogue:
    return read()


def translated(text: str, lang: str | None = None) -> str:
    """A finished English text in the reader's language."""
    return text if (lang or current()) == EN else catalogue().translate(text)


def label(name: str, lang: str | None = None) -> str:
    """'error: ' or '错误：', ready to go before a message."""
    return f"{name}: " if (lang or current()) == EN else translated(name, lang) + "："


def problem(err: SitegenError, lang: str | None = None, kind: str | None = None) -> str:
    """'file:line: [kind: ]message' and the hint on the next line, in the reader's language."""
    where = f"{err.path}:{err.line}: " if err.path is not None and err.line else f"{err.path}: " if err.path else ""
    prefix = label(kind, lang) if kind else ""
    hint = f"\n  {label(HINT, lang)}{translated(err.hint, lang)}" if err.hint else ""
    return f"{where}{prefix}{translated(err.message, lang)}{hint}"


def error_text(err: BaseException, lang: str | None = None) -> str:
    """An error as the CLI prints it after 'error: ' (each of several on its own lines)."""
    if isinstance(err, SitegenErrors):
        return "\n".join(problem(e, lang) for e in err.errors)
    if isinstance(err, SitegenError):
        return problem(err, lang)
    return translated(str(err), lang)
