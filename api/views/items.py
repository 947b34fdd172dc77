"""Items, their images and processing jobs; staff write, everyone reads what is published."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from api.errors import upload_error
from api.serializers import (
    ErrorSerializer,
    FileUploadSerializer,
    ImageUploadSerializer,
    ItemFileSerializer,
    ItemImageSerializer,
    ItemSerializer,
    JobSerializer,
)
from embeddings.models import ProcessingJob
from items.models import Item
from items.selectors import item_detail_prefetches
from items.services import add_file, add_image, create_item, update_item


class StaffWritesOthersRead(permissions.BasePermission):
    message = "Only staff can change content."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(
            request.user and request.user.is_authenticated and request.user.is_staff
        )


ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
}


@extend_schema_view(
    list=extend_schema(
        summary="List items (published only, unless staff)",
        # 400: an offset past BoundedLimitOffsetPagination.max_offset.
        responses={200: ItemSerializer(many=True), 400: ErrorSerializer},
        tags=["items"],
    ),
    retrieve=extend_schema(
        summary="An item with images, OCR text and processing status",
        responses={200: ItemSerializer, **ERRORS},
        tags=["items"],
    ),
    create=extend_schema(
        summary="Create an item (staff)",
        responses={201: ItemSerializer, **ERRORS},
        tags=["items"],
    ),
    partial_update=extend_schema(
        summary="Change an item (staff)",
        responses={200: ItemSerializer, **ERRORS},
        tags=["items"],
    ),
    destroy=extend_schema(
        summary="Delete an item and its derived data (staff)",
        responses={204: None, **ERRORS},
        tags=["items"],
    ),
)
class ItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    serializer_class = ItemSerializer
    permission_classes = [StaffWritesOthersRead]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            Item.objects.visible_to(self.request.user)
            .prefetch_related(*item_detail_prefetches(), "jobs__space")
            .order_by("-updated_at", "-id")
        )

    # Writes go through items.services, like the admin's: one place validates and saves.
    def perform_create(self, serializer) -> None:
        serializer.instance = create_item(
            author=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = update_item(
            item=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        summary="Attach an image (multipart `image`, `caption`); same validation as the admin",
        request={"multipart/form-data": ImageUploadSerializer},
        responses={
            201: ItemImageSerializer,
            **ERRORS,
            413: ErrorSerializer,
            415: ErrorSerializer,
        },
        tags=["items"],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def images(self, request, pk=None):
        item = self.get_object()
        upload = ImageUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            image = add_image(
                item=item, upload=data["image"], filename=data["image"].name,
                caption=data["caption"], alt_text=data["alt_text"],
                page_number=data.get("page_number"),
            )  # fmt: skip
        except DjangoValidationError as exc:
            raise upload_error(exc, field="image") from exc
        return Response(
            ItemImageSerializer(image, context={"request": request}).data, status=201
        )

    @extend_schema(
        summary="Attach a PDF (multipart `file`); its pages are rendered, read and indexed",
        description=(
            "The same validation as the admin: size, page count and page size limits; "
            "encrypted, damaged and decompression-bomb PDFs are refused and nothing is "
            "saved. Uploading the same bytes to the same item again returns the stored "
            "file with 200 and does no new work."
        ),
        request={"multipart/form-data": FileUploadSerializer},
        responses={
            200: ItemFileSerializer,
            201: ItemFileSerializer,
            **ERRORS,
            413: ErrorSerializer,
        },
        tags=["items"],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def files(self, request, pk=None):
        item = self.get_object()
        upload = FileUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        pdf = upload.validated_data["file"]
        try:
            file, created = add_file(item=item, upload=pdf, filename=pdf.name)
        except DjangoValidationError as exc:
            raise upload_error(exc, field="file") from exc
        return Response(
            ItemFileSerializer(file, context={"request": request}).data,
            status=201 if created else 200,
        )


@extend_schema_view(
    list=extend_schema(
        summary="Processing jobs and their states",
        parameters=[
            OpenApiParameter("item", int, required=False, description="an item id")
        ],
        responses={200: JobSerializer(many=True), 400: ErrorSerializer},
        tags=["items"],
    )
)
class JobViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = JobSerializer

    def get_queryset(self):
        jobs = (
            ProcessingJob.objects.filter(
                item__in=Item.objects.visible_to(self.request.user)
            )
            .select_related("space")
            .order_by("item_id", "stage", "space_id")
        )
        item = self.request.query_params.get("item")
        if item is not None:
            if not item.isdigit():
                raise ValidationError({"item": ["Must be an item id."]})
            jobs = jobs.filter(item_id=int(item))
        return jobs
