"""Which model made a space's stored vectors, and the refusal to mix another model's in.

A space's configuration (backend, model name, weights reference, options, version) is
part of every input hash, so editing it makes every vector stale. What the configuration
cannot see is the model *behind* the same name: a weights file replaced at the same path,
a hub cache updated to another revision, a bundled model upgraded with its package. So
when a process loads an encoder, it measures what the model does: its dimension and its
vectors for one fixed text and one fixed image (the probes). The first load of a space
records that identity on the space (`EmbeddingSpace.model_identity`, with the model
signature it was measured under); every later load under that signature, and every write
of vectors, compares with it. Re-configuring the space (another signature) is an
operator's explicit change: the identity is recorded anew, and the stale vectors are
replaced by input hash as before. A model whose probe vectors point elsewhere
(cosine similarity below `MODEL_IDENTITY_MIN_SIMILARITY`; share of equal bits for
fingerprints) or of another dimension is refused with `ModelChanged`, a configuration
error: its jobs fail visibly, search skips the space, and the space shows "model changed"
until an operator runs `manage.py check_index --fix --check changed-models`.

Probes compare directions, so a change of output scale alone (normalisation) is not a
change: cosine search cannot tell such vectors apart. A space with no vectors adopts the
model it loads: there is nothing to mix it with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from embeddings.encoders.base import Encoder, ModelMisconfigured
from embeddings.models import Embedding, EmbeddingSpace, Metric

if TYPE_CHECKING:
    from PIL import Image

PROBE_TEXT = "Model identity probe: 삼각형의 넓이, a red square on white 0123"


class ModelChanged(ModelMisconfigured):
    """The model behind the space is not the one that made its stored vectors."""


@dataclass(frozen=True)
class ModelIdentity:
    """What a loaded model does: its dimension, its probe vectors, what the backend
    reports about itself (`facts`, compared exactly) and how it was described."""

    dimension: int
    probes: dict[str, list[float]]
    facts: dict[str, Any]
    description: str
    # The space's model signature it was measured under: a re-configured space (another
    # model name, weights, options or version) expects another model.
    signature: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "signature": self.signature,
            "dimension": self.dimension,
            "probes": self.probes,
            "facts": self.facts,
            "description": self.description,
            "recorded_at": timezone.now().isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelIdentity | None:
        if not data or "dimension" not in data:
            return None
        return cls(
            dimension=int(data["dimension"]),
            probes=dict(data.get("probes") or {}),
            facts=dict(data.get("facts") or {}),
            description=str(data.get("description", "")),
            signature=str(data.get("signature", "")),
        )

    def binds(self, space: EmbeddingSpace) -> bool:
        """Whether this record speaks for the space as configured now."""
        return self.signature == space.model_signature


def probe_image() -> Image.Image:
    """A fixed picture with shapes, colours and a line of text (no font file needed)."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (96, 96), "white")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((8, 8, 44, 44), fill="#cc2222")
    draw.ellipse((50, 10, 88, 48), fill="#2255cc")
    draw.polygon([(10, 88), (48, 54), (86, 88)], fill="#22aa55")
    draw.text((8, 46), "probe 01", fill="black")
    return picture


def measure_identity(*, space: EmbeddingSpace, encoder: Encoder) -> ModelIdentity:
    """Run the probes through `encoder` (a backend that cannot be asked at load time,
    like a remote server, reports `identity_facts` only)."""
    probes: dict[str, list[float]] = {}
    if encoder.probe_at_load:
        if space.embeds_text:  # no prefix: the model is probed, not the input format
            probes["text"] = _as_list(encoder.encode_texts([PROBE_TEXT], query=False))
        if space.embeds_images:
            probes["image"] = _as_list(encoder.encode_images([probe_image()]))
    return ModelIdentity(
        dimension=int(encoder.dimension),
        probes=probes,
        facts=encoder.identity_facts(),
        description=encoder.description,
        signature=space.model_signature,
    )


