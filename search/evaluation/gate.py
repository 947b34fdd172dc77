"""`--fail-under METRIC=VALUE`: floors that make an evaluation a gate (CI, releases)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from search.evaluation.metrics import ALL, METRICS


class FloorError(ValueError):
    """A floor spec cannot be read."""


def parse_floors(*, specs: Sequence[str]) -> dict[str, float]:
    floors = {}
    for spec in specs:
        metric, _, value = spec.partition("=")
        metric = metric.strip().lower()
        if metric not in METRICS:
            raise FloorError(
                f"--fail-under {spec!r}: metric must be one of {', '.join(METRICS)}."
            )
        try:
            floors[metric] = float(value)
        except ValueError as exc:
            raise FloorError(
                f"--fail-under {spec!r}: give a number, e.g. {metric}=0.5"
            ) from exc
    return floors


def check_floors(
    *, metrics: Mapping[str, Mapping[str, Mapping]], config: str,
    floors: Mapping[str, float],
) -> list[str]:  # fmt: skip
    """Failures of `config` over all queries of each split (empty when every floor holds)."""
    failures = []
    for split, configs in metrics.items():
        row = configs.get(config, {}).get(ALL)
        if not row:
            continue
        for metric, floor in floors.items():
            if row[metric] < floor:
                failures.append(
                    f"{config} on {split}: {metric} {row[metric]:.3f} < {floor:g}"
                )
    return failures
