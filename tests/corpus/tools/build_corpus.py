#!/usr/bin/env python3
"""Write tests/corpus/pages/<lang>/<slug>.html + .json from the texts in ``content.py``.

Each article is rendered through one of several site templates modelled on common real-world
page structures (WordPress with Yoast JSON-LD, Next.js with hashed class names, old table layouts
in legacy encodings, <div>/<br> bodies, figure captions, tables of contents, paywalls, live blogs,
very short items, inline "read more" teasers). The gold ``body`` is the article text a person
would keep: paragraphs and subheadings, one per line; no title, byline, dates, captions, lists of
other headlines, share/follow prompts, paywall notices or copyright lines. ``boilerplate`` lists
snippets of those that must not appear in an extracted body.

Run: python tests/corpus/tools/build_corpus.py   (deterministic; rewrites the pages)
"""

from __future__ import annotations

import html
import json
import random
import sys
import zlib
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from content import ARTICLES, BOILER, NON_ARTICLES

OUT = Path(__file__).resolve().parent.parent / "pages"
LANG = {"ja": "ja", "zh-hant": "zh", "zh-hans": "zh", "ko": "ko", "en": "en", "de": "de"}
LANG_TAG = {
    "ja": "ja",
    "zh-hant": "zh-Hant-TW",
    "zh-hans": "zh-CN",
    "ko": "ko",
    "en": "en",
    "de": "de",
}
LEGACY = {
    "ja": ("cp932", "Shift_JIS"),
    "zh-hant": ("big5hkscs", "Big5"),
    "zh-hans": ("gb18030", "GB2312"),
    "ko": ("cp949", "EUC-KR"),
    "en": ("cp1252", "windows-1252"),
    "de": ("cp1252", "ISO-8859-1"),
}
e = html.escape


def date_text(d: str, when: datetime, *, with_time: bool = True) -> str:
    t = f" {when:%H:%M}" if with_time else ""
    if d == "ja":
        return f"{when.year}年{when.month}月{when.day}日{t}"
    if d in ("zh-hant", "zh-hans"):
        return f"{when:%Y/%m/%d}{t}"
    if d == "ko":
        return f"{when:%Y.%m.%d}{t}"
    if d == "de":
        return f"{when:%d.%m.%Y}{', ' + format(when, '%H:%M') + ' Uhr' if with_time else ''}"
    return (
        f"{when:%B} {when.day}, {when.year}{', ' + format(when, '%I:%M %p') if with_time else ''}"
    )


def byline(d: str, authors: list[str]) -> str:
    if not authors:
        return ""
    if d == "ja":
        return "文・" + "、".join(authors)
    if d == "zh-hant":
        return "記者" + "、".join(authors) + "／綜合報導"
    if d == "zh-hans":
        return "记者 " + " ".join(authors)
    if d == "ko":
        return " · ".join(a + " 기자" for a in authors)
    if d == "de":
        return "Von " + " und ".join(authors)
    return "By " + " and ".join(authors)


def para_html(paras: list[str], p_attr: str = "", h_tag: str = "h2", h_attr: str = "") -> list[str]:
    out = []
    for p in paras:
        if p.startswith("## "):
            out.append(f"<{h_tag}{h_attr}>{e(p[3:])}</{h_tag}>")
        else:
            out.append(f"<p{p_attr}>{e(p)}</p>")
    return out


def links(items: list[str], li: str = "<li>", href: str = "/news/") -> str:
    end = "</" + li[1:].split()[0].rstrip(">") + ">"
    return "".join(
        f'{li}<a href="{href}{zlib.crc32(h.encode()) % 90000 + 10000}">{e(h)}</a>{end}'
        for h in items
    )


def head(a: dict, title_tag: str, extra: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{a.get("lang_attr", LANG_TAG[a["d"]])}">\n<head>\n<meta charset="{charset}">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{e(title_tag)}</title>\n{extra}</head>\n'
    )


def nav(b: dict, cls: str = "global-nav") -> str:
    return f'<nav class="{cls}"><ul>' + links(b["nav"], href="/section/") + "</ul></nav>"


def footer(b: dict, site: str) -> str:
    return (
        '<footer class="site-footer"><ul>' + links(b["footer"], href="/info/") + "</ul>"
        f'<p class="copyright">{e(b["copyright"].format(site=site))}</p></footer>'
    )


