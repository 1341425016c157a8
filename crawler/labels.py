"""Page labels: what each fetched page is, one definition for the fetch, extract and load stages.

Every fetched page gets one label. The load stage writes it to ``raw_pages.label`` (and
``articles.label``) and counts it per run in ``crawl_runs.labels``. The fetch stage labels an HTTP
error answer (:func:`http_error_label`) and counts that too. Only pages labelled in
:data:`STORED` become articles; a ``paywall_teaser`` is stored with its label, so consumers can
filter it out.

- ``article``: an article, stored.
- ``paywall_teaser``: the free part of a paywalled article. The page says it is not free
  (JSON-LD ``isAccessibleForFree: false``) or shows a paywall prompt, and its text is cut short.
  Stored, with its label.
- ``listing``: a list of other articles (the rejection reason ``listing_page``).
- ``consent_wall``: a consent-management platform's wall instead of the article.
- ``js_shell``: an application root and script payloads, with no text and no article in the
  payloads.
- ``bot_block``: a bot challenge or captcha page. For an HTTP error, a 403, 429 or 503 answer
  that carries a challenge's markers.
- ``error_page``: an HTTP error answer, or a "not found" page served with 200 (a soft 404).
- ``not_html``, ``too_short``, and the other rejection reasons (``empty``, ``undecodable``,
  ``parse_error``, ``timeout``, ``corrupt_raw_page``, ``canonical_conflict``,
  ``store_error``, ``worker_crash``): the reason is the label.

Walls, blocks and shells are told apart only on pages that have too little text to be an
article, or whose whole text is a wall's text. Their markers (a CMP's script, a Cloudflare
script, an application root) are on most real article pages too. The markers are data here and
are matched case-insensitively, as substrings of at most the first :data:`SCAN_CHARS` of a page
(walls and challenges are small pages; a hostile one of megabytes costs milliseconds). Only
:mod:`re` and the models are imported, so the crawl child can import this module without loading
the extractor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from crawler.models import Article, Rejection

ARTICLE = "article"
PAYWALL_TEASER = "paywall_teaser"
LISTING = "listing"
CONSENT_WALL = "consent_wall"
JS_SHELL = "js_shell"
BOT_BLOCK = "bot_block"
ERROR_PAGE = "error_page"
NOT_HTML = "not_html"
TOO_SHORT = "too_short"
WORKER_CRASH = "worker_crash"  # its extraction killed the worker process, twice (crawler.load)

STORED = (ARTICLE, PAYWALL_TEASER)  # labels of pages stored as articles
# Rejection reasons whose label has another name (the reason predates the label).
_REASON_LABELS = {"listing_page": LISTING}

# --- Bot challenges ------------------------------------------------------------------------------
# Markup and text found only on challenge pages: Cloudflare (the "Just a moment..." interstitial,
# "Attention Required!"), DataDome, PerimeterX/HUMAN, Imperva/Incapsula, Sucuri, AWS WAF, Akamai's
# "Access Denied", and the wording of captcha pages in the languages we crawl. What these services
# put on every page they serve is no marker: Cloudflare's detection scripts
# (/cdn-cgi/challenge-platform/scripts/jsd/…, and /h/g/scripts/invisible.js with its
# u:'/cdn-cgi/challenge-platform/h/g' parameter) and Imperva's /_Incapsula_Resource?SWJIYLWA=
# script are on ordinary articles; the challenge's own markup (cf_chl_opt, chl_page, Imperva's
# CWUDNSAI iframe) is not.
CHALLENGE_MARKERS = (
    "<title>just a moment...</title>",
    "<title>attention required! | cloudflare</title>",
    "cf-browser-verification",
    "cf_chl_opt",
    "cf-challenge-running",
    "chl_page",
    "checking your browser before accessing",
    "checking if the site connection is secure",
    "needs to review the security of your connection",
    "verify you are human",
    "verifying you are human",
    "enable javascript and cookies to continue",
    "captcha-delivery.com",
    "px-captcha",
    "please verify you are a human",
    "incapsula incident id",
    "_incapsula_resource?cwudnsai=",
    "sucuri website firewall",
    "awswaf",
    "errors.edgesuite.net",
    "you don't have permission to access",
    "unusual traffic from your computer network",
    "are you a robot",
    "bitte bestätigen sie, dass sie ein mensch sind",
    "êtes-vous un robot",
    "ロボットではありません",
    "ロボットでないことを確認",
    "人机验证",
    "人機驗證",
    "安全验证",
    "滑动验证",
    "로봇이 아닙니다",
    # a gate's "to prevent automatic input, …": not the bare "자동입력 방지", which labels
    # the captcha field of comment forms on articles ("자동입력 방지문자")
    "자동입력 방지를 위해",
)
# Captcha widgets: also in comment and login forms of article pages, so evidence only on a page
# with no article text.
CAPTCHA_MARKERS = (
    "g-recaptcha",
    "h-captcha",
    "hcaptcha.com",
    "recaptcha/api.js",
    "challenges.cloudflare.com/turnstile",
)
# HTTP statuses that a challenge is served with.
CHALLENGE_STATUSES = frozenset({403, 429, 503})
# Response headers that only challenges carry (Cloudflare's ``cf-mitigated: challenge``).
CHALLENGE_HEADERS = (("cf-mitigated", "challenge"),)

# --- Consent walls -------------------------------------------------------------------------------
# What a consent-management platform's wall says, in the languages we crawl: OneTrust, Quantcast
# Choice, Didomi, Sourcepoint, TrustArc, Usercentrics, Cookiebot, consentmanager, Google's
# Funding Choices, and the German "accept or subscribe" (PUR) walls. A line of the page's text
# that holds one is consent text.
CONSENT_PHRASES = (
    "we value your privacy",
    "we care about your privacy",
    "your privacy is important to us",
    "your privacy choices",
    "we and our partners",
    "we and our vendors",
    "store and/or access information on a device",
    "accept all cookies",
    "reject all cookies",
    "manage cookies",
    "cookie settings",
    "cookie preferences",
    "this site uses cookies",
    "this website uses cookies",
    "we use cookies",
    "consent to the use of cookies",
    "manage your consent",
    "privacy settings",
    "wir verwenden cookies",
    "wir und unsere partner",
    "ihre privatsphäre ist uns wichtig",
    "ihre einwilligung",
    "datenschutzeinstellungen",
    "cookie-einstellungen",
    "alle akzeptieren",
    "zustimmen und weiter",
    "mit werbung lesen",
    "pur-abo",
    "nous respectons votre vie privée",
    "nous et nos partenaires",
    "vos choix concernant les cookies",
    "tout accepter",
    "accepter et fermer",
    "paramétrer les cookies",
    "valoramos tu privacidad",
    "nosotros y nuestros socios",
    "aceptar todas",
    "configuración de cookies",
    "la tua privacy è importante",
    "noi e i nostri partner",
    "accetta tutti",
    "wij en onze partners",
    "alle cookies accepteren",
    "cookieの使用に同意",
    "クッキーの使用に同意",
    "cookieの利用に同意",
    "クッキーの利用に同意",
    "cookieを使用しています",
    "クッキーを使用しています",
    "すべてのcookieを受け入れる",
    "プライバシー設定",
    "我们使用cookie",
    "我們使用cookie",
    "本网站使用cookie",
    "本網站使用cookie",
    "接受所有cookie",
    "接受全部cookie",
    "隐私设置",
    "隱私設定",
    "쿠키를 사용합니다",
    "쿠키 사용에 동의",
    "모든 쿠키 허용",
    "쿠키 설정",
    "개인정보 보호 설정",
)
# Markup of the platforms' walls and banners (their ids, classes and script hosts).
CMP_MARKERS = (
    "onetrust-banner-sdk",
    "onetrust-consent-sdk",
    "cdn.cookielaw.org",
    "qc-cmp2",
    "quantcast.mgr.consensu.org",
    "didomi-host",
    "didomi-notice",
    "sdk.privacy-center.org",
    "sp_message_container",
    "privacy-mgmt.com",
    "truste-consent",
    "consent.trustarc.com",
    "usercentrics-root",
    "cybotcookiebotdialog",
    "consent.cookiebot.com",
    "cmpbox",
    "consentmanager.net",
    "fc-consent-root",
    "consent.yahoo.com",
    "consent.google.com",
)
# A text is a wall's when lines with consent phrases hold this share of it (in characters).
CONSENT_TEXT_SHARE = 0.5
# A text this long (in units, rules.MIN_BODY_UNITS' measure) is an article whatever it says.
WALL_MAX_UNITS = 300

# --- Application shells --------------------------------------------------------------------------
# Roots and state payloads of client-rendered pages: Next.js, Nuxt 2 and 3, Gatsby, Angular,
# React (Create React App, Redux, Apollo), Remix, SvelteKit, Vue.
APP_SHELL_MARKERS = (
    'id="__next"',
    "__next_data__",
    'id="__nuxt"',
    "window.__nuxt__",
    "__nuxt_data__",
    'id="___gatsby"',
    "ng-version=",
    "<app-root",
    "data-reactroot",
    'id="root"',
    'id="app"',
    "__apollo_state__",
    "__preloaded_state__",
    "__initial_state__",
    "__remixcontext",
    'id="svelte"',
    "data-sveltekit",
)
# Scripts this many times longer than the visible text: a page the browser has yet to build.
SHELL_SCRIPT_RATIO = 10

# --- Paywalls ------------------------------------------------------------------------------------
# Paywall and login prompts (a line that is only one is also dropped from the text: lines.py).
PAYWALL_PROMPT_RE = re.compile(
    r"for\s+subscribers\s+only|subscribe\s+(?:now\s+)?to\s+(?:continue|keep)\s+reading|"
    r"already\s+a\s+subscriber|this\s+(?:article|content)\s+is\s+(?:only\s+)?(?:available\s+)?(?:for|to)\s+(?:subscribers|members)|"
    r"nur\s+für\s+abonnenten|jetzt\s+weiterlesen|mit\s+einem\s+abo|réservé\s+aux\s+abonnés|"
    r"有料会員|会員限定|続きを読む|ログインして|残り\d+文字|"
    r"會員專屬|会员专属|訂閱後|订阅后|付費內容|付费内容|开通会员|開通會員|"
    r"유료\s?회원|구독하고|로그인\s?후",
    re.IGNORECASE,
)
# A text under this many units, on a page that says it is paywalled, is its free part.
TEASER_MAX_UNITS = 100
# After the line cut short with an ellipsis, only lines shorter than this (prompts, links) follow.
TEASER_TAIL_MAX_CHARS = 100
_ELLIPSIS_RE = re.compile(r"[^\s.!?。．！？]\s*(?:\.\.\.|…)\s*$")


SCAN_CHARS = 1_000_000  # of a page's markup, searched for markers
_SPACE_RE = re.compile(r"\s+")


def _refuse_bad_markers(*groups: tuple[str, ...]) -> None:
    """Marker lists are written lowercase (a lowercased page is searched for them as they are)
    and none is empty."""
    for group in groups:
        if not group or any(m != m.lower() for m in group):
            raise ValueError(f"marker lists must be lowercase and not empty: {group[:3]}")


_refuse_bad_markers(
    CHALLENGE_MARKERS, CAPTCHA_MARKERS, CONSENT_PHRASES, CMP_MARKERS, APP_SHELL_MARKERS
)


def _has(lowered: str, markers: Iterable[str]) -> bool:
    return any(m in lowered for m in markers)


def _lowered(html: str) -> str:
    return html[:SCAN_CHARS].lower()


def _text_key(text: str) -> str:
    """``text`` lowercased, its white space runs made one space: consent phrases match it."""
    return _SPACE_RE.sub(" ", text[:SCAN_CHARS]).lower()


def label_of(outcome: Article | Rejection) -> str:
    """The label of an extraction's outcome."""
    if isinstance(outcome, Article):
        return outcome.label
    return _REASON_LABELS.get(outcome.reason, outcome.reason)


