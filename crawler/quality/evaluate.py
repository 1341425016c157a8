"""``newsflow eval``: run extractors on a labelled corpus and report body P/R/F1, boilerplate
leaks, metadata and speed (corpus formats: :mod:`crawler.quality.corpus`; the metrics:
:mod:`crawler.quality.scoring`).

newsflow extracts each page with the template lines of its site (``crawler.load.templates``),
learnt first from the corpus's pages of that site when it has enough of them: pages are grouped
by host name (an archived copy by the archived page's), and a page without one is alone.

Peers for ``--compare`` (optional, ``uv sync --group compare``): trafilatura's defaults (on AEB,
the benchmark's own call), newspaper4k, readability-lxml, news-please. Peers that take text
instead of bytes get the page decoded by our ``decode_html`` (their best case); an exception or
empty text counts as rejected.
"""

from __future__ import annotations

import collections
import io
import logging
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from crawler.errors import NewsflowError
from crawler.extract.dates import parse_datetime
from crawler.quality.alarms import GoldArticle, check_gold
from crawler.quality.corpus import AEB_GROUND_TRUTH, EVALDATA, Case, load_corpus
from crawler.quality.scoring import (
    PageScore,
    Prediction,
    Row,
    score_page,
    shingle_std,
    shingle_summary,
    summarize,
)

LOGGER = logging.getLogger(__name__)

PEERS = ("trafilatura", "newspaper4k", "readability", "news-please")

Extractor = Callable[[bytes, str], Prediction]


def evaluate(cases: Sequence[Case], extractor: Extractor) -> list[PageScore]:
    """Run ``extractor`` on every page (timed) and score it."""
    return evaluate_many(cases, {"x": extractor})["x"]


def evaluate_many(
    cases: Sequence[Case], extractors: dict[str, Extractor]
) -> dict[str, list[PageScore]]:
    """Run every extractor on every page and score them. The extractors take turns page by page,
    so that a busy machine slows them alike and their ms/page stay comparable."""
    scores: dict[str, list[PageScore]] = {name: [] for name in extractors}
    if cases:  # one untimed call first: imports and caches are not page costs
        for extractor in extractors.values():
            _run(extractor, cases[0])
    for case in cases:
        html = case.html()
        for name, extractor in extractors.items():
            prediction, seconds = _run(extractor, case, html)
            scores[name].append(score_page(case, prediction, seconds))
    return scores


def _run(extractor: Extractor, case: Case, html: bytes | None = None) -> tuple[Prediction, float]:
    if html is None:
        html = case.html()
    started = time.perf_counter()
    try:
        prediction = extractor(html, case.url)
    except Exception as err:  # a peer's crash is its score, not ours to raise
        LOGGER.debug("extractor failed on %s: %r", case.html_path, err)
        prediction = Prediction(rejected=True, reason=f"exception: {type(err).__name__}")
    seconds = time.perf_counter() - started
    return prediction, seconds if prediction.seconds is None else prediction.seconds


_COLUMNS = (
    ("extractor", 12),
    ("group", 8),
    ("pages", 5),
    ("P", 6),
    ("R", 6),
    ("F1", 6),
    ("acc", 6),
    ("empty", 5),
    ("leak", 6),
    ("title", 6),
    ("date", 6),
    ("author", 6),
    ("lang", 6),
    ("reject", 6),
    ("ms/page", 8),
)


def _cells(r: Row) -> list[str]:
    """One row's values as text, in ``_COLUMNS`` order; "-" where a metric has no labels."""
    rates = (r.precision, r.recall, r.f1, r.accuracy)
    labels = (r.leak, r.title, r.date, r.authors, r.language, r.rejection)
    return [
        r.extractor,
        r.group,
        str(r.pages),
        *("-" if v is None else f"{v:.3f}" for v in rates),
        str(r.empty),
        *("-" if v is None else f"{v:.3f}" for v in labels),
        f"{r.ms_per_page:.1f}",
    ]


def format_rows(rows: Sequence[Row]) -> str:
    """A fixed-width table; "-" where a metric has no labelled pages."""
    lines = ["  ".join(name.rjust(width) for name, width in _COLUMNS)]
    for r in rows:
        cells = zip(_cells(r), _COLUMNS, strict=True)
        lines.append("  ".join(v.rjust(w) for v, (_, w) in cells))
    return "\n".join(lines)


