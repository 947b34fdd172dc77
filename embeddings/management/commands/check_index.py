"""Report inconsistencies between items and their derived data; repair them with --fix."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from embeddings.processing.consistency import CHECKS, check_index


class Command(BaseCommand):
    help = (
        "Check derived data against the items: orphans, missing search documents and "
        "embeddings, vectors from a superseded model, stale jobs. Exits non-zero while "
        "problems remain; --fix repairs what can be repaired (workers do the queued work)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fix", action="store_true",
                            help="Delete orphans and superseded vectors, queue missing "
                            "work, hand stale jobs to the sweeper.")  # fmt: skip
        parser.add_argument("--check", action="append", default=[], metavar="NAME",
                            choices=[check.name for check in CHECKS],
                            help="Run only this check (repeatable).")  # fmt: skip

    def handle(self, *args, **options) -> None:
        results = check_index(fix=options["fix"], only=options["check"] or None)
        width = max(len(result.check.label) for result in results)
        header = f"{'Check':{width}}  {'Found':>6}  {'Fixed':>6}  {'Left':>6}  Repair"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for result in results:
            repair = result.check.how_to_fix
            if result.check.repair is None:
                repair += " (not automatic)"
            if not result.check.problem:
                repair += " [information]"
            line = (
                f"{result.check.label:{width}}  {result.found:>6}  {result.fixed:>6}  "
                f"{result.remaining:>6}  {repair if result.found else ''}"
            )
            style = self.style.SUCCESS
            if result.remaining and result.check.problem:
                style = self.style.ERROR
            elif result.remaining:
                style = self.style.WARNING
            self.stdout.write(style(line))
            for sample in result.samples if result.remaining or result.fixed else []:
                self.stdout.write(f"    {sample}")
        problems = sum(r.remaining for r in results if r.check.problem)
        if problems:
            hint = "" if options["fix"] else "; run with --fix to repair"
            raise CommandError(f"{problems} problem(s) remain{hint}.", returncode=1)
        self.stdout.write(self.style.SUCCESS("No problems left."))
