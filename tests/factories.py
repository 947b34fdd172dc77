"""Factories for the content models; items and images are built through items.services'
rules (model validation, the upload gate), so a factory-made row is one the admin accepts."""

from __future__ import annotations

import io
from typing import Any

import factory
import numpy as np
from factory.django import DjangoModelFactory
from PIL import Image, ImageDraw, ImageFilter

from items.models import Item, ItemImage, ItemKind, Language, Status
from items.services import add_image


def make_photo(seed: int, size: tuple[int, int] = (480, 360)) -> Image.Image:
    """A smooth colour field with a few soft shapes, fixed by `seed` (photo-like for
    pHash: its structure is in the low frequencies)."""
    rng = np.random.default_rng(seed)
    field = rng.uniform(0, 255, (4, 5, 3)).astype(np.uint8)
    image = Image.fromarray(field).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        x, y = rng.integers(0, size[0]), rng.integers(0, size[1])
        r = int(rng.integers(30, 90))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - r, y - r, x + r, y + r), fill=colour)
    return image.filter(ImageFilter.GaussianBlur(3))


def make_image_bytes(
    fmt: str = "PNG",
    size: tuple[int, int] = (96, 64),
    color: str = "#3a7bd5",
    **save: object,
) -> bytes:
    image = Image.new("RGB", size, color)
    # A second colour so thumbnails and hashes are not of a flat field.
    image.paste("#f2b134", (0, 0, size[0] // 2, size[1] // 2))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


class ItemFactory(DjangoModelFactory):
    class Meta:
        model = Item

    kind = ItemKind.TEST_ITEM
    title = factory.Sequence(lambda n: f"삼각형의 넓이 문제 {n + 1}")
    body = "밑변이 6 cm, 높이가 4 cm인 삼각형의 넓이를 구하시오."
    subject = "수학"
    language = Language.KOREAN
    status = Status.PUBLISHED

    @classmethod
    def _create(cls, model_class: type[Item], *args: Any, **kwargs: Any) -> Item:
        # full_clean first, as the admin and items.services do (tags normalised, etc.).
        item = model_class(*args, **kwargs)
        item.full_clean()
        item.save()
        return item


class ItemImageFactory(DjangoModelFactory):
    """An image attached through `add_image`: validated, thumbnailed and hashed."""

    class Meta:
        model = ItemImage

    item = factory.SubFactory(ItemFactory)
    content = factory.LazyFunction(make_image_bytes)
    filename = factory.Sequence(lambda n: f"image-{n}.png")
    caption = ""

    @classmethod
    def _create(
        cls, model_class: type[ItemImage], *args: Any, **kwargs: Any
    ) -> ItemImage:
        content = kwargs.pop("content")
        return add_image(upload=io.BytesIO(content), **kwargs)
