"""Near-duplicate top-1 recall per perturbation: pHash alone vs pHash + ORB re-rank.

Gallery: photos from Debian wallpaper packages (third-party), plus the GNOME backgrounds.
Each photo is perturbed (crops, resize, brightness, JPEG, rotation, a screenshot with a
border) and searched for among all originals. Run:

    .venv/bin/python bench/fingerprint.py [--top 20]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import debian_data  # noqa: E402
import numpy as np  # noqa: E402
from debian_data import unpacked  # noqa: E402
from PIL import Image, ImageDraw, ImageEnhance  # noqa: E402

GALLERY_SIDE = 1024  # originals are stored at this size (as uploads would be)


def _crop(fraction: float, corner: bool) -> Callable[[Image.Image], Image.Image]:
    """Remove `fraction` of the area: a central or a corner-anchored window."""

    def apply(image: Image.Image) -> Image.Image:
        keep = (1 - fraction) ** 0.5
        w, h = round(image.width * keep), round(image.height * keep)
        left = 0 if corner else (image.width - w) // 2
        top = 0 if corner else (image.height - h) // 2
        return image.crop((left, top, left + w, top + h))

    return apply


def _jpeg(quality: int) -> Callable[[Image.Image], Image.Image]:
    def apply(image: Image.Image) -> Image.Image:
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality)
        return Image.open(io.BytesIO(out.getvalue())).convert("RGB")

    return apply


def _rotate(degrees: float) -> Callable[[Image.Image], Image.Image]:
    return lambda im: im.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True)


def _screenshot(image: Image.Image) -> Image.Image:
    """The picture at 70 % inside a window: grey border, title bar with text."""
    inner = image.resize((round(image.width * 0.7), round(image.height * 0.7)))
    canvas = Image.new("RGB", (inner.width + 120, inner.height + 160), "#d6d6d6")
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, canvas.width, 50), fill="#2d2d2d")
    draw.text((20, 15), "photo.jpg - Image Viewer", fill="white")
    canvas.paste(inner, (60, 90))
    return canvas


PERTURBATIONS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "crop 10 % centre": _crop(0.10, False),
    "crop 20 % corner": _crop(0.20, True),
    "crop 30 % centre": _crop(0.30, False),
    "crop 40 % corner": _crop(0.40, True),
    "resize 0.4×": lambda im: im.resize(
        (round(im.width * 0.4), round(im.height * 0.4))
    ),
    "brightness +35 %": lambda im: ImageEnhance.Brightness(im).enhance(1.35),
    "JPEG q20": _jpeg(20),
    "rotate +5°": _rotate(5),
    "rotate −5°": _rotate(-5),
    "screenshot with border": _screenshot,
}


def _gallery() -> list[Image.Image]:
    backgrounds = unpacked("gnome-backgrounds") / "usr/share/backgrounds/gnome"
    images = []
    for path in debian_data.photos() + sorted(backgrounds.glob("*.webp")):
        image = Image.open(path).convert("RGB")
        image.thumbnail((GALLERY_SIDE, GALLERY_SIDE))
        images.append(image)
    return images


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--top", type=int, default=20, help="pHash candidates re-ranked"
    )
    args = parser.parse_args()
    from embeddings.encoders.fingerprint import (
        TRUSTED_WINDOW_DISTANCE,
        phash_bits,
        window_distance,
        window_hashes,
    )
    from embeddings.keypoints import extract_keypoints, rerank_by_keypoints

    gallery = _gallery()
    hashes = np.stack([phash_bits(image) for image in gallery])
    windows = [window_hashes(image) for image in gallery]
    started = time.perf_counter()
    keypoints = [extract_keypoints(image) for image in gallery]
    index_ms = (time.perf_counter() - started) * 1000 / len(gallery)
    print(f"\n{len(gallery)} originals; keypoints {index_ms:.0f} ms per original\n")
    print(
        f"| perturbation | pHash top-1 | pHash top-{args.top} | pHash + ORB top-1 "
        f"| window pHash top-1 | window top-{args.top} | window + ORB top-1 "
        f"| window, ORB when unsure |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    totals = np.zeros(7)
    rerank_ms: list[float] = []
    window_ms: list[float] = []
    for name, perturb in PERTURBATIONS.items():
        hits = np.zeros(7)
        for truth, original in enumerate(gallery):
            query = perturb(original)
            distances = (hashes != phash_bits(query)).sum(axis=1)
            t = time.perf_counter()
            query_windows = window_hashes(query)
            by_window = np.array([window_distance(query_windows, w) for w in windows])
            window_ms.append((time.perf_counter() - t) * 1000)
            for column, scores in ((0, distances), (3, by_window)):
                order = list(np.argsort(scores, kind="stable"))
                candidates = order[: args.top]
                hits[column] += order[0] == truth
                hits[column + 1] += truth in candidates
                t = time.perf_counter()
                ranked = rerank_by_keypoints(
                    query, [(i, keypoints[i]) for i in candidates]
                )
                rerank_ms.append((time.perf_counter() - t) * 1000)
                hits[column + 2] += ranked[0][0] == truth
                if column == 3:
                    # Keypoints only overrule a window match that is not close.
                    sure = scores[order[0]] <= TRUSTED_WINDOW_DISTANCE
                    hits[6] += (order[0] if sure else ranked[0][0]) == truth
        totals += hits
        cells = " | ".join(f"{h / len(gallery):.2f}" for h in hits)
        print(f"| {name} | {cells} |")
    overall = " | ".join(
        f"**{t / (len(gallery) * len(PERTURBATIONS)):.2f}**" for t in totals
    )
    print(f"| **all** | {overall} |")
    print(
        f"\nAdded cost per query: ORB on the query + matching {args.top} candidates "
        f"P50 {np.percentile(rerank_ms, 50):.0f} ms, P95 {np.percentile(rerank_ms, 95):.0f}"
        f" ms; 11 window hashes of the query + comparing {len(gallery)} originals "
        f"P50 {np.percentile(window_ms, 50):.1f} ms"
    )


if __name__ == "__main__":
    main()
