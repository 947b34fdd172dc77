"""Trigram index on search documents, for identifier matching (codes, model numbers)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("embeddings", "0002_pipeline")]
    operations = [
        TrigramExtension(),
        migrations.AddIndex(
            model_name="searchdocument",
            index=GinIndex(
                fields=["text"],
                name="search_document_text_trgm",
                opclasses=["gin_trgm_ops"],
            ),
        ),
    ]
