"""sitegen cms: Decap CMS's config follows the front matter contract and sitegen.toml; the admin page loads."""

from __future__ import annotations

import re
import shutil
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Route
from support import REPO, TEST_SITE, copy_site, serve

from sitegen import cli, cms, config
from sitegen.frontmatter import COPY_KEYS, CORRECTION_KEYS, Meta
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
