"""Warm a web process before it takes traffic, so the first search costs what the hundredth does.

Measured after `bin/run` on a fresh start: the first search took 4.3 s (Kiwi's morpheme
model, the e5 encoder, tesseract's language data and the database connection all load on
first use), later ones ~0.1 s. gunicorn calls `warm_up` in each worker before the worker
accepts connections (portal/gunicorn_conf.py); `/health/ready` reports its outcome.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# A query that runs every text branch (Korean morphemes, an English word, an identifier).
WARM_UP_TEXT = "삼각형의 넓이 area A-100"


@dataclass
class WarmUpState:
    # "not run" (development server), "running", "done" or "failed"
    status: str = "not run"
    took_ms: int | None = None
    detail: dict[str, str] = field(default_factory=dict)


_state = WarmUpState()
_lock = threading.Lock()


def warm_up_state() -> WarmUpState:
    return _state


def warm_up() -> WarmUpState:
    """Run one text and one image search through the real engine; record how it went.

    A missing model is not a failure of the warm-up (search reports it per query, as it
    always does); only an error that would break every search is.
    """
    from search.engine import SearchRequest, run_search

    with _lock:
        _state.status, _state.detail = "running", {}
        started = time.monotonic()
        try:
            text = run_search(SearchRequest(text=WARM_UP_TEXT, k=5), user=None)
            image = run_search(
                SearchRequest(image=_warm_up_image(), mode="image", k=5), user=None
            )
        # Anything at all: a warm-up error must never stop a worker from booting (gunicorn
        # halts when a worker fails to boot); /health/ready reports it and retries.
        except Exception as exc:
            _state.status = "failed"
            _state.detail = {"error": f"{type(exc).__name__}: {exc}"}
            logger.exception("Warm-up failed")
        else:
            _state.status = "done"
            _state.detail = {
                name: f"unavailable: {reason}"
                for name, reason in {**text.unavailable, **image.unavailable}.items()
            }
        _state.took_ms = int((time.monotonic() - started) * 1000)
    logger.info("Warm-up %s in %d ms", _state.status, _state.took_ms)
    return _state


def _warm_up_image() -> bytes:
    """A small picture with a line of text, so OCR and image encoders load too."""
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (320, 80), "white")
    ImageDraw.Draw(picture).text((10, 30), "warm up 100", fill="black")
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def readiness() -> tuple[dict, bool]:
    """The /health/ready body and whether this process can serve searches at full speed:
    the database answers and the warm-up is neither running nor failed."""
    from embeddings.health import database_status

    database = database_status()
    warm = warm_up_state()
    if warm.status == "failed" and database["ok"]:
        # The cause (typically the database being down at boot) may have healed:
        # warm up again rather than stay unready until a restart.
        warm = warm_up()
    ready = database["ok"] and warm.status not in ("running", "failed")
    body = {
        "database": database,
        "warm_up": {
            "status": warm.status,
            "took_ms": warm.took_ms,
            "detail": warm.detail,
        },
        "status": "ready" if ready else "not ready",
    }
    return body, ready
