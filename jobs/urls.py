from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.job_create, name="create"),
    path("<int:pk>/edit/", views.job_edit, name="edit"),
    path("<int:pk>/pause/", views.job_pause, name="pause"),
    path("<int:pk>/raise-delivery/", views.job_raise_delivery, name="raise_delivery"),
]
