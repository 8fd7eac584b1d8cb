"""URL root: the staff back office (web), Django admin for reference data."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("fordra.web.urls")),
]
