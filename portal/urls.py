"""URL routes: admin, the API, the public pages and uploaded media (behind a visibility check)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from items.views import serve_media

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
    path("", include("search.urls")),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", serve_media, name="media"),
]

handler404 = "api.errors.page_not_found"
