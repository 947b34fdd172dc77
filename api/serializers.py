"""Request and response shapes of the API (also the OpenAPI schema's source)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from embeddings.models import ProcessingJob
from items.models import Item, ItemFile, ItemImage, ItemKind, Language, Status
from search.selectors import (
    DEFAULT_BLEND_TEXT_SHARE,
    DEFAULT_FUSION,
    DEFAULT_K,
    DEFAULT_MODE,
    DEFAULT_PRESET,
    DEFAULT_RRF_K,
    DEFAULT_SORT,
    DEFAULT_STRATEGY,
    FUSIONS,
    MAX_K,
    MAX_PER_HIT,
    MODES,
    PRESETS,
    STRATEGIES,
)


# ---- errors -------------------------------------------------------------------------
# DRF's metaclass moves declared fields off the class, so a field may be called `fields` or
# `data` (the wire format names them); the stubs see a clash with Serializer's attributes.
class ErrorDetailSerializer(serializers.Serializer):
    message = serializers.CharField()
    type = serializers.CharField()
    code = serializers.CharField(allow_null=True)
    param = serializers.CharField(allow_null=True)
    fields = serializers.DictField(required=False)  # type: ignore[assignment]


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# ---- OpenAI-compatible embeddings -----------------------------------------------------
@extend_schema_field(
    {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
)
class StringOrListField(serializers.Field):
    """`input`: a string or a list of strings (token arrays are not supported)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [data]
        if isinstance(data, list) and all(isinstance(x, str) for x in data):
            if any("\x00" in x for x in data):
                raise serializers.ValidationError(
                    "Inputs must not contain NUL (\\u0000) characters."
                )
            return data
        raise serializers.ValidationError(
            "Must be a string or a list of strings (token arrays are not supported); "
            "images as data:image/...;base64,... strings."
        )

    def to_representation(self, value):
        return value


class EmbeddingsRequestSerializer(serializers.Serializer):
    input = StringOrListField(
        help_text="A string or a list of strings; images as data URIs."
    )
    model = serializers.CharField(
        help_text="An embedding space name, see GET /v1/models."
    )
    dimensions = serializers.IntegerField(required=False, min_value=1, allow_null=True)
    encoding_format = serializers.ChoiceField(
        choices=["float", "base64"], required=False, default="float"
    )
    input_type = serializers.ChoiceField(
        choices=["document", "query"], required=False, default="document",
        help_text="Extension: e5-style prefix for queries or documents.",
    )  # fmt: skip
    user = serializers.CharField(required=False, allow_blank=True)


class EmbeddingDataSerializer(serializers.Serializer):
    object = serializers.CharField(default="embedding")
    index = serializers.IntegerField()
    embedding = serializers.JSONField(help_text="A list of floats, or a base64 string.")


class UsageSerializer(serializers.Serializer):
    prompt_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()


class EmbeddingsResponseSerializer(serializers.Serializer):
    object = serializers.CharField(default="list")
    data = EmbeddingDataSerializer(many=True)  # type: ignore[assignment]
    model = serializers.CharField()
    usage = UsageSerializer()


class ModelSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField()
    created = serializers.IntegerField()
    owned_by = serializers.CharField()
    state = serializers.CharField()
    modality = serializers.CharField()
    dimension = serializers.IntegerField()
    available = serializers.BooleanField(allow_null=True)
    unavailable_reason = serializers.CharField(allow_blank=True)


class ModelListSerializer(serializers.Serializer):
    object = serializers.CharField()
    data = ModelSerializer(many=True)  # type: ignore[assignment]


# ---- search -------------------------------------------------------------------------
class SearchFiltersSerializer(serializers.Serializer):
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=ItemKind.choices), required=False
    )
    language = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), required=False
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False
    )
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=Status.choices), required=False
    )


