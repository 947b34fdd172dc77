"""Run a judged set through the search service, per configuration, beside the BM25 line.

Queries go through `run_search` with a `SearchRequest`, as an anonymous API client's
would: published items only, the same branches, fusion and hit assembly. Results are
compared by item key (`Item.metadata["key"]`; items without one are `item:<pk>`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser

from embeddings.models import SearchDocument
from items.models import Item
from search import embedding_cache
from search.engine import QueryError, SearchRequest, run_search
from search.evaluation.configs import EvalConfig, preset_configs
from search.evaluation.judged_set import JudgedQuery
from search.evaluation.metrics import QueryOutcome, score_query
from search.evaluation.reference_bm25 import build_reference
from search.filters import Filters, visible_items

TOP_K = 10
REFERENCE = "bm25 reference"


class EvaluationError(ValueError):
    """The judged set does not fit the corpus (unknown or unpublished item keys)."""


@dataclass
class EvaluationResult:
    outcomes: dict[
        str, list[QueryOutcome]
    ]  # config name → outcomes; REFERENCE included
    configs: list[EvalConfig]
    unavailable: dict[str, str] = field(default_factory=dict)
    not_run: dict[str, int] = field(default_factory=dict)  # config → queries it skipped
    branches_seen: set[str] = field(default_factory=set)
    corpus_size: int = 0


def item_key(*, pk: int, metadata: dict) -> str:
    key = metadata.get("key") if isinstance(metadata, dict) else None
    return key if isinstance(key, str) and key else f"item:{pk}"


def check_keys(*, queries: Sequence[JudgedQuery]) -> dict[int, str]:
    """Item pk → key for the searchable corpus; raises if a judged key is not in it."""
    corpus = {
        pk: item_key(pk=pk, metadata=metadata)
        for pk, metadata in visible_items(AnonymousUser(), Filters()).values_list(
            "pk", "metadata"
        )
    }
    known = set(corpus.values())
    wanted = {key for query in queries for key in query.relevant}
    missing = sorted(wanted - known)
    if missing:
        stored = set(
            Item.objects.filter(metadata__key__in=missing).values_list(
                "metadata__key", flat=True
            )
        )
        unpublished = [key for key in missing if key in stored]
        unknown = [key for key in missing if key not in stored]
        parts = []
        if unknown:
            parts.append(f"{len(unknown)} unknown item key(s), e.g. {unknown[:3]}")
        if unpublished:
            parts.append(
                f"{len(unpublished)} key(s) of unpublished items, e.g. {unpublished[:3]}"
            )
        raise EvaluationError(
            "; ".join(parts)
            + ". Load the set's corpus first (manage.py load_eval_set NAME)."
        )
    return corpus


def run_evaluation(
    *,
    queries: Sequence[JudgedQuery],
    configs: Sequence[EvalConfig] | None = None,
    progress: Callable[[int], None] | None = None,
) -> EvaluationResult:
    """Evaluate `configs`; None means hybrid, every branch that ran for some query in
    hybrid mode (the engine decides which exist), and each preset for text + image
    queries. The BM25 reference line is always added."""
    keys = check_keys(queries=queries)
    result = EvaluationResult(outcomes={}, configs=[], corpus_size=len(keys))
    result.outcomes[REFERENCE] = _reference(queries=queries, keys=keys)
    planned = list(configs) if configs else [EvalConfig(name="hybrid", mode="hybrid")]
    _warm_up(queries)
    for config in planned:
        _run_config(config, queries, keys, result, progress)
    if not configs:
        for branch in sorted(result.branches_seen):
            config = EvalConfig(name=branch, mode=branch)
            _run_config(config, queries, keys, result, progress)
        if any(q.text.strip() and q.image for q in queries):
            for config in preset_configs():
                _run_config(config, queries, keys, result, progress)
    return result


def _run_config(config, queries, keys, result, progress) -> None:
    outcomes = []
    for query in queries:
        request = SearchRequest(
            text=query.text,
            image=query.image.read_bytes() if query.image else None,
            mode=config.mode, preset=config.preset, rrf_k=config.rrf_k,
            weights=dict(config.weights), fusion=config.fusion, k=TOP_K, rerank=True,
            filters=Filters(languages=query.languages),
        )  # fmt: skip
        # Every query pays for its own query embedding, as a new query would: otherwise
        # whichever configuration runs first pays for all of them (the engine embeds
        # the query for every branch, also when one branch is asked for).
        embedding_cache.clear()
        started = time.perf_counter()
        try:
            response = run_search(request, user=AnonymousUser())
        except QueryError:
            # A single branch that does not apply to this query (e.g. `identifier`
            # for a query without codes) is scored on the queries it serves only.
            result.not_run[config.name] = result.not_run.get(config.name, 0) + 1
            continue
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            if progress:
                progress(1)
        result.unavailable.update(response.unavailable)
        result.branches_seen.update(response.branches)
        ranked = tuple(
            keys.get(hit.item.pk, f"item:{hit.item.pk}") for hit in response.hits
        )
        outcomes.append(QueryOutcome(
            qid=query.qid, category=query.category, ranked=ranked,
            scores=score_query(ranked, query.relevant), latency_ms=round(elapsed, 2),
        ))  # fmt: skip
    result.configs.append(config)
    result.outcomes[config.name] = outcomes


def _reference(*, queries, keys: dict[int, str]) -> list[QueryOutcome]:
    texts = dict(
        SearchDocument.objects.filter(item_id__in=keys).values_list("item_id", "text")
    )
    for pk, title, body in Item.objects.filter(pk__in=keys).values_list(
        "pk", "title", "body"
    ):
        # Not indexed yet: the reference still sees what the item says.
        texts.setdefault(pk, f"{title}\n{body}")
    reference = build_reference(documents={keys[pk]: texts[pk] for pk in keys})
    language = {
        keys[pk]: code
        for pk, code in Item.objects.filter(pk__in=keys).values_list("pk", "language")
    }
    outcomes = []
    for query in queries:
        if not query.text.strip():
            continue
        if query.languages:  # the same filter as the portal's search: rank, then keep
            ranked = tuple(
                key
                for key in reference.rank(query.text, k=len(keys))
                if language.get(key) in query.languages
            )[:TOP_K]
        else:
            ranked = tuple(reference.rank(query.text, k=TOP_K))
        outcomes.append(QueryOutcome(
            qid=query.qid, category=query.category, ranked=ranked,
            scores=score_query(ranked, query.relevant), latency_ms=None,
        ))  # fmt: skip
    return outcomes


def _warm_up(queries: Sequence[JudgedQuery]) -> None:
    """Load models before timing, so P95 measures searches and not the first load."""
    for query in queries[:1]:
        with contextlib.suppress(QueryError):
            run_search(
                SearchRequest(
                    text=query.text,
                    image=query.image.read_bytes() if query.image else None,
                ),
                user=AnonymousUser(),
            )
