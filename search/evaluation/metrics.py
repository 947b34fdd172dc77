"""Ranking metrics of one query, and their means per category.

- Recall@k = |relevant ∩ top k| / |relevant|
- MRR@k    = 1 / rank of the first relevant result within the top k (0 if none)
- nDCG@k   = DCG@k / ideal DCG@k, DCG = Σ_i (2^grade_i − 1) / log2(i + 1), i from 1
- latency percentiles by nearest rank: P95 of 20 timings is the 19th smallest
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

METRICS = ("recall@5", "recall@10", "mrr@10", "ndcg@10")
ALL = "all"  # the category that holds every query


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def reciprocal_rank_at(
    ranked: Sequence[str], relevant: Mapping[str, int], k: int
) -> float:
    for rank, key in enumerate(ranked[:k], start=1):
        if key in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    gains = [relevant.get(key, 0) for key in ranked[:k]]
    ideal = sorted(relevant.values(), reverse=True)[:k]
    ideal_dcg = _dcg(ideal)
    return _dcg(gains) / ideal_dcg if ideal_dcg else 0.0


def _dcg(grades: Iterable[int]) -> float:
    return sum(
        (2**grade - 1) / math.log2(i + 1) for i, grade in enumerate(grades, start=1)
    )


def score_query(ranked: Sequence[str], relevant: Mapping[str, int]) -> dict[str, float]:
    return {
        "recall@5": recall_at(ranked, relevant, 5),
        "recall@10": recall_at(ranked, relevant, 10),
        "mrr@10": reciprocal_rank_at(ranked, relevant, 10),
        "ndcg@10": ndcg_at(ranked, relevant, 10),
    }


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..1) of `values`; 0 when there are none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class QueryOutcome:
    qid: str
    category: str
    ranked: tuple[str, ...]  # item keys, best first (top 10)
    scores: dict[str, float]
    latency_ms: float | None  # None for the reference line (not the portal's latency)


def summarise(outcomes: Sequence[QueryOutcome]) -> dict[str, dict[str, float]]:
    """Mean of each metric per category (and over all queries), with count and latency."""
    groups: dict[str, list[QueryOutcome]] = {ALL: list(outcomes)}
    for outcome in outcomes:
        groups.setdefault(outcome.category, []).append(outcome)
    summary = {}
    for category in [ALL, *sorted(set(groups) - {ALL})]:
        group = groups[category]
        row: dict[str, float] = {"n": len(group)}
        for metric in METRICS:
            row[metric] = (
                sum(o.scores[metric] for o in group) / len(group) if group else 0.0
            )
        latencies = [o.latency_ms for o in group if o.latency_ms is not None]
        if latencies:
            row["p50_ms"] = percentile(latencies, 0.50)
            row["p95_ms"] = percentile(latencies, 0.95)
        summary[category] = row
    return summary
