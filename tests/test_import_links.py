"""Links between migrated posts: every link form a blog uses resolves to the imported post's real address, a
link to an old address goes straight to the post, and a link that leads nowhere becomes its text with a
review item, so that one dead link never keeps a migrated site from building.

The fake blogs in fixtures/linked/ link to each other in each form: Hexo's post_link and post_path, Jekyll's
post_url and link, Hugo's ref and relref, the author's own relative links to .md files (with #anchors), old
site paths, relative old paths, reference links, raw HTML links, and links to posts that were never there.
(They live beside fixtures/blogs/, not in it: tests/test_migrate.py accounts for every file there.)
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sitegen import checks, cli, config, frontmatter
from sitegen.commands import import_
from sitegen.commands.import_ import Addresses, _Here, resolve
from sitegen.errors import SitegenErrors
from sitegen.importers import post
from sitegen.importers.markdown_body import links, migrate, rewrite_links


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file reads sitegen's messages in English, as the code writes them (test_messages.py: Chinese)."""
    monkeypatch.setenv("LANGUAGE", "en")


REPO = Path(__file__).resolve().parent.parent
LINKED = Path(__file__).resolve().parent / "fixtures" / "linked"
BLOGS = ("hexo", "jekyll", "hugo")


@dataclass
class Site:
    root: Path
    report: dict[str, Any]

    def post(self, rel: str) -> tuple[frontmatter.Meta, str]:
        source = next(s for s in self.report["sources"] if s["source"] == str(LINKED / rel))
        path = Path(source["post"])
        meta, body, _ = frontmatter.read(path.read_text(encoding="utf-8"), path)
        return meta, body

    def run(self, *args: str) -> int:
        return cli.main(["--root", str(self.root), *args])


def new_site(folder: Path) -> Site:
    """A site with the repository's settings and theme, and one download in static/."""
    folder.mkdir(parents=True)
    shutil.copy(REPO / "sitegen.toml", folder)
    shutil.copytree(REPO / "themes", folder / "themes")
    (folder / "static" / "downloads").mkdir(parents=True)
    (folder / "static" / "downloads" / "guide.pdf").write_bytes(b"%PDF-1.4")
    return Site(folder, {})


def import_blogs(site: Site, *blogs: str) -> Site:
    report = site.root / "report.json"
    sources = [str(LINKED / blog) for blog in blogs]
    assert site.run("import", *sources, "--jobs", "1", "--report", str(report)) == 0
    site.report = json.loads(report.read_text(encoding="utf-8"))
    return site


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return import_blogs(new_site(tmp_path_factory.mktemp("links") / "site"), *BLOGS)


