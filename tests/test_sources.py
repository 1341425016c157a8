"""The sources file: strict validation, and every entry of the default file is valid."""

from __future__ import annotations

import dataclasses
import re
import textwrap
from pathlib import Path

import pytest
import yaml

from crawler.config import DEFAULT_SOURCES
from crawler.errors import SourceConfigError
from crawler.sources import (
    DriftThresholds,
    Source,
    load_sources,
    parse_source,
    parse_sources,
    select_sources,
)

GOOD = {
    "name": "example",
    "language": "ja",
    "allowed_domains": ["example.jp"],
    "feeds": ["https://example.jp/rss.xml"],
    "article_url_pattern": r"/articles/\d+",
}


def _doc(**overrides: object) -> dict[str, object]:
    entry = {**GOOD, **overrides}
    return {"sources": [{k: v for k, v in entry.items() if v is not None}]}


def test_valid_source_parses() -> None:
    (source,) = parse_sources(_doc(timezone="Asia/Tokyo", revisit_hours=48))
    assert source.name == "example"
    assert source.allowed_domains == ("example.jp",)
    assert source.is_article_url("https://example.jp/articles/12")
    assert source.is_article_url("https://www.example.jp/articles/12")
    assert not source.is_article_url("https://example.jp/tag/news")
    assert not source.is_article_url("https://evil.example/articles/12")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"colour": "red"}, "source 'example': unknown key 'colour'"),
        ({"language": "Japanese"}, "source 'example': key 'language'"),
        ({"allowed_domains": "example.jp"}, "source 'example': key 'allowed_domains'"),
        ({"allowed_domains": ["https://example.jp/"]}, "source 'example': key 'allowed_domains'"),
        ({"feeds": ["ftp://example.jp/rss"]}, "source 'example': key 'feeds'"),
        ({"feeds": ["https://other.jp/rss"]}, "source 'example': key 'allowed_domains'"),
        ({"article_url_pattern": "(unclosed"}, "source 'example': key 'article_url_pattern'"),
        ({"timezone": "Mars/Olympus"}, "source 'example': key 'timezone'"),
        ({"max_articles": -1}, "source 'example': key 'max_articles'"),
        (
            {"max_discovered": 0},
            "source 'example': key 'max_discovered': expected an integer of at least 1",
        ),
        (
            {"max_crawl_seconds": 0},
            "source 'example': key 'max_crawl_seconds': expected a number above 0",
        ),
        (
            {"max_memory_mb": 1.5},
            "source 'example': key 'max_memory_mb': expected an integer of at least 1",
        ),
        (
            {"concurrency": 0},
            "source 'example': key 'concurrency': expected an integer of at least 1",
        ),
        (
            {"download_timeout": 0},
            "source 'example': key 'download_timeout': expected a number above 0",
        ),
        ({"schedule": "every day"}, "source 'example': key 'schedule'"),
        ({"allow_private_networks": "no"}, "source 'example': key 'allow_private_networks'"),
        ({"enabled": "yes"}, "source 'example': key 'enabled'"),
        ({"language": None}, "source 'example': missing required key 'language'"),
        ({"feeds": None}, "at least one discovery URL"),
        ({"name": "Bad Name"}, "key 'name'"),
    ],
    ids=lambda v: str(v)[:40] if isinstance(v, dict) else "",
)
def test_bad_values_name_source_and_key(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(SourceConfigError, match=re.escape(message)):
        parse_sources(_doc(**overrides))


def test_yaml_booleans_where_text_is_expected_say_to_quote(tmp_path: Path) -> None:
    # `language: no` is Norwegian to a person and False to YAML 1.1
    path = tmp_path / "s.yaml"
    entry = {"name": "nrk", "language": "nb", "allowed_domains": "[nrk.no]"}
    entry["feeds"] = "[https://www.nrk.no/toppsaker.rss]"
    for key, word in (("language", "no"), ("name", "off"), ("timezone", "yes")):
        lines = [f"{k}: {v}" for k, v in {**entry, key: word}.items()]
        path.write_text("sources:\n  - " + "\n    ".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(SourceConfigError, match=f"key '{key}': YAML read it as true/false"):
            load_sources(path)


def test_schedule_key_is_validated() -> None:
    entry = {"name": "s", "language": "en", "allowed_domains": ["example.org"]}
    entry["feeds"] = ["https://example.org/feed.xml"]
    assert parse_source({**entry, "schedule": "0 6 * * 1"}, 1).schedule == "0 6 * * 1"
    with pytest.raises(SourceConfigError, match="source 's': key 'schedule': expected a cron"):
        parse_source({**entry, "schedule": "mondays"}, 1)


def test_document_shape_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match="top-level key 'sources'"):
        parse_sources({"feeds": []})
    with pytest.raises(SourceConfigError, match="defined twice"):
        parse_sources({"sources": [GOOD, GOOD]})
    bad_yaml = tmp_path / "s.yaml"
    bad_yaml.write_text("sources: [\n", encoding="utf-8")
    with pytest.raises(SourceConfigError, match="not valid YAML"):
        load_sources(bad_yaml)
    with pytest.raises(SourceConfigError, match="cannot read"):
        load_sources(tmp_path / "missing.yaml")


def test_select_sources() -> None:
    sources = parse_sources({"sources": [GOOD, {**GOOD, "name": "off", "enabled": False}]})
    assert [s.name for s in select_sources(sources, None)] == ["example"]
    assert [s.name for s in select_sources(sources, ["off"])] == ["off"]
    with pytest.raises(SourceConfigError, match="unknown source"):
        select_sources(sources, ["nope"])


_DEFAULT = yaml.safe_load(DEFAULT_SOURCES.read_text(encoding="utf-8"))["sources"]


@pytest.mark.parametrize("entry", _DEFAULT, ids=[e["name"] for e in _DEFAULT])
def test_default_sources_are_valid(entry: dict[str, object]) -> None:
    (source,) = parse_sources({"sources": [entry]})
    assert source.article_url_pattern, f"source {source.name!r} has no article_url_pattern"


def test_default_file_ships_storm_media_japan() -> None:
    names = {s.name for s in load_sources(DEFAULT_SOURCES)}
    assert "storm-media-jp" in names


# docs/how_to_add_a_source.md: one table row per key, and its example entry validates ---------------

HOW_TO = Path(__file__).resolve().parents[1] / "docs" / "how_to_add_a_source.md"
_KEYS = [f.name for f in dataclasses.fields(Source)]


@pytest.mark.parametrize("key", _KEYS)
def test_how_to_documents_every_key(key: str) -> None:
    rows = re.findall(r"^\s*\| `(\w+)` \|", HOW_TO.read_text(encoding="utf-8"), re.MULTILINE)
    assert key in rows, f"{HOW_TO.name} has no table row for the sources key {key!r}"


def test_how_to_example_uses_every_key_and_validates() -> None:
    text = HOW_TO.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert block, f"{HOW_TO.name} has no yaml example"
    document = yaml.safe_load(textwrap.dedent(block.group(1)))
    (source,) = parse_sources(document, HOW_TO.name)
    assert set(document["sources"][0]) == set(_KEYS), (
        f"{HOW_TO.name}'s example lacks keys {sorted(set(_KEYS) - set(document['sources'][0]))}"
    )
    assert source.is_article_url("https://example.jp/articles/123")


# drift thresholds ----------------------------------------------------------------------------------

_DRIFT_KEYS = [f.name for f in dataclasses.fields(DriftThresholds)]
_BASE_ENTRY = {
    "name": "drifty",
    "language": "en",
    "allowed_domains": ["example.org"],
    "feeds": ["https://example.org/rss"],
}


@pytest.mark.parametrize("key", _DRIFT_KEYS)
def test_how_to_documents_every_drift_key(key: str) -> None:
    section = HOW_TO.read_text(encoding="utf-8").split("## Drift thresholds", 1)[1]
    rows = re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE)
    assert key in rows, f"{HOW_TO.name} has no row for the drift key {key!r}"


