"""Item validation rules and workflow invariants."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError

from items.models import Item, ItemKind, Status
from items.services import set_status
from items.tags import normalize_tags


def test_title_is_required_and_not_only_whitespace():
    item = Item(kind=ItemKind.PRODUCT, title="   ")
    with pytest.raises(ValidationError) as info:
        item.full_clean()
    assert "title" in info.value.message_dict


def test_unknown_kind_status_and_language_are_refused():
    item = Item(kind="poster", title="x", status="deleted", language="jp")
    with pytest.raises(ValidationError) as info:
        item.full_clean()
    assert {"kind", "status", "language"} <= set(info.value.message_dict)


def test_metadata_must_be_an_object():
    item = Item(title="x", metadata=["answer", 3])
    with pytest.raises(ValidationError) as info:
        item.full_clean()
    assert "JSON object" in info.value.message_dict["metadata"][0]


def test_tags_are_normalised_on_clean():
    item = Item(
        title="x", tags=["  Geometry ", "geometry", "도형", "", "Area  of  triangle"]
    )
    item.full_clean()
    assert item.tags == ["geometry", "도형", "area of triangle"]


def test_too_many_or_too_long_tags_are_refused():
    with pytest.raises(ValueError, match="At most"):
        normalize_tags([f"t{i}" for i in range(31)])
    with pytest.raises(ValueError, match="longer than"):
        normalize_tags(["x" * 65])


@pytest.mark.django_db
def test_published_at_set_on_first_publication_and_kept(make_item):
    item = make_item(status=Status.DRAFT)
    assert item.published_at is None
    assert (
        set_status(items=Item.objects.filter(pk=item.pk), status=Status.PUBLISHED) == 1
    )
    item.refresh_from_db()
    first = item.published_at
    assert first is not None
    set_status(items=Item.objects.filter(pk=item.pk), status=Status.ARCHIVED)
    set_status(items=Item.objects.filter(pk=item.pk), status=Status.PUBLISHED)
    item.refresh_from_db()
    assert item.published_at == first


@pytest.mark.django_db
def test_set_status_counts_only_changed_items(make_item):
    make_item(status=Status.PUBLISHED)
    make_item(status=Status.DRAFT)
    assert set_status(items=Item.objects.all(), status=Status.PUBLISHED) == 1


@pytest.mark.django_db
def test_visible_to_hides_unpublished_from_non_staff(make_item):
    published = make_item(status=Status.PUBLISHED)
    draft = make_item(status=Status.DRAFT)
    staff = User.objects.create_user("ed", is_staff=True)
    reader = User.objects.create_user("reader")
    assert list(Item.objects.visible_to(AnonymousUser())) == [published]
    assert list(Item.objects.visible_to(reader)) == [published]
    assert set(Item.objects.visible_to(staff)) == {published, draft}


@pytest.mark.django_db
def test_factories_build_rows_the_admin_accepts():
    import hashlib

    from tests.factories import ItemFactory, ItemImageFactory, make_image_bytes

    content = make_image_bytes()
    image = ItemImageFactory(content=content, caption="앞면")
    image.full_clean()
    assert image.item.pk and image.item.status == Status.PUBLISHED
    assert image.thumbnail and image.sha256 == hashlib.sha256(content).hexdigest()
    # The factory validates like the admin does: an invalid item is refused, not saved.
    with pytest.raises(ValidationError):
        ItemFactory(title="   ")
    assert ItemFactory(tags=[" Math ", "math"]).tags == ["math"]


@pytest.mark.django_db
def test_update_item_validates_before_it_saves():
    from items.services import update_item
    from tests.factories import ItemFactory

    item = ItemFactory(title="Before")
    with pytest.raises(ValidationError):
        update_item(item=item, title="After", kind="poster")
    item.refresh_from_db()
    assert item.title == "Before"
    assert update_item(item=item, tags=["Geometry "]).tags == ["geometry"]
