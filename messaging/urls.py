from django.urls import path

import sales.converters  # noqa: F401  (registers <order_number:>)

from . import views

app_name = "messaging"

urlpatterns = [
    path("orders/<order_number:number>/messages/", views.message_send, name="message_send"),
    path(
        "orders/<order_number:number>/files/<int:pk>/", views.attachment_download, name="attachment"
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/email/", views.email_preferences, name="email_preferences"),
    path(
        "notifications/email/stop/<str:token>/",
        views.email_unsubscribe,
        name="email_unsubscribe",
    ),
]
