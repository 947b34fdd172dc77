"""Put a built set into the portal through the normal item services, and write its
judged queries. Items are published documents keyed by `metadata["key"]`; a rerun updates
changed items and leaves unchanged ones alone (so nothing is re-embedded needlessly)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from items.models import Item, ItemKind, Status
from items.services import create_item
from search.evaluation.sets.corpus import BuiltSet

TITLE_MAX = 300  # Item.title's max_length


@dataclass(frozen=True)
class IngestSummary:
    created: int
    updated: int
    unchanged: int
    item_ids: list[int]


def ingest_set(
    *, built: BuiltSet, progress: Callable[[int], None] | None = None
) -> IngestSummary:
    existing = {
        item.metadata.get("key"): item
        for item in Item.objects.filter(metadata__set=built.name)
    }
    created = updated = unchanged = 0
    ids = []
    for document in built.documents:
        title = document.title[:TITLE_MAX]
        item = existing.get(document.key)
        if item is None:
            item = create_item(
                kind=ItemKind.DOCUMENT, status=Status.PUBLISHED, title=title,
                body=document.body, language=document.language, subject=built.name,
                metadata={"key": document.key, "set": built.name},
            )  # fmt: skip
            created += 1
        elif (item.title, item.body, item.status) != (
            title,
            document.body,
            Status.PUBLISHED,
        ):
            with transaction.atomic():
                item.title, item.body, item.status = (
                    title,
                    document.body,
                    Status.PUBLISHED,
                )
                item.full_clean()
                item.save()
            updated += 1
        else:
            unchanged += 1
        ids.append(item.pk)
        if progress:
            progress(1)
    return IngestSummary(
        created=created, updated=updated, unchanged=unchanged, item_ids=ids
    )


def write_queries(*, built: BuiltSet, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in built.queries:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
