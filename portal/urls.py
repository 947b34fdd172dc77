"""URL routes: admin, the API, the public pages and uploaded media (behind a visibility check)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from items.views import serve_media
from portal.csp import csp_override

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file (no inline script); Swagger
        # UI still injects a <style> element, allowed on this page only.
        csp_override({"style-src": ["'self'", "'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("", include("api.urls")),
    path("", include("search.urls")),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", serve_media, name="media"),
]

handler404 = "api.errors.page_not_found"