def find_difference(
    *, recorded: ModelIdentity, measured: ModelIdentity, metric: str
) -> str | None:
    """Why `measured` is not the model that `recorded` describes, or None if it is."""
    if recorded.dimension != measured.dimension:
        return (
            f"it produces {measured.dimension}-dimension vectors, the stored ones "
            f"have {recorded.dimension}"
        )
    if recorded.facts != measured.facts:
        return (
            f"it reports {measured.facts}, the stored vectors' model {recorded.facts}"
        )
    minimum = settings.MODEL_IDENTITY_MIN_SIMILARITY
    for kind in sorted(recorded.probes.keys() & measured.probes.keys()):
        similarity = _similarity(recorded.probes[kind], measured.probes[kind], metric)
        if similarity < minimum:
            return (
                f"its {kind} probe vector has similarity {similarity:.3f} to the stored "
                f"model's (at least {minimum} means the same model)"
            )
    return None


def check_loaded_model(*, space: EmbeddingSpace, encoder: Encoder) -> None:
    """At load: measure `encoder`, then record it as the space's model (first load, a
    re-configured space, or one without vectors) or compare with the recorded one;
    ModelChanged if another model made the stored vectors. The measurement is kept on
    `encoder.identity` for the checks at write time."""
    measured = measure_identity(space=space, encoder=encoder)
    encoder.identity = measured
    if space.pk is None:
        return
    with transaction.atomic():
        row = _locked(space)
        recorded = ModelIdentity.from_json(row.model_identity)
        if recorded is None or not recorded.binds(space):
            _save(space, measured.as_json())
            return
        difference = find_difference(
            recorded=recorded, measured=measured, metric=space.metric
        )
        if difference is None:
            if row.model_changed_reason:  # the recorded model is back
                _save(space, {**row.model_identity, "changed": ""})
            else:
                space.model_identity = row.model_identity
            return
        if not Embedding.objects.filter(space_id=space.pk).exists():
            _save(space, measured.as_json())  # nothing stored to mix it with
            return
        reason = model_changed_reason(space=space, difference=difference)
        _save(space, {**row.model_identity, "changed": reason})
    raise ModelChanged(reason)


def check_encoder_for_write(*, space: EmbeddingSpace, encoder: Encoder) -> None:
    """Before vectors are stored (inside the storing transaction): the encoder must be the
    space's recorded model. Locks the space row, so a re-embed (`check_index --fix`) and
    writers of vectors never interleave; a space with no binding record adopts `encoder`."""
    measured = encoder.identity
    if measured is None or space.pk is None:
        return  # an encoder built outside the registry (unit tests of encoders)
    row = _locked(space)
    recorded = ModelIdentity.from_json(row.model_identity)
    if recorded is None or not recorded.binds(space):
        identity = {**measured.as_json(), "signature": space.model_signature}
        _save(space, identity)
        return
    difference = find_difference(
        recorded=recorded, measured=measured, metric=space.metric
    )
    if difference is not None:
        raise ModelChanged(model_changed_reason(space=space, difference=difference))


def matches_recorded(*, space: EmbeddingSpace, encoder: Encoder) -> bool:
    """Whether a cached encoder is still the model `space` (as read) records; a space
    without a binding record matches any. No database access."""
    recorded = ModelIdentity.from_json(space.model_identity)
    if recorded is None or encoder.identity is None or not recorded.binds(space):
        return True
    difference = find_difference(
        recorded=recorded, measured=encoder.identity, metric=space.metric
    )
    return difference is None


def model_changed_reason(*, space: EmbeddingSpace, difference: str) -> str:
    return (
        f"model changed: the model now loaded for space {space.name} is not the one "
        f"that made its stored vectors ({difference}); nothing is written to or "
        "searched in this space until `manage.py check_index --fix --check "
        "changed-models` re-embeds it (or put the previous model back)"
    )


def _locked(space: EmbeddingSpace) -> EmbeddingSpace:
    return (
        EmbeddingSpace.objects.select_for_update(no_key=True)
        .only("model_identity", "name")
        .get(pk=space.pk)
    )


def _save(space: EmbeddingSpace, identity: dict[str, Any]) -> None:
    space.model_identity = identity
    EmbeddingSpace.objects.filter(pk=space.pk).update(model_identity=identity)


def _as_list(vectors: np.ndarray) -> list[float]:
    row = np.asarray(vectors, dtype=np.float64)[0]
    return [round(float(x), 6) for x in row]


def _similarity(a: list[float], b: list[float], metric: str) -> float:
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        return 0.0
    if metric == Metric.HAMMING:
        return float(np.mean((x > 0) == (y > 0)))
    denominator = float(np.linalg.norm(x) * np.linalg.norm(y))
    return float(x @ y) / denominator if denominator else 0.0
