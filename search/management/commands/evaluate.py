"""Measure search quality on a judged set, beside a plain BM25 reference line."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from search.evaluation.configs import ConfigError, parse_config
from search.evaluation.database import NotMigrated, require_migrated
from search.evaluation.gate import FloorError, check_floors, parse_floors
from search.evaluation.judged_set import SPLITS, JudgedSetError, read_judged_set
from search.evaluation.report import format_table
from search.evaluation.runner import EvaluationError
from search.evaluation.runs import evaluate_and_store, write_report_files


class Command(BaseCommand):
    help = (
        "Run a judged query set (JSONL) through search per mode, branch and preset; "
        "report Recall@5/10, MRR@10, nDCG@10 and latency per category beside a BM25 "
        "reference; store the run. SET is a file or a name under var/eval/."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("set", metavar="SET")
        parser.add_argument("--split", choices=[*SPLITS, "both"], default="both",
                            help="Report this half of the set (default: both, "
                            "separately).")  # fmt: skip
        parser.add_argument("--mode", action="append", default=[], metavar="SPEC",
                            help="Run only this configuration (repeatable), e.g. "
                            "hybrid, fts, e5-small:text>text, 'hybrid,rrf_k=20'. "
                            "Default: hybrid, every branch, every preset.")  # fmt: skip
        parser.add_argument("--compare", nargs=2, metavar=("A", "B"),
                            help="Two spaces or configurations side by side, with the "
                            "Go/No-Go verdict for adopting B.")  # fmt: skip
        parser.add_argument("--fail-under", action="append", default=[],
                            metavar="METRIC=VALUE",
                            help="Exit non-zero if the first configuration is below, "
                            "e.g. mrr@10=0.5 (repeatable).")  # fmt: skip
        parser.add_argument("--name", default="", help="Set name in the history.")
        parser.add_argument("--out", default="", metavar="DIR",
                            help="Where the JSON and PNG go (default var/eval/reports).")  # fmt: skip

    def handle(self, *args, **options) -> None:
        try:
            require_migrated()
        except NotMigrated as exc:
            raise CommandError(str(exc)) from exc
        path = self._path(options["set"])
        set_name = options["name"] or (
            path.parent.name if path.name == "queries.jsonl" else path.stem
        )
        splits = list(SPLITS) if options["split"] == "both" else [options["split"]]
        try:
            floors = parse_floors(specs=options["fail_under"])
            queries = read_judged_set(path=path)
            specs = options["compare"] or options["mode"]
            configs = [parse_config(spec=s) for s in specs] or None
            stored = self._run(queries, set_name, splits, configs, options)
        except (JudgedSetError, ConfigError, FloorError, EvaluationError) as exc:
            raise CommandError(str(exc)) from exc
        document = stored.document
        for split in splits:
            self.stdout.write(
                format_table(
                    summary=document["metrics"][split],
                    title=f"{set_name} · {split} half · {stored.result.corpus_size} "
                    "searchable items",
                )
            )
        for space, reason in stored.result.unavailable.items():
            self.stdout.write(
                self.style.WARNING(f"Space {space} unavailable: {reason}")
            )
        for name, count in stored.result.not_run.items():
            self.stdout.write(
                f"{name}: did not run for {count} of the queries; scored on the rest"
            )
        stem = f"{set_name}-{timezone.now():%Y%m%d-%H%M%S}-run{stored.run.pk}"
        out_dir = (
            Path(options["out"])
            if options["out"]
            else settings.VAR_DIR / "eval" / "reports"
        )
        for written in write_report_files(
            document=document, out_dir=out_dir, stem=stem
        ):
            self.stdout.write(f"Wrote {written}")
        self.stdout.write(f"Stored as evaluation run {stored.run.pk}.")
        if stored.verdict is not None:
            a, b = options["compare"]
            line = stored.verdict.describe(a=a, b=b)
            style = self.style.SUCCESS if stored.verdict.adopt else self.style.WARNING
            self.stdout.write(
                style(f"Verdict ({document['verdict']['split']} half): {line}")
            )
        failures = check_floors(
            metrics=document["metrics"], config=stored.result.configs[0].name,
            floors=floors,
        )  # fmt: skip
        if failures:
            raise CommandError("Below the floor: " + "; ".join(failures))

    def _path(self, value: str) -> Path:
        path = Path(value)
        if path.suffix == "" and not path.exists():
            path = settings.VAR_DIR / "eval" / value / "queries.jsonl"
        if not path.is_file():
            raise CommandError(
                f"No judged set at {path}. Give a JSONL file, or load one with "
                "`manage.py load_eval_set NAME`."
            )
        return path

    def _run(self, queries, set_name, splits, configs, options):
        from tqdm import tqdm

        with tqdm(
            unit="search", file=self.stderr, disable=None, desc="evaluate"
        ) as bar:
            return evaluate_and_store(
                queries=queries, set_name=set_name, splits=splits, configs=configs,
                compare=bool(options["compare"]), progress=bar.update,
            )  # fmt: skip
