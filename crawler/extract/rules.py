"""Extraction rules as data: boilerplate tokens and headings, metadata precedence, thresholds.

Everything here is compiled once at import. Within a tuple, order is priority (first match wins
where it matters, and the comment says so). The modules of ``crawler.extract`` hold the logic;
change behaviour here.
"""

from __future__ import annotations

import re

# --- Class/id tokens of boilerplate blocks -------------------------------------------------------
# A token matches a whole class/id word: "share-bar" and "post_share" match "share", "shared" does
# not. "-" in a token also matches "_" or nothing ("most-read" ~ "most_read", "mostread").
# Blocks matched by these are removed only when they are not content-like (see CONTENT_GUARD_*).
SHARE_TOKENS = (
    "share",
    "shares",
    "sharing",
    "sharebar",
    "share-buttons",
    "social",
    "social-links",
    "sns",
    "follow",
    "follow-us",
    "addthis",
    "sharethis",
    "a2a",
)
RELATED_TOKENS = (
    "related",
    "related-articles",
    "related-news",
    "related-posts",
    "relation",
    "recommend",
    "recommended",
    "recommendation",
    "recommendations",
    "more-stories",
    "also-read",
    "readmore",
    "read-next",
    "kanren",
    "outbrain",
    "taboola",
    "yarpp",
)
RANKING_TOKENS = (
    "ranking",
    "rankings",
    "popular",
    "most-read",
    "most-viewed",
    "most-popular",
    "trending",
    "hot-news",
    "hotnews",
    "ninki",
)
LATEST_TOKENS = ("latest", "latest-news", "latest-articles", "newest", "new-articles", "shinchaku")
TOC_TOKENS = ("toc", "table-of-contents", "mokuji", "article-index", "ez-toc", "index-list")
OTHER_TOKENS = (
    "breadcrumb",
    "breadcrumbs",
    "pagination",
    "pager",
    "newsletter",
    "newsletter-signup",
    "subscribe-box",
    "ad-slot",
    "advert",
    "advertisement",
    "print-only",
    "skip-link",
    "modal",
    "popup",
    "dialog",
    "paywall",
    "regwall",
    "premium-guide",
    "subscription",
    "subscribe",
    "login-wall",
    "copyright",
)

# Order is irrelevant for matching (one alternation); groups are separate for readability.
BOILERPLATE_CLASS_TOKENS = (
    SHARE_TOKENS + RELATED_TOKENS + RANKING_TOKENS + LATEST_TOKENS + TOC_TOKENS + OTHER_TOKENS
)

