"""Page metadata: <meta>, JSON-LD, <time>, the URL and the text under the headline, read once;
title, author and date clean-up; the canonical URL. Precedence and patterns are in ``rules.py``."""

from __future__ import annotations

import contextlib
import html as html_lib
import json
import logging
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from crawler.extract import rules
from crawler.extract.byline import page_author
from crawler.extract.dates import find_text_date, parse_datetime, parse_text_date
from crawler.extract.lines import line_key
from crawler.extract.preclean import SKIP_TEXT_TAGS
from crawler.extract.text import HAN_RE, KANA_RE, LETTER_RE

LOGGER = logging.getLogger(__name__)

# Labels under a country's domain that are not the site's name ("co" of bbc.co.uk).
_SECOND_LEVEL_LABELS = frozenset({"co", "com", "org", "net", "ac", "gov", "or", "ne", "go"})


class Metadata:
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
        # the first <h1> with text: an empty one holds a logo image
        self.h1 = next(filter(None, map(_text_of, tree.iter("h1"))), None)
        self.offsets: list[tzinfo] = []
        self._title: str | None = None
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
        """The headline: JSON-LD's, else og:title, else <title>, else the <h1>, each without the
        site's name around it. Two declarations that agree outvote JSON-LD's headline (its
        "name" and og:title); a source that is another source's headline plus a decoration
        ("<h1> | Sport", "Section | <headline>") gives way to that bare headline."""
        if self._title is not None:
            return self._title
        site = self._site_keys()
        headline, name = _ld_str(self.article, "headline"), _ld_str(self.article, "name")
        declared = (headline or name, self.first(rules.TITLE_META))
        values = [_strip_site(v, site) for v in (*declared, self.raw_title, self.h1) if v]
        if headline and name and declared[1]:
            name_key = line_key(_strip_site(name, site))
            if name_key == line_key(values[1]) != line_key(values[0]):
                values[0] = values[1]
        if not any(declared) and self.raw_title:
            # <title> alone: its last short part is the site's name even when nothing names it
            values[0] = _strip_tail(values[0])
        title = values[0] if values else ""
        for other in values[1:]:
            if _decorates(title, other):
                title = other
        # JSON-LD headlines are sometimes cut at 110 characters: prefer the full <h1>.
        if self.h1 and len(self.h1) > len(title) and self.h1.startswith(title.rstrip("…. ")):
            title = self.h1
        self._title = title
        return title

    def site_name(self) -> str | None:
        return self.first(("og:site_name", "application-name")) or _ld_str(self.publisher, "name")

    def description(self) -> str | None:
        return self.first(rules.DESCRIPTION_META) or _ld_str(self.article, "description")

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
        title_key = line_key(self.h1 or self.title())
        if not title_key:
            return self._header
        seen = 0
        found = False
        headline: set[HtmlElement] = set()  # the <h1>'s own parts ("topline" and headline spans)
        for el in self.tree.iter():
            if not isinstance(el.tag, str) or el.tag in SKIP_TEXT_TAGS or el in headline:
                continue
            if not found:
                own = line_key(el.text or "")
                found = bool(own) and own == title_key
                if not found and el.tag == "h1" and line_key(el.text_content()) == title_key:
                    found = True
                    headline.update(el.iterdescendants())
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
            date = find_text_date(text)
            if date is not None:
                text = (text[: date.start()] + " " + text[date.end() :]).strip()
            if text and rules.BYLINE_RE.search(text):
                names = _clean_authors([text], self._site_keys())
                if names:
                    return names
        return []

    def text_date(self) -> datetime | None:
        for text in self.header_texts():
            if len(text) <= rules.MAX_BYLINE_CHARS * 2:
                parsed = parse_text_date(text)
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
            parsed = parse_datetime(value) if value else None
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
        return parse_datetime(found_str) if found_str else None

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
        for item in _flat(self.article.get("author") if self.article else None):
            if isinstance(item, str):
                people.append(item)
            elif isinstance(item, dict) and (name := _person_name(item)):
                (orgs if "Organization" in "".join(_types(item)) else people).append(name)
        # People in JSON-LD, then <meta> authors, then the byline in the page: the first that
        # names a person. The site's own name is an organization wherever it stands: dropped
        # beside a person's name. When no source names a person: the organizations JSON-LD
        # names (what the publisher declares), then the site's name where a source gave it,
        # then the author named in the markup (byline.page_author), then a Chinese editor's
        # credit ("(责编：…)").
        site = self._site_keys()
        found: list[str] = []
        sources: tuple[Callable[[], list[str]], ...] = (
            lambda: _clean_authors(people, site),
            lambda: _clean_authors(self._meta_authors(), site),
            self.byline,
        )
        for source in sources:
            names = source()
            persons = [n for n in names if not _is_site(n, site)]
            if persons:
                return tuple(persons)
            found = found or names
        fallbacks: tuple[Callable[[], list[str]], ...] = (
            lambda: _clean_authors(orgs, site),
            lambda: found,
            lambda: _clean_authors([page_author(self.tree) or ""], site),
            self._editor_credit,
        )
        for source in fallbacks:
            names = source()
            if names:
                return tuple([n for n in names if not _is_site(n, site)] or names)
        return ()

    def _meta_authors(self) -> list[str]:
        """The values of the first author <meta> that names someone (not a profile's URL); a
        page may give several ("Deutsche Presse-Agentur", "MM-Redaktion")."""
        for key in rules.AUTHOR_META:
            values = [v for v in self.meta.get(key, ()) if not v.startswith("http")]
            if values:
                return [html_lib.unescape(v) for v in values]
        return []

    def _editor_credit(self) -> list[str]:
        """The editors a Chinese page credits in a short element ("(责编：牛镛、岳弘彬)")."""
        for el in self.tree.iter(*rules.EDITOR_CREDIT_TAGS):
            text = el.text
            if text and len(text) <= rules.MAX_BYLINE_CHARS:
                match = rules.EDITOR_CREDIT_RE.search(text)
                if match:
                    return _clean_authors([match.group(1)])
        return []

    def _site_keys(self) -> set[str]:
        """The site's names, as keys: its site name, publisher, and host's name ("lrt" of
        www.lrt.lt)."""
        names = {self.site_name() or "", _ld_str(self.publisher, "name") or ""}
        host = (urlsplit(self.url).hostname or "").removeprefix("www.")
        labels = host.split(".")
        if len(labels) >= 2:  # the site's label: "lrt" of lrt.lt, "bbc" of bbc.co.uk
            second_level = len(labels) >= 3 and labels[-2] in _SECOND_LEVEL_LABELS
            names.update({host, labels[-3] if second_level else labels[-2]})
        return {k for k in map(line_key, names) if len(k) >= 2}

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

    def not_free(self) -> bool:
        """Whether the JSON-LD article says it is not free to read (``isAccessibleForFree``
        false on the article or on one of its ``hasPart`` sections: Google's paywall markup)."""
        if self.article is None:
            return False
        parts = self.article.get("hasPart")
        nodes = [self.article, *(parts if isinstance(parts, list) else [parts])]
        return any(
            isinstance(n, dict) and str(n.get("isAccessibleForFree")).strip().lower() == "false"
            for n in nodes
        )

    def article_body(self) -> str | None:
        body = _ld_str(self.article, "articleBody")
        if not body:
            return None
        if "<" in body:
            fragment = load_html(f"<html><body><div>{body}</div></body></html>")
            body = "\n".join(fragment.itertext()) if fragment is not None else body
        return body


