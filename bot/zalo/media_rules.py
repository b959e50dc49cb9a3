"""Where a Zalo photo may be copied from, and how hard to try: no network library needed,
so that loading the Zalo transport does not load the one the copier uses."""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass, field
from datetime import timedelta

from yarl import URL

from bot.settings import ZALO_MEDIA_HOSTS

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """A link the copier will not follow: never worth another try."""


class TooLarge(Exception):
    """Larger than the cap: never worth another try."""


@dataclass(frozen=True)
class Reach:
    """Where photos may be fetched from.

    `hosts` are names whose subdomains count too. `allowed_addresses` and `allow_http` let a
    test reach its servers on loopback; in production they stay empty and false.
    """

    hosts: tuple[str, ...] = ZALO_MEDIA_HOSTS
    allowed_addresses: frozenset[Address] = frozenset()
    allow_http: bool = False
    max_redirects: int = 3

    def check_url(self, url: URL | str) -> None:
        url = URL(url)
        if url.scheme != "https" and not (self.allow_http and url.scheme == "http"):
            raise Refused("not https")
        host = (url.host or "").rstrip(".").lower()
        if not host:
            raise Refused("no host")
        if not any(host == name or host.endswith("." + name) for name in self.hosts):
            raise Refused("host not allowed")
        # aiohttp connects to an address literal without asking the resolver.
        with contextlib.suppress(ValueError):
            self.check_address(ipaddress.ip_address(host))

    def check_address(self, address: Address) -> None:
        if address not in self.allowed_addresses and not is_public(address):
            raise Refused("address not public")


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int = 10 * 1024 * 1024
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=10)
    max_backoff: timedelta = timedelta(minutes=30)
    lease: timedelta = timedelta(minutes=5)
    # For the whole download, redirects included: a server trickling bytes ends here.
    deadline: float = 30.0
    concurrency: int = 4
    batch: int = 10
    idle_seconds: float = 5.0
    reach: Reach = field(default_factory=Reach)

    def backoff(self, attempts: int) -> timedelta:
        return min(self.first_backoff * (1 << max(attempts - 1, 0)), self.max_backoff)
