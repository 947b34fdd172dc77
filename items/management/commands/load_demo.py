"""`manage.py load_demo`: create the bilingual demo items (see items.demo)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from items.demo.loader import load_demo
from items.models import Item


class Command(BaseCommand):
    help = (
        "Create the bilingual demo set: test items, products and documents with "
        "generated images. Items already loaded (by metadata demo_key) are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete all demo items (and their image files) before loading.",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="Print only the summary line."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a portal without items (bin/run's first start).",
        )

    def handle(
        self, *args: Any, reset: bool, quiet: bool, if_empty: bool, **options: Any
    ) -> None:
        if if_empty and Item.objects.exists():
            self.stdout.write("The portal already has items; demo content not loaded.")
            return
        started = time.monotonic()
        verbose = not quiet and options["verbosity"] > 0
        summary = load_demo(reset=reset, progress=self._progress if verbose else None)
        if summary.deleted:
            self.stdout.write(f"Deleted {summary.deleted} demo items.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {summary.created} items with {summary.images} images "
                f"and {summary.pdfs} PDF(s) (skipped {summary.skipped} existing) "
                f"in {time.monotonic() - started:.1f} s."
            )
        )

    def _progress(self, done: int, total: int, message: str) -> None:
        self.stdout.write(f"[{done:>{len(str(total))}}/{total}] {message}")
