"""Image-only models through transformers (DINOv2, SigLIP vision towers) from a local path.

A second image space, as trademark and product-photo pipelines use: DINOv2 captures
shape and layout better than CLIP, which captures meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from PIL import Image

from embeddings.encoders.base import Encoder, ModelUnavailable
from embeddings.encoders.weights import force_offline_hub, resolve_weights

if TYPE_CHECKING:
    from embeddings.models import EmbeddingSpace


class TransformersImageEncoder(Encoder):
    def __init__(self, *, weights: str, pooling: str = "cls") -> None:
        force_offline_hub()
        path = resolve_weights(weights)
        try:
            import torch
            from transformers import AutoImageProcessor, AutoModel
        except ImportError as exc:
            raise ModelUnavailable("transformers is not installed") from exc
        torch.set_num_threads(settings.TORCH_THREADS)
        try:
            self._processor = AutoImageProcessor.from_pretrained(path)
            self._model = AutoModel.from_pretrained(path).eval()
        except Exception as exc:
            raise ModelUnavailable(
                f"transformers could not load {weights!r}: {exc}"
            ) from exc
        self._torch = torch
        self._pooling = pooling
        config = self._model.config
        vision = getattr(config, "vision_config", config)
        self.dimension = int(
            getattr(config, "projection_dim", None) or vision.hidden_size
        )
        self.description = f"{weights} via transformers ({pooling} pooling), CPU"

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dimension), dtype=np.float32)
        inputs = self._processor(
            images=[image.convert("RGB") for image in images], return_tensors="pt"
        )
        with self._torch.inference_mode():
            if hasattr(self._model, "get_image_features"):
                features = self._model.get_image_features(**inputs)
            else:
                hidden = self._model(**inputs).last_hidden_state
                features = (
                    hidden[:, 0] if self._pooling == "cls" else hidden.mean(dim=1)
                )
        return features.float().numpy()


def from_space(space: EmbeddingSpace) -> TransformersImageEncoder:
    """The backend registry's factory: weights, else the model name as a hub id."""
    return TransformersImageEncoder(
        weights=space.weights or space.model_name,
        pooling=(space.options or {}).get("pooling", "cls"),
    )
