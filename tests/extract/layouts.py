"""News pages generated from parameters: one article text and one list of 50 other articles'
headlines, laid out in many structurally different ways, in Japanese, Chinese, Korean and
English (the layout matrix of tests/extract/test_layout_matrix.py, also served as a site by
tests/test_pipeline.py).

A layout is a function of the article's paragraphs and the headline items that returns the
page's <main>: the forms headline lists take on real sites (runs of <p>, <br>-separated lines in
one block, <li>, <div>/<span> rows, table cells, <dl>, <article> cards), with or without bullets,
dates, times and counters, before, inside or after the body, under a heading or none. Each page
knows its gold: the paragraphs that must be in the body and the headlines that must not.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

LANGUAGES = ("ja", "zh", "ko", "en")
HEADLINES = 50


@dataclass(frozen=True, slots=True)
class Text:
    """One language's texts: a full article, a short brief, the list's headlines and headings."""

    site: str
    title: str
    paragraphs: tuple[str, ...]
    brief_title: str
    brief: tuple[str, ...]
    subjects: tuple[str, ...]  # 10 x 5 = the 50 headlines
    predicates: tuple[str, ...]
    joiner: str
    headings: tuple[str, ...]  # list headings ("Most read"), used in turn by the layouts
    menu: tuple[str, ...]


TEXTS = {
    "ja": Text(
        site="みなと新聞",
        title="市営バス、来春から全路線で運賃を改定へ 利用者減と燃料費高騰で",
        paragraphs=(
            "市交通局は二十四日、市営バスの運賃を来年四月から全路線で改定すると発表した。大人の初乗り"
            "運賃は現在の二百十円から二百三十円に引き上げられる。改定は消費税率の変更時を除けば約二十"
            "年ぶりとなる。",
            "交通局によると、利用者数は十年前と比べて約二割減少した。一方で燃料費や人件費は上昇を続けて"
            "おり、昨年度の赤字額は過去最大の十八億円に達した。局は経営努力だけでは路線の維持が難しい"
            "と説明している。",
            "新しい運賃制度では、小学生以下の子どもと七十歳以上の高齢者を対象とした割引を拡充する。通学"
            "定期券の価格は据え置き、家計への影響を抑える方針だ。ICカードで支払う場合は十円の割引も"
            "続ける。",
            "市民からは理解を示す声がある一方、反発も出ている。郊外の団地に住む女性は「通院に毎日使って"
            "いるので負担が重い。本数を減らさないでほしい」と話した。市議会の一部会派は値上げの再考を"
            "求めている。",
            "交通局は十二月に市内五か所で説明会を開き、市民の意見を聞いたうえで来年二月の市議会に条例"
            "改正案を提出する予定だ。局長は「路線網を守るための苦渋の判断だ。丁寧に説明していきたい」"
            "と述べた。",
        ),
        brief_title="関東で木枯らし一号 昨年より六日遅く",
        brief=(
            "気象庁は二十四日、関東地方で木枯らし一号が吹いたと発表した。昨年より六日遅い観測となった。"
            "週末にかけて冷たい北風が続く見込みで、体調管理に注意が必要だ。",
        ),
        subjects=(
            "東京都",
            "大阪府",
            "日銀",
            "トヨタ",
            "政府",
            "気象庁",
            "文科省",
            "ソニー",
            "札幌市",
            "福岡県",
        ),
        predicates=(
            "新たな支援策を発表",
            "来年度予算案を了承",
            "会見で方針転換を説明",
            "大雨への警戒を呼びかけ",
            "新施設の建設計画を公表",
        ),
        joiner="、",
        headings=("最新ニュース", "関連記事", "人気記事", "アクセスランキング"),
        menu=("トップ", "国内", "国際", "経済", "スポーツ"),
    ),
    "zh": Text(
        site="海港日报",
        title="市公交明年起全线调整票价 客流下降与燃料成本上涨",
        paragraphs=(
            "市交通局二十四日宣布，自明年四月起调整全市公交线路票价，成人起步价由现行的二元上调至二元"
            "五角。这是近二十年来首次全面调整公交票价。",
            "交通局表示，与十年前相比，公交客流减少约两成，而燃料和人工成本持续上升，去年亏损额达到历史"
            "最高的一亿八千万元。仅靠内部挖潜已难以维持现有线路。",
            "新的票价方案将扩大对儿童和七十岁以上老人的优惠，学生月票价格保持不变，以减轻家庭负担。使用"
            "交通卡乘车仍可享受一角的折扣。",
            "对于调价，市民意见不一。家住郊区的一位女士说：“我每天坐公交去医院，负担会加重，希望不要减少"
            "班次。”部分市人大代表也建议重新考虑涨价幅度。",
            "交通局计划于十二月在全市五个地点举行说明会，听取市民意见后，将于明年二月向市人大提交相关"
            "方案。局长表示，这是为了保住公交线网而作出的艰难决定。",
        ),
        brief_title="本市迎来今冬首场降雪 比去年晚六天",
        brief=(
            "市气象台二十四日发布消息，本市迎来今冬首场降雪，比去年晚六天。预计周末前仍有冷空气影响，"
            "气温将继续走低，请市民注意防寒保暖。",
        ),
        subjects=(
            "国务院",
            "上海市",
            "央行",
            "华为",
            "教育部",
            "深圳市",
            "气象台",
            "铁路局",
            "北京大学",
            "卫健委",
        ),
        predicates=(
            "发布新的扶持政策",
            "公布明年预算草案",
            "回应舆论关切问题",
            "提醒市民防范暴雨",
            "宣布新建项目计划",
        ),
        joiner="",
        headings=("推荐阅读", "热门", "相关新闻", "最新文章"),
        menu=("首页", "国内", "国际", "财经", "体育"),
    ),
    "ko": Text(
        site="항구일보",
        title="시내버스 내년부터 전 노선 요금 인상 이용객 감소·연료비 상승 탓",
        paragraphs=(
            "시 교통국은 24일 내년 4월부터 시내버스 전 노선의 요금을 인상한다고 발표했다. 성인 기본요금은 "
            "현재 1,200원에서 1,400원으로 오른다. 요금 조정은 약 20년 만이다.",
            "교통국에 따르면 버스 이용객은 10년 전보다 약 20% 줄었다. 반면 연료비와 인건비는 계속 올라 "
            "지난해 적자는 역대 최대인 180억 원에 달했다. 교통국은 자체 노력만으로는 노선 유지가 "
            "어렵다고 설명했다.",
            "새 요금 체계는 어린이와 70세 이상 노인에 대한 할인을 확대한다. 학생 정기권 가격은 동결해 "
            "가계 부담을 줄일 방침이다. 교통카드로 결제하면 100원 할인도 계속된다.",
            '시민들의 반응은 엇갈린다. 외곽 아파트 단지에 사는 한 여성은 "매일 병원에 다니느라 버스를 '
            '타는데 부담이 크다. 배차 간격만은 줄이지 말아 달라"고 말했다. 일부 시의원들은 인상 폭을 '
            "다시 검토해야 한다고 요구했다.",
            "교통국은 12월 시내 다섯 곳에서 설명회를 열어 시민 의견을 들은 뒤 내년 2월 시의회에 조례 "
            '개정안을 제출할 예정이다. 국장은 "노선망을 지키기 위한 어려운 결정"이라며 "충분히 '
            '설명하겠다"고 말했다.',
        ),
        brief_title="서울 첫 얼음 관측 평년보다 엿새 늦어",
        brief=(
            "기상청은 24일 서울에서 올가을 첫 얼음이 관측됐다고 밝혔다. 평년보다 엿새 늦은 것이다. "
            "주말까지 찬 바람이 이어질 전망이어서 건강 관리에 유의해야 한다.",
        ),
        subjects=(
            "서울시",
            "한국은행",
            "국토부",
            "삼성전자",
            "교육부",
            "부산시",
            "기상청",
            "경찰청",
            "서울대",
            "보건복지부",
        ),
        predicates=(
            "새 지원책 발표",
            "내년 예산안 확정",
            "정책 전환 배경 설명",
            "집중호우 대비 당부",
            "신규 시설 건립 계획 공개",
        ),
        joiner=", ",
        headings=("많이 본 뉴스", "관련기사", "최신 뉴스", "추천 기사"),
        menu=("홈", "정치", "경제", "사회", "스포츠"),
    ),
    "en": Text(
        site="Harbour Gazette",
        title="City buses to raise fares on every route next spring",
        paragraphs=(
            "The city transport office said on Monday that bus fares will rise on every route from "
            "April, with the basic adult fare going up from $2.10 to $2.30. It is the first general "
            "increase in almost twenty years.",
            "Ridership has fallen by about a fifth over the past decade, the office said, while fuel "
            "and wage costs kept climbing. Last year the bus network lost a record $18 million, and "
            "officials said savings alone could no longer keep every line running.",
            "Under the new scheme, discounts for children and for residents over seventy will be "
            "widened. The price of student season tickets stays the same, and riders paying by smart "
            "card will keep a ten-cent discount.",
            "Reaction was mixed. A woman from one of the suburban estates said she rides to the "
            'hospital every day and fears the extra cost. "Please do not cut the number of buses," '
            "she said. Several council members asked the office to reconsider the size of the rise.",
            "The office will hold public meetings at five places across the city in December and "
            "plans to put the proposal to the council in February. Its director called the rise a "
            "painful decision taken to protect the network.",
        ),
        brief_title="First frost of the season reported in the city",
        brief=(
            "The weather service said on Monday that the city recorded its first frost of the "
            "season, six days later than last year. Cold northerly winds are expected to continue "
            "through the weekend.",
        ),
        subjects=(
            "City council",
            "Central bank",
            "Harbour authority",
            "State university",
            "Regional hospital",
            "Transport minister",
            "Football club",
            "Weather service",
            "Tech startup",
            "Police chief",
        ),
        predicates=(
            "approves new budget for next year",
            "warns of delays on coastal routes",
            "opens inquiry into missing funds",
            "plans to hire 200 more staff",
            "defends decision after public outcry",
        ),
        joiner=" ",
        headings=("Most read", "Related", "Latest news", "Recommended"),
        menu=("Home", "World", "Business", "Sport", "Opinion"),
    ),
}


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of the headline list."""

    headline: str
    href: str
    date: str  # "2025.10.24"
    time: str  # "12:30"
    count: int  # a view or comment counter