# --- Headings of boilerplate blocks ---------------------------------------------------------------
# A heading-like element whose whole text matches one of these (case-insensitive, surrounding
# punctuation ignored) marks the block it heads as boilerplate. Keep them specific: they are
# anchored, so "Related" matches the heading "Related" but not a sentence mentioning it.
LIST_HEADINGS = (
    # ja
    "最新ニュース",
    "最新記事",
    "新着記事",
    "新着ニュース",
    "関連記事",
    "関連ニュース",
    "関連リンク",
    "あわせて読みたい",
    "合わせて読みたい",
    "こちらもおすすめ",
    "おすすめ記事",
    "おすすめニュース",
    "人気記事",
    "人気ニュース",
    "ランキング",
    "アクセスランキング",
    "よく読まれている記事",
    "この記事を読んだ人におすすめ",
    "注目記事",
    "もっと見る",
    # zh (traditional, simplified)
    "相關新聞",
    "相关新闻",
    "相關文章",
    "相关文章",
    "相關報導",
    "相关报道",
    "延伸閱讀",
    "延伸阅读",
    "熱門新聞",
    "热门新闻",
    "熱門",
    "热门",
    "熱門文章",
    "热门文章",
    "最新新聞",
    "最新新闻",
    "最新文章",
    "推薦閱讀",
    "推荐阅读",
    "猜你喜歡",
    "猜你喜欢",
    "看更多",
    "更多新聞",
    "更多新闻",
    "排行榜",
    "點閱排行",
    "人氣排行",
    "即時新聞",
    "即时新闻",
    # ko
    "많이 본 뉴스",
    "가장 많이 본 뉴스",
    "많이 본 기사",
    "관련기사",
    "관련 기사",
    "관련뉴스",
    "관련 뉴스",
    "최신 뉴스",
    "최신뉴스",
    "최신기사",
    "최신 기사",
    "인기 기사",
    "인기기사",
    "추천 기사",
    "추천기사",
    "이 시각 주요뉴스",
    "주요뉴스",
    "실시간 인기",
    # en
    "related",
    "related articles",
    "related stories",
    "related news",
    "related content",
    "related coverage",
    "related topics",
    "more on this story",
    "more stories",
    "more news",
    "most read",
    "most popular",
    "most viewed",
    "trending",
    "trending now",
    "latest news",
    "latest",
    "latest stories",
    "latest articles",
    "recommended",
    "recommended for you",
    "you may also like",
    "you might also like",
    "read next",
    "read more",
    "what to read next",
    "top stories",
    "editor's picks",
    "editors' picks",
    # de
    "mehr zum thema",
    "das könnte sie auch interessieren",
    "meistgelesen",
    "meistgelesene artikel",
    "neueste artikel",
    "verwandte artikel",
    "auch interessant",
    "weitere artikel",
    "top-themen",
    # fr
    "à lire aussi",
    "a lire aussi",
    "lire aussi",
    "articles liés",
    "les plus lus",
    "sur le même sujet",
    "dernières actualités",
    "les plus populaires",
    "à lire également",
    # es
    "noticias relacionadas",
    "te puede interesar",
    "lo más leído",
    "más leídas",
    "lo más visto",
    "últimas noticias",
    "contenido relacionado",
    "también te puede interesar",
    # it, pt, nl
    "articoli correlati",
    "potrebbe interessarti anche",
    "i più letti",
    "notizie correlate",
    "leia também",
    "mais lidas",
    "notícias relacionadas",
    "gerelateerde artikelen",
    "meest gelezen",
    # da, nb/no, sv, fi
    "mest læste",
    "mest lest",
    "mest lästa",
    "relaterte artikler",
    "relaterede artikler",
    "relaterade artiklar",
    "luetuimmat",
    # pl, cs, ru, tr
    "najczęściej czytane",
    "powiązane artykuły",
    "nejčtenější",
    "související články",
    "читайте также",
    "самое читаемое",
    "похожие новости",
    "en çok okunanlar",
    "ilgili haberler",
    # id, vi
    "berita terkait",
    "terpopuler",
    "tin liên quan",
    "đọc nhiều nhất",
)
TOC_HEADINGS = (
    "目次",
    "目錄",
    "目录",
    "목차",
    "table of contents",
    "contents",
    "in this article",
    "on this page",
    "inhaltsverzeichnis",
    "inhalt",
    "sommaire",
    "table des matières",
    "índice",
    "tabla de contenidos",
    "contenido",
)
SHARE_HEADINGS = (
    "シェア",
    "シェアする",
    "この記事をシェア",
    "記事をシェア",
    "snsでシェア",
    "共有",
    "分享",
    "分享此文",
    "分享本文",
    "공유",
    "공유하기",
    "share",
    "share this",
    "share this article",
    "share this story",
    "share on",
    "follow us",
    "teilen",
    "artikel teilen",
    "diesen artikel teilen",
    "partager",
    "partager cet article",
    "compartir",
    "compartir en",
)
# Lines in the extracted text that are only one of these phrases are dropped (left-over labels);
# an element whose text is one of them heads a boilerplate block (preclean).
LEFTOVER_LINES = TOC_HEADINGS + SHARE_HEADINGS + LIST_HEADINGS


def _alternation(items: tuple[str, ...]) -> str:
    if not items:
        raise ValueError("empty rule group")
    return "|".join(re.escape(item) for item in sorted(items, key=len, reverse=True))


def _token_pattern(tokens: tuple[str, ...]) -> re.Pattern[str]:
    alt = _alternation(tokens).replace(r"\-", "[-_]?")
    return re.compile(rf"(?:^|[\s_-])(?:{alt})(?:$|[\s_-])", re.IGNORECASE)


def _heading_pattern(headings: tuple[str, ...]) -> re.Pattern[str]:
    # Surrounding decoration such as "■", "【】", "▶", ":" or counts like "(5)" is allowed.
    edge = r"[\s\W_]*"
    return re.compile(rf"^{edge}(?:{_alternation(headings)}){edge}$", re.IGNORECASE)


BOILERPLATE_CLASS_RE = _token_pattern(BOILERPLATE_CLASS_TOKENS)
# Caption elements, removed with extract(..., captions="drop").
CAPTION_TOKENS = ("caption", "figcaption", "wp-caption-text", "photo-caption", "image-caption")
CAPTION_CLASS_RE = _token_pattern(CAPTION_TOKENS)
LIST_HEADING_RE = _heading_pattern(LIST_HEADINGS)
TOC_HEADING_RE = _heading_pattern(TOC_HEADINGS)
SHARE_HEADING_RE = _heading_pattern(SHARE_HEADINGS)
LEFTOVER_LINE_RE = _heading_pattern(LEFTOVER_LINES)

