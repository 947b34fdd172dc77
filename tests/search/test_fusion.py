"""Reciprocal Rank Fusion as a pure function."""

from __future__ import annotations

import pytest

from search.fusion import BranchHit, fuse, fuse_scores


def hits(*ids: int) -> list[BranchHit]:
    return [BranchHit(item_id=i, score=1.0 / (n + 1)) for n, i in enumerate(ids)]


def test_items_found_by_several_branches_rise():
    fused = fuse({"fts": hits(1, 2, 3), "vec": hits(3, 4, 1)}, rrf_k=60)
    assert [h.item_id for h in fused][:2] == [1, 3]
    top = fused[0]
    assert top.contributions["fts"].rank == 1 and top.contributions["vec"].rank == 3
    assert top.score == pytest.approx(1 / 61 + 1 / 63)


def test_missing_branch_contributes_nothing():
    fused = fuse({"fts": [], "vec": hits(7)}, rrf_k=60)
    assert [(h.item_id, list(h.contributions)) for h in fused] == [(7, ["vec"])]


def test_ties_break_by_best_rank_then_item_id():
    # Item 5 is first in one branch and absent in the other; item 9 likewise: equal scores.
    fused = fuse({"a": hits(5, 9), "b": hits(9, 5)}, rrf_k=10)
    assert [h.item_id for h in fused] == [5, 9]
    assert fused[0].score == fused[1].score


def test_weights_scale_and_zero_weight_drops_a_branch():
    branches = {"text": hits(1, 2), "image": hits(2, 1)}
    assert fuse(branches, weights={"text": 3.0})[0].item_id == 1
    assert fuse(branches, weights={"image": 3.0})[0].item_id == 2
    only_image = fuse(branches, weights={"text": 0})
    assert all(list(h.contributions) == ["image"] for h in only_image)


def test_duplicates_within_a_branch_keep_their_best_rank():
    fused = fuse({"vec": hits(4, 4, 8)}, rrf_k=0)
    assert [h.item_id for h in fused] == [4, 8]
    assert fused[1].contributions["vec"].rank == 2


def test_smaller_k_favours_top_ranks_more():
    # Item 1 is first in one branch only; item 3 is third in both.
    branches = {"a": hits(1, 2, 3), "b": hits(4, 5, 3)}
    # k = 0: 1/1 beats 1/3 + 1/3; k = 60: 2/63 beats 1/61 — agreement wins.
    assert fuse(branches, rrf_k=0)[0].item_id == 1
    assert fuse(branches, rrf_k=60)[0].item_id == 3
    with pytest.raises(ValueError):
        fuse(branches, rrf_k=-1)


def scored(*pairs: tuple[int, float]) -> list[BranchHit]:
    return [BranchHit(item_id=i, score=s) for i, s in pairs]


def test_score_fusion_keeps_the_distance_between_scores():
    # BM25 puts item 1 far ahead; the vector branch barely prefers item 2. RRF reads
    # both as "first vs second" and ties them; score fusion keeps item 1 ahead.
    branches = {
        "fts": scored((1, 30.0), (2, 3.0), (3, 2.0)),
        "vec": scored((2, 0.86), (1, 0.85), (3, 0.60)),
    }
    rrf = fuse(branches, rrf_k=60)
    assert rrf[0].score == pytest.approx(rrf[1].score)
    fused = fuse_scores(branches)
    assert [h.item_id for h in fused] == [1, 2, 3]
    top = fused[0]
    assert top.contributions["fts"].normalised == 1.0
    assert top.contributions["vec"].normalised == pytest.approx(0.25 / 0.26, abs=1e-4)
    assert top.score == pytest.approx((1.0 + 0.25 / 0.26) / 2)


def test_score_fusion_fills_in_missing_scores_and_marks_them_rank_0():
    branches = {"fts": scored((1, 5.0), (2, 1.0)), "vec": scored((3, 0.9), (2, 0.5))}
    # Item 1 was not among the vector branch's hits, but its stored vector is close.
    fused = fuse_scores(branches, filled={"vec": {1: 0.8}})
    by_id = {h.item_id: h for h in fused}
    assert by_id[1].contributions["vec"].rank == 0
    assert by_id[1].contributions["vec"].raw_score == 0.8
    assert by_id[1].contributions["vec"].normalised == pytest.approx(0.75)
    assert fused[0].item_id == 1
    # Without the fill-in, item 1 counts as the vector branch's minimum: nothing added.
    unfilled = {h.item_id: h for h in fuse_scores(branches)}
    assert "vec" not in unfilled[1].contributions
    assert unfilled[1].score < by_id[1].score


def test_score_fusion_weights_are_convex_and_zero_drops_a_branch():
    branches = {"fts": scored((1, 2.0), (2, 1.0)), "vec": scored((2, 0.9), (1, 0.1))}
    assert fuse_scores(branches, weights={"fts": 3.0})[0].item_id == 1
    assert fuse_scores(branches, weights={"vec": 3.0})[0].item_id == 2
    fused = fuse_scores(branches, weights={"fts": 0})
    assert all(list(h.contributions) == ["vec"] for h in fused)
    # Scores stay in 0..1 whatever the weights: a convex combination.
    assert all(0 <= h.score <= 1 for h in fuse_scores(branches, weights={"fts": 7.0}))


def test_score_fusion_of_a_single_valued_branch_counts_it_fully():
    fused = fuse_scores({"identifier": scored((4, 0.3))})
    assert [(h.item_id, h.score) for h in fused] == [(4, 1.0)]