def _jsonld_nodes(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Typed JSON-LD nodes, breadth first (earlier is preferred), within rules.MAX_JSONLD_*."""
    visited = 0
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        if len(script.text) > rules.MAX_JSONLD_CHARS:
            LOGGER.debug("JSON-LD of %d characters skipped", len(script.text))
            continue
        raw = script.text.strip().removeprefix("<![CDATA[").removesuffix("]]>").strip().rstrip(";")
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            LOGGER.debug("invalid JSON-LD skipped")
            continue
        queue: deque[tuple[Any, int]] = deque([(data, 0)])
        while queue:
            visited += 1
            if visited > rules.MAX_JSONLD_ITEMS:
                LOGGER.debug("JSON-LD walk stopped after %d items", rules.MAX_JSONLD_ITEMS)
                return
            item, depth = queue.popleft()
            if isinstance(item, list):
                if depth < rules.MAX_JSONLD_DEPTH:
                    queue.extend((child, depth + 1) for child in item)
            elif isinstance(item, dict):
                if "@type" in item:
                    yield item
                if depth < rules.MAX_JSONLD_DEPTH:
                    for key in ("@graph", "mainEntity", "itemListElement"):
                        if isinstance(item.get(key), list | dict):
                            queue.append((item[key], depth + 1))


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


def _decorates(value: str, headline: str) -> bool:
    """``value`` is ``headline`` with a prefix or suffix set off by a separator."""
    value, headline = " ".join(value.split()), " ".join(headline.split())
    if value == headline:
        return False
    if value.startswith(headline):
        return rules.TITLE_SEPARATOR_RE.match(value, len(headline)) is not None
    if value.endswith(headline):
        prefix = value[: -len(headline)]
        return any(m.end() == len(prefix) for m in rules.TITLE_SEPARATOR_RE.finditer(prefix))
    return False


def _strip_site(title: str, site: set[str]) -> str:
    """``title`` without the site's name at its end or start, nor the section or date beside it
    ("Headline | Sport | Site", "Headline – DW – 30.01.2024", "Site | Section | Headline")."""
    while True:  # a loop, not recursion: a title may have thousands of separators
        seps = list(rules.TITLE_SEPARATOR_RE.finditer(title))
        if not seps:
            return title
        bounds = [0, *(b for m in seps for b in (m.start(), m.end())), len(title)]
        parts = [title[bounds[i] : bounds[i + 1]].strip() for i in range(0, len(bounds), 2)]
        last = len(parts) - 1
        tail = range(last, max(0, last - rules.TITLE_DECORATION_PARTS), -1)
        end = _decoration_end(parts, tail, site)
        if end is not None:  # parts[end:] go, with the separator before them; then look again
            head = rules.TITLE_CJK_SECTION_RE.sub("", title[: seps[end - 1].start()]).strip()
            if not head:
                return title
            title = head
            continue
        start = _decoration_end(parts, range(min(last, rules.TITLE_DECORATION_PARTS)), site)
        if start is not None:  # parts[: start + 1] go, with the separator after them
            return title[seps[start].end() :].strip() or title
        return title


def _strip_tail(title: str) -> str:
    """``title`` without a short last part ("Headline - Gazette")."""
    seps = list(rules.TITLE_SEPARATOR_RE.finditer(title))
    if not seps:
        return title
    head, tail = title[: seps[-1].start()], title[seps[-1].end() :]
    if head and len(tail) <= rules.TITLE_SITE_CHARS and len(head) > 2 * len(tail):
        return head.strip()
    return title


def _decoration_end(parts: list[str], order: Iterable[int], site: set[str]) -> int | None:
    """Walking ``parts`` in ``order`` (from one end of a title), the index of the innermost part
    that is decoration: the site's name, or a section or date beyond it; None without the
    site's name."""
    end = None
    for i in order:
        part = parts[i].strip()
        if _is_site(part, site, contained=True):
            end = i
        elif _is_section(part):
            if end is not None:
                end = i
        else:
            break
    return end


def _is_section(part: str) -> bool:
    """A short part beside the site's name in a title: a section ("Sport") or a date."""
    if len(part) <= rules.TITLE_SECTION_CHARS and len(part.split()) <= rules.TITLE_SECTION_WORDS:
        return True
    date = find_text_date(part)
    return date is not None and len(part) - (date.end() - date.start()) <= 3


def _is_site(name: str, site: set[str], *, contained: bool = False) -> bool:
    """Whether a name is the site's own ("CBC News" on cbc, "Lrt.lt" on lrt.lt); ``contained``:
    also a part of it ("Online" of "Mail Online") or words around it ("Daily Mail Online")."""
    key = line_key(name)
    if not key:
        return False
    if any(key == s or (len(s) >= 3 and key.startswith(s)) for s in site):
        return True
    if not contained:
        return False
    if any(len(key) >= 4 and key in s for s in site):
        return True
    # Runs of whole words as long as a name at most: all runs of a long part (an unclosed <h1>
    # holding an article) would be cubic in its length.
    longest = max(map(len, site), default=0)
    words = name.casefold().split()
    runs: set[str] = set()
    for i in range(len(words)):
        run = ""
        for word in words[i:]:
            run += word
            if len(run) > longest:
                break
            runs.add(run)
    return not site.isdisjoint(runs)


def _clean_authors(values: Iterable[str], site: set[str] | None = None) -> list[str]:
    """Person names from author strings: titles and datelines off, split at separators; a part
    that is only a job title ("Jane Doe, Reporter") dropped, and so are the parts after the
    site's name (its address: "hessenschau.de, Frankfurt, Germany")."""
    names: list[str] = []
    for value in values:
        value = " ".join(html_lib.unescape(value).split())
        cut = len(value) > rules.MAX_AUTHOR_FIELD_CHARS
        value = value[: rules.MAX_AUTHOR_FIELD_CHARS]
        value = rules.AUTHOR_SUFFIX_RE.sub("", rules.AUTHOR_PREFIX_RE.sub("", value))
        parts = rules.AUTHOR_SPLIT_RE.split(value)
        parts = parts[:-1] if cut else parts  # the last part of a cut value is half a name
        if site:  # "Site, Town, Country": the parts after the site's name and a comma go
            at = next((i for i, p in enumerate(parts) if p and _is_site(p, site)), None)
            if at is not None and value.partition(parts[at])[2].lstrip().startswith(","):
                parts = parts[: at + 1]
        for part in parts:
            for name in _split_nakaguro(part):
                name = rules.AUTHOR_SUFFIX_RE.sub("", rules.AUTHOR_PREFIX_RE.sub("", name)).strip(
                    " .·-"
                )
                if (
                    LETTER_RE.search(name)
                    and name.casefold() not in rules.AUTHOR_CONNECTORS
                    and not rules.AUTHOR_DROP_RE.match(name)
                    and not rules.AUTHOR_ROLE_RE.fullmatch(name)
                    and len(name) <= rules.MAX_AUTHOR_CHARS
                    and "http" not in name
                    and name not in names
                ):
                    names.append(name)
    return names


def _flat(value: Any, depth: int = 0) -> Iterator[Any]:
    """The items of a JSON-LD value, nested lists flattened ([person, [person]])."""
    if isinstance(value, list):
        if depth < rules.MAX_JSONLD_DEPTH:
            for item in value:
                yield from _flat(item, depth + 1)
    elif value is not None:
        yield value


def _person_name(node: dict[str, Any]) -> str | None:
    """A JSON-LD person's or organization's name; a person may give only its parts."""
    name = node.get("name")
    if isinstance(name, str) and name.strip():
        return name
    parts = [node.get(k) for k in ("givenName", "additionalName", "familyName")]
    return " ".join(p for p in parts if isinstance(p, str) and p.strip()) or None


def _split_nakaguro(part: str) -> list[str]:
    """Split "山田太郎・佐藤花子" (Han-only names), keep "ジャレッド・クシュナー" (one name)."""
    pieces = [p.strip() for p in re.split("[・･]", part)]
    if len(pieces) > 1 and all(
        2 <= len(p) <= 5 and HAN_RE.fullmatch(p[0]) and not KANA_RE.search(p) for p in pieces
    ):
        return pieces
    return [part]


_AMBIGUOUS_NETLOC_RE = re.compile(r"[@\\]")  # user info, or a backslash: see canonical_url


def canonical_url(candidate: str | None, url: str, allowed_domains: tuple[str, ...]) -> str:
    """``candidate`` (the page's canonical link) made absolute, or ``url`` when it is missing,
    malformed, not http(s), with user info, or outside ``allowed_domains``.

    User info never belongs in a canonical link, and parsers disagree on where it ends: Python
    reads ``https://evil.net\\@example.com/`` (and ``https://evil.net\\.example.com/``) as a URL
    on example.com, a browser on evil.net (a backslash ends its host).
    """
    if not candidate:
        return url
    try:
        absolute = urljoin(url, candidate.strip())
        parts = urlsplit(absolute)
    except ValueError:  # e.g. an invalid IPv6 literal ("https://[news"): the page is still read
        return url
    host = (parts.hostname or "").lower()
    if (
        parts.scheme not in ("http", "https")
        or not host
        or _AMBIGUOUS_NETLOC_RE.search(parts.netloc)
    ):
        return url
    if allowed_domains and not any(host == d or host.endswith("." + d) for d in allowed_domains):
        return url
    return absolute
