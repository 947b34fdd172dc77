"""PDF upload validation shared by the admin and the API.

Everything about a PDF that can be refused is refused here, before anything is written, so
that an editor sees the reason on the form and no half-processed document is left behind:
size, the `%PDF-` signature, a password, damage PDFium cannot repair, too many pages,
absurd page sizes (a pixel flood once rendered), and compressed streams that inflate far
beyond any real document (a zip bomb aimed at the renderer). Rendering itself happens in
the processing pipeline (embeddings/processing/pdf_pages.py), page by page.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from typing import IO

import pypdfium2 as pdfium
from django.conf import settings
from django.core.exceptions import ValidationError

from items.uploads import read_limited

# PDF 1.7 §C.2: a page side is at most 14,400 user units (200 inches). Larger pages are
# not documents; rendering them at any useful resolution is a pixel flood.
MAX_PAGE_POINTS = 14_400
# Where a stream's data begins: the keyword and its end of line (PDF 1.7 §7.3.8.1).
STREAM_START = re.compile(rb"stream\r?\n")
# PDFium's error codes for a password-protected document (FPDF_ERR_PASSWORD = 4).
PASSWORD_ERROR = 4


@dataclass(frozen=True)
class CheckedPdf:
    content: bytes
    sha256: str
    page_count: int


def check_pdf_upload(
    upload: IO[bytes], *, max_bytes: int | None = None, max_pages: int | None = None
) -> CheckedPdf:
    """Validate an uploaded PDF and return what to store, or raise ValidationError."""
    max_bytes = settings.PDF_MAX_BYTES if max_bytes is None else max_bytes
    max_pages = settings.PDF_MAX_PAGES if max_pages is None else max_pages
    data = read_limited(upload, max_bytes)
    if not data.lstrip()[:5] == b"%PDF-":
        raise ValidationError(
            "This file is not a PDF (it does not start with %PDF-).", code="not_pdf"
        )
    _refuse_inflation_bomb(data, settings.PDF_MAX_INFLATED_BYTES)
    document = _open(data)
    try:
        pages = len(document)
        if pages == 0:
            raise ValidationError("The PDF has no pages.", code="empty")
        if pages > max_pages:
            raise ValidationError(
                f"The PDF has {pages} pages; the limit is {max_pages}.",
                code="too_many_pages",
            )
        for index in range(pages):
            width, height = document.get_page_size(index)
            if not (0 < width <= MAX_PAGE_POINTS and 0 < height <= MAX_PAGE_POINTS):
                raise ValidationError(
                    f"Page {index + 1} is {width:.0f}×{height:.0f} points; PDF pages "
                    f"are at most {MAX_PAGE_POINTS} points (200 inches) a side.",
                    code="page_size",
                )
    finally:
        document.close()
    return CheckedPdf(
        content=data, sha256=hashlib.sha256(data).hexdigest(), page_count=pages
    )


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        # PDFium's last-error code can be left over from an earlier document, so the
        # file must also carry an encryption dictionary to be called password-protected.
        if getattr(exc, "err_code", None) == PASSWORD_ERROR and b"/Encrypt" in data:
            raise ValidationError(
                "The PDF is password-protected; upload a copy without a password.",
                code="encrypted",
            ) from exc
        raise ValidationError(
            "The PDF is damaged and cannot be read.", code="corrupt"
        ) from exc


def _refuse_inflation_bomb(data: bytes, limit: int) -> None:
    """Inflate every zlib-compressed stream, stopping once `limit` bytes in all come out.

    Flate is the only filter with a large expansion ratio in practice (1,000:1 and more);
    PDFium would inflate such a stream while rendering, inside a worker. Inflating here
    costs about a second per 256 MB and is done once, at upload.
    """
    budget = limit
    view = memoryview(data)
    for match in STREAM_START.finditer(data):
        start = match.end()
        if data[start : start + 1] != b"\x78":  # not a zlib header: not Flate
            continue
        inflater = zlib.decompressobj()
        try:
            # 16 KB of input inflate to at most ~17 MB, so memory stays bounded.
            for at in range(start, len(data), 16384):
                budget -= len(inflater.decompress(view[at : at + 16384]))
                if budget < 0:
                    raise ValidationError(
                        "The PDF's compressed content inflates to more than "
                        f"{limit / 1024 / 1024:.0f} MB; it looks like a decompression "
                        "bomb.",
                        code="bomb",
                    )
                if inflater.eof:
                    break
        except zlib.error:
            continue  # not a zlib stream after all, or damaged: PDFium will judge