def format_markdown(rows: Sequence[Row]) -> str:
    """The same table in Markdown (for the README)."""
    header = [name for name, _ in _COLUMNS]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out.extend("| " + " | ".join(_cells(r)) + " |" for r in rows)
    return "\n".join(out)


# --- Extractors ------------------------------------------------------------------------------------


def ours(html: bytes, url: str, template: frozenset[int] = frozenset()) -> Prediction:
    """newsflow's ``extract`` (with the ``template`` lines of the page's site)."""
    from crawler.extract import extract
    from crawler.labels import label_of
    from crawler.models import Rejection

    result = extract(html, url, template=template)
    if isinstance(result, Rejection):
        return Prediction(rejected=True, reason=result.reason, label=label_of(result))
    return Prediction(
        body=result.body,
        title=result.title,
        authors=result.authors,
        published=result.published_at,
        language=result.language,
        label=label_of(result),
    )


def _text(html: bytes) -> str:
    from crawler.extract.encoding import decode_html

    return decode_html(html)


def _parse_date(value: object) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    return parse_datetime(value) if isinstance(value, str) else None


def _authors(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(a.strip() for a in value.split(";") if a.strip())
    if isinstance(value, list | tuple):
        return tuple(str(a) for a in value if a)
    return ()


def _trafilatura(aeb: bool = False) -> Extractor:
    """trafilatura's defaults; with ``aeb``, as AEB's ``extractors/run_trafilatura.py`` calls it
    (the page read as UTF-8 text, no URL, comments left out), so that its published score and
    this run measure the same thing."""
    import trafilatura
    from trafilatura.metadata import extract_metadata
    from trafilatura.utils import load_html

    def run(html: bytes, url: str) -> Prediction:
        # Timed: trafilatura's call, text (and by default comments) only. Its metadata, which
        # that call does not read, is read afterwards for the title/date/author columns.
        if aeb:  # as their gzip.open(path, "rt", encoding="utf8").read()
            page = io.TextIOWrapper(io.BytesIO(html), encoding="utf8").read()
            started = time.perf_counter()
            body = trafilatura.extract(page, include_comments=False) or ""
        else:
            started = time.perf_counter()
            body = trafilatura.extract(html, url=url or None) or ""
        seconds = time.perf_counter() - started
        tree = load_html(html)
        meta = extract_metadata(tree, default_url=url or None) if tree is not None else None
        return Prediction(
            body=body,
            title=meta.title if meta else None,
            authors=_authors(meta.author) if meta else (),
            published=_parse_date(meta.date) if meta else None,
            language=meta.language if meta else None,
            rejected=not body.strip(),
            seconds=seconds,
        )

    return run


def _newspaper4k() -> Extractor:
    from newspaper import Article as NpArticle

    def run(html: bytes, url: str) -> Prediction:
        article = NpArticle(url or "https://example.invalid/", fetch_images=False)
        article.download(input_html=_text(html))
        article.parse()
        return Prediction(
            body=article.text,
            title=article.title,
            authors=_authors(list(article.authors)),
            published=_parse_date(article.publish_date),
            language=article.meta_lang or None,
            rejected=not article.text.strip(),
        )

    return run


def _readability() -> Extractor:
    from lxml import html as lxml_html
    from readability import Document

    blocks = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "blockquote"}

    def run(html: bytes, url: str) -> Prediction:
        doc = Document(_text(html), url=url or None)
        fragment = lxml_html.fromstring(doc.summary(html_partial=True))
        parts: list[str] = []
        for el in fragment.iter():
            if isinstance(el.tag, str) and el.tag in blocks:
                parts.append("\n")
            if el.text and isinstance(el.tag, str):
                parts.append(el.text)
            if el.tail:
                parts.append(el.tail)
        body = "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n"))
        body = re.sub(r"\n{2,}", "\n", body).strip()
        return Prediction(body=body, title=doc.short_title(), rejected=not body)

    return run


