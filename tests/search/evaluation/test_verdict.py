"""The Go/No-Go rule: adopt B only for ≥ 5 % relative Top-5 Recall gain."""

from __future__ import annotations

from search.evaluation.verdict import decide


def test_exactly_five_percent_relative_is_a_go():
    verdict = decide(recall_a=0.80, recall_b=0.84)
    assert verdict.adopt and abs(verdict.relative_gain - 0.05) < 1e-9
    assert verdict.describe(a="old", b="new").startswith("GO: adopt new; keep old")


def test_a_large_absolute_but_small_relative_gain_is_a_no_go():
    # +0.04 absolute on 0.90 is +4.4 % relative: not enough.
    assert not decide(recall_a=0.90, recall_b=0.94).adopt
    assert decide(recall_a=0.40, recall_b=0.42).adopt  # +0.02 absolute is +5 %


def test_regressions_and_zero_baselines():
    assert not decide(recall_a=0.5, recall_b=0.4).adopt
    assert decide(recall_a=0.0, recall_b=0.1).adopt
    assert not decide(recall_a=0.0, recall_b=0.0).adopt
    assert "NO-GO: keep a" in decide(recall_a=0.5, recall_b=0.5).describe(a="a", b="b")
