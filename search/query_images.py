"""Uploaded query images, stored by content hash so a search by image has a shareable URL."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from items.uploads import check_image_upload

SHA = re.compile(r"^[0-9a-f]{64}$")


def _directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "queries"


def store_query_image(upload: UploadedFile) -> str:
    """Validate like any upload (raises ValidationError) and store; returns its SHA-256."""
    checked = check_image_upload(upload)
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{checked.sha256}.{checked.extension}"
    if not path.exists():
        path.write_bytes(checked.content)
    return checked.sha256


def load_query_image(sha: str) -> tuple[bytes, str] | None:
    """The stored bytes and their media URL, or None for an unknown or malformed hash."""
    if not SHA.match(sha or ""):
        return None
    for path in _directory().glob(f"{sha}.*"):
        return path.read_bytes(), f"{settings.MEDIA_URL}queries/{path.name}"
    return None
