"""The A/B rule for adopting a new space or configuration.

Adopt B only if its Top-5 Recall beats A's by at least 5 % *relative*
((R5_B − R5_A) / R5_A ≥ 0.05; from R5_A = 0 any gain counts), as the seed design states;
otherwise keep A. Either way the loser is retired, not deleted, so it can be rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_RELATIVE_GAIN = 0.05


@dataclass(frozen=True)
class Verdict:
    adopt: bool
    recall_a: float
    recall_b: float
    relative_gain: float | None  # None when A's recall is 0

    def describe(self, *, a: str, b: str) -> str:
        gain = (
            "n/a (A is 0)"
            if self.relative_gain is None
            else f"{self.relative_gain:+.1%}"
        )
        figures = (
            f"Recall@5 {a}: {self.recall_a:.3f}, {b}: {self.recall_b:.3f}, "
            f"relative change {gain} (rule: ≥ +{MIN_RELATIVE_GAIN:.0%} relative)"
        )
        if self.adopt:
            return f"GO: adopt {b}; keep {a} for rollback (retire a space, never delete it). {figures}"
        return f"NO-GO: keep {a}; {b} does not improve Recall@5 enough. {figures}"


def decide(*, recall_a: float, recall_b: float) -> Verdict:
    if recall_a <= 0:
        return Verdict(
            adopt=recall_b > 0, recall_a=recall_a, recall_b=recall_b,
            relative_gain=None,
        )  # fmt: skip
    gain = (recall_b - recall_a) / recall_a
    # A tiny tolerance so an exact 5 % gain is not lost to floating-point rounding.
    return Verdict(
        adopt=gain >= MIN_RELATIVE_GAIN - 1e-12,
        recall_a=recall_a, recall_b=recall_b, relative_gain=gain,
    )  # fmt: skip
