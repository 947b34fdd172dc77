"""The OCR development set: manual text rendered in Debian Korean fonts, then degraded.

Lines come from third-party manuals (GNOME help in Korean and English from
`gnome-user-docs`, the GIMP manual in Korean from `gimp-help-ko`); fonts from `fonts-nanum`,
`fonts-unfonts-core`, `fonts-baekmuk` and `fonts-noto-cjk`. Every page is a list of known
lines, so the ground truth is exact. Deterministic for a given seed.
"""

from __future__ import annotations

import html
import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from debian_data import unpacked
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = {
    "NanumGothic": ("system", "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    "NanumMyeongjo": ("system", "/usr/share/fonts/truetype/nanum/NanumMyeongjo.ttf"),
    "UnDotum": (
        "fonts-unfonts-core",
        "usr/share/fonts/truetype/unfonts-core/UnDotum.ttf",
    ),
    "UnBatang": (
        "fonts-unfonts-core",
        "usr/share/fonts/truetype/unfonts-core/UnBatang.ttf",
    ),
    "BaekmukGulim": ("fonts-baekmuk", "usr/share/fonts/truetype/baekmuk/gulim.ttf"),
    "NotoSansCJK": (
        "fonts-noto-cjk",
        "usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    ),
}

TAG = re.compile(r"<[^>]+>")
PARAGRAPH = re.compile(r"<p[^>]*>(.*?)</p>", re.S)
# Characters tesseract's kor/eng models can be fairly asked to read.
READABLE = re.compile(r"^[\uac00-\ud7a3A-Za-z0-9 .,:;!?()'\"%/+\-]+$")


@dataclass(frozen=True)
class Page:
    font: str
    lines: tuple[str, ...]
    image: Image.Image


def font_path(name: str) -> str:
    package, path = FONTS[name]
    return path if package == "system" else str(unpacked(package) / path)


def _paragraphs(files: list[Path]) -> list[str]:
    found = []
    for file in files:
        for raw in PARAGRAPH.findall(file.read_text(errors="ignore")):
            text = " ".join(html.unescape(TAG.sub(" ", raw)).split())
            if text:
                found.append(text)
    return found


def _chunks(paragraph: str, *, lo: int, hi: int) -> list[str]:
    """Word-boundary pieces of lo..hi characters: one rendered line each."""
    pieces, current = [], ""
    for word in paragraph.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) > hi:
            if len(current) >= lo:
                pieces.append(current)
            current = word
        else:
            current = candidate
    if lo <= len(current) <= hi:
        pieces.append(current)
    return [p for p in pieces if READABLE.match(p)]


def manual_lines(*, korean: int, english: int, seed: int) -> list[str]:
    """Korean lines (GNOME help ko + GIMP manual ko) and English lines (GNOME help C)."""
    docs = unpacked("gnome-user-docs") / "usr/share/help"
    gimp = unpacked("gimp-help-ko") / "usr/share/gimp/2.0/help/ko"
    ko_files = sorted((docs / "ko/gnome-help").glob("*.page")) + sorted(
        gimp.glob("*.html")
    )
    en_files = sorted((docs / "C/gnome-help").glob("*.page"))
    rng = random.Random(seed)
    ko = [c for p in _paragraphs(ko_files) for c in _chunks(p, lo=12, hi=30)]
    en = [c for p in _paragraphs(en_files) for c in _chunks(p, lo=25, hi=55)]
    # Keep lines with Hangul in the Korean pool (manual text mixes in English names).
    ko = [line for line in ko if re.search(r"[\uac00-\ud7a3]", line)]
    return rng.sample(sorted(set(ko)), korean) + rng.sample(sorted(set(en)), english)


def render_page(lines: list[str], *, font: str, size: int = 30) -> Image.Image:
    face = ImageFont.truetype(font_path(font), size)
    height = int(size * 1.8)
    image = Image.new("L", (1200, 40 + height * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((30, 20 + index * height), line, font=face, fill=20)
    return image


def build_pages(
    *, fonts: list[str], lines_per_page: int, pages_per_font: int, seed: int
) -> list[Page]:
    """Each font gets its own lines (so fonts are not compared on the same text only)."""
    need = len(fonts) * pages_per_font * lines_per_page
    english = need // 3
    lines = manual_lines(korean=need - english, english=english, seed=seed)
    random.Random(seed).shuffle(lines)
    pages = []
    for f, font in enumerate(fonts):
        for p in range(pages_per_font):
            start = (f * pages_per_font + p) * lines_per_page
            chosen = lines[start : start + lines_per_page]
            pages.append(Page(font, tuple(chosen), render_page(chosen, font=font)))
    return pages


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue())).convert("L")


def _noise(image: Image.Image, sigma: float) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    noisy = pixels + np.random.default_rng(0).normal(0, sigma, pixels.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def _low_res(image: Image.Image, factor: float) -> Image.Image:
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.BILINEAR)


DEGRADATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "clean": lambda im: im,
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(1.3)),
    "noise": lambda im: _noise(im, 25),
    "rotate 2°": lambda im: im.rotate(
        2, resample=Image.Resampling.BICUBIC, fillcolor=255, expand=True
    ),
    "low-res 0.5×": lambda im: _low_res(im, 0.5),
    "jpeg q25": lambda im: _jpeg(im, 25),
}
