"""GET /media/<name>: uploaded images, thumbnails and PDFs, behind the visibility check."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe

from items.media import find_visible_media


@require_safe
def serve_media(request: HttpRequest, name: str) -> HttpResponseBase:
    media = find_visible_media(name=name, user=request.user)
    if media is None:
        # 404, not 403: whether a draft's file exists is itself private.
        raise Http404("No such file.")
    accel = settings.MEDIA_ACCEL_REDIRECT_PREFIX
    if accel:
        # The front web server (nginx) sends the bytes from its internal location.
        response: HttpResponseBase = HttpResponse(
            content_type=mimetypes.guess_type(name)[0] or ""
        )
        response["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{name}"
    else:
        response = FileResponse(media.path.open("rb"))
    if media.public:
        patch_cache_control(response, public=True, max_age=86400)
    else:
        patch_cache_control(response, private=True, no_store=True)
        patch_vary_headers(response, ["Cookie"])
    response["X-Content-Type-Options"] = "nosniff"
    return response
