"""Item and image changes request processing (the one processing hook; the other signal
receivers, in items/file_cleanup.py, remove image files with their rows).

Admin saves bypass any service layer, so this is where every change is caught. Receivers
stay thin: skip fixture loads, record job rows, and let `request_processing` enqueue after
commit. Deletes need no work here: derived rows cascade with the item or image, and an
image removal re-requests its item so text and vectors drop what it contributed.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from embeddings.jobs import request_processing
from items.models import Item, ItemImage


def item_saved(sender, instance: Item, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    request_processing(item_id=instance.pk)


def image_changed(
    sender, instance: ItemImage, raw: bool = False, origin=None, **kwargs
) -> None:
    if raw or _deleting_items(origin):
        return
    request_processing(item_id=instance.item_id)


def _deleting_items(origin) -> bool:
    """True while an image is removed because its item is being deleted.

    New job rows for an item that is about to disappear would break the delete.
    """
    if isinstance(origin, Item):
        return True
    return isinstance(origin, QuerySet) and origin.model is Item


def connect() -> None:
    post_save.connect(item_saved, sender=Item, dispatch_uid="embeddings.item_saved")
    post_save.connect(
        image_changed, sender=ItemImage, dispatch_uid="embeddings.image_saved"
    )
    post_delete.connect(
        image_changed, sender=ItemImage, dispatch_uid="embeddings.image_deleted"
    )
