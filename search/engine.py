"""Hybrid search: analyse the query, run the branches it calls for, fuse them with RRF,
and return hits that explain themselves. Also: similar items from an item's own vectors."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db.models import prefetch_related_objects

from embeddings.models import Embedding, EmbeddingSpace, Metric, SpaceState
from embeddings.ocr.reader import OcrConfig, OcrFailed, read_text
from items.models import Item
from items.selectors import cover_prefetch
from search import branches
from search.analysis import analyse_query
from search.defaults import (
    DEFAULT_BLEND_TEXT_SHARE,
    DEFAULT_FUSION,
    DEFAULT_K,
    DEFAULT_MODE,
    DEFAULT_PRESET,
    DEFAULT_SORT,
    DEFAULT_STRATEGY,
)
from search.filters import OTHER_STATUSES_LIMIT, Filters, result_sets, visible_items
from search.fusion import DEFAULT_RRF_K, BranchHit, FusedHit, fuse, fuse_scores
from search.models import synonym_map
from search.query_type import KEYWORD, QUESTION, is_cross_lingual, query_type
from search.rerank import rerank_scores, reranker_status
from search.snippets import has_match, matched_terms, snippet

MODES = ("auto", "text", "image", "hybrid")
# Text share of text + image queries: 70 → text-side branches weigh 1.4, image-side 0.6.
PRESETS = {"90/10": 0.9, "70/30": 0.7, "50/50": 0.5, "30/70": 0.3, "10/90": 0.1}
MAX_K = 100
FUSIONS = ("auto", "rrf", "score")
# Query-image OCR runs beside the other branches; a small pool, because each read is a
# tesseract process and gunicorn threads share it.
_OCR_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="query-ocr")
STRATEGIES = ("fuse", "blend")
LEXICAL_BRANCHES = {"fts", "identifier"}
PASSAGE_SUFFIX = ":text>passage"  # `<space>:text>passage`: a space's passage branch


@dataclass(frozen=True)
class FusionDefaults:
    method: str  # "rrf" or "score"
    lexical_weight: float  # multiplies the lexical branches' weights
    # The part of a space's weight its passage branch gets (its whole-text branch the
    # rest): the two are views of one query in one model and share the weight.
    passage_share: float = 0.5


# Chosen on the development halves of the evaluation sets (docs/evaluation.md): text-only
# queries by type; text + image and image queries keep RRF (no judged set measures them).
# Questions (gnome-help ko + en dev, MRR@10, lexical weight 1.5 → 1.0 → 0.75 → 0.5):
# Korean 0.820 → 0.823 → 0.826 → 0.821, English 0.833 → 0.837 → 0.843 → 0.845; passage
# share 0.7 at 0.75: Korean 0.826, English 0.842, and cross-lingual 0.536 → 0.541.
# Keyword queries were tuned on gimp-help-ko (not re-run with passages' share).
FUSION_DEFAULTS = {
    KEYWORD: FusionDefaults(method="score", lexical_weight=1.0),
    QUESTION: FusionDefaults(method="score", lexical_weight=0.75, passage_share=0.7),
}


# Korean questions filtered to English pages (gnome-help-en cross-lingual, dev half):
# lexical weight 1.5 → MRR@10 0.522, 0.75 → 0.527, 0.5 → 0.532, 0.25 → 0.536.
CROSS_LINGUAL_LEXICAL_WEIGHT = 0.25


class QueryError(ValueError):
    """The query cannot be run as asked (nothing to search for, unknown mode…)."""


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    image: bytes | None = None
    mode: str = DEFAULT_MODE
    preset: str = DEFAULT_PRESET
    weights: dict[str, float] = field(default_factory=dict)
    rrf_k: int = DEFAULT_RRF_K
    filters: Filters = field(default_factory=Filters)
    k: int = DEFAULT_K
    page: int = 1
    window: int = 100
    sort: str = DEFAULT_SORT  # or "newest"
    rerank: bool = True
    fusion: str = DEFAULT_FUSION  # "rrf", "score", or "auto": per query type
    # Text + image queries: "fuse" runs each side's branches and fuses them; "blend"
    # also searches shared (text + image) spaces with one blended query vector.
    strategy: str = DEFAULT_STRATEGY
    blend_text_share: float = DEFAULT_BLEND_TEXT_SHARE


@dataclass
class Hit:
    item: Item
    score: float
    snippet: str  # HTML: escaped text with <mark> around matched terms
    explain: dict
    # The item's best passages for the query (search.rag.hits.PassageHit), filled in
    # after the search by `attach_passages` where they are shown.
    passages: list[Any] = field(default_factory=list)


@dataclass
class SearchResponse:
    hits: list[Hit]
    total: int  # fused candidates (before pagination)
    branches: dict[str, list[tuple[int, float]]]  # per branch: (item id, raw score)
    unavailable: dict[str, str]  # spaces that could not serve this query
    weights: dict[str, float]
    took_ms: int
    ocr_text: str = ""
    reranker: str = ""  # what the second stage did, or why it did not run
    fusion: str = "rrf"  # the method that ranked these hits
    query_type: str = ""  # "keyword" or "question" for text-only queries
    other_statuses: list[Hit] = field(default_factory=list)  # staff: unpublished, apart


@dataclass
class _Run:
    """What the branches of one search found, filled in as they run."""

    lists: dict[str, list[BranchHit]] = field(default_factory=dict)
    sides: dict[str, str] = field(default_factory=dict)  # branch → "text" | "image"
    unavailable: dict[str, str] = field(default_factory=dict)
    # Vector branches' queries, so score fusion can score other branches' candidates.
    probes: dict[str, branches.VectorProbe] = field(default_factory=dict)
    # Branches the request weighs 0: left out, as if they had not run (an evaluation's
    # "without this branch", and no fill-in work for a branch that cannot count).
    off: frozenset[str] = frozenset()

    # Branches planned but not yet run: `flush` runs them all in one statement.
    planned: list[tuple[str, branches.BranchQuery]] = field(default_factory=list)
    # Score fusion's fill-in, run in that statement too: per vector branch, the exact
    # scores of the candidates found by then (`covered`); `_fill_in` adds the rest.
    filled: dict[str, dict[int, float]] = field(default_factory=dict)
    covered: set[int] = field(default_factory=set)

    def add(self, name: str, side: str, hits: list[BranchHit]) -> None:
        if name in self.off:
            return
        self.lists[name] = hits
        self.sides[name] = side

    def plan(self, name: str, side: str, query: branches.BranchQuery | None) -> None:
        """Run this branch with the others planned (`flush`); its place among the
        branches is kept from now."""
        if query is None or name in self.off:
            return
        self.add(name, side, [])
        self.planned.append((name, query))

    def flush(self, *, fill: bool = False) -> None:
        """Run the planned branches; with `fill`, score fusion's fill-in of every vector
        branch's missing candidates joins the same statement."""
        fills = [
            (name, branches.fill_query(probe))
            for name, probe in self.probes.items()
            if fill and name in self.lists
        ]
        planned = self.planned + fills
        found = branches.run_together([query for _, query in planned])
        for (name, _), hits in zip(
            self.planned, found[: len(self.planned)], strict=True
        ):
            self.lists[name] = hits
        for (name, _), hits in zip(fills, found[len(self.planned) :], strict=True):
            self.filled[name] = {hit.item_id: hit.score for hit in hits}
        if fills:  # what the statement's candidates were: the planned branches' hits
            self.covered = {
                h.item_id for hits in found[: len(self.planned)] for h in hits
            }
        self.planned = []


