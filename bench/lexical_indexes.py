"""The lexical (BM25) branch at 100k items with and without its covering indexes.

Runs against bench/search.py's synthetic corpus (build it first with
`bench/search.py --sizes 100000`), in one run: the branch's scoring statement for a few
three-word queries, best of 3, first with the covering indexes of migration 0012
dropped, then with them built, each after VACUUM ANALYZE (so both sides have
visibility maps and statistics). Leaves the indexes built.

    DEBUG=0 EMBEDDED_DB_NAME=portal_bench_search DATABASE_SCHEMA=bench_100000 \\
        .venv/bin/python bench/lexical_indexes.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "0")
os.environ["EMBEDDINGS_ALLOW_TEST_MODELS"] = "1"

QUERIES = ("저항 문제 값은", "일정의 approval 계약서와", "계산기는 내용의 lamp")
INDEXES = {
    "search_document_length": "embeddings_searchdocument (item_id) INCLUDE (length)",
    "search_term_postings": "embeddings_searchterm (term) INCLUDE (item_id, tf)",
}


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from items.models import Item
    from search import branches
    from search.analysis import analyse_query

    items = Item.objects.published()

    def timed() -> list[float]:
        found = []
        for text in QUERIES:
            query = branches.lexical_query(
                scoring_text=analyse_query(text).scoring_text, constraint="",
                items=items, window=100,
            )  # fmt: skip
            assert query is not None
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                branches.run_one(query)
                best = min(best, time.perf_counter() - started)
            found.append(best * 1000)
        return found

    def vacuum() -> None:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE embeddings_searchdocument")
            cursor.execute("VACUUM ANALYZE embeddings_searchterm")

    print(f"{Item.objects.count()} items")
    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    vacuum()
    without = timed()
    with connection.cursor() as cursor:
        for name, definition in INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")
    vacuum()
    with_indexes = timed()
    print(f"{'query':<28} {'without ms':>10} {'with ms':>9}")
    for text, before, after in zip(QUERIES, without, with_indexes, strict=True):
        print(f"{text:<28} {before:>10.1f} {after:>9.1f}")


if __name__ == "__main__":
    main()