class SearchRequestSerializer(serializers.Serializer):
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, default=""
    )
    image_b64 = serializers.CharField(required=False, allow_blank=True, default="")
    mode = serializers.CharField(
        required=False,
        default=DEFAULT_MODE,
        help_text=f"{', '.join(MODES)} or a branch name",
    )
    preset = serializers.ChoiceField(
        choices=list(PRESETS), required=False, default=DEFAULT_PRESET
    )
    weights = serializers.DictField(
        child=serializers.FloatField(min_value=0),
        required=False,
        help_text='Branch name → weight (e.g. {"fts": 2}); 0 turns a branch off.',
    )
    rrf_k = serializers.IntegerField(
        required=False, min_value=0, max_value=1000, default=DEFAULT_RRF_K
    )
    fusion = serializers.ChoiceField(
        choices=list(FUSIONS), required=False, default=DEFAULT_FUSION,
        help_text="rrf, score (normalised scores, convex weights), or auto: the "
        "measured default for the query's type (keyword or question)",
    )  # fmt: skip
    strategy = serializers.ChoiceField(
        choices=list(STRATEGIES), required=False, default=DEFAULT_STRATEGY,
        help_text="text + image queries: fuse each side's branches, or blend: one "
        "query vector share·text + (1 − share)·image in shared spaces",
    )  # fmt: skip
    blend_text_share = serializers.FloatField(
        required=False, min_value=0, max_value=1, default=DEFAULT_BLEND_TEXT_SHARE
    )
    filters = SearchFiltersSerializer(required=False)
    k = serializers.IntegerField(
        required=False, default=DEFAULT_K, help_text=f"clamped to 1..{MAX_K}"
    )
    page = serializers.IntegerField(
        required=False, min_value=1, max_value=1000, default=1
    )
    sort = serializers.ChoiceField(
        choices=["relevance", "newest"], required=False, default=DEFAULT_SORT
    )
    debug = serializers.BooleanField(required=False, default=False)
    passages = serializers.IntegerField(
        required=False, min_value=0, max_value=MAX_PER_HIT, default=0,
        help_text="Text queries: also return each hit's best passages (at most this "
        "many), with their page and a highlighted excerpt.",
    )  # fmt: skip


class PassageHitSerializer(serializers.Serializer):
    page = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text="The item's page, at the passage's page.")
    start = serializers.IntegerField(help_text="Offset into the item's indexed text.")
    end = serializers.IntegerField()
    excerpt = serializers.CharField(help_text="HTML: escaped text, matches in <mark>.")
    score = serializers.FloatField(help_text="BM25 of the passage for the query.")


class SearchHitSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    snippet = serializers.CharField(help_text="HTML: escaped text, matches in <mark>.")
    thumbnail_url = serializers.CharField(allow_null=True)
    score = serializers.FloatField()
    explain = serializers.DictField()
    passages = PassageHitSerializer(
        many=True,
        help_text="With `passages` > 0: the item's best passages, best first.",
    )


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.DictField()
    results = SearchHitSerializer(many=True)
    other_statuses = SearchHitSerializer(
        many=True,
        required=False,  # search answers carry it; similar-items answers do not
        help_text="Search only; staff only (empty otherwise): drafts and items in "
        "review that match, listed apart from the results (at most 10, first page).",
    )
    total = serializers.IntegerField()
    took_ms = serializers.IntegerField()
    debug = serializers.DictField(allow_null=True)


# ---- items, images, jobs ----------------------------------------------------------------
class ItemImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    ocr_text = serializers.SerializerMethodField()

    class Meta:
        model = ItemImage
        fields = ["id", "url", "thumbnail_url", "caption", "alt_text", "position",
                  "page_number", "width", "height", "format", "ocr_text"]  # fmt: skip

    def get_url(self, obj) -> str:
        return _absolute(self.context, obj.image.url)

    def get_thumbnail_url(self, obj) -> str | None:
        return _absolute(self.context, obj.thumbnail.url) if obj.thumbnail else None

    def get_ocr_text(self, obj) -> str | None:
        ocr = getattr(obj, "ocr", None)
        return ocr.text if ocr is not None else None


class ItemFileSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    pages_rendered = serializers.SerializerMethodField()

    class Meta:
        model = ItemFile
        fields = ["id", "url", "original_name", "byte_size", "sha256", "page_count",
                  "pages_rendered", "created_at"]  # fmt: skip

    def get_url(self, obj) -> str:
        return _absolute(self.context, obj.file.url)

    def get_pages_rendered(self, obj) -> int:
        """Pages stored from the file's current bytes (of `page_count`)."""
        if obj.rendered_sha256 != obj.sha256:
            return 0
        counted = getattr(obj, "pages_stored", None)
        return counted if counted is not None else obj.pages.count()


class ItemSerializer(serializers.ModelSerializer):
    # The item's own images; a PDF's rendered pages are counted under `files`.
    images = serializers.SerializerMethodField()
    files = ItemFileSerializer(many=True, read_only=True)
    processing = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = ["id", "kind", "title", "body", "subject", "tags", "language", "status",
                  "metadata", "created_at", "updated_at", "published_at", "images",
                  "files", "processing"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at", "published_at"]

    @extend_schema_field(ItemImageSerializer(many=True))
    def get_images(self, obj) -> list[dict]:
        images = getattr(obj, "own_images", None)  # prefetched by item selectors
        if images is None:
            images = obj.images.filter(source_file=None).select_related("ocr")
        return list(ItemImageSerializer(images, many=True, context=self.context).data)

    def get_processing(self, obj) -> list[dict]:
        return [
            {
                "stage": j.stage,
                "space": j.space.name if j.space else None,
                "state": j.state,
                "attempts": j.attempts,
                "last_error": j.last_error,
            }
            for j in obj.jobs.all()
        ]

    def validate(self, attrs):
        instance = Item(**{**_current(self.instance), **attrs})
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            instance.full_clean(exclude=["author"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return {**attrs, "tags": instance.tags, "title": instance.title}


class ImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField()
    caption = serializers.CharField(
        required=False, allow_blank=True, max_length=500, default=""
    )
    alt_text = serializers.CharField(
        required=False, allow_blank=True, max_length=300, default=""
    )
    page_number = serializers.IntegerField(required=False, min_value=1, allow_null=True)


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A PDF.")


class JobSerializer(serializers.ModelSerializer):
    space = serializers.CharField(source="space.name", allow_null=True, default=None)

    class Meta:
        model = ProcessingJob
        fields = ["id", "item", "stage", "space", "state", "attempts", "last_error",
                  "requested_at", "started_at", "finished_at"]  # fmt: skip


class ClassifyRequestSerializer(serializers.Serializer):
    image_b64 = serializers.CharField(required=False, allow_blank=True, default="")
    item_id = serializers.IntegerField(required=False, allow_null=True)
    labels = serializers.ListField(
        child=serializers.CharField(max_length=200), min_length=2, max_length=100
    )
    template = serializers.CharField(
        required=False, default="a photo of {}", max_length=200
    )
    model = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if bool(attrs["image_b64"]) == bool(attrs.get("item_id")):
            raise serializers.ValidationError(
                "Give exactly one of image_b64 or item_id."
            )
        if "{}" not in attrs["template"]:
            raise serializers.ValidationError(
                {"template": ["Must contain {} for the label."]}
            )
        return attrs


class ClassifyResponseSerializer(serializers.Serializer):
    model = serializers.CharField()
    labels = serializers.ListField(child=serializers.DictField())


def _absolute(context, url: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(url) if request else url


def _current(instance) -> dict:
    if instance is None:
        return {}
    return {f: getattr(instance, f) for f in ["kind", "title", "body", "subject", "tags",
                                              "language", "status", "metadata"]}  # fmt: skip
