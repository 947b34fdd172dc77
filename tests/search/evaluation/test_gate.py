"""Floors of --fail-under."""

from __future__ import annotations

import pytest

from search.evaluation.gate import FloorError, check_floors, parse_floors

METRICS = {"dev": {"hybrid": {"all": {"mrr@10": 0.5, "recall@10": 0.8}}},
           "heldout": {"hybrid": {"all": {"mrr@10": 0.4, "recall@10": 0.9}}}}  # fmt: skip


def test_a_floor_fails_only_the_splits_below_it():
    floors = parse_floors(specs=["MRR@10=0.45"])
    assert check_floors(metrics=METRICS, config="hybrid", floors=floors) == [
        "hybrid on heldout: mrr@10 0.400 < 0.45"
    ]
    assert check_floors(metrics=METRICS, config="hybrid", floors={"mrr@10": 0.4}) == []


@pytest.mark.parametrize("spec", ["mrr=0.5", "mrr@10=high", "recall@5"])
def test_bad_floors_are_refused(spec):
    with pytest.raises(FloorError):
        parse_floors(specs=[spec])
