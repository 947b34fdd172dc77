"""Loads the demo catalog through the item services; idempotent by each spec's key."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from items.demo.catalog import CATALOG, ItemSpec
from items.models import Item
from items.services import add_file, add_image, create_item

DEMO_KEY = "demo_key"  # metadata key that marks an item as demo content

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class DemoSummary:
    created: int
    skipped: int
    images: int
    deleted: int = 0
    pdfs: int = 0


def demo_items() -> QuerySet[Item]:
    return Item.objects.filter(metadata__has_key=DEMO_KEY)


def load_demo(*, reset: bool = False, progress: Progress | None = None) -> DemoSummary:
    """Create every catalog item not yet in the database; `reset` deletes them first.

    `progress(done, total, message)` is called once per catalog entry.
    """
    deleted = delete_demo_items() if reset else 0
    existing = set(demo_items().values_list(f"metadata__{DEMO_KEY}", flat=True))
    created = skipped = images = pdfs = 0
    for done, spec in enumerate(CATALOG, start=1):
        if spec.key in existing:
            skipped += 1
            message = f"{spec.key}: already loaded, skipped"
        else:
            count = _create(spec)
            created += 1
            images += count
            pdfs += spec.pdf is not None
            message = f"{spec.key}: {count} image{'' if count == 1 else 's'}"
            if spec.pdf is not None:
                message += f", {spec.pdf.filename}"
        if progress:
            progress(done, len(CATALOG), message)
    return DemoSummary(
        created=created, skipped=skipped, images=images, deleted=deleted, pdfs=pdfs
    )


@transaction.atomic
def _create(spec: ItemSpec) -> int:
    # One transaction per item: a failing image must not leave an item behind that
    # later runs would skip as "already loaded".
    item = create_item(
        kind=spec.kind,
        title=spec.title,
        body=spec.body,
        subject=spec.subject,
        tags=list(spec.tags),
        language=spec.language,
        status=spec.status,
        metadata={**spec.metadata, DEMO_KEY: spec.key},
    )
    for image in spec.images:
        add_image(
            item=item,
            upload=io.BytesIO(image.render()),
            filename=image.filename,
            caption=image.caption,
            alt_text=image.alt_text,
            page_number=image.page_number,
        )
    if spec.pdf is not None:
        add_file(
            item=item, upload=io.BytesIO(spec.pdf.render()), filename=spec.pdf.filename
        )
    return len(spec.images)


def delete_demo_items() -> int:
    """Delete demo items and their images; returns the item count.

    The image files go with their rows once the delete commits (items/file_cleanup.py)."""
    with transaction.atomic():
        _, per_model = demo_items().delete()
    return per_model.get(Item._meta.label, 0)
