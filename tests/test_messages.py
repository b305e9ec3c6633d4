"""sitegen's messages in Chinese by default and in English on request, from one catalogue that knows them all.

The completeness test reads the source (sitegen/locale/extract.py) for every message and hint the code can
show and fails on one the catalogue lacks, printing its .po entry to fill in; the CLI tests make real
mistakes in a copy of the test site and read what an editor reads, in both languages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import TEST_SITE, copy_site

from sitegen import cli, messages
from sitegen.commands import serve
from sitegen.locale import extract

ENGLISH = {"LANG": "en_US.UTF-8"}
CHINESE = {"LANG": "zh_CN.UTF-8"}
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(TEST_SITE, tmp_path / "site")


def speaking(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """The locale variables set to env alone, as a shell would give them to sitegen."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def run(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str], *args: str
):
    """sitegen with args in site, in the language env asks for: (exit status, stdout, stderr)."""
    speaking(monkeypatch, env)
    status = cli.main(["--root", str(site), *args])
    out, err = capsys.readouterr()
    return status, out, err


def post(site: Path, name: str, front: str, body: str = "正文第一段。\n") -> Path:
    path = site / "content" / "posts" / "2024" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path


# The catalogue


def test_every_message_the_code_can_show_has_a_translation_and_every_translation_a_message() -> None:
    known = set(messages.catalogue().templates)
    shown = extract.templates()
    missing = sorted(shown - known)
    assert not missing, "no translation in sitegen.po for:\n\n" + "\n".join(map(extract.po_entry, missing))
    unused = sorted(known - shown - set(messages.LIBRARY_TEXTS))
    assert not unused, f"sitegen.po translates messages the code no longer has: {unused}"


def test_translations_use_only_their_templates_placeholders() -> None:
    for entry in messages.catalogue().entries:
        used = {m.group(1) for m in messages.PLACEHOLDER.finditer(entry.translation) if m.group(1) is not None}
        assert used <= set(entry.names), entry.template


def test_the_catalogue_is_read_with_babel_and_leaves_out_empty_and_fuzzy_entries(tmp_path: Path) -> None:
    po = tmp_path / "sitegen.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "unknown topic \'{name}\'"\nmsgstr "未知专题「{name}」"\n\n'
        'msgid "not yet translated"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "a guess"\nmsgstr "猜的"\n',
        encoding="utf-8",
    )
    catalogue = messages.read(po)
    assert catalogue.templates == {"unknown topic '{name}'": "未知专题「{name}」"}
    assert catalogue.translate("unknown topic '反炸'") == "未知专题「反炸」"
    assert catalogue.translate("a guess") == "a guess"


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("unknown topic '反炸'", "未知专题「反炸」"),
        # a message inside a message: the reason the system gave, and a fetch's failure inside an outcome
        ("cannot read: No such file or directory", "无法读取：没有这个文件或文件夹"),
        (
            "a picture content/a.md shows, not fetched: no answer within 20 s",
            "content/a.md 用到的图片，没有下载：20 秒内没有回应",
        ),
        # a summary with parts added when there is something to say
        (
            "built 3 stories into 40 files in output (40 changed, 0.52 s); 2 warnings: see 'sitegen check'",
            "已把 3 篇报道构建为 output 里的 40 个文件（40 个有变化，用时 0.52 秒）；2 条提醒，请运行 sitegen check 查看",
        ),
        (
            "12 sources: 3 created (1 needs review), 4 unchanged, 1 duplicate, 2 joined as later pages, 0 conflict, "
            "1 failed, 1 skipped, 2 pictures copied\n"
            "1 post with more than 2% of the source's text missing: see their review items",
            "12 个来源：3 篇新建（其中 1 篇待核实），4 篇未变，1 篇重复，2 页并入前文，0 篇冲突，1 个失败，1 个跳过，"
            "2 张图片已复制\n1 篇报道缺了来源中超过 2% 的文字：见各篇的 review",
        ),
        (
            "created   a.html: HTML page -> content/posts/2024/x.md; to check: date\n"
            "failed    http://x.org/a: no answer within 20 s",
            "新建 a.html：HTML 网页 -> content/posts/2024/x.md；待核实：date\n失败 http://x.org/a：20 秒内没有回应",
        ),
        # code in a hint stays code; text no template knows stays as it is
        ("date: 2024-01-13T09:30:00+08:00", "date: 2024-01-13T09:30:00+08:00"),
        ("something sitegen never says", "something sitegen never says"),
        ("遂川公安创新推行网格村警机制", "遂川公安创新推行网格村警机制"),
    ],
)
def test_a_finished_english_message_is_matched_to_its_template_and_translated(english: str, chinese: str) -> None:
    assert messages.translated(english, messages.ZH) == chinese
    assert messages.translated(english, messages.EN) == english


