"""The layout matrix: one article and one list of 50 headlines in every layout of
tests/extract/layouts.py, in Japanese, Chinese, Korean and English, full and as a short brief.

Every page must be stored, with every paragraph and not one headline (nor the list's heading),
and a body F1 of at least MIN_F1 against the paragraphs. The pages carry no article metadata, so
the brief is kept on its text alone. tests/quality/test_eval_gate.py pins the same floors.
"""

from __future__ import annotations

import pytest

from crawler.extract import extract
from crawler.models import Article
from crawler.quality.scoring import prf
from tests.extract.layouts import LANGUAGES, LAYOUTS, page

MIN_F1 = 0.97
CASES = [
    (layout, language, short)
    for layout in LAYOUTS
    for language in LANGUAGES
    for short in (False, True)
]


def test_the_matrix_has_enough_layouts() -> None:
    assert len(LAYOUTS) >= 12, f"{len(LAYOUTS)} layouts, at least 12 wanted"


@pytest.mark.parametrize(
    ("layout", "language", "short"),
    CASES,
    ids=[f"{layout}-{language}{'-short' if short else ''}" for layout, language, short in CASES],
)
def test_layout(layout: str, language: str, short: bool) -> None:
    p = page(language, layout, short=short)
    result = extract(p.html, p.url)
    assert isinstance(result, Article), f"{layout}/{language}: rejected as {result}"
    flat = " ".join(result.body.split())
    leaked = [h for h in p.must_not if h in flat]
    assert not leaked, f"{layout}/{language}: {len(leaked)} headline(s) leaked, e.g. {leaked[:2]}"
    missing = [m for m in p.must if m not in flat]
    assert not missing, f"{layout}/{language}: paragraph(s) missing, e.g. {missing[:1]}"
    f1 = prf(result.body, p.body)[2]
    assert f1 >= MIN_F1, f"{layout}/{language}: body F1 {f1:.3f} below {MIN_F1}"
    assert result.title == p.title, f"{layout}/{language}: title {result.title!r}"
