"""A small judged corpus built through the real pipeline (tiny test CLIP, real tesseract)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from embeddings.registry import forget
from items.models import Item, ItemKind, Language, Status
from items.services import add_image, create_item
from search import embedding_cache
from tests.conftest import make_image_bytes, process, render_lines


@dataclass
class Corpus:
    ocr_only: Item  # a phrase exists only in its image
    photo: Item  # found by its exact image
    photo_bytes: bytes
    compound: Item  # a Korean word inside an agglutinated phrase
    mug: Item
    draft: Item


@pytest.fixture
def corpus(db, test_clip_space) -> Corpus:
    forget()
    embedding_cache.clear()
    ocr_only = create_item(
        title="실험 안내문", body="과학실 안내문입니다.", kind=ItemKind.DOCUMENT,
        status=Status.PUBLISHED, language=Language.KOREAN,
    )  # fmt: skip
    add_image(item=ocr_only, upload=io.BytesIO(render_lines(["Beaker cleaning schedule", "비커 세척 당번표"])),
              filename="notice.png")  # fmt: skip
    photo_bytes = make_image_bytes("PNG", size=(300, 200), color="#22aa66")
    photo = create_item(title="Green box", body="A product photo.", kind=ItemKind.PRODUCT,
                        status=Status.PUBLISHED, language=Language.ENGLISH)  # fmt: skip
    add_image(item=photo, upload=io.BytesIO(photo_bytes), filename="green.png")
    compound = create_item(title="넓이 문제", body="밑변이 6인 삼각형의넓이를구하시오.",
                           status=Status.PUBLISHED)  # fmt: skip
    mug = create_item(title="세라믹 머그컵 350 ml", body="커피를 따뜻하게 마시는 컵.",
                      kind=ItemKind.PRODUCT, status=Status.PUBLISHED)  # fmt: skip
    add_image(
        item=mug,
        upload=io.BytesIO(make_image_bytes("JPEG", color="#884422")),
        filename="mug.jpg",
    )
    draft = create_item(title="비공개 초안 머그컵", body="아직 공개되지 않은 머그컵 초안.",
                        kind=ItemKind.PRODUCT, status=Status.DRAFT)  # fmt: skip
    add_image(item=draft, upload=io.BytesIO(photo_bytes), filename="green-copy.png")
    for item in (ocr_only, photo, compound, mug, draft):
        process(item)
    return Corpus(ocr_only=ocr_only, photo=photo, photo_bytes=photo_bytes, compound=compound,
                  mug=mug, draft=draft)  # fmt: skip
