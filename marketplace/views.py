"""Probes for load balancers and orchestrators."""

import logging

from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from marketplace import outages

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
    """Readiness: 503 when the database does not answer, so the load balancer
    takes this process out. Answers within REDIS_TIMEOUT (plus the database's
    answer) whatever Redis does. A broker outage is reported ("degraded") but
    keeps the 200: pages and changes still work without Redis (e-mails wait
    in the outbox), and every web process would fail the check at once."""
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
            # One try, no retry after a pause, bounded by REDIS_TIMEOUT: probes
            # time out within a second or two, and a slow answer would count
            # as a failure.
            conn.ensure_connection(max_retries=0)
        checks["broker"] = "ok"
        outages.broker.ok()
    except Exception as error:
        # Tried on every probe, so that it sees the broker come back; logged
        # once per back-off interval, and this process's e-mails wait for
        # the sweep meanwhile instead of each request trying the broker.
        outages.broker.failed(error)
        checks["broker"] = "unreachable"
    if checks["database"] != "ok":
        status = "unhealthy"
    else:
        status = "ok" if checks["broker"] == "ok" else "degraded"
    return JsonResponse({"status": status, **checks}, status=503 if status == "unhealthy" else 200)
