"""Content that editors curate: items (test items, products, documents), their images and
PDF files."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from items.json_values import check_json_value
from items.tags import normalize_tags


class ItemKind(models.TextChoices):
    TEST_ITEM = "test_item", "Test item (문항)"
    PRODUCT = "product", "Product"
    DOCUMENT = "document", "Document"


class Language(models.TextChoices):
    KOREAN = "ko", "Korean"
    ENGLISH = "en", "English"
    MIXED = "mixed", "Korean + English"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class ItemQuerySet(models.QuerySet["Item"]):
    def published(self) -> ItemQuerySet:
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user) -> ItemQuerySet:
        """Staff see everything; everyone else sees published items only."""
        if user is not None and user.is_active and user.is_staff:
            return self.all()
        return self.published()


class Item(models.Model):
    kind = models.CharField(
        max_length=16, choices=ItemKind.choices, default=ItemKind.TEST_ITEM
    )
    title = models.CharField(max_length=300)
    body = models.TextField(
        blank=True, help_text="Question stem, product description or text."
    )
    subject = models.CharField(
        max_length=120,
        blank=True,
        help_text="Subject for test items (e.g. 수학), category for products and documents.",
    )
    tags = ArrayField(
        models.CharField(max_length=64),
        blank=True,
        default=list,
        help_text="Comma-separated. Stored lower-case, without duplicates.",
    )
    language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.KOREAN
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    metadata = models.JSONField(
        default=dict,
        blank=True,
        help_text="Free-form JSON object (answer key, SKU, source…).",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            GinIndex(fields=["tags"], name="item_tags_gin"),
            models.Index(fields=["kind", "status"], name="item_kind_status"),
            models.Index(fields=["-updated_at"], name="item_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # published_at records the first publication; later edits and archiving keep it.
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None) -> None:
        # Tags are normalised before field validation so "a, , A" is cleaned, not refused.
        try:
            self.tags = normalize_tags(self.tags)
        except ValueError as exc:
            raise ValidationError({"tags": str(exc)}) from exc
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.title or not self.title.strip():
            errors["title"] = "A title is required."
        else:
            self.title = self.title.strip()
        if not isinstance(self.metadata, dict):
            errors["metadata"] = 'Metadata must be a JSON object, e.g. {"answer": "3"}.'
        else:
            try:
                check_json_value(self.metadata)
            except ValueError as exc:
                errors["metadata"] = str(exc)
        if errors:
            raise ValidationError(errors)

    @property
    def cover_image(self) -> ItemImage | None:
        """The first of the item's own images, else the first page of its PDFs. Lists of
        items prefetch only those (`cover_images`, items/selectors.py), not every page."""
        images = getattr(self, "cover_images", None)
        if images is None:
            images = list(self.images.all())
        own = [image for image in images if image.source_file_id is None]
        return (own or images)[0] if images else None


def _upload_path(prefix: str, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:8]
    today = timezone.now()
    return f"{prefix}/{today:%Y/%m}/{uuid.uuid4().hex}{suffix}"


def image_upload_to(instance: ItemImage, filename: str) -> str:
    return _upload_path("items", filename)


def thumbnail_upload_to(instance: ItemImage, filename: str) -> str:
    return _upload_path("thumbs", filename)


def file_upload_to(instance: ItemFile, filename: str) -> str:
    return _upload_path("files", filename)


class ItemFile(models.Model):
    """A PDF attached to an item (a manual, a scanned handout, an item booklet).

    Its pages become the item's page images (`ItemImage.source_file`), rendered by the
    processing pipeline, with each page's text layer beside them; a scanned page (no text
    layer) is read by OCR like any image.
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=file_upload_to)
    original_name = models.CharField(max_length=255, blank=True, editable=False)
    byte_size = models.PositiveBigIntegerField(null=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    page_count = models.PositiveIntegerField(default=0, editable=False)
    # The sha256 the stored page images were rendered from: a replaced file re-renders.
    rendered_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["file"], name="itemfile_file_name")]

    def __str__(self) -> str:
        return self.original_name or str(self.file.name)


class ItemImage(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        upload_to=image_upload_to, width_field="width", height_field="height"
    )
    thumbnail = models.ImageField(
        upload_to=thumbnail_upload_to, blank=True, editable=False
    )
    caption = models.CharField(max_length=500, blank=True)
    alt_text = models.CharField(
        max_length=300, blank=True, help_text="Describes the image for screen readers."
    )
    position = models.PositiveIntegerField(
        default=0, help_text="Order within the item."
    )
    page_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="For documents: the page this image shows."
    )
    # Set on pages rendered from a PDF: they go when the PDF goes or is replaced.
    source_file = models.ForeignKey(
        "ItemFile",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.CASCADE,
        related_name="pages",
    )
    text_layer = models.TextField(
        blank=True,
        editable=False,
        help_text="A PDF page's own text; pages with one are not OCRed.",
    )
    original_name = models.CharField(max_length=255, blank=True, editable=False)
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    format = models.CharField(max_length=8, blank=True, editable=False)
    byte_size = models.PositiveIntegerField(null=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        # Media requests look the file up by name (items/media.py).
        indexes = [
            models.Index(fields=["image"], name="itemimage_image_name"),
            models.Index(fields=["thumbnail"], name="itemimage_thumbnail_name"),
        ]

    def __str__(self) -> str:
        return self.caption or self.original_name or f"Image {self.pk}"
