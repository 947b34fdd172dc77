"""The pipeline in-process: what each stage stores, idempotence, poison inputs, cleanup."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile

from embeddings.encoders.open_clip_model import OpenClipEncoder
from embeddings.models import (
    Embedding,
    EmbeddingSpace,
    JobState,
    OcrResult,
    ProcessingJob,
    SearchDocument,
    Stage,
)
from embeddings.processing import pipeline
from embeddings.runtime.registry import forget
from items.models import ItemImage
from items.services import add_image
from tests.conftest import make_image_bytes, render_lines
from tests.factories import ItemImageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_encoders():
    forget()
    yield
    forget()


def item_with_scan(
    make_item, lines=("광합성 실험 보고서", "Photosynthesis lab report")
):
    item = make_item(title="실험 보고서", body="식물의 광합성을 관찰한다.")
    ItemImageFactory(item=item, content=render_lines(list(lines)), filename="scan.png",
                     caption="보고서 1쪽")  # fmt: skip
    ItemImageFactory(item=item, filename="photo.png")
    return item


def test_saving_an_item_records_one_job_per_stage_and_space(make_item, test_clip_space):
    item = make_item()
    item.title = "Edited"
    item.save()  # a second save resets the same rows, never duplicates them
    jobs = ProcessingJob.objects.filter(item=item)
    spaces = set(
        EmbeddingSpace.objects.exclude(state="retired").values_list("name", flat=True)
    )
    assert {(j.stage, j.space.name if j.space else None) for j in jobs} == (
        {("ocr", None), ("index", None)} | {("embed", name) for name in spaces}
    )
    assert all(job.state == JobState.PENDING and job.attempts == 0 for job in jobs)


def test_pipeline_stores_ocr_text_vectors_and_tsvector(
    make_item, test_clip_space, run_pipeline
):
    item = item_with_scan(make_item)
    run_pipeline(item)

    ocr = OcrResult.objects.get(image__item=item, image__original_name="scan.png")
    assert "광합성" in ocr.text and "Photosynthesis" in ocr.text
    assert ocr.languages == "kor+eng" and ocr.engine_version
    document = SearchDocument.objects.get(item=item)
    assert "광합성" in document.text
    vectors = Embedding.objects.filter(item=item)
    by_space = {(e.space.name, e.source) for e in vectors}
    assert {("test-clip", "image"), ("test-clip", "text"), ("e5-small", "text"),
            ("fingerprint", "image")} <= by_space  # fmt: skip
    assert vectors.filter(space=test_clip_space, source="image").count() == 2
    clip_vector = np.array(vectors.filter(space=test_clip_space).first().vector)
    assert abs(np.linalg.norm(clip_vector) - 1) < 1e-5

    states = dict(
        ProcessingJob.objects.filter(item=item)
        .values_list("space__name", "state")
        .distinct()
    )
    assert states["clip-multilingual"] == JobState.WAITING  # no weights on this machine
    assert states["test-clip"] == JobState.DONE


def test_ocr_text_is_searchable_with_weight_c(make_item, run_pipeline):
    item = item_with_scan(make_item, lines=("엽록체 관찰 기록",))
    run_pipeline(item)
    hits = SearchDocument.objects.extra(
        where=["tsv @@ to_tsquery('english', %s)"], params=["엽록체"]
    )
    assert list(hits.values_list("item_id", flat=True)) == [item.pk]


def test_unchanged_resave_makes_no_ocr_or_model_calls(
    make_item, test_clip_space, run_pipeline, monkeypatch
):
    item = item_with_scan(make_item)
    run_pipeline(item)
    calls = {"ocr": 0, "images": 0, "texts": 0}
    real_read, real_images, real_texts = (
        pipeline.read_text, OpenClipEncoder.encode_images, OpenClipEncoder.encode_texts,
    )  # fmt: skip

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(pipeline, "read_text", counting("ocr", real_read))
    monkeypatch.setattr(
        OpenClipEncoder, "encode_images", counting("images", real_images)
    )
    monkeypatch.setattr(OpenClipEncoder, "encode_texts", counting("texts", real_texts))

    item.save()
    outcomes = run_pipeline(item)
    assert calls == {"ocr": 0, "images": 0, "texts": 0}
    assert "done" in outcomes.values()

    item.body = "본문을 고쳤다."
    item.save()
    run_pipeline(item)
    # Only the text changed: text is re-embedded, images are neither re-read nor re-embedded.
    assert calls == {"ocr": 0, "images": 0, "texts": 1}


def test_poison_image_fails_once_with_its_reason(make_item, run_pipeline, settings):
    """An undecodable image fails the same way every time: no retries, reason shown."""
    settings.JOB_MAX_ATTEMPTS = 3
    good = item_with_scan(make_item)
    bad = make_item(title="깨진 이미지")
    data = make_image_bytes("PNG", size=(400, 300))
    image = ItemImage(
        item=bad, sha256="0" * 64, format="PNG", original_name="broken.png"
    )
    image.image.save("broken.png", ContentFile(data[: len(data) // 3]), save=False)
    image.save()

    run_pipeline(bad)
    run_pipeline(good)
    ocr_job = ProcessingJob.objects.get(item=bad, stage=Stage.OCR)
    assert ocr_job.state == JobState.FAILED
    assert ocr_job.attempts == 1  # JOB_MAX_ATTEMPTS is 3: not one was spent again
    assert (
        "broken.png" in ocr_job.last_error and "cannot be decoded" in ocr_job.last_error
    )
    assert ocr_job.last_error.startswith("[poison input, not retried]")
    # The failed OCR does not hold the item's text index back.
    assert SearchDocument.objects.filter(item=bad).exists()
    assert not ProcessingJob.objects.filter(item=good, state=JobState.FAILED).exists()
    assert OcrResult.objects.filter(image__item=good).count() == 2


def test_invalid_vectors_are_refused_and_reported(
    make_item, test_clip_space, run_pipeline, monkeypatch
):
    monkeypatch.setattr(
        OpenClipEncoder,
        "encode_texts",
        lambda self, texts, query: np.zeros((len(texts), 64)),
    )
    item = make_item()
    run_pipeline(item)
    job = ProcessingJob.objects.get(item=item, space=test_clip_space)
    assert job.state == JobState.FAILED
    assert "zero vector" in job.last_error
    assert not Embedding.objects.filter(item=item, space=test_clip_space).exists()


def test_missing_model_marks_space_unavailable_and_other_spaces_complete(
    make_item, run_pipeline
):
    space = EmbeddingSpace.objects.get(name="clip-multilingual")
    item = make_item()
    run_pipeline(item)
    space.refresh_from_db()
    assert space.available is False
    assert "laion5b_s13b_b90k" in space.unavailable_reason
    job = ProcessingJob.objects.get(item=item, space=space)
    assert job.state == JobState.WAITING and job.attempts == 0
    assert (
        ProcessingJob.objects.get(item=item, space__name="e5-small").state
        == JobState.DONE
    )


def test_test_only_space_is_refused_outside_tests(
    make_item, test_clip_space, run_pipeline, settings
):
    settings.EMBEDDINGS_ALLOW_TEST_MODELS = False
    with pytest.raises(Exception, match="refused outside tests"):
        from embeddings.runtime.registry import build_encoder

        build_encoder(test_clip_space)


def test_deleting_an_image_drops_its_vectors_and_ocr(
    make_item, test_clip_space, run_pipeline
):
    item = item_with_scan(make_item)
    run_pipeline(item)
    scan = item.images.get(original_name="scan.png")
    scan_id = scan.pk
    scan.delete()
    run_pipeline(item)
    assert not OcrResult.objects.filter(image_id=scan_id).exists()
    assert not Embedding.objects.filter(image_id=scan_id).exists()
    assert "Photosynthesis" not in SearchDocument.objects.get(item=item).text
    assert (
        Embedding.objects.filter(
            item=item, space=test_clip_space, source="image"
        ).count()
        == 1
    )


def test_deleting_an_item_removes_all_derived_data(
    make_item, test_clip_space, run_pipeline
):
    item = item_with_scan(make_item)
    run_pipeline(item)
    image_ids = list(item.images.values_list("pk", flat=True))
    files = [Path(img.image.path) for img in item.images.all()]
    item_id = item.pk
    item.delete()
    assert not Embedding.objects.filter(item_id=item_id).exists()
    assert not OcrResult.objects.filter(image_id__in=image_ids).exists()
    assert not SearchDocument.objects.filter(item_id=item_id).exists()
    assert not ProcessingJob.objects.filter(item_id=item_id).exists()
    assert all(path.exists() for path in files)  # files are only removed after commit


def test_fingerprint_finds_a_reupload(make_item, run_pipeline):
    from PIL import Image

    from embeddings.encoders.fingerprint import phash_bits
    from embeddings.vectors.store import nearest

    original = make_item(title="원본")
    add_image(
        item=original,
        upload=io.BytesIO(render_lines(["그림 3. 세포 구조"])),
        filename="a.png",
    )
    other = make_item(title="다른 그림")
    add_image(item=other, upload=io.BytesIO(make_image_bytes()), filename="b.png")
    run_pipeline(original)
    run_pipeline(other)

    reupload = Image.open(io.BytesIO(render_lines(["그림 3. 세포 구조"]))).convert(
        "RGB"
    )
    reupload = reupload.resize((reupload.width // 2, reupload.height // 2))
    buffer = io.BytesIO()
    reupload.save(buffer, format="JPEG", quality=70)
    query = phash_bits(Image.open(io.BytesIO(buffer.getvalue())))
    space = EmbeddingSpace.objects.get(name="fingerprint")
    hits = list(nearest(space, query, k=2))
    assert hits[0].item_id == original.pk
    assert hits[0].distance < 30 < hits[1].distance


def test_fingerprint_stores_window_hashes_with_its_vector(make_item, run_pipeline):
    from PIL import Image

    from embeddings.encoders.fingerprint import WINDOWS, window_hashes
    from embeddings.vectors.store import to_bit_string

    item = make_item(title="창 해시")
    picture = make_image_bytes(size=(300, 200))
    add_image(item=item, upload=io.BytesIO(picture), filename="a.png")
    run_pipeline(item)

    embedding = Embedding.objects.get(item=item, space__name="fingerprint")
    stored = [str(row.bits) for row in embedding.windows.order_by("window")]
    expected = window_hashes(Image.open(io.BytesIO(picture)).convert("RGB"))
    assert stored == [to_bit_string(bits) for bits in expected]
    assert len(stored) == len(WINDOWS)
    assert stored[0] == str(embedding.bits)  # window 0 is the whole frame


def test_unchanged_image_is_not_rehashed_and_missing_windows_are_filled(
    make_item, run_pipeline, monkeypatch
):
    from embeddings.encoders.fingerprint import WINDOWS, FingerprintEncoder
    from embeddings.models import WindowHash

    item = make_item(title="창 해시")
    add_image(item=item, upload=io.BytesIO(make_image_bytes()), filename="a.png")
    run_pipeline(item)
    space = EmbeddingSpace.objects.get(name="fingerprint")
    calls = []
    real = FingerprintEncoder.encode_windows

    def counting(self, images):
        calls.append(len(images))
        return real(self, images)

    monkeypatch.setattr(FingerprintEncoder, "encode_windows", counting)

    assert pipeline.embed_items(items=[item], space=space) == 0
    assert calls == []
    # A vector stored before windows existed (or without them) is embedded again.
    WindowHash.objects.filter(embedding__item=item).delete()
    assert pipeline.inputs_to_embed(items=[item], space=space)
    assert pipeline.embed_items(items=[item], space=space) == 1
    assert calls == [1]
    assert WindowHash.objects.filter(embedding__item=item).count() == len(WINDOWS)


def test_images_hashed_with_an_older_window_layout_are_rehashed(
    make_item, run_pipeline
):
    """Images stored with the 11 windows of before the 90 % level get all 16 again
    (what `reindex --space fingerprint` relies on), and then are left alone."""
    from embeddings.encoders.fingerprint import WINDOWS
    from embeddings.models import WindowHash

    item = make_item(title="창 해시")
    add_image(item=item, upload=io.BytesIO(make_image_bytes()), filename="a.png")
    run_pipeline(item)
    space = EmbeddingSpace.objects.get(name="fingerprint")
    WindowHash.objects.filter(embedding__item=item, window__gte=11).delete()

    assert len(pipeline.inputs_to_embed(items=[item], space=space)) == 1
    assert pipeline.embed_items(items=[item], space=space) == 1
    windows = WindowHash.objects.filter(embedding__item=item)
    assert sorted(windows.values_list("window", flat=True)) == list(range(len(WINDOWS)))
    assert pipeline.inputs_to_embed(items=[item], space=space) == []


def test_deleting_an_item_drops_its_window_hashes(make_item, run_pipeline):
    from embeddings.models import WindowHash

    item = make_item(title="창 해시")
    add_image(item=item, upload=io.BytesIO(make_image_bytes()), filename="a.png")
    run_pipeline(item)
    assert WindowHash.objects.filter(embedding__item=item).count() == 16

    item.delete()

    assert not WindowHash.objects.exists()
