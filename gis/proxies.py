"""X-Forwarded-* honoured only from the reverse proxies the settings name (`trusted_proxies`).

A client talking to the app directly could otherwise point every absolute URL the app writes (links,
TileJSON, the cached map style) at another host. From a trusted peer, werkzeug's ProxyFix applies the
headers (one hop each: For, Proto, Host, Prefix); from anyone else they are dropped before the app
sees them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
              "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED")  # fmt: skip


def parse_networks(cidrs: Sequence[str]) -> tuple[Network, ...]:
    """Networks from CIDR strings ('10.0.0.0/8', '127.0.0.1'); ValueError naming a bad one."""
    out = []
    for text in cidrs:
        try:
            out.append(ipaddress.ip_network(str(text).strip(), strict=False))
        except ValueError:
            raise ValueError(f"trusted_proxies: {text!r} is not an IP address or CIDR network") from None
    return tuple(out)


class TrustedProxies:
    """WSGI middleware: ProxyFix for requests from `networks`, forwarded headers stripped otherwise."""

    def __init__(self, app: Callable[..., Iterable[bytes]], networks: Sequence[Network]):
        self.app = app
        self.networks = tuple(networks)
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)  # type: ignore[arg-type]

    def _trusted(self, peer: str | None) -> bool:
        if not peer or not self.networks:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in net for net in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self._trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        for key in _FORWARDED:
            environ.pop(key, None)
        return self.app(environ, start_response)
