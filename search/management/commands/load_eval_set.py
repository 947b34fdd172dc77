"""Build a development set from a Debian package and ingest it like any content."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search.evaluation.database import NotMigrated, require_migrated
from search.evaluation.sets.debian import PackageError, fetch_package
from search.evaluation.sets.ingest import ingest_set, write_queries
from search.evaluation.sets.registry import SETS, build_set


class Command(BaseCommand):
    help = (
        "Fetch a Debian documentation package (apt-get download, cached in var/eval/), "
        "ingest its pages as published documents through the item services and write "
        "the judged queries to var/eval/NAME/queries.jsonl."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", choices=sorted(SETS))
        parser.add_argument("--process", action="store_true",
                            help="Index and embed the set's items in this process "
                            "(like `manage.py reindex`), instead of leaving it to the "
                            "workers.")  # fmt: skip

    def handle(self, *args, **options) -> None:
        from tqdm import tqdm

        try:
            require_migrated()
        except NotMigrated as exc:
            raise CommandError(str(exc)) from exc
        name = options["name"]
        cache = settings.VAR_DIR / "eval" / "packages"
        try:
            root = fetch_package(package=SETS[name].package, cache_dir=cache)
            built = build_set(name=name, root=root)
        except (PackageError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        with tqdm(total=len(built.documents), unit="page", file=self.stderr,
                  disable=None, desc=f"ingest {name}") as bar:  # fmt: skip
            summary = ingest_set(built=built, progress=bar.update)
        path = write_queries(
            built=built, path=settings.VAR_DIR / "eval" / name / "queries.jsonl"
        )
        self.stdout.write(
            f"{name}: {summary.created} item(s) created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged; {len(built.queries)} judged queries in {path}"
        )
        if options["process"] and summary.item_ids:
            self._process(summary.item_ids)
        else:
            self.stdout.write(
                "Workers index and embed the items; or run `manage.py reindex --missing`."
            )

    def _process(self, item_ids: list[int]) -> None:
        from tqdm import tqdm

        from embeddings.models import Stage
        from embeddings.processing.jobs import maintained_spaces
        from embeddings.processing.reindex import run_reindex, select_items

        spaces = list(maintained_spaces())
        items = select_items(
            item_ids=item_ids, missing=True, spaces=spaces, stages=tuple(Stage)
        )
        with tqdm(total=items.count(), unit="item", file=self.stderr, disable=None,
                  desc="index + embed") as bar:  # fmt: skip
            summary = run_reindex(
                items=items, spaces=spaces, stages=tuple(Stage), force=False,
                batch_size=32, progress=bar.update,
            )  # fmt: skip
        self.stdout.write(
            f"Processed {summary.items} item(s) in {summary.seconds:.0f} s: "
            + ", ".join(
                f"{n} vector(s) in {s}" for s, n in sorted(summary.vectors.items())
            )
        )
        for space, reason in summary.unavailable.items():
            self.stdout.write(
                self.style.WARNING(f"Space {space} unavailable: {reason}")
            )
