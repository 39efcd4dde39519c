from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread_notifications(request):
    """The navbar's unread badge; counted only if a template asks for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notification_count": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user, read_at=None).count()
        )
    }
