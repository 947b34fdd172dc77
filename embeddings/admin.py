"""Admin for processing: item status and actions, OCR text, jobs, and embedding spaces."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.html import format_html

from embeddings.models import (
    Embedding,
    EmbeddingSpace,
    JobState,
    OcrResult,
    ProcessingJob,
    SpaceState,
    Stage,
)
from embeddings.processing import reprocess
from embeddings.runtime.registry import probe_space
from embeddings.selectors import (
    Processing,
    filter_by_processing,
    processing_state,
    with_job_counts,
)
from embeddings.vectors import spaces
from embeddings.vectors.indexes import ensure_space_index
from items.admin import ItemAdmin, ItemFileInline, ItemImageInline
from items.models import Item, ItemImage

BADGE = {
    Processing.PROCESSED: ("published", "Processed"),
    Processing.PROCESSING: ("review", "Processing…"),
    Processing.FAILED: ("archived", "Failed"),
    Processing.NEVER: ("draft", "Not processed"),
}


class ProcessingFilter(admin.SimpleListFilter):
    title = "processing"
    parameter_name = "processing"

    def lookups(self, request, model_admin):
        return Processing.CHOICES

    def queryset(self, request, queryset):
        return (
            filter_by_processing(queryset, self.value()) if self.value() else queryset
        )


class ImageWithOcrInline(ItemImageInline):
    fields = [*ItemImageInline.fields, "ocr_text"]
    readonly_fields = [*ItemImageInline.readonly_fields, "ocr_text"]

    @admin.display(description="Text found (OCR)")
    def ocr_text(self, obj: ItemImage):
        if not obj.pk:
            return "—"
        ocr = OcrResult.objects.filter(image_id=obj.pk).first()
        if ocr is None:
            return "Not read yet."
        return format_html(
            '<pre class="portal-ocr">{}</pre><span class="portal-muted">confidence {} · '
            "tesseract {} ({}) · {} ms</span>",
            ocr.text or "(no text found)",
            "—" if ocr.confidence is None else f"{ocr.confidence:.0f}",
            ocr.engine_version,
            ocr.languages,
            ocr.duration_ms,
        )


class ProcessingItemAdmin(ItemAdmin):
    """The item admin with processing status, filter and actions (embeddings extends items)."""

    inlines = [ImageWithOcrInline, ItemFileInline]
    list_display = [*ItemAdmin.list_display[:-1], "processing", "updated_at"]
    list_filter = [*ItemAdmin.list_filter, ProcessingFilter]
    actions = [*ItemAdmin.actions, "redo_ocr", "reembed", "process_missing"]

    def get_queryset(self, request):
        return with_job_counts(super().get_queryset(request))

    @admin.display(description="Processing")
    def processing(self, obj: Item):
        css, label = BADGE[processing_state(obj)]
        waiting = (
            format_html(' <span class="portal-muted" title="{}">+{} waiting for a model</span>',
                        "Jobs for spaces whose model is not installed",
                        obj.jobs_waiting)  # type: ignore[attr-defined]  # with_job_counts
            if obj.jobs_waiting else ""  # type: ignore[attr-defined]
        )  # fmt: skip
        return format_html(
            '<span class="portal-badge portal-badge--{}">{}</span>{}',
            css,
            label,
            waiting,
        )

    @admin.action(
        description="Redo OCR (and everything after it)", permissions=["change"]
    )
    def redo_ocr(self, request: HttpRequest, queryset: QuerySet[Item]) -> None:
        count = reprocess.redo_ocr(item_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, f"OCR will run again for {count} item(s).", messages.SUCCESS
        )

    @admin.action(
        description="Re-embed in every maintained space", permissions=["change"]
    )
    def reembed(self, request: HttpRequest, queryset: QuerySet[Item]) -> None:
        count = reprocess.reembed(item_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, f"{count} item(s) will be embedded again.", messages.SUCCESS
        )

    @admin.action(description="Process what is missing", permissions=["change"])
    def process_missing(self, request: HttpRequest, queryset: QuerySet[Item]) -> None:
        from embeddings.processing.jobs import request_processing

        ids = list(queryset.values_list("pk", flat=True))
        for item_id in ids:
            request_processing(item_id=item_id)
        self.message_user(
            request,
            f"{len(ids)} item(s) queued; unchanged inputs are skipped, so only missing work runs.",
            messages.SUCCESS,
        )


admin.site.unregister(Item)
admin.site.register(Item, ProcessingItemAdmin)


@admin.register(ProcessingJob)
class ProcessingJobAdmin(admin.ModelAdmin):
    list_display = [
        "item",
        "stage",
        "space",
        "state_badge",
        "attempts",
        "error",
        "updated_at",
    ]
    list_filter = ["state", "stage", "space"]
    search_fields = ["item__title", "last_error"]
    list_select_related = ["item", "space"]
    actions = ["retry"]
    readonly_fields = [
        "item", "stage", "space", "state", "attempts", "last_error", "requested_at",
        "enqueued_at", "started_at", "finished_at", "updated_at",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="State", ordering="state")
    def state_badge(self, obj: ProcessingJob):
        css = {
            JobState.DONE: "published", JobState.FAILED: "archived",
            JobState.WAITING: "draft", JobState.RUNNING: "review", JobState.PENDING: "review",
        }[JobState(obj.state)]  # fmt: skip
        return format_html(
            '<span class="portal-badge portal-badge--{}">{}</span>',
            css,
            obj.get_state_display(),
        )

    @admin.display(description="Last error")
    def error(self, obj: ProcessingJob) -> str:
        return (
            (obj.last_error[:140] + "…")
            if len(obj.last_error) > 140
            else obj.last_error
        )

    @admin.action(description="Run selected jobs again", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[ProcessingJob]) -> None:
        from embeddings.processing.jobs import BLOCKING_STAGES, request_processing

        count = 0
        for job in queryset.select_related("space"):
            # Index and embeddings ran without the pages or OCR text that failed; they
            # run again after them, so the recovered text becomes searchable.
            if job.stage in BLOCKING_STAGES:
                request_processing(item_id=job.item_id)
            else:
                request_processing(
                    item_id=job.item_id,
                    stages=(Stage(job.stage),),
                    spaces=[job.space] if job.space else None,
                )
            count += 1
        self.message_user(request, f"{count} job(s) will run again.", messages.SUCCESS)


@admin.register(EmbeddingSpace)
class EmbeddingSpaceAdmin(admin.ModelAdmin):
    list_display = [
        "name", "label", "modality", "dimension", "state_badge", "availability", "coverage",
        "jobs_waiting", "jobs_failed",
    ]  # fmt: skip
    list_filter = ["state", "backend", "modality", "available"]
    actions = ["backfill", "activate", "retire", "check_availability"]
    readonly_fields = [
        "available",
        "unavailable_reason",
        "checked_at",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        # Correlated subqueries, not joins: joining embeddings × jobs per space would
        # multiply millions of rows by millions.
        return (
            super()
            .get_queryset(request)
            .annotate(
                vectors=_count(
                    Embedding.objects.filter(space=OuterRef("pk"))
                    .values("space")
                    .annotate(n=Count("item", distinct=True))
                    .values("n")
                ),
                waiting=_count(_jobs_in(JobState.WAITING)),
                failed=_count(_jobs_in(JobState.FAILED)),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # The HNSW index is built for this dimension and metric; changing them would
        # silently break it. Create a new space instead.
        if obj is not None:
            return [*self.readonly_fields, "dimension", "metric", "backend"]
        return self.readonly_fields

    def save_model(self, request, obj: EmbeddingSpace, form, change: bool) -> None:
        before = (
            EmbeddingSpace.objects.get(pk=obj.pk).model_signature if change else None
        )
        super().save_model(request, obj, form, change)
        # Changed index options (options.index) rebuild the index here, in the request:
        # minutes at 100k vectors (docs/benchmarks.md, "ANN index study").
        rebuilt = ensure_space_index(
            space_id=obj.pk, dimension=obj.dimension, metric=obj.metric,
            options=obj.index_options,
        )  # fmt: skip
        if rebuilt and change:
            self.message_user(
                request,
                f"Index options changed: rebuilt {', '.join(rebuilt)}.",
                messages.INFO,
            )
        if (
            before is not None
            and before != obj.model_signature
            and obj.state != SpaceState.RETIRED
        ):
            count = spaces.backfill_space(obj)
            self.message_user(
                request,
                f"The model changed: {count} item(s) queued to be embedded again.",
                messages.INFO,
            )

    @admin.display(description="State", ordering="state")
    def state_badge(self, obj: EmbeddingSpace):
        css = {"active": "published", "building": "review", "retired": "draft"}[
            obj.state
        ]
        return format_html(
            '<span class="portal-badge portal-badge--{}">{}</span>',
            css,
            obj.get_state_display(),
        )

    @admin.display(description="Model", ordering="available")
    def availability(self, obj: EmbeddingSpace):
        if obj.model_changed_reason:
            return format_html(
                '<span class="portal-bad" title="{}">✗ model changed: re-embed '
                "needed</span><br>"
                '<span class="portal-muted">manage.py check_index --fix --check '
                "changed-models</span>",
                obj.model_changed_reason,
            )
        if obj.available is None:
            return format_html('<span class="portal-muted">not checked yet</span>')
        if obj.available:
            return format_html('<span class="portal-ok">✓ available</span>')
        reason = obj.unavailable_reason
        return format_html(
            '<span class="portal-bad" title="{}">✗ unavailable</span><br>'
            '<span class="portal-muted" title="{}">{}</span>',
            reason,
            reason,
            reason if len(reason) <= 70 else reason[:70] + "…",
        )

    @admin.display(description="Items embedded")
    def coverage(self, obj: EmbeddingSpace) -> str:
        total = Item.objects.count()
        return f"{obj.vectors} / {total}"  # type: ignore[attr-defined]  # get_queryset

    @admin.display(description="Waiting", ordering="waiting")
    def jobs_waiting(self, obj: EmbeddingSpace) -> int:
        return obj.waiting  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description="Failed", ordering="failed")
    def jobs_failed(self, obj: EmbeddingSpace) -> int:
        return obj.failed  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.action(description="Backfill: embed every item in the selected spaces")
    def backfill(
        self, request: HttpRequest, queryset: QuerySet[EmbeddingSpace]
    ) -> None:
        for space in queryset:
            count = spaces.backfill_space(space)
            self.message_user(
                request, f"{space.name}: {count} item(s) queued.", messages.SUCCESS
            )

    @admin.action(description="Activate: serve the selected spaces in search")
    def activate(
        self, request: HttpRequest, queryset: QuerySet[EmbeddingSpace]
    ) -> None:
        for space in queryset:
            requeued = spaces.activate_space(space)
            note = f"; {requeued} item(s) queued to catch up" if requeued else ""
            self.message_user(
                request, f"{space.name} is active{note}.", messages.SUCCESS
            )

    @admin.action(description="Retire: stop serving and updating (vectors are kept)")
    def retire(self, request: HttpRequest, queryset: QuerySet[EmbeddingSpace]) -> None:
        for space in queryset.exclude(state=SpaceState.RETIRED):
            spaces.retire_space(space)
            self.message_user(request, f"{space.name} is retired.", messages.SUCCESS)

    @admin.action(description="Check whether the model can be loaded now")
    def check_availability(self, request, queryset: QuerySet[EmbeddingSpace]) -> None:
        for space in queryset:
            if probe_space(space):
                self.message_user(
                    request, f"{space.name}: model loaded.", messages.SUCCESS
                )
            else:
                space.refresh_from_db()
                self.message_user(
                    request,
                    f"{space.name}: unavailable — {space.unavailable_reason}",
                    messages.WARNING,
                )


def _jobs_in(state: str):
    return (
        ProcessingJob.objects.filter(space=OuterRef("pk"), state=state)
        .values("space")
        .annotate(n=Count("pk"))
        .values("n")
    )


def _count(subquery) -> Coalesce:
    return Coalesce(Subquery(subquery, output_field=IntegerField()), 0)
