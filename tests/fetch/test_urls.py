"""URL canonicalisation, property-based: the key every URL is stored, compared and fetched under.

The crawl fetches the canonical form and dedupes on it, and the load keys articles by it, so it
must be a fixed point, unify what differs only in tracking parameters, fragment, default port or
case of scheme and host, and never merge URLs that name different pages (path or any other
query parameter): two articles sharing a key means one of them is never fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, quote_from_bytes, unquote, unquote_to_bytes, urlsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.fetch.urls import is_tracking_parameter, normalize_url

_HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,6}){1,2}", fullmatch=True)
# Path segments and parameter names and values: any text, and any bytes (a page's URL may be
# percent-encoded in Shift_JIS or EUC-KR), percent-encoded as a page would write them.
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
_COMPONENT = st.one_of(
    _TEXT.map(lambda s: quote(s, safe="")), st.binary(min_size=1, max_size=6).map(quote_from_bytes)
)
_SEGMENTS = _COMPONENT.filter(lambda s: s not in (".", ".."))
_NAMES = _COMPONENT.filter(lambda s: not is_tracking_parameter(unquote(s)))
_TRACKERS = st.sampled_from(
    ["utm_source", "utm_medium", "utm_campaign", "fbclid", "gclid", "mc_cid", "mc_eid", "at_medium"]
)


@dataclass(frozen=True)
class _Url:
    """A URL's parts: what names the page (``path``, ``params``) and what must not matter."""

    scheme: str
    host: str
    path: tuple[str, ...]
    params: tuple[tuple[str, str | None], ...]  # (name, value or None for "?name" alone)
    port: str = ""
    trackers: tuple[tuple[int, str], ...] = ()  # (position among params, tracking name)
    fragment: str = ""

    def text(self) -> str:
        pairs = [name if value is None else f"{name}={value}" for name, value in self.params]
        for position, tracker in self.trackers:
            pairs.insert(min(position, len(pairs)), f"{tracker}=x")
        query = "?" + "&".join(pairs) if pairs else ""
        fragment = "#" + self.fragment if self.fragment else ""
        return f"{self.scheme}://{self.host}{self.port}/{'/'.join(self.path)}{query}{fragment}"

    def page(self) -> tuple[object, ...]:
        """What names the page: parameters in their order by name (the canonical form sorts
        them by name; repeated names keep their order)."""
        params = sorted(self.params, key=lambda p: unquote_to_bytes(p[0]))
        return (self.scheme.lower(), self.host.lower(), self.path, tuple(params))


_URLS = st.builds(
    _Url,
    scheme=st.sampled_from(["http", "https"]),
    host=_HOSTS,
    path=st.lists(_SEGMENTS, max_size=4).map(tuple),
    params=st.lists(st.tuples(_NAMES, st.none() | _COMPONENT), max_size=4).map(tuple),
)


@settings(max_examples=300)
@given(st.text())
@example("https://ex.com/a?q=%E9")  # a Latin-1 query value
def test_normalize_url_is_a_fixed_point_of_any_text(text: str) -> None:
    key = normalize_url(text)  # never raises: hostile pages name any string
    assert normalize_url(key) == key


@settings(max_examples=300)
@given(_URLS)
def test_normalize_url_is_a_fixed_point_of_urls(url: _Url) -> None:
    key = normalize_url(url.text())
    assert normalize_url(key) == key


@settings(max_examples=300)
@given(
    _URLS,
    st.lists(st.tuples(st.integers(0, 4), _TRACKERS), max_size=3).map(tuple),
    st.sampled_from(["", "top", "comments", "utm_source=x"]),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_variants_of_one_page_share_its_key(
    url: _Url, trackers: tuple[tuple[int, str], ...], fragment: str, shout: bool, rng: Any
) -> None:
    """Tracking parameters, a fragment, the default port, upper case in scheme and host and the
    order of differently named parameters do not name another page."""
    port = ":443" if url.scheme == "https" else ":80"
    case = str.upper if shout else str.title
    rank = {unquote_to_bytes(name): rng.random() for name, _ in url.params}
    variant = replace(
        url,
        scheme=case(url.scheme),
        host=case(url.host),
        port=port,
        # a repeated name keeps its values' order: "?tag=a&tag=b" may not mean "?tag=b&tag=a"
        params=tuple(sorted(url.params, key=lambda p: rank[unquote_to_bytes(p[0])])),
        trackers=trackers,
        fragment=fragment,
    )
    assert normalize_url(variant.text()) == normalize_url(url.text())


@settings(max_examples=300)
@given(_URLS, _URLS)
@example(  # a parameter outside courlan's short list of "allowed" ones was dropped
    _Url("https", "ex.com", ("article.php",), (("storyId", "1"),)),
    _Url("https", "ex.com", ("article.php",), (("storyId", "2"),)),
)
@example(  # "?123" alone, without "=", was dropped
    _Url("https", "ex.com", ("story",), (("123", None),)),
    _Url("https", "ex.com", ("story",), (("124", None),)),
)
@example(  # a value not in UTF-8 became U+FFFD
    _Url("https", "ex.com", ("search",), (("q", "%E9"),)),
    _Url("https", "ex.com", ("search",), (("q", "%E8"),)),
)
@example(  # "&sect" was read as an HTML entity ("§")
    _Url("https", "ex.com", ("a",), (("id", "1"), ("sect", "2"))),
    _Url("https", "ex.com", ("a",), (("id", "1"), ("§", "2"))),
)
def test_different_pages_never_share_a_key(first: _Url, second: _Url) -> None:
    """URLs that differ in host, path or a parameter that is not tracking keep apart."""
    if first.page() != second.page():
        assert normalize_url(first.text()) != normalize_url(second.text())


@settings(max_examples=300)
@given(_URLS, st.data())
def test_a_changed_segment_or_parameter_changes_the_key(url: _Url, data: st.DataObject) -> None:
    """The case above, made likely: one part of the page's name changed."""
    what = data.draw(st.sampled_from(["path", "add", "value"]))
    if what == "path":
        other = replace(url, path=(*url.path, data.draw(_SEGMENTS)))
    elif what == "add":
        other = replace(url, params=(*url.params, (data.draw(_NAMES), data.draw(_COMPONENT))))
    elif url.params:
        (name, value), *rest = url.params
        new = data.draw((st.none() | _COMPONENT).filter(lambda v: v != value))
        other = replace(url, params=((name, new), *rest))
    else:
        return
    assert other.page() != url.page()
    assert normalize_url(other.text()) != normalize_url(url.text())


@settings(max_examples=200)
@given(_URLS)
def test_the_key_names_the_same_host(url: _Url) -> None:
    """The URL the crawl fetches is the canonical one: it must reach the same host."""
    assert urlsplit(normalize_url(url.text())).hostname == url.host
