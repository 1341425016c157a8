"""Tree statistics and pre-cleaning: boilerplate blocks trafilatura tends to keep are dropped
from the lxml tree before it runs (related/ranking/TOC/share and link-dense blocks, layout
tables, captions on request), and the main text is protected. Rules and thresholds are in
``rules.py``."""

from __future__ import annotations

from lxml.html import HtmlElement

from crawler.extract import rules
from crawler.extract.lines import line_key
from crawler.extract.text import units

# Elements whose text is not the page's text.
SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head"})
_STOP_CLIMB_TAGS = frozenset({"body", "html", "article", "main"})
_H_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# One element's text statistics, in characters: total text, link text, links, prose (non-link
# text inside <p> or in long text runs, see rules.PROSE_MIN_RUN_CHARS), links to "#fragments".
Stats = tuple[int, int, int, int, int]


def _tlen(text: str | None) -> int:
    return len(text.strip()) if text else 0


def block_stats(root: HtmlElement) -> dict[HtmlElement, Stats]:
    """Text statistics for every element under ``root``, children before parents (no recursion)."""
    order = [el for el in root.iter() if isinstance(el.tag, str)]
    stats: dict[HtmlElement, Stats] = {}
    min_run = rules.PROSE_MIN_RUN_CHARS
    for el in reversed(order):
        tag = el.tag
        total = 0 if tag in SKIP_TEXT_TAGS else _tlen(el.text)
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


def find_lead(
    stats: dict[HtmlElement, Stats], description: str | None, title: str = ""
) -> str | None:
    """The article's lead (standfirst) as the page shows it: the text of an element that is the
    page's description (og:description, <meta name=description>), or starts with it where the
    description was cut short ("…"). News pages print it between the headline and the body,
    often outside the block that holds the body."""
    if not description:
        return None
    description = " ".join(description.split())
    # "<lead> | Site name": the site's name is no part of the lead
    head, sep, _ = description.rpartition(" | ")
    for candidate in (description, head) if sep else (description,):
        stem = candidate.rstrip("….").rstrip()
        if len(units(stem)) < rules.LEAD_MIN_UNITS or line_key(stem) == line_key(title):
            continue
        low, high = len(stem) * 0.9, len(stem) * rules.LEAD_MAX_GROWTH + 20
        for el, s in stats.items():
            if not low <= s[0] <= high or el.tag in SKIP_TEXT_TAGS or el.tag in ("a", "title"):
                continue
            text = " ".join(el.text_content().split())
            if text.startswith(stem):
                return text
    return None


def _content_like(s: Stats) -> bool:
    total, link, _, para, _ = s
    if para >= rules.CONTENT_GUARD_PARA_CHARS:
        return True
    return (
        total - link >= rules.CONTENT_GUARD_TEXT_CHARS
        and link < rules.LINK_BLOCK_MIN_DENSITY * total
    )


def _link_dense(s: Stats) -> bool:
    total, link, links, para, _ = s
    return (
        links >= rules.LINK_BLOCK_MIN_LINKS
        and link >= rules.LINK_BLOCK_MIN_DENSITY * total
        and total <= rules.LINK_BLOCK_MAX_CHARS_PER_LINK * links
        and para < rules.CONTENT_GUARD_PARA_CHARS
    )


def _is_toc(s: Stats) -> bool:
    total, link, links, _, frags = s
    return (
        links >= rules.TOC_MIN_LINKS
        and frags >= rules.TOC_MIN_FRAGMENT_SHARE * links
        and link >= rules.LINK_BLOCK_MIN_DENSITY * total
    )


def _sweepable(s: Stats) -> bool:
    """A sibling that still belongs to a boilerplate block: mostly links, or only icons/links."""
    total, link, links, para, _ = s
    if para >= rules.CONTENT_GUARD_PARA_CHARS:
        return False
    return links > 0 and link * 2 >= total


def main_text_chain(root: HtmlElement, stats: dict[HtmlElement, Stats]) -> list[HtmlElement]:
    """The elements that hold the page's running text, outermost first: from ``root`` down, the
    child holding most of the prose, while it holds at least ``MAIN_TEXT_SHARE`` of the page's."""
    page_prose = stats.get(root, (0, 0, 0, 0, 0))[3]
    chain: list[HtmlElement] = []
    if page_prose < rules.PROSE_MIN_RUN_CHARS:
        return chain
    el = root
    while True:
        best = max(
            (c for c in el if isinstance(c.tag, str)),
            key=lambda c: stats.get(c, (0, 0, 0, 0, 0))[3],
            default=None,
        )
        if best is None or stats.get(best, (0, 0, 0, 0, 0))[3] < rules.MAIN_TEXT_SHARE * page_prose:
            return chain
        chain.append(best)
        el = best