# --- Lines that are boilerplate wherever they appear ---------------------------------------------
# Checked on each extracted line no longer than MAX_PROMPT_LINE_CHARS (searched, case-insensitive).
# "Read more" teasers: a label, then one headline (the label is at the start of the line).
READ_MORE_PREFIX_RE = re.compile(
    r"^\W{0,3}(?:read\s+more|read\s+also|also\s+read|see\s+also|related|more\s+on\s+this|"
    r"lesen\s+sie\s+(?:auch|mehr)|mehr\s+zum\s+thema|auch\s+interessant|"
    r"lire\s+aussi|à\s+lire\s+aussi|lee\s+también|lea\s+también|leggi\s+anche|leia\s+também|"
    r"lees\s+ook|les\s+også|læs\s+også|läs\s+också|lue\s+myös|czytaj\s+(?:też|także)|"
    r"čtěte\s+také|читайте\s+также|baca\s+juga|xem\s+thêm|ilgili\s+haber|"
    r"関連記事|関連ニュース|あわせて読みたい|合わせて読みたい|"
    r"延伸閱讀|延伸阅读|相關新聞|相关新闻|相關閱讀|相关阅读|相關報導|相关报道|推薦閱讀|推荐阅读|"
    r"관련\s?기사|관련\s?뉴스|함께\s?보면\s?좋은)\s*[:：】\]>»|｜]",
    re.IGNORECASE,
)
# Share/follow prompts, newsletter and app plugs.
FOLLOW_PROMPT_RE = re.compile(
    r"follow\s+us\s+on|follow\s+\S+(?:\s+\S+)?\s+on\s+(?:facebook|twitter|x|instagram|tiktok)|"
    r"sign\s+up\s+for\s+(?:our|the)\s+\S*\s*newsletter|subscribe\s+to\s+our\s+(?:newsletter|channel)|"
    r"download\s+(?:our|the)\s+app|folgen\s+sie\s+uns|abonnieren\s+sie\s+unseren|"
    r"suivez[- ]nous|síguenos\s+en|"
    r"友だち追加|フォローして|公式アカウントを|"
    r"加入我們的|加入我们的|關注我們|关注我们|按讚|追蹤我們|订阅我们|"
    r"채널\s?구독|구독하기|친구\s?추가|구독\s?버튼",
    re.IGNORECASE,
)
# Paywall and login prompts are page-label markers too: crawler.labels.PAYWALL_PROMPT_RE.
# Copyright and reprint notices.
COPYRIGHT_LINE_RE = re.compile(
    r"^\s*(?:©|ⓒ|\(c\)|copyright\b)|all\s+rights\s+reserved|alle\s+rechte\s+vorbehalten|"
    r"tous\s+droits\s+réservés|無断転載|無斷轉載|版權所有|版权所有|不得轉載|不得转载|"
    r"무단\s?전재|재배포\s?금지",
    re.IGNORECASE,
)
# Lines longer than this are text, whatever phrase they contain.
MAX_PROMPT_LINE_CHARS = 160
# A line that is only a clock time ("14:05", "9.30 Uhr", "08:30 JST"): a live-blog timestamp.
TIME_LINE_RE = re.compile(
    r"^\s*\d{1,2}[:.時]\d{2}(?:分|\s*(?:uhr|am|pm|a\.m\.|p\.m\.|jst|kst|cst|et|bst|gmt|utc))?\s*$",
    re.IGNORECASE,
)
# Bylines in the page (when no metadata names an author): a short text near the headline.
BYLINE_RE = re.compile(
    r"^(?:by|von|par|por|written\s+by)(?:\s*:\s*|\s+)\S"
    r"|^(?:文|取材・文|文・写真|記者|记者|撰文|作者)\s*[・/:：／]?\s*\S"
    r"|\S\s*(?:선임|수석)?기자(?:\s|$|·|,)",
    re.IGNORECASE,
)
MAX_BYLINE_CHARS = 80
# A byline left at the top of the body (one of its first lines) is dropped.
BYLINE_SCAN_LINES = 3
# How many elements after the <h1> to search for a byline or a date written as text.
HEADER_SCAN_ELEMENTS = 40
# Levels above the <h1> searched for its <time> (article evidence): its header block.
HEADLINE_BLOCK_LEVELS = 2

# Elements whose full text may act as a block heading (besides h1-h6).
HEADING_TAGS = frozenset(
    {
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "div",
        "span",
        "strong",
        "b",
        "dt",
        "summary",
        "caption",
        "header",
        "legend",
        "li",
        "a",
    }
)
MAX_HEADING_CHARS = 40

