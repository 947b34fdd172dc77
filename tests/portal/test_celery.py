"""The Celery app and a real worker process, end to end through Redis."""

import pytest

from portal.celery import app
from portal.tasks import ping


def test_celery_accepts_json_only():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]
    assert app.conf.broker_url.startswith("redis://")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_ping_round_trip_through_a_real_worker(celery_worker_process):
    result = ping.apply_async(queue=f"{celery_worker_process}default").get(timeout=30)
    assert result["database"] is True
    assert isinstance(result["pid"], int)
    # Executed in the worker process, not eagerly in this one.
    import os

    assert result["pid"] != os.getpid()
