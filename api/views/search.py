"""POST/GET /api/search/ and GET /api/items/{id}/similar/."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.errors import upload_error
from api.parsers import SafeJSONParser
from api.serializers import (
    ErrorSerializer,
    SearchRequestSerializer,
    SearchResponseSerializer,
)
from embeddings.services import InputError, decode_image_b64
from items.models import Item
from items.services import check_image_upload
from search.selectors import (
    DEFAULT_K,
    QueryError,
    SearchRequest,
    attach_passages,
    build_search_request,
    clamp_k,
    run_search,
    similar_items,
)

ERRORS = {
    400: ErrorSerializer,
    413: ErrorSerializer,
    415: ErrorSerializer,
    429: ErrorSerializer,
}


class SearchView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "search"
    parser_classes = [SafeJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Hybrid search: text, image or both",
        description="JSON with `image_b64`, or multipart with an `image` file. Anonymous "
        "callers only ever get published items.",
        request=SearchRequestSerializer,
        responses={200: SearchResponseSerializer, **ERRORS},
        tags=["search"],
    )
    def post(self, request):
        params = SearchRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        image = _image(request, data["image_b64"])
        filters = data.get("filters") or {}
        search_request = build_search_request(
            text=data["text"], image=image, mode=data["mode"], preset=data["preset"],
            weights=data.get("weights"), rrf_k=data["rrf_k"], fusion=data["fusion"],
            strategy=data["strategy"], blend_text_share=data["blend_text_share"],
            kinds=filters.get("kind", ()), languages=filters.get("language", ()),
            tags=filters.get("tags", ()), statuses=filters.get("status", ()),
            k=data["k"], page=data["page"], sort=data["sort"],
        )  # fmt: skip
        return Response(
            _respond(
                request, search_request, debug=data["debug"], passages=data["passages"]
            )
        )

    @extend_schema(
        summary="Simple text search",
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("k", int, required=False),
        ],
        responses={200: SearchResponseSerializer, **ERRORS},
        tags=["search"],
    )
    def get(self, request):
        # The same limits as the JSON body (length, no NUL characters), reported as `q`.
        params = SearchRequestSerializer(
            data={"text": request.query_params.get("q", ""),
                  "k": request.query_params.get("k", DEFAULT_K)}
        )  # fmt: skip
        if not params.is_valid():
            errors = dict(params.errors)
            if "text" in errors:
                errors["q"] = errors.pop("text")
            raise ValidationError(errors)
        k = params.validated_data["k"]
        text = params.validated_data["text"]
        return Response(
            _respond(request, build_search_request(text=text, k=k), debug=False)
        )


class SimilarView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "search"

    @extend_schema(
        summary="Items similar to this one (by its own stored vectors)",
        parameters=[OpenApiParameter("k", int, required=False)],
        responses={
            200: SearchResponseSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
            429: ErrorSerializer,
        },
        tags=["search"],
    )
    def get(self, request, pk: int):
        item = get_object_or_404(Item.objects.visible_to(request.user), pk=pk)
        try:
            k = clamp_k(int(request.query_params.get("k", 8)))
        except ValueError as exc:
            raise ValidationError({"k": ["Must be a whole number."]}) from exc
        hits = similar_items(item, user=request.user, k=k)
        return Response(
            {
                "query": {"item_id": item.pk, "k": k},
                "results": [_hit(request, h) for h in hits],
                "total": len(hits),
                "took_ms": 0,
                "debug": None,
            }
        )


def _image(request, image_b64: str) -> bytes | None:
    upload = request.FILES.get("image")
    if upload is not None and image_b64:
        raise ValidationError({"image": ["Send image_b64 or an image file, not both."]})
    if upload is not None:
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            return check_image_upload(upload).content
        except DjangoValidationError as exc:
            raise upload_error(exc, field="image") from exc
    if image_b64:
        try:
            return decode_image_b64(image_b64, param="image_b64")[0]
        except InputError as exc:
            raise ValidationError({exc.param: [str(exc)]}) from exc
    return None


def _respond(
    request, search_request: SearchRequest, *, debug: bool, passages: int = 0
) -> dict:
    try:
        result = run_search(search_request, user=request.user)
    except QueryError as exc:
        raise ValidationError({"non_field_errors": [str(exc)]}) from exc
    if passages and search_request.text:
        attach_passages(result.hits, text=search_request.text, per_hit=passages)
    return {
        "query": {
            "text": search_request.text, "image": search_request.image is not None,
            "mode": search_request.mode, "preset": search_request.preset,
            "rrf_k": search_request.rrf_k, "k": search_request.k,
            "page": search_request.page, "weights": result.weights,
            "ocr_text": result.ocr_text, "unavailable": result.unavailable,
            "reranker": result.reranker, "fusion": result.fusion,
            "query_type": result.query_type,
        },
        "results": [_hit(request, hit) for hit in result.hits],
        # Staff only (empty otherwise): unpublished matches, kept out of the results.
        "other_statuses": [_hit(request, hit) for hit in result.other_statuses],
        "total": result.total,
        "took_ms": result.took_ms,
        "debug": {"branches": result.branches} if debug else None,
    }  # fmt: skip


def _hit(request, hit) -> dict:
    cover = hit.item.cover_image
    thumbnail = (
        request.build_absolute_uri(cover.thumbnail.url)
        if cover and cover.thumbnail
        else None
    )
    return {
        "item_id": hit.item.pk, "title": hit.item.title, "kind": hit.item.kind,
        "snippet": hit.snippet, "thumbnail_url": thumbnail, "score": hit.score,
        "explain": hit.explain,
        "passages": [
            {"page": p.page, "url": request.build_absolute_uri(p.url), "start": p.start,
             "end": p.end, "excerpt": p.excerpt, "score": p.score}
            for p in hit.passages
        ],
    }  # fmt: skip
