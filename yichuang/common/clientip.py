"""The client's address, believed from ``X-Forwarded-For`` only as far as trusted proxies wrote it.

Every counter keyed by address (the API's throttles, the tracking page, django-axes' lockout), the
audit trail's security events and the log lines that name a client use :func:`client_address`, so
one setting decides for all of them (issue 15: a made-up ``X-Forwarded-For`` on each request gave
every request a fresh address and no limit ever held).

``YICHUANG_TRUSTED_PROXIES`` says who may speak for the client:

- unset or empty: nobody. The address is the TCP peer's (``REMOTE_ADDR``); headers are ignored.
  Right for ``make run`` and for a server the clients reach directly.
- a number N: the request passed through exactly N proxies of ours, each appending (or, like our
  nginx, setting) ``X-Forwarded-For``. The client is the N-th address counted from the right of
  ``X-Forwarded-For`` + the peer — what our own first proxy saw; anything further left was written
  by the client and is ignored.
- addresses or networks, comma-separated (``127.0.0.1, 10.0.0.0/8``): walking from the peer to the
  left, every hop inside these networks is one of ours; the first address outside them is the
  client. A peer outside them is the client itself, whatever headers it sent.

An entry that is not an address (a hop wrote garbage, or an ``unknown``) ends the walk: the last
address a trusted hop vouched for is used, so garbage never becomes a fresh identity.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Where the answer is kept on the request (computed once per request).
_META_KEY = "yichuang.client_address"


@dataclass(frozen=True)
class TrustedProxies:
    """How many hops of ours stand before the app (``count``), or which networks they are in."""

    count: int = 0
    networks: tuple[Network, ...] = ()

    @property
    def none(self) -> bool:
        return self.count == 0 and not self.networks


@functools.lru_cache(maxsize=8)
def parse_trusted_proxies(raw: str | int | None) -> TrustedProxies:
    """``""`` → none, ``"2"`` → two hops, ``"127.0.0.1,10.0.0.0/8"`` → those networks;
    ``ImproperlyConfigured`` naming the setting for anything else."""
    if raw is None:
        return TrustedProxies()
    text = str(raw) if isinstance(raw, int) else raw.strip()
    if text == "" or text == "0":
        return TrustedProxies()
    if text.isdigit():
        return TrustedProxies(count=int(text))
    networks: list[Network] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"YICHUANG_TRUSTED_PROXIES 应为代理层数或以逗号分隔的地址/网段，{part!r} 不是地址。"
                f"YICHUANG_TRUSTED_PROXIES must be a number of proxies or comma-separated addresses or "
                f"networks, got {part!r}."
            ) from exc
    return TrustedProxies(networks=tuple(networks))


def _address(text: str) -> str | None:
    """The address in one hop's entry (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``::1``), or None."""
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has at least two colons
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def resolve(peer: str, forwarded_for: str, trusted: TrustedProxies) -> str:
    """The client's address given the peer, its ``X-Forwarded-For`` and who is trusted (pure)."""
    peer_address = _address(peer) or peer.strip()
    if trusted.none or not forwarded_for.strip():
        return peer_address
    # The hops as our side saw them, nearest last: what the proxies wrote, then the peer itself.
    hops = [part for part in forwarded_for.split(",") if part.strip()] + [peer_address]
    if trusted.count:
        # Only the rightmost ``count`` entries of the header were written by our proxies.
        reach = min(trusted.count, len(hops) - 1)
        chosen = peer_address
        for entry in reversed(hops[len(hops) - 1 - reach : -1]):
            address = _address(entry)
            if address is None:
                break
            chosen = address
        return chosen
    chosen = peer_address
    if _address(peer_address) is None or not _trusted(peer_address, trusted.networks):
        return peer_address
    for entry in reversed(hops[:-1]):
        address = _address(entry)
        if address is None:
            return chosen
        chosen = address
        if not _trusted(address, trusted.networks):
            return address
    return chosen


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip.version == network.version and ip in network for network in networks)


def client_address(request: Any) -> str:
    """The client's address for ``request`` (Django's or DRF's), by ``YICHUANG_TRUSTED_PROXIES``.

    Also django-axes' ``AXES_CLIENT_IP_CALLABLE``. ``""`` without a request."""
    if request is None:
        return ""
    meta = getattr(request, "META", None)
    if meta is None:
        return ""
    known = meta.get(_META_KEY)
    if isinstance(known, str):
        return known
    from django.conf import settings

    trusted = parse_trusted_proxies(getattr(settings, "YICHUANG_TRUSTED_PROXIES", ""))
    answer = resolve(str(meta.get("REMOTE_ADDR") or ""), str(meta.get("HTTP_X_FORWARDED_FOR") or ""), trusted)
    answer = answer[:45]  # the longest IPv6 text; the columns that keep it are this wide
    meta[_META_KEY] = answer
    return answer
