"""What clients ask of the embedding layer: vectors for texts and images (the
OpenAI-compatible endpoint) and zero-shot classification in a shared text-image space."""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from PIL import Image

from embeddings.encoders.base import ModelUnavailable
from embeddings.models import Embedding, EmbeddingSpace, Metric, Modality, SpaceState
from embeddings.runtime.registry import get_encoder
from embeddings.vectors.store import check_vectors
from items.models import Item
from items.uploads import check_image_upload

DATA_URI = re.compile(r"^data:image/[\w.+-]+;base64,(?P<data>[A-Za-z0-9+/=\s]+)$")
MAX_INPUTS = 256
MAX_TEXT_CHARS = 8000
# CLIP's learned logit scale is ~100; softmax over scaled cosine similarities.
LOGIT_SCALE = 100.0


class InputError(ValueError):
    """Bad client input (a 400), with the parameter it concerns."""

    def __init__(self, message: str, param: str = "input") -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class EmbeddingBatch:
    vectors: np.ndarray
    tokens: int


def find_space(name: str) -> EmbeddingSpace:
    space = (
        EmbeddingSpace.objects.filter(name=name)
        .exclude(state=SpaceState.RETIRED)
        .first()
    )
    if space is None:
        known = ", ".join(
            EmbeddingSpace.objects.exclude(state=SpaceState.RETIRED).values_list(
                "name", flat=True
            )
        )
        raise InputError(
            f"Unknown model {name!r}. Available models: {known}.", param="model"
        )
    return space


def embed_inputs(
    space: EmbeddingSpace, inputs: list[str], *, dimensions: int | None, input_type: str
) -> EmbeddingBatch:
    """Embed texts and `data:image/...;base64,` images, in order. Raises InputError for bad
    input and ModelUnavailable when the space's model is missing."""
    if not inputs:
        raise InputError("input must not be empty.")
    if len(inputs) > MAX_INPUTS:
        raise InputError(f"At most {MAX_INPUTS} inputs per request.")
    if dimensions is not None and space.metric == Metric.HAMMING:
        raise InputError(
            "dimensions cannot be set for bit-vector models.", param="dimensions"
        )
    if dimensions is not None and not 1 <= dimensions <= space.dimension:
        raise InputError(
            f"dimensions must be between 1 and {space.dimension} for {space.name}.",
            param="dimensions",
        )
    images: dict[int, Image.Image] = {}
    texts: dict[int, str] = {}
    for index, value in enumerate(inputs):
        match = DATA_URI.match(value)
        if match:
            images[index] = _decode_image(match.group("data"), index)
        elif value.startswith("data:"):
            raise InputError(f"input[{index}] is a data URI but not a base64 image.")
        else:
            if not value.strip():
                raise InputError(f"input[{index}] is empty.")
            if len(value) > MAX_TEXT_CHARS:
                raise InputError(
                    f"input[{index}] is longer than {MAX_TEXT_CHARS} characters."
                )
            texts[index] = value
    if images and not space.embeds_images:
        raise InputError(f"{space.name} embeds text only; it cannot take images.")
    if texts and not space.embeds_text:
        raise InputError(f"{space.name} embeds images only; send data:image/... URIs.")
    encoder = get_encoder(space)  # ModelUnavailable propagates
    vectors = np.zeros((len(inputs), space.dimension), dtype=np.float32)
    if texts:
        prefix = space.query_prefix if input_type == "query" else space.document_prefix
        order = sorted(texts)
        raw = encoder.encode_texts(
            [prefix + texts[i] for i in order], query=input_type == "query"
        )
        vectors[order] = check_vectors(raw, space=space, count=len(order))
    if images:
        order = sorted(images)
        raw = encoder.encode_images([images[i] for i in order])
        vectors[order] = check_vectors(raw, space=space, count=len(order))
    if dimensions is not None and dimensions < space.dimension:
        # Matryoshka-style: keep the leading dimensions, then make them unit length again.
        vectors = vectors[:, :dimensions]
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    tokens = sum(len(t.split()) for t in texts.values()) + len(images)
    return EmbeddingBatch(vectors=vectors, tokens=tokens)


def encode_base64(vector: np.ndarray) -> str:
    """OpenAI's base64 format: little-endian float32 bytes."""
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()


def decode_image_b64(data: str, *, param: str) -> tuple[bytes, Image.Image]:
    """Validate a base64 image exactly like an upload; returns its bytes and the image."""
    try:
        raw = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise InputError("The image is not valid base64.", param=param) from exc
    try:
        checked = check_image_upload(io.BytesIO(raw))
    except ValidationError as exc:
        raise InputError(exc.messages[0], param=param) from exc
    image = Image.open(io.BytesIO(checked.content))
    image.load()
    return checked.content, image.convert("RGB")


def _decode_image(data: str, index: int) -> Image.Image:
    return decode_image_b64(data, param=f"input[{index}]")[1]


def find_shared_space(name: str = "") -> EmbeddingSpace:
    """The active image-and-text space called `name`, or the first available one.

    InputError for an unknown name; ModelUnavailable when no such space can serve."""
    spaces = EmbeddingSpace.objects.filter(
        modality=Modality.BOTH, state=SpaceState.ACTIVE
    )
    if name:
        space = spaces.filter(name=name).first()
        if space is None:
            raise InputError(
                f"{name!r} is not an active image-and-text space.", param="model"
            )
        return space
    available = spaces.exclude(available=False).order_by("name").first()
    if available is None:
        raise ModelUnavailable(
            "No image-and-text space (CLIP) is available; install its weights (docs/models.md)."
        )
    return available


@dataclass(frozen=True)
class LabelScore:
    label: str
    probability: float


def classify(
    *,
    space: EmbeddingSpace,
    labels: list[str],
    template: str,
    image_b64: str = "",
    item: Item | None = None,
) -> list[LabelScore]:
    """Zero-shot classification of a base64 image (or an item's stored image vector)
    against `labels`, each put into `template` at "{}"; most probable first.

    Softmax over LOGIT_SCALE × cosine(image, prompt). ModelUnavailable when the space's
    model is missing (checked first: a client learns that before input details);
    InputError for a bad image or an item without an image vector in the space yet."""
    encoder = get_encoder(space)
    if image_b64:
        _, image = decode_image_b64(image_b64, param="image_b64")
        image_vector = check_vectors(
            encoder.encode_images([image]), space=space, count=1
        )[0]
    else:
        assert item is not None, "classify an image or an item"
        stored = Embedding.objects.filter(
            item=item, space=space, source=Embedding.Source.IMAGE
        ).first()
        if stored is None:
            raise InputError(
                f"Item {item.pk} has no image vector in {space.name} yet.",
                param="item_id",
            )
        image_vector = np.asarray(stored.vector, dtype=np.float32)
    prompts = [template.replace("{}", label) for label in labels]
    text_vectors = check_vectors(
        encoder.encode_texts(prompts, query=True), space=space, count=len(prompts)
    )
    logits = LOGIT_SCALE * (text_vectors @ image_vector)
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    ranked = sorted(zip(labels, probabilities, strict=True), key=lambda p: -p[1])
    return [LabelScore(label, float(p)) for label, p in ranked]


__all__ = [
    "EmbeddingBatch",
    "InputError",
    "LabelScore",
    "ModelUnavailable",
    "classify",
    "decode_image_b64",
    "embed_inputs",
    "encode_base64",
    "find_shared_space",
    "find_space",
]
