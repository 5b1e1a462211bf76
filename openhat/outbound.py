"""The addresses behind the host names openhat itself calls (an application's API through
the proxy, webhook receivers): both refuse hosts that resolve to non-public addresses, and
check every address a name resolves to, not only the first."""

from __future__ import annotations

import ipaddress
import socket

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve(host: str, port: int) -> list[tuple[str, Address]]:
    """Every address `host` resolves to: as the resolver gives it (an IPv6 scope included,
    for connecting) and parsed (for checking). Raises LookupError when it does not
    resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise LookupError(host) from None
    found = [str(info[4][0]) for info in infos]
    return [(raw, ipaddress.ip_address(raw.split("%")[0])) for raw in found]