# Each post -> a link of its body as the site must hold it.
RESOLVED = [
    ("hexo/source/_posts/patrol-log.md", "[school-route](/posts/school-route/)"),  # post_link folder/name
    ("hexo/source/_posts/patrol-log.md", "[夜市巡查](/posts/night-market/)"),  # post_link by name, file in a folder
    ("hexo/source/_posts/patrol-log.md", "[夜市旧址](/posts/night-market/#摊位)"),  # an old address, its anchor kept
    ("hexo/source/_posts/patrol-log.md", "[巡逻指南](/downloads/guide.pdf)"),  # a file of static/
    ("hexo/source/_posts/patrol-log.md", "[回到首页](/)"),  # the site's own page
    # a full URL on the blog's own address (its _config.yml's url): the post imported from there
    ("hexo/source/_posts/patrol-log.md", "[夜市全文](/posts/night-market/)"),
    ("hexo/source/_posts/patrol-log.md", '<a href="/posts/school-route/">护学岗</a>'),  # in raw HTML too
    # another site's address, though its path is an old address here: as it was
    ("hexo/source/_posts/patrol-log.md", "[同名路径](https://other.example.net/2022/05/01/notes/night-market/)"),
    ("hexo/source/_posts/safety/school-route.md", "[巡逻日志](/posts/patrol-log/)"),  # post_path
    # a picture that links to itself (to show it larger): the link follows the picture into static/
    (
        "hexo/source/_posts/notes/night-market.md",
        "[![摊位图](/images/night-market/stall.png)](/images/night-market/stall.png)",
    ),
    ("jekyll/_posts/2021-03-01-flood-drill.md", "[冰面安全](/posts/ice-safety/)"),  # post_url
    ("jekyll/_posts/2021-03-01-flood-drill.md", "[再看](/posts/ice-safety/)"),  # link _posts/….md
    ("jekyll/_posts/2021-03-01-flood-drill.md", "[冰面一节](/posts/ice-safety/#冰面)"),  # the author's x.md#anchor
    ("jekyll/_posts/2021-03-01-flood-drill.md", "[旧页](/posts/ice-safety/)"),  # relative to the old address
    ("jekyll/_posts/2021-03-01-flood-drill.md", "[夜市巡查](/posts/night-market/)"),  # another blog's old address
    ("jekyll/_posts/2021-03-01-flood-drill.md", "[水利部](https://www.mwr.gov.cn/)"),  # another site: as it was
    ("hugo/content/post/traffic-week.md", "[头盔](/posts/helmet-2024/)"),  # ref: the post's slug, not its file
    ("hugo/content/post/traffic-week.md", "[救援](/posts/bridge-bundle/#救援)"),  # relref from content/, a bundle
    ("hugo/content/post/traffic-week.md", "[旧的头盔地址](/posts/helmet-2024/)"),
    ("hugo/content/post/traffic-week.md", "[桥下](/posts/bridge-bundle/)"),  # ../bundle/ from the old address
    ("hugo/content/post/traffic-week.md", '<a href="/posts/helmet-2024/">'),  # raw HTML
]


@pytest.mark.parametrize(("rel", "link"), RESOLVED)
def test_links_to_imported_posts_lead_to_their_new_address(imported: Site, rel: str, link: str) -> None:
    _, body = imported.post(rel)
    assert link in body


KEPT_AS_TEXT = {
    "hexo/source/_posts/patrol-log.md": {
        "- 旧文：一篇没有迁来的文章\n": "link to lost-post.md kept as text: no such post in the site",
    },
    "jekyll/_posts/2021-03-01-flood-drill.md": {
        "没有迁来的页面：关于。": "link to /about/ kept as text: no such page in the site",
        "参考链接写法：演练方案。": "link to /2020/01/01/plan/ kept as text: no such page in the site",
        "网页里的<a>旧链接</a>。": "link to /2020/06/01/old.html kept as text: no such page in the site",  # no href
    },
    "hugo/content/post/traffic-week.md": {
        "和不存在的页。": "link to missing-page.md kept as text: no such post in the site",
    },
}


@pytest.mark.parametrize("rel", sorted(KEPT_AS_TEXT))
def test_a_link_that_leads_nowhere_keeps_its_words_and_names_its_target(imported: Site, rel: str) -> None:
    meta, body = imported.post(rel)
    for text, item in KEPT_AS_TEXT[rel].items():
        assert text in body
        assert item in meta.review
    outcome = next(s for s in imported.report["sources"] if s["source"] == str(LINKED / rel))
    assert set(KEPT_AS_TEXT[rel].values()) <= set(outcome["review"])


# A blog whose address is known (hexo's url:): a link to a post not imported leads to it on the old blog.
ON_THE_OLD_BLOG = {
    "- 早已删除：[去年的总结](https://patrol.example.org/2019/01/01/gone/)\n": (
        "link to https://patrol.example.org/2019/01/01/gone/ leads to the old blog: no post imported has that address"
    ),
    "- 旧站：[旧站文章](http://www.patrol.example.org/2018/07/07/old-story/)\n": (
        "link to http://www.patrol.example.org/2018/07/07/old-story/ leads to the old blog: "
        "no post imported has that address"
    ),
    '<a href="https://patrol.example.org/2017/05/05/closed/">停办的栏目</a>': (
        "link to https://patrol.example.org/2017/05/05/closed/ leads to the old blog: no post imported has that address"
    ),
}


