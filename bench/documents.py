"""Large PDF documents: ingestion per page, and what a 300-page PDF in the results costs a
search, its passages and RAG context, beside the same text as a plain item's body.

    DEBUG=0 .venv/bin/python bench/documents.py [--pages 300] [--queries 20]

The PDF is written byte by byte (tests/pdfs.py: Helvetica text pages, ~1,500 characters
each, one page holding the phrase searched for), uploaded through `items.services.add_file`
and processed by the real pages and index stages (no OCR: every page has a text layer;
no vectors: the lexical branch is what finds it). The baseline item has the same text as
its body and no pages, so the difference between the two rows is what pages cost.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("EMBEDDED_DB_NAME", "portal_bench_documents")
os.environ.setdefault("QUEUE_PREFIX", "bench-")

PHRASE = "Replace the impeller gasket every spring before the pump is filled."
WORDS = [
    "pump", "housing", "valve", "pressure", "seal", "bearing", "shaft", "motor",
    "filter", "flow", "inlet", "outlet", "coupling", "alignment", "lubricate", "inspect",
    "torque", "bolt", "flange", "drain", "prime", "vent",
]  # fmt: skip


def page_lines(number: int, target: int) -> list[str]:
    """About 1,500 characters of manual-like text for page `number`; the target page
    holds the phrase."""
    lines = []
    for line in range(16):
        words = [WORDS[(number * 7 + line * 3 + k) % len(WORDS)] for k in range(13)]
        lines.append(f"{number}.{line + 1} " + " ".join(words) + ".")
    if number == target:
        lines[8] = PHRASE
    return lines


def timed(work: Callable[[], object], repeat: int) -> tuple[list[float], int]:
    """Wall times in ms of `repeat` runs, and SQL statements of one run."""
    from django.db import connection

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        work()
    one_run = statements
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times, one_run


def row(name: str, times: list[float], statements: int | str = "") -> None:
    p50 = statistics.median(times)
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    print(f"| {name} | {p50:.1f} | {p95:.1f} | {statements} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command

    from embeddings.models import EmbeddingSpace
    from embeddings.processing.pdf_pages import render_item_pages
    from embeddings.text.documents import build_item_text
    from embeddings.text.fulltext import store_search_document
    from items.models import Item, ItemKind, Language, Status
    from items.pdf_uploads import check_pdf_upload
    from items.services import add_file, create_item
    from search.rag.context import RagQuery, build_context
    from search.rag.hits import attach_passages
    from search.requests import build_search_request
    from search.selectors import run_search
    from tests.pdfs import text_pdf

    if settings.DEBUG:
        print("Run with DEBUG=0: with DEBUG on, Django keeps every query in memory.")
    call_command("migrate", verbosity=0)
    # Only the lexical branch: vectors are not what this measures.
    EmbeddingSpace.objects.update(state="retired")
    Item.objects.all().delete()

    target = max(1, args.pages * 2 // 3)
    pages = [page_lines(n, target) for n in range(1, args.pages + 1)]
    pdf = text_pdf(*pages)
    print(f"{args.pages}-page PDF, {len(pdf) / 1024:.0f} KB, phrase on page {target}\n")
    print("| measurement | P50 ms | P95 ms | SQL statements |")
    print("|---|---:|---:|---:|")

    check_times, _ = timed(lambda: check_pdf_upload(io.BytesIO(pdf)), 3)
    row("upload check (signature, bomb scan, PDFium open, page sizes)", check_times)

    document = create_item(title="Pump manual (PDF)", body="", kind=ItemKind.DOCUMENT,
                           language=Language.ENGLISH, status=Status.PUBLISHED)  # fmt: skip
    add_file(item=document, upload=io.BytesIO(pdf), filename="pump.pdf")
    per_run = []
    while True:
        started = time.perf_counter()
        done = render_item_pages(item=document)
        if not done:
            break
        per_run.append((time.perf_counter() - started) * 1000 / done)
    row(f"pages stage, per page ({settings.PDF_PAGES_PER_JOB} pages a run)", per_run)

    index_times, index_sql = timed(
        lambda: store_search_document(item=document, text=build_item_text(document)), 3
    )
    row("index stage: item text of all pages + search document", index_times, index_sql)

    text = build_item_text(document)
    plain = create_item(title="Pump manual (body)", body=text.body + "\n" + text.extra,
                        kind=ItemKind.DOCUMENT, language=Language.ENGLISH,
                        status=Status.PUBLISHED)  # fmt: skip
    store_search_document(item=plain, text=build_item_text(plain))
    for n in range(10):
        short = create_item(title=f"Pump gasket kit {n}", body=f"Impeller gasket, {40 + n} mm.",
                            language=Language.ENGLISH, status=Status.PUBLISHED)  # fmt: skip
        store_search_document(item=short, text=build_item_text(short))

    anonymous = AnonymousUser()
    request = build_search_request(text="impeller gasket spring", mode="fts", k=24)
    question = RagQuery(question="How often is the impeller gasket replaced?")

    def search_only():
        return run_search(request, user=anonymous)

    def search_with_passages():
        result = run_search(request, user=anonymous)
        attach_passages(result.hits, text=request.text)
        return result

    def rag_context():
        return build_context(query=question, user=anonymous)

    # The same measurements with the manual as a 300-page PDF, then as a body without
    # pages (the other one unpublished): the difference is what pages cost.
    variants = {"PDF": (document, plain), "body": (plain, document)}
    results: dict[str, dict[str, tuple[list[float], int]]] = {}
    for name, (shown, hidden) in variants.items():
        Item.objects.filter(pk=shown.pk).update(status=Status.PUBLISHED)
        Item.objects.filter(pk=hidden.pk).update(status=Status.DRAFT)
        result = search_with_passages()
        hit = next(h for h in result.hits if h.item.pk == shown.pk)
        context = rag_context()
        print(f"{name}: passages on pages {[p.page for p in hit.passages]}; first "
              f"citation {context.passages[0].title!r}, page {context.passages[0].page}")  # fmt: skip
        results[name] = {
            "run_search (11 hits)": timed(search_only, args.queries),
            "run_search + passages under each hit": timed(search_with_passages, args.queries),
            "RAG context": timed(rag_context, args.queries),
        }  # fmt: skip
    print(
        "\n| measurement | PDF P50 / P95 ms | body P50 / P95 ms | SQL statements (PDF, body) |"
    )
    print("|---|---:|---:|---:|")
    for measurement in results["PDF"]:
        (pdf_times, pdf_sql), (body_times, body_sql) = (
            results["PDF"][measurement], results["body"][measurement]
        )  # fmt: skip
        print(
            f"| {measurement} | {_p(pdf_times)} | {_p(body_times)} | {pdf_sql}, {body_sql} |"
        )


def _p(times: list[float]) -> str:
    p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
    return f"{statistics.median(times):.1f} / {p95:.1f}"


if __name__ == "__main__":
    main()
