"""Which addresses the crawler may connect to, enforced where Scrapy resolves every host it connects to.

A feed, a sitemap, a redirect or a DNS answer can point the crawler at the internal network: the
cloud metadata service (169.254.169.254), databases, admin consoles (server-side request forgery).
Two checks refuse non-global addresses unless the source sets ``allow_private_networks: true``
(``NEWSFLOW_ALLOW_PRIVATE_NETWORKS``):

- :class:`crawler.fetch.middlewares.PrivateNetworkGuard` refuses a request early, before robots.txt,
  with a clear error (``private_address``);
- :class:`GuardedResolver`, Scrapy's ``TWISTED_DNS_RESOLVER``, checks the very address each
  connection is made to, literals included. A name that answers differently by the time Scrapy
  connects (DNS rebinding) is refused here, whatever the earlier check saw.

IPv6 forms that carry an IPv4 address are judged by that address: IPv4-mapped, -translated and
-compatible, NAT64 (``64:ff9b::a9fe:a9fe`` is the metadata address on IPv6-only subnets), 6to4 and
Teredo.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

LOGGER = logging.getLogger(__name__)

# Ranges whose last 32 bits are an IPv4 address (ipaddress knows mapped, 6to4 and Teredo itself).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 (SIIT)
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # RFC 4291, deprecated; :: and ::1 excepted
# RFC 8215 local-use NAT64: the operator picks where the IPv4 address sits, so it is refused whole
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
# Checked in this order; the first that applies names the range in messages.
_RANGES = (
    "loopback",
    "link_local",
    "private",
    "multicast",
    "unspecified",
    "reserved",
    "site_local",
)

_refused: dict[str, str] = {}  # host -> why GuardedResolver refused it (one crawl per process)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address stands for (Teredo: server and client), or none."""
    if ip.ipv4_mapped is not None:
        return (ip.ipv4_mapped,)
    if ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip.teredo is not None:
        return ip.teredo
    if ip in _NAT64 or ip in _IPV4_TRANSLATED or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return (ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF),)
    return ()


def _range(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """The non-global range ``ip`` is in, or None for a global unicast address."""
    for name in _RANGES:
        if getattr(ip, f"is_{name}", False):
            return name.replace("_", "-")
    if not ip.is_global:
        return "non-global"  # e.g. 100.64.0.0/10 shared address space
    return None


def blocked_reason(address: str) -> str | None:
    """Why ``address`` must not be connected to, as a sentence, or None for a global address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return f"{address} is in the local-use NAT64 prefix {_NAT64_LOCAL}"
        embedded = _embedded_ipv4(ip)
        for ipv4 in embedded:
            reason = _range(ipv4)
            if reason is not None:
                return f"{address} embeds {ipv4}, a {reason} address"
        if embedded and ip.teredo is None:
            return None  # a translation prefix: the IPv4 address is the one reached
    reason = _range(ip)
    return None if reason is None else f"{address} is a {reason} address"


def refusal(host: str) -> str | None:
    """Why :class:`GuardedResolver` refused to connect to ``host`` in this process, if it did."""
    return _refused.get(host)


class BlockedLookupError(DNSLookupError):
    """A host resolved to an address the source may not fetch."""


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver (IPv4, as Scrapy's default) that refuses non-global answers.

    Every connection Scrapy makes resolves its host here (IP literals too), so the address checked
    is the address connected to; answers from the cache are checked again on each use. A refused
    host fails as a DNS error, recorded as ``private_address`` (see :func:`refusal`).
    """

    allow_private = False  # fail-safe: only a source's explicit setting turns the check off

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        # Scrapy builds the resolver from the CrawlerProcess: its settings are the source's
        # (crawler.fetch.process.source_settings), one source per process.
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool("NEWSFLOW_ALLOW_PRIVATE_NETWORKS")
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        answer = super().getHostByName(name, timeout)
        if self.allow_private:
            return answer
        return answer.addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        reason = blocked_reason(address)
        if reason is None:
            return address
        if name not in _refused:
            LOGGER.warning(
                "refused to connect to %s: %s (allow_private_networks is off)", name, reason
            )
        _refused[name] = reason
        raise BlockedLookupError(f"{name}: {reason} (allow_private_networks is off)")
