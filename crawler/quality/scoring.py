"""Scoring for ``newsflow eval``: one prediction against one page's labels, then averages.

Body tokens are the extractor's units (:func:`crawler.extract.text.units`): every CJK character
(Han, kana, hangul) is one token, the rest is lowercased and split into ``\\w+`` words, as in
``shared/corpus/tools/score.py``, whose ranges miss the Hangul compatibility jamo (U+3130–318F,
one token each here). Scores are per page, then averaged per group and over all pages (macro).
Metadata rates count only pages labelled with that field; "date" compares the day in the gold
time's own zone. A rejected article scores 0.

trafilatura's format (with/without strings) is scored as trafilatura's own ``tests/evaluate.py``
scores it: a "with" string found in the text (white space normalized, case kept) is a true
positive, a "without" string found is a false positive; counts are summed over all pages (micro),
then P = tp/(tp+fp), R = tp/(tp+fn), accuracy = (tp+tn)/all and F = 2tp/(2tp+fp+fn).

AEB's pages are scored as AEB's own ``evaluate.py`` scores them (see :func:`shingle_counts`):
shingles of 4 ``\\w+`` tokens (case kept), per-page P and R averaged over the pages where each is
defined, F1 of those two means, accuracy = share of pages whose tokens equal the gold's.
"""

from __future__ import annotations

import collections
import random
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from crawler.extract.text import units
from crawler.quality.corpus import Case


@dataclass(frozen=True, slots=True)
class Prediction:
    """What one extractor made of one page (``rejected`` when it gave no article)."""

    body: str = ""
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | date | None = None
    language: str | None = None
    rejected: bool = False
    reason: str = ""
    label: str = ""  # the page label (crawler.labels), extractors that label pages only
    # The time of the extraction proper, when the extractor reads more than its peers' default
    # call does (trafilatura's metadata) and times itself; None: the whole call is timed.
    seconds: float | None = None


@dataclass(slots=True)
class PageScore:
    """Scores of one extractor on one page; ``None`` where the page has no label for it."""

    case: Case
    prediction: Prediction
    seconds: float
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    leaked: list[str] = field(default_factory=list)
    title_ok: bool | None = None
    date_ok: bool | None = None
    authors_ok: bool | None = None
    language_ok: bool | None = None
    rejection_ok: bool = True
    counts: Counts | None = None  # snippet pages: (tp, fp, fn, tn)
    exact: bool | None = None  # AEB pages: the text's tokens are the gold's, all of them

    @property
    def empty(self) -> bool:
        """The extractor returned no text for the page."""
        return self.prediction.rejected or not self.prediction.body.strip()


@dataclass(frozen=True, slots=True)
class Row:
    """Averages of one extractor over one group of pages (or all of them)."""

    extractor: str
    group: str
    pages: int
    precision: float | None
    recall: float | None
    f1: float | None
    accuracy: float | None  # snippet corpora and AEB only
    empty: int  # pages where the extractor returned no text
    leak: float | None
    title: float | None
    date: float | None
    authors: float | None
    language: float | None
    rejection: float | None
    ms_per_page: float


Counts = tuple[int, int, int, int]


def tokens(text: str) -> collections.Counter[str]:
    """Bag of tokens: one per CJK character, one per other lowercased word. Text is compared in
    NFC: a gold typed with decomposed umlauts ("fu" + U+0308 + "r") is the same text as "für",
    and a word split at its combining mark would score as two wrong tokens."""
    return collections.Counter(units(unicodedata.normalize("NFC", text).lower()))


