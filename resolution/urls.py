from django.urls import path

import sales.converters  # noqa: F401  (registers <order_number:>)

from . import views

app_name = "resolution"

urlpatterns = [
    path("resolution/", views.resolution_center, name="center"),
    path("resolution/vacation/", views.vacation, name="vacation"),
    path(
        "orders/<order_number:number>/extension/", views.extension_create, name="extension_create"
    ),
    path(
        "orders/<order_number:number>/extension/<int:pk>/<str:answer>/",
        views.extension_answer,
        name="extension_answer",
    ),
    path(
        "orders/<order_number:number>/cancellation/",
        views.cancellation_create,
        name="cancellation_create",
    ),
    path(
        "orders/<order_number:number>/cancellation/<int:pk>/<str:answer>/",
        views.cancellation_answer,
        name="cancellation_answer",
    ),
    path("orders/<order_number:number>/cancel-late/", views.late_cancel, name="late_cancel"),
    path("support/", views.ticket_list, name="tickets"),
    path("support/new/", views.ticket_create, name="ticket_create"),
    path("support/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("support/<int:pk>/reply/", views.ticket_reply, name="ticket_reply"),
]
