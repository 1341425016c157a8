"""Headline lists found by what the lines are (crawler.extract.layout), whatever the markup."""

from __future__ import annotations

from lxml.html import HtmlElement, fromstring

from crawler.extract.layout import drop_headline_lists, lay_out

URL = "https://gazette.example/news/1.html"
PROSE = (
    "The harbour board met on Tuesday and approved the dredging plan after a long debate about "
    "costs, tides and the needs of the fishing fleet."
)
HEADLINES = [f"Council story number {n} makes the front page" for n in range(8)]


def _body(inner: str) -> HtmlElement:
    body = fromstring(f"<html><body>{inner}</body></html>").find("body")
    assert body is not None
    return body


def _text(el: HtmlElement) -> str:
    return " ".join(" ".join(t.split()) for t in el.itertext() if t.strip())


def test_lines_break_at_blocks_and_br_not_at_inline_tags() -> None:
    layout = lay_out(
        _body("<div>one <b>two</b><br>three<p>four <a href='/x'>five</a></p>six</div>")
    )
    assert [line.text for line in layout.lines] == ["one two", "three", "four five", "six"]
    assert [line.link_chars for line in layout.lines] == [0, 0, 4, 0]


def test_br_separated_headlines_are_removed_from_the_block_that_holds_the_text() -> None:
    links = "<br>".join(f"<a href='/n/{n}'>{h}</a>" for n, h in enumerate(HEADLINES))
    body = _body(f"<div>{PROSE}<br><br>{links}</div>")
    removed = drop_headline_lists(body, URL)
    assert _text(body) == PROSE
    assert removed == HEADLINES


def test_dates_counters_and_bullets_beside_links_do_not_hide_a_list() -> None:
    rows = "".join(
        f"<div>■ 2025.10.{n + 10} 12:{n}0 <a href='/n/{n}'>{h}</a> ({n * 17})</div>"
        for n, h in enumerate(HEADLINES)
    )
    body = _body(f"<p>{PROSE}</p>{rows}")
    drop_headline_lists(body, URL)
    assert _text(body) == PROSE


def test_a_list_heading_takes_its_unlinked_lines_but_not_the_text_after_them() -> None:
    lines = "<br>".join(f"・{h}" for h in HEADLINES[:5])
    body = _body(f"<div>{PROSE}<br>Most read<br>{lines}<br>{PROSE}</div>")
    drop_headline_lists(body, URL)
    assert _text(body) == f"{PROSE} {PROSE}"


def test_a_list_heading_before_running_text_is_left_alone() -> None:
    body = _body(f"<h2>Related</h2><p>{PROSE}</p><p>{PROSE}</p>")
    assert drop_headline_lists(body, URL) == []
    assert _text(body) == f"Related {PROSE} {PROSE}"


def test_paragraphs_with_links_in_them_are_text() -> None:
    paragraph = f"<p>{PROSE} See <a href='/report'>the report</a> for details.</p>"
    body = _body(paragraph * 4)
    assert drop_headline_lists(body, URL) == []
    assert _text(body).count("See the report for details.") == 4


def test_two_link_lines_are_not_a_list() -> None:
    body = _body(f"<p>{PROSE}</p><p><a href='/a'>{HEADLINES[0]}</a></p><p><a href='/b'>x</a></p>")
    drop_headline_lists(body, URL)
    assert HEADLINES[0] in _text(body)


def test_other_sites_pages_listed_in_the_text_are_the_articles_own() -> None:
    # a link round-up: every item links to another site
    items = "".join(
        f"<p><a href='https://other{n}.example/story'>{h}</a></p><p>via Other {n}</p>"
        for n, h in enumerate(HEADLINES)
    )
    body = _body(items)
    drop_headline_lists(body, URL)
    assert all(h in _text(body) for h in HEADLINES)


def test_teasers_with_a_summary_each_are_a_list() -> None:
    teasers = "".join(
        f"<li><a href='/n/{n}'><h3>{h}</h3></a><p>Summary of story {n} in one short sentence."
        f"</p><span>2025/05/0{n + 1}</span></li>"
        for n, h in enumerate(HEADLINES)
    )
    body = _body(f"<p>{PROSE}</p><ul>{teasers}</ul>")
    drop_headline_lists(body, URL)
    assert _text(body) == PROSE


def test_one_line_of_many_links_is_a_list() -> None:
    spans = "".join(f"<span>• <a href='/n/{n}'>{h}</a></span>" for n, h in enumerate(HEADLINES))
    body = _body(f"<p>{PROSE}</p><div>{spans}</div>")
    drop_headline_lists(body, URL)
    assert _text(body) == PROSE


def test_hidden_text_keeps_its_container() -> None:
    links = "".join(f"<p><a href='/n/{n}'>{h}</a></p>" for n, h in enumerate(HEADLINES))
    body = _body(f"<div id='wrap'>{links}<template><p>{PROSE}</p></template></div>")
    drop_headline_lists(body, URL)
    assert body.find(".//template") is not None
    assert not any(h in _text(body) for h in HEADLINES)


def test_a_malformed_link_is_a_link_of_this_site() -> None:
    links = "".join(f"<p><a href='http://[oops]/{n}'>{h}</a></p>" for n, h in enumerate(HEADLINES))
    body = _body(f"<p>{PROSE}</p>{links}")
    drop_headline_lists(body, URL)
    assert _text(body) == PROSE
