"""Build each item's weighted tsvector: title (A) > body, subject, tags (B) > captions, OCR (C)."""

from __future__ import annotations

import json
from dataclasses import astuple

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from embeddings.models import SearchDocument
from embeddings.text.documents import ItemText
from embeddings.text.identifiers import extract_identifiers
from embeddings.text.korean import analyze
from embeddings.text.lexical import postings_sql
from items.models import Item

# English stemming for Latin words; Korean morphemes (already analysed) pass through.
TEXT_SEARCH_CONFIG = "english"


def store_search_document(*, item: Item, text: ItemText) -> bool:
    """Write the item's tsvector, its BM25 term rows and its identifier tokens; returns
    False when the stored ones are already current."""
    current = SearchDocument.objects.filter(
        item=item, input_sha256=text.sha256, part_lengths__isnull=False
    ).exists()
    if current:
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO embeddings_searchdocument (item_id, text, tsv, input_sha256,
                part_lengths, pages, updated_at)
            VALUES (
                %(item)s, %(text)s,
                setweight(to_tsvector('{TEXT_SEARCH_CONFIG}', %(title)s), 'A')
                || setweight(to_tsvector('{TEXT_SEARCH_CONFIG}', %(body)s), 'B')
                || setweight(to_tsvector('{TEXT_SEARCH_CONFIG}', %(extra)s), 'C'),
                %(sha)s, %(parts)s::jsonb, %(pages)s::jsonb, now()
            )
            ON CONFLICT (item_id) DO UPDATE
            SET text = EXCLUDED.text, tsv = EXCLUDED.tsv,
                input_sha256 = EXCLUDED.input_sha256,
                part_lengths = EXCLUDED.part_lengths, pages = EXCLUDED.pages,
                updated_at = now()
            """,
            {
                "item": item.pk,
                "text": text.full,
                "parts": json.dumps(text.part_lengths),
                "pages": json.dumps([astuple(page) for page in text.pages]),
                "title": analyze(text.title),
                "body": analyze(text.body),
                "extra": analyze(text.extra),
                "sha": text.sha256,
            },
        )
        for statement in postings_sql(where="d.item_id = %(item)s"):
            cursor.execute(statement, {"item": item.pk})
        write_identifier_tokens(cursor, item_id=item.pk, text=text.full)
    return True


def write_identifier_tokens(cursor: CursorWrapper, *, item_id: int, text: str) -> None:
    """Replace the item's IdentifierToken rows with those of `text` (its document's
    text), inside the caller's transaction: two statements whatever their number."""
    cursor.execute(
        "DELETE FROM embeddings_identifiertoken WHERE item_id = %s", [item_id]
    )
    tokens = sorted(extract_identifiers(text))
    if tokens:
        cursor.execute(
            "INSERT INTO embeddings_identifiertoken (item_id, token) "
            "SELECT %s, unnest(%s::text[])",
            [item_id, tokens],
        )
