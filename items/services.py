"""Writes to content: creating items, attaching images and PDFs, moving items through the
workflow."""

from __future__ import annotations

from pathlib import PurePath
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet

from items.models import Item, ItemFile, ItemImage, Status
from items.pdf_uploads import CheckedPdf, check_pdf_upload
from items.uploads import CheckedImage, check_image_upload

# The upload gate is part of this interface: callers that only validate (a query image)
# use the same checks as a write.
__all__ = [
    "add_file",
    "add_image",
    "apply_checked_image",
    "apply_checked_pdf",
    "check_image_upload",
    "check_pdf_upload",
    "create_item",
    "place_new_images",
    "set_status",
    "update_item",
]


def apply_checked_image(
    *, image: ItemImage, checked: CheckedImage, original_name: str
) -> None:
    """Fill an ItemImage's file, thumbnail and metadata from a validated upload (unsaved)."""
    stem = PurePath(original_name).stem[:80] or "image"
    image.image = ContentFile(checked.content, name=f"{stem}.{checked.extension}")
    image.thumbnail = ContentFile(checked.thumbnail, name=f"{stem}.webp")
    image.original_name = PurePath(original_name).name[:255]
    image.width = checked.width
    image.height = checked.height
    image.format = checked.format
    image.byte_size = len(checked.content)
    image.sha256 = checked.sha256


@transaction.atomic
def add_image(
    *,
    item: Item,
    upload: IO[bytes],
    filename: str,
    caption: str = "",
    alt_text: str = "",
    position: int | None = None,
    page_number: int | None = None,
) -> ItemImage:
    """Validate `upload` and attach it to `item`; raises ValidationError and saves nothing."""
    checked = check_image_upload(upload)
    if position is None:
        position = item.images.count()
    image = ItemImage(
        item=item,
        caption=caption,
        alt_text=alt_text,
        position=position,
        page_number=page_number,
    )
    apply_checked_image(image=image, checked=checked, original_name=filename)
    image.full_clean()
    image.save()
    return image


def apply_checked_pdf(
    *, file: ItemFile, checked: CheckedPdf, original_name: str
) -> None:
    """Fill an ItemFile's file and metadata from a validated upload (unsaved)."""
    stem = PurePath(original_name).stem[:80] or "document"
    file.file = ContentFile(checked.content, name=f"{stem}.pdf")
    file.original_name = PurePath(original_name).name[:255]
    file.byte_size = len(checked.content)
    file.sha256 = checked.sha256
    file.page_count = checked.page_count


@transaction.atomic
def add_file(*, item: Item, upload: IO[bytes], filename: str) -> tuple[ItemFile, bool]:
    """Validate a PDF and attach it to `item`; returns (file, created).

    The same bytes uploaded again to the same item return the stored file and change
    nothing, so a retried upload does no new work. Raises ValidationError, saving nothing.
    """
    checked = check_pdf_upload(upload)
    existing = item.files.filter(sha256=checked.sha256).first()
    if existing is not None:
        return existing, False
    file = ItemFile(item=item)
    apply_checked_pdf(file=file, checked=checked, original_name=filename)
    file.full_clean()
    file.save()
    return file, True


def place_new_images(*, item: Item, images: list[ItemImage]) -> None:
    """Give new images left at position 0 the next free positions, in upload order.

    Editors rarely type positions; without this every new image would share position 0.
    """
    taken = [img.position for img in item.images.all() if img.pk] if item.pk else []
    next_position = max(taken, default=-1) + 1
    for image in images:
        if image.pk is None and image.position == 0 and (taken or next_position > 0):
            image.position = next_position
        if image.pk is None:
            next_position = max(next_position, image.position) + 1
            taken.append(image.position)


@transaction.atomic
def create_item(*, author: Any | None = None, **fields: Any) -> Item:
    """Create an item after model validation (the same rules the admin applies)."""
    item = Item(author=author, **fields)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def update_item(*, item: Item, **fields: Any) -> Item:
    """Change an item's fields after model validation (the same rules the admin applies)."""
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    return item


def set_status(*, items: QuerySet[Item], status: Status) -> int:
    """Move items to `status`; saves each so published_at and later save hooks apply."""
    changed = 0
    # Re-select by id: callers may pass annotated querysets, which cannot be locked.
    targets = Item.objects.filter(pk__in=list(items.values_list("pk", flat=True)))
    with transaction.atomic():
        for item in targets.select_for_update().exclude(status=status):
            item.status = status
            item.save(update_fields=["status", "published_at", "updated_at"])
            changed += 1
    return changed
