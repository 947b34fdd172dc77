"""Rebuild derived data: OCR, full-text index and embeddings, with a progress bar."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from embeddings.models import EmbeddingSpace, Stage
from embeddings.processing.jobs import maintained_spaces
from embeddings.processing.reindex import plan_reindex, run_reindex, select_items


class Command(BaseCommand):
    help = (
        "OCR, index and embed items in this process, in batches. Unchanged inputs are "
        "skipped (same hashes as the workers), so an interrupted run resumes when rerun."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--space", action="append", default=[], metavar="NAME",
                            help="Embed only in this space (repeatable). Default: every "
                            "active and building space.")  # fmt: skip
        parser.add_argument("--stage", action="append", choices=[s.value for s in Stage],
                            default=[], help="Run only this stage (repeatable).")  # fmt: skip
        parser.add_argument("--missing", action="store_true",
                            help="Only items lacking some output of the chosen stages.")  # fmt: skip
        parser.add_argument("--force", action="store_true",
                            help="Recompute even unchanged inputs.")  # fmt: skip
        parser.add_argument("--items", default="", metavar="ID,ID,…",
                            help="Only these item ids.")  # fmt: skip
        parser.add_argument("--batch-size", type=int, default=32)
        parser.add_argument("--dry-run", action="store_true",
                            help="Count the work per stage; change nothing.")  # fmt: skip

    def handle(self, *args, **options) -> None:
        spaces = self._spaces(options["space"])
        stages = tuple(Stage(s) for s in options["stage"]) or tuple(Stage)
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            item_ids = [
                int(x) for x in options["items"].split(",") if x.strip()
            ] or None
        except ValueError as exc:
            raise CommandError(
                "--items takes comma-separated item ids, e.g. 3,14,15"
            ) from exc
        items = select_items(
            item_ids=item_ids, missing=options["missing"], spaces=spaces, stages=stages
        )
        total = items.count()
        if options["dry_run"]:
            plan = plan_reindex(
                items=items, spaces=spaces, stages=stages, force=options["force"]
            )
            self.stdout.write(
                f"Dry run: {total} item(s) selected; nothing was changed."
            )
            for name, count in sorted(plan.items()):
                self.stdout.write(f"  {name:40} {count}")
            if not plan:
                self.stdout.write("  nothing to do")
            return
        summary = self._run(items, spaces, stages, total, options)
        self.stdout.write(
            self.style.SUCCESS(
                f"Reindexed {summary.items} item(s) in {summary.seconds:.1f} s: "
                f"{summary.ocr_images} image(s) OCR'd, {summary.indexed} index(es) rebuilt, "
                + ", ".join(
                    f"{n} vector(s) in {s}" for s, n in sorted(summary.vectors.items())
                )
            )
        )
        for name, reason in summary.unavailable.items():
            self.stdout.write(self.style.WARNING(f"Space {name} unavailable: {reason}"))
        for item_id, stage, error in summary.failures:
            self.stdout.write(self.style.ERROR(f"Item {item_id} {stage}: {error}"))

    def _spaces(self, names: list[str]) -> list[EmbeddingSpace]:
        if not names:
            return list(maintained_spaces())
        found = {s.name: s for s in EmbeddingSpace.objects.filter(name__in=names)}
        unknown = sorted(set(names) - set(found))
        if unknown:
            known = ", ".join(EmbeddingSpace.objects.values_list("name", flat=True))
            raise CommandError(
                f"Unknown space(s): {', '.join(unknown)}. Known: {known}"
            )
        return [found[name] for name in names]

    def _run(self, items, spaces, stages, total, options):
        from tqdm import tqdm

        with tqdm(total=total, unit="item", file=self.stderr, disable=None,
                  desc="reindex") as bar:  # fmt: skip
            return run_reindex(
                items=items, spaces=spaces, stages=stages, force=options["force"],
                batch_size=options["batch_size"], progress=bar.update,
            )  # fmt: skip
