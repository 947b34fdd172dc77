"""The editors' tool: item list with thumbnails and filters, image inlines with previews."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from items.forms import ItemFileForm, ItemForm, ItemImageForm
from items.models import Item, ItemFile, ItemImage, Status
from items.selectors import cover_prefetch
from items.services import place_new_images, set_status

admin.site.site_header = "Multimodal RAG Portal"
admin.site.site_title = "RAG Portal admin"
admin.site.index_title = "Content and processing"


def thumbnail_tag(image: ItemImage | None, *, size: int = 64):
    if image is None or not image.thumbnail:
        return mark_safe(
            '<span class="portal-thumb portal-thumb--empty" title="No image">—</span>'
        )
    return format_html(
        '<img class="portal-thumb" src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
        image.thumbnail.url,
        image.alt_text or image.caption or image.original_name,
        size,
        size,
    )


class ItemImageInline(admin.StackedInline):
    model = ItemImage
    form = ItemImageForm
    extra = 1
    ordering = ["position", "id"]
    fields = [
        ("preview", "image"),
        ("caption", "alt_text"),
        ("position", "page_number"),
        "details",
    ]
    readonly_fields = ["preview", "details"]
    classes = ["portal-images"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ItemImage]:
        # Pages rendered from a PDF are derived from it (replace the PDF to change them);
        # a 300-page document must not turn the form into 300 upload widgets.
        return super().get_queryset(request).filter(source_file__isnull=True)

    @admin.display(description="Preview")
    def preview(self, obj: ItemImage):
        if not obj.pk:
            return "Saved images show a preview here."
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            obj.image.url,
            thumbnail_tag(obj, size=160),
        )

    @admin.display(description="File")
    def details(self, obj: ItemImage):
        if not obj.pk:
            return "—"
        return format_html(
            "{} · {}×{} px · {} · sha256 {}…",
            obj.format,
            obj.width,
            obj.height,
            filesizeformat(obj.byte_size or 0),
            obj.sha256[:12],
        )


class ItemFileInline(admin.TabularInline):
    """PDFs of an item, with how far their pages have been rendered."""

    model = ItemFile
    form = ItemFileForm
    extra = 0
    fields = ["file", "details", "pages"]
    readonly_fields = ["details", "pages"]
    verbose_name = "PDF document"
    verbose_name_plural = "PDF documents"

    @admin.display(description="File")
    def details(self, obj: ItemFile):
        if not obj.pk:
            return "—"
        return format_html(
            "{} · {} page(s) · {} · sha256 {}…",
            obj.original_name,
            obj.page_count,
            filesizeformat(obj.byte_size or 0),
            obj.sha256[:12],
        )

    @admin.display(description="Pages rendered")
    def pages(self, obj: ItemFile):
        if not obj.pk:
            return "Pages are rendered after saving."
        done = obj.pages.count() if obj.rendered_sha256 == obj.sha256 else 0
        with_text = obj.pages.exclude(text_layer="").count() if done else 0
        return format_html(
            '<progress class="portal-progress" value="{}" max="{}"></progress> '
            '{} of {} <span class="portal-muted">({} with a text layer; the rest are '
            "read by OCR)</span>",
            done,
            obj.page_count,
            done,
            obj.page_count,
            with_text,
        )


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    form = ItemForm
    inlines = [ItemImageInline, ItemFileInline]
    list_display = [
        "thumbnail",
        "title",
        "kind",
        "status_badge",
        "language",
        "subject",
        "image_count",
        "updated_at",
    ]
    list_display_links = ["thumbnail", "title"]
    list_filter = ["kind", "status", "language", "subject", "updated_at"]
    search_fields = ["title", "body", "subject", "tags", "images__caption"]
    list_per_page = 50
    date_hierarchy = "updated_at"
    actions = ["publish", "send_to_review", "archive"]
    readonly_fields = ["author", "created_at", "updated_at", "published_at"]
    fieldsets = [
        (None, {"fields": ["kind", "title", "body"]}),
        ("Classification", {"fields": [("subject", "language", "status"), "tags"]}),
        ("Metadata", {"fields": ["metadata"], "classes": ["collapse"]}),
        (
            "History",
            {
                "fields": [("author", "created_at"), ("updated_at", "published_at")],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Item]:
        return (
            super()
            .get_queryset(request)
            .select_related("author")
            .prefetch_related(cover_prefetch())
            # Own images: a PDF's rendered pages are counted with the PDF, not here.
            .annotate(
                num_images=Count(
                    "images", filter=Q(images__source_file__isnull=True), distinct=True
                )
            )
        )

    def get_search_results(self, request, queryset, search_term):
        # The join on images can repeat an item; the list must show each item once.
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not ItemImage:
            return super().save_formset(request, form, formset, change)
        images = formset.save(commit=False)
        place_new_images(item=form.instance, images=images)
        for image in images:
            image.save()
        for image in formset.deleted_objects:
            image.delete()
        formset.save_m2m()

    def save_model(self, request, obj: Item, form, change: bool) -> None:
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="")
    def thumbnail(self, obj: Item):
        return thumbnail_tag(obj.cover_image)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: Item):
        return format_html(
            '<span class="portal-badge portal-badge--{}">{}</span>',
            obj.status,
            obj.get_status_display(),
        )

    @admin.display(description="Images", ordering="num_images")
    def image_count(self, obj: Item) -> int:
        return obj.num_images  # type: ignore[attr-defined]  # annotated by get_queryset

    def _move(
        self, request: HttpRequest, queryset: QuerySet[Item], status: Status
    ) -> None:
        changed = set_status(items=queryset, status=status)
        unchanged = queryset.count() - changed
        self.message_user(
            request,
            f"{changed} item(s) marked {status.label.lower()}"
            + (f"; {unchanged} already were." if unchanged else "."),
            messages.SUCCESS,
        )

    @admin.action(description="Publish selected items", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Item]) -> None:
        self._move(request, queryset, Status.PUBLISHED)

    @admin.action(description="Send selected items to review", permissions=["change"])
    def send_to_review(self, request: HttpRequest, queryset: QuerySet[Item]) -> None:
        self._move(request, queryset, Status.REVIEW)

    @admin.action(description="Archive selected items", permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[Item]) -> None:
        self._move(request, queryset, Status.ARCHIVED)