def test_a_link_to_a_post_not_imported_stays_a_link_to_the_old_blog(imported: Site) -> None:
    meta, body = imported.post("hexo/source/_posts/patrol-log.md")
    for link, item in ON_THE_OLD_BLOG.items():
        assert link in body
        assert item in meta.review


def test_links_in_code_stay_as_written(imported: Site) -> None:
    _, body = imported.post("hexo/source/_posts/patrol-log.md")
    assert "`[示例](/2019/01/01/gone/)`" in body


def test_the_site_builds_and_only_strict_refuses_the_missing_picture(imported: Site) -> None:
    assert imported.run("build") == 0
    page = imported.root / "output" / "posts" / "traffic-week" / "index.html"
    assert 'href="/posts/helmet-2024/"' in page.read_text(encoding="utf-8")
    assert imported.run("build", "--strict") == 1


def test_check_shows_the_missing_picture_as_a_warning(imported: Site, capsys: pytest.CaptureFixture[str]) -> None:
    assert imported.run("check") == 0
    out = capsys.readouterr().out
    assert "patrol-log.md:" in out and "warning: missing image: /images/patrol-log/missing-map.png" in out
    assert "broken" not in out


def test_importing_again_changes_nothing(tmp_path: Path) -> None:
    site = import_blogs(new_site(tmp_path / "site"), *BLOGS)
    content = site.root / "content"
    before = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    again = import_blogs(site, *BLOGS)
    assert again.report["totals"]["unchanged"] == 8 and again.report["totals"]["created"] == 0
    assert before == {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}


def test_links_to_posts_of_an_earlier_import_resolve(tmp_path: Path) -> None:
    site = import_blogs(new_site(tmp_path / "site"), "hexo")
    import_blogs(site, "jekyll")
    _, body = site.post("jekyll/_posts/2021-03-01-flood-drill.md")
    assert "[夜市巡查](/posts/night-market/)" in body


def test_a_post_an_editor_changed_is_never_relinked(tmp_path: Path) -> None:
    site = import_blogs(new_site(tmp_path / "site"), "hugo")
    path = next((site.root / "content").rglob("traffic-week.md"))
    edited = path.read_text(encoding="utf-8") + "\n编辑加的[链接](/nowhere/)。\n"
    path.write_text(edited, encoding="utf-8")
    again = import_blogs(site, "hugo")
    assert path.read_text(encoding="utf-8") == edited
    assert {s["status"] for s in again.report["sources"] if s["post"] == str(path)} == {"conflict"}


def test_a_run_cut_short_before_its_links_were_checked_has_them_checked_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = new_site(tmp_path / "site")
    cfg = config.load(site.root)
    content = site.root / "content"
    with monkeypatch.context() as patched:
        patched.setattr(import_, "link_posts", lambda archive, content_dir: {})
        import_.run(cfg, [LINKED / "jekyll"], content, jobs=1)
    path = next(content.rglob("flood-drill.md"))
    assert "](2021-02-01-ice-safety.md#冰面)" in path.read_text(encoding="utf-8")
    again = import_.run(cfg, [LINKED / "jekyll"], content, jobs=1)
    assert {o.status for o in again.outcomes if o.post == path} == {"unchanged"}
    assert "[冰面一节](/posts/ice-safety/#冰面)" in path.read_text(encoding="utf-8")
    third = import_.run(cfg, [LINKED / "jekyll"], content, jobs=1)  # the rewritten post is the importer's
    assert {o.status for o in third.outcomes if o.post == path} == {"unchanged"}


def test_an_old_address_that_is_the_new_one_is_no_alias(tmp_path: Path) -> None:
    """A Hugo blog whose section was posts/ published at /posts/<name>/ already: no redirect over the post."""
    blog = tmp_path / "blog"
    (blog / "content" / "posts").mkdir(parents=True)
    (blog / "config.toml").write_text('title = "t"\n', encoding="utf-8")
    (blog / "content" / "posts" / "same-place.md").write_text(
        "---\ntitle: 同一个地址\ndate: 2024-01-01\ntags: [地址]\n---\n\n正文。\n", encoding="utf-8"
    )
    site = new_site(tmp_path / "site")
    assert site.run("import", str(blog), "--jobs", "1") == 0
    meta, _, _ = frontmatter.read(next(site.root.rglob("same-place.md")).read_text(encoding="utf-8"), Path("p"))
    assert meta.aliases == ()
    assert site.run("build") == 0


