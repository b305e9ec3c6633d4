"""Dates no one has to guess, and YAML mistakes said in words at their line (issue 26, points 2 and 3).

Each case is a post an editor could write, checked with `sitegen check` in a copy of the test site:
what is accepted is built and shown as written (a day without a time stays a day); what would be a
guess is refused with the day it most likely means in the one form dates are written in.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from support import TEST_SITE, copy_site

from sitegen import cli, frontmatter
from sitegen.frontmatter import CHINA


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_site(TEST_SITE, tmp_path / "site")


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")


def post(site: Path, front: str, body: str = "正文第一段。\n", name: str = "ri-qi.md") -> Path:
    path = site / "content" / "posts" / "2024" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return path


def check(site: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]]]:
    """`sitegen check --format json`: its exit status and the problems of the post ri-qi.md."""
    status = cli.main(["--root", str(site), "check", "--format", "json"])
    rows = json.loads(capsys.readouterr().out)["problems"]
    return status, [row for row in rows if Path(str(row["file"])).name == "ri-qi.md"]


# Dates


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),
        ("2024.3.5", date(2024, 3, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
        ("2024-03-05 09:30", datetime(2024, 3, 5, 9, 30, tzinfo=CHINA)),
        ("2024/3/5 9:30", datetime(2024, 3, 5, 9, 30, tzinfo=CHINA)),
        ("2024年3月5日 9:30", datetime(2024, 3, 5, 9, 30, tzinfo=CHINA)),
        ("2024-03-05T09:30:00+08:00", datetime(2024, 3, 5, 9, 30, tzinfo=CHINA)),
        ("2024-03-05 09:30:00 +0800", datetime(2024, 3, 5, 9, 30, tzinfo=CHINA)),
        ("Sun, 29 May 2022 04:15:55 GMT", datetime(2022, 5, 29, 12, 15, 55, tzinfo=CHINA)),
    ],
)
def test_the_forms_an_editor_writes_are_read_and_a_day_stays_a_day(written: str, value: date) -> None:
    parsed = frontmatter.parse_date(written)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize(
    ("written", "problem", "hint"),
    [
        ("24/3/5", "has a two-digit year", "write it as 2024-03-05 / 2005-03-24, whichever is meant"),
        ("24年3月5日", "has a two-digit year", "write it as 2024-03-05"),
        ("5/3/2024", "puts the year last", "write it as 2024-03-05 / 2024-05-03, whichever is meant"),
        ("25/3/2024", "puts the year last", "write it as 2024-03-25"),
        ("2024/13/5", "is not a date", "did you mean 2024-05-13?"),
    ],
)
def test_a_day_that_would_be_a_guess_is_refused_with_what_it_may_mean(
    site: Path, written: str, problem: str, hint: str, english: None, capsys: pytest.CaptureFixture[str]
) -> None:
    post(site, f"title: 日期\ndate: {written}\n")
    status, rows = check(site, capsys)
    assert status == 1
    assert [(row["line"], row["hint"]) for row in rows] == [(3, hint)]
    assert problem in str(rows[0]["message"])


def test_the_hint_shows_the_converted_day_in_chinese(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post(site, "title: 日期\ndate: 24年3月5日\n")
    assert cli.main(["--root", str(site), "check"]) == 1
    out = capsys.readouterr().out
    assert "ri-qi.md:3:" in out and "写成 2024-03-05" in out


def test_a_day_without_a_time_is_shown_without_00_00_and_sorts_and_feeds_as_a_day(site: Path) -> None:
    post(site, "title: 只有日期\ndate: 2024/3/5\nslug: zhi-you-ri-qi\n")
    post(site, "title: 有时间\ndate: 2024年3月5日 09:30\nslug: you-shi-jian\n", name="shi-jian.md")
    assert cli.main(["--root", str(site), "build"]) == 0
    day = (site / "output/posts/zhi-you-ri-qi/index.html").read_text(encoding="utf-8")
    assert '<time class="date" datetime="2024-03-05">2024年3月5日</time>' in day
    assert "00:00" not in day
    timed = (site / "output/posts/you-shi-jian/index.html").read_text(encoding="utf-8")
    assert "2024年3月5日 09:30" in timed
    home = (site / "output/index.html").read_text(encoding="utf-8")
    assert home.index("you-shi-jian") < home.index("zhi-you-ri-qi")  # the same day: the time sorts later first
    feed = (site / "output/atom.xml").read_text(encoding="utf-8")
    assert "zhi-you-ri-qi" in feed and "2024-03-05T00:00:00+08:00" in feed


def test_a_time_without_offset_in_any_form_is_a_warning(
    site: Path, english: None, capsys: pytest.CaptureFixture[str]
) -> None:
    post(site, "title: 日期\ndate: 2024年3月5日 9:30\n")
    status, rows = check(site, capsys)
    assert status == 0
    assert [row["severity"] for row in rows] == ["warning"] and "has a time but no offset" in str(rows[0]["message"])


def test_new_writes_the_one_form(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--root", str(site), "new", "一种写法"]) == 0
    path = Path(capsys.readouterr().out.strip())
    line = next(t for t in path.read_text(encoding="utf-8").splitlines() if t.startswith("date:"))
    written = line.removeprefix("date: ")
    assert datetime.fromisoformat(written).isoformat() == written and written.endswith("+08:00")


def test_dump_writes_a_day_as_a_day() -> None:
    meta, body, _ = frontmatter.read("---\ntitle: 标题\ndate: 2024年3月5日\n---\n正文\n", Path("a.md"))
    assert "date: 2024-03-05\n" in frontmatter.dump(meta, body)


# YAML mistakes


@pytest.mark.parametrize(
    ("front", "line", "message", "hint"),
    [
        ("title：警方提醒\ndate: 2024-03-05\n", 2, "full-width colon '：' after 'title'", "title: 警方提醒"),
        ("date: 2024-03-05\ntitle：警方提醒\nslug: a\n", 3, "full-width colon '：' after 'title'", "title: 警方提醒"),
        ("title：警方提醒\n", 2, "full-width colon", "title: 警方提醒"),
        ("title: 标题\ntags:\n\t- 反诈\n", 4, "a tab in the indentation", "indent with spaces"),
        (
            "date: 2024-03-05\ntitle: 警方提醒: 谨防诈骗\nslug: a\n",
            3,
            "the title has an ASCII colon",
            'put the whole title in quotes: title: "警方提醒: 谨防诈骗"',
        ),
        (
            "title: 标题\nsummary: 时间: 本周\n",
            3,
            "the value of 'summary' has an ASCII colon",
            'put the whole value in quotes: summary: "时间: 本周"',
        ),
    ],
)
def test_yaml_mistakes_are_named_at_their_line_with_the_fix(
    site: Path, front: str, line: int, message: str, hint: str, english: None, capsys: pytest.CaptureFixture[str]
) -> None:
    post(site, front)
    status, rows = check(site, capsys)
    assert status == 1 and len(rows) == 1
    assert rows[0]["line"] == line and message in str(rows[0]["message"]) and hint in str(rows[0]["hint"])


def test_the_colon_hint_is_the_editors_words_in_chinese(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post(site, "title: 警方提醒: 谨防诈骗\n")
    assert cli.main(["--root", str(site), "check"]) == 1
    out = capsys.readouterr().out
    assert "ri-qi.md:2:" in out and "标题里有英文冒号" in out and "请给整个标题加引号" in out


@pytest.mark.parametrize(
    "tags", ["[反诈宣传，护学岗]", "反诈宣传，护学岗", "[反诈宣传、护学岗]", "\n  - 反诈宣传，护学岗"]
)
def test_chinese_commas_separate_tags_in_a_list_as_in_text(tags: str) -> None:
    meta, _, _ = frontmatter.read(f"---\ntitle: 标题\ntags: {tags}\n---\n正文\n", Path("a.md"))
    assert meta.tags == ("反诈宣传", "护学岗")


def test_a_title_keeps_its_chinese_commas() -> None:
    meta, _, _ = frontmatter.read("---\ntitle: 警方提醒，谨防诈骗、守好钱袋\n---\n正文\n", Path("a.md"))
    assert meta.title == "警方提醒，谨防诈骗、守好钱袋"
