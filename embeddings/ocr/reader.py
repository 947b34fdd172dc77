"""Read text in images with tesseract (Korean + English by default).

Page segmentation mode 6 (one uniform block of text) is the default, chosen by
bench/ocr.py on 96 lines of third-party manual text (GNOME help, GIMP manual) in six
Debian Korean fonts, clean and degraded (docs/benchmarks.md): with the re-read below, mode
6 reached CER 1.8 % clean and 1.8 % degraded with no line dropped, where mode 4 (the
previous default, chosen on the demo pages) had 2.8 % / 2.9 % and a 6.6 % CER on pages
rotated by 2°, and modes 3 and 11 dropped 31 and 58 lines. Otsu binarisation and 2×
upscaling did not help (2.1 % and 2.4 % degraded) and are not applied. Korean words that
`kor+eng` reads as Latin capitals are re-read with `kor` alone (embeddings/ocr/hangul.py):
that took mode 6 from 3.3 % to 1.9 % CER on a first sample. tesseract's Korean model
also tends to put spaces between the syllables of a word ("태 양 광"); runs of single
syllables are joined back, and words it is unsure of (confidence below 30) are dropped as
noise. One tesseract thread per call (OMP_THREAD_LIMIT=1): parallelism comes from worker
processes, and tesseract's own threading slows it down when several run at once.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from PIL import Image, ImageOps

from embeddings.encoders.base import ModelUnavailable
from embeddings.ocr.hangul import reread_latin_in_korean_lines
from embeddings.ocr.text_presence import may_contain_text

# Bumped whenever the post-processing changes what OCR returns, so stored results are redone.
PIPELINE_VERSION = 3
MIN_WORD_CONFIDENCE = 30
SPLIT_SYLLABLES = re.compile(
    r"(?<![\uac00-\ud7a3])[\uac00-\ud7a3](?: [\uac00-\ud7a3](?![\uac00-\ud7a3]))+"
)

# Small images are upscaled: tesseract is tuned for glyphs around 20–30 px high.
MIN_OCR_WIDTH = 1000
MAX_OCR_SIDE = 4000


class OcrFailed(Exception):
    """tesseract could not read this image (timeout, crash, unreadable input)."""


class OcrTimeout(OcrFailed):
    """tesseract ran past OCR_TIMEOUT_SECONDS and was killed: maybe a busy machine, so
    the job is retried (embeddings/processing/failures.py), unlike an image tesseract cannot read."""


class OcrUnavailable(ModelUnavailable):
    """tesseract is not installed: OCR jobs wait (they are not failures of the image)."""


@dataclass(frozen=True)
class OcrConfig:
    languages: str
    psm: int
    timeout: int

    @classmethod
    def from_settings(cls) -> OcrConfig:
        return cls(
            languages=settings.OCR_LANGUAGES,
            psm=settings.OCR_PSM,
            timeout=settings.OCR_TIMEOUT_SECONDS,
        )

    def fingerprint(self, image_sha256: str) -> str:
        """Changes whenever the image or anything that affects OCR output changes."""
        key = (
            f"{image_sha256}|{self.languages}|{self.psm}|{engine_version()}"
            f"|{PIPELINE_VERSION}"
        )
        return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class OcrOutput:
    text: str
    confidence: float | None
    engine_version: str
    duration_ms: int
    skipped: bool = False  # no text-like rows found: tesseract was not run


@cache
def engine_version() -> str:
    import pytesseract

    try:
        return str(pytesseract.get_tesseract_version())
    except pytesseract.TesseractNotFoundError as exc:
        engine_version.cache_clear()
        raise OcrUnavailable(
            "tesseract is not installed (apt-get install tesseract-ocr)"
        ) from exc


def available_languages() -> set[str]:
    import pytesseract

    return set(pytesseract.get_languages(config=""))


def read_text(
    image: Image.Image, *, config: OcrConfig, check_text_presence: bool = True
) -> OcrOutput:
    """OCR one image; lines are kept in reading order, words joined by single spaces.

    An image that shows no text-like rows (a photo) returns empty text without running
    tesseract (embeddings/ocr/text_presence.py); `skipped` says so.
    """
    import pytesseract

    os.environ["OMP_THREAD_LIMIT"] = "1"
    started = time.monotonic()
    if check_text_presence and not may_contain_text(image):
        return OcrOutput(
            text="",
            confidence=None,
            engine_version=engine_version(),
            duration_ms=int((time.monotonic() - started) * 1000),
            skipped=True,
        )
    prepared = _prepare(image)
    try:
        data = pytesseract.image_to_data(
            prepared,
            lang=config.languages,
            config=f"--psm {config.psm}",
            timeout=config.timeout,
            output_type=pytesseract.Output.DICT,
        )
        if {"kor", "eng"} <= set(config.languages.split("+")):
            data = reread_latin_in_korean_lines(prepared, data, timeout=config.timeout)
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable(
            "tesseract is not installed (apt-get install tesseract-ocr)"
        ) from exc
    except (
        pytesseract.TesseractError
    ) as exc:  # a subclass of RuntimeError: check it first
        raise OcrFailed(f"tesseract failed: {exc}") from exc
    except (
        RuntimeError
    ) as exc:  # pytesseract reports its timeout as a plain RuntimeError
        raise OcrTimeout(f"tesseract timed out after {config.timeout} s") from exc
    duration_ms = int((time.monotonic() - started) * 1000)
    text, confidence = _assemble(data)
    return OcrOutput(
        text=text,
        confidence=confidence,
        engine_version=engine_version(),
        duration_ms=duration_ms,
    )


def _prepare(image: Image.Image) -> Image.Image:
    grey = ImageOps.exif_transpose(image).convert("L")
    if grey.width < MIN_OCR_WIDTH:
        scale = MIN_OCR_WIDTH / grey.width
        grey = grey.resize(
            (MIN_OCR_WIDTH, max(1, round(grey.height * scale))),
            Image.Resampling.LANCZOS,
        )
    if max(grey.size) > MAX_OCR_SIDE:
        grey.thumbnail((MAX_OCR_SIDE, MAX_OCR_SIDE), Image.Resampling.LANCZOS)
    return grey


def _assemble(data: dict[str, list]) -> tuple[str, float | None]:
    words = [
        _Word(
            text=(data["text"][i] or "").strip(),
            conf=float(data["conf"][i]),
            line=(data["block_num"][i], data["par_num"][i], data["line_num"][i]),
            box=(data["left"][i], data["top"][i], data["width"][i], data["height"][i]),
        )
        for i in range(len(data["text"]))
    ]
    words = [w for w in words if w.text and w.conf >= MIN_WORD_CONFIDENCE]
    # Tall Hangul syllables (짧, 뚫) are sometimes also read as a small Latin "word" on a
    # line of its own; such a ghost lies inside a surer word's box and is dropped.
    kept = [w for w in words if not any(w.ghost_of(other) for other in words)]
    lines: dict[tuple[int, int, int], list[str]] = {}
    for word in kept:
        lines.setdefault(word.line, []).append(word.text)
    text = "\n".join(
        join_split_syllables(" ".join(line_words))
        for _, line_words in sorted(lines.items())
    )
    confidence = round(sum(w.conf for w in kept) / len(kept), 1) if kept else None
    return text, confidence


@dataclass(frozen=True)
class _Word:
    text: str
    conf: float
    line: tuple[int, int, int]
    box: tuple[int, int, int, int]  # left, top, width, height

    def ghost_of(self, other: _Word, share: float = 0.8) -> bool:
        """Mostly inside a surer word that tesseract put on another line."""
        if other is self or other.line == self.line or other.conf <= self.conf:
            return False
        left, top, width, height = self.box
        o_left, o_top, o_width, o_height = other.box
        dx = min(left + width, o_left + o_width) - max(left, o_left)
        dy = min(top + height, o_top + o_height) - max(top, o_top)
        return dx > 0 and dy > 0 and dx * dy >= share * width * height


def join_split_syllables(line: str) -> str:
    """ "전원: 태 양 광" → "전원: 태양광": runs of lone Hangul syllables are one word."""
    return SPLIT_SYLLABLES.sub(lambda match: match.group(0).replace(" ", ""), line)