def protect_main_text(root: HtmlElement, stats: dict[HtmlElement, Stats]) -> set[HtmlElement]:
    """Keep the page's text out of reach of rules meant for page furniture, and return the
    elements no block rule may drop.

    Broken markup nests articles inside a sidebar, a <nav> or a footer (an unclosed tag), and
    some sites lay out the whole page, article included, in one link-heavy wrapper. Rules that
    drop such containers (ours, and trafilatura's on <aside>/<footer>/"sidebar" classes) then
    drop the article. The containers of the main text (``main_text_chain``) are made plain
    <div>s without class or id when they look like furniture, and they, the <h1> and its
    ancestors are protected.
    """
    chain = main_text_chain(root, stats)
    if stats.get(root, (0, 0, 0, 0, 0))[3] < rules.CONTENT_GUARD_PARA_CHARS:
        chain_to_neutralize: list[HtmlElement] = []  # too little text to be sure it is the article
    else:
        chain_to_neutralize = chain
    for el in chain_to_neutralize:
        names = f"{el.get('class', '')} {el.get('id', '')}"
        if el.tag in rules.FURNITURE_TAGS or rules.FURNITURE_CLASS_RE.search(names):
            el.tag = "div"
            el.attrib.pop("class", None)
            el.attrib.pop("id", None)
    protected = set(chain)
    h1 = next(root.iter("h1"), None)
    if h1 is not None:
        protected.add(h1)
        protected.update(h1.iterancestors())
    return protected


def preclean(
    root: HtmlElement,
    stats: dict[HtmlElement, Stats],
    protected: set[HtmlElement] | frozenset[HtmlElement] = frozenset(),
) -> None:
    """Drop boilerplate blocks trafilatura tends to keep (headline lists, TOCs, share bars);
    never an element in ``protected`` (it holds the article: ``protect_main_text``)."""
    empty: Stats = (0, 0, 0, 0, 0)
    # 0. Page furniture that trafilatura drops too (its copies and fallbacks then cost less).
    doomed: list[HtmlElement] = [
        el for el in root.iter(*rules.DROPPED_FURNITURE_TAGS) if el not in protected
    ]
    # 1. Blocks introduced by a boilerplate heading ("最新ニュース", "Related", "目次", "Share").
    for el in stats:
        if el.tag not in rules.HEADING_TAGS or not 0 < stats[el][0] <= rules.MAX_HEADING_CHARS:
            continue
        label = " ".join((el.text_content() if len(el) else el.text or "").split())
        if not rules.LEFTOVER_LINE_RE.match(label):  # a list, TOC or share heading
            continue
        block = [b for b in _heading_block(el, stats) if b not in protected]
        if block and (len(block) > 1 or block[0] is not el or el.tag in _H_TAGS):
            doomed.extend(block)
    # 2. Top-down: the outermost block matched by class/id token, link density or TOC shape.
    stack = [root]
    while stack:
        el = stack.pop()
        s = stats.get(el, empty)
        if (
            el is not root
            and el not in protected
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


def unwrap_layout_tables(root: HtmlElement, stats: dict[HtmlElement, Stats]) -> None:
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


def drop_caption_elements(root: HtmlElement) -> frozenset[str]:
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
        key = line_key(img.get("alt") or "")
        if len(key) >= rules.MIN_HEADLINE_KEY_CHARS:
            keys.add(key)
    return frozenset(keys)


def _has_boilerplate_class(el: HtmlElement) -> bool:
    names = f"{el.get('class', '')} {el.get('id', '')}".strip()
    return bool(names) and rules.BOILERPLATE_CLASS_RE.search(names) is not None


def _leads(parent: HtmlElement, child: HtmlElement, stats: dict[HtmlElement, Stats]) -> bool:
    """``child`` comes first in ``parent``'s text (so it can be that block's heading)."""
    if _tlen(parent.text):
        return False
    for sibling in parent:
        if sibling is child:
            return True
        if _tlen(sibling.tail) or stats.get(sibling, (0,))[0]:
            return False
    return False


def _heading_block(heading: HtmlElement, stats: dict[HtmlElement, Stats]) -> list[HtmlElement]:
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
