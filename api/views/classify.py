"""POST /api/classify/: zero-shot classification in a shared text-image space (CLIP)."""

from __future__ import annotations

import numpy as np
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.embedding_service import InputError, decode_image_b64
from api.errors import ServiceUnavailable
from api.serializers import (
    ClassifyRequestSerializer,
    ClassifyResponseSerializer,
    ErrorSerializer,
)
from embeddings.encoders.base import ModelUnavailable
from embeddings.models import Embedding, EmbeddingSpace, Modality, SpaceState
from embeddings.registry import get_encoder
from embeddings.vectors import check_vectors
from items.models import Item

# CLIP's learned logit scale is ~100; softmax over scaled cosine similarities.
LOGIT_SCALE = 100.0


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
        space = _shared_space(data["model"])
        try:
            encoder = get_encoder(space)
        except ModelUnavailable as exc:
            raise ServiceUnavailable(f"{space.name} is unavailable: {exc}") from exc
        if data["image_b64"]:
            try:
                _, image = decode_image_b64(data["image_b64"], param="image_b64")
            except InputError as exc:
                raise ValidationError({exc.param: [str(exc)]}) from exc
            image_vector = check_vectors(
                encoder.encode_images([image]), space=space, count=1
            )[0]
        else:
            item = get_object_or_404(
                Item.objects.visible_to(request.user), pk=data["item_id"]
            )
            stored = Embedding.objects.filter(
                item=item, space=space, source="image"
            ).first()
            if stored is None:
                raise ValidationError(
                    {
                        "item_id": [
                            f"Item {item.pk} has no image vector in {space.name} yet."
                        ]
                    }
                )
            image_vector = np.asarray(stored.vector, dtype=np.float32)
        prompts = [data["template"].replace("{}", label) for label in data["labels"]]
        text_vectors = check_vectors(
            encoder.encode_texts(prompts, query=True), space=space, count=len(prompts)
        )
        logits = LOGIT_SCALE * (text_vectors @ image_vector)
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        ranked = sorted(
            zip(data["labels"], probabilities, strict=True), key=lambda p: -p[1]
        )
        return Response(
            {
                "model": space.name,
                "labels": [
                    {"label": label, "probability": round(float(p), 6)}
                    for label, p in ranked
                ],
            }
        )


def _shared_space(name: str) -> EmbeddingSpace:
    spaces = EmbeddingSpace.objects.filter(
        modality=Modality.BOTH, state=SpaceState.ACTIVE
    )
    if name:
        space = spaces.filter(name=name).first()
        if space is None:
            raise ValidationError(
                {"model": [f"{name!r} is not an active image-and-text space."]}
            )
        return space
    available = spaces.exclude(available=False).order_by("name").first()
    if available is None:
        raise ServiceUnavailable(
            "No image-and-text space (CLIP) is available; install its weights (docs/models.md)."
        )
    return available
