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
