"""The interface every embedding backend implements, and the error for a missing model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from embeddings.runtime.model_identity import ModelIdentity


class ModelUnavailable(Exception):
    """The space's model cannot be loaded here (weights missing, package not installed).

    Not a failure of the input: jobs for the space wait and run once the model appears.
    """


class ModelMisconfigured(ModelUnavailable):
    """The space can never load as configured (unknown backend or architecture, a
    test-only model outside tests, a dimension that does not match the model).

    Still "unavailable" to search and health, but its jobs fail at once with the reason
    instead of waiting for weights that would not help: an operator must change the space.
    """


class Encoder:
    """Turns images and/or texts into float (or, for fingerprints, 0/1) vectors.

    Implementations load their model in `__init__` (raising ModelUnavailable when they
    cannot) and keep it for the life of the worker process.
    """

    dimension: int
    description: str = ""
    # Whether the registry may run the identity probes when it loads this encoder (a
    # remote server that may be this very portal cannot be called at load time).
    probe_at_load: bool = True
    # What the registry measured when it loaded this encoder (embeddings/model_identity).
    identity: ModelIdentity | None = None

    def identity_facts(self) -> dict[str, Any]:
        """What the model reports about itself that must not change under a space's
        stored vectors (a served model's revision, say); compared exactly."""
        return {}

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not embed images")

    def encode_texts(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not embed text")

    def encode_windows(self, images: Sequence[Image.Image]) -> np.ndarray | None:
        """Vectors of regions of each image, (images, windows, dimension), stored beside
        the whole-frame vector so crops are found; None: this model has none."""
        return None

    def encode_query_windows(self, images: Sequence[Image.Image]) -> np.ndarray | None:
        """A query image's region vectors, compared with the stored `encode_windows`:
        the same unless the model adds views of the query (the fingerprint's rotations
        turned back)."""
        return self.encode_windows(images)
