"""Image upload validation shared by the admin and the API.

Everything an editor or client uploads passes `check_image_upload` before anything is
written: size, format allowlist, pixel count (decompression bombs), a full decode (corrupt
or truncated files) and EXIF orientation, which is applied so that OCR and models see the
image the right way up. The result carries the bytes to store and a thumbnail.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format name -> file extension we store under.
ALLOWED_FORMATS: dict[str, str] = {
    "JPEG": "jpg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "BMP": "bmp",
    "TIFF": "tiff",
}
ALLOWED_LABEL = "JPEG, PNG, WebP, GIF, BMP, TIFF"
EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    format: str
    extension: str
    width: int
    height: int
    sha256: str
    thumbnail: bytes


def check_image_upload(
    upload: IO[bytes], *, max_bytes: int | None = None, max_pixels: int | None = None
) -> CheckedImage:
    """Validate an uploaded image and return what to store, or raise ValidationError."""
    max_bytes = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.UPLOAD_MAX_PIXELS if max_pixels is None else max_pixels

    data = read_limited(upload, max_bytes)
    image = _open(data, max_pixels)
    width, height = image.size
    if width * height > max_pixels:
        raise ValidationError(
            f"The image is {width}×{height} pixels ({width * height / 1e6:.1f} megapixels); "
            f"the limit is {max_pixels / 1e6:.0f} megapixels.",
            code="too_many_pixels",
        )
    try:
        image.load()
    except Exception as exc:
        raise ValidationError(
            "The image file is damaged or truncated and cannot be decoded.",
            code="corrupt",
        ) from exc
    _refuse_polyglot(data, image.format or "")  # after decoding: a damaged file says so

    content, image = _apply_orientation(data, image)
    return CheckedImage(
        content=content,
        format=image.format or "",
        extension=ALLOWED_FORMATS[image.format or ""],
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
        thumbnail=build_thumbnail(image, size=settings.THUMBNAIL_SIZE),
    )


def build_thumbnail(image: Image.Image, *, size: int) -> bytes:
    """A WebP thumbnail that fits in a `size` square, keeping transparency."""
    thumb = image.copy()
    if thumb.mode not in ("RGB", "RGBA"):
        thumb = thumb.convert("RGBA" if "transparency" in thumb.info else "RGB")
    thumb.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=82, method=4)
    return out.getvalue()


def read_limited(upload: IO[bytes], max_bytes: int) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    # Read one byte past the limit so an over-size stream is detected without reading it all.
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            f"The file is larger than the {max_bytes / 1024 / 1024:.0f} MB limit.",
            code="too_large",
        )
    if not data:
        raise ValidationError("The file is empty.", code="empty")
    return data


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Our own pixel limit is checked next; Pillow's warning would only duplicate it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            f"The image has too many pixels; the limit is {max_pixels / 1e6:.0f} megapixels.",
            code="too_many_pixels",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            f"This file is not an image we can read. Allowed formats: {ALLOWED_LABEL}.",
            code="invalid_image",
        ) from exc
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"{image.format} images are not accepted. Allowed formats: {ALLOWED_LABEL}.",
            code="unsupported_format",
        )
    return image


# Markup a browser would run if it ever sniffed the file as HTML or SVG. Images have no
# reason to carry it (XMP metadata is XML, but never these elements).
MARKUP = re.compile(rb"<(?:script|html|body|iframe|svg|object|embed|!doctype)\b", re.I)
PNG_END = b"IEND\xaeB`\x82"


def _refuse_polyglot(data: bytes, fmt: str) -> None:
    """Refuse images that are also something else (OWASP: file-type polyglots).

    Served media carry their image type and `nosniff`, so a browser should never read
    them as a page; refusing them keeps that true if a file is ever served elsewhere."""
    if MARKUP.search(data):
        raise ValidationError(
            "The file contains HTML or script markup, which images never need.",
            code="polyglot",
        )
    if fmt == "PNG" and not data.endswith(PNG_END):
        raise ValidationError("The PNG file has data after its end.", code="polyglot")


def _apply_orientation(data: bytes, image: Image.Image) -> tuple[bytes, Image.Image]:
    """Rotate per EXIF orientation and re-encode; return the input unchanged if upright."""
    orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    if orientation in (None, 1):
        return data, image
    fmt = image.format
    upright = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    save_args: dict[str, Any] = {"format": fmt}  # Pillow's options vary by format
    if fmt == "JPEG":
        save_args.update(quality=92, subsampling=0)
        if "icc_profile" in image.info:
            save_args["icc_profile"] = image.info["icc_profile"]
    upright.save(out, **save_args)
    content = out.getvalue()
    reopened = Image.open(io.BytesIO(content))
    reopened.load()
    return content, reopened
