"""Line clean-up: prompts, other articles' headlines, captions repeated or dropped."""

from __future__ import annotations

import pytest

from crawler.extract import extract
from crawler.models import Article
from tests.extract.sample_pages import FIXTURE_URL, PARA, body_page

_AUTHOR = "<meta name='author' content='Jane Doe'>"


@pytest.mark.parametrize(
    "prompt",
    [
        "<p><strong>READ MORE:</strong> <a href='/x'>Storm forces thousands to leave</a></p>",
        "<p>【関連記事】<a href='/x'>台風が北上 週末は大雨の恐れ</a></p>",
        "<p>Les også: <a href='/x'>Storm tvinger tusenvis fra hjemmene sine</a></p>",
        "<p>Baca juga: <a href='/x'>Badai memaksa ribuan warga mengungsi</a></p>",
        "<div><h3>Читайте также</h3><ul><li><a href='/x'>Шторм вынудил тысячи людей уехать</a></li>"
        "<li><a href='/y'>Мост закрыт на ремонт до весны</a></li></ul></div>",
        "<p><em>Follow us on Facebook and Instagram for the latest updates.</em></p>",
        "<p>ⓒ 남도일보, 무단 전재 및 재배포 금지</p>",
        "<p>This article is for subscribers only. Subscribe to continue reading.</p>",
        "<p>14:05</p>",
    ],
)
def test_prompt_lines_are_dropped(prompt: str) -> None:
    result = extract(body_page(PARA + prompt + PARA.replace("Tuesday", "Monday")), FIXTURE_URL)
    assert isinstance(result, Article)
    assert result.body.count("\n") == 1, result.body


def test_long_paragraph_mentioning_a_prompt_phrase_is_kept() -> None:
    text = (
        "<p>Officials said residents who follow us on the council's channels heard about the "
        "plan first, and the board said all rights reserved for the water district would be "
        "reviewed again next year after a public hearing in the valley town hall.</p>"
    )
    result = extract(body_page(PARA + text), FIXTURE_URL)
    assert isinstance(result, Article)
    assert "public hearing" in result.body


def test_lines_that_are_links_elsewhere_are_dropped_as_headlines() -> None:
    box = "<div><p><b>Don't miss</b></p><ul><li><a href='/1'>Storm forces thousands to leave</a></li></ul></div>"
    page = body_page(PARA + box + PARA.replace("Tuesday", "Monday"))
    result = extract(page, FIXTURE_URL)
    assert isinstance(result, Article)
    assert "Storm forces" not in result.body


def test_captions_once_by_default_or_dropped() -> None:
    figure = (
        "<figure><img src='a.jpg' alt='Farmers inspect the new canal near the valley town'>"
        "<figcaption>Farmers inspect the new canal near the valley town (Photo: Reuters)"
        "</figcaption></figure>"
    )
    page = body_page(PARA + figure + PARA.replace("Tuesday", "Monday"))
    dropped = extract(page, FIXTURE_URL, captions="drop")
    assert isinstance(dropped, Article)
    assert "Farmers inspect" not in dropped.body
    kept = extract(page, FIXTURE_URL)
    assert isinstance(kept, Article)
    assert kept.body.count("Farmers inspect") <= 1


def test_a_long_caption_repeated_with_and_without_its_credit_is_kept_once() -> None:
    # longer than the tail searched for the credit: the credit is found at the end all the same
    caption = (
        "Farmers and county engineers inspect the new irrigation canal near the valley town of "
        "Millbrook on Tuesday morning, before the vote"
    )
    twice = body_page(PARA + f"<p>{caption} (Photo: Reuters)</p><p>{caption}.</p>" + PARA)
    result = extract(twice, FIXTURE_URL)
    assert isinstance(result, Article)
    assert result.body.count("Farmers and county engineers") == 1
    assert "(Photo: Reuters)" in result.body
    # without a credit, two similar lines are two paragraphs
    similar = body_page(PARA + f"<p>{caption} in the rain</p><p>{caption}.</p>" + PARA)
    result = extract(similar, FIXTURE_URL)
    assert isinstance(result, Article)
    assert result.body.count("Farmers and county engineers") == 2


def test_links_to_this_page_or_to_no_page_are_not_headlines() -> None:
    from lxml.html import fromstring

    from crawler.extract.lines import line_key, link_keys

    tree = fromstring(
        "<html><body>"
        "<a href='https://site.example/story#tankstellen'>Tankstellen: wo man Adblue kauft</a>"
        "<a href='#faq'>Fragen und Antworten zum Thema</a>"
        "<a href='mailto:desk@site.example'>desk@site.example.org</a>"
        "<a href='/other-story'>Another story on the same site</a>"
        "</body></html>"
    )
    keys = link_keys(tree, "https://site.example/story")
    assert keys == {line_key("Another story on the same site")}


@pytest.mark.parametrize(
    "where", ["first", "last"], ids=["byline typed as the first paragraph", "signature"]
)
def test_a_line_that_is_only_the_authors_name_is_dropped(where: str) -> None:
    name = "<p>Jane Doe</p>"
    inner = name + PARA if where == "first" else PARA + name
    result = extract(body_page(inner, head=_AUTHOR), FIXTURE_URL)
    assert isinstance(result, Article)
    assert result.authors == ("Jane Doe",)
    assert "Jane Doe" not in result.body


def test_the_authors_name_inside_the_text_is_kept() -> None:
    days = ("Monday", "Wednesday", "Thursday", "Friday")
    paras = [PARA.replace("Tuesday", day) for day in days]
    inner = PARA + "".join(paras[:2]) + "<p>Jane Doe</p>" + "".join(paras[2:])
    result = extract(body_page(inner, head=_AUTHOR), FIXTURE_URL)
    assert isinstance(result, Article)
    assert "Jane Doe" in result.body.split("\n")
