from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.job_create, name="create"),
    path("<int:pk>/edit/", views.job_edit, name="edit"),
    path("<int:pk>/pause/", views.job_pause, name="pause"),
    path("<int:pk>/raise-delivery/", views.job_raise_delivery, name="raise_delivery"),
    path("<int:pk>/images/", views.job_image_add, name="image_add"),
    path("<int:pk>/images/<int:image_pk>/delete/", views.job_image_delete, name="image_delete"),
    path("<int:pk>/images/<int:image_pk>/move/", views.job_image_move, name="image_move"),
    path(
        "<int:pk>/images/<int:image_pk>/describe/",
        views.job_image_describe,
        name="image_describe",
    ),
    path("images/<str:name>", views.job_image_file, name="image_file"),
]