def http_error_label(status: int, headers: Mapping[str, str], body: str) -> str:
    """The label of an HTTP error answer: ``bot_block`` for a challenge (a 403, 429 or 503 with a
    challenge's header or markers), else ``error_page``. ``headers`` have lowercase names."""
    if status not in CHALLENGE_STATUSES:
        return ERROR_PAGE
    if any(headers.get(name, "").lower() == value for name, value in CHALLENGE_HEADERS):
        return BOT_BLOCK
    lowered = _lowered(body)
    return BOT_BLOCK if _has(lowered, CHALLENGE_MARKERS + CAPTCHA_MARKERS) else ERROR_PAGE


def is_challenge(html: str) -> bool:
    """Whether the page carries a bot challenge's own markers (captcha widgets not included)."""
    return _has(_lowered(html), CHALLENGE_MARKERS)


def is_consent_text(text: str) -> bool:
    """Whether lines with consent phrases hold at least :data:`CONSENT_TEXT_SHARE` of ``text``."""
    total = consent = 0
    for line in text.split("\n"):
        size = len(line.strip())
        total += size
        if size and _has(_text_key(line), CONSENT_PHRASES):
            consent += size
    return total > 0 and consent >= CONSENT_TEXT_SHARE * total


def short_page_label(html: str, visible_text: str, script_chars: int) -> str:
    """The label of a page with too little text to be an article. ``html`` is its markup,
    ``visible_text`` the text a browser shows before running scripts (lines), ``script_chars``
    the size of its inline scripts.

    The order is priority. A challenge first: challenge pages carry no article markup. Then a
    consent wall, on its text or its platform's wall markup together with a consent phrase.
    Then an application shell. Else the page is too short.
    """
    lowered = _lowered(html)
    if _has(lowered, CHALLENGE_MARKERS + CAPTCHA_MARKERS):
        return BOT_BLOCK
    if _has(_text_key(visible_text), CONSENT_PHRASES) and (
        _has(lowered, CMP_MARKERS) or is_consent_text(visible_text)
    ):
        return CONSENT_WALL
    visible = len(_SPACE_RE.sub("", visible_text[:SCAN_CHARS]))
    if _has(lowered, APP_SHELL_MARKERS) or script_chars >= SHELL_SCRIPT_RATIO * max(visible, 1):
        return JS_SHELL
    return TOO_SHORT


def is_teaser(lines: list[str], units: int, not_free: bool, prompt_seen: bool) -> bool:
    """Whether an article's text (``lines``, ``units`` long) is a paywall's free part: the page
    says it is not free (``not_free``) or showed a paywall prompt (``prompt_seen``), and the text
    is cut short. Cut short means under :data:`TEASER_MAX_UNITS`, or its last long line breaks
    off mid-sentence with an ellipsis. Full texts that are only marked as paywalled are articles:
    sites serve them whole to crawlers and hide them in the browser.
    """
    if not (not_free or prompt_seen):
        return False
    if units < TEASER_MAX_UNITS:
        return True
    for line in reversed(lines):
        if _ELLIPSIS_RE.search(line):
            return True
        if len(line) >= TEASER_TAIL_MAX_CHARS:
            return False
    return False