def _news_please() -> Extractor:
    from newsplease import NewsPlease

    def run(html: bytes, url: str) -> Prediction:
        article = NewsPlease.from_html(_text(html), url=url or None, fetch_images=False)
        body = article.maintext or ""
        return Prediction(
            body=body,
            title=article.title,
            authors=_authors(article.authors),
            published=_parse_date(article.date_publish),
            language=article.language,
            rejected=not body.strip(),
        )

    return run


_PEER_FACTORIES: dict[str, Callable[[], Extractor]] = {
    "newspaper4k": _newspaper4k,
    "readability": _readability,
    "news-please": _news_please,
}


def load_extractor(name: str, *, aeb: bool = False) -> Extractor:
    """``newsflow`` or a peer name (with ``aeb``, trafilatura as AEB runs it); raises ImportError
    when the peer is not installed."""
    if name == "newsflow":
        return ours
    if name == "trafilatura":
        return _trafilatura(aeb)
    return _PEER_FACTORIES[name]()


def with_site_templates(cases: Sequence[Case]) -> tuple[Extractor, list[str]]:
    """newsflow's extractor with the template lines of each page's site, learnt from the
    corpus's pages of that site as the load step learns a source's (``crawler.load.templates``;
    untimed, as the load learns them while it extracts); and a note on what was learnt."""
    from crawler.load.templates import MIN_PAGES, learn_site_templates, site_key

    sites: dict[str, list[Case]] = collections.defaultdict(list)
    for case in cases:
        site = site_key(case.url)
        if site:  # a page without a host is a site of its own: nothing to learn
            sites[site].append(case)
    grouped = [
        (site, c) for site, members in sites.items() if len(members) >= MIN_PAGES for c in members
    ]
    templates = learn_site_templates([(site, c.html(), c.url) for site, c in grouped])
    by_url = {c.url: templates[site] for site, c in grouped if site in templates}
    note = (
        f"newsflow: {sum(len(m) >= MIN_PAGES for m in sites.values())} site(s) with at least "
        f"{MIN_PAGES} pages ({len(grouped)} pages); template lines learnt for {len(templates)} "
        f"({sum(map(len, templates.values()))} lines, used on {len(by_url)} pages)"
    )

    def run(html: bytes, url: str) -> Prediction:
        return ours(html, url, by_url.get(url, frozenset()))

    return run, [note]


def run_eval(
    root: Path,
    extractors: Sequence[str] = ("newsflow",),
    *,
    worst: int = 0,
    checks_server: str | None = None,
) -> tuple[list[Row], list[str]]:
    """Evaluate each named extractor on the corpus under ``root``: table rows and notes.

    With ``checks_server`` (a PostgreSQL URL), the data-quality checks also run on the corpus's
    gold articles (``crawler.quality.alarms``), and their false alarms are noted."""
    if not root.is_dir():
        raise NewsflowError(f"{root}: no such directory")
    cases = load_corpus(root)
    if not cases:
        raise NewsflowError(
            f"{root}: no labelled pages (*.html beside *.json, {EVALDATA} or {AEB_GROUND_TRUTH})"
        )
    notes: list[str] = []
    loaded: dict[str, Extractor] = {}
    aeb = all(c.shingles for c in cases)
    for name in extractors:
        try:
            loaded[name] = load_extractor(name, aeb=aeb)
        except ImportError as err:
            notes.append(f"{name}: not installed ({err.name}); run `uv sync --group compare`")
    if "newsflow" in loaded:
        loaded["newsflow"], learnt = with_site_templates(cases)
        notes.extend(learnt)
    rows: list[Row] = []
    all_scores = evaluate_many(cases, loaded)
    for name, scores in all_scores.items():
        rows.extend(summarize(name, scores))
        notes.extend(label_notes(name, scores))
        if aeb:
            notes.append(_aeb_note(name, scores))
        if worst:
            notes.extend(_worst_notes(name, scores, worst))
    if checks_server:
        notes.extend(_alarm_notes(checks_server, gold_articles(all_scores.get("newsflow", []))))
    return rows, notes


def _aeb_note(name: str, scores: Sequence[PageScore]) -> str:
    """The overall scores with the bootstrap std AEB's README prints beside them."""
    values = shingle_summary(scores)
    stds = shingle_std(scores)
    cells = (
        f"{label} {value:.3f} ± {std:.3f}"
        for label, value, std in zip(("P", "R", "F1", "accuracy"), values, stds, strict=True)
        if value is not None
    )
    return f"{name}: AEB {', '.join(cells)} (± bootstrap std, 1000 resamples)"


