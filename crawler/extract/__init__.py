"""Extract one article from one page: ``extract(html, url) -> Article | Rejection``.

Path of the data, one module per step: bytes → text (``encoding``) → lxml tree → metadata
(``metadata``: JSON-LD, then OpenGraph/<meta>, then <time>, then the URL, then htmldate; dates
read by ``dates``) → article and listing evidence (``evidence``) → our cleaning of the tree
(``preclean``: the main text protected, related/ranking/TOC/share and link-dense blocks dropped;
``layout``: headline lists found line by line, whatever the markup, and the lines the source's
pages repeat, ``template``) → trafilatura on the cleaned
tree (or a script payload's text, ``payload``, when it finds too little) → line clean-up
(``lines``: repeated captions, title echo, byline, left-over labels) → language (``language``) →
checks and the page's label (:mod:`crawler.labels`: a short page may be a consent wall, a bot
challenge or a script shell; an article may be a paywall's teaser). Rules and thresholds are data
in ``rules``; CJK ranges and tokenizers are in ``text``.

Dates are timezone-aware. A date given without an offset gets the zone the page implies: the
offset of another date on the same page, else the source's configured ``timezone``, else the zone
of the page's language region or the URL's country TLD, else of the page language
(``rules.REGION_TIMEZONES``, ``rules.LANGUAGE_TIMEZONES``), else UTC.

Body length is measured in units: one per CJK character, one per other word
(``rules.MIN_BODY_UNITS``).
"""

from __future__ import annotations

import logging
import re
import unicodedata

import trafilatura
from trafilatura.settings import use_config
from trafilatura.utils import load_html

from crawler import labels
from crawler.extract import rules
from crawler.extract.dates import localize, page_zone
from crawler.extract.encoding import decode_html
from crawler.extract.evidence import page_evidence
from crawler.extract.language import page_language
from crawler.extract.layout import drop_headline_lists
from crawler.extract.lines import clean_lines, drop_byline, line_key, link_keys
from crawler.extract.metadata import Metadata, canonical_url
from crawler.extract.payload import payload_text
from crawler.extract.preclean import (
    block_stats,
    drop_caption_elements,
    find_lead,
    preclean,
    protect_main_text,
    unwrap_layout_tables,
)
from crawler.extract.text import units
from crawler.models import Article, Rejection

LOGGER = logging.getLogger(__name__)

_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(rules.TRAFILATURA_MIN_EXTRACTED_SIZE))

_HTML_TAG_RE = re.compile(r"<\s*(?:html|head|body|div|p|article|title|meta|section|main)\b", re.I)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")


def extract(
    html: bytes,
    url: str,
    *,
    declared_encoding: str | None = None,
    default_language: str | None = None,
    allowed_domains: tuple[str, ...] = (),
    captions: str = "once",
    default_timezone: str | None = None,
    article_url_pattern: str | None = None,
    template: frozenset[int] = frozenset(),
    page_lines: set[int] | None = None,
) -> Article | Rejection:
    """Extract the article in ``html`` fetched from ``url``, or say why the page is not one.

    ``template``: the hashes of the lines that the source's pages repeat (its template
    statistics, ``template``), removed as boilerplate. ``page_lines``, when given, receives the
    hashes of this page's lines, for those statistics.

    ``article_url_pattern`` (the source's) matching ``url`` is evidence that the page is an
    article (``evidence``): a short text beside long headline lists is then kept as a brief.

    ``default_timezone`` (an IANA name, the source's ``timezone``) is the zone of dates printed
    without an offset when no other date on the page gives one; unset, the zone is guessed.

    ``captions``: "once" keeps a photo caption that the page repeats (alt text, figcaption) once;
    "drop" removes captions (<figcaption>, caption classes, lines equal to an image's alt text).

    Never raises: the input is hostile web content, and lxml/trafilatura raise many exception
    types on it, so any error becomes ``Rejection("parse_error", detail)`` (logged with traceback).
    """
    try:
        return _extract(
            html,
            url,
            declared_encoding,
            default_language,
            allowed_domains,
            captions == "drop",
            default_timezone,
            article_url_pattern,
            template,
            page_lines,
        )
    except Exception as err:  # see docstring: every failure on page input is a rejection
        LOGGER.warning("extract failed url=%s: %r", url, err, exc_info=True)
        return Rejection("parse_error", f"{type(err).__name__}: {err}"[:200])


def extract_text(html: bytes, url: str | None = None) -> str:
    """Body text of ``html`` or "" when rejected (for scoring and the ``extract`` CLI)."""
    result = extract(html, url or "")
    return result.body if isinstance(result, Article) else ""


