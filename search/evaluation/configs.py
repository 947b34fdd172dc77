"""What an evaluation runs: a search configuration (mode, preset, RRF k, weights) by name.

A spec is a mode with optional settings, comma-separated:
`hybrid`, `fts`, `e5-small:text>text`, `hybrid,rrf_k=20,weight.fts=2`, `auto,preset=70/30`,
`hybrid,fusion=rrf`.
A bare space name (`e5-small`) means that space's text → text branch (its image → image
branch for image-only spaces), so `--compare old-space new-space` reads naturally.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from embeddings.models import EmbeddingSpace, SpaceState
from search.defaults import DEFAULT_FUSION, DEFAULT_PRESET, DEFAULT_RRF_K
from search.engine import FUSIONS, PRESETS


class ConfigError(ValueError):
    """A configuration spec cannot be understood or served."""


@dataclass(frozen=True)
class EvalConfig:
    name: str
    mode: str
    preset: str = DEFAULT_PRESET
    rrf_k: int = DEFAULT_RRF_K
    weights: dict[str, float] = field(default_factory=dict)
    fusion: str = DEFAULT_FUSION

    def as_json(self) -> dict:
        return {
            "name": self.name, "mode": self.mode, "preset": self.preset,
            "rrf_k": self.rrf_k, "weights": self.weights, "fusion": self.fusion,
        }  # fmt: skip


def parse_config(*, spec: str) -> EvalConfig:
    mode, *settings = [part.strip() for part in spec.split(",")]
    if not mode:
        raise ConfigError(f"{spec!r}: a configuration starts with a mode or space.")
    space = EmbeddingSpace.objects.filter(name=mode).first()
    if space is not None:
        mode = _space_mode(space)
    preset, rrf_k, weights, fusion = DEFAULT_PRESET, DEFAULT_RRF_K, {}, DEFAULT_FUSION
    for setting in settings:
        name, _, value = setting.partition("=")
        try:
            if name == "preset" and value in PRESETS:
                preset = value
            elif name == "rrf_k":
                rrf_k = int(value)
            elif name == "fusion" and value in FUSIONS:
                fusion = value
            elif name.startswith("weight.") and len(name) > len("weight."):
                weights[name.removeprefix("weight.")] = float(value)
            else:
                raise ValueError
        except ValueError as exc:
            raise ConfigError(
                f"{spec!r}: cannot read {setting!r}; use preset=<{'|'.join(PRESETS)}>, "
                f"rrf_k=<int>, fusion=<{'|'.join(FUSIONS)}> or weight.<branch>=<number>."
            ) from exc
    return EvalConfig(
        name=spec, mode=mode, preset=preset, rrf_k=rrf_k, weights=weights,
        fusion=fusion,
    )  # fmt: skip


def _space_mode(space: EmbeddingSpace) -> str:
    if space.state != SpaceState.ACTIVE:
        # Search serves active spaces only, and evaluation goes through search: both
        # spaces of an A/B must be active (the loser is retired afterwards, kept for
        # rollback).
        raise ConfigError(
            f"Space {space.name!r} is {space.state}; search serves active spaces only. "
            "Activate it to compare (both stay served), then retire the loser."
        )
    if space.available is False:
        raise ConfigError(
            f"Space {space.name!r} is unavailable: {space.unavailable_reason}"
        )
    return (
        f"{space.name}:text>text" if space.embeds_text else f"{space.name}:image>image"
    )


def preset_configs() -> list[EvalConfig]:
    """The presets only change text + image queries, so they run for those only."""
    return [EvalConfig(name=f"hybrid {p}", mode="hybrid", preset=p) for p in PRESETS]
