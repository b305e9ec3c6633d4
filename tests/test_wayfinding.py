"""Finding the way in the built example site: folder indexes, pagination, breadcrumbs, the region hierarchy,
region x topic lists, the archive's calendar, the corrections page, term feeds and a split sitemap."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from support import TEST_SITE, copy_site, serve

from sitegen import checks, cli, redirects, sitemap, taxonomy
from sitegen.config import Config
from sitegen.plan import Pager

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

# A story of the example site's, given corrections (one of them older than the other, written second) and
# a tag that tries to close the breadcrumbs' script.
CORRECTED = "content/posts/2022/fan-zha.md"
CORRECTIONS = """corrections:
- date: 2022-10-12
  text: 本文原称宣传活动在周一举行，应为周二。
- date: 2022-10-11
  text: 本文原将派出所名称写错，已改正。
tags: [反诈宣传, "</script><b>x"]
"""


def build(site: Path, *args: str) -> Path:
    assert cli.main(["--root", str(site), "build", *args]) == 0
    return site / "output"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = copy_site(TEST_SITE, tmp_path_factory.mktemp("wayfinding") / "site")
    post = site / CORRECTED
    text = post.read_text(encoding="utf-8")
    post.write_text(re.sub(r"^tags: .*\n", CORRECTIONS, text, count=1, flags=re.M), encoding="utf-8")
    return build(site)


def page(out: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((out / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def links(node: Tag) -> list[str]:
    return [str(a["href"]) for a in node.find_all("a")]


def test_every_folder_a_url_implies_has_an_index(out: Path) -> None:
    urls = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.suffix in (".html", ".xml")]
    folders = {url.rsplit("/", i)[0] for url in urls for i in range(1, url.count("/") + 1)}
    assert {"posts", "page", "regions/ji-an-shi/page", "regions/ji-an-shi/topics", "archive/2022"} <= folders
    assert [f for f in sorted(folders) if not (out / f / "index.html").is_file()] == []


# Old addresses of a migrated story, in the shapes blogs wrote them (a dated folder, a page file, a folder
# beside the site's own), and a file of static/ in a folder: each implies folders no page of the site is in.
ALIASES = "aliases: [/2019/03/05/old-slug/, /2022/8/old-page.html, /blog/2021/old/, /tag/old/]\n"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = copy_site(TEST_SITE, tmp_path_factory.mktemp("folders") / "site")
    post = site / CORRECTED
    post.write_text(post.read_text(encoding="utf-8").replace("\n---\n", f"\n{ALIASES}---\n", 1), encoding="utf-8")
    (site / "static/files/2022").mkdir(parents=True)
    (site / "static/files/2022/notice.pdf").write_bytes(b"%PDF-1.4\n")
    return build(site)


def answers(url: str) -> tuple[int, str]:
    """The status and body a static host gives for url."""
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, ""


def test_every_folder_of_every_url_answers_on_a_static_host(crawled: Path) -> None:
    """Every file written (pages, feeds, redirects, static files) and every link in a page is a URL; each
    folder above one answers with a page, never the host's 404. The search index's folders are its script's."""
    written = {p.relative_to(crawled).as_posix() for p in crawled.rglob("*") if p.is_file()}
    linked = {
        urlsplit(str(a["href"])).path.lstrip("/")
        for name in written
        if name.endswith(".html")
        for a in BeautifulSoup((crawled / name).read_text(encoding="utf-8"), "html.parser").find_all("a", href=True)
        if str(a["href"]).startswith("/")
    }
    urls = {url for url in written | linked if not url.startswith(redirects.RESERVED)}
    folders = {url.rsplit("/", n)[0] + "/" for url in urls for n in range(1, url.count("/") + 1)}
    assert {"2019/", "2019/03/", "2019/03/05/", "2022/8/", "blog/", "blog/2021/", "tag/", "files/2022/"} <= folders
    with serve(crawled) as base:
        failing = [folder for folder in sorted(folders) if answers(base + quote(folder))[0] != 200]
        assert failing == []
        assert answers(base)[0] == 200
        status, body = answers(base + "2022/8/")
    assert status == 200 and 'content="0; url=/archive/2022/08/"' in body and "2022年8月的报道" in body


