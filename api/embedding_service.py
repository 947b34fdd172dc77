"""Embeddings for API clients (the OpenAI-compatible endpoint and classification)."""

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
from embeddings.models import EmbeddingSpace, Metric, SpaceState
from embeddings.registry import get_encoder
from embeddings.vectors import check_vectors
from items.uploads import check_image_upload

DATA_URI = re.compile(r"^data:image/[\w.+-]+;base64,(?P<data>[A-Za-z0-9+/=\s]+)$")
MAX_INPUTS = 256
MAX_TEXT_CHARS = 8000


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


__all__ = [
    "EmbeddingBatch",
    "InputError",
    "ModelUnavailable",
    "embed_inputs",
    "find_space",
]
