"""Crop- and rotation-robust near-duplicates: window hashes find candidates, ORB re-ranks."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from embeddings.encoders.fingerprint import window_distance, window_hashes
from embeddings.keypoints import (
    count_inliers,
    extract_keypoints,
    rank_near_duplicates,
    rerank_by_keypoints,
)


def _picture(seed: int) -> Image.Image:
    """A test-generated 'photo': soft colour fields with many shapes (corners to match)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (5, 7, 3), dtype=np.uint8)
    image = Image.fromarray(base).resize((900, 640), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.integers(0, 900), rng.integers(0, 640)
        w, h = rng.integers(10, 90, 2)
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=colour)
        else:
            draw.polygon(
                [(x, y), (x + w, y + h // 3), (x + w // 2, y + h)], fill=colour
            )
    return image.filter(ImageFilter.GaussianBlur(0.8))


GALLERY = [_picture(seed) for seed in range(6)]


def _corner_crop(image: Image.Image, fraction: float) -> Image.Image:
    keep = (1 - fraction) ** 0.5
    return image.crop((0, 0, round(image.width * keep), round(image.height * keep)))


def test_a_corner_crop_is_nearest_its_original_by_window_hash():
    query = window_hashes(_corner_crop(GALLERY[2], 0.4))
    distances = [window_distance(query, window_hashes(image)) for image in GALLERY]
    assert int(np.argmin(distances)) == 2, distances


def test_keypoint_rerank_puts_the_original_of_a_rotated_crop_first():
    query = _corner_crop(GALLERY[4], 0.3).rotate(
        5, resample=Image.Resampling.BICUBIC, expand=True
    )
    candidates = [(i, extract_keypoints(image)) for i, image in enumerate(GALLERY)]
    ranked = rerank_by_keypoints(query, candidates)
    assert ranked[0][0] == 4 and ranked[0][1] > 0, ranked


def test_unrelated_pictures_share_no_geometry():
    assert (
        count_inliers(extract_keypoints(GALLERY[0]), extract_keypoints(GALLERY[1])) == 0
    )


def test_a_picture_without_keypoints_keeps_the_hash_order():
    flat = Image.new("RGB", (300, 200), "#808080")
    candidates = [
        (7, extract_keypoints(GALLERY[0])),
        (3, extract_keypoints(GALLERY[1])),
    ]
    assert [key for key, _ in rerank_by_keypoints(flat, candidates)] == [7, 3]


def test_a_close_window_match_is_kept_and_keypoints_decide_otherwise():
    query = _corner_crop(GALLERY[4], 0.3).rotate(
        5, resample=Image.Resampling.BICUBIC, expand=True
    )
    points = {i: extract_keypoints(image) for i, image in enumerate(GALLERY)}
    # The hash put 1 first with a close distance: kept, whatever the keypoints say.
    close = [(1, 40, points[1]), (4, 60, points[4])]
    assert rank_near_duplicates(query, close) == [1, 4]
    # Not close: keypoints find the original.
    unsure = [(1, 95, points[1]), (2, 99, points[2]), (4, 101, points[4])]
    assert rank_near_duplicates(query, unsure)[0] == 4
