"""Scrapy settings for newsflow; every deviation from Scrapy's default says why.

Per-source politeness (``download_delay``, ``concurrency``) is applied on top of these by
:func:`crawler.fetch.process.source_settings`.
"""

from __future__ import annotations

from crawler.fetch import discover as _discover  # a module: Scrapy takes every UPPER name here

BOT_NAME = "newsflow"
SPIDER_MODULES = ["crawler.fetch.spiders"]
NEWSPIDER_MODULE = "crawler.fetch.spiders"

# An honest User-Agent naming the project; the contact URL comes from NEWSFLOW_CONTACT_URL.
USER_AGENT = "newsflow/0.1 (+https://github.com/newsflow/newsflow)"  # default "Scrapy/VERSION (+https://scrapy.org)"

ROBOTSTXT_OBEY = True  # default False: news sites' robots.txt is a promise we keep
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"  # the default, named for clarity

AUTOTHROTTLE_ENABLED = True  # default False: adapt the pace to each site's latency
AUTOTHROTTLE_START_DELAY = 1.0  # default 5.0: sources may lower or raise it with download_delay
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0  # default 1.0: two parallel requests per site is still gentle
AUTOTHROTTLE_MAX_DELAY = 30.0  # default 60.0: a site slower than that is failing, not busy

CONCURRENT_REQUESTS = 16  # the default; one crawl process serves one source
CONCURRENT_REQUESTS_PER_DOMAIN = 4  # default 8: per-site politeness
DOWNLOAD_DELAY = 0.25  # default 0: AutoThrottle never goes below this
# default 100: Scrapy starts that many asyncio workers for each callback's output; ours yield one
# item per page, and 100 tasks per response were the crawl child's biggest CPU cost
CONCURRENT_ITEMS = 4

DOWNLOAD_TIMEOUT = 30  # default 180: a news page that takes 30 s is an error worth recording
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # default 1 GiB: no article page is bigger than 10 MB
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024  # default 32 MiB
REDIRECT_MAX_TIMES = 5  # default 20: longer chains are loops or traps
RETRY_TIMES = 2  # the default: initial request + 2 retries
DOWNLOAD_FAIL_ON_DATALOSS = True  # the default, named: a truncated page is an error, not an article
COOKIES_ENABLED = False  # default True: articles are public, and cookies make crawls stateful

# Web pages only (default: also data:, file:, ftp: and s3:). A feed or listing naming a file: URL
# would read the worker's own disk, and s3: would sign requests with the worker's AWS credentials
# if botocore is installed; the spider drops such URLs as well (crawler.fetch.urls.is_http_url).
DOWNLOAD_HANDLERS = {"data": None, "file": None, "ftp": None, "s3": None}
# default scrapy.resolver.CachingThreadedResolver: ours refuses non-global answers, so the address
# each connection is made to is checked (crawler/fetch/network.py), not only the name beforehand
TWISTED_DNS_RESOLVER = "crawler.fetch.network.GuardedResolver"
# Ours: fetch private, loopback and link-local addresses (a source's allow_private_networks).
NEWSFLOW_ALLOW_PRIVATE_NETWORKS = False

# Bounds of one crawl; each source may set its own (crawler/sources.py, max_* keys). A crawl that
# reaches one stops, says so in crawl_runs.message, and keeps no feed or sitemap validators, so the
# next run reads them in full and goes on where this one stopped.
NEWSFLOW_MAX_ARTICLES = 2_000  # Ours: article requests per run (revisits and retries included)
# Ours: distinct candidate URLs per run, read from feeds, sitemaps and listings
NEWSFLOW_MAX_DISCOVERED = 50_000
# default 0 (none): seconds; a daily crawl must end well within its day
CLOSESPIDER_TIMEOUT = 2 * 3600
MEMUSAGE_ENABLED = True  # the default, named: the limit below needs it
MEMUSAGE_LIMIT_MB = 1_024  # default 0 (none): the crawl process's own peak RSS (MemoryUsage below)

TELNETCONSOLE_ENABLED = False  # default True: no open console port on workers
REMOTE_CONTROL_ENABLED = False  # default True (Scrapy 2.19): no code-running HTTP port either
LOG_LEVEL = "INFO"  # default DEBUG: one line per request is too much for task logs

# Ours (crawler/middlewares.py); lower numbers see requests first, higher ones responses first.
DOWNLOADER_MIDDLEWARES = {
    "crawler.fetch.middlewares.PrivateNetworkGuard": 50,  # before robots.txt: no request to a private address at all
    "crawler.fetch.middlewares.CrawlDelayMiddleware": 110,  # after RobotsTxtMiddleware (100) has read robots.txt
    "crawler.fetch.middlewares.RetryAfterMiddleware": 560,  # sees 429/503 before RetryMiddleware (550) retries
    # Scrapy's, in its place, with a cheap byte check first (see the class)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.fetch.middlewares.MetaRefreshMiddleware": 580,
}
# Scrapy's spider middlewares we have no use for, each a cost on every request: depth tracking
# (listing hops are counted by the spider, meta "hops") and Referer headers (nothing to tell a
# news site). Together ~5 % of the crawl child's CPU on a 2,000-page crawl.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
}
EXTENSIONS = {
    "crawler.fetch.middlewares.ContentTypeGuard": 500,  # aborts non-HTML article downloads at the headers
    # Scrapy's counts the memory of the process that started the crawl too (see the class)
    "scrapy.extensions.memusage.MemoryUsage": None,
    "crawler.fetch.middlewares.MemoryUsage": 0,
}
# Ours: Scrapy extensions taken out of EXTENSIONS_BASE (crawler.fetch.process.source_settings), not just
# switched off: Scrapy imports every extension it lists, even one set to None in EXTENSIONS, and
# RemoteControl's module imports aiohttp, ~0.2 s of CPU before each crawl's first request.
NEWSFLOW_UNLOADED_EXTENSIONS = ("scrapy.extensions.remote_control.RemoteControl",)
# Ours: the longest Crawl-delay or Retry-After we honour; a longer Retry-After is not retried this run.
NEWSFLOW_MAX_POLITENESS_DELAY = 60.0
# Ours: size limit of feeds and sitemaps (the sitemaps.org limit), also after decompression.
NEWSFLOW_DISCOVERY_MAXSIZE = _discover.MAX_SITEMAP_BYTES

ITEM_PIPELINES = {
    "crawler.fetch.pipelines.StorePipeline": 300,
}

FEED_EXPORT_ENCODING = "utf-8"
