"""sitegen cms: the Decap CMS admin page and its config.yml, made from the front matter contract and sitegen.toml.

Editors who do not use a terminal write stories in the browser at /admin/: Decap CMS commits them to the
repository (through pull requests: the editorial workflow), and the publish workflow builds them. The
config is made, never written by hand: every field of frontmatter.Meta gets a widget from FIELDS (a new
field of the contract without one is an error here, not a field the CMS silently drops), the topics
select lists sitegen.toml's topics and the regions select the gazetteer's names, so a topic renamed in
the config reaches the CMS the next time this runs (the publish workflow runs it before every build).

Decap's script comes from a CDN, pinned to one version with its hash (integrity): only the admin page
loads it, an editor's page; no reader's page asks a third party for anything.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from sitegen.config import Config
from sitegen.errors import SitegenError
from sitegen.frontmatter import SLUG_RE, Meta
from sitegen.taxonomy import gazetteer

DECAP_VERSION = "3.16.3"
DECAP_URL = f"https://unpkg.com/decap-cms@{DECAP_VERSION}/dist/decap-cms.js"
# sha384 of that file as the npm package decap-cms ships it: the browser refuses any other bytes.
DECAP_INTEGRITY = "sha384-A/Gdn928CNLufmnGWGs9RM4Q9o8bSNLeJERqBFrBjwzL7FRpoLT3MPF8Tl0+Wd2p"
PLACEHOLDER_REPO = "OWNER/REPOSITORY"
HEADER = "# Made by `sitegen cms` from sitegen.toml and the front matter contract: run it again, do not edit.\n"
URL_PATTERN = ["^https?://", "以 http:// 或 https:// 开头的网址"]
DATE_TIME = {
    "widget": "datetime",
    "format": "YYYY-MM-DDTHH:mm:ssZ",
    "date_format": "YYYY-MM-DD",
    "time_format": "HH:mm",
}
DAY = {"widget": "datetime", "format": "YYYY-MM-DD", "date_format": "YYYY-MM-DD", "time_format": False}


@dataclass(frozen=True)
class Backend:
    """Where the CMS commits: the GitHub repository, its branch, and the OAuth service editors log in through."""

    repo: str = PLACEHOLDER_REPO
    branch: str = "main"
    auth_url: str | None = None


def _text(label: str, hint: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"label": label, "widget": "string", "required": False, **({"hint": hint} if hint else {}), **extra}


def _list(label: str, hint: str) -> dict[str, Any]:
    """A list whose items' widgets the caller gives (`field` or `fields`)."""
    return {"label": label, "widget": "list", "required": False, "hint": hint}


def _texts(label: str, hint: str) -> dict[str, Any]:
    """A list of texts, one input per item: Decap's list without `field` is one comma-separated input, which
    would cut an item holding a comma (a review item, a correction's quote) in two."""
    return {**_list(label, hint), "field": {"label": label, "name": "item", "widget": "string"}}


def _copies() -> dict[str, Any]:
    labels = {"source": "来源", "via": "转载网站", "source_url": "网址", "original_url": "原文链接"}
    parts: list[dict[str, Any]] = [
        {"name": key, **(_url(labels[key]) if key.endswith("_url") else _text(labels[key]))} for key in labels
    ]
    parts.append({"name": "fingerprint", "label": "指纹", "widget": "hidden", "required": False})
    return {**_list("另见（转载）", "同一篇报道在别的网站的转载，由导入程序填写"), "fields": parts}


def _corrections() -> dict[str, Any]:
    parts = [{"name": "date", "label": "更正日期", **DAY}, {"name": "text", "label": "更正内容", "widget": "text"}]
    return {**_list("更正", "每条写明日期和内容；已发布的更正不要删除"), "fields": parts}


def _url(label: str) -> dict[str, Any]:
    return _text(label, pattern=URL_PATTERN)


def _topics(cfg: Config) -> dict[str, Any]:
    return {
        "label": "专题",
        "widget": "select",
        "multiple": True,
        "required": False,
        "options": [topic.name for topic in cfg.topics],
        "hint": "只能选 sitegen.toml 里的专题",
    }


def region_options() -> list[str | dict[str, str]]:
    """The gazetteer's names in code order (a province before its cities and counties); a name several
    places share is one option, labelled with the places above each (朝阳区：北京市、长春市)."""
    codes, divisions = gazetteer()
    options: list[str | dict[str, str]] = []
    for name, found in sorted(codes.items(), key=lambda item: min(item[1])):
        if len(found) == 1:
            options.append(name)
        else:
            above = "、".join(divisions[divisions[code][1]][0] for code in sorted(found) if divisions[code][1])
            options.append({"label": f"{name}（{above}）", "value": name})
    return options


def _regions(cfg: Config) -> dict[str, Any]:
    return {
        "label": "地区",
        "widget": "select",
        "multiple": True,
        "required": False,
        "options": region_options(),
        "hint": "省、市、县都选上，例如 江西省、吉安市、遂川县；输入名字可以筛选",
    }


