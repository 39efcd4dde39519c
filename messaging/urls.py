from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
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
