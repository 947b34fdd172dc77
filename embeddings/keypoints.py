"""Re-rank near-duplicate candidates by local-feature matching (ORB + RANSAC, OpenCV).

A whole-frame perceptual hash is not crop-invariant: a 30 % crop or a screenshot with a
border moves every DCT coefficient. ORB keypoints are local, so the part of the picture
a copy still shows matches its original's keypoints, and a RANSAC fit keeps only
matches that agree on one similarity transform (crop, scale, small rotation). The score
is that inlier count; no weights. Measured by bench/fingerprint.py (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

WORK_SIDE = 512  # keypoints on a reduced copy: enough detail, ~10 ms per image
FEATURES = 700
RATIO = 0.8  # Lowe's ratio test: a match must be clearly better than the runner-up
MIN_INLIERS = 12  # fewer agreeing matches than this is chance (measured: up to ~10)


@dataclass(frozen=True)
class Keypoints:
    points: np.ndarray  # (n, 2) float32 positions in the reduced copy
    descriptors: np.ndarray | None  # (n, 32) uint8 ORB descriptors, None if none found


def extract_keypoints(image: Image.Image) -> Keypoints:
    import cv2

    grey = image.convert("L")
    grey.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BILINEAR)
    # Smooth pictures (skies, gradients, soft wallpapers) give FAST almost no corners;
    # local contrast equalisation and a low corner threshold give them keypoints too.
    pixels = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(np.asarray(grey))
    # cv2's bundled stubs omit the ORB factory the module has at run time.
    orb = cv2.ORB_create(nfeatures=FEATURES, fastThreshold=5)  # type: ignore[attr-defined]
    found, descriptors = orb.detectAndCompute(pixels, None)
    points = np.array([k.pt for k in found], dtype=np.float32).reshape(-1, 2)
    return Keypoints(points=points, descriptors=descriptors)


def count_inliers(query: Keypoints, candidate: Keypoints) -> int:
    """Matches between two images that agree on one similarity transform (0: unrelated)."""
    import cv2

    if query.descriptors is None or candidate.descriptors is None:
        return 0
    if len(query.descriptors) < 2 or len(candidate.descriptors) < 2:
        return 0
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(query.descriptors, candidate.descriptors, k=2)
    good = [
        p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance
    ]
    if len(good) < MIN_INLIERS:
        return 0
    source = query.points[[m.queryIdx for m in good]]
    target = candidate.points[[m.trainIdx for m in good]]
    # A similarity transform (scale, rotation, shift) is what crops, resizes, small
    # rotations and screenshots do; a full homography also fits chance matches.
    _, mask = cv2.estimateAffinePartial2D(
        source, target, method=cv2.RANSAC, ransacReprojThreshold=4.0
    )
    inliers = int(mask.sum()) if mask is not None else 0
    return inliers if inliers >= MIN_INLIERS else 0


def rerank_by_keypoints(
    query: Image.Image, candidates: Sequence[tuple[int, Keypoints]]
) -> list[tuple[int, int]]:
    """(id, inliers) best first; candidates without geometric agreement keep their order."""
    wanted = extract_keypoints(query)
    scored = [(key, count_inliers(wanted, points)) for key, points in candidates]
    # A stable sort: ties (0 inliers: nothing matched) stay in the hash's order.
    return sorted(scored, key=lambda pair: -pair[1])


def rank_near_duplicates(
    query: Image.Image, candidates: Sequence[tuple[int, int, Keypoints]]
) -> list[int]:
    """Candidate ids best first, from (id, window distance, keypoints) in hash order.

    A close window match is kept as it is (keypoints can be fooled by chance matches on
    smooth or textured pictures); only when the nearest window is not close do keypoints
    re-rank — the case of crops and rotations the hash cannot see through.
    """
    from embeddings.encoders.fingerprint import TRUSTED_WINDOW_DISTANCE

    ids = [key for key, _, _ in candidates]
    if not candidates or candidates[0][1] <= TRUSTED_WINDOW_DISTANCE:
        return ids
    ranked = rerank_by_keypoints(query, [(key, kp) for key, _, kp in candidates])
    return [key for key, _ in ranked]
