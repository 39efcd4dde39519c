"""Abuse limits: per-user rate limits on writes, and upload sizes.

Rate limits count POSTs per user in the cache (a fixed window per limit, see
settings.RATE_LIMITS); past the limit the view is not called at all, so
nothing is written, and the answer is the 429 page. Upload sizes are
enforced as the body streams in: a request announcing more than
UPLOAD_MAX_REQUEST_BYTES is refused before its body is read, and a single
file stops being kept once it passes ATTACHMENT_MAX_BYTES.
"""

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat

from . import outages
from .rates import parse_rate

# What each limit protects, in the words the 429 page uses.
LIMIT_WHAT = {
    "message": "messages",
    "request": "Resolution Center requests",
    "ticket": "support tickets and replies",
}


def rate_limit_hit(*, key, user_id, now=None):
    """Count one attempt; return the seconds to wait if it is over the limit,
    else 0. The window is fixed: it starts at a multiple of its length.

    With the cache unreachable or hanging (a shared Redis cache, each call
    bounded by its socket timeouts) the limit is not applied: the message
    still goes through. Refusing every write would turn a cache outage into a
    site outage. The failure starts the cache back-off (marketplace.outages):
    for its length this process does not wait on the cache at all, and the
    outage is logged once, not once per request."""
    if outages.cache.skip():
        return 0
    limit, window = parse_rate(settings.RATE_LIMITS[key])
    now = time.time() if now is None else now
    start = int(now // window) * window
    cache_key = f"ratelimit:{key}:{user_id}:{start}"
    try:
        count = _count(cache_key, window)
    except Exception as error:  # the cache backend's own connection errors
        outages.cache.failed(error)
        return 0
    outages.cache.ok()
    if count > limit:
        return max(1, int(start + window - now))
    return 0


def _count(cache_key, window):
    # add() is atomic and only sets a missing key, incr() is atomic too (on
    # Redis and in local memory), so two requests at once count as two.
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window + 1)
        return 1


def too_many_requests(request, *, key, retry_after):
    limit, window = parse_rate(settings.RATE_LIMITS[key])
    minutes = max(1, round(retry_after / 60))
    context = {
        "what": LIMIT_WHAT.get(key, "requests"),
        "limit": limit,
        "window_minutes": max(1, round(window / 60)),
        "retry_minutes": minutes,
        "back": request.META.get("HTTP_REFERER", ""),
    }
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(key):
    """Limit a view's POSTs per logged-in user (GETs are free)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST" and request.user.is_authenticated:
                wait = rate_limit_hit(key=key, user_id=request.user.pk)
                if wait:
                    return too_many_requests(request, key=key, retry_after=wait)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class OversizeUpload(UploadedFile):
    """Stands in for a file that passed the size limit while streaming in:
    its bytes were dropped, the form reports it like any other bad file."""

    oversize = True

    def __init__(self, *, name, content_type, seen):
        super().__init__(file=None, name=name, content_type=content_type, size=seen)

    def open(self, mode=None):
        return self

    def read(self, *args):
        return b""

    def seek(self, *args):
        return 0

    def close(self):
        pass


class SizeLimitUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts each file's bytes as they arrive
    and, past ATTACHMENT_MAX_BYTES, stops passing them on to the handlers that
    keep them, so an oversize file is never held whole in memory or on disk.
    The rest of its bytes are read from the socket and dropped."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.seen = 0
        self.oversize = False

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > settings.ATTACHMENT_MAX_BYTES:
            self.oversize = True
            return None  # the later handlers see nothing more of this file
        return raw_data

    def file_complete(self, file_size):
        if self.oversize:
            return OversizeUpload(
                name=self.file_name, content_type=self.content_type, seen=self.seen
            )
        return None  # let the next handler hand over the file it kept


class UploadLimitMiddleware:
    """Refuse, before reading it, a body larger than any form here takes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_REQUEST_BYTES:
            context = {
                "size": filesizeformat(length),
                "max_file": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
                "max_files": settings.ATTACHMENT_MAX_FILES,
                "back": request.META.get("HTTP_REFERER", ""),
            }
            response = render(request, "413.html", context, status=413)
            response["Connection"] = "close"  # the unread body can't be reused
            return response
        return self.get_response(request)
