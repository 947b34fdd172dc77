"""Reads of content shared by the API and pages."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from items.models import ItemFile, ItemImage


def item_detail_prefetches(*, with_pages: bool = False) -> list[Prefetch]:
    """What showing an item needs in a few queries more: its own images with their OCR
    (as `own_images`; a PDF's rendered pages are not its images), and its PDFs with the
    number of pages stored (as `pages_stored`) and, `with_pages`, the pages themselves
    with their OCR, in page order."""
    files = ItemFile.objects.annotate(pages_stored=Count("pages")).order_by("id")
    if with_pages:
        files = files.prefetch_related(
            Prefetch(
                "pages",
                queryset=ItemImage.objects.select_related("ocr").order_by(
                    "page_number", "id"
                ),
            )
        )
    return [
        Prefetch(
            "images",
            queryset=ItemImage.objects.filter(source_file=None)
            .select_related("ocr")
            .order_by("position", "id"),
            to_attr="own_images",
        ),
        Prefetch("files", queryset=files),
    ]


def cover_prefetch() -> Prefetch:
    """For lists of items: the images a cover is chosen from (`Item.cover_image`), as
    `cover_images`: the item's own images and the first page of each PDF, not the other
    499 pages of a long document."""
    return Prefetch(
        "images",
        queryset=ItemImage.objects.filter(
            Q(source_file__isnull=True) | Q(page_number=1)
        ).order_by("position", "id"),
        to_attr="cover_images",
    )
