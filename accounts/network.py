"""The client's address, as the portal trusts it: one rule for the audit trail and the sign-in
limits.

Behind ``TRUSTED_PROXY_COUNT`` proxies of our own (each appending the address it received the
request from to ``X-Forwarded-For``), the client is the address the outermost trusted proxy saw:
the N-th value from the right. Whatever a client writes further left is its own claim and is
ignored. With no trusted proxy the header is ignored altogether and the TCP peer
(``REMOTE_ADDR``) is the client. A header shorter than the proxies we trust, or a value that is
not an IP address, is never an error: the peer address is used instead.
"""

import ipaddress

from django.conf import settings


def _address(value: str) -> str | None:
    """``value`` as a normalised IP address (ports and IPv6 brackets removed), or None."""
    value = value.strip()
    if value.startswith("["):  # [2001:db8::1]:443
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request) -> str | None:
    peer = _address(request.META.get("REMOTE_ADDR", "") or "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.headers.get("X-Forwarded-For", "")
    if proxies <= 0 or not forwarded:
        return peer
    hops = forwarded.split(",")
    if len(hops) < proxies:
        return peer
    return _address(hops[-proxies]) or peer
