"""bin/run's production path: gunicorn with our config, WhiteNoise, warm workers, request logs."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import ROOT, worker_environment


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def production_server(django_db_setup, django_db_blocker, tmp_path: Path):
    """gunicorn serving the test database with DEBUG off, as `bin/run` starts it."""
    env = worker_environment(connection.settings_dict["NAME"], "web-")
    port = _free_port()
    env.update(
        DEBUG="0", PORT=str(port), WEB_BIND="127.0.0.1", WEB_WORKERS="1",
        STATIC_ROOT=str(tmp_path / "static"), WEB_ACCESS_LOG="-",
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    log_path = tmp_path / "web.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py",
             "portal.wsgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if _get(f"{base}/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.3)
        yield base, log_path
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.server
def test_gunicorn_serves_pages_hashed_static_files_and_logs_requests(
    production_server,
):
    base, log_path = production_server
    status, headers, body = _get(f"{base}/")
    assert status == 200 and headers["Server"].startswith("gunicorn")
    stylesheet = re.search(rb'href="(/static/portal/site\.[0-9a-f]{12}\.css)"', body)
    assert stylesheet, "pages link content-hashed static files"

    status, headers, _ = _get(
        base + stylesheet.group(1).decode(), **{"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers.get("Content-Encoding") == "gzip"
    assert "immutable" in headers["Cache-Control"]

    ready = _get(f"{base}/health/ready")
    assert ready[0] == 200 and b'"status":"done"' in ready[2]
    assert _get(f"{base}/health/live")[0] == 200
    time.sleep(0.5)  # the access log is written after the response
    log = log_path.read_text()
    assert re.search(r'"GET / HTTP/1\.1" 200 \d+ \d+ms', log), log
    assert "warm-up done" in log


@pytest.mark.parametrize(
    ("given", "expected"),
    [({}, "1"), ({"TORCH_THREADS": "2"}, "2"), ({"OMP_NUM_THREADS": "3"}, "3")],
)
def test_workers_start_openmp_with_the_model_thread_count(given, expected):
    """The config sets OMP_NUM_THREADS before workers fork (their models read it at load)
    unless the operator chose it."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OMP_NUM_THREADS", "TORCH_THREADS")
    }
    read = (
        "import os, runpy; runpy.run_path('portal/gunicorn_conf.py'); "
        "print(os.environ['OMP_NUM_THREADS'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", read], cwd=ROOT, env={**environment, **given},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.strip() == expected, result.stderr
