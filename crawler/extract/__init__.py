"""Extract one article from one page: ``extract(html, url) -> Article | Rejection``.

Path of the data: bytes → text (``encoding.decode_html``) → lxml tree → metadata (JSON-LD, then
OpenGraph/<meta>, then <time>, then the URL, then htmldate) → our pre-cleaning of the tree
(headline lists, related/ranking/TOC/share blocks: rules in ``rules.py``) → trafilatura on the
cleaned tree → line clean-up (repeated captions, title echo, left-over labels) → checks.

Dates are timezone-aware. A date given without an offset gets the zone the page implies: the
offset of another date on the same page, else the source's configured ``timezone``, else the zone
of the page's language region or the URL's country TLD, else of the page language
(``rules.REGION_TIMEZONES``, ``rules.LANGUAGE_TIMEZONES``), else UTC.

Body length is measured in units: one per CJK character, one per other word
(``rules.MIN_BODY_UNITS``).
"""

from __future__ import annotations

import contextlib
import difflib
import email.utils
import html as html_lib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import extract_author as _trafilatura_author
from trafilatura.settings import use_config
from trafilatura.utils import load_html

from crawler.extract import rules
from crawler.extract.encoding import decode_html
from crawler.models import Article, Rejection

LOGGER = logging.getLogger(__name__)

_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", str(rules.TRAFILATURA_MIN_EXTRACTED_SIZE))

_CJK = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_UNIT_RE = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_HANGUL_RE = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_WORD_RE = re.compile(r"[^\W\d_]+")
_HTML_TAG_RE = re.compile(r"<\s*(?:html|head|body|div|p|article|title|meta|section|main)\b", re.I)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:T|\s+|\s*\D{0,3}\s*)(\d{1,2})[:時](\d{2})(?:[:分](\d{2}))?(?:\.\d+)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
)
_MONTH_ALT = "|".join(sorted(map(re.escape, rules.MONTHS), key=len, reverse=True))
_CLOCK = r"(?:,?\s*(?:at|um|à|a\s+las)?\s*(\d{1,2})[:.](\d{2})\s*(?:uhr|h)?\s*([ap]\.?m\.?)?)?"
# "24.09.2025, 06:00 Uhr"
_DMY_RE = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})" + _CLOCK, re.IGNORECASE)
# "May 6, 2025, 05:25 PM", "6. Mai 2025 um 10:00"
_MONTH_DATE_RE = re.compile(
    rf"(?:\b({_MONTH_ALT})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})|\b(\d{{1,2}})\.?\s+({_MONTH_ALT})\.?,?\s+(\d{{4}}))"
    + _CLOCK,
    re.IGNORECASE,
)
_STOPWORD_SETS = {lang: frozenset(words) for lang, words in rules.STOPWORDS.items()}
_SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head"})
_STOP_CLIMB_TAGS = frozenset({"body", "html", "article", "main"})
_H_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SITE_SEPARATORS = (" | ", " - ", " – ", " — ", "｜", " :: ", " • ", " / ", "－", " : ", "_", "：")
# Lines at least this long are dropped when they repeat an earlier line exactly; shorter ones
# (table cells, "—") may repeat legitimately.
_MIN_DEDUP_CHARS = 8
# Near-duplicate captions (rules.CAPTION_CREDIT_RE): compared with the previous lines.
_NEAR_DUP_WINDOW = 3
_NEAR_DUP_MIN_CHARS = 20
_NEAR_DUP_RATIO = 0.75
# rules.CAPTION_CREDIT_RE is anchored at the line's end and, on a line with single spaces, cannot
# match more than ~70 characters: only a line's tail is searched (the whole of a 500-character
# paragraph took ~40 us per search, and each line was searched up to six times).
_CREDIT_TAIL_CHARS = 100

# One element's text statistics, in characters: total text, link text, links, prose (non-link
# text inside <p> or in long text runs, see rules.PROSE_MIN_RUN_CHARS), links to "#fragments".
_Stats = tuple[int, int, int, int, int]