def jsonld(obj: dict) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>\n'


def person_list(authors: list[str]) -> list[dict]:
    return [{"@type": "Person", "name": n} for n in authors]


# --- templates: each returns (html text, extra boilerplate snippets, legacy encoding or None) ---


def t_wordpress(a, b, rng):
    when = datetime.fromisoformat(a["pub"])
    hl = rng.sample(b["headlines"], 9)
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "@id": f"https://{a['domain']}/#website", "name": a["site"]},
            {
                "@type": "Article",
                "headline": a["title"],
                "datePublished": a["pub"],
                "dateModified": a["pub"],
                "author": person_list(a["authors"])[0] if a["authors"] else None,
                "inLanguage": LANG_TAG[a["d"]],
            },
        ],
    }
    extra = (
        f'<meta property="og:type" content="article">\n<meta property="og:title" content="{e(a["title"])}">\n'
        f'<meta property="og:site_name" content="{e(a["site"])}">\n<meta property="article:published_time" content="{a["pub"]}">\n'
        f'<link rel="canonical" href="{a["url"]}">\n' + jsonld(graph)
    )
    body = para_html(a["paras"], h_tag="h2", h_attr=' class="wp-block-heading"')
    box = (
        f'<div class="wp-block-group is-style-box"><p><strong>{e(b["alt_related"])}</strong></p><ul>'
        + links(hl[:3])
        + "</ul></div>"
    )
    body.insert(2, box)
    share = (
        '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social">'
        f'<h3 class="sd-title">{e(b["share"])}</h3><div class="sd-content"><ul>'
        + "".join(
            f'<li><a class="share-{i}" href="#">{e(x)}</a></li>' for i, x in enumerate(b["buttons"])
        )
        + "</ul></div></div></div>"
    )
    related = (
        f'<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>{e(b["related"])}</em></h3>'
        '<div class="jp-relatedposts-items">'
        + "".join(
            f'<div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title"><a href="/p/{i}">{e(h)}</a></h4>'
            f'<p class="jp-relatedposts-post-date">{date_text(a["d"], when, with_time=False)}</p></div>'
            for i, h in enumerate(hl[3:6])
        )
        + "</div></div>"
    )
    page = (
        head(a, f"{a['title']} | {a['site']}", extra)
        + f'<body class="post-template-default single single-post">\n<div id="page" class="site">\n<header id="masthead" class="site-header">'
        f'<p class="site-title"><a href="/">{e(a["site"])}</a></p>{nav(b, "main-navigation")}</header>\n'
        '<div id="content" class="site-content"><main id="main" class="site-main">\n<article id="post-1234" class="post-1234 post type-post status-publish">\n'
        f'<header class="entry-header"><h1 class="entry-title">{e(a["title"])}</h1>\n<div class="entry-meta"><span class="posted-on">'
        f'<time class="entry-date published" datetime="{a["pub"]}">{date_text(a["d"], when)}</time></span>'
        + (
            f' <span class="byline"><span class="author vcard"><a class="url fn n" href="/author/x/">{e(a["authors"][0])}</a></span></span>'
            if a["authors"]
            else ""
        )
        + '</div></header>\n<div class="entry-content">\n'
        + "\n".join(body)
        + "\n"
        + share
        + "\n"
        + related
        + "\n</div>\n"
        f'<footer class="entry-footer"><span class="cat-links"><a href="/category/news/" rel="category tag">{e(b["nav"][1])}</a></span></footer>\n</article>\n'
        f'<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries"><h2 class="widget-title">{e(b["latest"])}</h2><ul>'
        + links(hl[6:9])
        + "</ul></section></aside>\n</main></div>\n"
        + footer(b, a["site"])
        + "\n</div>\n</body>\n</html>\n"
    )
    return page, [*hl, b["share"], b["alt_related"]], None


