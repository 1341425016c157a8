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
