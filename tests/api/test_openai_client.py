"""The official `openai` package, pointed at the running portal, works unchanged."""

from __future__ import annotations

import numpy as np
import pytest
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db(transaction=True)


def test_openai_client_creates_embeddings_over_http(live_server, django_user_model):
    from openai import OpenAI

    user = django_user_model.objects.create_user("sdk")
    key = Token.objects.create(user=user).key
    client = OpenAI(
        base_url=f"{live_server.url}/v1", api_key=key, max_retries=0, timeout=60
    )

    result = client.embeddings.create(
        model="e5-small", input=["삼각형의 넓이", "area of a triangle"], dimensions=128
    )
    vectors = np.array([d.embedding for d in result.data])
    assert vectors.shape == (2, 128)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert result.model == "e5-small" and result.usage.total_tokens == 6

    # The SDK asks for base64 by default when numpy is present; both paths must work.
    single = client.embeddings.create(model="e5-small", input="광합성")
    assert len(single.data[0].embedding) == 384

    models = [m.id for m in client.models.list()]
    assert "e5-small" in models


def test_openai_client_raises_its_own_errors(live_server):
    import openai

    client = openai.OpenAI(
        base_url=f"{live_server.url}/v1", api_key="wrong", max_retries=0
    )
    with pytest.raises(openai.AuthenticationError):
        client.embeddings.create(model="e5-small", input="x")
