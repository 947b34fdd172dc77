"""Uploaded files leave storage with their rows: images, thumbnails, rendered PDF pages
and PDFs.

Django deletes rows, never files: without this, a deleted draft's picture (or the one an
editor replaced) would stay on disk and under its media URL's name for ever. Files go only
after the transaction commits, so a rolled-back delete or save keeps them, and only when no
row still names them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.db.models import Q

from items.models import ItemFile, ItemImage

# The models whose rows name stored files, and those file fields. A name is deleted only
# when no field listed here still holds it.
FILE_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    ItemImage: ("image", "thumbnail"),
    ItemFile: ("file",),
}
# Names a row held before a save that replaced them, stashed between pre_save and
# post_save (post_save runs inside the same transaction as the write).
_REPLACED = "_replaced_file_names"


def stored_names(row: models.Model) -> set[str]:
    fields = (getattr(row, name) for name in FILE_FIELDS[type(row)])
    return {field.name for field in fields if field and field.name}


def referenced_names(names: Iterable[str] | None = None) -> set[str]:
    """Every stored name some row holds (of `names` only, when given)."""
    wanted = set(names) if names is not None else None
    found: set[str] = set()
    for model, fields in FILE_FIELDS.items():
        rows = model._default_manager.all()
        if wanted is not None:
            match = Q()
            for field in fields:
                match |= Q(**{f"{field}__in": wanted})
            rows = rows.filter(match)
        for values in rows.values_list(*fields):
            found.update(value for value in values if value)
    return found


def delete_unreferenced_after_commit(names: Iterable[str]) -> None:
    names = {name for name in names if name}
    if names:
        transaction.on_commit(lambda: _delete_unreferenced(names))


def _delete_unreferenced(names: set[str]) -> None:
    storage = ItemImage._meta.get_field("image").storage
    for name in names - referenced_names(names):
        storage.delete(name)


def row_deleted(sender, instance: models.Model, **kwargs) -> None:
    delete_unreferenced_after_commit(stored_names(instance))


def row_saving(sender, instance: models.Model, raw: bool = False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    before = (
        type(instance)
        ._default_manager.filter(pk=instance.pk)
        .values_list(*FILE_FIELDS[type(instance)])
        .first()
    )
    if before:
        setattr(instance, _REPLACED, set(before) - stored_names(instance))


def row_saved(sender, instance: models.Model, raw: bool = False, **kwargs) -> None:
    # Scheduled here, not in pre_save: in autocommit mode on_commit runs at once, which
    # would delete the old file before the new row is written.
    replaced = instance.__dict__.pop(_REPLACED, None)
    if replaced:
        delete_unreferenced_after_commit(replaced)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_save

    for model in FILE_FIELDS:
        label = model.__name__.lower()
        post_delete.connect(
            row_deleted, sender=model, dispatch_uid=f"items.{label}_files_deleted"
        )
        pre_save.connect(
            row_saving, sender=model, dispatch_uid=f"items.{label}_files_replacing"
        )
        post_save.connect(
            row_saved, sender=model, dispatch_uid=f"items.{label}_files_replaced"
        )