def extract(
    html: bytes,
    url: str,
    *,
    declared_encoding: str | None = None,
    default_language: str | None = None,
    allowed_domains: tuple[str, ...] = (),
    captions: str = "once",
    default_timezone: str | None = None,
) -> Article | Rejection:
    """Extract the article in ``html`` fetched from ``url``, or say why the page is not one.

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
) -> Article | Rejection:
    if not data or not data.strip():
        return Rejection("empty")
    head = data[:1024].lstrip()
    if head.startswith(_BINARY_MAGIC) or data[:4096].count(b"\x00") > 16:
        return Rejection("not_html", "binary content")
    text = decode_html(data, declared_encoding)
    if text.count("\ufffd") > rules.MAX_REPLACEMENT_SHARE * max(len(text), 1):
        return Rejection("undecodable", "too many undecodable bytes")
    if not _HTML_TAG_RE.search(text[:65536]):
        return Rejection("not_html", "no HTML tags")
    tree = load_html(text)
    if tree is None:
        return Rejection("parse_error", "no HTML tree")

    meta = _Metadata(tree, url)
    link_keys = _link_keys(tree)
    body_el = tree.find("body")
    root = body_el if body_el is not None else tree
    stats = _block_stats(root)
    page_total, page_links, _, page_para, _ = stats.get(root, (0, 0, 0, 0, 0))

    error_title = next(
        (t for t in (meta.raw_title, meta.h1) if t and rules.ERROR_TITLE_RE.search(t)), None
    )
    if error_title and page_para < rules.LISTING_MAX_PARA_CHARS:
        return Rejection("error_page", error_title[:100])
    if meta.listing_type and meta.article is None:
        return Rejection("listing_page", f"JSON-LD {meta.listing_type}")
    link_dense_page = page_total > 0 and page_links / page_total >= rules.LISTING_LINK_DENSITY
    if link_dense_page and not meta.is_article and page_para < rules.LISTING_MAX_PARA_CHARS:
        return Rejection("listing_page", f"link density {page_links / page_total:.2f}")

    _unwrap_layout_tables(root, stats)
    _preclean(root, stats)
    caption_keys: frozenset[str] = frozenset()
    if drop_captions:
        caption_keys = _drop_captions(root)
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
    headlines: list[str] = []
    body = _clean_lines(
        raw_body.split("\n"), title, link_keys | caption_keys, headlines, drop_captions
    )
    ld_body = meta.article_body()
    if ld_body and _units(ld_body) > 2 * _units(body):
        body = _clean_lines(ld_body.split("\n"), title)

    units = _units(body)
    if (
        not meta.is_article
        and len(headlines) >= rules.LISTING_MIN_HEADLINES
        and _units("\n".join(headlines)) >= rules.LISTING_HEADLINE_SHARE * (units or 1)
    ):
        return Rejection("listing_page", f"{len(headlines)} headline lines")
    if units < rules.MIN_BODY_UNITS:
        if error_title:
            return Rejection("error_page", error_title[:100])
        if link_dense_page and not meta.is_article:
            return Rejection("listing_page", "link-dense page with little text")
        return Rejection("too_short", f"{units} units")
    if not title:
        title = body.split("\n", 1)[0][:300]

    declared_language = meta.declared_language()
    language = _language(declared_language, body, default_language)
    zone = _page_zone(meta.offsets, url, declared_language, language, default_timezone)
    return Article(
        url=_canonical_url(meta.canonical(), url, allowed_domains),
        title=title,
        body=body,
        authors=meta.authors(),
        published_at=_localize(meta.published(), zone),
        modified_at=_localize(meta.modified(), zone),
        language=language,
        section=meta.section(),
        tags=meta.tags(),
        image_url=meta.image(),
        description=meta.first(rules.DESCRIPTION_META) or _ld_str(meta.article, "description"),
        site_name=meta.site_name(),
    )


# --- Tree statistics and pre-cleaning ----------------------------------------------------------


def _tlen(text: str | None) -> int:
    return len(text.strip()) if text else 0


def _block_stats(root: HtmlElement) -> dict[HtmlElement, _Stats]:
    """Text statistics for every element under ``root``, children before parents (no recursion)."""
    order = [el for el in root.iter() if isinstance(el.tag, str)]
    stats: dict[HtmlElement, _Stats] = {}
    min_run = rules.PROSE_MIN_RUN_CHARS
    for el in reversed(order):
        tag = el.tag
        total = 0 if tag in _SKIP_TEXT_TAGS else _tlen(el.text)
        prose = total if total >= min_run else 0
        link = links = frags = 0
        for child in el:
            tail = _tlen(child.tail)
            total += tail
            if tail >= min_run:
                prose += tail
            child_stats = stats.get(child)
            if child_stats is None:  # comment or processing instruction
                continue
            total += child_stats[0]
            link += child_stats[1]
            links += child_stats[2]
            prose += child_stats[3]
            frags += child_stats[4]
        if tag == "a":
            link = total
            links += 1
            prose = 0
            if (el.get("href") or "").startswith("#"):
                frags += 1
        elif tag == "p":
            prose = max(prose, total - link)
        stats[el] = (total, link, links, prose, frags)
    return stats


def _content_like(s: _Stats) -> bool:
    total, link, _, para, _ = s
    if para >= rules.CONTENT_GUARD_PARA_CHARS:
        return True
    return (
        total - link >= rules.CONTENT_GUARD_TEXT_CHARS
        and link < rules.LINK_BLOCK_MIN_DENSITY * total
    )


def _link_dense(s: _Stats) -> bool:
    total, link, links, para, _ = s
    return (
        links >= rules.LINK_BLOCK_MIN_LINKS
        and link >= rules.LINK_BLOCK_MIN_DENSITY * total
        and total <= rules.LINK_BLOCK_MAX_CHARS_PER_LINK * links
        and para < rules.CONTENT_GUARD_PARA_CHARS
    )


def _is_toc(s: _Stats) -> bool:
    total, link, links, _, frags = s
    return (
        links >= rules.TOC_MIN_LINKS
        and frags >= rules.TOC_MIN_FRAGMENT_SHARE * links
        and link >= rules.LINK_BLOCK_MIN_DENSITY * total
    )


def _sweepable(s: _Stats) -> bool:
    """A sibling that still belongs to a boilerplate block: mostly links, or only icons/links."""
    total, link, links, para, _ = s
    if para >= rules.CONTENT_GUARD_PARA_CHARS:
        return False
    return links > 0 and link * 2 >= total


def _preclean(root: HtmlElement, stats: dict[HtmlElement, _Stats]) -> None:
    """Drop boilerplate blocks trafilatura tends to keep (headline lists, TOCs, share bars)."""
    empty: _Stats = (0, 0, 0, 0, 0)
    doomed: list[HtmlElement] = []
    # 1. Blocks introduced by a boilerplate heading ("最新ニュース", "Related", "目次", "Share").
    for el in stats:
        if el.tag not in rules.HEADING_TAGS or not 0 < stats[el][0] <= rules.MAX_HEADING_CHARS:
            continue
        label = " ".join(el.text_content().split())
        if not (
            rules.LIST_HEADING_RE.match(label)
            or rules.TOC_HEADING_RE.match(label)
            or rules.SHARE_HEADING_RE.match(label)
        ):
            continue
        block = _heading_block(el, stats)
        if len(block) > 1 or block[0] is not el or el.tag in _H_TAGS:
            doomed.extend(block)
    # 2. Top-down: the outermost block matched by class/id token, link density or TOC shape.
    stack = [root]
    while stack:
        el = stack.pop()
        s = stats.get(el, empty)
        if (
            el is not root
            and el.tag in rules.BLOCK_TAGS
            and (
                _link_dense(s)
                or (_is_toc(s) and not _content_like(s))
                or (_has_boilerplate_class(el) and not _content_like(s))
            )
        ):
            doomed.append(el)
            continue
        stack.extend(child for child in el if isinstance(child.tag, str))
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the tail text


def _unwrap_layout_tables(root: HtmlElement, stats: dict[HtmlElement, _Stats]) -> None:
    """Turn layout tables (nested tables, cells of running text) into <div>s: they are not data."""
    for table in list(root.iter("table")):
        cells = [c for c in table.iter("td", "th") if _owner_table(c) is table]
        nested = any(t is not table for t in table.iter("table"))
        long_cell = any(
            stats.get(c, (0,))[0] >= rules.LAYOUT_TABLE_CELL_CHARS
            and not any(True for _ in c.iter("table"))
            for c in cells
        )
        if not (nested or long_cell):
            continue
        parts = [
            e
            for e in table.iter("tr", "td", "th", "tbody", "thead", "tfoot", "caption")
            if _owner_table(e) is table
        ]
        for el in [table, *parts]:  # renamed after collecting: renaming changes the owners
            el.tag = "div"


def _owner_table(el: HtmlElement) -> HtmlElement | None:
    return next((a for a in el.iterancestors("table")), None)


def _drop_captions(root: HtmlElement) -> frozenset[str]:
    """Remove caption elements; return the keys of image alt texts (dropped as lines later)."""
    doomed = [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and (
            el.tag == "figcaption"
            or rules.CAPTION_CLASS_RE.search(f"{el.get('class', '')} {el.get('id', '')}")
        )
    ]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    keys = set()
    for img in root.iter("img"):
        key = _line_key(img.get("alt") or "")
        if len(key) >= rules.MIN_HEADLINE_KEY_CHARS:
            keys.add(key)
    return frozenset(keys)


def _has_boilerplate_class(el: HtmlElement) -> bool:
    names = f"{el.get('class', '')} {el.get('id', '')}".strip()
    return bool(names) and rules.BOILERPLATE_CLASS_RE.search(names) is not None


def _leads(parent: HtmlElement, child: HtmlElement, stats: dict[HtmlElement, _Stats]) -> bool:
    """``child`` comes first in ``parent``'s text (so it can be that block's heading)."""
    if _tlen(parent.text):
        return False
    for sibling in parent:
        if sibling is child:
            return True
        if _tlen(sibling.tail) or stats.get(sibling, (0,))[0]:
            return False
    return False


def _heading_block(heading: HtmlElement, stats: dict[HtmlElement, _Stats]) -> list[HtmlElement]:
    """The heading's block: the largest non-content ancestor it leads, plus link-dense followers."""
    target = heading
    parent = target.getparent()
    while (
        parent is not None
        and parent.tag not in _STOP_CLIMB_TAGS
        and not _content_like(stats.get(parent, (0, 0, 0, 0, 0)))
        and _leads(parent, target, stats)
    ):
        target, parent = parent, parent.getparent()
    block = [target]
    sibling = target.getnext()
    while sibling is not None:
        s = stats.get(sibling)
        if s is not None:  # skip comments
            if not _sweepable(s):
                break
            block.append(sibling)
        sibling = sibling.getnext()
    return block