def test_drift_keys_validate_and_default() -> None:
    source = parse_source({**_BASE_ENTRY, "drift": {"min_articles": 3, "enabled": False}}, 1)
    assert source.drift == DriftThresholds(min_articles=3, enabled=False)
    assert parse_source(_BASE_ENTRY, 1).drift == DriftThresholds()
    # every key has a validator: each one round-trips its default
    defaults = dataclasses.asdict(DriftThresholds())
    assert parse_source({**_BASE_ENTRY, "drift": defaults}, 1).drift == DriftThresholds()


@pytest.mark.parametrize(
    ("drift", "message"),
    [
        ({"min_artcles": 3}, "unknown key drift.min_artcles"),
        ({"min_articles": 0}, "drift.min_articles: expected an integer of at least 1"),
        ({"leak_rate_max_rise": 1.5}, "drift.leak_rate_max_rise: expected a number above 0"),
        ({"body_length_max_ratio": 0.5}, "drift.body_length_max_ratio: expected a number of at"),
        ({"enabled": "no"}, "drift.enabled: expected true or false"),
        ({"min_baseline_days": 40}, "drift.min_baseline_days (40) exceeds drift.baseline_days"),
        ([1], "key 'drift': expected a mapping"),
    ],
)
def test_bad_drift_thresholds_name_the_source_and_key(drift: object, message: str) -> None:
    with pytest.raises(SourceConfigError, match=r"source 'drifty': key 'drift': ") as info:
        parse_source({**_BASE_ENTRY, "drift": drift}, 1)
    assert message in str(info.value)