@dataclass(frozen=True, slots=True)
class Page:
    """A generated page and its gold."""

    language: str
    layout: str
    short: bool
    url: str
    html: bytes
    title: str
    body: str  # gold: the paragraphs, one per line
    must: tuple[str, ...]  # every paragraph
    must_not: tuple[str, ...]  # every headline


def items(language: str) -> list[Item]:
    """The 50 headlines of other articles, with their links, dates, times and counters."""
    text = TEXTS[language]
    out = []
    for i in range(HEADLINES):
        subject = text.subjects[i % len(text.subjects)]
        predicate = text.predicates[i // len(text.subjects)]
        out.append(
            Item(
                headline=f"{subject}{text.joiner}{predicate}",
                href=f"/articles/{2000 + i}.html",
                date=f"2025.10.{24 - i % 20:02d}",
                time=f"{8 + i % 12:02d}:{(i * 7) % 60:02d}",
                count=1000 - 17 * i,
            )
        )
    return out


# --- Layouts: (title, paragraphs, items, heading) -> the page's <main> ---------------------------

Layout = Callable[[str, list[str], list[Item], str], str]
e = html.escape


def _h1(title: str) -> str:
    return f"<h1>{e(title)}</h1>"


def _paras(paragraphs: list[str]) -> str:
    return "".join(f"<p>{e(p)}</p>" for p in paragraphs)


def _link(item: Item) -> str:
    return f'<a href="{item.href}">{e(item.headline)}</a>'


def p_run_after(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """A run of <p><a> headlines after the body, in the body's own container, under an <h2>."""
    run = "".join(f"<p>{_link(i)}</p>" for i in its)
    return f"<div class='content'>{_h1(title)}{_paras(paragraphs)}<h2>{e(heading)}</h2>{run}</div>"


def br_block(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """Body and list in one block of <br>-separated lines; the list under a text-line heading."""
    body = "<br><br>".join(e(p) for p in paragraphs)
    run = "<br>".join(_link(i) for i in its)
    return f"{_h1(title)}<div class='text'>{body}<br><br>{e(heading)}<br>{run}<br></div>"


def br_plain_under_heading(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """<br>-separated lines in one block; the list's lines are unlinked (script-driven) with a
    bullet, under a ■ heading line."""
    body = "<br>".join(e(p) for p in paragraphs)
    run = "<br>".join(f"・{e(i.headline)}" for i in its)
    return f"{_h1(title)}<div>{body}<br><br>■{e(heading)}<br>{run}</div>"


def ul_after(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """<ul><li><a> after the body, in an <aside> without a class, under an <h3>."""
    lis = "".join(f"<li>{_link(i)}</li>" for i in its)
    return (
        f"<div>{_h1(title)}{_paras(paragraphs)}</div>"
        f"<aside><h3>{e(heading)}</h3><ul>{lis}</ul></aside>"
    )


def ol_ranking_before(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """A ranking before the body: <ol><li> with rank, link and view counter, no heading."""
    lis = "".join(
        f"<li><span>{n}</span> {_link(i)} <span>({i.count})</span></li>"
        for n, i in enumerate(its, 1)
    )
    return f"<div><ol>{lis}</ol></div><div>{_h1(title)}{_paras(paragraphs)}</div>"


def div_rows_dated(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """<div> rows of date + time + link after the body, under a <div> heading."""
    rows = "".join(f"<div><span>{i.date} {i.time}</span>{_link(i)}</div>" for i in its)
    return f"<div>{_h1(title)}{_paras(paragraphs)}<div><div>{e(heading)}</div>{rows}</div></div>"


def span_inline(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """One block of inline <span>s (laid out as rows by CSS only), a ■ bullet each, no heading."""
    spans = "".join(f"<span>■ {_link(i)}</span>" for i in its)
    return f"{_h1(title)}{_paras(paragraphs)}<div>{spans}</div>"


def table_cells(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """A <table> of date and headline cells after the body, its heading in a <th>."""
    rows = "".join(f"<tr><td>{i.date}</td><td>{_link(i)}</td></tr>" for i in its)
    return (
        f"{_h1(title)}{_paras(paragraphs)}"
        f"<table><tr><th colspan='2'>{e(heading)}</th></tr>{rows}</table>"
    )


def dl_list(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """A <dl> of <dt> time and <dd> headline after the body, under a <p><strong> heading."""
    pairs = "".join(f"<dt>{i.time}</dt><dd>{_link(i)}</dd>" for i in its)
    return f"{_h1(title)}{_paras(paragraphs)}<p><strong>{e(heading)}</strong></p><dl>{pairs}</dl>"


def bullets_inside(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """<p>▼ link</p> lines inside the body, between its paragraphs, under a 【heading】."""
    run = "".join(f"<p>▼{_link(i)}</p>" for i in its)
    half = len(paragraphs) // 2 or 1
    return (
        f"<div>{_h1(title)}{_paras(paragraphs[:half])}<p>【{e(heading)}】</p>{run}"
        f"{_paras(paragraphs[half:])}</div>"
    )


def ticker_before(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """Dated <li> lines before the headline and body, "-" bullets, no heading."""
    lis = "".join(f"<li>- {i.date} {_link(i)}</li>" for i in its)
    return f"<ul>{lis}</ul>{_h1(title)}{_paras(paragraphs)}"


def cards(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """<article> cards (<h3><a> and <time>) after the body, under an <h2>."""
    cs = "".join(
        f"<article><h3>{_link(i)}</h3><time datetime='2025-10-24'>{i.date}</time></article>"
        for i in its
    )
    return (
        f"<div>{_h1(title)}{_paras(paragraphs)}</div><section><h2>{e(heading)}</h2>{cs}</section>"
    )


def br_dated_after(title: str, paragraphs: list[str], its: list[Item], heading: str) -> str:
    """The body's last <p> goes on with <br>-lines of "• date link", no heading."""
    lines = "<br>".join(f"• {i.date[5:]} {_link(i)}" for i in its)
    last = e(paragraphs[-1])
    return f"{_h1(title)}{_paras(paragraphs[:-1])}<p>{last}<br><br>{lines}</p>"


def divs_with_teaser_counts(
    title: str, paragraphs: list[str], its: list[Item], heading: str
) -> str:
    """Nested <div> items (link, then a comment counter and a time in their own <div>s) after
    the body, under an <h4>."""
    rows = "".join(
        f"<div><div>{_link(i)}</div><div><span>{i.count}</span> <span>{i.time}</span></div></div>"
        for i in its
    )
    return f"<div>{_h1(title)}{_paras(paragraphs)}</div><div><h4>{e(heading)}</h4>{rows}</div>"


LAYOUTS: dict[str, Layout] = {
    f.__name__: f
    for f in (
        p_run_after,
        br_block,
        br_plain_under_heading,
        ul_after,
        ol_ranking_before,
        div_rows_dated,
        span_inline,
        table_cells,
        dl_list,
        bullets_inside,
        ticker_before,
        cards,
        br_dated_after,
        divs_with_teaser_counts,
    )
}


def page(
    language: str, layout: str, *, short: bool = False, number: int = 1, variant: int = 0
) -> Page:
    """The article (or, ``short``, the brief) of ``language`` with the headline list laid out by
    ``layout``, in a site's frame (menu, footer), with no article metadata at all.

    ``variant`` k > 0 makes a short page's brief the article's k-th paragraph (two or three
    sentences too): a site of distinct briefs."""
    text = TEXTS[language]
    title = text.brief_title if short else text.title
    paragraphs = list(text.brief if short else text.paragraphs)
    if short and variant:
        title = f"{title} ({variant})"
        paragraphs = [text.paragraphs[(variant - 1) % len(text.paragraphs)]]
    heading = text.headings[list(LAYOUTS).index(layout) % len(text.headings)]
    main = LAYOUTS[layout](title, paragraphs, items(language), heading)
    menu = "".join(f'<li><a href="/{n}/">{e(m)}</a></li>' for n, m in enumerate(text.menu))
    url = f"https://{language}.news.example/articles/{number}.html"
    document = (
        f"<!DOCTYPE html><html lang='{language}'><head><meta charset='utf-8'>"
        f"<title>{e(title)} | {e(text.site)}</title></head><body>"
        f"<header><a href='/'>{e(text.site)}</a><nav><ul>{menu}</ul></nav></header>"
        f"<main>{main}</main><footer><p>© 2025 {e(text.site)}</p></footer></body></html>"
    )
    return Page(
        language=language,
        layout=layout,
        short=short,
        url=url,
        html=document.encode(),
        title=title,
        body="\n".join(paragraphs),
        must=tuple(paragraphs),
        must_not=(heading, *(i.headline for i in items(language))),
    )