def t_nextjs(a, b, rng):
    when = datetime.fromisoformat(a["pub"])
    hl = rng.sample(b["headlines"], 10)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a["title"],
        "datePublished": a["pub"],
        "dateModified": a["pub"],
        "author": person_list(a["authors"]),
        "publisher": {"@type": "NewsMediaOrganization", "name": a["site"]},
        "mainEntityOfPage": a["url"],
        "image": [f"https://{a['domain']}/img/lead.jpg"],
        "articleSection": b["nav"][2],
    }
    extra = (
        f'<meta property="og:title" content="{e(a["title"])} - {e(a["site"])}">\n<meta property="og:type" content="article">\n'
        f'<meta property="og:image" content="https://{a["domain"]}/img/lead.jpg">\n<meta name="description" content="{e(a["paras"][0][:80])}">\n'
        + jsonld(ld)
        + '<link rel="preload" href="/_next/static/chunks/main.js" as="script">\n'
    )
    ps = para_html(
        a["paras"],
        p_attr=' class="css-1t9ctv3 e1x2p0"',
        h_tag="h2",
        h_attr=' class="css-x1h2 e1x2h0"',
    )
    latest = (
        f'<div class="css-9k1zq3 e7h2s0"><h3 class="css-1oy3p2">{e(b["alt_latest"])}</h3><ul class="css-lh2f1w">'
        + "".join(
            f'<li class="css-0"><a class="css-3k2j1" href="/articles/{i}"><span class="css-t2q">{e(h)}</span></a>'
            f'<time class="css-tm">{(when.hour + i) % 24:02d}:{(7 * i) % 60:02d}</time></li>'
            for i, h in enumerate(hl[:6])
        )
        + "</ul></div>"
    )
    ps.insert(min(3, len(ps)), latest)
    ranking = (
        f'<section class="css-1r2s3t"><h2 class="css-rk">{e(b["ranking"])}</h2><ol class="css-ol">'
        + "".join(
            f'<li class="css-li"><span class="css-num">{i + 1}</span><a href="/articles/r{i}">{e(h)}</a></li>'
            for i, h in enumerate(hl[6:10])
        )
        + "</ol></section>"
    )
    by = byline(a["d"], a["authors"])
    page = (
        head(a, f"{a['title']} - {a['site']}", extra)
        + f'<body><div id="__next"><header class="css-hd1"><a class="css-logo" href="/">{e(a["site"])}</a>{nav(b, "css-nv2")}</header>\n'
        '<main class="css-mn3"><article class="css-1q2w3e e1art0">\n'
        f'<div class="css-h1w"><h1 class="css-ttl">{e(a["title"])}</h1><div class="css-meta"><span class="css-by">{e(by)}</span>'
        f'<time datetime="{a["pub"]}" class="css-dt">{date_text(a["d"], when)}</time></div></div>\n'
        '<div class="css-8k2j1h e1bdy0">\n' + "\n".join(ps) + "\n</div>\n"
        f'<div class="css-tg"><a href="/tag/1">{e(b["nav"][2])}</a><a href="/tag/2">{e(b["nav"][3])}</a></div>\n'
        + ranking
        + "\n</article></main>\n"
        + footer(b, a["site"])
        + "</div>\n"
        + '<script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"articleId":"a1"}},"page":"/articles/[id]"}</script>\n</body>\n</html>\n'
    )
    return page, [*hl, b["ranking"]], None


def t_table(a, b, rng):
    when = datetime.fromisoformat(a["pub"])
    hl = rng.sample(b["headlines"], 5)
    codec, label = LEGACY[a["d"]]
    sep = {"ja": "－", "zh-hant": " - ", "zh-hans": "_", "ko": " : ", "en": " - ", "de": " - "}[
        a["d"]
    ]
    body = []
    for p in a["paras"]:
        body.append(
            f"<b>■{e(p[3:])}</b>" if p.startswith("## ") else "　" * (a["d"] == "ja") + e(p)
        )
    page = (
        f'<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset={label}">\n<title>{e(a["title"])}{sep}{e(a["site"])}</title>\n</head>\n'
        '<body bgcolor="#FFFFFF" topmargin="0">\n<table width="760" border="0" cellspacing="0" cellpadding="0" align="center">\n'
        f'<tr><td colspan="2"><img src="/img/logo.gif" alt="{e(a["site"])}" width="300" height="60"></td></tr>\n'
        '<tr><td width="160" valign="top" bgcolor="#EEEEEE"><font size="2">'
        + "<br>".join(f'<a href="/{i}/index.html">{e(x)}</a>' for i, x in enumerate(b["nav"]))
        + "</font></td>\n"
        f'<td width="600" valign="top"><font size="4"><b>{e(a["title"])}</b></font><br>\n'
        f'<font size="2" color="#666666">{date_text(a["d"], when)}　{e(byline(a["d"], a["authors"]))}</font><hr size="1">\n'
        '<font size="3">' + "<br><br>\n".join(body) + "</font><br><br>\n"
        f'<table width="100%" border="0" cellpadding="3"><tr><td bgcolor="#DDDDDD"><b>{e(b["related"])}</b></td></tr>'
        '<tr><td><font size="2">'
        + "<br>\n".join(f'・<a href="/news/{i}.html">{e(h)}</a>' for i, h in enumerate(hl))
        + "</font></td></tr></table>\n"
        "</td></tr>\n"
        f'<tr><td colspan="2" align="center"><font size="1">{e(b["copyright"].format(site=a["site"]))}</font></td></tr>\n</table>\n</body>\n</html>\n'
    )
    return page, [*hl, b["copyright"].format(site=a["site"])], codec