@pytest.mark.parametrize(
    ("folder", "target"),
    [
        ("2019/03/05", "archive/"),  # no story of 2019: the archive
        ("2022/10", "archive/2022/10/"),
        ("2022/1", "archive/2022/"),  # a month with no story: its year
        ("blog/2021", "archive/2021/"),
        ("topics/x", "topics/"),  # beside the site's own folder: that folder's page
        ("gone/old", ""),  # nothing above with a page: the home page
    ],
)
def test_a_folder_without_a_page_sends_the_reader_to_the_nearest_list(crawled: Path, folder: str, target: str) -> None:
    files = {p.relative_to(crawled).as_posix(): "" for p in crawled.rglob("index.html")}
    assert redirects.listing(folder, files, set()) == target


def test_a_folder_index_never_replaces_a_page_or_leads_to_a_redirect(crawled: Path) -> None:
    alias = page(crawled, "2019/03/05/old-slug")  # the alias's own redirect, not a folder index over it
    assert alias.find("meta", attrs={"http-equiv": "refresh"})["content"] == "0; url=/posts/fan-zha/"
    assert page(crawled, "topics").find("meta", attrs={"http-equiv": "refresh"}) is None
    files = {"index.html": "", "tag/index.html": "", "archive/index.html": ""}
    assert redirects.listing("tag/old", files, {"tag/index.html"}) == ""  # tag/ is a redirect: not a list


def test_a_page_folder_sends_the_reader_to_page_one_and_stays_out_of_the_sitemap(out: Path) -> None:
    folder = page(out, "topics/she-qu-jing-wu/page")
    assert folder.find("meta", attrs={"http-equiv": "refresh"})["content"] == "0; url=/topics/she-qu-jing-wu/"
    assert folder.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    listed = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "/page/<" not in listed and "/topics/she-qu-jing-wu/page/2/<" in listed
    assert sitemap.listed("posts/page/index.html")  # a post whose slug is 'page' is a page like any other


def test_posts_lists_every_story_and_continues_on_the_home_list(out: Path) -> None:
    posts = page(out, "posts")
    assert posts.h1.get_text() == "全部报道"
    assert "/page/2/" in links(posts.find("nav", class_="pagination"))


@pytest.mark.parametrize(
    ("number", "count", "shown"),
    [
        (6, 250, [1, None, 4, 5, 6, 7, 8, None, 250]),
        (1, 250, [1, 2, 3, None, 250]),
        (250, 250, [1, None, 248, 249, 250]),
        (4, 7, [1, 2, 3, 4, 5, 6, 7]),  # a gap of one page shows the page
        (1, 1, [1]),
    ],
)
def test_pagination_numbers_the_first_last_and_nearby_pages(number: int, count: int, shown: list[int | None]) -> None:
    assert Pager(number, count, (), "topics/x/").numbers() == shown


def test_pagination_is_a_labelled_list_with_the_current_page_marked(out: Path) -> None:
    nav = page(out, "regions/ji-an-shi/page/2").find("nav", class_="pagination")
    assert nav["aria-label"] == "分页"
    current = nav.find(attrs={"aria-current": "page"})
    assert current.get_text() == "第 2 页" and current.name != "a"
    assert links(nav) == ["/regions/ji-an-shi/", "/regions/ji-an-shi/"]  # 上一页 and 1
    assert [a.get_text() for a in nav.find_all("a")] == ["上一页", "第 1 页"]


def crumbs(soup: BeautifulSoup) -> list[tuple[str, str | None]]:
    nav = soup.find("nav", class_="breadcrumbs")
    return [(li.get_text(strip=True), li.a["href"] if li.a else None) for li in nav.find_all("li")]


def test_breadcrumbs_lead_from_the_home_page_to_the_page(out: Path) -> None:
    assert crumbs(page(out, "topics/she-qu-jing-wu/page/2")) == [
        ("首页", "/"),
        ("专题", "/topics/"),
        ("社区警务", "/topics/she-qu-jing-wu/"),
        ("第 2 页", None),
    ]
    assert crumbs(page(out, "regions/sui-chuan-xian")) == [
        ("首页", "/"),
        ("地区", "/regions/"),
        ("江西省", "/regions/jiang-xi-sheng/"),
        ("吉安市", "/regions/ji-an-shi/"),
        ("遂川县", None),
    ]
    assert crumbs(page(out, "archive/2022/08"))[2:] == [("2022年", "/archive/2022/"), ("8月", None)]
    assert page(out, "").find("nav", class_="breadcrumbs") is None
    assert crumbs(page(out, "page/2")) == [("首页", "/"), ("第 2 页", None)]


