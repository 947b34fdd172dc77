"""The real services a benchmark or drill runs against: a private Redis, Celery workers and
the production web server (gunicorn as `bin/run` starts it), each a child process of the
script, so nothing of another portal, test run or engineer is touched."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], bool], what: str, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


class Redis:
    """A private redis-server that can be stopped and started again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("redis-server is required (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, "redis to answer", timeout=10)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Worker:
    """`celery worker` in a process group of its own, so SIGKILL takes the pool with it.

    Broker, queues and database come from the environment (the caller sets them)."""

    def __init__(
        self,
        name: str,
        *,
        queues: list[str],
        log_dir: Path,
        concurrency: int = 1,
        beat: bool = False,
    ) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = open(log_dir / f"worker-{name}.log", "ab")  # noqa: SIM115 - closed in stop
        # With `beat`, the scheduler (the job sweeper) runs inside, as in `bin/run`.
        schedule = ["--beat", "--schedule", str(log_dir / "celerybeat-schedule")]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork",
             f"--concurrency={concurrency}", "-Q", ",".join(queues), "-n", f"{name}@%h",
             "--without-gossip", "--without-mingle", "--loglevel=INFO",
             *(schedule if beat else [])],
            cwd=ROOT, env=dict(os.environ), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_for_worker(queue=queues[-1])

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        stop_group(self.process)
        self.log.close()


def wait_for_worker(*, queue: str, timeout: float = 120) -> None:
    """Until a worker consuming `queue` answers a ping (the broker may still be coming
    back, so every error means "not yet")."""
    from celery.exceptions import TimeoutError as CeleryTimeout

    from portal.tasks import ping

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ping.apply_async(queue=queue).get(timeout=3)
            return
        except (CeleryTimeout, OSError, Exception):
            time.sleep(0.5)
    raise TimeoutError("the worker did not answer a ping")


def stop_group(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM a child started with `start_new_session` and its children; SIGKILL after
    `timeout`."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def start_web(
    port: int, log: Path, *, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """gunicorn with `portal/gunicorn_conf.py`, DEBUG off, as `bin/run` starts it; the
    API's search rate limit (120/min per client) is lifted: a benchmark is not a test of
    the throttle, and every client here comes from 127.0.0.1."""
    settings = {**os.environ, "DEBUG": "0", "PORT": str(port), "WEB_BIND": "127.0.0.1"}
    settings.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    settings.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    settings["WEB_ACCESS_LOG"] = str(log)
    settings["THROTTLE_SEARCH"] = "1000000/min"
    settings.update(env or {})
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn_conf.py",
         "portal.wsgi:application"],
        cwd=ROOT, env=settings, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def wait_ready(url: str, timeout: float = 300) -> float:
    """Until `/health/ready` answers 200 (a warmed worker); returns seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(f"{url}/health/ready", timeout=5) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(1)
    raise SystemExit(f"{url} was not ready within {timeout:.0f} s")
