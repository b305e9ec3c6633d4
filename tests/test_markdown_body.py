"""Migrating a Markdown post body: kept as written, template tags converted or flagged, never printed.

Each case in fixtures/migrate/<generator>_<shape>/ holds input.md beside expected.md (the body) and
expected-review.txt (the review items, then the images). A case named markdown_* or crlf_* is plain
Markdown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import cache
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from sitegen import markup
from sitegen.importers.markdown_body import Migrated, migrate, rewrite_images
from sitegen.typography import clean_body, clean_heading

CASES_DIR = Path(__file__).resolve().parent / "fixtures" / "migrate"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())
GENERATORS = ("hexo", "jekyll", "hugo")
# Template tags as the page would show them, if any were printed.
PRINTED_TAG = re.compile(r"\{%.*?%\}|\{\{<.*?>\}\}|\{\{%.*?%\}\}", re.S)
# Bodies of the tags that hold code: their lines must come out as code.
CODE_TAG = re.compile(
    r"\{%\s*(codeblock|code|highlight)\b[^%]*%\}\n(.*?)\n[ \t>]*\{%\s*end\1\s*%\}"
    r"|\{\{<\s*highlight[^>]*>\}\}\n(.*?)\n\{\{<\s*/highlight\s*>\}\}",
    re.S,
)
IMAGE_TAG = re.compile(r"\{%\s*(?:asset_img|asset_image|img)\s|\{\{<\s*figure\s")
PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")


def generator_of(case: str) -> str:
    prefix = case.split("_", 1)[0]
    return prefix if prefix in GENERATORS else "hexo" if case.startswith("template") else "markdown"


def source(case: str) -> str:
    return (CASES_DIR / case / "input.md").read_bytes().decode("utf-8")


@cache
def migrated(case: str) -> Migrated:
    return migrate(source(case), generator_of(case))


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, golden: Callable[[str, Path], None]) -> None:
    result = migrated(case)
    golden(result.markdown, CASES_DIR / case / "expected.md")
    listed = "".join(f"review: {item}\n" for item in result.review) + "".join(f"image: {i}\n" for i in result.images)
    golden(listed, CASES_DIR / case / "expected-review.txt")


@pytest.mark.parametrize("case", CASES)
def test_rendering_keeps_every_code_line_table_and_image(case: str) -> None:
    text = source(case).lstrip("\ufeff").replace("\r\n", "\n")
    rendered = markup.to_html(migrated(case).markdown, remote_images=True)
    rendered_code = Counter(
        unescape(line).strip()
        for block in re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", rendered, re.S)
        for line in block.split("\n")
    )
    assert not Counter(code_lines(text, generator_of(case))) - rendered_code
    assert rendered.count("<table>") == sum(t.type == "table_open" for t in PARSER.parse(text))
    assert len(re.findall(r"<img\b", rendered)) == images_in(text) == len(migrated(case).images)


@pytest.mark.parametrize("case", CASES)
def test_no_template_tag_is_printed(case: str) -> None:
    rendered = markup.to_html(migrated(case).markdown, remote_images=True)
    prose = unescape(re.sub(r"<[^>]+>", "", re.sub(r"<pre>.*?</pre>|<code>.*?</code>", "", rendered, flags=re.S)))
    assert not PRINTED_TAG.findall(prose)


@pytest.mark.parametrize("case", ["markdown_shapes", "crlf_bom"])
def test_markdown_without_tags_renders_as_it_did(case: str) -> None:
    """Only line endings and whitespace that renders as nothing change."""
    text = source(case).lstrip("\ufeff").replace("\r\n", "\n")
    assert markup.to_html(migrated(case).markdown) == markup.to_html(text)


def assert_kept(body: str, parts: tuple[str, ...]) -> None:
    for part in parts:
        assert part in body, part


def test_markdown_is_kept_as_written() -> None:
    body = migrated("markdown_shapes").markdown
    assert_kept(
        body,
        (
            "# 社区报警小程序上线记",
            "### 1. 安装依赖",
            "#### 1.1 表格",
            '`alarm: "on"`,',
            '    return f"警情: {case[\'id\']}, 状态: {case["state"]}"',
            '~~~python title="report.py"',
            '        console.log("a: 大");',
            "| :--- | :---: | ---: |",
            '3. 第三步:打开"小程序"',
            "     1. 更深一层",
            "[^1]: 脚注的内容, 写于 2023 年。",
            "<p>提示: 请勿在<strong>夜间</strong>独自出行。</p>",
            '![巡逻图](images/patrol.png "夜间巡逻")',
            "行尾两个空格是硬换行  \n",
        ),
    )
    assert "\r" not in body and "\n\n\n" not in body and body.endswith("文末。\n")


def test_crlf_and_bom_are_normalised() -> None:
    body = migrated("crlf_bom").markdown
    assert not body.startswith("\ufeff") and "\r" not in body
    assert 'const a = "x: y";\n\n// 代码里的空行要保留' in body
    assert "CRLF。  \n这一行" in body  # a hard break stays a hard break


def test_stray_fence_in_a_code_tag_does_not_swallow_the_post() -> None:
    body = "{% codeblock %}\n```\n{% endcodeblock %}\n\n{% asset_img after.png %}\n"
    result = migrate(body, "hexo")
    assert result.images == ("after.png",) and "{%" not in result.markdown


def test_template_syntax_inside_code_stays() -> None:
    body = migrated("template_syntax_in_code").markdown
    assert_kept(
        body,
        (
            "{% asset_img a.png 标题 %}",
            "{% codeblock lang:js %}",
            "{{ page.title }}",
            "`{% post_link hello %}`",
            '``{{< figure src="x" >}}``',
            "    {% note info %}",
            "<pre>{% raw %}<b>HTML 的 pre 里</b>{% endraw %}</pre>",
        ),
    )
    assert "![真的图](real.png)" in body and migrated("template_syntax_in_code").images == ("real.png",)


def test_jekyll_raw_is_an_instruction_even_inside_code() -> None:
    body = migrated("jekyll_liquid").markdown
    assert '```html\n<script src="{{ site.url }}/a.js"></script>\n```' in body
    assert "```liquid\n{% assign base = site.url %}" in body


def test_each_review_item_names_the_tag_and_its_line() -> None:
    lines = source("hexo_tags").split("\n")
    for item in migrated("hexo_tags").review:
        found = re.match(r"(?:template tag|link) (.+?) at line (\d+) ", item)
        assert found, item
        assert found.group(1).split()[0] in lines[int(found.group(2)) - 1], item


def test_a_value_in_braces_is_text_unless_liquid_ran() -> None:
    body = "模板里写 {{ msg }} 即可。\n"
    assert migrate(body, "markdown") == Migrated(body, (), ())
    assert migrate(body, "hugo").markdown == body
    assert migrate(body, "jekyll").markdown == "模板里写  即可。\n"


def test_unknown_generator_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown generator"):
        migrate("text", "wordpress")


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("![a](1.png)\n", "![a](/posts/x/1.png)\n"),
        ('![a](<1.png> "t")\n', '![a](/posts/x/1.png "t")\n'),
        ("![a][r]\n\n[r]: 1.png\n", "![a][r]\n\n[r]: /posts/x/1.png\n"),
        ('<p><img src="1.png" alt=""></p>\n', '<p><img src="/posts/x/1.png" alt=""></p>\n'),
        # never a plain link, never inside code, never an image not in the map
        ("[a](1.png) `![a](1.png)` ![b](2.png)\n", "[a](1.png) `![a](1.png)` ![b](2.png)\n"),
        ("```\n![a](1.png)\n```\n", "```\n![a](1.png)\n```\n"),
        # an address with a space is written in angle brackets
        ("![a](1.png)\n", "![a](/posts/x/1.png)\n"),
    ],
)
def test_rewrite_images(markdown: str, expected: str) -> None:
    assert rewrite_images(markdown, {"1.png": "/posts/x/1.png"}) == expected


# Pieces of Markdown whose meaning hangs on whitespace, and template tags of each family.
MARKDOWN_PIECES = (
    "\n", "\n\n", " ", "  ", "\t", "\r\n", "> ", ">", "- ", "1. ", "    ", "```", "~~~", "`", "``", "\\", "# ",
    "| a | b |\n|---|---|\n", "![a](b.png)", "[x](y)", "[r]: d.png", "![r]", "<div>", "</div>", "<pre>", "</pre>",
    '<img src="c.png">', "字", "a", "*", "=", "---",
)  # fmt: skip
TAG_PIECES = (
    "{% raw %}", "{% endraw %}", "{% codeblock lang:js %}", "{% endcodeblock %}", "{% note info %}", "{% endnote %}",
    "{% asset_img x.png t %}", '{{< figure src="f.png" >}}', "{{ site.url }}", "{{</* x */>}}", "{% foo %}",
    "{% blockquote a %}", "{% endblockquote %}", "{:toc}", "{% post_link a %}",
)  # fmt: skip
FUZZ = settings(max_examples=400, derandomize=True, database=None, deadline=None)


@FUZZ
@given(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=30).map("".join))
def test_tidying_never_changes_the_rendering(text: str) -> None:
    body = text.replace("\r\n", "\n")
    result = migrate(text, "hexo").markdown
    assert markup.to_html(result) in (markup.to_html(body), markup.to_html(body + "\n"))
    assert migrate(result, "hexo").markdown == result


@FUZZ
@given(st.lists(st.sampled_from(MARKDOWN_PIECES + TAG_PIECES), max_size=30).map("".join), st.sampled_from(GENERATORS))
def test_any_mix_of_tags_migrates(text: str, generator: str) -> None:
    result = migrate(text, generator)
    moved = {image: f"/posts/x/{image}" for image in result.images}
    rewritten = rewrite_images(result.markdown, moved)
    assert all(new in rewritten for new in moved.values())
    assert rewrite_images(result.markdown, {}) == result.markdown
    assert "\r" not in result.markdown and all(item for item in result.review)


def test_rewrite_images_with_a_space_uses_angle_brackets() -> None:
    assert rewrite_images("![a](1.png)", {"1.png": "/a b/1.png"}) == "![a](</a b/1.png>)"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('用 `a: "b"` 配置,然后', '用 `a: "b"` 配置，然后'),
        ('见[文档](http://x.org/a?b=1,2 "标题: 一")说明:好', '见[文档](http://x.org/a?b=1,2 "标题: 一")说明：好'),
        ('<a href="x:y" title="a, b">链接:</a>', '<a href="x:y" title="a, b">链接：</a>'),
        ("{% note info %}提示:内容", "{% note info %}提示：内容"),
        ('{{< figure src="a.png" title="图: 一" >}}', '{{< figure src="a.png" title="图: 一" >}}'),
        ("代码``a ` b``结束,好", "代码``a ` b``结束，好"),
    ],
)
def test_typography_never_touches_code_links_html_or_tags(raw: str, expected: str) -> None:
    assert clean_body(raw) == expected


def test_heading_typography_keeps_inline_code() -> None:
    assert clean_heading('Vue 的 `v-model`: "双向绑定"') == "Vue 的 `v-model`：“双向绑定”"


def code_lines(text: str, generator: str) -> list[str]:
    """Lines of code on the author's page: fences and indented code, and the bodies of code tags that
    are not themselves inside code; Jekyll's {% raw %} lines are instructions, Hugo's {{</* */>}} escapes."""
    fenced = [t.map for t in PARSER.parse(text) if t.type in ("fence", "code_block") and t.map]
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    bodies = [
        m
        for m in CODE_TAG.finditer(text)
        if not any(starts[a] <= m.start() < starts[b] for a, b in fenced if b < len(starts))
    ]
    for m in bodies:
        text = text.replace(m.group(), "\n" * m.group().count("\n"), 1)
    blocks = [m.group(2) or m.group(3) for m in bodies]
    blocks += [t.content for t in PARSER.parse(text) if t.type in ("fence", "code_block")]
    lines = [re.sub(r"^[ \t]*>?", "", line).strip() for block in blocks for line in block.split("\n")]
    if generator == "jekyll":
        lines = [line for line in lines if line not in ("{% raw %}", "{% endraw %}")]
    if generator == "hugo":
        lines = [re.sub(r"\{\{([<%])/\*\s*(.*?)\s*\*/([>%])\}\}", r"{{\1 \2 \3}}", line) for line in lines]
    return [line for line in lines if line]


def images_in(text: str) -> int:
    """Images of the source: Markdown images, <img>, and image tags outside code spans and blocks."""
    prose = "\n".join(t.content for t in PARSER.parse(text) if t.type in ("inline", "html_block"))
    prose = re.sub(r"(`+).*?\1", "", prose, flags=re.S)
    return sum(len(re.findall(pattern, prose)) for pattern in (r"!\[", r"<img\b", IMAGE_TAG))
