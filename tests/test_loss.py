"""loss.compare(): what a converted post lacks of its source, one review item per kind of loss.

Every text here is made up for the test; each shows a shape real blogs have (Hexo tag plugins,
Jekyll's raw tags in code, indented code beside lists, reference links, CRLF line endings).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import TEST_SITE, copy_site

from sitegen import cli, frontmatter, messages
from sitegen.importers.loss import Loss, compare, scan, worded

SOURCE = """\
## 安装步骤

先准备好环境，再按下面的顺序操作。详见[官方文档](https://example.com/docs/install)。

```bash
npm install --save demo-tool
demo-tool init "my site"
```

| 参数 | 含义 |
| --- | --- |
| --force | 覆盖已有文件 |

![流程图](flow.png)

上一篇：{% post_link older-post %}
"""


def test_identical_texts_lose_nothing() -> None:
    assert compare(SOURCE, SOURCE) == Loss(0.0, ())


def test_converted_post_loses_nothing() -> None:
    """Typography, a rewritten image folder, a tag turned into a link and CRLF lines are not losses."""
    hexo = SOURCE.replace("\n", "\r\n").replace("![流程图](flow.png)", "{% asset_img flow.png 流程图 %}")
    post = (
        SOURCE.replace("先准备好环境，再按", "先准备好环境, 再按 ")
        .replace("(flow.png)", "(/images/posts/install-guide/flow.png)")
        .replace("{% post_link older-post %}", "[较早的文章](/posts/older-post/)")
    )
    assert compare(hexo, post) == Loss(0.0, ())


def test_code_flattened_into_a_paragraph_is_missing() -> None:
    post = SOURCE.replace("```bash\n", "").replace("```\n", "")
    assert compare(SOURCE, post).review == ("missing code lines 2 of 2",)


def test_code_lines_are_counted_one_by_one() -> None:
    source = "说明：\n\n```python\nimport os\nprint(os.sep)\nprint('done')\n```\n"
    post = "说明：\n\n```python\nimport os\nprint(“done”)\n```\n"
    assert compare(source, post).review == ("missing code lines 2 of 3",)


def test_template_code_blocks_and_indented_code_are_code() -> None:
    source = "{% codeblock lang:js %}\nvar a = 1;\n{% endcodeblock %}\n\n说明文字。\n\n    make all\n    make test\n"
    post = "```js\nvar a = 1;\n```\n\n说明文字。\n\n```\nmake all\nmake test\n```\n"
    assert compare(source, post) == Loss(0.0, ())
    assert scan(source).code == {"var a = 1;": 1, "make all": 1, "make test": 1}


def test_a_list_items_indented_paragraph_is_not_code() -> None:
    text = "1. 第一步\n\n    打开设置页面。\n\n2. 第二步\n\n    ```sh\n    reboot\n    ```\n"
    assert scan(text).code == {"reboot": 1}


def test_jekyll_raw_tags_inside_code_are_not_code_lines() -> None:
    """Liquid removes {% raw %} everywhere, so the post's code rightly lacks those lines."""
    source = "模板：\n\n```html\n{% raw %}\n<p>{{ page.title }}</p>\n{% endraw %}\n```\n"
    post = "模板：\n\n```html\n<p>{{ page.title }}</p>\n```\n"
    assert compare(source, post) == Loss(0.0, ())


def test_a_missing_table_is_named_by_its_place() -> None:
    table = "| 列{n} | 值 |\n| --- | --- |\n| a | 1 |\n"
    source = "\n\n".join(table.format(n=n) for n in (1, 2, 3))
    post = "\n\n".join(table.format(n=n) for n in (1, 3))
    assert compare(source, post).review == ("missing table 2 of 3",)


def test_a_table_with_a_retyped_header_is_kept() -> None:
    source = "| 名称 | 说明 |\n|---|---|\n| x | 一 |\n"
    post = "| 名称 | 备注 |\n| --- | --- |\n| x | 一 |\n"
    assert compare(source, post).review == ()


def test_html_tables_count_as_tables() -> None:
    source = "<table>\n<tr><th>项目</th></tr>\n<tr><td>甲</td></tr>\n</table>\n"
    assert compare(source, "项目 甲").review == ("missing table 1 of 1",)


@pytest.mark.parametrize(
    "source",
    [
        "截图如下：\n\n![截图](a.png)\n",
        '截图如下：\n\n<img src="a.png" width="300">\n',
        "截图如下：\n\n![截图][shot]\n\n[shot]: a.png\n",
        "截图如下：\n\n{% asset_img a.png 截图 %}\n",
        '截图如下：\n\n{{< figure src="a.png" title="截图" >}}\n',
    ],
)
def test_a_dropped_image_is_named(source: str) -> None:
    assert "missing image a.png" in compare(source, "截图如下：截图").review


def test_a_dropped_link_is_named_and_a_rewritten_site_link_is_kept() -> None:
    source = "参考[规范](https://example.org/spec)和[旧文](../2019/old-post/)。\n"
    post = "参考规范和[旧文](/posts/old-post/)。\n"
    assert compare(source, post).review == ("missing link https://example.org/spec",)


def test_missing_paragraphs_are_counted_whatever_their_script() -> None:
    source = "第一段。\n\nThe second paragraph is English.\n\n第三段。\n\n- one item\n- two items\n"
    post = "第一段。\n\n- one item\n"
    assert compare(source, post).review == ("missing paragraphs 3",)
    assert compare(source, source.replace("第三段。\n\n", "")).review == ("missing paragraphs 1",)


def test_missing_han_is_the_share_of_han_characters_outside_code() -> None:
    source = "甲乙丙丁戊己庚辛壬癸\n\n`注释不算`\n\n```\n# 代码里的字也不算\n```\n"
    post = "甲乙丙丁戊己庚辛\n\n`注释不算`\n\n```\n# 代码里的字也不算\n```\n"
    assert compare(source, post).missing_han == pytest.approx(0.2)


def test_comments_are_not_text() -> None:
    source = "正文。\n\n<!-- more -->\n\n<!--\n草稿：以后再写\n-->\n"
    assert compare(source, "正文。") == Loss(0.0, ())


def test_inline_code_is_not_read_as_links_or_tags() -> None:
    shape = scan("用 `[x](y)` 写链接，用 `{% raw %}` 转义。\n")
    assert shape.links == [] and shape.images == [] and shape.code == {}


def test_a_link_whose_target_is_a_template_tag_is_no_missing_link() -> None:
    found = compare("见[上一篇]({% link _posts/2020-01-02-a.md %})。\n", "见[上一篇](/posts/a/)。\n")
    assert not any("\0" in item for item in found.review)
    assert not any(item.startswith("link") for item in found.review)


# Review items in the editor's language: kept in English (stable codes for --report and the checks), written
# into a story in the language sitegen speaks, from the catalogue.
LOST = "正文只剩一句。\n"  # everything of SOURCE but one sentence of its own: every kind of item at once


def test_every_kind_of_review_item_reads_in_chinese_and_stays_english_on_request() -> None:
    review = compare(SOURCE, LOST).review
    assert review == (
        "missing code lines 2 of 2",
        "missing table 1 of 1",
        "missing image flow.png",
        "missing link older-post",
        "missing link https://example.com/docs/install",
        "missing paragraphs 4",
    )
    assert worded(("title", "date", *review), messages.ZH) == (
        "标题：原文里没找到，请核实",
        "发布时间：原文里没找到，请核实",
        "缺少的代码行：2/2",
        "缺少的表格：第 1 个/共 1",
        "缺少的图片：flow.png",
        "缺少的链接：older-post",
        "缺少的链接：https://example.com/docs/install",
        "缺少的段落数：4",
    )
    assert worded(review, messages.EN) == review
    others = ("来源待核实", "an item no entry knows", "link to x.md kept as text: no such post in the site")
    assert worded(others, messages.ZH) == others  # another importer's item: whole, never half-translated


def test_the_language_follows_lang_and_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert worded(("date",)) == ("date",)
    messages.use("zh")
    try:
        assert worded(("date",)) == ("发布时间：原文里没找到，请核实",)
    finally:
        messages.use(None)


@pytest.mark.parametrize("language", [messages.ZH, messages.EN])
def test_check_lists_a_story_awaiting_review_with_every_item_in_order(language: str) -> None:
    """check's warning joins a story's items: written in English (an older import) or in Chinese, each is
    shown, in its order; the catalogue translates the first English one and never takes the rest apart."""
    review = compare(SOURCE, LOST).review
    for items in (review, worded(review, messages.ZH)):
        shown = messages.translated(f"needs review: {', '.join(items)}", language)
        rest = ", ".join(items[1:])
        if language == messages.EN:
            assert shown == f"needs review: {', '.join(items)}"
        else:
            assert shown == f"待核实：{worded(items[:1], language)[0]}, {rest}"


@pytest.mark.parametrize(("lang", "label"), [("zh_CN.UTF-8", "待核实："), ("en_US.UTF-8", "needs review: ")])
def test_sitegen_check_lists_the_stories_awaiting_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lang: str, label: str
) -> None:
    """Imported before (English items) or after (the reader's language): check names each story and its items."""
    site = copy_site(TEST_SITE, tmp_path / "site")
    review = compare(SOURCE, LOST).review[:2]
    for name, items in (("old.md", review), ("new.md", worded(review, messages.ZH))):
        listed = "".join(f"- {item}\n" for item in items)
        front = f"title: 待核实的{name}\ndate: 2024-01-02\ndraft: true\nreview:\n{listed}"
        (site / "content/posts" / name).write_text(f"---\n{front}---\n正文。\n", encoding="utf-8")
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", lang)
    assert cli.main(["--root", str(site), "check"]) == 0
    out = capsys.readouterr().out
    for name in ("old.md", "new.md"):
        (line,) = [line for line in out.splitlines() if f"posts/{name}:" in line]
        assert label in line
    assert "缺少的代码行：2/2, 缺少的表格：第 1 个/共 1" in out


def test_an_import_writes_review_items_in_chinese_and_reports_them_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    site = copy_site(TEST_SITE, tmp_path / "site")
    blog = tmp_path / "blog/source/_posts"
    blog.mkdir(parents=True)
    (blog / "hello.md").write_text(
        "---\ntitle: 你好\n---\n第一段。\n\n{% raw %}x{% endraw %}\n\n| a | b |\n| - | - |\n| 1 | 2 |\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    assert cli.main(["--root", str(site), "import", str(blog / "hello.md"), "--report", str(report)]) == 0
    written = next((site / "content/posts").rglob("hello*.md"))
    meta, _, _ = frontmatter.read(written.read_text(encoding="utf-8"), written)
    assert meta.review and all(re.search(r"[\u4e00-\u9fff]", item) for item in meta.review), meta.review
    assert '"date"' in report.read_text(encoding="utf-8")
    assert cli.main(["--root", str(site), "check"]) == 0
    out = capsys.readouterr().out
    assert "待核实：" in out and "没有日期" not in out
