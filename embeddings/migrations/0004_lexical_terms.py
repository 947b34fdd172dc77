"""BM25 term rows for the lexical branch, backfilled from the stored tsvectors."""

import django.db.models.deletion
from django.db import migrations, models

# Frozen copy of embeddings.lexical.postings_sql at the time of this migration (title
# terms count three times), so later tuning does not rewrite history.
BACKFILL = [
    """
    INSERT INTO embeddings_searchterm (item_id, term, tf)
    SELECT d.item_id, u.lexeme, sum(CASE w WHEN 'A' THEN 3.0 ELSE 1.0 END)
    FROM embeddings_searchdocument d
    CROSS JOIN LATERAL unnest(d.tsv) AS u(lexeme, positions, weights)
    CROSS JOIN LATERAL unnest(u.weights) AS w
    GROUP BY d.item_id, u.lexeme
    """,
    """
    UPDATE embeddings_searchdocument d
    SET length = coalesce(
        (SELECT sum(t.tf) FROM embeddings_searchterm t WHERE t.item_id = d.item_id), 0)
    """,
]


class Migration(migrations.Migration):
    dependencies = [("embeddings", "0003_trigram")]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="length",
            field=models.FloatField(db_default=0, default=0),
        ),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "term",
                        "document",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("term", models.TextField()),
                ("tf", models.FloatField()),
                (
                    "document",
                    models.ForeignKey(
                        db_column="item_id",
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="terms",
                        to="embeddings.searchdocument",
                    ),
                ),
            ],
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
