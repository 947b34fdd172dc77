"""Metrics against values computed by hand."""

from __future__ import annotations

import math

import pytest

from search.evaluation.metrics import (
    QueryOutcome,
    ndcg_at,
    percentile,
    recall_at,
    reciprocal_rank_at,
    score_query,
    summarise,
)

RANKED = ["x", "a", "y", "b", "z", "c"]
RELEVANT = {"a": 2, "b": 1, "c": 1}


def test_recall_counts_relevant_items_within_the_cutoff():
    assert recall_at(RANKED, RELEVANT, 5) == pytest.approx(2 / 3)
    assert recall_at(RANKED, RELEVANT, 10) == pytest.approx(1.0)
    assert recall_at(RANKED, RELEVANT, 1) == 0.0


def test_reciprocal_rank_is_that_of_the_first_relevant_hit_within_k():
    assert reciprocal_rank_at(RANKED, RELEVANT, 10) == pytest.approx(0.5)
    assert reciprocal_rank_at(RANKED, RELEVANT, 1) == 0.0
    assert reciprocal_rank_at(["b"], RELEVANT, 10) == 1.0


def test_ndcg_uses_graded_gains_and_the_ideal_order():
    dcg = 3 / math.log2(3) + 1 / math.log2(5) + 1 / math.log2(7)
    ideal = 3 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at(RANKED, RELEVANT, 10) == pytest.approx(dcg / ideal)
    assert ndcg_at(RANKED, RELEVANT, 10) == pytest.approx(
        0.6487, abs=1e-4
    )  # 2.6797 / 4.1309
    assert ndcg_at(["a", "b", "c"], RELEVANT, 10) == pytest.approx(1.0)
    # Swapping a grade-2 hit below a grade-1 hit must cost something.
    assert ndcg_at(["b", "a", "c"], RELEVANT, 10) < 1.0


def test_percentiles_are_nearest_rank():
    timings = [float(v) for v in range(200, 0, -10)]  # 20 values, unsorted
    assert percentile(timings, 0.5) == 100.0
    assert percentile(timings, 0.95) == 190.0
    assert percentile([], 0.95) == 0.0


def test_summary_averages_per_category_and_over_all():
    outcomes = [
        QueryOutcome("q1", "keyword", ("a",), score_query(("a",), {"a": 1}), 10.0),
        QueryOutcome("q2", "keyword", ("x",), score_query(("x",), {"a": 1}), 30.0),
        QueryOutcome("q3", "paraphrase", ("x", "a"), score_query(("x", "a"), {"a": 1}), 20.0),
    ]  # fmt: skip
    summary = summarise(outcomes)
    assert summary["keyword"]["mrr@10"] == pytest.approx(0.5)
    assert summary["paraphrase"]["mrr@10"] == pytest.approx(0.5)
    assert summary["all"]["mrr@10"] == pytest.approx(0.5)
    assert summary["all"]["recall@5"] == pytest.approx(2 / 3)
    assert summary["all"]["n"] == 3 and summary["keyword"]["n"] == 2
    assert summary["all"]["p50_ms"] == 20.0 and summary["keyword"]["p95_ms"] == 30.0