# One widget for each field of the contract (frontmatter.Meta), in its order; labels as the editor's guide names them.
FIELDS: dict[str, Callable[[Config], dict[str, Any]]] = {
    "title": lambda cfg: {"label": "标题", "widget": "string"},
    "subtitle": lambda cfg: _text("引题或副题"),
    "date": lambda cfg: {"label": "发布时间", "required": False, "default": "{{now}}", **DATE_TIME},
    "updated": lambda cfg: {"label": "最后修改时间", "required": False, **DATE_TIME},
    "authors": lambda cfg: _texts("作者", "记者、作者；不写“佚名”，不写转载网站"),
    "editor": lambda cfg: _text("责任编辑"),
    "source": lambda cfg: _text("来源", "原发媒体，例如 新华社"),
    "via": lambda cfg: _text("转载网站", "本文从哪个网站转来"),
    "source_url": lambda cfg: _url("本文网址"),
    "original_url": lambda cfg: _url("原文链接"),
    "categories": _topics,
    "tags": lambda cfg: _texts("标签", "自由填写的关键词"),
    "regions": _regions,
    "images": lambda cfg: {
        **_list("图片", "随文保存的图片"),
        "field": {"label": "图片", "name": "image", "widget": "image"},
    },
    "summary": lambda cfg: {"label": "摘要", "widget": "text", "required": False},
    "slug": lambda cfg: {
        "label": "网址名",
        "widget": "string",
        "pattern": [SLUG_RE.pattern, "小写字母、数字和连字符，例如 sui-chuan-gong-an"],
        "hint": "用拼音或英文。改已发布报道的网址名时，把旧网址 /posts/旧网址名/ 加进「旧网址」，旧链接才不会失效",
    },
    "aliases": lambda cfg: _texts("旧网址", "站内路径，例如 /2019/03/05/old-post/；每个旧网址会跳转到本文"),
    "draft": lambda cfg: {"label": "草稿（不发布）", "widget": "boolean", "required": False, "default": False},
    "review": lambda cfg: _texts("待核实", "导入时未能确定的内容；核实后删去"),
    "fingerprint": lambda cfg: {"label": "指纹", "widget": "hidden", "required": False},
    "copies": lambda cfg: _copies(),
    "corrections": lambda cfg: _corrections(),
}


def collection_fields(cfg: Config) -> list[dict[str, Any]]:
    """The contract's fields as Decap widgets, then the body."""
    contract = [f.name for f in fields(Meta)]
    missing = [name for name in contract if name not in FIELDS]
    if missing or len(FIELDS) != len(contract):
        raise AssertionError(f"sitegen/cms.py FIELDS must follow frontmatter.Meta: missing {missing}")
    made = [{"name": name, **FIELDS[name](cfg)} for name in contract]
    return [*made, {"name": "body", "label": "正文", "widget": "markdown"}]


def decap_config(cfg: Config, backend: Backend) -> dict[str, Any]:
    """Decap CMS's config.yml as data."""
    auth = {"base_url": backend.auth_url} if backend.auth_url else {}
    content = cfg.content_dir.as_posix().strip("/")
    site_url = cfg.base_url if cfg.base_url.startswith("http") else None
    return {
        "backend": {
            "name": "github",
            "repo": backend.repo,
            "branch": backend.branch,
            **auth,
            "commit_messages": {
                "create": "新建报道 {{slug}}",
                "update": "修改报道 {{slug}}",
                "delete": "删除报道 {{slug}}",
                "uploadMedia": "上传图片 {{path}}",
                "deleteMedia": "删除图片 {{path}}",
            },
        },
        "local_backend": True,  # on localhost with `npx decap-server`: no login, the files on disk
        "publish_mode": "editorial_workflow",
        "locale": "zh_Hans",
        **({"site_url": site_url, "display_url": site_url} if site_url else {}),
        "media_folder": f"{cfg.static_dir.as_posix().strip('/')}/images",
        "public_folder": "/images",
        "slug": {"encoding": "ascii", "clean_accents": True},
        "collections": [
            {
                "name": "posts",
                "label": "报道",
                "label_singular": "报道",
                "folder": f"{content}/posts",
                "path": "{{year}}/{{slug}}",  # content/posts/<year>/<slug>.md, as sitegen new writes
                "slug": "{{fields.slug}}",
                "extension": "md",
                "format": "frontmatter",
                "create": True,
                "sortable_fields": ["date", "title"],
                "preview_path": "posts/{{slug}}/",
                "fields": collection_fields(cfg),
            }
        ],
    }


def config_text(cfg: Config, backend: Backend) -> str:
    data: str = yaml.safe_dump(decap_config(cfg, backend), allow_unicode=True, sort_keys=False, width=10_000)
    return HEADER + data


def admin_page(cfg: Config) -> str:
    """The admin page: Decap's script, pinned and checked, and the config beside it."""
    return (
        "<!doctype html>\n"
        '<html lang="zh-CN">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>内容管理 · {html.escape(cfg.title)}</title>\n"
        '<link href="config.yml" type="text/yaml" rel="cms-config-url">\n'
        "</head>\n"
        "<body>\n"
        f'<script src="{DECAP_URL}" integrity="{DECAP_INTEGRITY}" crossorigin="anonymous"></script>\n'
        "</body>\n"
        "</html>\n"
    )


def files(cfg: Config, backend: Backend) -> dict[Path, str]:
    """The admin folder's files by path: static/admin/, published as /admin/."""
    admin = cfg.root / cfg.static_dir / "admin"
    return {admin / "index.html": admin_page(cfg), admin / "config.yml": config_text(cfg, backend)}


def stale(cfg: Config, backend: Backend) -> list[Path]:
    """The admin files that are missing or differ from what this config makes."""
    return [
        path
        for path, text in files(cfg, backend).items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def write(cfg: Config, backend: Backend) -> list[Path]:
    """Write the admin files that changed; the paths written."""
    if "/" not in backend.repo.strip("/") or backend.repo.count("/") != 1:
        raise SitegenError(f"--repo '{backend.repo}' is not OWNER/NAME", hint="e.g. --repo octo/safety-archive")
    changed = stale(cfg, backend)
    wanted = files(cfg, backend)
    for path in changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted[path], encoding="utf-8")
    return changed
