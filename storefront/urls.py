from django.urls import path

from . import views

app_name = "storefront"

urlpatterns = [
    path("jobs/<int:pk>/", views.job, name="job"),
    path("sellers/<str:username>/", views.seller, name="seller"),
]
