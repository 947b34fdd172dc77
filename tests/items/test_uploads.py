"""Upload validation: every bad file is refused with its own message; good files normalised."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from items.uploads import check_image_upload
from tests.conftest import make_image_bytes


def refused(data: bytes, **limits: int) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        check_image_upload(io.BytesIO(data), **limits)
    return info.value


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims huge dimensions: a decompression bomb in 60 bytes."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"])
def test_allowed_formats_are_accepted_with_a_thumbnail(fmt, settings):
    settings.THUMBNAIL_SIZE = 32
    checked = check_image_upload(io.BytesIO(make_image_bytes(fmt, size=(120, 80))))
    assert checked.format == fmt
    assert (checked.width, checked.height) == (120, 80)
    assert len(checked.sha256) == 64
    thumb = Image.open(io.BytesIO(checked.thumbnail))
    assert thumb.format == "WEBP"
    assert max(thumb.size) == 32


def test_corrupt_file_is_refused():
    error = refused(b"GIF89a this is not really an image" * 4)
    assert error.code == "invalid_image"
    assert "not an image we can read" in error.message


def test_truncated_image_is_refused_as_damaged():
    data = make_image_bytes("PNG", size=(400, 300))
    error = refused(data[: len(data) // 2])
    assert error.code == "corrupt"
    assert "damaged or truncated" in error.message


def test_decompression_bomb_is_refused_before_decoding():
    error = refused(png_header_only(30_000, 30_000))
    assert error.code == "too_many_pixels"
    assert "megapixels" in error.message


def test_pixel_limit_is_configurable():
    error = refused(make_image_bytes("PNG", size=(200, 200)), max_pixels=10_000)
    assert error.code == "too_many_pixels"
    assert "200×200" in error.message


def test_disallowed_format_is_refused_by_name():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(out, format="PCX")
    error = refused(out.getvalue())
    assert error.code == "unsupported_format"
    assert "PCX images are not accepted" in error.message
    assert "JPEG, PNG, WebP" in error.message


def test_oversized_file_is_refused():
    error = refused(make_image_bytes("BMP", size=(200, 200)), max_bytes=10_000)
    assert error.code == "too_large"
    assert "limit" in error.message


def test_empty_file_is_refused():
    assert refused(b"").code == "empty"


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (60, 20), "white")
    image.paste("black", (0, 0, 10, 20))  # a dark band on the left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)

    checked = check_image_upload(io.BytesIO(out.getvalue()))
    upright = Image.open(io.BytesIO(checked.content))
    assert (upright.width, upright.height) == (20, 60)
    assert upright.getexif().get(0x0112, 1) == 1
    # After a clockwise turn the left band is at the top.
    assert upright.convert("L").getpixel((10, 2)) < 60
    assert upright.convert("L").getpixel((10, 57)) > 200


def test_upright_image_bytes_are_kept_as_uploaded():
    data = make_image_bytes("JPEG")
    assert check_image_upload(io.BytesIO(data)).content == data
