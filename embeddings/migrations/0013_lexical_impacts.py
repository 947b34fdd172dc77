from django.db import migrations, models

# Frozen copy of embeddings.text.lexical's saturation at the time of this migration
# (k1 1.5, b 0.6): each posting's weight before IDF, with the corpus's mean length.
BACKFILL = """
UPDATE embeddings_searchterm t
SET length = d.length,
    impact = t.tf * 2.5 / (t.tf + 1.5 * (1 - 0.6 + 0.6 * d.length / m.value))
FROM embeddings_searchdocument d,
     (SELECT greatest(coalesce(avg(length), 1), 1) AS value
      FROM embeddings_searchdocument) AS m
WHERE d.item_id = t.item_id
"""

# Document frequencies follow every insert and delete of term rows, in the same
# transaction. One advisory lock serialises the writers of the counts: two documents
# sharing common terms, written at once, would otherwise lock those rows in different
# orders and deadlock.
COUNTS = """
INSERT INTO embeddings_searchtermstat (term, df)
SELECT term, count(*) FROM embeddings_searchterm GROUP BY term;

CREATE FUNCTION embeddings_searchterm_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('embeddings_searchtermstat'));
    INSERT INTO embeddings_searchtermstat (term, df)
    SELECT term, count(*) FROM added GROUP BY term ORDER BY term
    ON CONFLICT (term) DO UPDATE SET df = embeddings_searchtermstat.df + EXCLUDED.df;
    RETURN NULL;
END $$;

CREATE FUNCTION embeddings_searchterm_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('embeddings_searchtermstat'));
    UPDATE embeddings_searchtermstat s SET df = s.df - r.n
    FROM (SELECT term, count(*) AS n FROM removed GROUP BY term) AS r
    WHERE s.term = r.term;
    DELETE FROM embeddings_searchtermstat
    WHERE df <= 0 AND term IN (SELECT term FROM removed);
    RETURN NULL;
END $$;

CREATE TRIGGER embeddings_searchterm_added
AFTER INSERT ON embeddings_searchterm REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION embeddings_searchterm_added();

CREATE TRIGGER embeddings_searchterm_removed
AFTER DELETE ON embeddings_searchterm REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION embeddings_searchterm_removed();
"""

NO_COUNTS = """
DROP TRIGGER embeddings_searchterm_added ON embeddings_searchterm;
DROP TRIGGER embeddings_searchterm_removed ON embeddings_searchterm;
DROP FUNCTION embeddings_searchterm_added();
DROP FUNCTION embeddings_searchterm_removed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("embeddings", "0012_lexical_covering_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="searchterm", name="search_term_postings"),
        migrations.AddField(
            model_name="searchterm",
            name="impact",
            field=models.FloatField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="searchterm",
            name="length",
            field=models.FloatField(db_default=0, default=0),
        ),
        # Before the index: one index build over the filled rows, not an update of it.
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="searchterm",
            index=models.Index(
                fields=["term", "-impact"],
                include=("document", "tf", "length"),
                name="search_term_impacts",
            ),
        ),
        migrations.CreateModel(
            name="SearchTermStat",
            fields=[
                ("term", models.TextField(primary_key=True, serialize=False)),
                ("df", models.IntegerField()),
            ],
        ),
        migrations.RunSQL(COUNTS, NO_COUNTS),
    ]
