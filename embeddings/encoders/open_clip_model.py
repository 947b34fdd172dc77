"""open_clip models: images and texts in one space (CLIP, multilingual CLIP, SigLIP…).

Weights come from a local checkpoint file or the hub cache (`weights` = a pretrained tag
such as `laion5b_s13b_b90k`). An empty `weights` is refused: open_clip would otherwise
build the architecture with random weights, which must never serve real searches. The one
exception is a `test_only` space, whose weights are seeded randomly and which is refused
unless EMBEDDINGS_ALLOW_TEST_MODELS is on (only the test suite turns it on).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from PIL import Image

from embeddings.encoders.base import Encoder, ModelMisconfigured, ModelUnavailable
from embeddings.encoders.weights import force_offline_hub, resolve_weights

if TYPE_CHECKING:
    from embeddings.models import EmbeddingSpace

TEST_CONFIG_DIR = Path(__file__).with_name("test_models")


class OpenClipEncoder(Encoder):
    def __init__(
        self, *, architecture: str, weights: str, test_only: bool = False, seed: int = 0
    ) -> None:
        force_offline_hub()
        try:
            import open_clip
            import torch
        except ImportError as exc:
            raise ModelUnavailable("open_clip_torch / torch are not installed") from exc
        torch.set_num_threads(settings.TORCH_THREADS)
        if test_only:
            model = self._build_test_model(open_clip, torch, architecture, seed)
            preprocess = open_clip.image_transform(
                model.visual.image_size, is_train=False
            )
            self.description = (
                f"{architecture} (TEST ONLY: fixed-seed random weights), CPU"
            )
        else:
            if not architecture.startswith(("hf-hub:", "local-dir:")) and (
                architecture not in open_clip.list_models()
            ):
                # No weights will ever make an unknown architecture load.
                raise ModelMisconfigured(
                    f"open_clip has no architecture named {architecture!r}"
                )
            pretrained = resolve_weights(weights)
            try:
                model, _, preprocess = open_clip.create_model_and_transforms(
                    architecture,
                    pretrained=pretrained,
                    cache_dir=str(settings.MODEL_DIR / "open_clip"),
                    require_pretrained=True,
                )
            except Exception as exc:  # open_clip raises many types for missing files
                raise ModelUnavailable(
                    f"open_clip could not load {architecture} with weights {weights!r}: {exc}"
                ) from exc
            self.description = f"{architecture} / {weights}, CPU"
        try:
            self._tokenizer = open_clip.get_tokenizer(architecture)
        except Exception as exc:
            raise ModelUnavailable(
                f"tokenizer for {architecture} is not available: {exc}"
            ) from exc
        model.eval()
        self._model = model
        self._unpadded = _causal_text_tower(model)
        self._preprocess = preprocess
        self._torch = torch
        # Both towers project into the shared space, whose size the vision tower reports.
        self.dimension = int(model.visual.output_dim)

    @staticmethod
    def _build_test_model(open_clip, torch, architecture: str, seed: int):
        if not settings.EMBEDDINGS_ALLOW_TEST_MODELS:
            raise ModelMisconfigured(
                "this is a test-only space with random weights; it is refused outside tests"
            )
        open_clip.add_model_config(TEST_CONFIG_DIR)
        torch.manual_seed(seed)
        return open_clip.create_model(architecture, pretrained=None)

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batch = self._torch.stack(
            [self._preprocess(image.convert("RGB")) for image in images]
        )
        with self._torch.inference_mode():
            features = self._model.encode_image(batch)
        return features.float().numpy()

    def encode_texts(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        tokens = self._tokenizer(list(texts))
        with self._torch.inference_mode():
            if self._unpadded:
                features = _encode_text_unpadded(self._model, tokens)
            else:
                features = self._model.encode_text(tokens)
        return features.float().numpy()


def _causal_text_tower(model) -> bool:
    """CLIP's own text tower (open_clip.CLIP): causal attention, pooled at the
    end-of-text token. Other towers (Hugging Face encoders, SigLIP's, which pools the
    last position) see their padding and keep open_clip's own forward."""
    import open_clip

    return (
        isinstance(model, open_clip.CLIP)
        and getattr(model, "attn_mask", None) is not None
        and model.text_pool_type in ("argmax", "eos")
    )


def _encode_text_unpadded(model, tokens):
    """open_clip.CLIP.encode_text over the batch's longest text only, not the whole
    context (77 tokens, most of them padding for a search query): attention is causal
    and pooling reads the end-of-text token, so positions after the longest text change
    no output, and a 6-token query costs a tenth of the work (bench/http_search.py's
    breakdown; tests/embeddings/test_encoders.py compares both forwards)."""
    import torch
    from open_clip.transformer import text_global_pool

    width = max(1, int((tokens != 0).sum(dim=1).max()))  # 0 pads the tokenizer's rows
    tokens = tokens[:, :width]
    cast_dtype = model.transformer.get_cast_dtype()
    x = model.token_embedding(tokens).to(cast_dtype)
    x = x + model.positional_embedding[:width].to(cast_dtype)
    x = model.transformer(x, attn_mask=model.attn_mask[:width, :width])
    x = model.ln_final(x)
    x = text_global_pool(
        x,
        tokens,
        model.text_pool_type,
        eos_token_id=getattr(model, "text_eos_id", None),
    )
    if model.text_projection is not None:
        if isinstance(model.text_projection, torch.nn.Linear):
            x = model.text_projection(x)
        else:
            x = x @ model.text_projection
    return x


def from_space(space: EmbeddingSpace) -> OpenClipEncoder:
    """The backend registry's factory: `model_name` is the architecture."""
    return OpenClipEncoder(
        architecture=space.model_name,
        weights=space.weights,
        test_only=space.test_only,
        seed=int((space.options or {}).get("seed", 0)),
    )
