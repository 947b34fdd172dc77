"""tesseract on rendered Korean + English lines: every line recovered, CER reported."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from embeddings.ocr.quality import character_error_rate
from embeddings.ocr.reader import OcrConfig, join_split_syllables, read_text
from tests.conftest import render_lines

LINES = [
    "광합성은 빛 에너지를 화학 에너지로 바꾸는 과정이다.",
    "Photosynthesis converts light energy into chemical energy.",
    "다음 그래프를 보고 물음에 답하시오.",
    "EDU-CALC 300 공학용 계산기 사용 설명서",
    "Press SHIFT + MODE to reset the calculator.",
    "학부모 상담 주간: 11월 24일부터 28일까지",
    "엽록체",
]


def test_every_mixed_korean_english_line_is_recovered():
    image = Image.open(io.BytesIO(render_lines(LINES)))
    output = read_text(image, config=OcrConfig.from_settings())
    got = output.text.splitlines()
    assert len(got) == len(LINES), got
    rates = [
        character_error_rate(expected, line)
        for expected, line in zip(LINES, got, strict=True)
    ]
    total = character_error_rate("".join(LINES), "".join(got))
    print(
        f"\nOCR character error rate: {total:.3f} overall; per line {[round(r, 3) for r in rates]}"
    )
    assert max(rates) < 0.15
    assert total < 0.05
    assert output.confidence is not None and output.confidence > 70


def test_a_slightly_rotated_page_keeps_every_line():
    """A 2° tilt, as in a phone photo of a page, loses no line."""
    image = Image.open(io.BytesIO(render_lines(LINES))).rotate(
        2, resample=Image.Resampling.BICUBIC, fillcolor="white", expand=True
    )
    got = read_text(image, config=OcrConfig.from_settings()).text.splitlines()
    assert len(got) == len(LINES), got
    assert character_error_rate("".join(LINES), "".join(got)) < 0.05, got


@pytest.mark.parametrize("line", ["엽록체 관찰 기록", "Figure 2", "짧은 줄"])
def test_a_single_short_line_is_not_dropped(line):
    image = Image.open(io.BytesIO(render_lines([line])))
    output = read_text(image, config=OcrConfig.from_settings())
    assert character_error_rate(line, output.text) < 0.2, output.text


def test_split_syllables_are_joined():
    assert join_split_syllables("전원: 태 양 광 + 배터리") == "전원: 태양광 + 배터리"
    assert join_split_syllables("짧은 줄") == "짧은 줄"


def test_fingerprint_of_ocr_settings_changes_with_languages():
    a = OcrConfig(languages="kor+eng", psm=4, timeout=60).fingerprint("ab" * 32)
    b = OcrConfig(languages="eng", psm=4, timeout=60).fingerprint("ab" * 32)
    assert a != b
