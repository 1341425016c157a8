"""Clean-up of the extracted text, line by line: labels, prompts, other articles' headlines, the
title echo, repeated captions and duplicate lines."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from urllib.parse import urljoin

from lxml.html import HtmlElement

from crawler.extract import rules
from crawler.extract.dates import find_text_date
from crawler.labels import PAYWALL_PROMPT_RE

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
# Around a name typed as a line of its own: "— Jane Doe", "Jane Doe."
_NAME_LINE_STRIP = " .-–—"


def line_key(line: str) -> str:
    """What two lines share when they are the same text: no white space, case folded."""
    return "".join(line.split()).casefold()


def link_keys(tree: HtmlElement, url: str = "") -> frozenset[str]:
    """Keys of the page's link texts long enough to be headlines: links to other pages (not to
    a "#fragment" of this page, ``url``, nor to an e-mail address or a script)."""
    page = _without_fragment(url)
    keys = set()
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(_NOT_PAGE_LINKS):
            continue
        # only a link with a fragment is resolved (urljoin is dear, and pages have thousands)
        if page and "#" in href and _without_fragment(_join(url, href)) == page:
            continue
        key = line_key(a.text_content())
        if rules.MIN_HEADLINE_KEY_CHARS <= len(key) <= rules.MAX_HEADLINE_KEY_CHARS:
            keys.add(key)
    return frozenset(keys)


_NOT_PAGE_LINKS = ("#", "mailto:", "tel:", "javascript:")


def _join(base: str, href: str) -> str:
    try:
        return urljoin(base, href)
    except ValueError:  # a malformed href ("http://[x]/")
        return href


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0].rstrip("/")


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
        or PAYWALL_PROMPT_RE.search(line)
        or rules.COPYRIGHT_LINE_RE.search(line)
        or rules.TIME_LINE_RE.match(line)
    )


def clean_lines(
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
    title_key = line_key(title) if title else None
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
        key = line_key(line)
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


def drop_byline(body: str, authors: tuple[str, ...]) -> str:
    """``body`` without its byline: among its first lines, a short line written as a byline that
    names one of the ``authors`` ("By Jane Doe", "山田太郎 記者"); among its first lines or as its
    last, a line that is only an author's name (a byline typed as a paragraph, or a signature)."""
    lines = body.split("\n")
    if not authors or len(lines) < 2:  # a body is never emptied
        return body
    names = {author.casefold() for author in authors}
    for i in sorted({*range(min(rules.BYLINE_SCAN_LINES, len(lines))), len(lines) - 1}):
        line = lines[i]
        if line.strip(_NAME_LINE_STRIP).casefold() in names or (
            i < rules.BYLINE_SCAN_LINES
            and len(line) <= rules.MAX_BYLINE_CHARS
            and rules.BYLINE_RE.search(line)
            and any(author in line for author in authors)
        ):
            return "\n".join(lines[:i] + lines[i + 1 :])
    return body


def _is_date_line(line: str) -> bool:
    if len(line) > rules.MAX_DATE_LINE_CHARS:
        return False
    match = find_text_date(line)
    return match is not None and len(match.group(0).strip()) >= 0.6 * len(line)


def _ends_with_credit(line: str) -> bool:
    """Whether a line (spaces normalized) ends with a photo credit (rules.CAPTION_CREDIT_RE)."""
    return rules.CAPTION_CREDIT_RE.search(line[-_CREDIT_TAIL_CHARS:]) is not None


def _repeated_caption(a: str, b: str, credited: bool) -> bool:
    """Two nearby, similar lines (their keys) of which one carries a photo credit: the same
    caption twice."""
    if not credited or max(len(a), len(b)) > rules.MAX_CAPTION_COMPARE_CHARS:
        return False
    if abs(len(a) - len(b)) > (1 - _NEAR_DUP_RATIO) * max(len(a), len(b)) * 2:
        return False
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= _NEAR_DUP_RATIO and matcher.ratio() >= _NEAR_DUP_RATIO
