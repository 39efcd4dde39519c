from django.urls import path

import sales.converters  # noqa: F401  (registers <order_number:>)

from . import views

app_name = "sales"

urlpatterns = [
    path("sales/", views.sales, name="sales"),
    path("sales/numbers/", views.numbers, name="numbers"),
    path("sales/numbers/<str:key>/", views.metric_detail, name="metric_detail"),
    path("sales/questions/", views.questions_received, name="questions_received"),
    path("orders/", views.my_orders, name="my_orders"),
    path("questions/", views.questions_asked, name="questions_asked"),
    path("questions/ask/<int:job_pk>/", views.question_ask, name="question_ask"),
    path("questions/<int:pk>/", views.question_detail, name="question_detail"),
    path("questions/<int:pk>/messages/", views.question_reply, name="question_reply"),
    path(
        "questions/<int:pk>/files/<int:file_pk>/",
        views.question_attachment,
        name="question_attachment",
    ),
    path("orders/new/<int:job_pk>/", views.order_place, name="order_place"),
    path("orders/<order_number:number>/", views.order_detail, name="order_detail"),
    path("orders/<order_number:number>/live/", views.order_live, name="order_live"),
    path(
        "orders/<order_number:number>/requirements/",
        views.order_submit_requirements,
        name="order_submit_requirements",
    ),
    path("orders/<order_number:number>/deliver/", views.order_deliver, name="order_deliver"),
    path(
        "orders/<order_number:number>/revision/",
        views.order_request_revision,
        name="order_request_revision",
    ),
    path("orders/<order_number:number>/accept/", views.order_accept, name="order_accept"),
    path("orders/<order_number:number>/review/", views.review_leave, name="review_leave"),
    path(
        "orders/<order_number:number>/reviews/<int:pk>/", views.review_detail, name="review_detail"
    ),
    path(
        "orders/<order_number:number>/reviews/<int:pk>/reply/",
        views.review_reply,
        name="review_reply",
    ),
    path("orders/<order_number:number>/messages/", views.message_send, name="message_send"),
    path(
        "orders/<order_number:number>/files/<int:pk>/", views.attachment_download, name="attachment"
    ),
]