# resolve(): one link of one post against a site of known posts.

SITE = Addresses(
    own={"/posts/night-market": "/posts/night-market/", "/posts/a": "/posts/a/", "/posts/b": "/posts/b/"},
    old={"/2022/05/01/night-market": {"/posts/night-market/"}, "/shared": {"/posts/a/", "/posts/b/"}},
    names=({"night-market": {"/posts/night-market/"}}, {"twin": {"/posts/a/", "/posts/b/"}}, {}),
    sources={"/blog/_posts/night-market.md": "/posts/night-market/"},
    static=None,
)
HERE = _Here("/posts/here/", "/2023/04/02/here/", "/blog/_posts/here.md")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/posts/a/", "/posts/a/"),  # a post's address: as written
        ("/posts/a", "/posts/a"),
        ("/2022/05/01/night-market/", "/posts/night-market/"),  # an old address: straight to the post
        ("/2022/05/01/night-market/index.html#x", "/posts/night-market/#x"),
        ("/2022/05/01/%E5%A4%9C/", None),  # an old address of no post here
        ("../../05/01/night-market/", None),  # relative to the old address /2023/04/02/here/: /2023/05/01/...
        ("../../../../2022/05/01/night-market/", "/posts/night-market/"),
        ("night-market.md#摊位", "/posts/night-market/#摊位"),  # the source file beside this one
        ("../elsewhere/2022-05-01-night-market.md", "/posts/night-market/"),  # by its name, the date taken off
        ("twin.md", None),  # two posts by that name: not guessed
        ("/shared/", None),  # an old address of two posts
        ("/", "/"),
        ("/search/", "/search/"),
        ("/tags/x/", None),  # a term page the importer cannot vouch for
        ("#top", "#top"),
        ("https://example.com/x.md", "https://example.com/x.md"),
        ("mailto:a@example.com", "mailto:a@example.com"),
    ],
)
def test_resolve(target: str, expected: str | None) -> None:
    assert resolve(target, HERE, SITE) == expected


HOME = _Here("/posts/here/", "/2023/04/02/here/", "/blog/_posts/here.md", "https://notes.example.cn/blog/")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://notes.example.cn/blog/2022/05/01/night-market/#x", "/posts/night-market/#x"),  # an old address
        ("http://www.notes.example.cn/blog/posts/a/", "/posts/a/"),  # http, www.: the same blog
        ("https://notes.example.cn/blog/", "/"),  # its home page: the site's
        ("https://notes.example.cn/blog/2022/05/01/gone/", "https://notes.example.cn/blog/2022/05/01/gone/"),
        ("https://notes.example.cn/2022/05/01/night-market/", "https://notes.example.cn/2022/05/01/night-market/"),
        (
            "https://other.example.cn/blog/2022/05/01/night-market/",
            "https://other.example.cn/blog/2022/05/01/night-market/",
        ),
    ],
)
def test_a_full_url_on_the_blogs_own_address_is_a_link_within_the_site(target: str, expected: str) -> None:
    assert resolve(target, HOME, SITE) == expected


@pytest.mark.parametrize(
    ("name", "settings", "home"),
    [
        (
            "_config.yml",
            "title: t\nurl: https://www.notes.example.cn\nbaseurl: /blog\n",
            "https://www.notes.example.cn/blog/",
        ),
        ("_config.yml", "url: 'http://notes.example.cn/blog/' # Hexo, a sub-path\n", "http://notes.example.cn/blog/"),
        ("_config.yml", "url: http://example.com\n", None),  # Hexo's placeholder
        ("config.toml", 'baseURL = "https://notes.example.cn/"\n', "https://notes.example.cn/"),
        ("hugo.yaml", "baseURL: https://notes.example.cn/\n", "https://notes.example.cn/"),
        ("_config.yml", "title: no address\n", None),
    ],
)
def test_the_blogs_address_comes_from_its_settings(tmp_path: Path, name: str, settings: str, home: str | None) -> None:
    (tmp_path / "content").mkdir()  # a Hugo blog's settings count beside its content/
    (tmp_path / name).write_text(settings, encoding="utf-8")
    assert post.blog_address(tmp_path / "content") == home


