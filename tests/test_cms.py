"""sitegen cms: Decap CMS's config follows the front matter contract and sitegen.toml; the admin page loads."""

from __future__ import annotations

import re
import shutil
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Route
from support import REPO, TEST_SITE, copy_site, serve

from sitegen import cli, cms, config, frontmatter
from sitegen.frontmatter import CHINA, COPY_KEYS, CORRECTION_KEYS, Meta
from sitegen.taxonomy import gazetteer


def made(site: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((site / "static/admin/config.yml").read_text(encoding="utf-8"))
    return loaded


def widgets(site: Path) -> dict[str, dict[str, Any]]:
    [posts] = made(site)["collections"]
    return {field["name"]: field for field in posts["fields"]}


def option_values(field: dict[str, Any]) -> list[str]:
    return [option if isinstance(option, str) else option["value"] for option in field["options"]]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = copy_site(TEST_SITE, tmp_path / "site")
    assert cli.main(["--root", str(site), "cms", "--repo", "octo/news"]) == 0
    return site


def test_every_field_of_the_contract_is_in_the_cms_in_its_order(site: Path) -> None:
    assert list(widgets(site)) == [f.name for f in fields(Meta)] + ["body"]
    assert [f["name"] for f in widgets(site)["copies"]["fields"]] == list(COPY_KEYS)
    assert [f["name"] for f in widgets(site)["corrections"]["fields"]] == list(CORRECTION_KEYS)
    assert widgets(site)["body"]["widget"] == "markdown" and widgets(site)["fingerprint"]["widget"] == "hidden"


def test_the_topics_select_lists_exactly_the_configs_topics(site: Path) -> None:
    topics = widgets(site)["categories"]
    assert topics["widget"] == "select" and topics["multiple"] is True
    assert option_values(topics) == [t.name for t in config.load(site).topics] != []


def test_a_topic_renamed_in_the_config_reaches_the_cms(site: Path) -> None:
    toml = site / "sitegen.toml"
    before = [t.name for t in config.load(site).topics]
    toml.write_text(toml.read_text(encoding="utf-8").replace(f'"{before[0]}" =', '"新专题" ='), encoding="utf-8")
    assert cli.main(["--root", str(site), "cms", "--repo", "octo/news", "--check"]) == 1
    assert cli.main(["--root", str(site), "cms", "--repo", "octo/news"]) == 0
    assert option_values(widgets(site)["categories"]) == [t.name for t in config.load(site).topics]
    assert "新专题" in option_values(widgets(site)["categories"]) and before[0] not in option_values(
        widgets(site)["categories"]
    )


def test_the_regions_select_lists_each_gazetteer_name_once(site: Path) -> None:
    regions = widgets(site)["regions"]
    values = option_values(regions)
    assert regions["widget"] == "select" and regions["multiple"] is True
    assert sorted(values) == sorted(gazetteer()[0]) and len(values) == len(set(values))
    shared = {o["value"]: o["label"] for o in regions["options"] if isinstance(o, dict)}
    assert shared["朝阳区"] == "朝阳区（北京市、长春市）"
    assert values.index("江西省") < values.index("吉安市") < values.index("遂川县")


def test_the_cms_commits_through_pull_requests_into_the_posts_folder(site: Path) -> None:
    data = made(site)
    [posts] = data["collections"]
    assert data["publish_mode"] == "editorial_workflow"
    assert data["backend"] == {**data["backend"], "name": "github", "repo": "octo/news", "branch": "main"}
    assert (data["media_folder"], data["public_folder"]) == ("static/images", "/images")
    assert (posts["folder"], posts["path"], posts["slug"]) == ("content/posts", "{{year}}/{{slug}}", "{{fields.slug}}")
    assert re.fullmatch(widgets(site)["slug"]["pattern"][0], "sui-chuan-gong-an")


def test_the_shipped_admin_files_are_what_the_command_makes() -> None:
    cfg = config.load(REPO)
    assert cms.stale(cfg, cms.Backend()) == []
    assert cli.main(["--root", str(REPO), "cms", "--check"]) == 0


def test_a_new_field_of_the_contract_without_a_widget_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(cms.FIELDS, "corrections")
    with pytest.raises(AssertionError, match="corrections"):
        cms.collection_fields(config.load(REPO))


def test_a_repository_that_is_not_owner_slash_name_is_refused(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--root", str(site), "cms", "--repo", "news"]) == 1
    assert "--repo" in capsys.readouterr().err


def test_the_admin_page_loads_its_config_and_only_decap_from_elsewhere(site: Path, browser: Browser) -> None:
    """Offline: the pinned Decap script is answered by a tampered stand-in, which the browser must refuse
    (its integrity does not match); the config is found where Decap looks for it, beside the page."""
    assert cli.main(["--root", str(site), "build", "--base-url", "/archive/"]) == 0
    page_html = (site / "output/admin/index.html").read_text(encoding="utf-8")
    assert f'src="{cms.DECAP_URL}" integrity="{cms.DECAP_INTEGRITY}" crossorigin="anonymous"' in page_html
    assert re.fullmatch(r"sha384-[A-Za-z0-9+/]{64}", cms.DECAP_INTEGRITY)
    outside: list[str] = []
    errors: list[str] = []

    def route(request: Route) -> None:
        url = request.request.url
        if url == cms.DECAP_URL:
            outside.append(url)
            headers = {"Access-Control-Allow-Origin": "*"}
            request.fulfill(body="document.title = 'tampered';", content_type="text/javascript", headers=headers)
        elif url.startswith("http://127.0.0.1:"):
            request.continue_()
        else:
            outside.append(url)
            request.abort()

    with serve(site / "output", "/archive/") as base:
        context = browser.new_context()
        page = context.new_page()
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.route("**/*", route)
        page.goto(f"{base}admin/", wait_until="load")
        config_url = page.evaluate("new URL(document.querySelector('link[rel=cms-config-url]').href).pathname")
        fetched = page.evaluate("fetch('config.yml').then(r => r.text())")
        title = page.title()
        context.close()
    assert outside == [cms.DECAP_URL]
    assert [e for e in errors if "integrity" not in e] == [] and len(errors) == 1
    assert title.startswith("内容管理")
    assert config_url == "/archive/admin/config.yml"
    assert fetched == (site / "static/admin/config.yml").read_text(encoding="utf-8")


def test_only_the_admin_page_names_a_third_party(site: Path) -> None:
    assert cli.main(["--root", str(site), "build"]) == 0
    pages = [p for p in (site / "output").rglob("*.html") if "https://unpkg.com" in p.read_text(encoding="utf-8")]
    assert pages == [site / "output/admin/index.html"]


def test_the_publish_workflows_cms_step_writes_this_repository(site: Path) -> None:
    from test_workflow import run_step, steps

    shutil.rmtree(site / "static/admin/")
    (site / "static/admin").mkdir()
    done = run_step(steps()["Write the CMS configuration"], site, "octo/safety-archive")
    assert done.returncode == 0, done.stderr
    assert made(site)["backend"]["repo"] == "octo/safety-archive"


def test_the_workflow_passes_the_repository_variable_for_login(site: Path) -> None:
    from test_workflow import run_step, steps

    step = steps()["Write the CMS configuration"]
    assert step["env"] == {"CMS_AUTH_URL": "${{ vars.CMS_AUTH_URL }}"}
    done = run_step(step, site, "octo/news", CMS_AUTH_URL="https://auth.example.org")
    assert done.returncode == 0, done.stderr
    assert made(site)["backend"]["base_url"] == "https://auth.example.org"


# A story as the CMS round-trips it. Decap reads front matter with a YAML 1.2 parser (a date stays text until
# its datetime widget reads it with the widget's format), shows each field through its widget, and writes the
# entry back as block YAML; a field the editor touched is written as its widget makes it. The model below does
# the same with the widgets this config declares, so a field whose widget cannot hold the contract's value
# shows up here as a value that does not come back.
STORY = """\
---
title: 遂川县公安局开展反诈宣传
subtitle: 民警走进校园
date: 2024-03-05T09:30:00+08:00
updated: 2024-03-06T10:00:00+08:00
authors: [张三, 李四]
editor: 王五
source: 井冈山报
via: 吉安新闻网
source_url: https://www.example.cn/news/2024/0305/1.html
original_url: https://paper.example.cn/2024/03/05/a.html
categories: [反诈]
tags: [反诈宣传, 护学岗]
regions: [江西省, 吉安市, 遂川县]
images: [/images/2024/fan-zha.jpg]
summary: 遂川县公安局民警走进校园宣传防诈骗知识。
slug: sui-chuan-fan-zha
aliases: [/2024/03/05/old/]
draft: false
fingerprint: 3f2a9c
copies:
- via: 民生内参
  source_url: https://www.example.org/a/1.html
  fingerprint: 77ab01
review:
- date
- "image a.png missing, its caption kept"
- 来源待核实，请对照原文
corrections:
- date: 2024-03-06
  text: 本文原称活动在周一举行，应为周二。
- date: 2024-03-07
  text: 更正了派出所名称, 已改正。
---
正文第一段。
"""
MOMENT = {"YYYY": "%Y", "MM": "%m", "DD": "%d", "HH": "%H", "mm": "%M", "ss": "%S", "Z": "%z"}
TIMESTAMP = "tag:yaml.org,2002:timestamp"


class CoreLoader(yaml.SafeLoader):
    """YAML as Decap's parser reads it: a date is text (YAML 1.2's core schema has no timestamps)."""


class CoreDumper(yaml.SafeDumper):
    """YAML as Decap's writer writes it: a date's text unquoted."""


for kind in (CoreLoader, CoreDumper):
    kind.yaml_implicit_resolvers = {
        first: [(tag, regex) for tag, regex in resolvers if tag != TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def strftime(moment: str) -> str:
    return re.sub("|".join(sorted(MOMENT, key=len, reverse=True)), lambda m: MOMENT[m.group()], moment)


def widget_text(widget: dict[str, Any], value: Any) -> Any:
    """value as the widget shows it and writes it back when the editor touches it; AssertionError if the widget
    cannot hold it."""
    kind = widget["widget"]
    if kind == "list":
        assert isinstance(value, list), widget["name"]
        if "fields" in widget:
            parts = {part["name"]: part for part in widget["fields"]}
            assert all(isinstance(item, dict) and set(item) <= set(parts) for item in value), widget["name"]
            return [{key: widget_text(parts[key], v) for key, v in item.items()} for item in value]
        if "field" in widget:
            return [widget_text({**widget["field"], "name": widget["name"]}, item) for item in value]
        return [item.strip() for item in ", ".join(map(str, value)).split(",")]  # one comma-separated input
    if kind == "datetime":
        moment = strftime(widget["format"])
        parsed = datetime.strptime(str(value), moment)
        return parsed.strftime(moment).replace("+0800", "+08:00")
    if kind == "select":
        options = option_values(widget)
        assert all(item in options for item in value), (widget["name"], value)
        return value
    if kind == "boolean":
        assert isinstance(value, bool)
        return value
    assert isinstance(value, str), (widget["name"], value)
    if "pattern" in widget:
        assert re.search(widget["pattern"][0], value), (widget["name"], value)
    return value


def through_cms(site: Path, text: str, edit: Any = None, touched: bool = True) -> str:
    """text saved by the CMS: read as Decap reads it, each field through its widget (touched: as if the
    editor changed it, so written as the widget makes it), edit(data) applied, written back in the
    fields' order."""
    front, body = text.split("---\n", 2)[1:]
    data = yaml.load(front, Loader=CoreLoader)
    fields_ = widgets(site)
    assert set(data) <= set(fields_), set(data) - set(fields_)
    shown = {key: widget_text(fields_[key], value) for key, value in data.items()}
    saved = shown if touched else data
    if edit is not None:
        edit(saved)
    ordered = {key: saved[key] for key in fields_ if key in saved}
    dumped = yaml.dump(ordered, Dumper=CoreDumper, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return f"---\n{dumped}---\n{body}"


def test_a_story_with_corrections_and_review_items_round_trips_through_the_cms(site: Path) -> None:
    path = site / "content/posts/2024/sui-chuan-fan-zha.md"
    before, body, _ = frontmatter.read(STORY, path)
    assert len(before.corrections) == 2 and len(before.review) == 3
    written = yaml.load(STORY.split("---\n")[1], Loader=CoreLoader)
    assert set(written) == {f.name for f in fields(Meta)}  # every field of the contract, through its widget
    for touched in (False, True):
        after, after_body, _ = frontmatter.read(through_cms(site, STORY, touched=touched), path)
        assert (after, after_body) == (before, body)


def test_a_list_of_texts_keeps_an_item_with_a_comma(site: Path) -> None:
    """Decap's list without `field` is one comma-separated input: a review item or a correction quoting a
    sentence would come back as two. Every list of texts repeats a text field instead."""
    lists = [w for w in widgets(site).values() if w["widget"] == "list" and "fields" not in w]
    assert {w["name"] for w in lists} >= {"authors", "tags", "aliases", "review", "images"}
    assert all("field" in w for w in lists)
    item = "image a.png missing, its caption kept"
    assert widget_text({"name": "x", "widget": "list"}, [item]) != [item]  # why: the field's absence splits it


def test_a_correction_added_in_the_cms_is_read_as_the_contract_says(site: Path) -> None:
    day = widgets(site)["corrections"]["fields"][0]
    today = datetime.now(CHINA).strftime(strftime(day["format"]))

    def edit(data: dict[str, Any]) -> None:
        data["corrections"].append({"date": today, "text": "补充更正：现场照片说明有误。"})
        data["review"].remove("date")

    meta, _, _ = frontmatter.read(through_cms(site, STORY, edit), Path("story.md"))
    assert [c.date.isoformat() for c in meta.corrections] == ["2024-03-06", "2024-03-07", today]
    assert meta.corrections[1].text == "更正了派出所名称, 已改正。"
    assert meta.review == ("image a.png missing, its caption kept", "来源待核实，请对照原文")
    assert widgets(site)["date"]["format"] == "YYYY-MM-DDTHH:mm:ssZ" and meta.date == before_date()


def before_date() -> datetime:
    return datetime(2024, 3, 5, 9, 30, tzinfo=CHINA)
