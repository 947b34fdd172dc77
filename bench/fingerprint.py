"""Near-duplicate top-1 recall per perturbation: pHash alone vs pHash + ORB re-rank.

Gallery: photos from Debian wallpaper packages (third-party), plus the GNOME backgrounds.
Each photo is perturbed (crops, resize, brightness, JPEG, rotation, a screenshot with a
border) and searched for among all originals. The first table compares the methods in
memory; the second runs the portal's own path: the originals stored as items through
`embed_items` in the fingerprint space of a database of its own
(`portal_bench_fingerprint` on the embedded server), each query through the search
branches in SQL — the whole-frame vector branch (before) and the window branch (now) —
and times both at the gallery's size and with `--scale` synthetic images more. Run:

    DEBUG=0 .venv/bin/python bench/fingerprint.py [--top 20] [--scale 10000]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("EMBEDDED_DB_NAME", "portal_bench_fingerprint")
os.environ.setdefault("QUEUE_PREFIX", "bench-")
os.environ.setdefault("DEBUG", "0")  # DEBUG keeps every SQL statement in memory

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
    parser.add_argument(
        "--scale",
        type=int,
        default=10000,
        help="synthetic stored images added to time the SQL branches (0: none)",
    )
    parser.add_argument(
        "--sql-only", action="store_true", help="only the portal's path (SQL)"
    )
    args = parser.parse_args()
    gallery = _gallery()
    if not args.sql_only:
        _in_memory(gallery, args)
    _wired(gallery, args)


def _in_memory(gallery: list[Image.Image], args: argparse.Namespace) -> None:
    from embeddings.encoders.fingerprint import (
        MATCH_WINDOW_DISTANCE,
        TRUSTED_WINDOW_DISTANCE,
        phash_bits,
        window_distance,
        window_hashes,
    )
    from embeddings.keypoints import extract_keypoints, rerank_by_keypoints

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
    truth_distance: list[int] = []  # window distance of the query to its original
    wrong_distance: list[int] = []  # ... and to the nearest other original
    for name, perturb in PERTURBATIONS.items():
        hits = np.zeros(7)
        for truth, original in enumerate(gallery):
            query = perturb(original)
            distances = (hashes != phash_bits(query)).sum(axis=1)
            t = time.perf_counter()
            query_windows = window_hashes(query)
            by_window = np.array([window_distance(query_windows, w) for w in windows])
            window_ms.append((time.perf_counter() - t) * 1000)
            truth_distance.append(int(by_window[truth]))
            wrong_distance.append(int(np.delete(by_window, truth).min()))
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
    truths, wrongs = np.array(truth_distance), np.array(wrong_distance)
    print(
        f"Window distance (of 256 bits) to the original: P50 {np.median(truths):.0f}, "
        f"P95 {np.percentile(truths, 95):.0f}, max {truths.max()}, "
        f"{(truths > MATCH_WINDOW_DISTANCE).mean():.1%} beyond {MATCH_WINDOW_DISTANCE}; "
        f"to the nearest other original: min {wrongs.min()}, "
        f"P5 {np.percentile(wrongs, 5):.0f}, P50 {np.median(wrongs):.0f}"
    )


def _wired(gallery: list[Image.Image], args: argparse.Namespace) -> None:
    """The portal's path: originals stored by the pipeline, queries through the branches."""
    import django

    from embeddings.encoders.fingerprint import MATCH_WINDOW_DISTANCE

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.core.management import call_command
    from django.db import transaction

    from embeddings.models import EmbeddingSpace, ProcessingJob
    from embeddings.processing.pipeline import embed_items
    from items.models import Item
    from items.services import add_image, create_item
    from search import branches, embedding_cache

    call_command("migrate", verbosity=0)
    space = EmbeddingSpace.objects.get(name="fingerprint")
    Item.objects.all().delete()
    with transaction.atomic():
        stored = []
        for number, original in enumerate(gallery):
            item = create_item(title=f"original {number}", body="")
            add_image(item=item, upload=io.BytesIO(_png(original)), filename="o.png")
            stored.append(item)
        # Only the fingerprint is measured: no jobs, so no message for absent workers.
        ProcessingJob.objects.filter(item__in=stored).delete()
    started = time.perf_counter()
    embed_items(items=stored, space=space)
    index_ms = (time.perf_counter() - started) * 1000 / len(stored)
    visible = Item.objects.all()
    print(
        f"\nThe portal's path (SQL): {len(stored)} originals stored by embed_items, "
        f"{index_ms:.0f} ms per image (whole frame + 11 windows, decode and write)\n"
    )
    print(
        f"| perturbation | whole-frame branch top-1 (before) | window branch top-1 "
        f"| window branch: original in top-{args.top} | no match (> "
        f"{MATCH_WINDOW_DISTANCE} bits) | window branch top-1, exact scan |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    timings: dict[str, list[float]] = {"hash": [], "whole": [], "window": []}
    timings["exact"] = []
    totals = np.zeros(5)
    queries: list[tuple[np.ndarray, np.ndarray]] = []
    for name, perturb in PERTURBATIONS.items():
        hits = np.zeros(5)
        for truth, original in zip(stored, gallery, strict=True):
            data = _png(perturb(original))
            embedding_cache.clear()
            vector = branches.embed_query_image(space, data)
            t = time.perf_counter()
            windows = branches.embed_query_windows(space, data)
            timings["hash"].append(time.perf_counter() - t)
            assert vector is not None and windows is not None
            queries.append((vector, windows))
            t = time.perf_counter()
            before = branches.vector_branch(
                space=space, vector=vector, source="image", items=visible,
                window=args.top,
            )  # fmt: skip
            timings["whole"].append(time.perf_counter() - t)
            t = time.perf_counter()
            after = branches.window_branch(
                space=space, windows=windows, items=visible, window=args.top
            )
            timings["window"].append(time.perf_counter() - t)
            t = time.perf_counter()
            exact = branches.window_branch(
                space=space, windows=windows, items=visible, window=args.top,
                exact=True,
            )  # fmt: skip
            timings["exact"].append(time.perf_counter() - t)
            hits[4] += bool(exact) and exact[0].item_id == truth.pk
            hits[0] += bool(before) and before[0].item_id == truth.pk
            hits[1] += bool(after) and after[0].item_id == truth.pk
            hits[2] += truth.pk in [hit.item_id for hit in after]
            hits[3] += not after
        totals += hits
        cells = " | ".join(f"{h / len(gallery):.2f}" for h in hits)
        print(f"| {name} | {cells} |")
    overall = " | ".join(
        f"**{t / (len(gallery) * len(PERTURBATIONS)):.2f}**" for t in totals
    )
    print(f"| **all** | {overall} |")
    hashing = np.array(timings["hash"]) * 1000
    print(
        f"\nPer query at {len(stored)} stored images: 11 window hashes of the query "
        f"P50 {np.median(hashing):.1f} ms, P95 {np.percentile(hashing, 95):.1f} ms "
        f"(added to the whole-frame hash); "
        + "; ".join(
            f"{label} P50 {np.median(timings[key]) * 1000:.1f} ms, "
            f"P95 {np.percentile(timings[key], 95) * 1000:.1f} ms"
            for key, label in (
                ("whole", "whole-frame branch (HNSW)"),
                ("window", "window branch (HNSW)"),
                ("exact", "window branch (exact scan)"),
            )
        )
    )
    if args.scale:
        _timed_at_scale(space, queries[:: max(1, len(queries) // 40)], args)
    Item.objects.all().delete()


def _timed_at_scale(space, queries, args: argparse.Namespace) -> None:
    """Both branches' SQL time with `args.scale` synthetic stored images more (random
    bits: an exact scan costs the same whatever the bits), rolled back afterwards."""
    from django.db import transaction

    from embeddings.models import Embedding, WindowHash
    from embeddings.vectors.store import to_bit_string
    from items.models import Item
    from search import branches

    rng = np.random.default_rng(0)
    with transaction.atomic():
        items = Item.objects.bulk_create(
            Item(title=f"synthetic {n}", body="") for n in range(args.scale)
        )
        embeddings = Embedding.objects.bulk_create(
            Embedding(
                space=space,
                item=item,
                source="image",
                input_sha256="bench",
                bits=to_bit_string(rng.random(256) < 0.5),
            )
            for item in items
        )
        started = time.perf_counter()
        WindowHash.objects.bulk_create(
            (
                WindowHash(embedding=e, window=w, bits=to_bit_string(bits))
                for e in embeddings
                for w, bits in enumerate(rng.random((11, 256)) < 0.5)
            ),
            batch_size=5000,
        )
        insert_ms = (time.perf_counter() - started) * 1000 / args.scale
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE embeddings_windowhash")
            cursor.execute("ANALYZE embeddings_embedding")
        visible = Item.objects.all()
        whole, window, exact = [], [], []
        for vector, windows in queries:
            t = time.perf_counter()
            branches.vector_branch(
                space=space, vector=vector, source="image", items=visible,
                window=args.top,
            )  # fmt: skip
            whole.append(time.perf_counter() - t)
            t = time.perf_counter()
            branches.window_branch(
                space=space, windows=windows, items=visible, window=args.top
            )
            window.append(time.perf_counter() - t)
            t = time.perf_counter()
            branches.window_branch(
                space=space, windows=windows, items=visible, window=args.top,
                exact=True,
            )  # fmt: skip
            exact.append(time.perf_counter() - t)
        transaction.set_rollback(True)
    print(
        f"With {args.scale} synthetic images more ({len(queries)} queries): "
        f"whole-frame branch P50 {np.median(whole) * 1000:.1f} ms, "
        f"window branch (HNSW) P50 {np.median(window) * 1000:.1f} ms, "
        f"P95 {np.percentile(window, 95) * 1000:.1f} ms; exact scan "
        f"P50 {np.median(exact) * 1000:.1f} ms, "
        f"P95 {np.percentile(exact, 95) * 1000:.1f} ms; {insert_ms:.2f} ms per image "
        f"to insert its 11 windows (HNSW + unique index)"
    )


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


if __name__ == "__main__":
    main()