def test_breadcrumbs_json_ld_is_valid_and_matches_the_trail(out: Path) -> None:
    pages = [p for p in out.rglob("index.html") if "breadcrumbs" in p.read_text(encoding="utf-8")]
    assert len(pages) > 40
    for path in pages:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        script = soup.find("script", type="application/ld+json", string=re.compile("BreadcrumbList"))
        data = json.loads(script.string)
        items = data["itemListElement"]
        assert data["@context"] == "https://schema.org" and data["@type"] == "BreadcrumbList"
        assert [i["position"] for i in items] == list(range(1, len(items) + 1))
        assert [(i["name"], i["item"]) for i in items[:-1]] == [
            (name, "https://example.org" + href) for name, href in crumbs(soup)[:-1]
        ]
        assert items[-1]["name"] == crumbs(soup)[-1][0]


def test_a_name_cannot_close_the_breadcrumbs_script(out: Path) -> None:
    tag = next(p for p in out.glob("tags/*/index.html") if "x" in page(out, p.parent.relative_to(out)).h1.get_text())
    html = tag.read_text(encoding="utf-8")
    script = html[html.index('<script type="application/ld+json">') :]
    script = script[: script.index("</script>")]
    assert "<" not in script.removeprefix('<script type="application/ld+json">')
    assert json.loads(script.split(">", 1)[1])["itemListElement"][-1]["name"] == "</script><b>x"


def test_the_regions_index_nests_provinces_cities_and_counties(out: Path) -> None:
    tree = page(out, "regions").find("ul", class_="tree")
    province = tree.find("a", string="江西省").parent
    city = province.find("ul").find("a", string="吉安市").parent
    assert {a.get_text() for a in city.find("ul").find_all("a")} == {"遂川县", "井冈山市"}
    assert [li.a.get_text() for li in tree.find_all("li", recursive=False)] == ["江西省", "江苏省"]


def test_a_region_page_links_its_parent_children_and_topics(out: Path) -> None:
    nav = page(out, "regions/ji-an-shi").find("nav", class_="related-terms")
    assert links(nav) == [
        "/regions/jiang-xi-sheng/",
        "/regions/jing-gang-shan-shi/",
        "/regions/sui-chuan-xian/",
        "/regions/ji-an-shi/topics/she-qu-jing-wu/",
        "/regions/ji-an-shi/topics/fang-ni-shui/",
    ]
    county = page(out, "regions/sui-chuan-xian").find("nav", class_="related-terms")
    assert links(county)[0] == "/regions/ji-an-shi/" and "下级地区" not in county.get_text()


def test_a_region_and_topic_list_holds_the_stories_of_both(out: Path) -> None:
    both = page(out, "regions/jiang-su-sheng/topics/fan-zha")
    assert both.h1.get_text() == "地区：江苏省 · 专题：反诈"
    assert [a["href"] for a in both.select("ol.stories h2 a")] == ["/posts/fan-zha/"]
    assert "/topics/fan-zha/" in links(both.find("p", class_="see-also"))
    assert not (out / "regions/jiang-su-sheng/topics/she-qu-jing-wu").exists()
    index = page(out, "regions/jiang-xi-sheng/topics")
    assert links(index.find("ul", class_="terms")) == [
        "/regions/jiang-xi-sheng/topics/she-qu-jing-wu/",
        "/regions/jiang-xi-sheng/topics/fang-ni-shui/",
    ]


def test_region_parents_tell_places_of_one_name_apart_by_the_places_beside_them() -> None:
    names = ["北京市", "朝阳区", "长春市", "吉林省", "江西省", "吉安市", "遂川县", "某某镇", "香港"]
    stories = [["北京市", "朝阳区"], ["江西省", "吉安市", "遂川县", "某某镇"], ["吉林省", "长春市"], ["香港"]]
    assert taxonomy.region_parents(names, stories) == {
        "朝阳区": "北京市",
        "长春市": "吉林省",
        "吉安市": "江西省",
        "遂川县": "吉安市",
        "某某镇": "遂川县",
    }
    assert taxonomy.region_parents(["朝阳区", "北京市", "长春市"], [["朝阳区"]]) == {}  # which one: unknown


def test_the_archive_is_a_calendar_and_a_year_links_its_months(out: Path) -> None:
    table = page(out, "archive").find("table")
    row = next(tr for tr in table.find_all("tr") if tr.th and tr.th.get_text().startswith("2022年"))
    cells = row.find_all("td")
    assert len(cells) == 12
    assert [i + 1 for i, td in enumerate(cells) if td.a] == [8, 10]
    assert cells[0].get_text() == "0" and cells[7].a["href"] == "/archive/2022/08/"
    months = page(out, "archive/2022").find("nav", class_="months")
    assert [(a.get_text(), a["href"]) for a in months.find_all("a")] == [
        ("8月", "/archive/2022/08/"),
        ("10月", "/archive/2022/10/"),
    ]
    assert page(out, "archive/2022/08").h1.get_text() == "归档：2022年8月"


