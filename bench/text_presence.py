"""Text-presence test: false negatives on text images, photos skipped, time saved.

Positives: the OCR development set (bench/ocr_devset.py, every font and degradation) and
GIMP dialog screenshots from the Korean manual. Negatives: photos from Debian wallpaper
packages. Run:

    .venv/bin/python bench/text_presence.py [--ocr-photos 12]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["OMP_THREAD_LIMIT"] = "1"

import debian_data  # noqa: E402
import ocr_devset  # noqa: E402
from PIL import Image  # noqa: E402

THRESHOLDS = (2, 4, 6, 10)


def _timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ocr-photos", type=int, default=12, help="photos OCRed")
    args = parser.parse_args()
    from django.conf import settings

    settings.configure()
    from embeddings.ocr.reader import OcrConfig, read_text
    from embeddings.ocr.text_presence import (
        MIN_TEXT_LENGTH,
        may_contain_text,
        text_length,
    )

    pages = ocr_devset.build_pages(
        fonts=list(ocr_devset.FONTS), lines_per_page=8, pages_per_font=1, seed=15
    )
    rendered = [
        degrade(page.image)
        for page in pages
        for degrade in ocr_devset.DEGRADATIONS.values()
    ]
    config = OcrConfig(languages="kor+eng", psm=6, timeout=60)
    # Screenshot ground truth: the dialogs also show paintings and colour wheels, so a
    # screenshot counts as text when ungated tesseract reads a confident word in it —
    # exactly the text a false negative would lose.
    shots = [
        image
        for image in (Image.open(p).convert("RGB") for p in debian_data.screenshots())
        if _has_confident_word(read_text_always(read_text, image, config).text)
    ]
    photos = [Image.open(p).convert("RGB") for p in debian_data.photos()]
    sets = (
        ("rendered manual text (6 fonts × 6 conditions)", rendered, True),
        ("GIMP dialog screenshots with text tesseract reads", shots, True),
        ("photos (Debian wallpapers)", photos, False),
    )
    counts = {name: [text_length(im) for im in images] for name, images, _ in sets}
    print(
        "\n| set | images | "
        + " | ".join(f"errors at ≥ {t}" for t in THRESHOLDS)
        + " |"
    )
    print("|---|---:|" + "---:|" * len(THRESHOLDS))
    for name, images, text in sets:
        cells = []
        for t in THRESHOLDS:
            said = [c >= t for c in counts[name]]
            wrong = said.count(False) if text else said.count(True)
            cells.append(f"{wrong} ({100 * wrong / len(images):.0f} %)")
        kind = "false negatives" if text else "false positives"
        print(f"| {name}: {kind} | {len(images)} | " + " | ".join(cells) + " |")
    print(f"\n(default threshold: {MIN_TEXT_LENGTH})")
    detect_all = [_timed(may_contain_text, im)[1] for _, ims, _ in sets for im in ims]
    print(f"detector: {sum(detect_all) / len(detect_all):.0f} ms/image on average")

    # Time saved on a text-free photo: what tesseract costs on it, minus the detector.
    sample = [p for p in photos if not may_contain_text(p)][: args.ocr_photos]
    ocr_ms = [_timed(read_text_always, read_text, p, config)[1] for p in sample]
    detect_ms = [_timed(may_contain_text, p)[1] for p in sample]
    print(
        f"\nOn {len(sample)} text-free photos: tesseract {sum(ocr_ms) / len(sample):.0f}"
        f" ms/image, detector {sum(detect_ms) / len(sample):.0f} ms/image, saved "
        f"{(sum(ocr_ms) - sum(detect_ms)) / len(sample):.0f} ms/image"
    )


def _has_confident_word(text: str) -> bool:
    """Two or more letters in a row, Hangul or Latin (pipeline output is conf ≥ 30)."""
    import re

    return bool(re.search(r"[\uac00-\ud7a3]{2,}|[A-Za-z]{3,}", text))


def read_text_always(read_text, image, config):
    """OCR without the text-presence gate (the cost the gate avoids)."""
    return read_text(image, config=config, check_text_presence=False)


if __name__ == "__main__":
    main()