def run_search(request: SearchRequest, *, user) -> SearchResponse:
    """Search what `user` may see. Staff who did not choose statuses get published items
    as the results and, on the first page, at most OTHER_STATUSES_LIMIT drafts and items
    in review apart (`other_statuses`), so unpublished work never pushes published
    results down nor passes for them."""
    started = time.monotonic()
    _validate(request)
    items, others = result_sets(user, request.filters)
    response = _execute(request, items)
    if others is not None and request.page == 1:
        apart = replace(request, k=OTHER_STATUSES_LIMIT, page=1)
        response.other_statuses = _execute(
            apart, others, ocr_text=response.ocr_text if request.image else None
        ).hits
    response.took_ms = int((time.monotonic() - started) * 1000)
    return response


def _execute(request: SearchRequest, items, *, ocr_text: str | None = None):
    """One search over `items`; `ocr_text`, when given, is the query image's text
    already read (tesseract is the slowest step of an image query)."""
    started = time.monotonic()
    use_text = bool(request.text.strip()) and request.mode in ("auto", "text", "hybrid")
    use_image = request.image is not None and request.mode in (
        "auto",
        "image",
        "hybrid",
    )
    single = request.mode if request.mode not in MODES else None
    if single:
        use_text, use_image = bool(request.text.strip()), request.image is not None

    run = _Run(off=frozenset(n for n, w in request.weights.items() if w == 0))
    # tesseract is a subprocess: reading the query image's text overlaps with every
    # other branch instead of delaying them (its result joins the fusion at the end).
    reading = (
        _OCR_POOL.submit(_read_query_image, request.image)
        if use_image and request.image is not None and ocr_text is None
        else None
    )
    analysed = analyse_query(request.text, synonyms=synonym_map()) if use_text else None
    if analysed is not None:
        run.plan("fts", "text", branches.lexical_query(
            scoring_text=analysed.scoring_text, constraint=analysed.constraint,
            items=items, window=request.window,
        ))  # fmt: skip
        if branches.identifier_terms(request.text):
            run.plan("identifier", "text", branches.identifier_query(
                text=request.text, items=items, window=request.window
            ))  # fmt: skip
    for space in EmbeddingSpace.objects.filter(state=SpaceState.ACTIVE):
        _space_branches(space, request, items, use_text, use_image, run)
    kind = query_type(request.text) if use_text and not use_image else None
    method = request.fusion
    if method == "auto":
        method = FUSION_DEFAULTS[kind].method if kind else "rrf"
    # The lexical and nearest-neighbour branches in one round trip, and with score
    # fusion the vector branches' scores of each other's candidates too.
    run.flush(fill=method == "score" and not single)
    # The query image's text: none without an image, else read now or passed in.
    image_text = ""
    if use_image:
        image_text = reading.result() if reading is not None else ocr_text or ""
    if image_text:
        run.add("ocr", "image", branches.lexical_branch(
            scoring_text=analyse_query(image_text).scoring_text, constraint="",
            items=items, window=request.window,
        ))  # fmt: skip

    if single:
        if single not in run.lists:
            raise QueryError(
                f"Branch {single!r} did not run for this query; ran: {sorted(run.lists)}"
            )
        run.lists = {single: run.lists[single]}
        run.sides = {single: run.sides[single]}
    weights = _weights(request, run.sides, kind)
    if method == "score":
        fused = fuse_scores(run.lists, weights=weights, filled=_fill_in(run))
    else:
        fused = fuse(run.lists, rrf_k=request.rrf_k, weights=weights)
    reranked: dict[int, dict[str, float]] = {}
    reranker = "off for this query"
    if request.rerank and use_text:
        fused, reranked, reranker = _rerank(request.text, fused)
    page = _sort(fused, request.sort)[
        (request.page - 1) * request.k : request.page * request.k
    ]
    hits = _hits(
        page, analysed.terms if analysed else (), image_text, _matched_passages(run)
    )
    # Only text-only queries have a measured type; the others are named by what they hold.
    label = kind or ("text+image" if use_text else "image")
    for hit in hits:
        hit.explain["fusion"] = {"method": method, "query_type": label}
        if hit.item.pk in reranked:
            hit.explain["reranker"] = reranked[hit.item.pk]
    return SearchResponse(
        hits=hits,
        total=len(fused),
        branches={
            name: [(h.item_id, h.score) for h in found]
            for name, found in run.lists.items()
        },
        unavailable=run.unavailable,
        weights=weights,
        took_ms=int((time.monotonic() - started) * 1000),
        ocr_text=image_text,
        reranker=reranker,
        fusion=method,
        query_type=kind or "",
    )


