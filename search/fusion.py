"""Fusion: ranked branch lists in, one fused ranking with explanations out.

Reciprocal Rank Fusion (`fuse`):
score(item) = Σ over branches b that found it: weight_b / (rrf_k + rank_b(item))

Ranks start at 1. A branch that did not find an item contributes nothing (there is no
penalty for absence, which is what lets a single branch surface an item no other branch
sees, e.g. a phrase only present in an image's OCR text). Ties are broken by the best
single-branch rank, then by item id, so results are stable.

Score fusion (`fuse_scores`): a convex combination of each branch's min–max normalised
scores. Unlike RRF it keeps how far apart the scores are — a document that BM25 scores far
above the rest stays far above — and a candidate one branch missed is not simply absent
from it: the caller fills in its exact score where one exists (a vector branch's cosine
similarity, from stored vectors), as trademark-search pipelines do across their spaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

DEFAULT_RRF_K = 60


@dataclass(frozen=True)
class BranchHit:
    item_id: int
    score: float  # the branch's own score (ts_rank, cosine similarity, …), for explanations
    # Where in the item's indexed text the row that scored it sits ([start, end) of the
    # best passage, for the passage branch): the part of the item that matched.
    where: tuple[int, int] | None = None


@dataclass(frozen=True)
class Contribution:
    rank: int  # 0: the branch did not return the item; its score was filled in
    raw_score: float
    weight: float
    rrf: float  # what this branch added to the fused score (RRF or normalised share)
    normalised: float | None = None  # score fusion only: the min–max normalised score


@dataclass
class FusedHit:
    item_id: int
    score: float = 0.0
    contributions: dict[str, Contribution] = field(default_factory=dict)

    @property
    def best_rank(self) -> int:
        return min((c.rank for c in self.contributions.values() if c.rank), default=0)


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


def fuse_scores(
    branches: Mapping[str, Sequence[BranchHit]],
    *,
    weights: Mapping[str, float] | None = None,
    filled: Mapping[str, Mapping[int, float]] | None = None,
) -> list[FusedHit]:
    """score(item) = Σ_b w_b · (s_b(item) − min_b) / (max_b − min_b) / Σ_b w_b.

    Candidates are the items any branch returned. `s_b(item)` is the branch's own score,
    else `filled[b][item]` (the caller computed it exactly), else the branch's minimum:
    an item a branch did not return ranks below everything it did. A branch whose
    scores are all equal normalises to 1 for what it returned. Weight-0 branches and
    empty branches are left out, as in `fuse`.
    """
    weights = weights or {}
    filled = filled or {}
    active = {
        name: hits
        for name, hits in branches.items()
        if hits and float(weights.get(name, 1.0)) > 0
    }
    total = sum(float(weights.get(name, 1.0)) for name in active)
    fused: dict[int, FusedHit] = {}
    for hits in active.values():
        for hit in hits:
            fused.setdefault(hit.item_id, FusedHit(item_id=hit.item_id))
    for name, hits in active.items():
        weight = float(weights.get(name, 1.0))
        own: dict[int, tuple[int, float]] = {}
        for hit in hits:
            if hit.item_id not in own:
                own[hit.item_id] = (len(own) + 1, hit.score)
        extra = filled.get(name, {})
        scores = [score for _, score in own.values()]
        scores += [extra[i] for i in fused if i not in own and i in extra]
        low, high = min(scores), max(scores)
        for item_id, entry in fused.items():
            if item_id in own:
                rank, raw = own[item_id]
            elif item_id in extra:
                rank, raw = 0, extra[item_id]
            else:
                continue  # at the branch's minimum: normalised 0, nothing to add
            normalised = (raw - low) / (high - low) if high > low else 1.0
            share = weight * normalised / total
            entry.score += share
            entry.contributions[name] = Contribution(
                rank=rank, raw_score=raw, weight=weight, rrf=share,
                normalised=round(normalised, 4),
            )  # fmt: skip
    return sorted(fused.values(), key=_order)


def _order(hit: FusedHit) -> tuple[float, int, int]:
    return (-hit.score, hit.best_rank or 10**9, hit.item_id)