# --- Lines as laid out (crawler.extract.layout) ---------------------------------------------------
# Tags that start and end a line of text (besides <br>); all others are inline.
LINE_BREAK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "aside", "header", "footer", "nav", "main", "ul", "ol",
        "li", "dl", "dt", "dd", "table", "tr", "td", "th", "thead", "tbody", "tfoot", "caption",
        "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figure", "figcaption", "form",
        "fieldset", "legend", "address", "hr", "br", "details", "summary", "menu", "center",
        "iframe", "body", "html",
    }
)  # fmt: skip
# What a headline item carries besides its headline: DECORATION_RE, below (after MONTHS).
# A link line: its text outside links (decoration aside) is at most this share of its link text.
LINK_LINE_MAX_OTHER_SHARE = 0.5
# A run of lines is a headline list when it holds at least this many link lines (also: a line of
# this many links; the short lines under a list heading).
LIST_MIN_ITEMS = 3
# Lines that may stand between two link lines of one run (a teaser's date, counter, tag), when
# short: at most this many in a row, of at most this many characters (decoration aside).
LIST_MAX_GAP_LINES = 2
LIST_GAP_MAX_CHARS = 40
# Teasers: link lines each followed by the same number of lines (a summary, a date) of at most
# TEASER_MAX_CHARS characters; at least TEASER_MIN_ITEMS of them make a list.
TEASER_MAX_CHARS = 200
TEASER_MIN_ITEMS = 4
# A line this long without links is running text (not measured further).
LONG_LINE_CHARS = 400
# A line ending like a sentence is running text, not an unlinked headline under a list heading.
SENTENCE_END_RE = re.compile(r"[.!?。．！？…:：]\s*[\"'”’」』)）]?\s*$")

# --- Block thresholds ---------------------------------------------------------------------------
# Text lengths are non-whitespace characters.
# A block is "link-dense" (a list of headlines) when all of these hold:
LINK_BLOCK_MIN_LINKS = 3  # at least this many links
LINK_BLOCK_MIN_DENSITY = 0.6  # link text / all text
LINK_BLOCK_MAX_CHARS_PER_LINK = 90  # short items: headlines, not paragraphs with a link
# "Prose" is non-link text inside <p>, or in text runs of at least PROSE_MIN_RUN_CHARS (articles
# that use <div>/<br> instead of <p>); dates and labels in headline lists are shorter runs.
PROSE_MIN_RUN_CHARS = 40
# Never remove a block holding this much prose (running text, i.e. the article).
CONTENT_GUARD_PARA_CHARS = 200
# A matched class/heading block is still kept when it is content-like: this much non-link text
# with link density below LINK_BLOCK_MIN_DENSITY.
CONTENT_GUARD_TEXT_CHARS = 300
# Tags of blocks that may be removed as link-dense or by class token. html/body never are.
BLOCK_TAGS = frozenset(
    {
        "div",
        "section",
        "aside",
        "nav",
        "ul",
        "ol",
        "dl",
        "table",
        "header",
        "footer",
        "menu",
        "figure",
        "span",
        "p",
        "li",
        "form",
    }
)
# The main text: the chain of elements, from <body> down, each holding at least this share of the
# page's prose. Those that look like page furniture (these tags, these class/id words) are
# broken markup around the article and are made plain <div>s (preclean.protect_main_text).
MAIN_TEXT_SHARE = 0.6
FURNITURE_TAGS = frozenset({"aside", "nav", "footer", "header", "menu"})
# Page furniture dropped from the tree before extraction (trafilatura drops it too, but only after
# copying the tree three times), unless it holds the main text.
DROPPED_FURNITURE_TAGS = ("aside", "nav", "footer", "menu")
FURNITURE_CLASS_RE = re.compile(r"sidebar|widget|nav|menu|footer|aside", re.IGNORECASE)
# The lead: the page's description shown as an element's text is put first in the body when the
# body lacks it; a description this short (units) is not a lead, and the element's text may
# be at most this many times longer than the description (which pages cut short).
LEAD_MIN_UNITS = 8
LEAD_MAX_GROWTH = 1.5
# The body already holds the lead when it holds its first this many characters (a key).
LEAD_MATCH_CHARS = 40
# A <table> is page layout, not data, when it nests another table or one cell holds running text
# this long; its rows and cells are turned into <div>s before extraction.
LAYOUT_TABLE_CELL_CHARS = 200
# Table of contents: a list whose links mostly point into the same page.
TOC_MIN_LINKS = 3
TOC_MIN_FRAGMENT_SHARE = 0.7