def similar_items(
    item: Item, *, user, k: int = 8, rrf_k: int = DEFAULT_RRF_K
) -> list[Hit]:
    """Items near this one by its own stored vectors: image → image, text → text, and
    across modalities in shared spaces."""
    items = visible_items(user, Filters())
    lists: dict[str, list] = {}
    own = (
        Embedding.objects.filter(item=item, space__state=SpaceState.ACTIVE)
        .select_related("space")
        .prefetch_related("windows")
    )
    for embedding in own:
        space = embedding.space
        vector = _stored_vector(embedding)
        targets = ["image", "text"] if space.modality == "both" else [embedding.source]
        windows = _stored_windows(embedding)
        for target in targets:
            name = f"{space.name}:{embedding.source}>{target}"
            if embedding.image_id:
                name += f"#{embedding.image_id}"
            if windows is not None:
                lists[name] = branches.window_branch(
                    space=space, windows=windows, items=items, window=k * 3,
                    exclude_item=item.pk,
                )  # fmt: skip
                continue
            lists[name] = branches.vector_branch(
                space=space, vector=vector, source=target, items=items, window=k * 3,
                exclude_item=item.pk,
            )  # fmt: skip
    fused = fuse(lists, rrf_k=rrf_k)[:k]
    return _hits(fused, (), "", {})