# Which language


@pytest.mark.parametrize(
    ("setting", "env", "expected"),
    [
        (None, {}, messages.ZH),
        (None, {"LANG": "C.UTF-8"}, messages.ZH),
        (None, {"LANG": "zh_CN.UTF-8"}, messages.ZH),
        (None, {"LANG": "en_US.UTF-8"}, messages.EN),
        (None, {"LANG": "en"}, messages.EN),
        (None, {"LANG": "zh_CN.UTF-8", "LC_ALL": "en_GB.UTF-8"}, messages.EN),
        (None, {"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN"}, messages.ZH),
        (None, {"LANG": "zh_CN.UTF-8", "LANGUAGE": "en"}, messages.EN),
        ("en", {"LANG": "zh_CN.UTF-8"}, messages.EN),
        ("zh", {"LANG": "en_US.UTF-8"}, messages.ZH),
        ("", {"LANG": "en_US.UTF-8"}, messages.EN),
    ],
)
def test_the_language_is_the_configs_else_the_first_locale_variable_set(setting, env, expected) -> None:
    assert messages.language(setting, env) == expected


# Real mistakes, as an editor sees them


def test_an_unknown_topic_a_broken_link_and_a_bad_date_in_check(site, monkeypatch, capsys) -> None:
    post(site, "topic.md", "title: 专题写错\ndate: 2024-03-05\ncategories: [反炸]\n")
    post(site, "link.md", "title: 链接失效\ndate: 2024-03-05\n", "见[另一篇](/posts/no-such-story/)。\n")
    post(site, "date.md", "title: 日期写错\ndate: 2024-13-05\n")
    status, out, _ = run(site, monkeypatch, capsys, {}, "check")
    assert status == 1
    assert "topic.md:4: 未知专题「反炸」\n  提示：是不是「反诈」？" in out
    assert (
        "link.md:5: 失效的链接：/posts/no-such-story/（网站里没有这个页面或文件）\n  提示：本地文件要放在 static/ 里"
        in out
    )
    assert "date.md:3: 「2024-13-05」不是日期\n  提示：是不是 2024-05-13？" in out
    assert "检查了" in out and "unknown topic" not in out and "hint:" not in out

    status, out, _ = run(site, monkeypatch, capsys, ENGLISH, "check")
    assert status == 1
    assert "topic.md:4: unknown topic '反炸'\n  hint: did you mean '反诈'?" in out
    assert "link.md:5: broken link: /posts/no-such-story/ (no such page or file in the site)" in out
    assert "date.md:3: '2024-13-05' is not a date\n  hint: did you mean 2024-05-13?" in out
    assert "posts checked: 3 errors" in out


def test_check_json_keeps_english_messages_for_scripts_and_adds_the_readers(site, monkeypatch, capsys) -> None:
    post(site, "topic.md", "title: 专题写错\ndate: 2024-03-05\ncategories: [反炸]\n")
    status, out, _ = run(site, monkeypatch, capsys, CHINESE, "check", "--format", "json")
    report = json.loads(out)
    assert status == 1 and report["language"] == "zh" and report["errors"] == 1
    (problem,) = [p for p in report["problems"] if p["file"].endswith("topic.md")]
    assert problem["message"] == "unknown topic '反炸'" and problem["hint"] == "did you mean '反诈'?"
    assert problem["text"] == "未知专题「反炸」" and problem["hint_text"] == "是不是「反诈」？"
    assert problem["severity"] == "error"

    status, out, _ = run(site, monkeypatch, capsys, ENGLISH, "check", "--format", "json")
    (problem,) = [p for p in json.loads(out)["problems"] if p["file"].endswith("topic.md")]
    assert status == 1 and problem["text"] == problem["message"] == "unknown topic '反炸'"


def test_a_missing_content_folder(site, monkeypatch, capsys) -> None:
    status, _, err = run(site, monkeypatch, capsys, {}, "build", "--content", str(site / "nowhere"))
    assert status == 1
    assert (
        err
        == f"错误：{site / 'nowhere'}: 找不到内容文件夹\n  提示：请在网站文件夹里运行 sitegen，或用 --content 指定文件夹\n"
    )
    status, _, err = run(site, monkeypatch, capsys, ENGLISH, "build", "--content", str(site / "nowhere"))
    assert status == 1
    assert err.startswith(f"error: {site / 'nowhere'}: content folder not found\n  hint: run sitegen in the site's")


