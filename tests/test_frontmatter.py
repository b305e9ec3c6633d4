"""Front matter: every common spelling read as one contract, written in one form."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sitegen import frontmatter
from sitegen.errors import SitegenErrors

CHINA = timezone(timedelta(hours=8))


def meta_of(text: str) -> frontmatter.Meta:
    return frontmatter.read(text, Path("post.md"))[0]


def test_other_generators_spellings_are_read_as_ours() -> None:
    meta = meta_of(
        "---\ntitle: 标题\nauthor: 徐瑞春\ndescription: 摘要\nlastmod: 2022-02-01\n"
        "categories:\n  - [反诈]\n  - [防溺水, 反诈]\ntags: 平安建设, 示范市\npublished: false\n"
        "regions:\n  - province: 江西省\n    city: 吉安市\n    county: 遂川县\n---\n正文\n"
    )
    assert meta.authors == ("徐瑞春",)
    assert meta.summary == "摘要"
    assert meta.updated == date(2022, 2, 1)
    assert meta.categories == ("反诈", "防溺水")
    assert meta.tags == ("平安建设", "示范市")
    assert meta.regions == ("江西省", "吉安市", "遂川县")
    assert meta.draft is True


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2022-01-11 09:16:55 +0800", datetime(2022, 1, 11, 9, 16, 55, tzinfo=CHINA)),
        ("2022-10-10T19:25:06+08:00", datetime(2022, 10, 10, 19, 25, 6, tzinfo=CHINA)),
        ("2022-10-10 19:25", datetime(2022, 10, 10, 19, 25, tzinfo=CHINA)),  # no offset: China time
        ("2022-8-18", date(2022, 8, 18)),  # a day stays a day: no time is invented
    ],
)
def test_dates_are_read_with_their_offset(raw: str, expected: date) -> None:
    value = meta_of(f"---\ntitle: t\ndate: {raw}\n---\n").date
    assert value == expected and type(value) is type(expected)
    if isinstance(value, datetime):
        assert value.utcoffset() == expected.utcoffset()


def test_gmt_stamp_keeps_its_instant() -> None:
    value = meta_of("---\ntitle: t\ndate: Sun, 29 May 2022 04:15:55 GMT\n---\n").date
    assert value == datetime(2022, 5, 29, 12, 15, 55, tzinfo=CHINA)


@pytest.mark.parametrize(
    "text",
    [
        "2022-10-10T19:25:06+08:00",
        "2022-10-10T19:25:06.25-03:30",
        "2022-10-10 19:25",
        "2022-10-10T19:25:06Z",
        "2022-10-10 24:00",  # not a time: both refuse it
        "2022-01-11 09:16:55 +0800",
        "Sun, 29 May 2022 04:15:55 GMT",
    ],
)
def test_iso_times_are_read_as_dateutil_reads_them(text: str) -> None:
    """read_datetime() reads ISO 8601 itself and hands the rest to dateutil: the same value either way."""
    from dateutil import parser

    try:
        expected: datetime | None = parser.parse(text)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError):
            frontmatter.read_datetime(text)
    else:
        value = frontmatter.read_datetime(text)
        assert value == expected and value.utcoffset() == expected.utcoffset()


def test_dump_writes_one_form_that_reads_back_the_same() -> None:
    meta = frontmatter.Meta(
        title="遂川公安：创新机制",
        date=datetime(2022, 8, 18, 9, 0, tzinfo=CHINA),
        authors=("郭勇",),
        categories=("社区警务",),
        regions=("江西省", "吉安市", "遂川县"),
        review=("date",),
        slug="sui-chuan",
    )
    text = frontmatter.dump(meta, "正文\n\n第二段")
    assert text.startswith("---\ntitle: 遂川公安：创新机制\ndate: 2022-08-18T09:00:00+08:00\nauthors:\n- 郭勇\n")
    assert "draft" not in text and "subtitle" not in text  # empty values are left out
    assert text.endswith("---\n\n正文\n\n第二段\n")
    again, body, _ = frontmatter.read(text, Path("p.md"))
    assert again == meta and body == "正文\n\n第二段\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: t\ndraft: yes please\n---\n", "post.md:3: 'draft' must be true or false"),
        ("---\ntitle: t\nslug: 中文\n---\n", "post.md:3: slug '中文' must be lowercase ASCII"),
        ("---\ntitle: t\nregions:\n  - town: 某镇\n---\n", "post.md:3: 'regions' entries may have province"),
        ("---\ntitle: t\nauthors: {a: 1}\n---\n", "post.md:3: 'authors' must be text or a list of text"),
    ],
)
def test_wrong_types_name_the_line(text: str, message: str) -> None:
    with pytest.raises(SitegenErrors) as err:
        meta_of(text)
    assert message in str(err.value)


def test_a_file_without_front_matter_says_how_to_start_one() -> None:
    with pytest.raises(Exception) as err:
        meta_of("只有正文\n")
    assert "post.md:1: no front matter" in str(err.value) and "hint:" in str(err.value)


def test_corrections_are_read_with_their_dates_and_written_back() -> None:
    text = (
        "---\ntitle: t\ncorrections:\n- date: 2024-05-02\n  text: 本文原称“三人”，应为“两人”。\n"
        "- date: 2024-05-03T10:00:00+08:00\n  text: 地点更正为某县。\n---\n正文\n"
    )
    meta = meta_of(text)
    assert meta.corrections == (
        frontmatter.Correction(date(2024, 5, 2), "本文原称“三人”，应为“两人”。"),
        frontmatter.Correction(datetime(2024, 5, 3, 10, 0, tzinfo=CHINA), "地点更正为某县。"),
    )
    assert frontmatter.read(frontmatter.dump(meta, "正文"), Path("p.md"))[0] == meta


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (" 2024-05-02", "'corrections' must be a list of mappings, not str"),
        ("\n- 更正了地点", "'corrections' entries must be mappings (date: ..., text: ...), not '更正了地点'"),
        ("\n- date: 2024-05-02", "'corrections' entry 1 needs both a date and a text"),
        ("\n- date: 2024-05-02\n  text: a\n- text: b", "'corrections' entry 2 needs both a date and a text"),
        ("\n- date: 2024-13-40\n  text: a", "'corrections' entry 1: '2024-13-40' is not a date"),
        ("\n- date: 2024-05-02\n  text: a\n  by: 编辑部", "'corrections' entries may have date, text, not by"),
    ],
)
def test_a_wrong_correction_names_its_line_and_shows_the_form(value: str, message: str) -> None:
    with pytest.raises(SitegenErrors) as err:
        meta_of(f"---\ntitle: t\ncorrections:{value}\n---\n")
    assert f"post.md:3: {message}" in str(err.value)
    assert "hint: corrections:\n- date: 2024-05-02\n  text:" in str(err.value)