# Script payloads (crawler.extract.payload): JSON strings shorter than this are not a body.
PAYLOAD_MIN_STRING_CHARS = 200
# A plain string of an application's state is a paragraph when it is this many units long
# (words, CJK characters) and ends like a sentence (crawler.extract.payload).
PAYLOAD_MIN_PROSE_UNITS = 15
# trafilatura's MIN_EXTRACTED_SIZE (default 250 characters): below it trafilatura falls back to
# whole-page text, which turns short CJK articles (one character ≈ one word) into one noisy line.
TRAFILATURA_MIN_EXTRACTED_SIZE = 40

# --- Page rejection ---------------------------------------------------------------------------
# Minimum body size, in units: each CJK character (Han, kana, hangul) is one unit, every other
# \w+ word is one unit. 30 units ≈ one news brief of two sentences, or one Japanese sentence.
MIN_BODY_UNITS = 30
# ... on a page with article evidence (crawler.extract.evidence): a brief of one or two short
# sentences ("Police closed the A4 near Bath after a crash on Monday morning.") is an article.
MIN_BRIEF_UNITS = 12
# Whole-page link density above which a page without article evidence and with too little text
# is called a listing page (rather than too short).
LISTING_LINK_DENSITY = 0.5
# An error title marks an error page unless the page has this much running text anyway.
ERROR_PAGE_MAX_PARA_CHARS = 1000
# Headline lines: extracted lines that are exactly the text of a link in the page (key length in
# non-space characters). They are dropped from the body; a page with at least
# LISTING_MIN_HEADLINES of them and no body (fewer units than the minimum) is a listing page.
MIN_HEADLINE_KEY_CHARS = 8
MAX_HEADLINE_KEY_CHARS = 160
LISTING_MIN_HEADLINES = 6
# More than this share of U+FFFD in the decoded text: the bytes were not text.
MAX_REPLACEMENT_SHARE = 0.05

ERROR_TITLE_RE = re.compile(
    r"(?:^|\b)(?:404|410|403|500|503)(?:\b|$).{0,40}(?:not\s*found|error|fehler|erreur|"
    r"introuvable|no\s+encontrada|gone|forbidden|unavailable)"
    r"|(?:^|\b)(?:error|fehler|erreur)\s*(?:404|410|500)"
    r"|^\s*(?:404|410)\s*$"
    r"|page\s+not\s+found|^\s*not\s+found|file\s+not\s+found|page\s+(?:does\s+not|doesn't)\s+exist"
    r"|ページが見つかりません|お探しのページ|ページは存在しません|指定されたページ"
    r"|找不到(?:網頁|网页|頁面|页面|該頁|该页)|(?:網頁|网页|頁面|页面)不存在|(?:網頁|网页|頁面|页面)已(?:刪除|删除)"
    r"|페이지를\s*찾을\s*수\s*없|존재하지\s*않는\s*페이지"
    r"|seite\s+nicht\s+gefunden|page\s+introuvable|página\s+no\s+encontrada",
    re.IGNORECASE,
)

# --- Metadata -------------------------------------------------------------------------------------
# JSON-LD @type values, in priority order: the first node of an earlier type is used.
ARTICLE_TYPES = (
    "NewsArticle",
    "ReportageNews",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "Article",
    "BlogPosting",
    "LiveBlogPosting",
    "TechArticle",
    "Report",
    "ScholarlyArticle",
    "SocialMediaPosting",
)
LISTING_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage"})
# JSON-LD limits (the corpora's largest: a 37 KB script, 88 items, nested 8 deep). A script over
# MAX_JSONLD_CHARS is skipped unparsed; the walk through @graph, mainEntity and itemListElement
# goes at most MAX_JSONLD_DEPTH levels down and visits at most MAX_JSONLD_ITEMS items per page. A
# 4 MB @graph of 140,000 nodes took 8 s; nesting deeper than the parser's stack (~1,000) is skipped
# as invalid JSON-LD.
MAX_JSONLD_CHARS = 1_000_000
MAX_JSONLD_DEPTH = 32
MAX_JSONLD_ITEMS = 10_000
# <meta> names/properties, in priority order (first present wins).
PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "article.published",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
    "citation_publication_date",
    "og:article:published_time",
)
MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "modified_time",
    "last-modified",
    "article.updated",
    "dcterms.modified",
    "og:article:modified_time",
)
AUTHOR_META = (
    "author",
    "article:author",
    "byl",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "cxenseparse:author",
)
TITLE_META = ("og:title", "twitter:title", "dc.title")
# Titles: what sets the site's name (and a section or date beside it) off from the headline:
# " | ", " - ", " – ", " :: " with spaces around; bars with or without ("｜", "ㅣ", "│": the
# Hangul letter stands in for a bar on Korean sites); CJK full-width colon and dash, "--", "_".
TITLE_SEPARATOR_RE = re.compile(r"\s+(?:[|\-–—:•/·]|::)\s+|\s*[|｜ㅣ│]\s*|\s*(?:：|－|--|_)\s*")
# Beside the site's name, a part this short is its section ("Headline | Sport | Site"): at most
# TITLE_SECTION_WORDS words and TITLE_SECTION_CHARS characters. A longer part is the headline's.
TITLE_SECTION_WORDS = 2
TITLE_SECTION_CHARS = 20
# A <title> with no other source ends with the site's name when its last part is this short.
TITLE_SITE_CHARS = 30
# How many parts at either end of a title are looked at for the site's name.
TITLE_DECORATION_PARTS = 4
# A CJK section joined to the headline by a bare hyphen, before the site: "…커졌다-정치ㅣ한국일보".
TITLE_CJK_SECTION_RE = re.compile(r"(?<=[^\x00-\u024f\s])[-–]\s*[^\x00-\u024f\s]{1,6}$")
DESCRIPTION_META = ("og:description", "description", "twitter:description")
SECTION_META = ("article:section", "section", "parsely-section", "category")
TAGS_META = ("article:tag", "keywords", "news_keywords", "parsely-tags")
LANGUAGE_META = ("content-language", "og:locale", "language", "dc.language")

