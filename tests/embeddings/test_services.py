"""Client-facing embedding services: zero-shot classification and its input errors."""

from __future__ import annotations

import base64

import pytest

from embeddings.services import InputError, classify, find_shared_space
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db


def test_classification_is_a_distribution_most_probable_first(test_clip_space):
    space = find_shared_space("test-clip")
    assert space == test_clip_space
    ranked = classify(
        space=space,
        labels=["box", "mug", "page"],
        template="a photo of {}",
        image_b64=base64.b64encode(make_image_bytes()).decode(),
    )
    assert sorted(s.label for s in ranked) == ["box", "mug", "page"]
    assert abs(sum(s.probability for s in ranked) - 1) < 1e-5
    assert [s.probability for s in ranked] == sorted(
        (s.probability for s in ranked), reverse=True
    )


def test_an_item_without_an_image_vector_is_an_input_error(test_clip_space, make_item):
    item = make_item()
    with pytest.raises(InputError, match="has no image vector") as caught:
        classify(space=test_clip_space, labels=["a", "b"], template="{}", item=item)
    assert caught.value.param == "item_id"


def test_an_unknown_shared_space_names_the_model_parameter(test_clip_space):
    with pytest.raises(
        InputError, match="not an active image-and-text space"
    ) as caught:
        find_shared_space("e5-small")  # active, but text only
    assert caught.value.param == "model"