def test_a_picture_on_the_blogs_own_address_is_copied_when_the_blog_holds_it(tmp_path: Path) -> None:
    blog = tmp_path / "blog"
    (blog / "_posts").mkdir(parents=True)
    (blog / "images").mkdir()
    (blog / "images" / "map.png").write_bytes(b"\x89PNG map")
    (blog / "_config.yml").write_text("url: https://notes.example.cn\n", encoding="utf-8")
    (blog / "_posts" / "2024-01-01-walk.md").write_text(
        "---\ntitle: 巡线\ntags: [巡线]\n---\n\n路线图：\n\n![图](https://notes.example.cn/images/map.png)\n\n"
        "![别处](https://notes.example.cn/images/gone.png)\n",
        encoding="utf-8",
    )
    site = new_site(tmp_path / "site")
    assert site.run("import", str(blog / "_posts"), "--jobs", "1") == 0
    _, body, _ = frontmatter.read(next((site.root / "content").rglob("walk.md")).read_text(encoding="utf-8"), Path("p"))
    assert "![图](/images/map.png)" in body and "![别处](https://notes.example.cn/images/gone.png)" in body
    assert (site.root / "static" / "images" / "map.png").read_bytes() == b"\x89PNG map"


def test_a_file_of_static_is_linked_by_its_site_path(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a b.pdf").write_bytes(b"%PDF")
    site = Addresses({}, {}, (), {}, tmp_path)
    assert resolve("/files/a b.pdf", HERE, site) == "/files/a b.pdf"
    assert resolve("../../../../files/a%20b.pdf", HERE, site) == "/files/a%20b.pdf"
    assert resolve("/files/../../etc/passwd", HERE, site) is None


# Links in Markdown: found outside code and rewritten in every form.

BODY = """\
见[上一篇](../a.md#x)、![图](p.png)、[![小图](p.png)](p.png)、\\[不是](x)和[引用][r]、[r]。

`[代码](c.md)` 与 <a href="/old/">旧</a>

```
[块](d.md)
```

脚注[^1]。

[r]: /2019/01/01/x/ "t"
[^1]: 注[里](f.md)
"""


def test_links_are_found_outside_code_and_images() -> None:
    assert links(BODY) == [
        ("../a.md#x", False),
        ("p.png", False),  # the link around the small picture
        ("/2019/01/01/x/", False),
        ("/2019/01/01/x/", False),
        ("/old/", True),
        ("f.md", False),  # in a footnote
    ]


def test_links_are_rewritten_or_made_text() -> None:
    new = {"../a.md#x": "/posts/a/#x", "/2019/01/01/x/": None, "/old/": "/posts/o/", "p.png": "/i/p.png", "f.md": None}
    assert (
        rewrite_links(BODY, new)
        == """\
见[上一篇](/posts/a/#x)、![图](p.png)、[![小图](p.png)](/i/p.png)、\\[不是](x)和引用、r。

`[代码](c.md)` 与 <a href="/posts/o/">旧</a>

```
[块](d.md)
```

脚注[^1]。

[r]: /2019/01/01/x/ "t"
[^1]: 注里
"""
    )


def test_an_html_link_that_leads_nowhere_loses_its_href() -> None:
    assert rewrite_links('<a class="k" href="/x/">x</a> <a href=/y/>y</a>\n', {"/x/": None, "/y/": "/z/"}) == (
        '<a class="k">x</a> <a href=/z/>y</a>\n'
    )


# Template tags that name posts: the path of the post's file, for the import to resolve.


@pytest.mark.parametrize(
    ("rel", "tag", "name", "expected"),
    [
        ("hexo/source/_posts/patrol-log.md", "post_link", "safety/school-route", "safety/school-route.md"),
        ("hexo/source/_posts/safety/school-route.md", "post_path", "patrol-log", "../patrol-log.md"),
        ("hexo/source/_posts/patrol-log.md", "post_link", "lost-post", "lost-post.md"),  # no such file
        ("jekyll/_posts/2021-03-01-flood-drill.md", "post_url", "2021-02-01-ice-safety", "2021-02-01-ice-safety.md"),
        (
            "jekyll/_posts/2021-03-01-flood-drill.md",
            "link",
            "_posts/2021-02-01-ice-safety.md",
            "2021-02-01-ice-safety.md",
        ),
        ("hugo/content/post/traffic-week.md", "ref", "helmet-check.md", "helmet-check.md"),
        ("hugo/content/post/traffic-week.md", "relref", "/post/bridge-bundle", "bridge-bundle/index.md"),
        ("hugo/content/post/traffic-week.md", "ref", "missing page", "missing%20page.md"),
    ],
)
def test_a_tag_naming_a_post_becomes_the_path_of_its_file(rel: str, tag: str, name: str, expected: str) -> None:
    origin = LINKED / rel
    doc = frontmatter.split_source(origin.read_text(encoding="utf-8"), origin)
    assert post.post_address(origin, post.layout(origin, doc), tag, name) == expected


def test_without_an_import_a_tag_naming_a_post_is_checked_by_hand() -> None:
    migrated = migrate("见{% post_link a-b %}。\n", "hexo")
    assert migrated.markdown == "见[a-b](/posts/a-b/)。\n"
    assert migrated.review == (
        "link {% post_link a-b %} at line 1 points to /posts/a-b/: check it once that post is imported",
    )


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("/b/_posts/2020-06-19-data-rep.md", ("2020-06-19-data-rep", "data-rep")),
        ("/b/content/post/Bundle-Post/index.md", ("bundle-post",)),
        ("/b/source/_posts/x.markdown", ("x",)),
    ],
)
def test_the_names_a_post_goes_by_in_links(path: str, names: tuple[str, ...]) -> None:
    from pathlib import PurePosixPath

    assert post.post_names(PurePosixPath(path)) == names


