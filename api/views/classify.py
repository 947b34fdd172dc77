"""POST /api/classify/: zero-shot classification in a shared text-image space (CLIP)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.errors import ServiceUnavailable
from api.serializers import (
    ClassifyRequestSerializer,
    ClassifyResponseSerializer,
    ErrorSerializer,
)
from embeddings.services import (
    InputError,
    ModelUnavailable,
    classify,
    find_shared_space,
)
from items.models import Item


class ClassifyView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "search"

    @extend_schema(
        summary="Zero-shot classification of an image or an item against labels",
        request=ClassifyRequestSerializer,
        responses={
            200: ClassifyResponseSerializer,
            400: ErrorSerializer,
            404: ErrorSerializer,
            429: ErrorSerializer,
            503: ErrorSerializer,
        },
        tags=["search"],
    )
    def post(self, request):
        params = ClassifyRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            space = find_shared_space(data["model"])
        except InputError as exc:
            raise ValidationError({exc.param: [str(exc)]}) from exc
        except ModelUnavailable as exc:
            raise ServiceUnavailable(str(exc)) from exc
        item = None
        if not data["image_b64"]:
            item = get_object_or_404(
                Item.objects.visible_to(request.user), pk=data["item_id"]
            )
        try:
            ranked = classify(
                space=space, labels=data["labels"], template=data["template"],
                image_b64=data["image_b64"], item=item,
            )  # fmt: skip
        except InputError as exc:
            raise ValidationError({exc.param: [str(exc)]}) from exc
        except ModelUnavailable as exc:
            raise ServiceUnavailable(f"{space.name} is unavailable: {exc}") from exc
        return Response(
            {
                "model": space.name,
                "labels": [
                    {"label": s.label, "probability": round(s.probability, 6)}
                    for s in ranked
                ],
            }
        )
