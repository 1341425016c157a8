"""Language: script evidence, the declared language, stopwords, the source's default."""

from __future__ import annotations

import pytest

from crawler.extract import extract
from crawler.models import Article
from tests.extract.sample_pages import FIXTURE_URL


@pytest.mark.parametrize(
    ("lang_attr", "text", "expected"),
    [
        ("", "東京都は新しい交通計画を発表した。市民の意見を聞きながら進める方針だ。" * 3, "ja"),
        (
            "",
            "서울시는 새로운 교통 계획을 발표했다. 시민들의 의견을 듣고 추진할 방침이다." * 3,
            "ko",
        ),
        ("", "北京市政府今天发布了新的交通规划，将听取市民意见后推进实施。" * 3, "zh"),
        ("en", "東京都は新しい交通計画を発表した。市民の意見を聞きながら進める方針だ。" * 3, "ja"),
        (
            "",
            "Der Stadtrat hat am Dienstag den Plan für die neue Brücke beschlossen, "
            "die nicht vor 2027 "
            "fertig wird. Die Kosten sind mit dem Bund abgestimmt und auf dem Tisch. " * 2,
            "de",
        ),
    ],
)
def test_language(lang_attr: str, text: str, expected: str) -> None:
    html = (
        f"<html{' lang=' + lang_attr if lang_attr else ''}><head><title>t</title></head>"
        f"<body><article><p>{text}</p><p>{text}</p></article></body></html>"
    ).encode()
    result = extract(html, FIXTURE_URL)
    assert isinstance(result, Article), result
    assert result.language == expected


def test_default_language_when_undetectable() -> None:
    text = "Zzyx qorp vlim drax " * 30
    html = (
        f"<html><head><title>t</title></head><body><article><p>{text}</p></article></body></html>"
    )
    result = extract(html.encode(), FIXTURE_URL, default_language="xx")
    assert isinstance(result, Article)
    assert result.language == "xx"
