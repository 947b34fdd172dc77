"""Register an embedding space from the command line (what the admin's add form does)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from embeddings.models import Backend, EmbeddingSpace, Metric, Modality, SpaceState
from embeddings.runtime.registry import probe_space
from embeddings.vectors.spaces import backfill_space, create_space


class Command(BaseCommand):
    help = (
        "Create an embedding space (state building unless --state says otherwise), "
        "check whether its model answers, and optionally queue every item for it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--backend", required=True, choices=Backend.values)
        parser.add_argument("--model", default="", help="Model name or architecture.")
        parser.add_argument("--dimension", type=int, required=True)
        parser.add_argument("--modality", required=True, choices=Modality.values)
        parser.add_argument("--label", default="")
        parser.add_argument("--weights", default="")
        parser.add_argument("--metric", default=Metric.COSINE, choices=Metric.values)
        parser.add_argument("--query-prefix", default="")
        parser.add_argument("--document-prefix", default="")
        parser.add_argument("--options", default="{}", metavar="JSON",
                            help='Backend options, e.g. \'{"urls": ["http://gpu:8000/v1"]}\'.')  # fmt: skip
        parser.add_argument("--state", default=SpaceState.BUILDING,
                            choices=SpaceState.values)  # fmt: skip
        parser.add_argument("--backfill", action="store_true",
                            help="Queue every item to be embedded in the new space.")  # fmt: skip

    def handle(self, *args, **options) -> None:
        if EmbeddingSpace.objects.filter(name=options["name"]).exists():
            raise CommandError(f"A space named {options['name']!r} exists already.")
        try:
            backend_options = json.loads(options["options"])
        except ValueError as exc:
            raise CommandError(f"--options is not valid JSON: {exc}") from exc
        try:
            space = create_space(
                name=options["name"], label=options["label"] or options["name"],
                backend=options["backend"], model_name=options["model"],
                weights=options["weights"], modality=options["modality"],
                dimension=options["dimension"], metric=options["metric"],
                query_prefix=options["query_prefix"],
                document_prefix=options["document_prefix"],
                options=backend_options, state=options["state"],
            )  # fmt: skip
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}"
                for field, messages in exc.message_dict.items()
            )
            raise CommandError(problems) from exc
        self.stdout.write(f"Created space {space.name} ({space.state}).")
        if probe_space(space):
            self.stdout.write(self.style.SUCCESS("The model answers."))
        else:
            space.refresh_from_db()
            self.stdout.write(
                self.style.WARNING(
                    f"Unavailable for now: {space.unavailable_reason}. Its jobs wait "
                    "and run once it answers."
                )
            )
        if options["backfill"]:
            count = backfill_space(space)
            self.stdout.write(f"{count} item(s) queued.")
