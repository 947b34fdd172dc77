"""A quick test for whether an image may hold text, so text-free photos skip tesseract.

Text, in any script, is rows of glyph-high strokes with dense edges. An edge map (a
morphological gradient, Otsu-thresholded) is closed horizontally so the glyphs of a word
or line join into one blob; blobs that are glyph-high, wider than tall and densely (not
solidly) filled with edges are measured in multiples of their height, and an image with two
characters' worth "may hold text". The threshold is the lowest measured, because a false
positive only costs the OCR call it would have cost anyway: in bench/text_presence.py it
missed none of 36 rendered pages and 3 of 93 manual screenshots (4 and 7 at thresholds 4
and 6) and let 15 of 31 photos skip tesseract, saving ~2 s each (docs/benchmarks.md).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

WORK_SIDE = 1000  # larger images are reduced to this longest side first
SMALL_SIDE = 800  # smaller ones are enlarged to it
MIN_HEIGHT, MAX_HEIGHT = 6, 80  # glyph heights (px at work size) worth reading
MIN_TEXT_LENGTH = 2  # two characters' worth of text-like row says "text"


def may_contain_text(image: Image.Image) -> bool:
    """False only when the image shows no rows of glyph-like regions."""
    return text_length(image) >= MIN_TEXT_LENGTH


def text_length(image: Image.Image) -> int:
    """How much text-like row there is, in multiples of its height (≈ characters).

    Glyphs are joined along a row by a horizontal close of the edge map; a joined blob
    counts when it is glyph-high, wider than two heights and densely but not solidly
    filled with edges.
    """
    import cv2

    grey = ImageOps.exif_transpose(image).convert("L")
    if max(grey.size) > WORK_SIDE:
        grey.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BILINEAR)
    elif max(grey.size) < SMALL_SIDE:
        # UI screenshots: 9–11 px text touches frames and icons until it is enlarged.
        scale = SMALL_SIDE / max(grey.size)
        grey = grey.resize(
            (round(grey.width * scale), round(grey.height * scale)),
            Image.Resampling.BICUBIC,
        )
    pixels = np.asarray(grey)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    gradient = cv2.morphologyEx(pixels, cv2.MORPH_GRADIENT, kernel)
    _, edges = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    joined = cv2.morphologyEx(
        edges, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1))
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=4)
    length = 0.0
    for left, top, width, height, _area in stats[1:count]:
        if not MIN_HEIGHT <= height <= MAX_HEIGHT or width < 2 * height:
            continue
        box = edges[top : top + height, left : left + width]
        fill = np.count_nonzero(box) / box.size
        # Text strokes fill a word's box densely but not solidly; photo edges either
        # trace thin outlines (low fill) or blanket textured areas (near-solid).
        if 0.3 <= fill <= 0.85:
            length += width / height
    return round(length)