# --- Text clean-up ------------------------------------------------------------------------------


def _line_key(line: str) -> str:
    return "".join(line.split()).casefold()


def _link_keys(tree: HtmlElement) -> frozenset[str]:
    """Keys of the page's link texts long enough to be headlines (not "#fragment" links)."""
    keys = set()
    for a in tree.iter("a"):
        if (a.get("href") or "").startswith("#"):
            continue
        key = _line_key(a.text_content())
        if rules.MIN_HEADLINE_KEY_CHARS <= len(key) <= rules.MAX_HEADLINE_KEY_CHARS:
            keys.add(key)
    return frozenset(keys)


def _link_prefixes(link_keys: frozenset[str]) -> dict[str, list[str]]:
    """Link keys by their first MIN_HEADLINE_KEY_CHARS characters (a shorter key leads no line):
    a line is compared with the few links sharing its start, not with every link of the page."""
    n = rules.MIN_HEADLINE_KEY_CHARS
    prefixes: dict[str, list[str]] = {}
    for k in link_keys:
        if len(k) >= n:
            prefixes.setdefault(k[:n], []).append(k)
    return prefixes


def _starts_with_link(key: str, link_prefixes: dict[str, list[str]]) -> bool:
    key = key.lstrip("-•・*")
    n = rules.MIN_HEADLINE_KEY_CHARS
    return len(key) > n and any(
        key.startswith(k) for k in link_prefixes.get(key[:n], ()) if len(k) * 3 >= len(key)
    )


