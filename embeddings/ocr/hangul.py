"""Re-read Latin "words" inside Korean lines with the Korean model alone.

With `kor+eng`, tesseract sometimes reads a whole Hangul word as Latin capitals
("케이블을" → "HOSS", "코드를" → "DES"), with confidences as high as real English words
(86–96), so confidence cannot tell them apart. Korean alone reads such a word correctly with
high confidence, but turns real English words ("Super", "High") into digits or
low-confidence jamo. So every Latin word in a line that also holds Hangul is cut out, all
of them are stacked into one image read once with `kor`, and a word is replaced only where
that reading is all Hangul and confident. One extra tesseract call per image, and only
for images with mixed lines. Measured in bench/ocr.py (docs/benchmarks.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PIL import Image

HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN_WORD = re.compile(r"[A-Za-z]+[.,:;!?]?")
KOREAN_READING = re.compile(r"[\uac00-\ud7a3]+[.,:;!?]?")
MIN_KOREAN_CONFIDENCE = 60
PAD = 8  # pixels around each word box: tesseract needs some margin around glyphs
GAP = 30  # vertical space between stacked words, so each stays its own line


@dataclass(frozen=True)
class _Crop:
    index: int  # the word's position in tesseract's data
    top: int  # where its crop starts in the stacked image
    bottom: int


def suspect_words(data: dict[str, list]) -> list[int]:
    """Indexes of Latin-only words on lines that also contain Hangul."""
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, text in enumerate(data["text"]):
        if (text or "").strip():
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            lines.setdefault(key, []).append(i)
    return [
        i
        for words in lines.values()
        if any(HANGUL.search(data["text"][i]) for i in words)
        for i in words
        if LATIN_WORD.fullmatch(data["text"][i].strip())
    ]


def reread_latin_in_korean_lines(
    image: Image.Image, data: dict[str, list], *, timeout: int
) -> dict[str, list]:
    """A copy of tesseract's word data with misread Hangul words replaced."""
    import pytesseract

    suspects = suspect_words(data)
    if not suspects:
        return data
    stacked, crops = _stack(image, data, suspects)
    korean = pytesseract.image_to_data(
        stacked,
        lang="kor",
        config="--psm 6",
        timeout=timeout,
        output_type=pytesseract.Output.DICT,
    )
    fixed = {key: list(values) for key, values in data.items()}
    for crop in crops:
        reading = _reading_within(korean, crop)
        if reading is not None:
            fixed["text"][crop.index], fixed["conf"][crop.index] = reading
    return fixed


def _stack(
    image: Image.Image, data: dict[str, list], suspects: list[int]
) -> tuple[Image.Image, list[_Crop]]:
    pieces = [
        image.crop(
            (
                data["left"][i] - PAD,
                data["top"][i] - PAD,
                data["left"][i] + data["width"][i] + PAD,
                data["top"][i] + data["height"][i] + PAD,
            )
        )
        for i in suspects
    ]
    width = max(p.width for p in pieces) + 2 * GAP
    height = sum(p.height + GAP for p in pieces) + GAP
    stacked = Image.new("L", (width, height), 255)
    crops, y = [], GAP
    for index, piece in zip(suspects, pieces, strict=True):
        stacked.paste(piece.convert("L"), (GAP, y))
        crops.append(_Crop(index=index, top=y, bottom=y + piece.height))
        y += piece.height + GAP
    return stacked, crops


def _reading_within(korean: dict[str, list], crop: _Crop) -> tuple[str, float] | None:
    """The Korean reading of one crop, if it is all Hangul and every part is confident."""
    parts = [
        (korean["text"][j].strip(), float(korean["conf"][j]))
        for j in range(len(korean["text"]))
        if (korean["text"][j] or "").strip()
        and crop.top - PAD
        <= korean["top"][j] + korean["height"][j] / 2
        <= crop.bottom + PAD
    ]
    if not parts or any(
        not KOREAN_READING.fullmatch(text) or conf < MIN_KOREAN_CONFIDENCE
        for text, conf in parts
    ):
        return None
    return "".join(text for text, _ in parts), min(conf for _, conf in parts)
