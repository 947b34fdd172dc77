"""Image files leave storage with their rows.

Django deletes rows, never files: without this, a deleted draft's picture (or the one an
editor replaced) would stay on disk and under its media URL's name for ever. Files go only
after the transaction commits, so a rolled-back delete or save keeps them, and only when no
other image row still names them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from items.models import ItemImage

# Names an image row held before a save that replaced them, stashed between pre_save and
# post_save (post_save runs inside the same transaction as the write).
_REPLACED = "_replaced_file_names"


def stored_names(image: ItemImage) -> set[str]:
    return {
        field.name for field in (image.image, image.thumbnail) if field and field.name
    }


def delete_unreferenced_after_commit(names: Iterable[str]) -> None:
    names = {name for name in names if name}
    if names:
        transaction.on_commit(lambda: _delete_unreferenced(names))


def _delete_unreferenced(names: set[str]) -> None:
    still_used: set[str] = set()
    for image, thumbnail in ItemImage.objects.filter(
        Q(image__in=names) | Q(thumbnail__in=names)
    ).values_list("image", "thumbnail"):
        still_used.update((image, thumbnail))
    storage = ItemImage._meta.get_field("image").storage
    for name in names - still_used:
        storage.delete(name)


def image_deleted(sender, instance: ItemImage, **kwargs) -> None:
    delete_unreferenced_after_commit(stored_names(instance))


def image_saving(sender, instance: ItemImage, raw: bool = False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    before = (
        ItemImage.objects.filter(pk=instance.pk)
        .values_list("image", "thumbnail")
        .first()
    )
    if before:
        setattr(instance, _REPLACED, set(before) - stored_names(instance))


def image_saved(sender, instance: ItemImage, raw: bool = False, **kwargs) -> None:
    # Scheduled here, not in pre_save: in autocommit mode on_commit runs at once, which
    # would delete the old file before the new row is written.
    replaced = instance.__dict__.pop(_REPLACED, None)
    if replaced:
        delete_unreferenced_after_commit(replaced)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    post_delete.connect(
        image_deleted, sender=ItemImage, dispatch_uid="items.files_deleted"
    )
    pre_save.connect(
        image_saving, sender=ItemImage, dispatch_uid="items.files_replacing"
    )
    post_save.connect(
        image_saved, sender=ItemImage, dispatch_uid="items.files_replaced"
    )
