"""Evaluate a judged set and keep the run: the service behind `manage.py evaluate`."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.evaluation.chart import draw_chart
from search.evaluation.configs import EvalConfig
from search.evaluation.judged_set import JudgedQuery
from search.evaluation.report import build_document
from search.evaluation.runner import EvaluationError, EvaluationResult, run_evaluation
from search.evaluation.verdict import Verdict, decide
from search.models import EvaluationRun


@dataclass
class StoredEvaluation:
    run: EvaluationRun
    result: EvaluationResult
    document: dict
    verdict: Verdict | None = None


def evaluate_and_store(
    *,
    queries: Sequence[JudgedQuery],
    set_name: str,
    splits: Sequence[str],
    configs: Sequence[EvalConfig] | None = None,
    compare: bool = False,
    progress: Callable[[int], None] | None = None,
) -> StoredEvaluation:
    """Run, summarise per split, decide the A/B verdict (with `compare`: the first two
    configs, on the held-out half when it is reported) and store the run."""
    queries = [q for q in queries if q.split in splits]
    if not queries:
        raise EvaluationError(f"No queries in split(s) {', '.join(splits)}.")
    result = run_evaluation(queries=queries, configs=configs, progress=progress)
    for config in result.configs:
        if not result.outcomes[config.name]:
            raise EvaluationError(
                f"Mode {config.mode!r} ran for no query of this set; branches that "
                f"ran: {', '.join(sorted(result.branches_seen)) or 'none'}."
            )
    document = build_document(
        set_name=set_name, result=result, queries=queries, splits=splits
    )
    verdict = None
    if compare:
        a, b = result.configs[0].name, result.configs[1].name
        deciding = "heldout" if "heldout" in splits else splits[0]
        figures = document["metrics"][deciding]
        verdict = decide(
            recall_a=figures[a]["all"]["recall@5"],
            recall_b=figures[b]["all"]["recall@5"],
        )
        document["verdict"] = {
            "split": deciding, "adopt": verdict.adopt,
            "text": verdict.describe(a=a, b=b),
        }  # fmt: skip
    run = EvaluationRun.objects.create(
        set_name=set_name,
        splits=list(splits),
        config={
            "configs": document["configs"],
            "unavailable": result.unavailable,
            "not_run": result.not_run,
            "corpus_size": result.corpus_size,
        },
        metrics=document["metrics"],
        per_query=document["per_query"],
        verdict=document.get("verdict", {}).get("text", ""),
    )
    document["run_id"] = run.pk
    return StoredEvaluation(run=run, result=result, document=document, verdict=verdict)


def write_report_files(*, document: dict, out_dir: Path, stem: str) -> list[Path]:
    """The JSON report and its PNG chart, side by side."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(document, ensure_ascii=False, indent=1))
    png_path = draw_chart(
        metrics=document["metrics"], title=f"{document['set']} (run {document.get('run_id')})",
        path=out_dir / f"{stem}.png",
    )  # fmt: skip
    return [json_path, png_path]
