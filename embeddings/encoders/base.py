"""The interface every embedding backend implements, and the error for a missing model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image


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

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not embed images")

    def encode_texts(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not embed text")