def label_notes(name: str, scores: Sequence[PageScore]) -> list[str]:
    """The page labels an extractor gave (those that label pages), and each article of the
    corpus whose label says it is no article (not ``article`` nor ``paywall_teaser``)."""
    from crawler.labels import STORED

    counts = collections.Counter(s.prediction.label for s in scores if s.prediction.label)
    if not counts:
        return []
    notes = [
        f"{name}: page labels: "
        + ", ".join(f"{label} {n}" for label, n in sorted(counts.items(), key=lambda i: -i[1]))
    ]
    lost = [s for s in scores if not s.case.rejected and s.prediction.label not in STORED]
    notes.append(f"{name}: articles labelled as no article: {len(lost)}")
    notes.extend(
        f"  {s.case.group}/{s.case.name}: {s.prediction.label}"
        f"{f' ({s.prediction.reason})' if s.prediction.reason != s.prediction.label else ''}"
        for s in lost
    )
    return notes


def gold_articles(scores: Sequence[PageScore]) -> list[GoldArticle]:
    """The articles of a corpus as they should be stored: the gold body and metadata; on a corpus
    of with/without strings, newsflow's own article on the pages where it got every string right
    (``scores`` are newsflow's)."""
    gold = []
    for s in scores:
        case = s.case
        if case.rejected:
            continue
        if case.snippets:
            tp, fp, _, _ = s.counts or (0, 1, 0, 0)
            if s.prediction.rejected or fp or tp < len(case.must):
                continue
            title, body = s.prediction.title or "", s.prediction.body
        else:
            title, body = case.title or "", case.body
        gold.append(
            GoldArticle(
                url=case.url,
                title=title,
                body=body,
                language=case.language,
                published=_parse_date_time(case.published),
                fetched=_parse_date_time(case.fetched),
            )
        )
    return gold


def _parse_date_time(value: str | None) -> datetime | None:
    parsed = parse_datetime(value) if value else None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _alarm_notes(server_url: str, gold: Sequence[GoldArticle]) -> list[str]:
    alarms = check_gold(server_url, gold)
    notes = [
        f"checks on {len(gold)} gold articles (one source's run): "
        f"{len(alarms.false_alarms)} false alarm(s)"
    ]
    for result in alarms.results:
        notes.append(f"  {result.describe() if not result.passed else result.name + ': pass'}")
    if alarms.leak_suspects:
        notes.append(
            f"  articles one article's leak rule marks (the check judges the rate): "
            f"{len(alarms.leak_suspects)}"
        )
        notes.extend(f"    {url}: {reason}" for url, reason in alarms.leak_suspects)
    return notes


def _worst_notes(name: str, scores: Sequence[PageScore], worst: int) -> list[str]:
    """The ``worst`` pages by F1, then every leak, metadata miss and wrong rejection."""
    notes = [f"{name}: worst {worst} pages by F1, and leaks:"]
    articles = [s for s in scores if s.f1 is not None]
    for s in sorted(articles, key=lambda s: s.f1 or 0.0)[:worst]:
        notes.append(
            f"  {s.case.group}/{s.case.name}: F1={s.f1:.3f} P={s.precision:.3f} "
            f"R={s.recall:.3f} {s.prediction.reason}"
        )
    for s in scores:
        if s.leaked:
            notes.append(f"  leak {s.case.group}/{s.case.name}: {s.leaked[:3]}")
        wrong = [
            f"{label}={value!r}"
            for label, ok, value in (
                ("title", s.title_ok, s.prediction.title),
                ("date", s.date_ok, s.prediction.published),
                ("authors", s.authors_ok, s.prediction.authors),
                ("lang", s.language_ok, s.prediction.language),
            )
            if ok is False and not s.prediction.rejected
        ]
        if wrong:
            notes.append(f"  meta {s.case.group}/{s.case.name}: {'; '.join(wrong)}")
        if not s.rejection_ok:
            notes.append(
                f"  {'missed rejection' if s.case.rejected else 'rejected article'} "
                f"{s.case.group}/{s.case.name} {s.prediction.reason}"
            )
    return notes
