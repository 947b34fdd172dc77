"""The development sets `manage.py load_eval_set` knows: name → package and builder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from search.evaluation.sets.corpus import BuiltSet
from search.evaluation.sets.gimp import build_gimp_set
from search.evaluation.sets.gnome import build_gnome_set


@dataclass(frozen=True)
class SetSource:
    package: str
    language: str
    build: Callable[..., BuiltSet]  # (root=, language=, name=) → BuiltSet


SETS = {
    "gimp-help-ko": SetSource("gimp-help-ko", "ko", build_gimp_set),
    "gimp-help-en": SetSource("gimp-help-en", "en", build_gimp_set),
    "gnome-help-ko": SetSource("gnome-user-docs", "ko", build_gnome_set),
    "gnome-help-en": SetSource("gnome-user-docs", "en", build_gnome_set),
}


def build_set(*, name: str, root: Path) -> BuiltSet:
    source = SETS[name]
    return source.build(root=root, language=source.language, name=name)
