"""Reciprocal Rank Fusion: ranked branch lists in, one fused ranking with explanations out.

score(item) = Σ over branches b that found it: weight_b / (rrf_k + rank_b(item))

Ranks start at 1. A branch that did not find an item contributes nothing (there is no
penalty for absence, which is what lets a single branch surface an item no other branch
sees, e.g. a phrase only present in an image's OCR text). Ties are broken by the best
single-branch rank, then by item id, so results are stable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

DEFAULT_RRF_K = 60


@dataclass(frozen=True)
class BranchHit:
    item_id: int
    score: float  # the branch's own score (ts_rank, cosine similarity, …), for explanations


@dataclass(frozen=True)
class Contribution:
    rank: int
    raw_score: float
    weight: float
    rrf: float


@dataclass
class FusedHit:
    item_id: int
    score: float = 0.0
    contributions: dict[str, Contribution] = field(default_factory=dict)

    @property
    def best_rank(self) -> int:
        return min(c.rank for c in self.contributions.values())


def fuse(
    branches: Mapping[str, Sequence[BranchHit]],
    *,
    rrf_k: int = DEFAULT_RRF_K,
    weights: Mapping[str, float] | None = None,
) -> list[FusedHit]:
    """Fuse ranked lists; each list is best first. Unknown weights default to 1.0.

    A branch with weight 0 is ignored. Duplicate items within one branch keep their first
    (best) rank.
    """
    if rrf_k < 0:
        raise ValueError("rrf_k must be >= 0")
    weights = weights or {}
    fused: dict[int, FusedHit] = {}
    for name, hits in branches.items():
        weight = float(weights.get(name, 1.0))
        if weight <= 0:
            continue
        seen: set[int] = set()
        rank = 0
        for hit in hits:
            if hit.item_id in seen:
                continue
            seen.add(hit.item_id)
            rank += 1
            contribution = weight / (rrf_k + rank)
            entry = fused.setdefault(hit.item_id, FusedHit(item_id=hit.item_id))
            entry.score += contribution
            entry.contributions[name] = Contribution(
                rank=rank, raw_score=hit.score, weight=weight, rrf=contribution
            )
    return sorted(fused.values(), key=lambda h: (-h.score, h.best_rank, h.item_id))