# Month names of dates written as text ("May 6, 2025", "6. Mai 2025", "6 mai 2025").
MONTHS = {
    "january": 1, "jan": 1, "januar": 1, "janvier": 1, "enero": 1, "jänner": 1,
    "february": 2, "feb": 2, "februar": 2, "février": 2, "febrero": 2,
    "march": 3, "mar": 3, "märz": 3, "mars": 3, "marzo": 3,
    "april": 4, "apr": 4, "avril": 4, "abril": 4,
    "may": 5, "mai": 5, "mayo": 5,
    "june": 6, "jun": 6, "juni": 6, "juin": 6, "junio": 6,
    "july": 7, "jul": 7, "juli": 7, "juillet": 7, "julio": 7,
    "august": 8, "aug": 8, "août": 8, "agosto": 8,
    "september": 9, "sep": 9, "sept": 9, "septembre": 9, "septiembre": 9,
    "october": 10, "oct": 10, "oktober": 10, "octobre": 10, "octubre": 10,
    "november": 11, "nov": 11, "novembre": 11, "noviembre": 11,
    "december": 12, "dec": 12, "dezember": 12, "décembre": 12, "diciembre": 12,
}  # fmt: skip

_MONTH_NAMES = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
# What a headline item carries besides its headline: bullets, dates, times, counters, ranks,
# "3 hours ago". Removed before a line's own text is measured.
DECORATION_RE = re.compile(
    r"\d{1,4}\s*(?:年|년|월|月)\s*\d{1,2}\s*(?:月|월|日|일)?(?:\s*\d{1,2}\s*(?:日|일))?"
    r"|\d{1,4}[./-]\d{1,2}(?:[./-]\d{1,4})?"
    r"|\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:am|pm|uhr|h))?"
    r"|\d+\s*(?:分|時間|日|週間|か月|ヶ月)前|\d+\s*(?:분|시간|일)\s*전|\d+\s*(?:分钟|小时|天)前"
    r"|\d+\s*(?:min(?:ute)?s?|hours?|hrs?|days?)\s+ago|vor\s+\d+\s+(?:minuten|stunden|tagen)"
    rf"|\b(?:{_MONTH_NAMES})\b\.?"
    r"|\d+"
    r"|[^\w\s]|_",
    re.IGNORECASE,
)

# Dates in URLs: /2024/10/15/, /2024-10-15/, /20241015/ (year 1995-2099).
URL_DATE_RE = re.compile(
    r"(?<!\d)((?:199[5-9]|20\d\d))[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?!\d)"
)

# Zone for dates without an offset when the page itself gives none (documented in extract.py).
# By region of the declared language tag ("zh-Hant-TW") or country-code TLD of the URL, then by
# page language; otherwise UTC. Countries spanning several zones (us, ca, au, br...) are left out.
REGION_TIMEZONES = {
    "jp": "Asia/Tokyo",
    "kr": "Asia/Seoul",
    "tw": "Asia/Taipei",
    "cn": "Asia/Shanghai",
    "hk": "Asia/Hong_Kong",
    "sg": "Asia/Singapore",
    "de": "Europe/Berlin",
    "at": "Europe/Vienna",
    "ch": "Europe/Zurich",
    "fr": "Europe/Paris",
    "es": "Europe/Madrid",
    "it": "Europe/Rome",
    "uk": "Europe/London",
    "gb": "Europe/London",
    "ie": "Europe/Dublin",
    "no": "Europe/Oslo",
    "pl": "Europe/Warsaw",
    "nl": "Europe/Amsterdam",
    "be": "Europe/Brussels",
    "se": "Europe/Stockholm",
    "dk": "Europe/Copenhagen",
}
LANGUAGE_TIMEZONES = {
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
    "zh": "Asia/Shanghai",
    "de": "Europe/Berlin",
    "nb": "Europe/Oslo",
    "pl": "Europe/Warsaw",
    "it": "Europe/Rome",
}