def _extract(
    data: bytes,
    url: str,
    declared_encoding: str | None,
    default_language: str | None,
    allowed_domains: tuple[str, ...],
    drop_captions: bool = False,
    default_timezone: str | None = None,
    article_url_pattern: str | None = None,
    template: frozenset[int] = frozenset(),
    page_lines: set[int] | None = None,
) -> Article | Rejection:
    if not data or not data.strip():
        return Rejection("empty")
    head = data[:1024].lstrip()
    if head.startswith(_BINARY_MAGIC) or data[:4096].count(b"\x00") > 16:
        return Rejection("not_html", "binary content")
    text = decode_html(data, declared_encoding)
    # Text is stored in NFC, the web's normalization form (W3C Character Model), as trafilatura
    # does: "য়" sent as one code point or as two is one string for search, dedup and consumers.
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if text.count("\ufffd") > rules.MAX_REPLACEMENT_SHARE * max(len(text), 1):
        return Rejection("undecodable", "too many undecodable bytes")
    if not _HTML_TAG_RE.search(text[:65536]):
        return Rejection("not_html", "no HTML tags")
    tree = load_html(text)
    if tree is None:
        return Rejection("parse_error", "no HTML tree")

    meta = Metadata(tree, url)
    evidence = page_evidence(tree, meta, url, article_url_pattern)
    page_link_keys = link_keys(tree, url)
    body_el = tree.find("body")
    root = body_el if body_el is not None else tree
    stats = block_stats(root)
    page_total, page_links, _, page_para, _ = stats.get(root, (0, 0, 0, 0, 0))

    error_title = next(
        (t for t in (meta.raw_title, meta.h1) if t and rules.ERROR_TITLE_RE.search(t)), None
    )
    if error_title and page_para < rules.ERROR_PAGE_MAX_PARA_CHARS:
        return Rejection("error_page", error_title[:100])
    if evidence.listing:
        return Rejection("listing_page", evidence.listing)
    link_dense_page = page_total > 0 and page_links / page_total >= rules.LISTING_LINK_DENSITY

    scripts = list(tree.iter("script"))  # before pre-cleaning drops any (payload_text)
    lead = find_lead(stats, meta.description(), meta.title())  # before cleaning drops it
    unwrap_layout_tables(root, stats)
    preclean(root, stats, protect_main_text(root, stats))
    listed = drop_headline_lists(root, url, template, page_lines)
    caption_keys: frozenset[str] = frozenset()
    if drop_captions:
        caption_keys = drop_caption_elements(root)
    document = trafilatura.bare_extraction(
        tree,
        url=url or None,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_formatting=False,
        include_links=False,
        config=_TRAFILATURA_CONFIG,
    )
    raw_body = getattr(document, "text", None) or ""
    title = meta.title()
    headlines: list[str] = list(listed)
    body = clean_lines(
        raw_body.split("\n"), title, page_link_keys | caption_keys, headlines, drop_captions
    )
    ld_body = meta.article_body()
    if ld_body and _units(ld_body) > 2 * _units(body):
        body = clean_lines(ld_body.split("\n"), title)
    elif _units(body) < rules.MIN_BODY_UNITS:  # a page rendered by script: its text in JSON
        script_body = payload_text(scripts)
        if _units(script_body) > 2 * _units(body):
            body = clean_lines(script_body.split("\n"), title)

    if lead and line_key(lead)[: rules.LEAD_MATCH_CHARS] not in line_key(body):
        body = f"{lead}\n{body}" if body else lead
    body_units = _units(body)
    # Listing evidence is many headline items and no body: a short text beside a long list is a
    # brief. Without article evidence, a text must be longer to be an article.
    min_units = rules.MIN_BRIEF_UNITS if evidence.article else rules.MIN_BODY_UNITS
    if body_units < min_units:
        if error_title:
            return Rejection(labels.ERROR_PAGE, error_title[:100])
        if labels.is_challenge(text):
            return Rejection(labels.BOT_BLOCK, f"challenge markers, {body_units} units")
        if len(headlines) >= rules.LISTING_MIN_HEADLINES:
            return Rejection("listing_page", f"{len(headlines)} headline items, {body_units} units")
        if link_dense_page and evidence.article is None:
            return Rejection("listing_page", "link-dense page with little text")
        script_chars = sum(len(s.text or "") for s in scripts)
        label = labels.short_page_label(text, _visible_text(text), script_chars)
        return Rejection(label, f"{body_units} units")
    # A short text may be a challenge's or a consent wall's own words rather than an article's.
    if body_units < labels.WALL_MAX_UNITS:
        if labels.is_challenge(text):
            return Rejection(labels.BOT_BLOCK, f"challenge markers, {body_units} units")
        if labels.is_consent_text(body):
            return Rejection(labels.CONSENT_WALL, f"consent text, {body_units} units")
    if not title:
        title = body.split("\n", 1)[0][:300]
    authors = meta.authors()
    body = drop_byline(body, authors)

    prompt_seen = any(
        len(line) <= rules.MAX_PROMPT_LINE_CHARS and labels.PAYWALL_PROMPT_RE.search(line)
        for line in raw_body.split("\n")
    )
    teaser = labels.is_teaser(body.split("\n"), body_units, meta.not_free(), prompt_seen)

    declared_language = meta.declared_language()
    language = page_language(declared_language, body, default_language)
    zone = page_zone(meta.offsets, url, declared_language, language, default_timezone)
    return Article(
        url=canonical_url(meta.canonical(), url, allowed_domains),
        title=title,
        body=body,
        authors=authors,
        published_at=localize(meta.published(), zone),
        modified_at=localize(meta.modified(), zone),
        language=language,
        section=meta.section(),
        tags=meta.tags(),
        image_url=meta.image(),
        description=meta.description(),
        site_name=meta.site_name(),
        label=labels.PAYWALL_TEASER if teaser else labels.ARTICLE,
    )


def _visible_text(text: str) -> str:
    """The text a browser shows before running scripts, one line per text node: of a page
    rejected for too little text, parsed again (the cleaning has since cut the first tree)."""
    tree = load_html(text)
    body = tree.find("body") if tree is not None else None
    if body is None:
        return ""
    for el in list(body.iter("script", "style", "noscript", "template")):
        el.drop_tree()  # keeps the text that follows it
    return "\n".join(t.strip() for t in body.itertext() if t.strip())


def _units(text: str) -> int:
    return len(units(text))
