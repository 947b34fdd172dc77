"""Fixtures for the pipeline: the tiny test encoder space, rendered text images, a runner."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw, ImageFont

from embeddings.models import EmbeddingSpace, JobState, ProcessingJob, Stage
from embeddings.pipeline import run_job
from embeddings.spaces import create_space
from items.models import Item

NANUM = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"


@pytest.fixture
def test_clip_space(db) -> EmbeddingSpace:
    """A tiny open_clip architecture with fixed-seed random weights. TEST ONLY."""
    return create_space(
        name="test-clip",
        label="Tiny CLIP (test only, fixed-seed random weights)",
        backend="open_clip",
        model_name="portal-test-tiny-clip",
        modality="both",
        dimension=64,
        test_only=True,
        state="active",
    )


def render_lines(lines: list[str], *, size: int = 34, width: int = 1100) -> bytes:
    """A white page with dark text lines in NanumGothic (Korean and Latin glyphs)."""
    font = ImageFont.truetype(NANUM, size)
    line_height = int(size * 1.9)
    image = Image.new("RGB", (width, 40 + line_height * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((30, 20 + index * line_height), line, font=font, fill="#111111")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


STAGE_ORDER = [Stage.OCR, Stage.INDEX, Stage.EMBED]


def process(item: Item, *, rounds: int = 10) -> dict[int, str]:
    """Run the item's runnable jobs in this process, in pipeline order, until none remain.

    Returns the last outcome per job id. Failed jobs that still have attempts become
    pending again and are retried here, as the worker would after its backoff.
    """
    outcomes: dict[int, str] = {}
    for _ in range(rounds):
        runnable = list(
            ProcessingJob.objects.filter(item=item, state=JobState.PENDING).order_by(
                "id"
            )
        )
        if not runnable:
            break
        runnable.sort(key=lambda job: STAGE_ORDER.index(Stage(job.stage)))
        for job in runnable:
            outcomes[job.pk] = run_job(job.pk)
    return outcomes


@pytest.fixture
def run_pipeline() -> Callable[..., dict[int, str]]:
    return process