def _space_branches(space, request, items, use_text, use_image, run: _Run) -> None:
    if space.available is False:
        # Workers re-check unavailable spaces and flip the flag when the model appears;
        # trying to load it on every search would add seconds to each one.
        if (use_text and space.embeds_text) or (use_image and space.embeds_images):
            run.unavailable[space.name] = space.unavailable_reason
        return
    targets = {"text": ["text"], "image": ["image"], "both": ["text", "image"]}[
        space.modality
    ]
    text_vector = image_vector = None
    if use_text and space.embeds_text:
        text_vector = branches.embed_query_text(space, request.text)
        if text_vector is None:
            run.unavailable[space.name] = (
                space.unavailable_reason or "model unavailable"
            )
    if use_image and space.embeds_images:
        image_vector = branches.embed_query_image(space, request.image)
        if image_vector is None:
            run.unavailable[space.name] = (
                space.unavailable_reason or "model unavailable"
            )
    if (
        request.strategy == "blend"
        and space.modality == "both"
        and text_vector is not None
        and image_vector is not None
    ):
        # One query vector in the shared space instead of two branches per side.
        vector = _blend(text_vector, image_vector, request.blend_text_share)
        _add_vector_branches(space, vector, "blend", targets, request, items, run)
        return
    if text_vector is not None:
        _add_vector_branches(space, text_vector, "text", targets, request, items, run)
    if image_vector is not None:
        if space.metric == Metric.HAMMING:
            targets = ["image"]  # fingerprints exist for images only
        windows = (
            branches.embed_query_windows(space, request.image)
            if space.stores_windows
            else None
        )
        if windows is not None:
            _add_window_branch(space, image_vector, windows, request, items, run)
            return
        _add_vector_branches(space, image_vector, "image", targets, request, items, run)


def _add_window_branch(space, vector, windows, request, items, run: _Run) -> None:
    """A fingerprint space's image branch, ranked by window distance (crops, borders);
    named like the vector branch it replaces, `<space>:image>image`."""
    name = f"{space.name}:image>image"
    run.plan(name, "image", branches.window_query(
        space=space, windows=windows, items=items, window=request.window,
    ))  # fmt: skip
    run.probes[name] = branches.VectorProbe(
        space=space, vector=vector, source="image", windows=windows
    )


def _blend(text_vector, image_vector, text_share: float):
    """share · text + (1 − share) · image, re-normalised (both are unit vectors of one
    space, so the blend is a direction between them)."""
    import numpy as np

    mixed = text_share * np.asarray(text_vector) + (1 - text_share) * np.asarray(
        image_vector
    )
    norm = float(np.linalg.norm(mixed))
    return mixed / norm if norm > 1e-12 else np.asarray(text_vector)


def _add_vector_branches(space, vector, side, targets, request, items, run: _Run):
    """One nearest-neighbour branch per target modality, named `<space>:<side>><target>`,
    and for a text query in a space with passages `<space>:text>passage`."""
    for target in targets:
        name = f"{space.name}:{side}>{target}"
        if name in run.off:
            continue
        run.plan(name, side, branches.vector_query(
            space=space, vector=vector, source=target, items=items,
            window=request.window,
        ))  # fmt: skip
        run.probes[name] = branches.VectorProbe(
            space=space, vector=vector, source=target
        )
    name = space.name + PASSAGE_SUFFIX
    if side == "text" and space.passage_size and name not in run.off:
        run.plan(name, side, branches.passage_query(
            space=space, vector=vector, items=items, window=request.window,
        ))  # fmt: skip
        run.probes[name] = branches.VectorProbe(
            space=space, vector=vector, source="passage"
        )


