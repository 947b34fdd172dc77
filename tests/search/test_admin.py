"""The evaluation history in the admin: listed for editors, never editable."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from search.models import EvaluationRun

pytestmark = pytest.mark.django_db


def test_runs_are_listed_read_only(client):
    run = EvaluationRun.objects.create(
        set_name="gnome-help-ko", splits=["dev"],
        config={"configs": [{"name": "hybrid"}]},
        metrics={"dev": {"hybrid": {"all": {"mrr@10": 0.4321}},
                         "bm25 reference": {"all": {"mrr@10": 0.5}}}},
    )  # fmt: skip
    client.force_login(User.objects.create_superuser("boss", password="x"))
    listing = client.get("/admin/search/evaluationrun/")
    assert listing.status_code == 200
    assert "gnome-help-ko" in listing.text and "dev: 0.432" in listing.text
    assert "dev: 0.500" in listing.text  # the BM25 line beside it
    assert client.get("/admin/search/evaluationrun/add/").status_code == 403
    detail = client.get(f"/admin/search/evaluationrun/{run.pk}/change/")
    assert detail.status_code == 200 and "0.4321" in detail.text
    assert (
        client.post(f"/admin/search/evaluationrun/{run.pk}/delete/").status_code == 403
    )
