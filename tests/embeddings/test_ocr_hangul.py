"""Latin misreadings inside Korean lines are re-read with tesseract's Korean model."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from embeddings.ocr.hangul import reread_latin_in_korean_lines, suspect_words
from tests.conftest import NANUM


def _word_data(words: list[tuple[str, float, tuple[int, int, int, int]]]) -> dict:
    """tesseract-shaped word data: every word on one line (block 1, par 1, line 1)."""
    return {
        "text": [w[0] for w in words],
        "conf": [w[1] for w in words],
        "left": [w[2][0] for w in words],
        "top": [w[2][1] for w in words],
        "width": [w[2][2] for w in words],
        "height": [w[2][3] for w in words],
        "block_num": [1] * len(words),
        "par_num": [1] * len(words),
        "line_num": [1] * len(words),
    }


def _render(words: list[str]) -> tuple[Image.Image, list[tuple[int, int, int, int]]]:
    """One line of words in NanumGothic, with each word's true box."""
    font = ImageFont.truetype(NANUM, 34)
    image = Image.new("L", (1100, 90), 255)
    draw = ImageDraw.Draw(image)
    boxes, x = [], 30
    for word in words:
        left, top, right, bottom = draw.textbbox((x, 25), word, font=font)
        draw.text((x, 25), word, font=font, fill=20)
        boxes.append((left, top, right - left, bottom - top))
        x = right + 20
    return image, boxes


def test_a_hangul_word_misread_as_latin_capitals_is_read_again_in_korean():
    image, boxes = _render(["네트워크", "케이블을", "연결했는지"])
    data = _word_data(
        [
            ("네트워크", 93, boxes[0]),
            ("HOSS", 87, boxes[1]),
            ("연결했는지", 92, boxes[2]),
        ]
    )
    fixed = reread_latin_in_korean_lines(image, data, timeout=30)
    assert fixed["text"] == ["네트워크", "케이블을", "연결했는지"]
    assert data["text"][1] == "HOSS"  # the input is not changed in place


def test_a_real_english_word_in_a_korean_line_is_kept():
    image, boxes = _render(["Super", "키를", "누르세요"])
    data = _word_data(
        [("Super", 86, boxes[0]), ("키를", 93, boxes[1]), ("누르세요", 91, boxes[2])]
    )
    assert reread_latin_in_korean_lines(image, data, timeout=30)["text"][0] == "Super"


def test_latin_words_on_english_only_lines_are_not_suspects():
    data = _word_data([("Press", 95, (0, 0, 50, 20)), ("SHIFT", 90, (60, 0, 50, 20))])
    assert suspect_words(data) == []
