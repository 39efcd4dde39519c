from django.conf import settings


def clocks(request):
    """The marketplace's time limits, so pages say what settings say."""
    return {
        "DUE_SOON_HOURS": settings.DUE_SOON_HOURS,
        "VERY_LATE_HOURS": settings.VERY_LATE_HOURS,
        "REQUEST_ANSWER_HOURS": settings.REQUEST_ANSWER_HOURS,
        "ORDER_REVIEW_DAYS": settings.ORDER_REVIEW_DAYS,
    }
