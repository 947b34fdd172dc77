"""The identifier index (IdentifierToken), backfilled from the stored search documents;
the trigram index over whole document texts, which only the old identifier branch used,
is dropped."""

import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models

BATCH = 2000


def backfill(apps, schema_editor) -> None:
    # The live extractor, not a frozen copy: these rows are derived data that must match
    # what the index stage writes today (`check_index` repairs any later drift).
    from embeddings.text.identifiers import extract_identifiers

    SearchDocument = apps.get_model("embeddings", "SearchDocument")
    rows = SearchDocument.objects.order_by("item_id").values_list("item_id", "text")
    with schema_editor.connection.cursor() as cursor:
        items: list[int] = []
        tokens: list[str] = []
        for count, (item_id, text) in enumerate(rows.iterator(chunk_size=BATCH), 1):
            for token in extract_identifiers(text):
                items.append(item_id)
                tokens.append(token)
            if count % BATCH == 0 or len(tokens) > 50 * BATCH:
                _insert(cursor, items, tokens)
                items, tokens = [], []
        _insert(cursor, items, tokens)


def _insert(cursor, items: list[int], tokens: list[str]) -> None:
    if items:
        cursor.execute(
            "INSERT INTO embeddings_identifiertoken (item_id, token) "
            "SELECT * FROM unnest(%s::bigint[], %s::text[])",
            [items, tokens],
        )


class Migration(migrations.Migration):
    dependencies = [("embeddings", "0010_passages")]

    operations = [
        migrations.CreateModel(
            name="IdentifierToken",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "token",
                        "document",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("token", models.CharField(db_collation="C", max_length=64)),
                (
                    "document",
                    models.ForeignKey(
                        db_column="item_id",
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="identifiers",
                        to="embeddings.searchdocument",
                    ),
                ),
            ],
            options={
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["token"],
                        name="identifier_token_trgm",
                        opclasses=["gin_trgm_ops"],
                    )
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="searchdocument", name="search_document_text_trgm"
        ),
    ]
