"""The fingerprint space's window branch: crops, rotations and screenshots find their
original."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from PIL import Image, ImageDraw

from embeddings.encoders import fingerprint
from embeddings.encoders.fingerprint import WINDOWS, phash_bits, window_distance
from embeddings.models import Embedding, EmbeddingSpace, WindowHash
from embeddings.vectors.store import nearest
from items.services import add_image
from search import embedding_cache
from search.engine import SearchRequest, run_search, similar_items
from tests.conftest import process
from tests.factories import make_photo as photo

pytestmark = pytest.mark.django_db
ANON = AnonymousUser()
BRANCH = "fingerprint:image>image"
TARGET = 3  # of the gallery's seeds 0–7: whole-frame pHash misses its crop and shot


def corner_crop(image: Image.Image, area: float) -> Image.Image:
    """The top-left part of the picture that leaves out `area` of it."""
    keep = (1 - area) ** 0.5
    return image.crop((0, 0, round(image.width * keep), round(image.height * keep)))


def rotate(image: Image.Image, degrees: float) -> Image.Image:
    """Turned as an image editor turns a picture: the canvas grows, corners filled."""
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True)


def screenshot(image: Image.Image) -> Image.Image:
    """The picture at 70 % inside an image viewer: grey border, dark title bar."""
    inner = image.resize((round(image.width * 0.7), round(image.height * 0.7)))
    canvas = Image.new("RGB", (inner.width + 120, inner.height + 160), "#d6d6d6")
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, canvas.width, 50), fill="#2d2d2d")
    draw.text((20, 15), "photo.jpg - Image Viewer", fill="white")
    canvas.paste(inner, (60, 90))
    return canvas


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def gallery(make_item) -> dict[int, int]:
    """Eight stored photos, one item each, through the real pipeline: seed → item id."""
    embedding_cache.clear()
    items = {}
    for seed in range(8):
        item = make_item(title=f"사진 {seed}", body="")
        add_image(
            item=item, upload=io.BytesIO(png(photo(seed))), filename=f"{seed}.png"
        )
        process(item)
        items[seed] = item.pk
    return items


def whole_frame_first(query: Image.Image) -> int:
    """The item whole-frame pHash alone ranks first (the vector branch before windows)."""
    space = EmbeddingSpace.objects.get(name="fingerprint")
    return nearest(space, phash_bits(query), k=1).get().item_id


def previous_method_first(query: Image.Image) -> int | None:
    """The item the window method before this one ranked first: the query's and the
    stored images' first 11 windows (no 90 % level), the query not turned back, images
    beyond its 100-bit cut-off left out; None when nothing was within it."""
    query_windows = fingerprint._hash_windows(query, WINDOWS[:11])
    distances = {}
    for embedding in Embedding.objects.filter(space__name="fingerprint"):
        rows = embedding.windows.filter(window__lt=11).order_by("window")
        stored = np.array([[c == "1" for c in str(row.bits)] for row in rows])
        distances[embedding.item_id] = window_distance(query_windows, stored)
    item_id, distance = min(distances.items(), key=lambda pair: pair[1])
    return item_id if distance <= 100 else None


@pytest.mark.parametrize(
    ("seed", "perturb"),
    [(5, lambda im: corner_crop(im, 0.20)), (6, lambda im: rotate(im, 5))],
    ids=["20 % corner crop", "5° rotation"],
)
def test_a_corner_crop_or_rotation_the_previous_method_missed_is_found_first(
    gallery, seed, perturb
):
    """The 90 % window level (20 % corner crops keep 89 % of each side) and the query
    turned back by ±5° find what the 11 windows alone ranked wrongly."""
    query = perturb(photo(seed))
    assert previous_method_first(query) != gallery[seed]

    response = run_search(SearchRequest(image=png(query), mode="image"), user=ANON)

    ranked = [item_id for item_id, _ in response.branches[BRANCH]]
    assert ranked[0] == gallery[seed]
    assert response.hits[0].item.pk == gallery[seed]


@pytest.mark.parametrize(
    "perturb",
    [lambda im: corner_crop(im, 0.30), screenshot],
    ids=["30 % corner crop", "screenshot with a border"],
)
def test_a_crop_or_screenshot_finds_its_original_first(gallery, perturb):
    query = perturb(photo(TARGET))
    # The property windows add: whole-frame pHash ranks another picture first.
    assert whole_frame_first(query) != gallery[TARGET]

    response = run_search(SearchRequest(image=png(query), mode="image"), user=ANON)

    ranked = [item_id for item_id, _ in response.branches[BRANCH]]
    assert ranked[0] == gallery[TARGET]
    assert response.hits[0].item.pk == gallery[TARGET]
    assert response.hits[0].explain["branches"][BRANCH]["rank"] == 1


def test_an_unrelated_picture_matches_nothing(gallery):
    query = photo(100)

    response = run_search(SearchRequest(image=png(query), mode="image"), user=ANON)

    assert response.branches[BRANCH] == []
    # Whole-frame pHash would have returned every stored picture.
    space = EmbeddingSpace.objects.get(name="fingerprint")
    assert len(nearest(space, phash_bits(query), k=10)) == 8


def test_score_fusion_scores_candidates_by_window_distance(gallery):
    query = corner_crop(photo(TARGET), 0.30)

    response = run_search(
        SearchRequest(image=png(query), mode="image", fusion="score"), user=ANON
    )

    assert response.hits[0].item.pk == gallery[TARGET]


def test_the_window_branch_and_its_fill_in_run_in_one_statement(gallery):
    """The window branch joins the other branches' statement, and its fill-in scores
    every candidate by window distance exactly as `vector_scores` does alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from items.models import Item
    from search import branches

    space = EmbeddingSpace.objects.get(name="fingerprint")
    image = png(corner_crop(photo(TARGET), 0.30))
    windows = branches.embed_query_windows(space, image)
    vector = branches.embed_query_image(space, image)
    items = Item.objects.published()
    probe = branches.VectorProbe(
        space=space, vector=vector, source="image", windows=windows
    )
    finding = branches.window_query(space=space, windows=windows, items=items, window=3)
    exact = branches.window_query(
        space=space, windows=windows, items=items, window=3, exact=True
    )
    with CaptureQueriesContext(connection) as captured:
        found, exactly, filled = branches.run_together(
            [finding, exact, branches.fill_query(probe)]
        )
    assert len(captured.captured_queries) == 1
    assert found[0].item_id == exactly[0].item_id == gallery[TARGET]
    candidates = sorted({h.item_id for h in found + exactly})
    alone = branches.vector_scores({"w": (probe, candidates)})["w"]
    assert {h.item_id: h.score for h in filled} == alone
    assert (
        branches.window_query(
            space=space, windows=windows, items=Item.objects.none(), window=3
        )
        is None
    )
    # A text + image search: active spaces, the branches (lexical, e5, window) in one
    # statement, hits and covers (the query picture has no text to read).
    request = SearchRequest(text="사진", image=image)
    run_search(request, user=ANON)  # query embeddings cached: count SQL only
    with CaptureQueriesContext(connection) as captured:
        response = run_search(request, user=ANON)
    assert BRANCH in response.branches and response.ocr_text == ""
    assert len(captured.captured_queries) <= 4, captured.captured_queries


def test_similar_items_find_a_stored_crop_through_windows(gallery, make_item):
    crop = make_item(title="잘라낸 사진", body="")
    add_image(
        item=crop,
        upload=io.BytesIO(png(corner_crop(photo(TARGET), 0.30))),
        filename="crop.png",
    )
    process(crop)

    similar = similar_items(crop, user=ANON)

    assert similar[0].item.pk == gallery[TARGET]
    assert any(BRANCH in name for name in similar[0].explain["branches"])


def test_deleting_an_image_drops_its_windows(gallery):
    embedding = Embedding.objects.get(
        item_id=gallery[TARGET], space__name="fingerprint"
    )
    assert WindowHash.objects.filter(embedding=embedding).count() == len(WINDOWS)
    image = embedding.image
    assert image is not None

    image.delete()

    assert not WindowHash.objects.filter(embedding_id=embedding.pk).exists()
    assert WindowHash.objects.count() == 7 * len(WINDOWS)
