"""SQL statements per search, by kind of query, on whatever corpus the database holds.

    .venv/bin/python bench/count_statements.py [--text "레이어 마스크"]

Runs each search twice and counts the statements of the second (query embeddings are
cached by then: what is counted is SQL only). `CaptureQueriesContext` turns the query log
on for the block whatever DEBUG is, so the count is right with DEBUG off (the broken
counter of 2026-11-22 read the log without it). Uses the portal's own database (the
evaluation corpus, for docs/benchmarks.md); it changes nothing.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def query_image() -> bytes:
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (320, 200), "#3366aa")
    ImageDraw.Draw(picture).ellipse((40, 40, 200, 160), fill="#ffcc00")
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", default="레이어 마스크")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from search.engine import SearchRequest, run_search

    image = query_image()
    searches = {
        "text (score fusion), k 20": SearchRequest(text=args.text),
        "text (score fusion), k 50": SearchRequest(text=args.text, k=50),
        "text, fusion=rrf": SearchRequest(text=args.text, fusion="rrf"),
        "text + image": SearchRequest(text=args.text, image=image),
        "image": SearchRequest(image=image),
    }
    print(f"{'search':<28} {'statements':>10}  hits  branches")
    for label, request in searches.items():
        run_search(request, user=AnonymousUser())
        with CaptureQueriesContext(connection) as captured:
            response = run_search(request, user=AnonymousUser())
        count = len(captured.captured_queries)
        branches = ", ".join(sorted(response.branches))
        print(f"{label:<28} {count:>10}  {len(response.hits):>4}  {branches}")


if __name__ == "__main__":
    main()
