"""The client's address, as the proxies in front of the app report it.

Behind a load balancer REMOTE_ADDR is the balancer's for every client, so
the log-in lockout (django-axes) would lock a username out for everybody.
Each proxy in front appends the address it received the request from to
X-Forwarded-For, so with TRUSTED_PROXIES of them the client's address is the
TRUSTED_PROXIES-th entry from the right. Entries to the left of it were
written by the client and are not trusted: a client can't step around a
lockout by sending its own header. With TRUSTED_PROXIES=0 (the default,
nothing in front) the header is ignored.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
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
    return forwarded[-trusted]
