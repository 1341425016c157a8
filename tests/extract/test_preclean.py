"""Pre-cleaning of the tree: layout tables."""

from __future__ import annotations

from crawler.extract import extract
from crawler.models import Article
from tests.extract.sample_pages import FIXTURE_URL


def test_layout_table_is_read_as_paragraphs_not_a_table() -> None:
    cell = "<br><br>".join(
        f"Paragraph {i}: the county board approved the new water plan on Tuesday after months "
        "of debate about costs and pipes."
        for i in range(4)
    )
    html = (
        "<html><head><title>Water plan approved - Gazette</title></head><body>"
        "<table><tr><td><a href='/a'>Home</a></td><td><b>Water plan approved</b><br>"
        f"{cell}<table><tr><td><a href='/n/1'>Other story one here</a></td></tr></table>"
        "</td></tr></table></body></html>"
    ).encode()
    result = extract(html, FIXTURE_URL)
    assert isinstance(result, Article)
    assert "|" not in result.body
    assert result.body.split("\n")[0].startswith("Paragraph 0:")
    assert result.title == "Water plan approved"


LEAD = "The county will spend two million on new pipes, and farmers get water first in dry years."


def _lead_page(shown: str, description: str = LEAD) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {i}: the county board approved the new water plan on Tuesday after months "
        "of debate about costs and pipes, officials said.</p>"
        for i in range(4)
    )
    return (
        f"<html><head><title>Water plan approved</title>"
        f"<meta property='og:description' content='{description}'></head><body>"
        f"<header><h1>Water plan approved</h1><div class='teaser'>{shown}</div></header>"
        f"<main><article>{paragraphs}</article></main></body></html>"
    ).encode()


def test_the_lead_shown_outside_the_body_comes_first() -> None:
    result = extract(_lead_page(LEAD), FIXTURE_URL)
    assert isinstance(result, Article)
    assert result.body.split("\n")[0] == LEAD
    assert result.body.count("Paragraph") == 4


def test_a_cut_description_finds_the_whole_lead() -> None:
    result = extract(_lead_page(LEAD, description=LEAD[:50] + "…"), FIXTURE_URL)
    assert isinstance(result, Article) and result.body.split("\n")[0] == LEAD


def test_a_description_the_page_does_not_show_is_no_lead() -> None:
    result = extract(_lead_page("Photo gallery"), FIXTURE_URL)
    assert isinstance(result, Article) and result.body.startswith("Paragraph 0:")


def test_the_sites_name_after_the_description_is_no_part_of_the_lead() -> None:
    result = extract(_lead_page(LEAD, description=f"{LEAD} | Valley Gazette"), FIXTURE_URL)
    assert isinstance(result, Article) and result.body.split("\n")[0] == LEAD
