"""Evaluation: corpus loading (every format), token, snippet and AEB scoring, metadata matching,
the report."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.quality.corpus import Case, load_corpus
from crawler.quality.evaluate import (
    evaluate,
    evaluate_many,
    format_markdown,
    format_rows,
    label_notes,
    run_eval,
)
from crawler.quality.scoring import (
    Prediction,
    aeb_tokens,
    count_snippets,
    prf,
    score_page,
    shingle_counts,
    shingle_rates,
    shingle_std,
    shingle_summary,
    snippet_scores,
    summarize,
    tokens,
)

ARTICLE_HTML = (
    "<html lang='en'><head><title>Bridge reopens | Gazette</title></head><body><article>"
    "<h1>Bridge reopens</h1><p>The old bridge reopened on Monday after two years of repairs, "
    "officials said, and traffic returned to normal within hours of the ceremony.</p>"
    "<p>Engineers replaced the deck and strengthened the piers so that heavier trucks can "
    "cross again, ending a long detour for local farmers and delivery firms.</p>"
    "</article></body></html>"
)


def _write(root: Path, group: str, name: str, html: str, gold: dict[str, object]) -> None:
    folder = root / group
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.html").write_text(html, encoding="utf-8")
    (folder / f"{name}.json").write_text(json.dumps(gold), encoding="utf-8")


def test_tokens_count_cjk_characters_and_other_words() -> None:
    assert tokens("東京 Tokyo-Bay 서울") == {
        "東": 1,
        "京": 1,
        "tokyo": 1,
        "bay": 1,
        "서": 1,
        "울": 1,
    }


def test_tokens_count_hangul_compatibility_jamo_one_by_one() -> None:
    # U+3130-318F, missing from shared/corpus/tools/score.py's ranges: one token each, as in the
    # extractor's units, not glued to the word next to them
    assert tokens("ㅋㅋ okㅎ") == {"ㅋ": 2, "ok": 1, "ㅎ": 1}


def test_prf_is_bag_of_tokens() -> None:
    assert prf("a b c", "a b c") == (1.0, 1.0, 1.0)
    precision, recall, f1 = prf("a b x y", "a b")
    assert (precision, recall) == (0.5, 1.0)
    assert f1 == pytest.approx(2 / 3)
    assert prf("", "a") == (0.0, 0.0, 0.0)


def test_prf_compares_canonically_equivalent_text_as_equal() -> None:
    decomposed = "Fu\u0308r die Su\u0308dtiroler A\u0308rztekammer"
    assert prf("Für die Südtiroler Ärztekammer", decomposed) == (1.0, 1.0, 1.0)


def test_loader_reads_both_schemas_and_skips_unlabelled(tmp_path: Path) -> None:
    _write(tmp_path, "en", "ours", "<p>x</p>", {"url": "u", "language": "en", "title": "T",
           "body": "b", "authors": ["A"], "published": "2025-01-02T03:04:00+00:00",
           "boilerplate": ["Most read"]})  # fmt: skip
    _write(tmp_path, "ja", "shared", "<p>x</p>", {"url": None, "language": "ja", "title": "T",
           "body": "b", "authors": [], "published": None, "source": "fundus:X@1"})  # fmt: skip
    _write(tmp_path, "en", "listing", "<p>x</p>", {"url": "u", "language": "en", "rejected": True})
    _write(tmp_path, "en", "golden", "<p>x</p>", {"title": "T", "with": ["x"]})
    cases = {c.name: c for c in load_corpus(tmp_path)}
    assert set(cases) == {"ours", "shared", "listing"}
    assert cases["ours"].boilerplate == ("Most read",) and cases["ours"].authors == ("A",)
    assert cases["shared"].url == "" and cases["shared"].published is None
    assert cases["listing"].rejected and cases["shared"].group == "ja"


def _case(**kwargs: object) -> Case:
    fields: dict[str, object] = {
        "group": "en",
        "name": "x",
        "html_path": Path("x.html"),
        "url": "",
        "language": "en",
        "title": "Bridge reopens",
        "body": "one two three",
        "authors": ("Jane Doe",),
        "published": "2025-05-06T17:25:00-05:00",
        "boilerplate": ("Most read",),
    }
    fields.update(kwargs)
    return Case(**fields)  # type: ignore[arg-type]


def test_score_page_metadata_and_leaks() -> None:
    prediction = Prediction(
        body="one two three\nMost  read",
        title="Bridge  reopens",
        authors=("jane doe",),
        published=datetime(2025, 5, 6, 22, 25, tzinfo=UTC),  # 17:25 in the gold's zone
        language="en-US",
    )
    score = score_page(_case(), prediction, 0.01)
    assert score.leaked == ["Most read"]
    assert score.title_ok and score.date_ok and score.authors_ok and score.language_ok


def test_titles_that_differ_only_in_typography_are_the_same() -> None:
    # quote styles, full-width forms, ideographic space, soft hyphen: the same title
    case = _case(title="Strava unveils 'family' plan\u3000ＡＩ Helikopter\xadlandeplatz")
    prediction = Prediction(title="Strava unveils ‘family’ plan AI Helikopterlandeplatz")
    assert score_page(case, prediction, 0.0).title_ok
    assert not score_page(case, Prediction(title="Strava unveils family plan AI"), 0.0).title_ok


def test_label_notes_count_labels_and_name_the_articles_labelled_otherwise() -> None:
    scores = [
        score_page(_case(name="a"), Prediction(body="one two three", label="article"), 0.0),
        score_page(_case(name="t"), Prediction(body="one two", label="paywall_teaser"), 0.0),
        score_page(
            _case(name="w"), Prediction(rejected=True, reason="too_short", label="bot_block"), 0.0
        ),
        score_page(
            _case(name="s", rejected=True),
            Prediction(rejected=True, reason="listing_page", label="listing"),
            0.0,
        ),
    ]
    assert label_notes("newsflow", scores) == [
        "newsflow: page labels: article 1, paywall_teaser 1, bot_block 1, listing 1",
        "newsflow: articles labelled as no article: 1",
        "  en/w: bot_block (too_short)",
    ]
    peer = [score_page(_case(), Prediction(body="one two three"), 0.0)]
    assert label_notes("trafilatura", peer) == [], "a peer that labels no page: no notes"


def test_date_compares_the_day_in_the_gold_zone() -> None:
    same = Prediction(published=datetime(2025, 5, 7, 6, 0, tzinfo=timezone(timedelta(hours=9))))
    other = Prediction(published=datetime(2025, 5, 7, 15, 0, tzinfo=timezone(timedelta(hours=9))))
    assert score_page(_case(), same, 0.0).date_ok is True
    assert score_page(_case(), other, 0.0).date_ok is False
    assert score_page(_case(), Prediction(published=date(2025, 5, 6)), 0.0).date_ok is True
    assert score_page(_case(published=None), Prediction(), 0.0).date_ok is None


def test_rejections_score_zero_on_articles_and_count_on_listings() -> None:
    rejected = Prediction(rejected=True, reason="too_short")
    article = score_page(_case(), rejected, 0.0)
    assert article.f1 == 0.0 and not article.rejection_ok
    listing = score_page(_case(rejected=True), rejected, 0.0)
    assert listing.rejection_ok and listing.f1 is None


def test_summarize_groups_and_overall() -> None:
    scores = [
        score_page(_case(group="ja"), Prediction(body="one two three"), 0.002),
        score_page(_case(group="en"), Prediction(body="one two"), 0.004),
        score_page(_case(group="en", rejected=True), Prediction(rejected=True), 0.0),
    ]
    rows = {r.group: r for r in summarize("x", scores)}
    assert list(rows) == ["en", "ja", "ALL"]
    assert rows["ja"].f1 == 1.0 and rows["ALL"].pages == 3
    assert rows["ALL"].rejection == 1.0
    assert rows["ALL"].ms_per_page == pytest.approx(2.0)
    assert "ALL" in format_rows(list(rows.values()))
    assert format_markdown(list(rows.values())).startswith("| extractor |")


def test_evaluate_turns_extractor_errors_into_rejections(tmp_path: Path) -> None:
    _write(tmp_path, "en", "a", ARTICLE_HTML, {"url": "https://x.example/a", "language": "en",
           "title": "Bridge reopens", "body": "x", "authors": []})  # fmt: skip

    def broken(html: bytes, url: str) -> Prediction:
        raise RuntimeError("boom")

    (score,) = evaluate(load_corpus(tmp_path), broken)
    assert score.prediction.rejected and score.f1 == 0.0


def test_run_eval_on_a_small_corpus_and_missing_peer(tmp_path: Path) -> None:
    body = (
        "The old bridge reopened on Monday after two years of repairs, officials said, and "
        "traffic returned to normal within hours of the ceremony.\nEngineers replaced the deck "
        "and strengthened the piers so that heavier trucks can cross again, ending a long "
        "detour for local farmers and delivery firms."
    )
    _write(tmp_path, "en", "a", ARTICLE_HTML, {"url": "https://x.example/a", "language": "en",
           "title": "Bridge reopens", "body": body, "authors": []})  # fmt: skip
    rows, _ = run_eval(tmp_path, ["newsflow"])
    overall = rows[-1]
    assert overall.group == "ALL" and overall.f1 == 1.0 and overall.title == 1.0
    assert overall.language == 1.0 and overall.authors == 1.0


def test_cli_eval_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "en", "a", ARTICLE_HTML, {"url": "https://x.example/a", "language": "en",
           "title": "Bridge reopens", "body": "The old bridge", "authors": []})  # fmt: skip
    assert main(["eval", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "newsflow" in out and "ALL" in out and "F1" in out


# --- trafilatura's with/without format -------------------------------------------------------------


def _write_evaldata(root: Path, items: dict[str, tuple[str, str, dict[str, object]]]) -> None:
    """``items``: url → (folder, file name, with/without); pages go in ``cache/`` or ``eval/``."""
    data = {}
    for url, (folder, name, snippets) in items.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / name).write_text(ARTICLE_HTML, encoding="utf-8")
        data[url] = {"file": name, **snippets}
    (root / "evaldata.json").write_text(json.dumps(data), encoding="utf-8")


def test_loader_reads_trafilatura_evaldata_from_cache_and_eval(tmp_path: Path) -> None:
    _write_evaldata(tmp_path, {
        "https://b.example/2": ("eval", "b.html", {"with": ["x"], "without": ["y"]}),
        "https://a.example/1": ("cache", "a.html", {"with": ["p", "q"], "without": ["r"]}),
    })  # fmt: skip
    cases = load_corpus(tmp_path)
    assert [c.url for c in cases] == ["https://a.example/1", "https://b.example/2"]
    assert cases[0].html_path == tmp_path / "cache" / "a.html"
    assert cases[0].must == ("p", "q") and cases[0].must_not == ("r",) and cases[0].snippets


def test_snippets_count_as_trafilatura_does() -> None:
    # eval_common.count_item: white space normalized, case kept, plain substring
    case = _case(must=("old  bridge\nreopened", "Piers"), must_not=("Most read", "ceremony"))
    assert count_snippets(case, "The old bridge reopened.\nThe piers; the ceremony.") == (
        1,
        1,
        1,
        1,
    )
    assert count_snippets(case, "") == (0, 0, 2, 2)


def test_snippet_scores_are_summed_over_pages_before_the_rates() -> None:
    # micro averaging, as trafilatura's ConfusionMatrix: page A (tp 3) and page B (fn 1, fp 1)
    a = score_page(_case(must=("a", "b", "c"), must_not=("z",)), Prediction(body="a b c"), 0.001)
    b = score_page(_case(must=("d",), must_not=("y",)), Prediction(body="y"), 0.003)
    empty = score_page(_case(must=("e",), must_not=("w",)), Prediction(rejected=True), 0.0)
    assert a.counts == (3, 0, 0, 1) and b.counts == (0, 1, 1, 0) and empty.counts == (0, 0, 1, 1)
    overall = summarize("x", [a, b, empty])[-1]
    assert overall.precision == pytest.approx(3 / 4) and overall.recall == pytest.approx(3 / 5)
    assert overall.f1 == pytest.approx(6 / 9) and overall.accuracy == pytest.approx(5 / 8)
    assert overall.empty == 1
    assert snippet_scores((0, 0, 0, 0)) == (0.0, 0.0, 0.0, 0.0)


def test_run_eval_on_evaldata_scores_newsflow(tmp_path: Path) -> None:
    _write_evaldata(tmp_path, {"https://x.example/a": ("cache", "a.html", {
        "with": ["traffic returned to normal", "heavier trucks"], "without": ["Gazette"]})})  # fmt: skip
    rows, _ = run_eval(tmp_path, ["newsflow"])
    overall = rows[-1]
    assert (overall.precision, overall.recall, overall.accuracy) == (1.0, 1.0, 1.0)
    assert overall.empty == 0 and "acc" in format_rows(rows)


def test_extractors_take_turns_page_by_page(tmp_path: Path) -> None:
    for name in ("a", "b"):
        _write(tmp_path, "en", name, ARTICLE_HTML, {"url": f"https://x.example/{name}",
               "language": "en", "title": "T", "body": "x", "authors": []})  # fmt: skip
    calls: list[tuple[str, str]] = []

    def first(html: bytes, url: str) -> Prediction:
        calls.append(("first", url))
        return Prediction(body="x", seconds=0.5)

    def second(html: bytes, url: str) -> Prediction:
        calls.append(("second", url))
        return Prediction(body="x")

    scores = evaluate_many(load_corpus(tmp_path), {"first": first, "second": second})
    assert [c[0] for c in calls[2:]] == ["first", "second", "first", "second"]  # after warm-up
    assert [s.seconds for s in scores["first"]] == [0.5, 0.5]  # the extractor's own timing


# --- AEB (Zyte's article-extraction-benchmark) ---------------------------------------------------

AEB_FIXTURE = Path(__file__).parents[1] / "fixtures" / "aeb"


def test_loader_reads_aeb_ground_truth_and_gzipped_pages() -> None:
    cases = load_corpus(AEB_FIXTURE)
    assert [c.name for c in cases] == ["bridge", "empty", "rain", "short"]
    bridge = cases[0]
    assert bridge.shingles and not bridge.snippets and bridge.group == "aeb"
    assert bridge.url == "https://gazette.example/2026/bridge-reopens"
    assert bridge.body == "The bridge reopened on Monday after repairs."
    html = bridge.html()  # html/bridge.html.gz, decompressed
    assert html.startswith(b"<!DOCTYPE html>") and b"reopened on Monday" in html


def test_aeb_tokens_and_shingles_as_its_evaluate_py() -> None:
    # AEB's tests.py: \w+ tokens, case kept; shingles of 4, or one shorter of a short text
    assert aeb_tokens("a b,cd:e(foo,bar) ") == ["a", "b", "cd", "e", "foo", "bar"]
    assert shingle_counts("", "") == (0.0, 0.0, 0.0)
    # 7 gold tokens (4 shingles) inside 10 predicted (7 shingles): tp 4, fp 3, fn 0, over 7
    assert shingle_counts("x The bridge reopened on Monday after repairs y z", BRIDGE) == (
        pytest.approx(4 / 7),
        pytest.approx(3 / 7),
        0.0,
    )
    # "Short note" is one 2-token shingle, "Short note here" one of 3: no match at all
    assert shingle_counts("Short note here", "Short note") == (0.0, 0.5, 0.5)
    assert shingle_rates(0.0, 0.0, 1.0) == (None, 0.0)  # nothing predicted: no precision
    assert shingle_rates(1.0, 0.0, 0.0) == (1.0, 1.0)


BRIDGE = "The bridge reopened on Monday after repairs."


def test_aeb_scores_by_hand_on_the_fixture() -> None:
    # Predictions per page and, by AEB's formulas, (tp, fp, fn) / their sum -> page P, R:
    #   bridge: 3 extra tokens (tp 4, fp 3, fn 0 of 7)       -> P 4/7, R 1
    #   empty:  nothing                                     -> P left out, R 0
    #   rain:   same tokens, other punctuation: exact match -> P 1, R 1
    #   short:  one 2-token shingle against a 3-token one   -> P 0, R 0
    # P = (4/7 + 1 + 0) / 3 = 11/21, R = (1 + 0 + 1 + 0) / 4 = 1/2,
    # F1 = 2PR / (P + R) = 22/43 (not the mean of the pages' F1, 19/44), accuracy 1/4.
    predicted = {
        "bridge": "Read: The bridge reopened on Monday after repairs. Share this",
        "empty": "",
        "rain": "Rain, rain -- go away today!",
        "short": "Short note here",
    }
    cases = load_corpus(AEB_FIXTURE)
    scores = [score_page(c, Prediction(body=predicted[c.name]), 0.001) for c in cases]
    by_page = {s.case.name: (s.precision, s.recall, s.exact) for s in scores}
    assert by_page == {
        "bridge": (pytest.approx(4 / 7), 1.0, False),
        "empty": (None, 0.0, False),
        "rain": (1.0, 1.0, True),
        "short": (0.0, 0.0, False),
    }
    overall = summarize("x", scores)[-1]
    assert overall.precision == pytest.approx(11 / 21) and overall.recall == pytest.approx(1 / 2)
    assert overall.f1 == pytest.approx(22 / 43) and overall.accuracy == pytest.approx(1 / 4)
    assert overall.empty == 1 and overall.leak is None and overall.title is None
    assert shingle_summary(scores) == (
        overall.precision,
        overall.recall,
        overall.f1,
        overall.accuracy,
    )
    # a rejection scores as an empty text does
    rejected = score_page(cases[1], Prediction(body="ignored", rejected=True), 0.0)
    assert (rejected.precision, rejected.recall) == (None, 0.0)


def test_aeb_bootstrap_std_is_seeded_and_zero_on_identical_pages() -> None:
    cases = load_corpus(AEB_FIXTURE)
    perfect = [score_page(c, Prediction(body=c.body), 0.0) for c in cases]
    assert shingle_std(perfect) == (0.0, 0.0, 0.0, 0.0)
    mixed = [score_page(c, Prediction(body=c.body if i % 2 else ""), 0.0) for i, c in
             enumerate(cases)]  # fmt: skip
    assert shingle_std(mixed, resamples=50) == shingle_std(mixed, resamples=50)
    assert shingle_std(mixed, resamples=50)[1] > 0  # recall varies with the draw


def test_run_eval_on_aeb_runs_trafilatura_as_the_benchmark_does() -> None:
    rows, notes = run_eval(AEB_FIXTURE, ["newsflow", "trafilatura"])
    assert [(r.extractor, r.group) for r in rows] == [
        ("newsflow", "aeb"),
        ("newsflow", "ALL"),
        ("trafilatura", "aeb"),
        ("trafilatura", "ALL"),
    ]
    assert all(r.pages == 4 and r.accuracy is not None for r in rows)
    # newsflow rejects these short pages (too_short): empty texts, no precision to average
    assert rows[-1].empty == 0 and rows[0].empty == 4 and rows[0].precision is None
    assert "newsflow: AEB R 0.000 ± 0.000, accuracy 0.000 ± 0.000" in " ".join(notes)
    assert any(n.startswith("trafilatura: AEB P ") and "F1 " in n for n in notes)
