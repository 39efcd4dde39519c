"""Services the site can do without for a while: the Celery broker (e-mails
wait in the outbox) and the rate-limit cache (limits step aside).

When one fails, this process stops asking it for ``OUTAGE_BACKOFF_SECONDS``:
every call to Redis is bounded by a socket timeout, but a request should not
pay that timeout again and again during an outage. The failure is logged once
per interval, not once per request, as one line under the logger
``outage.<service>``, and the first success afterwards once more, so a log
search counts outages and their lengths rather than requests.
"""

import logging
import threading
import time

from django.conf import settings


class Outage:
    """The state of one service as this process last saw it."""

    def __init__(self, service, *, consequence):
        self.service = service
        self.consequence = consequence
        self.logger = logging.getLogger(f"outage.{service}")
        self._lock = threading.Lock()
        self._reset()

    def _reset(self):
        self.down_until = 0.0
        self.down_since = None

    def reset(self):
        with self._lock:
            self._reset()

    def skip(self) -> bool:
        """True while the service is in its back-off: do not try it."""
        return time.monotonic() < self.down_until

    def failed(self, error):
        """Start the back-off and log it, unless a request that failed at the
        same time already did (all the requests in flight when a service
        hangs time out together)."""
        now = time.monotonic()
        seconds = settings.OUTAGE_BACKOFF_SECONDS
        with self._lock:
            if now < self.down_until:
                return
            self.down_until = now + seconds
            if self.down_since is None:
                self.down_since = now
        self.logger.warning(
            "%s unreachable (%s: %s); %s; not tried again for %g s",
            self.service,
            type(error).__name__,
            " ".join(str(error).split()) or "no detail",
            self.consequence,
            seconds,
        )

    def ok(self):
        """The service answered: end the back-off, and say so once."""
        if self.down_since is None:  # the common case: no lock, no log
            return
        with self._lock:
            since, self.down_since, self.down_until = self.down_since, None, 0.0
        if since is not None:
            self.logger.info(
                "%s reachable again after %.0f s", self.service, time.monotonic() - since
            )


broker = Outage("broker", consequence="e-mails wait in the outbox for the sweep")
cache = Outage("cache", consequence="rate limits are not applied")