def t_divbr(a, b, rng):
    when = datetime.fromisoformat(a["pub"])
    hl = rng.sample(b["headlines"], 10)
    charset = a.get("declare", "utf-8")
    extra = f'<meta property="og:title" content="{e(a["title"])}">\n<meta property="og:site_name" content="{e(a["site"])}">\n'
    parts = []
    for i, p in enumerate(a["paras"]):
        parts.append(f"<div>{e(p)}</div>" if i % 2 == 0 else f"{e(p)}<br><br>")
    ranking = (
        f'<div class="box-a"><div class="box-a__ttl">{e(b["alt_ranking"])}</div><div class="box-a__body">'
        + "".join(
            f'<div class="item"><span class="no">{i + 1}</span><a href="/article/{i}">{e(h)}</a></div>'
            for i, h in enumerate(hl[:5])
        )
        + "</div></div>"
    )
    more = (
        '<div class="list-b"><p class="list-b__head">'
        + e(b["alt_latest"])
        + "</p>"
        + "".join(
            f'<p><a href="/article/l{i}">{e(h)}</a> <span>{when.month}/{when.day}</span></p>'
            for i, h in enumerate(hl[5:10])
        )
        + "</div>"
    )
    by = byline(a["d"], a["authors"])
    page = (
        head(a, f"{a['title']}｜{a['site']}", extra, charset)
        + f'<body>\n<div id="wrap"><div id="header"><h2 class="logo"><a href="/">{e(a["site"])}</a></h2>{nav(b, "gnb")}</div>\n'
        f'<div id="container"><div id="content"><div class="article-head"><h1 class="tit">{e(a["title"])}</h1>'
        f'<span class="date">{date_text(a["d"], when)}</span>'
        + (f' <span class="writer">{e(by)}</span>' if by else "")
        + "</div>\n"
        '<div class="article-body" id="articleBody">\n'
        + "\n".join(parts)
        + "\n"
        + ranking
        + "\n"
        + more
        + "\n</div>\n"
        f'<div class="btns"><a href="#" class="btn-kakao">{e(b["buttons"][0])}</a><a href="#" class="btn-fb">{e(b["buttons"][1])}</a></div>\n'
        "</div></div>\n" + footer(b, a["site"]) + "</div>\n</body>\n</html>\n"
    )
    return page, [*hl, b["alt_ranking"], b["buttons"][0]], None


def t_figure(a, b, rng):
    when = datetime.fromisoformat(a["pub"])
    hl = rng.sample(b["headlines"], 5)
    extra = (
        f'<meta name="author" content="{e(", ".join(a["authors"]))}">\n' if a["authors"] else ""
    ) + (
        f'<meta property="og:title" content="{e(a["title"])}">\n<meta property="og:description" content="{e(a["paras"][0][:60])}">\n'
    )
    ps = para_html(a["paras"], h_tag="h3")
    figs = []
    for cap, credit in a.get("captions", []):
        figs.append(
            f'<figure class="photo"><img src="/img/{zlib.crc32(cap.encode()) % 999}.jpg" alt="{e(cap)}">'
            f"<figcaption>{e(cap)}{e(b['credit'].format(c=credit))}</figcaption></figure>"
        )
    for i, f in enumerate(figs):
        ps.insert(min(len(ps), 1 + 2 * i + i), f)
    most = (
        f'<aside class="c-aside"><p class="c-aside__title">{e(b["alt_ranking"])}</p><ol class="c-list c-list--numbered">'
        + links(hl)
        + "</ol></aside>"
    )
    ps.insert(len(ps) - 1, most)
    page = (
        head(a, f"{a['title']} | {a['site']}", extra)
        + f'<body class="article-page">\n<header class="l-header"><a class="logo" href="/">{e(a["site"])}</a>{nav(b)}</header>\n'
        f'<main class="l-main"><article class="p-article">\n<h1 class="p-article__title">{e(a["title"])}</h1>\n'
        f'<div class="p-article__meta"><time datetime="{a["pub"]}">{date_text(a["d"], when)}</time></div>\n'
        '<div class="p-article__body">\n'
        + "\n".join(ps)
        + "\n</div>\n</article></main>\n"
        + footer(b, a["site"])
        + "\n</body>\n</html>\n"
    )
    return page, [*hl, b["alt_ranking"]], None