def _is_prompt_line(line: str) -> bool:
    """Share/follow/paywall prompts, copyright notices, "Read more:" teasers, bare timestamps."""
    if len(line) > rules.MAX_PROMPT_LINE_CHARS:
        return False
    return bool(
        rules.READ_MORE_PREFIX_RE.match(line)
        or rules.FOLLOW_PROMPT_RE.search(line)
        or rules.PAYWALL_PROMPT_RE.search(line)
        or rules.COPYRIGHT_LINE_RE.search(line)
        or rules.TIME_LINE_RE.match(line)
    )


def _clean_lines(
    lines: Iterable[str],
    title: str | None,
    link_keys: frozenset[str] = frozenset(),
    headlines: list[str] | None = None,
    drop_captions: bool = False,
) -> str:
    """Normalize spaces; drop labels, prompts, headlines of links, the title echo, duplicates.

    A line that is exactly the text of a link elsewhere in the page is another article's headline
    (lists that survived pre-cleaning, listing pages); such lines are collected in ``headlines``.
    """
    title_key = _line_key(title) if title else None
    link_prefixes = _link_prefixes(link_keys) if headlines is not None else {}
    out: list[str] = []
    kept: list[tuple[str, bool]] = []  # key of each line in out, and whether it ends with a credit
    seen: set[str] = set()
    for raw in lines:
        line = " ".join(raw.split())
        if not line or rules.LEFTOVER_LINE_RE.match(line) or _is_date_line(line):
            continue
        if _is_prompt_line(line):
            continue
        credited = _ends_with_credit(line)
        if drop_captions and credited and len(line) <= rules.MAX_PROMPT_LINE_CHARS:
            continue
        key = _line_key(line)
        if key in link_keys and key != title_key:
            if headlines is not None:
                headlines.append(line)
            continue
        if headlines is not None and _starts_with_link(key, link_prefixes):
            headlines.append(line)  # a teaser "headline + summary": counted, kept
        if len(out) < 2 and key == title_key:
            continue
        if key in seen:
            continue
        if len(key) >= _NEAR_DUP_MIN_CHARS and any(
            _repeated_caption(key, prev_key, credited or prev_credited)
            for prev_key, prev_credited in kept[-_NEAR_DUP_WINDOW:]
        ):
            continue
        if len(key) >= _MIN_DEDUP_CHARS:
            seen.add(key)
        out.append(line)
        kept.append((key, credited))
    return "\n".join(out)


