"""Item, image and PDF changes request processing (the one processing hook; the other signal
receivers, in items/file_cleanup.py, remove image files with their rows).

Admin saves bypass any service layer, so this is where every change is caught. Receivers
stay thin: skip fixture loads, record job rows, and let `request_processing` enqueue after
commit. Deletes need no work here: derived rows cascade with the item or image, and an
image removal re-requests its item so text and vectors drop what it contributed.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from embeddings.processing.jobs import request_processing
from items.models import Item, ItemFile, ItemImage


def item_saved(sender, instance: Item, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    request_processing(item_id=instance.pk)


def image_changed(
    sender, instance: ItemImage | ItemFile, raw: bool = False, origin=None, **kwargs
) -> None:
    if raw or _deleted_with(origin, instance) or _replacing_pages(instance, origin):
        return
    request_processing(item_id=instance.item_id)


def _deleted_with(origin, instance: ItemImage | ItemFile) -> bool:
    """True while a row is removed because its item, or (for a page) its PDF, is.

    New job rows for an item that is about to disappear would break the delete; a PDF's
    pages go with it, and the PDF's own delete requests the item's processing once.
    """
    owners: tuple[type, ...] = (
        (Item, ItemFile) if isinstance(instance, ItemImage) else (Item,)
    )
    if isinstance(origin, owners):
        return True
    return isinstance(origin, QuerySet) and origin.model in owners


def _replacing_pages(instance: ItemImage | ItemFile, origin) -> bool:
    """True for PDF pages dropped in bulk: only the pages stage (and a forced reindex)
    does that, on its way to rendering them again, and the item's later stages were
    requested with the file's change. A request per page would only run them twice."""
    return (
        isinstance(instance, ItemImage)
        and instance.source_file_id is not None
        and isinstance(origin, QuerySet)
        and origin.model is ItemImage
    )


def connect() -> None:
    post_save.connect(item_saved, sender=Item, dispatch_uid="embeddings.item_saved")
    post_save.connect(
        image_changed, sender=ItemImage, dispatch_uid="embeddings.image_saved"
    )
    post_delete.connect(
        image_changed, sender=ItemImage, dispatch_uid="embeddings.image_deleted"
    )
    # A PDF added, replaced or removed: its pages are (re)rendered or dropped, and the
    # item's text and vectors follow.
    post_save.connect(
        image_changed, sender=ItemFile, dispatch_uid="embeddings.file_saved"
    )
    post_delete.connect(
        image_changed, sender=ItemFile, dispatch_uid="embeddings.file_deleted"
    )