def t_toc(a, b, rng):
    when = datetime.fromisoformat(a["pub"])
    hl = rng.sample(b["headlines"], 4)
    naive = when.strftime("%Y-%m-%d %H:%M")
    extra = (
        f'<meta property="og:type" content="article">\n<meta property="og:title" content="{e(a["title"])}">\n'
        f'<meta property="article:published_time" content="{naive}">\n'
        + (f'<meta name="author" content="{e(a["authors"][0])}">\n' if a["authors"] else "")
    )
    subs = [p[3:] for p in a["paras"] if p.startswith("## ")]
    toc = (
        f'<div id="toc_container" class="no_bullets"><p class="toc_title">{e(b["toc"])}</p><ul class="toc_list">'
        + "".join(
            f'<li><a href="#s{i}"><span class="toc_number">{i + 1}</span> {e(s)}</a></li>'
            for i, s in enumerate(subs)
        )
        + "</ul></div>"
    )
    ps, k = [], 0
    for p in a["paras"]:
        if p.startswith("## "):
            ps.append(f'<h2 id="s{k}"><span>{e(p[3:])}</span></h2>')
            k += 1
        else:
            ps.append(f"<p>{e(p)}</p>")
    ps.insert(1, toc)
    rel = f'<div class="post-bottom"><h4>{e(b["related"])}</h4><ul>' + links(hl) + "</ul></div>"
    follow = f'<p class="follow-cta">{e(b["follow"])}</p>'
    page = (
        head(a, f"{a['title']}｜{a['site']}", extra)
        + f'<body>\n<div class="container"><header>{nav(b)}</header>\n<div class="main-column"><div class="post">\n'
        f'<h1 class="post-title">{e(a["title"])}</h1><div class="post-date">{date_text(a["d"], when)}</div>\n'
        '<div class="post-body">\n'
        + "\n".join(ps)
        + "\n"
        + follow
        + "\n"
        + rel
        + "\n</div></div></div>\n"
        + footer(b, a["site"])
        + "\n</div>\n</body>\n</html>\n"
    )
    return page, [*hl, b["toc"], b["follow"]], None


def t_paywall(a, b, rng):
    when = datetime.fromisoformat(a["pub"])
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a["title"],
        "datePublished": a["pub"],
        "author": person_list(a["authors"]),
        "isAccessibleForFree": False,
        "hasPart": {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".article-premium",
        },
    }
    extra = f'<meta property="og:title" content="{e(a["title"])}｜{e(a["site"])}">\n' + jsonld(ld)
    n = 1200 + len(a["paras"][0])
    wall = (
        f'<div class="article-premium"><div class="premium-guide"><p class="premium-guide__lead">{e(b["paywall"].format(n=n))}</p>'
        f'<a class="btn btn--primary" href="/login">{e(b["login"])}</a> <a class="btn" href="/subscribe">{e(b["subscribe"])}</a></div></div>'
    )
    page = (
        head(a, f"{a['title']}：{a['site']}", extra)
        + f'<body>\n<header class="hdr">{nav(b)}</header>\n<div class="article-wrap"><article>\n<h1>{e(a["title"])}</h1>\n'
        f'<p class="meta"><span class="author">{e(byline(a["d"], a["authors"]))}</span> <span class="time">{date_text(a["d"], when)}</span></p>\n'
        '<div class="article-text">\n'
        + "\n".join(para_html(a["paras"]))
        + "\n</div>\n"
        + wall
        + "\n</article></div>\n"
        + footer(b, a["site"])
        + "\n</body>\n</html>\n"
    )
    return page, [b["paywall"].format(n=n), b["login"], b["subscribe"]], None


