"""Image files leave storage with their rows, after commit, and only when no row names them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from items.models import Item, ItemImage
from tests.factories import ItemImageFactory, make_image_bytes

pytestmark = pytest.mark.django_db


def paths(image: ItemImage) -> list[Path]:
    return [Path(image.image.path), Path(image.thumbnail.path)]


def test_deleting_an_image_removes_its_files_after_commit(
    django_capture_on_commit_callbacks,
):
    image = ItemImageFactory()
    files = paths(image)
    assert all(path.exists() for path in files)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        image.delete()
    assert all(path.exists() for path in files)  # not before the delete commits
    for callback in pending:
        callback()
    assert not any(path.exists() for path in files)


def test_deleting_an_item_removes_all_its_image_files(
    django_capture_on_commit_callbacks,
):
    first = ItemImageFactory()
    second = ItemImageFactory(item=first.item)
    other = ItemImageFactory()
    files = paths(first) + paths(second)
    with django_capture_on_commit_callbacks(execute=True):
        Item.objects.filter(pk=first.item_id).delete()
    assert not any(path.exists() for path in files)
    assert all(path.exists() for path in paths(other))


def test_a_rolled_back_delete_keeps_the_files(django_capture_on_commit_callbacks):
    image = ItemImageFactory()
    pk, files = image.pk, paths(image)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        image.delete()
        raise RuntimeError("editor's delete failed")
    assert ItemImage.objects.filter(pk=pk).exists()
    assert all(path.exists() for path in files)


def test_a_file_another_row_still_names_is_kept(django_capture_on_commit_callbacks):
    image = ItemImageFactory()
    twin = ItemImageFactory()
    ItemImage.objects.filter(pk=twin.pk).update(
        image=image.image.name, thumbnail=image.thumbnail.name
    )
    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
    assert all(path.exists() for path in paths(ItemImage.objects.get(pk=twin.pk)))


def test_replacing_an_images_file_removes_the_old_one(
    django_capture_on_commit_callbacks,
):
    image = ItemImageFactory()
    old = Path(image.image.path)
    thumbnail = Path(image.thumbnail.path)
    with django_capture_on_commit_callbacks(execute=True):
        image.image = ContentFile(make_image_bytes(color="#aa3355"), name="new.png")
        image.save()
    assert not old.exists()
    assert Path(image.image.path).exists()
    assert thumbnail.exists()  # unchanged by this save: kept


def test_saving_without_changing_the_file_keeps_it(django_capture_on_commit_callbacks):
    image = ItemImageFactory()
    with django_capture_on_commit_callbacks(execute=True):
        image.caption = "새 설명"
        image.save()
    assert all(path.exists() for path in paths(image))