def _is_date_line(line: str) -> bool:
    if len(line) > rules.MAX_DATE_LINE_CHARS:
        return False
    match = _DATE_RE.search(line) or _DMY_RE.search(line) or _MONTH_DATE_RE.search(line)
    return match is not None and len(match.group(0).strip()) >= 0.6 * len(line)


def _ends_with_credit(line: str) -> bool:
    """Whether a line (spaces normalized) ends with a photo credit (rules.CAPTION_CREDIT_RE)."""
    return rules.CAPTION_CREDIT_RE.search(line[-_CREDIT_TAIL_CHARS:]) is not None


def _repeated_caption(a: str, b: str, credited: bool) -> bool:
    """Two nearby, similar lines (their keys) of which one carries a photo credit: the same
    caption twice."""
    if not credited:
        return False
    if abs(len(a) - len(b)) > (1 - _NEAR_DUP_RATIO) * max(len(a), len(b)) * 2:
        return False
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= _NEAR_DUP_RATIO and matcher.ratio() >= _NEAR_DUP_RATIO


def _units(text: str) -> int:
    return len(_UNIT_RE.findall(text))


# --- Metadata -----------------------------------------------------------------------------------


class _Metadata:
    """Metadata sources of one page, read once; accessors apply the precedence in ``rules``."""

    def __init__(self, tree: HtmlElement, url: str) -> None:
        self.tree = tree
        self.url = url
        self.meta: dict[str, list[str]] = {}
        for el in tree.iter("meta"):
            key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
            content = el.get("content")
            if key and content and content.strip():
                self.meta.setdefault(key.strip().lower(), []).append(content.strip())
        nodes = list(_jsonld_nodes(tree))
        self.article: dict[str, Any] | None = None
        for wanted in rules.ARTICLE_TYPES:
            self.article = next((n for n in nodes if wanted in _types(n)), None)
            if self.article is not None:
                break
        self.listing_type = next(
            (t for n in nodes for t in _types(n) if t in rules.LISTING_TYPES), None
        )
        self.publisher = next(
            (n for n in nodes if {"NewsMediaOrganization", "Organization"} & set(_types(n))), None
        )
        self.is_article = (
            self.article is not None or (self.first(("og:type",)) or "").lower() == "article"
        )
        self.raw_title = _text_of(tree.find(".//title"))
        self.h1 = _text_of(next(tree.iter("h1"), None))
        self.offsets: list[tzinfo] = []
        self._header: list[str] | None = None
        self._published = self._date(
            _ld_str(self.article, "datePublished") or _ld_str(self.article, "dateCreated"),
            rules.PUBLISHED_META,
            pubdate=True,
        )
        self._modified = self._date(
            _ld_str(self.article, "dateModified"), rules.MODIFIED_META, pubdate=False
        )

    def first(self, keys: Iterable[str]) -> str | None:
        for key in keys:
            values = self.meta.get(key)
            if values:
                return html_lib.unescape(values[0])
        return None

    def title(self) -> str:
        site = self.site_name()
        candidates = (
            (_ld_str(self.article, "headline") or _ld_str(self.article, "name"), False),
            (self.first(rules.TITLE_META), True),
            (self.raw_title, True),
            (self.h1, False),
        )
        h1_key = _line_key(self.h1) if self.h1 else ""
        for value, loose in candidates:
            if value:
                # "<h1> | Site", "Site: <h1> - Section": the <h1> is the title without decoration.
                if (
                    loose
                    and len(h1_key) >= rules.MIN_HEADLINE_KEY_CHARS
                    and h1_key in _line_key(value)
                    and len(h1_key) * 2 >= len(_line_key(value))
                ):
                    return str(self.h1)
                title = _strip_site(value, site, loose=loose)
                # JSON-LD headlines are sometimes cut at 110 characters: prefer the full <h1>.
                if (
                    self.h1
                    and len(self.h1) > len(title)
                    and self.h1.startswith(title.rstrip("…. "))
                ):
                    return self.h1
                return title
        return ""

    def site_name(self) -> str | None:
        return self.first(("og:site_name", "application-name")) or _ld_str(self.publisher, "name")

    def canonical(self) -> str | None:
        for link in self.tree.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
                return str(link.get("href"))
        return self.first(("og:url",))

    def declared_language(self) -> str | None:
        html_el = self.tree if self.tree.tag == "html" else self.tree.getroottree().getroot()
        return (
            html_el.get("lang")
            or html_el.get("{http://www.w3.org/XML/1998/namespace}lang")
            or self.first(rules.LANGUAGE_META)
            or _ld_str(self.article, "inLanguage")
        )

    def header_texts(self) -> list[str]:
        """Short texts right after the headline (<h1>, else the element holding the title)."""
        if self._header is not None:
            return self._header
        self._header = []
        title_key = _line_key(self.h1 or self.title())
        if not title_key:
            return self._header
        seen = 0
        found = False
        for el in self.tree.iter():
            if not isinstance(el.tag, str) or el.tag in _SKIP_TEXT_TAGS:
                continue
            if not found:
                own = _line_key(el.text or "")
                found = bool(own) and own == title_key
                continue
            seen += 1
            if seen > rules.HEADER_SCAN_ELEMENTS:
                break
            for text in (el.text, el.tail):
                text = " ".join((text or "").split())
                if text:
                    self._header.append(text)
            if len(el) and len(el) <= 3:
                whole = " ".join(el.text_content().split())
                if whole and len(whole) <= rules.MAX_BYLINE_CHARS:
                    self._header.append(whole)
        return self._header

    def byline(self) -> list[str]:
        for text in self.header_texts():
            if len(text) > rules.MAX_BYLINE_CHARS:
                continue
            date = _text_date_match(text)
            if date is not None:
                text = (text[: date.start()] + " " + text[date.end() :]).strip()
            if text and rules.BYLINE_RE.search(text):
                names = _clean_authors([text])
                if names:
                    return names
        return []

    def text_date(self) -> datetime | None:
        for text in self.header_texts():
            if len(text) <= rules.MAX_BYLINE_CHARS * 2:
                parsed = _parse_text_date(text)
                if parsed is not None:
                    return parsed
        return None

    def published(self) -> datetime | None:
        return self._published

    def modified(self) -> datetime | None:
        return self._modified

    def _date(
        self, ld_value: str | None, meta_keys: tuple[str, ...], *, pubdate: bool
    ) -> datetime | None:
        """JSON-LD → <meta> → <time> → URL → htmldate (the last three for the publication date)."""
        candidates: list[str | None] = [ld_value, *(self.first((k,)) for k in meta_keys)]
        if pubdate:
            candidates.extend(self._time_values())
        found = None
        for value in candidates:
            parsed = _parse_datetime(value) if value else None
            if parsed is None:
                continue
            if parsed.tzinfo is not None:
                self.offsets.append(parsed.tzinfo)
            if found is None:
                found = parsed
        if found is not None or not pubdate:
            return found
        # A date written under the headline has the time; the URL's date only the day.
        url_date = None
        match = rules.URL_DATE_RE.search(self.url)
        if match:
            with contextlib.suppress(ValueError):  # "/2024/02/30/" is not a date
                url_date = datetime(int(match[1]), int(match[2]), int(match[3]))
        text_date = self.text_date()
        if text_date is not None and (url_date is None or text_date.date() == url_date.date()):
            return text_date
        if url_date is not None:
            return url_date
        found_str = find_date(
            self.tree, url=self.url or None, extensive_search=False, original_date=True
        )
        return _parse_datetime(found_str) if found_str else None

    def _time_values(self) -> Iterator[str | None]:
        times = [t for t in self.tree.iter("time") if t.get("datetime")]
        # itemprop/pubdate first, then the first <time> inside <article>, then the first at all.
        for t in times:
            if t.get("itemprop") == "datePublished" or t.get("pubdate") is not None:
                yield t.get("datetime")
        for t in times:
            if any(a.tag == "article" for a in t.iterancestors()):
                yield t.get("datetime")
                break
        if times:
            yield times[0].get("datetime")

    def authors(self) -> tuple[str, ...]:
        people: list[str] = []
        orgs: list[str] = []
        raw = self.article.get("author") if self.article else None
        for item in raw if isinstance(raw, list) else [raw]:
            if isinstance(item, str):
                people.append(item)
            elif isinstance(item, dict) and isinstance(item.get("name"), str):
                (orgs if "Organization" in "".join(_types(item)) else people).append(item["name"])
        # People in JSON-LD, then <meta> authors, then the byline in the page, then organizations.
        names = _clean_authors(people)
        if not names:
            meta_author = self.first(rules.AUTHOR_META)
            if meta_author and not meta_author.startswith("http"):
                names = _clean_authors([meta_author])
        if not names:
            names = self.byline()
        if not names:
            names = _clean_authors([_trafilatura_author(self.tree) or ""])
        if not names:
            names = _clean_authors(orgs)
        return tuple(names)

    def section(self) -> str | None:
        value = self.article.get("articleSection") if self.article else None
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
        return (value if isinstance(value, str) and value.strip() else None) or self.first(
            rules.SECTION_META
        )

    def tags(self) -> tuple[str, ...]:
        value = self.article.get("keywords") if self.article else None
        items: list[str] = []
        if isinstance(value, list):
            items = [v for v in value if isinstance(v, str)]
        elif isinstance(value, str):
            items = value.split(",")
        if not items:
            for key in rules.TAGS_META:
                for v in self.meta.get(key, []):
                    items.extend(v.split(","))
                if items:
                    break
        return tuple(dict.fromkeys(t.strip() for t in items if t.strip()))

    def image(self) -> str | None:
        value = self.first(("og:image", "twitter:image"))
        if value:
            return value
        image = self.article.get("image") if self.article else None
        if isinstance(image, list):
            image = image[0] if image else None
        if isinstance(image, dict):
            image = image.get("url")
        return image if isinstance(image, str) else None

    def article_body(self) -> str | None:
        body = _ld_str(self.article, "articleBody")
        if not body:
            return None
        if "<" in body:
            fragment = load_html(f"<html><body><div>{body}</div></body></html>")
            body = "\n".join(fragment.itertext()) if fragment is not None else body
        return body