def t_liveblog(a, b, rng):
    ld = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": a["title"],
        "datePublished": a["pub"],
        "coverageStartTime": a["pub"],
        "author": [
            {"@type": "Organization" if "編集部" in x or "team" in x else "Person", "name": x}
            for x in a["authors"]
        ],
    }
    extra = f'<meta property="og:title" content="{e(a["title"])}">\n' + jsonld(ld)
    entries = "".join(
        f'<div class="live-entry" id="e{i}"><div class="live-entry__time"><time>{t}</time></div><h3 class="live-entry__title">{e(h)}</h3>'
        f'<div class="live-entry__body"><p>{e(x)}</p></div><div class="live-entry__share"><a href="#e{i}">{e(b["buttons"][-1])}</a></div></div>\n'
        for i, (t, h, x) in enumerate(a["entries"])
    )
    page = (
        head(a, f"{a['title']} | {a['site']}", extra)
        + f'<body>\n<header>{nav(b)}</header>\n<main><div class="live-header"><span class="live-badge">{e(b["live"])}</span><h1>{e(a["title"])}</h1></div>\n'
        '<div class="live-feed">\n'
        + entries
        + f'<button class="live-more">{e(b["more"])}</button></div>\n</main>\n'
        + footer(b, a["site"])
        + "\n</body>\n</html>\n"
    )
    return page, [b["buttons"][-1], b["more"]], None


def t_short(a, b, rng):
    when = datetime.fromisoformat(a["pub"])
    hl = rng.sample(b["headlines"], 6)
    extra = (
        f'<meta property="og:title" content="{e(a["title"])}">\n<meta property="og:type" content="article">\n'
        f'<meta property="article:published_time" content="{a["pub"]}">\n'
    )
    page = (
        head(a, f"{a['title']} | {a['site']}", extra)
        + f'<body>\n<header>{nav(b)}</header>\n<div class="wrapper"><div class="news-detail">\n<h1>{e(a["title"])}</h1>\n'
        f'<div class="date">{date_text(a["d"], when)}</div>\n'
        + "\n".join(para_html(a["paras"]))
        + f'\n<div class="sns"><span>{e(b["share"])}</span>'
        + "".join(f'<a href="#">{e(x)}</a>' for x in b["buttons"])
        + "</div>\n"
        f'<div class="news-list"><h2>{e(b["latest"])}</h2><ul>'
        + links(hl)
        + "</ul></div>\n</div></div>\n"
        + footer(b, a["site"])
        + "\n</body>\n</html>\n"
    )
    return page, [*hl, b["share"]], None


def t_readmore(a, b, rng):
    when = datetime.fromisoformat(a["pub"])
    hl = rng.sample(b["headlines"], 6)
    utc = when.astimezone(datetime.fromisoformat("2000-01-01T00:00:00+00:00").tzinfo).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    extra = (
        f'<meta property="og:title" content="{e(a["title"])}">\n<meta property="article:published_time" content="{utc}">\n'
        f'<meta name="twitter:card" content="summary_large_image">\n'
    )
    ps = para_html(a["paras"])
    ps.insert(
        2,
        f'<p class="read-also"><strong>{e(b["readmore"])}</strong> <a href="/n/1">{e(hl[0])}</a></p>',
    )
    ps.insert(4, f'<p><b>{e(b["readmore"])}</b><a href="/n/2">{e(hl[1])}</a></p>')
    ps.append(f"<p><em>{e(b['follow'])}</em></p>")
    ps.append(f'<p class="copy">{e(b["copyright"].format(site=a["site"]))}</p>')
    by = byline(a["d"], a["authors"])
    page = (
        head(a, f"{a['title']} | {a['site']}", extra)
        + f'<body>\n<header>{nav(b)}</header>\n<section id="article"><div class="headline"><h1>{e(a["title"])}</h1>'
        f'<div class="info"><span>{e(by)}</span> <span>{date_text(a["d"], when)}</span></div></div>\n<div id="article-view-content">\n'
        + "\n".join(ps)
        + "\n"
        + f'<div class="related-box"><strong>{e(b["alt_related"])}</strong>'
        + "".join(f'<a href="/n/r{i}">{e(h)}</a>' for i, h in enumerate(hl[2:6]))
        + "</div>\n</div></section>\n"
        + footer(b, a["site"])
        + "\n</body>\n</html>\n"
    )
    return page, [*hl, b["follow"], b["copyright"].format(site=a["site"])], None