def _fill_in(run: _Run) -> dict[str, dict[int, float]]:
    """Exact scores, from stored vectors, of the candidates each vector branch did not
    return: those the branches' statement scored, plus (one more statement, only when
    there are any) the candidates found after it (the query image's text). Candidates come from the branches, so all are visible."""
    candidates = {hit.item_id for hits in run.lists.values() for hit in hits}
    filled = {name: dict(scores) for name, scores in run.filled.items()}
    missing = {
        name: sorted(
            candidates
            - {h.item_id for h in run.lists[name]}
            - (run.covered if name in run.filled else set())
        )
        for name in run.probes
        if name in run.lists
    }
    rest = branches.vector_scores({
        name: (run.probes[name], ids) for name, ids in missing.items() if ids
    })  # fmt: skip
    for name, scores in rest.items():
        filled.setdefault(name, {}).update(scores)
    return filled


def _rerank(text: str, fused: list[FusedHit]):
    """Reorder the fused top candidates by cross-encoder score, when a reranker is set."""
    status = reranker_status()
    if not status.available:
        return fused, {}, status.reason
    top = fused[: settings.RERANK_TOP]
    texts = dict(
        Item.objects.filter(pk__in=[h.item_id for h in top]).values_list(
            "pk", "search_document__text"
        )
    )
    scores = rerank_scores(text, [texts.get(h.item_id) or "" for h in top])
    if scores is None:
        return fused, {}, "the reranker could not score this query"
    info = {
        hit.item_id: {"score": round(score, 4), "fused_rank": rank}
        for rank, (hit, score) in enumerate(zip(top, scores, strict=True), start=1)
    }
    order = sorted(top, key=lambda h: -info[h.item_id]["score"])
    return (
        order + fused[len(top) :],
        info,
        f"re-scored the top {len(top)} with {status.model}",
    )


def _weights(
    request: SearchRequest, sides: dict[str, str], kind: str | None
) -> dict[str, float]:
    share = (
        PRESETS[request.preset]
        if "text" in sides.values() and "image" in sides.values()
        else 0.5
    )
    side_weight = {"text": 2 * share, "image": 2 * (1 - share)}
    # A blended branch already holds the text/image balance: weight 1.
    weights = {name: side_weight.get(side, 1.0) for name, side in sides.items()}
    passage_share = FUSION_DEFAULTS[kind].passage_share if kind else 0.5
    for name in [n for n in weights if n.endswith(PASSAGE_SUFFIX)]:
        whole = name.removesuffix(PASSAGE_SUFFIX) + ":text>text"
        if whole in weights:
            # A space's passages and its whole-text vector are two views of one query
            # in one model: they share the space's weight instead of doubling it (in
            # RRF, where branches count, the text side would outweigh every preset).
            weights[name] *= passage_share
            weights[whole] *= 1 - passage_share
    if kind:
        # The measured balance for this query type (FUSION_DEFAULTS), or for a query in
        # another language than the items it is filtered to; explicit weights in the
        # request still win.
        lexical = (
            CROSS_LINGUAL_LEXICAL_WEIGHT
            if is_cross_lingual(request.text, request.filters.languages)
            else FUSION_DEFAULTS[kind].lexical_weight
        )
        for name in LEXICAL_BRANCHES & weights.keys():
            weights[name] *= lexical
    weights.update({k: v for k, v in request.weights.items() if k in weights})
    return weights


def _validate(request: SearchRequest) -> None:
    if not request.text.strip() and request.image is None:
        raise QueryError("Type something to search for, or add an image.")
    if request.preset not in PRESETS:
        raise QueryError(
            f"Unknown preset {request.preset!r}; use one of {', '.join(PRESETS)}."
        )
    if not 1 <= request.k <= MAX_K:
        raise QueryError(f"k must be between 1 and {MAX_K}.")
    if request.page < 1:
        raise QueryError("page must be 1 or more.")
    if request.rrf_k < 0:
        raise QueryError("rrf_k must be 0 or more.")
    if any(w < 0 for w in request.weights.values()):
        raise QueryError("Branch weights must be 0 or more.")
    if request.strategy not in STRATEGIES:
        raise QueryError(f"strategy must be one of {', '.join(STRATEGIES)}.")
    if not 0 <= request.blend_text_share <= 1:
        raise QueryError("blend_text_share must be between 0 and 1.")
    if request.fusion not in FUSIONS:
        raise QueryError(f"fusion must be one of {', '.join(FUSIONS)}.")
    if request.sort not in ("relevance", "newest"):
        raise QueryError("sort must be 'relevance' or 'newest'.")