# --- Authors --------------------------------------------------------------------------------------
# Removed from the start of each author string (case-insensitive), longest first.
AUTHOR_PREFIX_RE = re.compile(
    r"^(?:(?:by|von|par|por|written\s+by)(?:\s*:\s*|\s+)"  # words: need a space or ":"
    # job titles before the name ("Autor Monika Muster", "Reporter: Jane Doe")
    r"|(?:autor(?:in)?|author|reporter(?:in)?|redakteur(?:in)?|korrespondent(?:in)?|"
    r"correspondent|journalist(?:in)?|auteur|autora?)(?:\s*:\s*|\s+)(?=\S+\s+\S)"
    # these need a separator ("文/山田", not the surname in "文在寅")
    r"|(?:取材・文|取材/文|文・写真|文/写真|写真・文|文|撮影|글|text)\s*[:/／：・]\s*"
    r"|(?:記者|记者|作者|撰文)\s*[:/／：・]?\s*)",  # CJK titles: separator optional
    re.IGNORECASE,
)
# Removed from the end: Korean "기자" titles, Chinese "…報導" datelines, e-mail addresses.
# The address starts a word ((?<!\S)): the same matches, but tried once per word, not once per
# character (a 3,000-character word of "@" took minutes; the cap below bounds the rest).
AUTHOR_SUFFIX_RE = re.compile(
    r"\s*(?:(?:선임|수석)?기자|특파원|記者|记者|特派員|特派员|"
    r"[/／]\s*\S{0,8}(?:報導|报道|綜合報導|综合报道)|(?<!\S)\S+@\S+|\([a-z.]{2,5}\))\s*$"
)
# Input cap: an author value (spaces collapsed) is cut to this many characters before the author
# patterns run, and the name cut in two is dropped. Their cost grows with the square of the length
# (AUTHOR_SUFFIX_RE: 3,000 characters ~65 ms; 300: under 1 ms); the longest value in the corpora is
# 113 characters (several names).
MAX_AUTHOR_FIELD_CHARS = 300
# Separators between several authors; "・" is handled separately (it also joins katakana names).
AUTHOR_SPLIT_RE = re.compile(
    r"\s*(?:,|、|，|;|；|/|／|·|•|\||\band\b|\bund\b|\bet\b|\by\b|\bog\b|\boch\b|&)\s*", re.I
)
MAX_AUTHOR_CHARS = 60
# Words left over between names when a byline is split ("TPN in Lisbon" → "in"): not names.
AUTHOR_CONNECTORS = frozenset(
    {"in", "on", "at", "of", "the", "for", "from", "de", "da", "di", "du", "le", "la", "im",
     "am", "zu", "aus", "für", "en", "à", "a"}
)  # fmt: skip
# The author named in the markup (crawler.extract.byline), trafilatura's AUTHOR_XPATHS as data:
# per level of confidence, per attribute, (values it equals, strings it contains, a pattern it
# matches, case-sensitive).
AttributeRule = dict[str, tuple[frozenset[str], tuple[str, ...], "re.Pattern[str] | None"]]
PAGE_AUTHOR_LEVELS: tuple[AttributeRule, ...] = (
    {
        "rel": (frozenset({"author"}), (), None),
        "id": (frozenset({"author"}), (), None),
        "class": (frozenset({"author"}), (), re.compile("author-?name|AuthorName|authorName")),
        "itemprop": (frozenset({"author name"}), (), None),
        "data-testid": (frozenset({"AuthorCard", "AuthorURL"}), (), None),
    },
    {
        "class": (
            frozenset({"byline", "username", "byl", "BBL"}),
            (),
            re.compile(
                "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
            ),
        ),
        "itemprop": (frozenset(), ("author",), None),
        "id": (frozenset(), (), re.compile("author|zuozhe|bianji|xiaobian")),
    },
    {
        "data-component": (frozenset(), ("Byline",), None),
        "itemprop": (frozenset(), ("author",), None),
        "id": (frozenset(), (), re.compile("[Aa]uthor")),
        "class": (frozenset(), (), re.compile("[Aa]uthor|screenname|writer|[Bb]yline")),
    },
)
# ... not inside these (comments, sidebars, quotes, dates: AUTHOR_DISCARD_XPATHS).
PAGE_AUTHOR_DISCARD: AttributeRule = {
    "id": (frozenset({"comments"}), (), re.compile("^comments|comment-?list|ProductReviews")),
    "class": (
        frozenset({"comments", "title", "date"}),
        (),
        re.compile(
            "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
            "article-(?:share|support)|print|category|meta-date|meta-reviewer"
        ),
    ),
    "data-component": (frozenset(), ("Figure",), None),
}
# A part of a byline that is only a job title is no name ("Jane Doe, Reporter", "기자").
AUTHOR_ROLE_RE = re.compile(
    r"(?:(?:senior|chief|staff|contributing|political|deputy)\s+)?"
    r"(?:reporter|correspondent|writer|editor|columnist|contributor|journalist|photographer|"
    r"redakteur(?:in)?|korrespondent(?:in)?|autor(?:in)?|reporter(?:in)?|journaliste?|"
    r"rédact(?:eur|rice)|correspondant(?:e)?|periodista|redactor(?:a)?|corresponsal)"
    r"|(?:선임|수석)?기자|특파원|記者|记者|特派員|特派员|编辑|編輯|责任编辑|責任編輯|编者|編集委員",
    re.IGNORECASE,
)
# Chinese pages credit their editors in a short line ("(责编：牛镛、岳弘彬)", "责任编辑：王小明"):
# the authors when nothing else names one. Looked for in these tags' own text.
EDITOR_CREDIT_TAGS = ("div", "p", "span", "em")
EDITOR_CREDIT_RE = re.compile(r"(?:责编|责任编辑|責任編輯|编辑|編輯)\s*[:：]\s*([^)）\n]{1,40})")
# Parts of a byline that are not names: Chinese datelines ("臺北報導").
AUTHOR_DROP_RE = re.compile(r"^\S{0,8}(?:報導|报道)$")
# A photo caption ends with a credit: "(写真/AP通信提供)", "（圖／中央社）", "Photo: Reuters".
# Two similar caption lines close together (alt text and figcaption) are kept once.
CAPTION_CREDIT_RE = re.compile(
    r"(?:[(（\[【]\s*(?:写真|撮影|資料|圖|图|照片|사진|photo|foto|image|credit|bild|©|提供|"
    r"AP|AFP|Reuters|ロイター|共同|EPA|Getty|中央社|新華社|新华社|연합뉴스|dpa)[^)）\]】]{0,40}[)）\]】]"
    r"|(?:photo|foto|bild|image|credit)\s*:\s*[^.]{1,60})\s*$",
    re.IGNORECASE,
)
# Input cap: lines (keys) longer than this are never compared as near-duplicate captions. difflib's
# ratio() grows with the square of the length or worse: two similar 40,000-character lines took
# over a minute, two of 300 characters take at most ~8 ms (a run of one letter, the worst case).
# The longest repeated caption in the corpora is 155 characters.
MAX_CAPTION_COMPARE_CHARS = 300
# A line that is only a date/time (a dateline left in the body) is dropped: at most this long.
MAX_DATE_LINE_CHARS = 40

