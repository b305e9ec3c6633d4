"""CJK typography for mainland news style: no spaces inside Chinese text, Chinese punctuation.

Why our own rules: the spacing libraries (pangu, autocorrect) add spaces between Chinese and
Latin text, the opposite of mainland news style, and convert only some punctuation (no paired
quotes, no brackets). These few rules do exactly what the archive needs and are tested one by one.
URLs, e-mail addresses, numbers (3.6万, 1,000, 8:30), 1+4+N and Latin words are left as they are,
and so is markup that may reach a title or a paragraph: inline code, HTML tags and their attributes,
Markdown link and image targets, and template syntax ({% tag %}, {{ value }}, {{< shortcode >}}).

A post that is Markdown already (Hexo, Jekyll, Hugo) gets none of this in its body: it is migrated
as the author wrote it (sitegen.importers.markdown_body), the typography of a technical blog is the
author's choice, and code, tables and links are most of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sitegen.extract.patterns import CJK_PUNCT, CLOSING, HAN, OPENING, SENTENCE_END

_CJK = f"[{HAN}{CJK_PUNCT}]"
_HAN = f"[{HAN}]"
# Taken out before the rules run and put back unchanged.
_PROTECTED = re.compile(
    "|".join(
        (
            r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)",  # inline code
            r"\{%.*?%\}|\{\{.*?\}\}",  # template tags, values and shortcodes
            r"<[A-Za-z/!][^<>]*>",  # HTML tags with their attributes, autolinks
            r"\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)",  # a link's or image's target
            r"(?:https?://|www\.)[\w\-.~:/?#\[\]@!$&'()*+,;=%]+",
            r"[\w.+-]+@[\w-]+\.[\w.-]+",
        )
    ),
    re.ASCII | re.S,
)
_PLACEHOLDER = "\ue000"
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000\u202f\u205f]+")
_ASCII_PUNCT = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_AFTER_CLOSE = CLOSING + "，。、；：！？,.;:!?"
_UNPAIRED = "，。、；：！？…—·～"


def clean_body(text: str) -> str:
    """A paragraph of body text: Chinese punctuation, paired quotes, no spaces around Chinese."""
    return _protected(text, lambda t: _remove_spaces(_punctuate(_normalise_spaces(t), repair=False)))


def clean_heading(text: str) -> str:
    """A title, sub-head or caption: like body text, but one space between two phrases stays.

    '12年刑事"零发案" 守护"天下第一山' -> '12年刑事“零发案” 守护“天下第一山”': the separator is
    kept and the closing quote the source lost is restored.
    """
    return _protected(text, lambda t: _heading_spaces(_punctuate(_normalise_spaces(t), repair=True)))


def join_lines(lines: list[str]) -> str:
    """Hard-wrapped lines -> one paragraph: no space at a break between Chinese, one otherwise."""
    out = ""
    for line in (part.strip() for part in lines):
        if not line:
            continue
        if out and not (re.match(_CJK, out[-1]) or re.match(_CJK, line[0]) or out.endswith("-")):
            out += " "
        out += line
    return out


def reflow(lines: list[str]) -> list[str]:
    """Lines of one text column -> paragraphs.

    A blank line ends a paragraph. Inside a run of lines, a new paragraph starts at an
    indented line, or after a line that ends a sentence well short of the column width.
    """
    paragraphs: list[list[str]] = []
    current: list[str] = []
    width = max((len(line.strip()) for line in lines), default=0)
    for line in lines:
        text = line.strip()
        if not text:
            if current:
                paragraphs.append(current)
            current = []
            continue
        indented = bool(re.match(r"^(?:\s{2,}|\u3000)", line))
        previous = current[-1] if current else ""
        short_end = previous.endswith(tuple(SENTENCE_END + "”")) and len(previous) < 0.8 * width
        if current and (indented or short_end):
            paragraphs.append(current)
            current = []
        current.append(text)
    if current:
        paragraphs.append(current)
    return [join_lines(p) for p in paragraphs]


def has_clause_punctuation(text: str) -> bool:
    """Prose has commas or full stops; headings, captions and link lists do not."""
    return bool(re.search(r"[，。；！？]|[,;!?](?!\d)", text))


def ends_sentence(text: str) -> bool:
    return text.rstrip("”’」』）)").endswith(tuple(SENTENCE_END))


def _protected(text: str, fix: Callable[[str], str]) -> str:
    """Apply fix to text with URLs and e-mail addresses taken out and put back unchanged."""
    kept: list[str] = []

    def hide(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return _PLACEHOLDER

    fixed = fix(_PROTECTED.sub(hide, text))
    return re.sub(_PLACEHOLDER, lambda _: kept.pop(0), fixed)


def _normalise_spaces(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()


def _punctuate(text: str, repair: bool) -> str:
    text = _pair_quotes(text, repair)
    text = _brackets(text)
    return _fullwidth(text)


def _pair_quotes(text: str, repair: bool) -> str:
    """Straight double quotes -> “ ”.

    A quote after a space or an opening bracket and before a word opens; one before a space or
    punctuation closes; between two characters it takes turns. With repair, a quote left open
    at the end is closed (a title that lost its last quote).
    """
    if '"' not in text or not re.search(_CJK, text):
        return text
    out = list(text)
    inside = False
    for i, ch in enumerate(text):
        if ch != '"':
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        after_word = after not in ("", " ") and after not in _AFTER_CLOSE
        if before in ("", " ") or before in OPENING:
            opens = after_word or not inside
        else:
            opens = after_word and not inside
        out[i] = "“" if opens else "”"
        inside = opens
    fixed = "".join(out)
    if repair and fixed.rfind("“") > fixed.rfind("”"):
        fixed += "”"
    return fixed


def _brackets(text: str) -> str:
    """ASCII parentheses around Chinese -> full-width; (1) and f(x) stay."""
    return re.sub(rf"\(([^()]*{_HAN}[^()]*)\)", r"（\1）", text)


def _fullwidth(text: str) -> str:
    """, ; : ! ? beside Chinese -> ，；：！？; between digits (1,000 8:30) they stay."""
    out = list(text)
    for i, ch in enumerate(text):
        if ch not in _ASCII_PUNCT:
            continue
        before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if (_is_cjk(before) or _is_cjk(after)) and not (before.isdigit() and after.isdigit()):
            out[i] = _ASCII_PUNCT[ch]
    return "".join(out)


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] == " ":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def _is_cjk(ch: str) -> bool:
    return bool(ch) and bool(re.match(_CJK, ch))


def _remove_spaces(text: str) -> str:
    """Body text: a space goes when it touches Chinese on one side and Chinese or a word on the other."""
    text = re.sub(rf"(?<={_CJK}) +(?=[\w%{HAN}{CJK_PUNCT}])", "", text)
    return re.sub(rf"(?<=[\w%]) +(?={_CJK})", "", text)


def _heading_spaces(text: str) -> str:
    """Headings: spaces inside quotes and brackets or around punctuation go; one between phrases stays."""
    text = re.sub(rf"(?<=[{OPENING}]) +", "", text)
    text = re.sub(rf" +(?=[{CLOSING}])", "", text)
    text = re.sub(rf"(?<=[{CJK_PUNCT}]) +(?=[{OPENING}])", "", text)
    text = re.sub(rf" +(?=[{_UNPAIRED}])", "", text)
    return re.sub(rf"(?<=[{_UNPAIRED}]) +", "", text)
