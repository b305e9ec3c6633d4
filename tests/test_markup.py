"""Post bodies rendered: footnotes work, and only their own ids survive the sanitiser."""

from __future__ import annotations

from sitegen import markup


def test_footnotes_render_with_their_text_and_links_back() -> None:
    html = markup.to_html("警情通报[^1]。\n\n[^1]: 来源：县公安局。\n")
    assert '<sup class="footnote-ref"><a href="#fn1" id="fnref1"' in html
    assert '<li id="fn1" class="footnote-item"><p>来源：县公安局。' in html
    assert 'href="#fnref1" class="footnote-backref"' in html


def test_a_bodys_own_ids_and_classes_are_dropped() -> None:
    html = markup.to_html('<a id="search-box" class="x" href="/a">链接</a>\n\n<li id="fn9:1">项</li>\n')
    assert 'id="search-box"' not in html and 'class="x"' not in html
    assert 'id="fn9:1"' in html  # the footnote form is the one allowed


def test_image_sources_lists_every_picture_of_a_body_markdown_and_raw_html() -> None:
    html = markup.to_html('![甲](/images/a.jpg)\n\n<p><img alt="乙 > 丙" src="b%20c.png"></p>\n', remote_images=True)
    assert markup.image_sources(html) == ["/images/a.jpg", "b%20c.png"]


def test_with_pictures_adds_what_it_is_given_and_keeps_an_authors_size() -> None:
    html = markup.to_html(
        '![甲 "引号"](/images/a.jpg)\n\n<p><img alt="a > b" width="50" src="/b.png"></p>\n\n![丙](/c.png)\n'
    )
    seen: list[tuple[str, bool]] = []

    def picture(src: str, first: bool) -> dict[str, str] | None:
        seen.append((src, first))
        return None if src == "/c.png" else {"width": "8", "height": "6", "srcset": "/x.jpg 4w, /a.jpg 8w"}

    shown = markup.with_pictures(html, picture)
    assert seen == [("/images/a.jpg", True), ("/b.png", False), ("/c.png", False)]
    assert (
        '<img src="/images/a.jpg" srcset="/x.jpg 4w, /a.jpg 8w" alt="甲 &quot;引号&quot;" width="8" height="6">'
        in shown
    )
    assert '<img src="/b.png" srcset="/x.jpg 4w, /a.jpg 8w" alt="a &gt; b" width="50">' in shown
    assert '<img src="/c.png" alt="丙">' in shown
