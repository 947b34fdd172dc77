"""Reciprocal Rank Fusion as a pure function."""

from __future__ import annotations

import pytest

from search.fusion import BranchHit, fuse


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
