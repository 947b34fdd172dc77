"""Assemble an item's searchable text from its fields, captions, PDF text and OCR output."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from items.models import Item, ItemImage

# Text models see at most this much; e5 and CLIP truncate far earlier anyway.
MAX_EMBED_CHARS = 4000


@dataclass(frozen=True)
class ItemText:
    title: str
    body: str  # body, subject and tags
    extra: str  # image captions, alt text and OCR text

    @property
    def full(self) -> str:
        return "\n".join(part for part in (self.title, self.body, self.extra) if part)

    @property
    def for_embedding(self) -> str:
        return self.full[:MAX_EMBED_CHARS]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(
            "\x1f".join((self.title, self.body, self.extra)).encode()
        ).hexdigest()


def _reading_order(image: ItemImage) -> tuple[int, int, int, int]:
    """The item's own images first, then each PDF's pages in page order: a document's
    text reads on from page to page, whatever positions other images took."""
    if image.source_file_id is None:
        return (0, 0, image.position, image.pk or 0)
    return (1, image.source_file_id, image.page_number or 0, image.pk or 0)


def build_item_text(item: Item) -> ItemText:
    """Title, then body with subject and tags, then per image its caption, alt text, PDF
    text layer and OCR."""
    body_parts = [item.body, item.subject, " ".join(item.tags)]
    extra_parts: list[str] = []
    # Callers that assemble many items prefetch "images__ocr" (search hits): then this runs
    # no query. `select_related` on a prefetched manager would discard the prefetch.
    prefetched = getattr(item, "_prefetched_objects_cache", {}).get("images")
    images = prefetched if prefetched is not None else item.images.select_related("ocr")
    for image in sorted(images, key=_reading_order):
        # A PDF page's own text comes with the page, like OCR text with a picture.
        extra_parts.extend([image.caption, image.alt_text, image.text_layer])
        ocr = getattr(image, "ocr", None)
        if ocr is not None:
            extra_parts.append(ocr.text)
    return ItemText(
        title=item.title.strip(),
        body="\n".join(p.strip() for p in body_parts if p and p.strip()),
        extra="\n".join(p.strip() for p in extra_parts if p and p.strip()),
    )
