from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from jobs import views as job_views

admin.site.site_header = "Marketplace support"
admin.site.site_title = "Marketplace support"

urlpatterns = [
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("", job_views.browse, name="home"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("accounts.urls")),
    path("jobs/", include("jobs.urls")),
    path("", include("sales.urls")),
    path("", include("messaging.urls")),
    path("", include("resolution.urls")),
    path("admin/", admin.site.urls),
]
