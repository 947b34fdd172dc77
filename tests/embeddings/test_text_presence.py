"""The text-presence gate: text images go to tesseract, text-free pictures skip it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from embeddings.ocr import reader
from embeddings.ocr.reader import OcrConfig, read_text
from embeddings.ocr.text_presence import may_contain_text
from tests.conftest import render_lines


def _photo_like(seed: int = 3) -> Image.Image:
    """Smooth colour fields and a few soft shapes, like a landscape photo: no text."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((1600, 1200), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(5):
        x, y, r = (
            rng.integers(100, 1400),
            rng.integers(100, 1000),
            rng.integers(60, 250),
        )
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.integers(0, 255, 3)))
    return image.filter(ImageFilter.GaussianBlur(6))


@pytest.mark.parametrize(
    "lines",
    [["광합성은 빛 에너지를 화학 에너지로 바꾼다."], ["Figure 2", "짧은 줄"]],
)
def test_rendered_text_may_contain_text(lines):
    assert may_contain_text(Image.open(io.BytesIO(render_lines(lines))))


def test_text_on_a_photo_is_still_found():
    photo = _photo_like()
    ImageDraw.Draw(photo).rectangle((80, 80, 1200, 220), fill="white")
    page = Image.open(io.BytesIO(render_lines(["EDU-CALC 300 공학용 계산기"])))
    photo.paste(page, (90, 90))
    assert may_contain_text(photo)


def test_a_text_free_picture_is_classified_text_free():
    assert not may_contain_text(_photo_like())
    assert not may_contain_text(Image.new("RGB", (800, 600), "#3a6ea5"))


def test_a_text_free_picture_skips_tesseract(monkeypatch):
    calls = []
    real = reader._prepare
    monkeypatch.setattr(
        reader, "_prepare", lambda image: calls.append(1) or real(image)
    )
    output = read_text(_photo_like(), config=OcrConfig.from_settings())
    assert output.skipped and output.text == "" and calls == []


def test_the_gate_can_be_turned_off():
    output = read_text(
        _photo_like(), config=OcrConfig.from_settings(), check_text_presence=False
    )
    assert not output.skipped
