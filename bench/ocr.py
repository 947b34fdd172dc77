"""OCR character error rate per font and degradation: the pipeline's mode beside alternatives.

Development set (bench/ocr_devset.py): lines of third-party manual text (GNOME help ko/en,
GIMP manual ko) rendered in six Debian Korean fonts, clean and degraded. Run:

    .venv/bin/python bench/ocr.py [--pages 2] [--jobs 2] [--variants current,psm6]

CER ignores spaces (tesseract's Korean spacing is unreliable and FTS does not need it); a
line is *dropped* when no output line is within CER 0.5 of it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["OMP_THREAD_LIMIT"] = "1"

import ocr_devset  # noqa: E402
from PIL import Image  # noqa: E402

from embeddings.ocr.quality import edit_distance, squash  # noqa: E402


@dataclass(frozen=True)
class Variant:
    """One way of running tesseract: page segmentation, preprocessing, post-processing."""

    psm: int
    prepare: str = "pipeline"  # pipeline | raw | otsu | upscale2x
    assemble: str = "pipeline"  # pipeline (embeddings.ocr.reader post-processing) | raw
    languages: str = "kor+eng"
    reread: bool = False  # embeddings.ocr.hangul: Latin misreadings re-read with kor


VARIANTS = {
    "psm4 (before)": Variant(psm=4),
    "psm6 raw": Variant(psm=6, prepare="raw", assemble="raw"),
    "psm3 reread": Variant(psm=3, reread=True),
    "psm11 reread": Variant(psm=11, reread=True),
    "psm4 reread": Variant(psm=4, reread=True),
    "psm6 reread": Variant(psm=6, reread=True),
    "psm6 otsu reread": Variant(psm=6, prepare="otsu", reread=True),
    "psm6 upscale2x reread": Variant(psm=6, prepare="upscale2x", reread=True),
}


def _prepared(image: Image.Image, how: str) -> Image.Image:
    from embeddings.ocr import reader

    if how == "raw":
        return image.convert("L")
    grey = reader._prepare(image)
    if how == "otsu":
        import cv2
        import numpy as np

        _, binary = cv2.threshold(
            np.asarray(grey), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU
        )
        return Image.fromarray(binary)
    if how == "upscale2x":
        return grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.LANCZOS)
    return grey


def run_variant(variant: Variant, image: Image.Image) -> str:
    import pytesseract

    from embeddings.ocr import hangul, reader

    prepared = _prepared(image, variant.prepare)
    config = f"--psm {variant.psm}"
    if variant.assemble == "raw":
        return pytesseract.image_to_string(
            prepared, lang=variant.languages, config=config
        )
    data = pytesseract.image_to_data(
        prepared,
        lang=variant.languages,
        config=config,
        output_type=pytesseract.Output.DICT,
    )
    if variant.reread:
        data = hangul.reread_latin_in_korean_lines(prepared, data, timeout=60)
    return reader._assemble(data)[0]


@dataclass(frozen=True)
class Score:
    edits: int
    chars: int
    lines: int
    dropped: int
    ms: float


def score(expected: tuple[str, ...], got: str, ms: float) -> Score:
    out_lines = [squash(line) for line in got.splitlines() if line.strip()]
    dropped = 0
    for line in expected:
        want = squash(line)
        best = min((edit_distance(want, o) / len(want) for o in out_lines), default=1.0)
        dropped += best > 0.5
    want_all = squash("".join(expected))
    return Score(
        edit_distance(want_all, squash(got)),
        len(want_all),
        len(expected),
        dropped,
        ms,
    )


def _task(args: tuple[str, int, str, str]) -> tuple[str, str, str, Score]:
    name, page_index, font, degradation = args
    page = PAGES[page_index]
    image = ocr_devset.DEGRADATIONS[degradation](page.image)
    started = time.perf_counter()
    got = run_variant(VARIANTS[name], image)
    ms = (time.perf_counter() - started) * 1000
    return name, font, degradation, score(page.lines, got, ms)


PAGES: list[ocr_devset.Page] = []


def _init(pages_per_font: int, lines_per_page: int) -> None:
    from django.conf import settings

    # OCR needs no database: plain settings keep the bench off the embedded server.
    if not settings.configured:
        settings.configure()
    PAGES[:] = ocr_devset.build_pages(
        fonts=list(ocr_devset.FONTS),
        lines_per_page=lines_per_page,
        pages_per_font=pages_per_font,
        seed=15,
    )


def _rate(scores: list[Score]) -> str:
    edits = sum(s.edits for s in scores)
    chars = sum(s.chars for s in scores)
    return f"{100 * edits / chars:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2, help="pages per font")
    parser.add_argument("--lines", type=int, default=8, help="lines per page")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    names = args.variants.split(",")
    _init(args.pages, args.lines)
    tasks = [
        (name, i, page.font, degradation)
        for name in names
        for i, page in enumerate(PAGES)
        for degradation in ocr_devset.DEGRADATIONS
    ]
    started = time.perf_counter()
    results: dict[str, list[tuple[str, str, Score]]] = defaultdict(list)
    with ProcessPoolExecutor(
        args.jobs, initializer=_init, initargs=(args.pages, args.lines)
    ) as pool:
        for name, font, degradation, result in pool.map(_task, tasks, chunksize=4):
            results[name].append((font, degradation, result))
    total_lines = sum(len(p.lines) for p in PAGES)
    print(
        f"\n{len(PAGES)} pages, {total_lines} lines ({len(ocr_devset.FONTS)} fonts), "
        f"{len(ocr_devset.DEGRADATIONS)} conditions; "
        f"{time.perf_counter() - started:.0f} s\n"
    )
    degradations = list(ocr_devset.DEGRADATIONS)
    print("CER % per condition (all fonts)\n")
    print(
        "| variant | "
        + " | ".join(degradations)
        + " | degraded | dropped lines | ms/page |"
    )
    print("|---|" + "---:|" * (len(degradations) + 3))
    for name in names:
        rows = results[name]
        by_cond = [_rate([s for _, d, s in rows if d == cond]) for cond in degradations]
        degraded = _rate([s for _, d, s in rows if d != "clean"])
        dropped = sum(s.dropped for _, _, s in rows)
        lines = sum(s.lines for _, _, s in rows)
        ms = sum(s.ms for _, _, s in rows) / len(rows)
        print(
            f"| {name} | "
            + " | ".join(by_cond)
            + f" | {degraded} | {dropped} / {lines} | {ms:.0f} |"
        )
    print("\nCER % per font (clean / degraded)\n")
    fonts = list(ocr_devset.FONTS)
    print("| variant | " + " | ".join(fonts) + " |")
    print("|---|" + "---:|" * len(fonts))
    for name in names:
        rows = results[name]
        cells = []
        for font in fonts:
            clean = _rate([s for f, d, s in rows if f == font and d == "clean"])
            worse = _rate([s for f, d, s in rows if f == font and d != "clean"])
            cells.append(f"{clean} / {worse}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
