"""OpenAI-compatible /v1/embeddings and /v1/models: an OpenAI client works unchanged."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.errors import ServiceUnavailable
from api.serializers import (
    EmbeddingsRequestSerializer,
    EmbeddingsResponseSerializer,
    ErrorSerializer,
    ModelListSerializer,
)
from embeddings.models import EmbeddingSpace, SpaceState
from embeddings.services import (
    InputError,
    ModelUnavailable,
    embed_inputs,
    encode_base64,
    find_space,
)

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer,
          429: ErrorSerializer, 503: ErrorSerializer}  # fmt: skip


class EmbeddingsView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "embeddings"

    @extend_schema(
        summary="Create embeddings (OpenAI-compatible)",
        description=(
            "`model` is an embedding space name. `input` is a string or list of strings; "
            "image-capable spaces also take images as `data:image/png;base64,...` strings. "
            "`dimensions` truncates (Matryoshka-style) and re-normalises. `usage` counts "
            "whitespace-separated words, plus one per image."
        ),
        request=EmbeddingsRequestSerializer,
        responses={200: EmbeddingsResponseSerializer, **ERRORS},
        tags=["embeddings"],
    )
    def post(self, request):
        params = EmbeddingsRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            space = find_space(data["model"])
            batch = embed_inputs(
                space, data["input"], dimensions=data.get("dimensions"),
                input_type=data["input_type"],
            )  # fmt: skip
        except InputError as exc:
            raise ValidationError({exc.param: [str(exc)]}) from exc
        except ModelUnavailable as exc:
            raise ServiceUnavailable(
                f"Model {data['model']} is unavailable: {exc}"
            ) from exc
        as_base64 = data["encoding_format"] == "base64"
        return Response(
            {
                "object": "list",
                "data": [
                    {
                        "object": "embedding",
                        "index": i,
                        "embedding": encode_base64(v)
                        if as_base64
                        else [float(x) for x in v],
                    }
                    for i, v in enumerate(batch.vectors)
                ],
                "model": space.name,
                "usage": {"prompt_tokens": batch.tokens, "total_tokens": batch.tokens},
            }
        )


class ModelsView(APIView):
    @extend_schema(
        summary="List embedding spaces as models, with their state and availability",
        responses={200: ModelListSerializer, 401: ErrorSerializer},
        tags=["embeddings"],
    )
    def get(self, request):
        spaces = EmbeddingSpace.objects.exclude(state=SpaceState.RETIRED).order_by(
            "name"
        )
        return Response(
            {
                "object": "list",
                "data": [
                    {
                        "id": s.name,
                        "object": "model",
                        "created": int(s.created_at.timestamp()),
                        "owned_by": "portal",
                        "state": s.state,
                        "modality": s.modality,
                        "dimension": s.dimension,
                        "available": s.available,
                        "unavailable_reason": s.unavailable_reason,
                    }
                    for s in spaces
                ],
            }
        )


__all__ = ["EmbeddingsView", "ModelsView", "OpenApiResponse"]
