"""Assemble an item's searchable text from its fields, captions, PDF text and OCR output."""

from __future__ import annotations

import hashlib
import json
from dataclasses import astuple, dataclass

from items.models import Item, ItemImage

# Text models see at most this much; e5 and CLIP truncate far earlier anyway.
MAX_EMBED_CHARS = 4000


@dataclass(frozen=True)
class PageSpan:
    """Characters [start, end) of the item's full text come from page `page`, shown on
    the item page at `#anchor` (a PDF's page, or an image that is a page)."""

    start: int
    end: int
    page: int
    anchor: str


@dataclass(frozen=True)
class ItemText:
    title: str
    body: str  # body, subject and tags
    extra: str  # image captions, alt text, PDF text layers and OCR text
    pages: tuple[PageSpan, ...] = ()  # where each page's text sits in `full`

    @property
    def full(self) -> str:
        return "\n".join(part for part in (self.title, self.body, self.extra) if part)

    @property
    def part_lengths(self) -> list[int]:
        """Lengths of title, body and extra: where each part sits in `full`."""
        return [len(self.title), len(self.body), len(self.extra)]

    @property
    def for_embedding(self) -> str:
        return self.full[:MAX_EMBED_CHARS]

    @property
    def sha256(self) -> str:
        payload = "\x1f".join((self.title, self.body, self.extra))
        if self.pages:  # page anchors change with the files, not always with the text
            payload += "\x1e" + json.dumps([astuple(p) for p in self.pages])
        return hashlib.sha256(payload.encode()).hexdigest()


def split_parts(full: str, lengths: list[int]) -> tuple[str, str, str]:
    """Title, body and extra of a stored full text, from `ItemText.part_lengths`."""
    parts, at = [], 0
    for length in lengths:
        parts.append(full[at : at + length])
        at += length + (1 if length else 0)  # the "\n" that joined a non-empty part
    title, body, extra = parts
    return title, body, extra


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
    # Callers that assemble many items prefetch "images__ocr" (reindex batches): then this runs
    # no query. `select_related` on a prefetched manager would discard the prefetch.
    prefetched = getattr(item, "_prefetched_objects_cache", {}).get("images")
    images = prefetched if prefetched is not None else item.images.select_related("ocr")
    # (text, the image's page and anchor, or None): offsets are found while joining.
    owned: list[tuple[str, tuple[int, str] | None]] = []
    for image in sorted(images, key=_reading_order):
        ocr = getattr(image, "ocr", None)
        # A PDF page's own text comes with the page, like OCR text with a picture.
        texts = [
            image.caption,
            image.alt_text,
            image.text_layer,
            ocr.text if ocr else "",
        ]
        page = (image.page_number, _anchor(image)) if image.page_number else None
        owned += [(t.strip(), page) for t in texts if t and t.strip()]
    title = item.title.strip()
    body = "\n".join(p.strip() for p in body_parts if p and p.strip())
    extra = "\n".join(text for text, _ in owned)
    offset = sum(len(part) + 1 for part in (title, body) if part)  # where extra starts
    spans: list[PageSpan] = []
    for text, page in owned:
        if page is not None:
            last = spans[-1] if spans else None
            if last is not None and (last.page, last.anchor) == page:
                spans[-1] = PageSpan(last.start, offset + len(text), *page)  # same page
            else:
                spans.append(PageSpan(offset, offset + len(text), *page))
        offset += len(text) + 1
    return ItemText(title=title, body=body, extra=extra, pages=tuple(spans))


def _anchor(image: ItemImage) -> str:
    """The item page's anchor for an image that is a page (templates/search/item.html)."""
    if image.source_file_id is not None:
        return f"page-{image.source_file_id}-{image.page_number}"
    return f"image-{image.pk}"
