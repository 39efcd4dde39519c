"""Probes for load balancers and orchestrators."""

import logging

from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def favicon(request):
    # static() is asked per request: with the manifest storage it needs
    # collectstatic's manifest, which may not exist yet when urls load.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@never_cache
def ping(request):
    """Liveness: the process answers. Touches nothing else (and is the
    framework's floor in the benchmarks)."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def healthz(request):
    """Readiness: the database and the Celery broker answer. 503 if not."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:
        logger.warning("healthz: database unreachable: %s", error)
        checks["database"] = "unreachable"
    try:
        from marketplace.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as error:
        logger.warning("healthz: broker unreachable: %s", error)
        checks["broker"] = "unreachable"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503
    )
