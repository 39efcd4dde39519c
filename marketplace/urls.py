from django.contrib import admin
from django.urls import include, path

from storefront import views as storefront_views

from . import views

admin.site.site_header = "Marketplace support"
admin.site.site_title = "Marketplace support"
# The Order list's nine columns need the width at 1366 px; the admin's home
# page lists every model, a breadcrumb away.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("ping", views.ping, name="ping"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("", storefront_views.browse, name="home"),
    path("", include("storefront.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("accounts.urls")),
    path("jobs/", include("jobs.urls")),
    path("", include("sales.urls")),
    path("", include("messaging.urls")),
    path("", include("resolution.urls")),
    path("admin/", admin.site.urls),
]
