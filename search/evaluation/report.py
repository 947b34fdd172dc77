"""Reports of an evaluation: summaries per split, a text table, and the JSON document."""

from __future__ import annotations

from collections.abc import Sequence

from search.evaluation.judged_set import JudgedQuery
from search.evaluation.metrics import ALL, METRICS, summarise
from search.evaluation.runner import REFERENCE, EvaluationResult


def summarise_split(
    *, result: EvaluationResult, queries: Sequence[JudgedQuery], split: str | None
) -> dict[str, dict[str, dict[str, float]]]:
    """config name → category → metrics, over the queries of `split` (None: all)."""
    wanted = {q.qid for q in queries if split is None or q.split == split}
    return {
        name: summarise([o for o in outcomes if o.qid in wanted])
        for name, outcomes in result.outcomes.items()
    }


def format_table(*, summary: dict[str, dict[str, dict[str, float]]], title: str) -> str:
    """One block per category; the BM25 reference line first, so every row reads
    against it."""
    names = [REFERENCE, *[n for n in summary if n != REFERENCE]]
    width = max(len(n) for n in names) + 2
    header = f"{'config':<{width}}{'n':>5}" + "".join(f"{m:>11}" for m in METRICS)
    header += f"{'p50 ms':>9}{'p95 ms':>9}"
    categories = [ALL, *sorted({c for s in summary.values() for c in s} - {ALL})]
    lines = [title, "=" * len(header)]
    for category in categories:
        lines += [f"[{category}]", header, "-" * len(header)]
        for name in names:
            row = summary.get(name, {}).get(category)
            if not row:
                continue
            cells = "".join(f"{row[m]:>11.3f}" for m in METRICS)
            latency = (
                f"{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
                if "p50_ms" in row
                else f"{'–':>9}{'–':>9}"
            )
            lines.append(f"{name:<{width}}{int(row['n']):>5}{cells}{latency}")
        lines.append("")
    return "\n".join(lines)


def build_document(
    *,
    set_name: str,
    result: EvaluationResult,
    queries: Sequence[JudgedQuery],
    splits: Sequence[str],
) -> dict:
    """The JSON report: configs, per split summaries, per query outcomes."""
    split_of = {q.qid: q.split for q in queries}
    return {
        "set": set_name,
        "corpus_size": result.corpus_size,
        "configs": [c.as_json() for c in result.configs],
        "reference": REFERENCE,
        "unavailable": result.unavailable,
        "not_run": result.not_run,
        "metrics": {
            split: summarise_split(result=result, queries=queries, split=split)
            for split in splits
        },
        "per_query": {
            name: [
                {
                    "qid": o.qid,
                    "split": split_of[o.qid],
                    "category": o.category,
                    "ranked": list(o.ranked),
                    "scores": o.scores,
                    "latency_ms": o.latency_ms,
                }
                for o in outcomes
            ]
            for name, outcomes in result.outcomes.items()
        },
    }