def t_listing(p, b, rng, *, collection: bool = False):
    items = []
    for i in range(18):
        h = b["headlines"][i % len(b["headlines"])] + ("" if i < len(b["headlines"]) else f" ({i})")
        snippet = b["headlines"][(i + 3) % len(b["headlines"])] + "。"
        items.append(
            f'<li class="item"><a href="/news/{i}"><h3>{e(h)}</h3></a><p class="summary">{e(snippet)}</p><span class="date">2025/05/{i + 1:02d}</span></li>'
        )
    extra = (
        jsonld({"@context": "https://schema.org", "@type": "CollectionPage", "name": p["heading"]})
        if collection
        else ""
    )
    page = (
        head(p, f"{p['heading']} | {p['site']}", extra)
        + f'<body>\n<header>{nav(b)}</header>\n<main><h1>{e(p["heading"])}</h1>\n<ul class="list">'
        + "".join(items)
        + '</ul>\n<div class="pager"><a href="?page=2">2</a><a href="?page=3">3</a></div></main>\n'
        + footer(b, p["site"])
        + "\n</body>\n</html>\n"
    )
    return page


def t_error(p, b, rng):
    hl = b["headlines"][:5]
    page = (
        head(p, f"{p['heading']} | {p['site']}")
        + f'<body>\n<header>{nav(b)}</header>\n<main class="error"><h1>{e(p["heading"])}</h1>\n<p>404</p>\n'
        f'<div class="popular"><h2>{e(b["ranking"])}</h2><ul>'
        + links(hl)
        + "</ul></div></main>\n"
        + footer(b, p["site"])
        + "\n</body>\n</html>\n"
    )
    return page


TEMPLATES = {
    "wordpress": t_wordpress,
    "nextjs": t_nextjs,
    "table": t_table,
    "divbr": t_divbr,
    "figure": t_figure,
    "toc": t_toc,
    "paywall": t_paywall,
    "liveblog": t_liveblog,
    "short": t_short,
    "readmore": t_readmore,
}


def url_for(a: dict) -> str:
    when = datetime.fromisoformat(a["pub"])
    if a["t"] == "divbr":
        return f"https://www.{a['domain']}/{when:%Y/%m/%d}/{a['slug'].replace('_', '-')}/"
    return f"https://www.{a['domain']}/news/{a['slug'].replace('_', '-')}"


def gold_body(a: dict) -> str:
    if "entries" in a:
        return "\n".join(line for _, h, x in a["entries"] for line in (h, x))
    return "\n".join(p[3:] if p.startswith("## ") else p for p in a["paras"])


def main() -> None:
    for old in OUT.glob("*/*"):
        old.unlink()
    count = 0
    for a in ARTICLES:
        a = dict(a, url="")
        a["url"] = url_for(a)
        b = BOILER[a["d"]]
        rng = random.Random(a["slug"])
        page, snippets, codec = TEMPLATES[a["t"]](a, b, rng)
        data = page.encode(codec, errors="xmlcharrefreplace") if codec else page.encode("utf-8")
        gold = {
            "url": a["url"],
            "language": LANG[a["d"]],
            "title": a["title"],
            "body": gold_body(a),
            "authors": a["authors"],
            "published": a["pub"],
            "boilerplate": sorted(set(snippets)),
            "template": a["t"],
            "captions": [c for c, _ in a.get("captions", [])],
        }
        write(a["d"], a["slug"], data, gold)
        count += 1
    for p in NON_ARTICLES:
        b = BOILER[p["d"]]
        rng = random.Random(p["slug"])
        page = (
            t_error(p, b, rng)
            if p["t"] == "error"
            else t_listing(p, b, rng, collection=p["t"] == "collection")
        )
        gold = {
            "url": f"https://www.{p['domain']}{p['path']}",
            "language": LANG[p["d"]],
            "rejected": True,
            "template": p["t"],
        }
        write(p["d"], p["slug"], page.encode("utf-8"), gold)
        count += 1
    print(f"wrote {count} pages to {OUT}")


def write(d: str, slug: str, data: bytes, gold: dict) -> None:
    folder = OUT / d
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.html").write_bytes(data)
    (folder / f"{slug}.json").write_text(
        json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