# --- Language -------------------------------------------------------------------------------
# Share of kana among CJK characters that makes a text Japanese (Chinese text quotes the odd kana).
KANA_SHARE_JA = 0.05
# Share of hangul among letters that makes a text Korean.
HANGUL_SHARE_KO = 0.2
# Share of Han among letters that makes a (kana-free, hangul-free) text Chinese.
HAN_SHARE_ZH = 0.3
# Frequent function words per Latin-script language, for a small vote (no models, no network).
STOPWORDS = {
    "en": ("the", "and", "of", "to", "in", "is", "that", "for", "with", "was", "on", "said"),
    "de": ("der", "die", "und", "das", "nicht", "ist", "mit", "sich", "den", "auf", "ein", "dem"),
    "fr": ("le", "la", "les", "et", "des", "est", "une", "dans", "pour", "que", "du", "au"),
    "es": ("el", "los", "las", "del", "que", "por", "una", "para", "con", "según", "más", "como"),
    "it": ("il", "della", "che", "per", "non", "sono", "gli", "nel", "alla", "anche", "è", "con"),
    "pt": ("os", "não", "uma", "para", "com", "que", "mais", "pelo", "foi", "ao", "dos", "das"),
    "nl": ("het", "een", "van", "niet", "zijn", "dat", "voor", "met", "ook", "maar", "wordt"),
}
MIN_STOPWORD_HITS = 5