def test_an_output_folder_refused(site, tmp_path, monkeypatch, capsys) -> None:
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "report.docx").write_bytes(b"not ours")
    status, _, err = run(site, monkeypatch, capsys, {}, "build", "--output", str(foreign))
    assert status == 1
    assert f"错误：拒绝构建到 {foreign}：里面有不是 sitegen 写的文件\n  提示：构建会替换输出文件夹里的全部内容" in err
    status, _, err = run(site, monkeypatch, capsys, ENGLISH, "build", "--output", str(foreign))
    assert status == 1
    assert f"error: refusing to build into {foreign}: it holds files that sitegen did not write" in err
    assert (foreign / "report.docx").read_bytes() == b"not ours"


def test_new_with_an_unknown_topic(site, monkeypatch, capsys) -> None:
    status, out, err = run(site, monkeypatch, capsys, {}, "new", "一篇报道", "--category", "反炸")
    assert status == 1 and out == ""
    assert err.startswith("错误：未知专题「反炸」\n  提示：")
    status, _, err = run(site, monkeypatch, capsys, ENGLISH, "new", "一篇报道", "--category", "反炸")
    assert status == 1 and err.startswith("error: unknown topic '反炸'\n  hint: ")


def test_the_config_can_choose_english_whatever_the_locale(site, monkeypatch, capsys) -> None:
    config = site / "sitegen.toml"
    config.write_text('messages_language = "en"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    status, _, err = run(site, monkeypatch, capsys, CHINESE, "build", "--content", str(site / "nowhere"))
    assert status == 1 and err.startswith("error: ") and "content folder not found" in err


def test_import_summary_in_both_languages(site, tmp_path, monkeypatch, capsys) -> None:
    missing = str(tmp_path / "gone.html")
    status, out, _ = run(site, monkeypatch, capsys, {}, "import", missing)
    assert status == 1
    assert (
        out
        == f"失败 {missing}：没有这个文件或文件夹\n1 个来源：0 篇新建，0 篇未变，0 篇重复，0 篇冲突，1 个失败，0 个跳过\n"
    )
    status, out, _ = run(site, monkeypatch, capsys, ENGLISH, "import", missing)
    assert status == 1 and out.endswith(
        "1 source: 0 created, 0 unchanged, 0 duplicate, 0 conflict, 1 failed, 0 skipped\n"
    )


def test_help_and_argument_errors(site, monkeypatch, capsys) -> None:
    speaking(monkeypatch, {})
    with pytest.raises(SystemExit) as shown:
        cli.main(["check", "--help"])
    out = capsys.readouterr().out
    assert shown.value.code == 0
    assert out.startswith("用法：sitegen check")
    assert "检查前置信息" in out and "显示这段帮助并退出" in out and "把提醒当作错误" in out
    with pytest.raises(SystemExit) as shown:
        cli.main(["check", "--format", "xml"])
    assert shown.value.code == 2
    assert "sitegen check: 错误：参数 --format：无效的选项 'xml'（可选：'text', 'json'）" in capsys.readouterr().err

    speaking(monkeypatch, ENGLISH)
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: sitegen") and "validate every post and the config without building" in out


def test_a_fresh_process_reads_lang(site: Path) -> None:
    """The language comes from the environment sitegen is started with, as from a terminal."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
    args = [sys.executable, "-m", "sitegen", "--root", str(site), "build", "--content", "nowhere"]
    chinese = subprocess.run(args, env={**env, "LANG": "C.UTF-8"}, capture_output=True, text=True, timeout=60)
    english = subprocess.run(args, env={**env, **ENGLISH}, capture_output=True, text=True, timeout=60)
    assert chinese.returncode == english.returncode == 1
    assert chinese.stderr.startswith("错误：") and "找不到内容文件夹" in chinese.stderr
    assert english.stderr.startswith("error: ") and "content folder not found" in english.stderr


def test_serve_shows_a_broken_build_in_the_readers_language(site, monkeypatch, capsys) -> None:
    post(site, "topic.md", "title: 专题写错\ndate: 2024-03-05\ncategories: [反炸]\n")
    for env, expected in ((CHINESE, "未知专题「反炸」"), (ENGLISH, "unknown topic '反炸'")):
        speaking(monkeypatch, env)
        preview = serve.Preview(site, None, drafts=False)
        try:
            preview.rebuild()
        finally:
            preview.close()
        assert preview.error is not None and expected in preview.error
        assert expected in capsys.readouterr().err
