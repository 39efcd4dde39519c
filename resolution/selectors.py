from datetime import timedelta

from django.conf import settings

from sales.requests import CancellationRequest, ExtensionRequest, RequestState


def _unanswered(model, *, now, limit):
    """Ids of open requests past their answer window, served by the partial
    index on open requests' created_at."""
    deadline = now - timedelta(hours=settings.REQUEST_ANSWER_HOURS)
    return list(
        model.objects.filter(state=RequestState.OPEN, created_at__lte=deadline)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def extension_requests_unanswered(*, now, limit):
    return _unanswered(ExtensionRequest, now=now, limit=limit)


def cancellation_requests_unanswered(*, now, limit):
    return _unanswered(CancellationRequest, now=now, limit=limit)
