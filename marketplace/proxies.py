"""The client's address, as the proxies in front of the app report it.

Behind a load balancer REMOTE_ADDR is the balancer's for every client, so
the log-in lockout (django-axes) would lock a username out for everybody.
Each proxy in front appends the address it received the request from to
X-Forwarded-For, so with TRUSTED_PROXIES of them the client's address is the
TRUSTED_PROXIES-th entry from the right. Entries to the left of it were
written by the client and are not trusted: a client can't step around a
lockout by sending its own header. With TRUSTED_PROXIES=0 (the default,
nothing in front) the header is ignored. This trusts the header only if
clients cannot reach the app except through those proxies (firewall the
app's port).

An entry may carry a port ("198.51.100.9:4711", "[2001:db8::1]:443"); it is
dropped. An entry that is not an address falls back to REMOTE_ADDR. An IPv6
address counts as its /64 (one home or server usually has a whole /64, so
its addresses are one client to the lockout).
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    trusted = settings.TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < trusted:
        # Fewer entries than proxies: the request did not come through all
        # of them (or one is misconfigured). Nothing in the header is ours.
        return remote
    return _address(forwarded[-trusted]) or remote


def _address(text) -> str | None:
    """The address in ``text`` without a port, an IPv6 one as its /64; None
    if it is not an address."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text.startswith("["):  # [IPv6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # IPv4:port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)
