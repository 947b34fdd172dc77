"""What a development set builder produces: documents to ingest and judged queries."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceDocument:
    key: str  # stored as Item.metadata["key"]; judged sets name items by it
    title: str
    body: str
    language: str  # items.models.Language value


@dataclass
class BuiltSet:
    name: str
    documents: list[SourceDocument] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)  # judged_set JSONL rows