def test_the_corrections_page_lists_every_correction_newest_first(out: Path) -> None:
    items = page(out, "corrections").select("ol.corrections-list li")
    assert [li.time["datetime"] for li in items] == ["2022-10-12", "2022-10-11"]
    assert "周二" in items[0].get_text() and items[0].a["href"] == "/posts/fan-zha/"


def test_a_feed_entry_opens_with_the_story_corrections(out: Path) -> None:
    feed = ET.parse(out / "atom.xml").getroot()
    entry = next(e for e in feed.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id").endswith("/posts/fan-zha/"))
    content = entry.findtext(f"{ATOM}content")
    assert content.index("2022年10月12日") < content.index("2022年10月11日") < content.index("<p>")
    assert entry.findtext(f"{ATOM}updated").startswith("2022-10-12")


def test_regions_sources_and_tags_have_feeds_their_pages_link(out: Path) -> None:
    for kind in ("regions", "sources", "tags"):
        folders = [p for p in (out / kind).iterdir() if p.is_dir()]
        feeds = [ET.parse(folder / "atom.xml").getroot() for folder in folders]
        assert feeds and all(feed.tag == f"{ATOM}feed" for feed in feeds)
        assert any(feed.find(f"{ATOM}entry") is not None for feed in feeds)  # undated stories are in none
        for folder in folders:
            head = page(out, folder.relative_to(out)).head
            alternate = head.find("link", rel="alternate", title=re.compile("："))
            assert alternate["href"] == f"/{folder.relative_to(out).as_posix()}/atom.xml"


def test_the_sitemap_is_split_into_an_index_past_its_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    single = build(copy_site(TEST_SITE, tmp_path / "single"))
    urls = [loc.text for loc in ET.parse(single / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")]
    monkeypatch.setattr(sitemap, "LIMIT", 20)
    split = build(copy_site(TEST_SITE, tmp_path / "split"))
    index = ET.parse(split / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP}sitemapindex"
    files = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert files == [f"https://example.org/sitemap-{n}.xml" for n in range(1, -(-len(urls) // 20) + 1)]
    parts = [ET.parse(split / name.rsplit("/", 1)[1]).getroot() for name in files]
    assert all(len(part) <= 20 for part in parts)
    assert [loc.text for part in parts for loc in part.iter(f"{SITEMAP}loc")] == urls
    assert index.find(f"{SITEMAP}sitemap/{SITEMAP}lastmod") is not None  # the newest article day of the first


def test_robots_txt_under_a_sub_path_says_where_it_must_go(tmp_path: Path) -> None:
    out = build(copy_site(TEST_SITE, tmp_path / "site"), "--base-url", "https://host.example/archive/")
    robots = (out / "robots.txt").read_text(encoding="utf-8")
    assert robots.startswith("# ") and "Sitemap: https://host.example/archive/sitemap.xml" in robots
    problem = checks.robots_problem(Config(root=tmp_path, base_url="https://host.example/archive/"))
    assert problem is not None and problem.warning and "robots.txt" in problem.message
    assert checks.robots_problem(Config(root=tmp_path, base_url="https://host.example/")) is None


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("pattern", "new"),
    [
        (r"regions: \[江西省, 吉安市, 遂川县\]", "regions: [江西省, 吉安市]"),  # 遂川县 leaves: 吉安市 loses a child
        (r"regions: \[江苏省, 盐城市\]", "regions: [浙江省, 杭州市]"),  # a province goes, another comes
        (r"^date: .*\n", "date: 2021-02-03\n"),  # a month appears in the calendar and on 2021's page
        (r"^tags: .*\n", "tags: [防溺水]\ncorrections:\n- date: 2023-01-01\n  text: 已更正。\n"),
    ],
)
def test_an_edit_built_incrementally_gives_what_a_cold_build_gives(tmp_path: Path, pattern: str, new: str) -> None:
    """What the way-finding pages show of other stories (a region's parent and children, a year's months, the
    corrections) is in their keys: an incremental build after an edit equals a cold one."""
    sites = [copy_site(TEST_SITE, tmp_path / name) for name in ("incremental", "cold")]
    build(sites[0])
    for site in sites:
        post = next(p for p in sorted((site / "content").rglob("*.md")) if re.search(pattern, p.read_text(), re.M))
        post.write_text(re.sub(pattern, new, post.read_text(encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")
    assert tree(build(sites[0])) == tree(build(sites[1]))