# The build: a missing picture the post's own review names is a warning, any other an error.

MISSING = "image not found: gone.png (put it at static/images/p/gone.png)"


def test_a_missing_image_named_under_review_is_a_warning() -> None:
    body_links = [("/images/p/gone.png", 3, True), ("/images/p/other.png", 4, True), ("/posts/none/", 5, False)]
    problems = checks.missing_links("p.md", "posts/p/", 10, body_links, {"posts/p/index.html"}, (MISSING,))
    assert [(p.warning, p.line, p.message.split(":")[0]) for p in problems] == [
        (True, 13, "missing image"),
        (False, 14, "broken image"),
        (False, 15, "broken link"),
    ]


def test_without_its_review_item_a_missing_image_is_an_error_again() -> None:
    problems = checks.missing_links("p.md", "posts/p/", 10, [("/images/p/gone.png", 3, True)], set(), ())
    assert [p.warning for p in problems] == [False]


def test_the_build_reads_the_review_from_the_post_when_not_given(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text(f"---\ntitle: t\nreview:\n- '{MISSING}'\n---\n\n![x](/images/p/gone.png)\n", encoding="utf-8")
    problems = checks.missing_links(path, "posts/p/", 7, [("/images/p/gone.png", 0, True)], set())
    assert [p.warning for p in problems] == [True]
    path.write_text("---\ntitle: t\n---\n\n![x](/images/p/gone.png)\n", encoding="utf-8")
    problems = checks.missing_links(path, "posts/p/", 5, [("/images/p/gone.png", 0, True)], set())
    assert [p.warning for p in problems] == [False]


def test_a_review_item_with_a_control_character_is_written_without_it() -> None:
    assert import_._printable(("link \0x\0 missing", "ok")) == ("link x missing", "ok")
    with pytest.raises(SitegenErrors):  # what a post holding one would do to the build
        frontmatter.read('---\ntitle: t\nreview: ["a\\0"]\n---\n', Path("p.md"))
