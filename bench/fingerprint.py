"""Near-duplicate top-1 recall per perturbation: whole-frame pHash, the 11 windows used
before, the 16 windows with the query also turned back by ±5° (now), and ORB keypoints.

Gallery: photos from Debian wallpaper packages (third-party), plus the GNOME backgrounds.
Each photo is perturbed (crops, resize, brightness, JPEG, rotation, a screenshot with a
border) and searched for among all originals. The first table compares the methods in
memory; the second runs the portal's own path: the originals stored as items through
`embed_items` in the fingerprint space of a database of its own
(`portal_bench_fingerprint` on the embedded server), each query through the search
branches in SQL — the whole-frame vector branch (before windows) and the window branch
(now) — and times both at the gallery's size and with `--scale` synthetic images more.
`--held-out` compares the methods in memory on perturbations they were not tuned on. Run:

    DEBUG=0 .venv/bin/python bench/fingerprint.py [--top 20] [--scale 10000] [--held-out]
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

# Not used to choose the method: other angles than the ±5° a query is turned back by, a
# crop anchored at the other corner, a crop between two window levels.
HELD_OUT: dict[str, Callable[[Image.Image], Image.Image]] = {
    "rotate +2.5°": _rotate(2.5),
    "rotate −3.5°": _rotate(-3.5),
    "rotate +8°": _rotate(8),
    "crop 15 % bottom-right": lambda im: _crop(0.15, True)(
        im.transpose(Image.Transpose.ROTATE_180)
    ).transpose(Image.Transpose.ROTATE_180),
    "crop 25 % centre": _crop(0.25, False),
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
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="only the in-memory table, on perturbations not tuned on (HELD_OUT)",
    )
    args = parser.parse_args()
    gallery = _gallery()
    if args.held_out:
        PERTURBATIONS.clear()
        PERTURBATIONS.update(HELD_OUT)
        _in_memory(gallery, args)
        return
    if not args.sql_only:
        _in_memory(gallery, args)
    _wired(gallery, args)


def _in_memory(gallery: list[Image.Image], args: argparse.Namespace) -> None:
    from embeddings.encoders import fingerprint
    from embeddings.encoders.fingerprint import (
        MATCH_WINDOW_DISTANCE,
        TRUSTED_WINDOW_DISTANCE,
        WINDOWS,
        phash_bits,
        query_window_hashes,
        window_distance,
        window_hashes,
    )
    from embeddings.keypoints import extract_keypoints, rerank_by_keypoints

    # The layout before the 90 % level: WINDOWS keeps it as its first 11 windows.
    before = WINDOWS[:11]
    hashes = np.stack([phash_bits(image) for image in gallery])
    stored = [window_hashes(image) for image in gallery]
    started = time.perf_counter()
    keypoints = [extract_keypoints(image) for image in gallery]
    index_ms = (time.perf_counter() - started) * 1000 / len(gallery)
    print(f"\n{len(gallery)} originals; keypoints {index_ms:.0f} ms per original\n")
    print(
        f"| perturbation | pHash top-1 | 11 windows top-1 (before) | 16 windows top-1 "
        f"| 16 windows + query turned back ±5° top-1 (now) | now: top-{args.top} "
        f"| now, ORB when unsure |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    totals = np.zeros(6)
    timings: dict[str, list[float]] = {"before": [], "now": [], "orb": []}
    distances: dict[str, tuple[list[int], list[int]]] = {
        "before": ([], []),  # (to the original, to the nearest other original)
        "now": ([], []),
    }
    unsure = 0
    for name, perturb in PERTURBATIONS.items():
        hits = np.zeros(6)
        for truth, original in enumerate(gallery):
            query = perturb(original)
            t = time.perf_counter()
            old = fingerprint._hash_windows(query, before)
            timings["before"].append(time.perf_counter() - t)
            t = time.perf_counter()
            now = query_window_hashes(query)
            timings["now"].append(time.perf_counter() - t)
            columns = {
                0: (hashes != phash_bits(query)).sum(axis=1),
                1: np.array([window_distance(old, w[:11]) for w in stored]),
                2: np.array([window_distance(now[: len(WINDOWS)], w) for w in stored]),
                3: np.array([window_distance(now, w) for w in stored]),
            }
            for column, scores in columns.items():
                hits[column] += np.argmin(scores) == truth
            for key, column in (("before", 1), ("now", 3)):
                distances[key][0].append(int(columns[column][truth]))
                distances[key][1].append(int(np.delete(columns[column], truth).min()))
            order = list(np.argsort(columns[3], kind="stable"))
            candidates = order[: args.top]
            hits[4] += truth in candidates
            # Keypoints only overrule a window match that is not close.
            if columns[3][order[0]] <= TRUSTED_WINDOW_DISTANCE:
                hits[5] += order[0] == truth
                continue
            unsure += 1
            t = time.perf_counter()
            ranked = rerank_by_keypoints(query, [(i, keypoints[i]) for i in candidates])
            timings["orb"].append(time.perf_counter() - t)
            hits[5] += ranked[0][0] == truth
        totals += hits
        cells = " | ".join(f"{h / len(gallery):.2f}" for h in hits)
        print(f"| {name} | {cells} |")
    queries = len(gallery) * len(PERTURBATIONS)
    overall = " | ".join(f"**{t / queries:.2f}**" for t in totals)
    print(f"| **all** | {overall} |")
    before_ms, now_ms = (np.array(timings[k]) * 1000 for k in ("before", "now"))
    print(
        f"\nHashing a query: 11 windows (before) P50 {np.median(before_ms):.1f} ms, "
        f"P95 {np.percentile(before_ms, 95):.1f} ms; 16 windows + 2 turned-back views "
        f"× 3 windows (now) P50 {np.median(now_ms):.1f} ms, "
        f"P95 {np.percentile(now_ms, 95):.1f} ms"
    )
    if timings["orb"]:
        orb_ms = np.array(timings["orb"]) * 1000
        print(
            f"ORB when unsure: {unsure} of {queries} queries ({unsure / queries:.1%}) "
            f"farther than {TRUSTED_WINDOW_DISTANCE} bits, each ORB on the query + "
            f"matching {args.top} candidates P50 {np.median(orb_ms):.0f} ms, "
            f"P95 {np.percentile(orb_ms, 95):.0f} ms"
        )
    for key, label in (("before", "11 windows (before)"), ("now", "now")):
        truths, wrongs = (np.array(d) for d in distances[key])
        print(
            f"Window distance (of 256 bits), {label}: to the original P50 "
            f"{np.median(truths):.0f}, P95 {np.percentile(truths, 95):.0f}, max "
            f"{truths.max()}, {(truths > MATCH_WINDOW_DISTANCE).mean():.1%} beyond "
            f"{MATCH_WINDOW_DISTANCE}; to the nearest other original: min "
            f"{wrongs.min()}, P5 {np.percentile(wrongs, 5):.0f}, P50 "
            f"{np.median(wrongs):.0f}"
        )


def _wired(gallery: list[Image.Image], args: argparse.Namespace) -> None:
    """The portal's path: originals stored by the pipeline, queries through the branches."""
    import django

    from embeddings.encoders.fingerprint import MATCH_WINDOW_DISTANCE, WINDOWS

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
        f"{index_ms:.0f} ms per image (whole frame + {len(WINDOWS)} windows, decode "
        f"and write)\n"
    )
    print(
        f"| perturbation | whole-frame branch top-1 (before) | window branch top-1 "
        f"| window branch: original in top-{args.top} | no match (> "
        f"{MATCH_WINDOW_DISTANCE} bits) | window branch top-1, exact scan |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    timings: dict[str, list[float]] = {"hash": [], "whole": [], "window": []}
    timings["exact"] = []
    timings["window11"] = []
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
            # The SQL cost of the 11 query windows used before (over today's rows).
            t = time.perf_counter()
            branches.window_branch(
                space=space, windows=windows[:11], items=visible, window=args.top
            )
            timings["window11"].append(time.perf_counter() - t)
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
        f"\nPer query at {len(stored)} stored images: the query's {len(windows)} window "
        f"hashes P50 {np.median(hashing):.1f} ms, P95 {np.percentile(hashing, 95):.1f} "
        f"ms (added to the whole-frame hash); "
        + "; ".join(
            f"{label} P50 {np.median(timings[key]) * 1000:.1f} ms, "
            f"P95 {np.percentile(timings[key], 95) * 1000:.1f} ms"
            for key, label in (
                ("whole", "whole-frame branch (HNSW)"),
                ("window", f"window branch (HNSW, {len(windows)} query windows)"),
                ("window11", "the same with the 11 query windows of before"),
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

    from embeddings.encoders.fingerprint import WINDOWS
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
                for w, bits in enumerate(rng.random((len(WINDOWS), 256)) < 0.5)
            ),
            batch_size=5000,
        )
        insert_ms = (time.perf_counter() - started) * 1000 / args.scale
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE embeddings_windowhash")
            cursor.execute("ANALYZE embeddings_embedding")
        visible = Item.objects.all()
        whole, window, window11, exact = [], [], [], []
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
                space=space, windows=windows[:11], items=visible, window=args.top
            )
            window11.append(time.perf_counter() - t)
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
        f"P95 {np.percentile(window, 95) * 1000:.1f} ms (with the 11 query windows "
        f"of before P50 {np.median(window11) * 1000:.1f} ms, "
        f"P95 {np.percentile(window11, 95) * 1000:.1f} ms); exact scan "
        f"P50 {np.median(exact) * 1000:.1f} ms, "
        f"P95 {np.percentile(exact, 95) * 1000:.1f} ms; {insert_ms:.2f} ms per image "
        f"to insert its {len(WINDOWS)} windows (HNSW + unique index)"
    )


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


if __name__ == "__main__":
    main()
