"""/v1/embeddings and /v1/models: OpenAI's shape, errors and options."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_user_model) -> APIClient:
    user = django_user_model.objects.create_user("client")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def embed(api, **body):
    return api.post("/v1/embeddings", body, format="json")


def test_anonymous_callers_get_a_401_in_openai_error_shape(client):
    response = client.post("/v1/embeddings", {"input": "x", "model": "e5-small"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_text_embeddings_are_unit_vectors_with_usage(api):
    response = embed(api, input=["광합성의 과정", "photosynthesis"], model="e5-small")
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list" and body["model"] == "e5-small"
    vectors = np.array([d["embedding"] for d in body["data"]])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert [d["index"] for d in body["data"]] == [0, 1]
    assert body["usage"] == {"prompt_tokens": 3, "total_tokens": 3}


def test_dimensions_truncate_and_renormalise_and_base64_decodes(api):
    body = embed(api, input="삼각형", model="e5-small", dimensions=64,
                 encoding_format="base64").json()  # fmt: skip
    vector = np.frombuffer(base64.b64decode(body["data"][0]["embedding"]), dtype="<f4")
    assert vector.shape == (64,)
    assert abs(np.linalg.norm(vector) - 1) < 1e-5
    full = np.array(
        embed(api, input="삼각형", model="e5-small").json()["data"][0]["embedding"]
    )
    expected = full[:64] / np.linalg.norm(full[:64])
    assert np.allclose(vector, expected, atol=1e-5)


def test_images_as_data_uris_in_an_image_space(api, test_clip_space):
    uri = "data:image/png;base64," + base64.b64encode(make_image_bytes()).decode()
    body = embed(api, input=[uri, "a green box"], model="test-clip").json()
    assert [len(d["embedding"]) for d in body["data"]] == [64, 64]
    assert body["usage"]["prompt_tokens"] == 3 + 1


@pytest.mark.parametrize(
    ("body", "param", "message"),
    [
        ({"input": "x", "model": "nope"}, "model", "Unknown model"),
        (
            {"input": [1, 2, 3], "model": "e5-small"},
            "input",
            "token arrays are not supported",
        ),
        (
            {"input": "x", "model": "e5-small", "dimensions": 999},
            "dimensions",
            "between 1 and 384",
        ),
        (
            {"input": "x", "model": "e5-small", "encoding_format": "int8"},
            "encoding_format",
            "",
        ),
        ({"input": [], "model": "e5-small"}, "input", "must not be empty"),
        (
            {"input": "data:image/png;base64,AAAA", "model": "e5-small"},
            "input[0]",
            "image",
        ),
        ({"input": "x", "model": "fingerprint"}, "input", "images only"),
    ],
)
def test_bad_requests_are_400_naming_the_parameter(api, body, param, message):
    response = embed(api, **body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert message in error["message"]


def test_unavailable_model_is_a_503_with_the_reason(api):
    response = embed(api, input="x", model="clip-multilingual")
    assert response.status_code == 503
    assert "unavailable" in response.json()["error"]["message"]


def test_models_list_states_and_availability(api):
    body = api.get("/v1/models").json()
    models = {m["id"]: m for m in body["data"]}
    assert {"e5-small", "fingerprint", "clip-multilingual"} <= set(models)
    assert (
        models["e5-small"]["object"] == "model"
        and models["e5-small"]["dimension"] == 384
    )


def test_wrong_media_type_is_415(api):
    response = api.post("/v1/embeddings", "input=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_malformed_json_is_400(api):
    response = api.post("/v1/embeddings", "{not json", content_type="application/json")
    assert response.status_code == 400
