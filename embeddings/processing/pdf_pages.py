"""The pages stage: a PDF's pages become the item's page images, with their text layers.

Each page is rendered with PDFium (pypdfium2) to a PNG at `PDF_RENDER_DPI`, capped at
`PDF_RENDER_MAX_PIXELS`, and stored as an `ItemImage` with its page number and the page's
own text (`text_layer`). From there pages are ordinary images: thumbnails, image vectors,
and OCR for pages without a text layer (scans). A run renders at most `PDF_PAGES_PER_JOB`
pages; the job continues in a new run until every page is stored (`pipeline.run_job`), so
progress shows page by page and no run meets the task's time limit.

Rendering is deterministic, so re-rendering an unchanged page gives the same bytes and
hash, and OCR and vectors (keyed by that hash) do no new work.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import PurePath

import pypdfium2 as pdfium
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image

from embeddings.processing.failures import PoisonInput
from items.models import Item, ItemFile, ItemImage
from items.uploads import build_thumbnail

# A page's text layer is used instead of OCR when it holds at least this many visible
# characters; fewer is a scan with a stray header, page number or invisible OCR junk.
MIN_TEXT_LAYER_CHARS = 20
MAX_TEXT_LAYER_CHARS = 100_000


@dataclass(frozen=True)
class RenderedPage:
    number: int  # 1-based, as printed on citations
    png: bytes
    width: int
    height: int
    text: str


def has_text_layer(image: ItemImage) -> bool:
    """Whether the image is a PDF page whose own text replaces OCR."""
    return (
        sum(not ch.isspace() for ch in image.text_layer[:2000]) >= MIN_TEXT_LAYER_CHARS
    )


def pages_missing(file: ItemFile) -> list[int]:
    """Page numbers of `file` with no stored page image from its current bytes."""
    if file.rendered_sha256 != file.sha256:
        return list(range(1, file.page_count + 1))
    stored = set(file.pages.values_list("page_number", flat=True))
    return [n for n in range(1, file.page_count + 1) if n not in stored]


def pending_pages(*, item: Item) -> int:
    return sum(len(pages_missing(file)) for file in item.files.all())


def render_item_pages(*, item: Item, limit: int | None = None) -> int:
    """Render and store up to `limit` missing pages of the item's PDFs; returns pages
    stored. A replaced file's old pages are dropped first."""
    limit = settings.PDF_PAGES_PER_JOB if limit is None else limit
    done = 0
    for file in item.files.all():
        if done >= limit:
            break
        if file.rendered_sha256 != file.sha256:
            with transaction.atomic():
                file.pages.all().delete()
                ItemFile.objects.filter(pk=file.pk).update(rendered_sha256=file.sha256)
            file.rendered_sha256 = file.sha256
        numbers = pages_missing(file)[: limit - done]
        if numbers:
            _store_pages(file, render_pages(file, numbers))
            done += len(numbers)
    return done


def render_pages(file: ItemFile, numbers: list[int]) -> list[RenderedPage]:
    """Render the given 1-based pages of a stored PDF; a file PDFium cannot open or a page
    it cannot render is a poison input (the upload check makes both rare)."""
    try:
        with file.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise PoisonInput(
            f"PDF {file.pk}: its file {file.file.name} is missing"
        ) from exc
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PoisonInput(f"PDF {file.pk} ({file.original_name}): {exc}") from exc
    try:
        return [_render(document, number, file) for number in numbers]
    finally:
        document.close()


def _render(document: pdfium.PdfDocument, number: int, file: ItemFile) -> RenderedPage:
    try:
        page = document[number - 1]
    except (IndexError, pdfium.PdfiumError) as exc:
        raise PoisonInput(
            f"PDF {file.pk} ({file.original_name}): page {number} cannot be read: {exc}"
        ) from exc
    try:
        width, height = page.get_size()
        scale = render_scale(width, height)
        image = page.render(scale=scale, may_draw_forms=False).to_pil().convert("RGB")
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_bounded()
        finally:
            textpage.close()
    except pdfium.PdfiumError as exc:
        raise PoisonInput(
            f"PDF {file.pk} ({file.original_name}): page {number} cannot be rendered: {exc}"
        ) from exc
    finally:
        page.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return RenderedPage(
        number=number,
        png=out.getvalue(),
        width=image.width,
        height=image.height,
        text=clean_text(text),
    )


def render_scale(width_pt: float, height_pt: float) -> float:
    """PDF_RENDER_DPI, lowered so the bitmap stays within PDF_RENDER_MAX_PIXELS."""
    scale = settings.PDF_RENDER_DPI / 72
    pixels = width_pt * height_pt * scale * scale
    if pixels > settings.PDF_RENDER_MAX_PIXELS:
        scale *= math.sqrt(settings.PDF_RENDER_MAX_PIXELS / pixels)
    return scale


def clean_text(text: str) -> str:
    """PDFium's text with Windows line ends, NULs and form feeds normalised."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = text.replace("\x0c", "\n").replace("\ufffe", "").replace("\uffff", "")
    return text.strip()[:MAX_TEXT_LAYER_CHARS]


def _store_pages(file: ItemFile, pages: list[RenderedPage]) -> None:
    """Save the pages' files, then their rows in one statement.

    `bulk_create` sends no post_save signal: the item's later stages were requested when
    the file was saved, and a request per page would only restart them.
    """
    stem = PurePath(file.original_name or "document").stem[:60] or "document"
    rows: list[ItemImage] = []
    for page in pages:
        with Image.open(io.BytesIO(page.png)) as picture:
            thumbnail = build_thumbnail(picture, size=settings.THUMBNAIL_SIZE)
        row = ItemImage(
            item_id=file.item_id,
            source_file=file,
            page_number=page.number,
            position=page.number,
            text_layer=page.text,
            original_name=f"{stem}-p{page.number}.png",
            width=page.width,
            height=page.height,
            format="PNG",
            byte_size=len(page.png),
            sha256=hashlib.sha256(page.png).hexdigest(),
        )
        row.image.save(f"{stem}-p{page.number}.png", ContentFile(page.png), save=False)
        row.thumbnail.save(
            f"{stem}-p{page.number}.webp", ContentFile(thumbnail), save=False
        )
        # Assigning the file re-reads its dimensions from the consumed stream (None):
        # set them again, or every later load of the row would open the PNG for them.
        row.width, row.height = page.width, page.height
        rows.append(row)
    ItemImage.objects.bulk_create(rows)