def prf(predicted: str, gold: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall and F1 of ``predicted`` against ``gold``."""
    p, g = tokens(predicted), tokens(gold)
    common = sum((p & g).values())
    precision = common / sum(p.values()) if p else 0.0
    recall = common / sum(g.values()) if g else 0.0
    return precision, recall, _f1(precision, recall)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# AEB's metric, as its evaluate.py defines it (github.com/scrapinghub/article-extraction-benchmark,
# evaluate.py: _TOKEN_RE, _tokenize, _ngrams, string_shingle_matching, precision_score,
# recall_score, metrics_from_tp_fp_fns, get_accuracy). Unlike ``tokens`` above, case is kept and
# a run of CJK characters is one token: the benchmark's numbers must stay comparable.
_AEB_TOKEN = re.compile(r"\w+")  # their flags (IGNORECASE, MULTILINE...) do not change \w+
AEB_SHINGLE = 4  # string_shingle_matching's ngram_n


def aeb_tokens(text: str) -> list[str]:
    """AEB's ``_tokenize``."""
    return _AEB_TOKEN.findall(text or "")


def _shingles(text: str) -> collections.Counter[tuple[str, ...]]:
    """AEB's ``_ngrams``: every run of 4 tokens; a text of 1-3 tokens is one shorter shingle."""
    t = aeb_tokens(text)
    runs = (tuple(t[i : i + AEB_SHINGLE]) for i in range(max(1, len(t) - AEB_SHINGLE + 1)))
    return collections.Counter(run for run in runs if run)


def shingle_counts(predicted: str, gold: str) -> tuple[float, float, float]:
    """AEB's ``string_shingle_matching``: (tp, fp, fn) of shingles, divided by their sum so that
    a long page weighs no more than a short one; (0, 0, 0) when neither text has a shingle."""
    p, g = _shingles(predicted), _shingles(gold)
    tp, fp, fn = sum((p & g).values()), sum((p - g).values()), sum((g - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def shingle_rates(tp: float, fp: float, fn: float) -> tuple[float | None, float | None]:
    """AEB's ``precision_score`` and ``recall_score`` of one page; None where
    ``metrics_from_tp_fp_fns`` leaves the page out of the mean: precision on a page with no
    predicted shingle (an empty text is not imprecise), recall on one with no gold shingle."""
    # Their "tp == fp == 0 → 0.0" (resp. tp == fn) never applies: such a page is left out.
    precision = recall = None
    if tp + fp > 0:
        precision = 1.0 if fp == fn == 0 else tp / (tp + fp)
    if tp + fn > 0:
        recall = 1.0 if fp == fn == 0 else tp / (tp + fn)
    return precision, recall


def shingle_summary(
    scores: Sequence[PageScore],
) -> tuple[float | None, float | None, float | None, float | None]:
    """AEB's ``metrics_from_tp_fp_fns`` and accuracy over pages: precision, recall (each the mean
    over the pages where it is defined), F1 of those two means (not a mean of pages' F1), and the
    share of pages whose tokens are exactly the gold's."""
    precision = _mean(s.precision for s in scores)
    recall = _mean(s.recall for s in scores)
    f1 = None if precision is None or recall is None else _f1(precision, recall)
    return precision, recall, f1, _mean(s.exact for s in scores)


def shingle_std(
    scores: Sequence[PageScore], resamples: int = 1000, seed: int = 0
) -> tuple[float, ...]:
    """The bootstrap standard deviations AEB reports beside P, R, F1 and accuracy: the pages drawn
    with replacement ``resamples`` times (seeded, so that a rerun prints the same)."""
    rng = random.Random(seed)
    draws = [shingle_summary(rng.choices(scores, k=len(scores))) for _ in range(resamples)]
    columns = [[v for d in draws if (v := d[i]) is not None] for i in range(4)]
    return tuple(statistics.stdev(c) if len(c) > 1 else 0.0 for c in columns)


def _ws(text: str) -> str:
    """trafilatura's ``eval_common.norm``: white space collapsed, case kept."""
    return " ".join(text.split())


def count_snippets(case: Case, text: str) -> Counts:
    """(tp, fp, fn, tn) of one page, as trafilatura's ``eval_common.count_item``."""
    flat = _ws(text)
    tp = sum(1 for w in case.must if _ws(w) in flat)
    fp = sum(1 for w in case.must_not if _ws(w) in flat)
    return tp, fp, len(case.must) - tp, len(case.must_not) - fp


def snippet_scores(counts: Counts) -> tuple[float, float, float, float]:
    """Precision, recall, F and accuracy of summed (tp, fp, fn, tn), 0.0 where undefined."""
    tp, fp, fn, tn = counts
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    total = tp + fp + fn + tn
    return precision, recall, f1, (tp + tn) / total if total else 0.0


# Typographic quotes and their typewriter forms: a title that differs only in which of them it
# uses is the same title (a site's og:title says 'family', its headline ‘family’).
_QUOTES = str.maketrans({c: "'" for c in "‘’‚‛′"} | {c: '"' for c in "“”„‟″"})


def _norm(text: str | None) -> str:
    """Compatibility forms unified (NFKC: full-width letters, ideographic space), quotes
    straightened, white space collapsed, case folded, invisible characters (zero-width space,
    soft hyphen: Unicode category Cf) dropped: a title that differs only in those is the same
    title."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(visible.split()).casefold()


def _same_day(predicted: datetime | date | None, gold: str) -> bool:
    if predicted is None:
        return False
    try:
        gold_dt = datetime.fromisoformat(gold)
    except ValueError:
        return False
    if isinstance(predicted, datetime):
        if predicted.tzinfo is not None and gold_dt.tzinfo is not None:
            predicted = predicted.astimezone(gold_dt.tzinfo)
        return predicted.date() == gold_dt.date()
    return predicted == gold_dt.date()


def score_page(case: Case, prediction: Prediction, seconds: float) -> PageScore:
    """Compare one prediction with the page's labels."""
    score = PageScore(case, prediction, seconds)
    score.rejection_ok = prediction.rejected == case.rejected
    if case.rejected:
        return score
    body = "" if prediction.rejected else prediction.body
    if case.shingles:
        score.precision, score.recall = shingle_rates(*shingle_counts(body, case.body))
        if score.precision is not None or score.recall is not None:
            score.f1 = _f1(score.precision or 0.0, score.recall or 0.0)
        score.exact = aeb_tokens(body) == aeb_tokens(case.body)
        return score
    if case.snippets:
        score.counts = count_snippets(case, body)
        score.precision, score.recall, score.f1, _ = snippet_scores(score.counts)
        return score
    score.precision, score.recall, score.f1 = prf(body, case.body)
    flat = _norm(body)
    score.leaked = [s for s in case.boilerplate if _norm(s) and _norm(s) in flat]
    if case.title:
        score.title_ok = _norm(prediction.title) == _norm(case.title)
    if case.published:
        score.date_ok = _same_day(prediction.published, case.published)
    if case.authors is not None:
        score.authors_ok = sorted(map(_norm, prediction.authors)) == sorted(
            map(_norm, case.authors)
        )
    if case.language:
        score.language_ok = (prediction.language or "").lower().split("-")[0] == case.language
    return score


def _mean(values: Iterable[float | bool | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return sum(present) / len(present) if present else None


def summarize(name: str, scores: Sequence[PageScore]) -> list[Row]:
    """One row per group (sorted) and one for all pages."""
    groups: dict[str, list[PageScore]] = collections.defaultdict(list)
    for s in scores:
        groups[s.case.group].append(s)
    rows = []
    for group, members in [*sorted(groups.items()), ("ALL", list(scores))]:
        articles = [s for s in members if not s.case.rejected]
        labelled = [s for s in articles if s.case.boilerplate]
        precision = _mean(s.precision for s in articles)
        recall = _mean(s.recall for s in articles)
        f1 = _mean(s.f1 for s in articles)
        accuracy = None
        counted = [s.counts for s in articles if s.counts is not None]
        if counted and len(counted) == len(articles):  # trafilatura's way: micro, not per page
            tp, fp, fn, tn = (sum(column) for column in zip(*counted, strict=True))
            precision, recall, f1, accuracy = snippet_scores((tp, fp, fn, tn))
        if articles and all(s.case.shingles for s in articles):
            precision, recall, f1, accuracy = shingle_summary(articles)
        rows.append(
            Row(
                extractor=name,
                group=group,
                pages=len(members),
                precision=precision,
                recall=recall,
                f1=f1,
                accuracy=accuracy,
                empty=sum(s.empty for s in members),
                leak=_mean(bool(s.leaked) for s in labelled) if labelled else None,
                title=_mean(s.title_ok for s in articles),
                date=_mean(s.date_ok for s in articles),
                authors=_mean(s.authors_ok for s in articles),
                language=_mean(s.language_ok for s in articles),
                rejection=_mean(s.rejection_ok for s in members),
                ms_per_page=1000 * sum(s.seconds for s in members) / max(len(members), 1),
            )
        )
    return rows