def _read_query_image(image: bytes) -> str:
    import io

    from PIL import Image

    config = OcrConfig.from_settings()
    try:
        with Image.open(io.BytesIO(image)) as picture:
            return read_text(picture, config=config).text
    except OcrFailed:
        return ""


def _stored_vector(embedding: Embedding):
    import numpy as np

    if embedding.space.metric == Metric.HAMMING:
        return np.array([c == "1" for c in str(embedding.bits)], dtype=bool)
    return np.asarray(embedding.vector, dtype=np.float32)


def _stored_windows(embedding: Embedding):
    """An image's stored region hashes (fingerprint spaces), or None if it has none."""
    import numpy as np

    rows = sorted(embedding.windows.all(), key=lambda row: row.window)
    if not rows:
        return None
    return np.array([[c == "1" for c in str(row.bits)] for row in rows], dtype=bool)


def _sort(fused: list[FusedHit], sort: str) -> list[FusedHit]:
    if sort == "relevance":
        return fused
    updated = dict(
        Item.objects.filter(pk__in=[h.item_id for h in fused]).values_list(
            "pk", "updated_at"
        )
    )
    return sorted(fused, key=lambda h: updated[h.item_id], reverse=True)


def _matched_passages(run: _Run) -> dict[int, tuple[int, int]]:
    """Per item, where its best passage sits, from the passage branches (the nearest
    first when several spaces have passages)."""
    best: dict[int, BranchHit] = {}
    for name, found in run.lists.items():
        if not name.endswith(PASSAGE_SUFFIX):
            continue
        for hit in found:
            known = best.get(hit.item_id)
            if hit.where is not None and (known is None or hit.score > known.score):
                best[hit.item_id] = hit
    return {pk: hit.where for pk, hit in best.items() if hit.where is not None}


def _hits(
    fused: list[FusedHit], terms, ocr_text: str, passages: dict[int, tuple[int, int]]
) -> list[Hit]:
    # A fixed number of queries whatever k is: items with their indexed text and its
    # stored layout (matched terms, passages and their pages need no image rows), and
    # the images covers are chosen from.
    items = (
        Item.objects.select_related("search_document")
        .defer("search_document__tsv")
        .prefetch_related(cover_prefetch())
        .in_bulk([h.item_id for h in fused])
    )
    # Documents indexed before their layout was stored (part_lengths is null until the
    # item is indexed again) fall back to assembling the item's text: their images and
    # OCR in two queries for all of them, not a query per hit.
    unlaid = [
        item
        for item in items.values()
        if getattr(getattr(item, "search_document", None), "part_lengths", None) is None
    ]
    if unlaid:
        prefetch_related_objects(unlaid, "images__ocr")
    documents = {
        pk: getattr(getattr(item, "search_document", None), "text", None)
        for pk, item in items.items()
    }
    hits = []
    for entry in fused:
        item = items[entry.item_id]
        text = documents.get(item.pk) or f"{item.title}\n{item.body}"
        query_terms = list(terms) + [w for w in ocr_text.split() if len(w) > 1][:20]
        where = passages.get(item.pk)
        if where is not None and not has_match(text, query_terms):
            # Found by meaning, not by its words: show the passage that matched rather
            # than the start of the text.
            excerpt = snippet(text[where[0] : where[1]], query_terms)
            shown = ("…" if where[0] > 0 else "") + excerpt
        else:
            shown = snippet(text, query_terms)
        hits.append(
            Hit(
                item=item,
                score=round(entry.score, 6),
                snippet=shown,
                explain={
                    "branches": {
                        name: _explain(contribution)
                        for name, contribution in entry.contributions.items()
                    },
                    "matched_terms": matched_terms(item, text, query_terms),
                },
            )
        )
    return hits


def _explain(contribution) -> dict[str, float]:
    # "rrf" is the branch's share of the fused score under either method (the key
    # predates score fusion; API clients read it). Rank 0: the branch did not return
    # the item and score fusion filled its score in from stored vectors.
    explained = {
        "rank": contribution.rank,
        "raw_score": contribution.raw_score,
        "weight": contribution.weight,
        "rrf": round(contribution.rrf, 6),
    }
    if contribution.normalised is not None:
        explained["normalised"] = contribution.normalised
    return explained