def _jsonld_nodes(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        raw = script.text.strip().removeprefix("<![CDATA[").removesuffix("]]>").strip().rstrip(";")
        try:
            data = json.loads(raw)
        except ValueError:
            LOGGER.debug("invalid JSON-LD skipped")
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@type" in item:
                    yield item
                for key in ("@graph", "mainEntity", "itemListElement"):
                    if isinstance(item.get(key), list | dict):
                        stack.append(item[key])


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type")
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _ld_str(node: dict[str, Any] | None, key: str) -> str | None:
    if not node:
        return None
    value = node.get(key)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    if isinstance(value, str) and value.strip():
        return (
            " ".join(html_lib.unescape(value).split())
            if key != "articleBody"
            else html_lib.unescape(value)
        )
    return None


def _text_of(el: HtmlElement | None) -> str | None:
    if el is None:
        return None
    text = " ".join(el.text_content().split())
    return text or None


def _strip_site(title: str, site: str | None, *, loose: bool) -> str:
    """Drop a trailing (or leading) " | Site name"; ``loose`` also drops any short trailing part."""
    for sep in _SITE_SEPARATORS:
        if sep not in title:
            continue
        head, _, tail = title.rpartition(sep)
        if (site and _line_key(tail) == _line_key(site)) or (
            loose and len(tail) <= 30 and len(head) > 2 * len(tail)
        ):
            return head.strip()
        first, _, rest = title.partition(sep)
        if site and _line_key(first) == _line_key(site):
            return rest.strip()
    return title


def _clean_authors(values: Iterable[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        value = " ".join(html_lib.unescape(value).split())
        value = rules.AUTHOR_SUFFIX_RE.sub("", rules.AUTHOR_PREFIX_RE.sub("", value))
        for part in rules.AUTHOR_SPLIT_RE.split(value):
            for name in _split_nakaguro(part):
                name = rules.AUTHOR_SUFFIX_RE.sub("", rules.AUTHOR_PREFIX_RE.sub("", name)).strip(
                    " .·-"
                )
                if (
                    _LETTER_RE.search(name)
                    and not rules.AUTHOR_DROP_RE.match(name)
                    and len(name) <= rules.MAX_AUTHOR_CHARS
                    and "http" not in name
                    and name not in names
                ):
                    names.append(name)
    return names


def _split_nakaguro(part: str) -> list[str]:
    """Split "山田太郎・佐藤花子" (Han-only names), keep "ジャレッド・クシュナー" (one name)."""
    pieces = [p.strip() for p in re.split("[・･]", part)]
    if len(pieces) > 1 and all(
        2 <= len(p) <= 5 and _HAN_RE.fullmatch(p[0]) and not _KANA_RE.search(p) for p in pieces
    ):
        return pieces
    return [part]


def _parse_datetime(value: str) -> datetime | None:
    """ISO 8601, "2024/10/15 09:30 +0900", "2024年10月15日 9時30分", RFC 2822; naive if no zone."""
    value = value.strip()
    if not value or len(value) > 100:
        return None
    try:
        return datetime.fromisoformat(
            value.replace("Z", "+00:00") if value.endswith("Z") else value
        )
    except ValueError:
        pass
    match = _DATE_RE.search(value)
    if match:
        year, month, day, hour, minute, second, zone = match.groups()
        try:
            parsed = datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
            )
        except ValueError:
            return None
        if zone in ("Z", "UTC", "GMT"):
            return parsed.replace(tzinfo=UTC)
        if zone:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            return parsed.replace(tzinfo=timezone(sign * offset))
        return parsed
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _text_date_match(text: str) -> re.Match[str] | None:
    return _DATE_RE.search(text) or _DMY_RE.search(text) or _MONTH_DATE_RE.search(text)


def _parse_text_date(text: str) -> datetime | None:
    """A date written as text ("2025年4月6日 7:00", "24.09.2025, 06:00 Uhr", "May 6, 2025")."""
    match = _DATE_RE.search(text)
    if match:
        return _parse_datetime(match.group(0))
    clock: tuple[str | None, str | None, str | None]
    match = _DMY_RE.search(text)
    if match:
        day, month, year = match.group(1), match.group(2), match.group(3)
        clock = (match.group(4), match.group(5), match.group(6))
    else:
        match = _MONTH_DATE_RE.search(text)
        if not match:
            return None
        g = match.groups()
        if g[0]:
            month, day, year = str(rules.MONTHS[g[0].lower()]), g[1], g[2]
        else:
            day, month, year = g[3], str(rules.MONTHS[g[4].lower()]), g[5]
        clock = (g[6], g[7], g[8])
    hour = int(clock[0] or 0)
    if clock[2] and clock[2][0].lower() == "p" and hour < 12:
        hour += 12
    elif clock[2] and clock[2][0].lower() == "a" and hour == 12:
        hour = 0
    try:
        return datetime(int(year), int(month), int(day), hour, int(clock[1] or 0))
    except ValueError:
        return None


def _page_zone(
    offsets: list[tzinfo],
    url: str,
    language_tag: str | None,
    language: str | None,
    configured: str | None = None,
) -> tzinfo:
    """Zone for naive dates: another date's offset, the source's configured zone, region,
    country TLD, language, else UTC."""
    if offsets:
        return offsets[0]
    if configured:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(configured)
        LOGGER.warning("time zone %s not installed; guessing the zone", configured)
    subtags = re.split(r"[-_]", (language_tag or "").lower())[1:]
    region = next((t for t in subtags if len(t) == 2 and t.isalpha()), "")
    tld = (urlsplit(url).hostname or "").rsplit(".", 1)[-1]
    name = (
        rules.REGION_TIMEZONES.get(region)
        or rules.REGION_TIMEZONES.get(tld)
        or rules.LANGUAGE_TIMEZONES.get(language or "")
    )
    if name:
        try:
            return ZoneInfo(name)
        except ZoneInfoNotFoundError:
            LOGGER.warning("time zone %s not installed; using UTC", name)
    return UTC


def _localize(value: datetime | None, zone: tzinfo) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone)


def _canonical_url(candidate: str | None, url: str, allowed_domains: tuple[str, ...]) -> str:
    if not candidate:
        return url
    absolute = urljoin(url, candidate.strip())
    parts = urlsplit(absolute)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return url
    if allowed_domains and not any(host == d or host.endswith("." + d) for d in allowed_domains):
        return url
    return absolute


# --- Language -----------------------------------------------------------------------------------


def _language(declared: str | None, body: str, default: str | None) -> str | None:
    """Script evidence for ja/ko/zh beats the declaration; then the declaration; then stopwords."""
    declared_code = _language_code(declared)
    detected = _detect_script_language(body)
    if detected and detected != declared_code:
        return detected
    if declared_code:
        return declared_code
    return _detect_latin_language(body) or default


def _language_code(value: str | None) -> str | None:
    if not value:
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if 2 <= len(code) <= 3 and code.isalpha() else None


def _detect_script_language(text: str) -> str | None:
    sample = text[:5000]
    kana = len(_KANA_RE.findall(sample))
    hangul = len(_HANGUL_RE.findall(sample))
    han = len(_HAN_RE.findall(sample))
    letters = len(_LETTER_RE.findall(sample))
    if kana + han + hangul < 20:
        return None
    if kana >= rules.KANA_SHARE_JA * (kana + han) and kana > hangul:
        return "ja"
    if hangul >= rules.HANGUL_SHARE_KO * letters:
        return "ko"
    if han >= rules.HAN_SHARE_ZH * letters:
        return "zh"
    return None


def _detect_latin_language(text: str) -> str | None:
    words = [w.lower() for w in _WORD_RE.findall(text[:5000])]
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORD_SETS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] >= rules.MIN_STOPWORD_HITS else None
