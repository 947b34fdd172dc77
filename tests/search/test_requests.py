"""One request builder for the page and the API: shared defaults, the k clamp, tag folding."""

from __future__ import annotations

from api.serializers import SearchRequestSerializer
from search.engine import MAX_K
from search.forms import SearchForm
from search.fusion import DEFAULT_RRF_K
from search.requests import (
    DEFAULT_K,
    DEFAULT_PRESET,
    build_search_request,
)


def test_missing_parameters_take_the_one_set_of_defaults():
    request = build_search_request(preset="", mode="", rrf_k=None, page=None, sort="")
    assert (request.mode, request.preset, request.rrf_k, request.k, request.page,
            request.sort) == ("auto", "50/50", DEFAULT_RRF_K, DEFAULT_K, 1, "relevance")  # fmt: skip


def test_the_page_form_and_the_api_offer_the_builders_defaults():
    api = SearchRequestSerializer().fields
    page = SearchForm().fields
    assert api["preset"].default == page["preset"].initial == DEFAULT_PRESET
    assert api["rrf_k"].default == page["rrf_k"].initial == DEFAULT_RRF_K
    assert api["k"].default == DEFAULT_K
    request = build_search_request()
    assert api["fusion"].default == request.fusion
    assert api["strategy"].default == request.strategy
    assert api["blend_text_share"].default == request.blend_text_share


def test_an_explicit_rrf_k_of_zero_is_kept():
    assert build_search_request(rrf_k=0).rrf_k == 0


def test_k_is_clamped_not_refused():
    assert build_search_request(k=0).k == 1
    assert build_search_request(k=10_000).k == MAX_K
    assert build_search_request(k=7).k == 7


def test_tags_fold_like_stored_tags_whichever_caller_sends_them():
    page = build_search_request(tags=["  Math   Class "])  # one free-text field
    api = build_search_request(tags=["MATH class", "math CLASS", ""])  # a list
    assert page.filters.tags == api.filters.tags == ("math class",)


def test_filters_carry_kinds_languages_and_statuses():
    request = build_search_request(
        kinds=["product"], languages=["ko", "en"], statuses=["draft"]
    )
    assert request.filters.kinds == ("product",)
    assert request.filters.languages == ("ko", "en")
    assert request.filters.statuses == ("draft",)
