"""Admin forms: image and PDF uploads go through the shared upload validation."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from items.models import Item, ItemFile, ItemImage
from items.pdf_uploads import CheckedPdf, check_pdf_upload
from items.services import apply_checked_image, apply_checked_pdf
from items.uploads import ALLOWED_LABEL, CheckedImage, check_image_upload


class CheckedImageFile(UploadedFile):
    """An upload that passed `check_image_upload`; carries the result for the form's save."""

    def __init__(self, upload: UploadedFile, checked: CheckedImage) -> None:
        super().__init__(upload.file, upload.name, upload.content_type, upload.size)
        self.checked = checked


class ImageUploadField(forms.FileField):
    """A file field validated by `check_image_upload` instead of Django's generic image check."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", f"{ALLOWED_LABEL}.")
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/*")

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        return CheckedImageFile(upload, check_image_upload(upload))


class ItemImageForm(forms.ModelForm):
    image = ImageUploadField()

    class Meta:
        model = ItemImage
        fields = ["image", "caption", "alt_text", "position", "page_number"]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("image")
        if isinstance(upload, CheckedImageFile):
            apply_checked_image(
                image=self.instance, checked=upload.checked, original_name=upload.name
            )
            # The model's file comes from the validated bytes, not the raw upload.
            cleaned["image"] = self.instance.image
        return cleaned


class CheckedPdfFile(UploadedFile):
    """An upload that passed `check_pdf_upload`; carries the result for the form's save."""

    def __init__(self, upload: UploadedFile, checked: CheckedPdf) -> None:
        super().__init__(upload.file, upload.name, upload.content_type, upload.size)
        self.checked = checked


class PdfUploadField(forms.FileField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "help_text",
            "PDF. Pages become page images with their text; scanned pages are read by OCR.",
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "application/pdf,.pdf")

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        return CheckedPdfFile(upload, check_pdf_upload(upload))


class ItemFileForm(forms.ModelForm):
    file = PdfUploadField()

    class Meta:
        model = ItemFile
        fields = ["file"]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if isinstance(upload, CheckedPdfFile):
            item = self.instance.item if self.instance.item_id else None
            duplicate = (
                item is not None
                and item.files.filter(sha256=upload.checked.sha256)
                .exclude(pk=self.instance.pk)
                .exists()
            )
            if duplicate:
                raise forms.ValidationError(
                    {"file": "This PDF is already attached to this item."}
                )
            apply_checked_pdf(
                file=self.instance, checked=upload.checked, original_name=upload.name
            )
            cleaned["file"] = self.instance.file
        return cleaned


class BoundedJSONField(forms.JSONField):
    """Django's JSON form field, but JSON nested too deep for Python's parser is a form
    error rather than a RecursionError (a 500), also when the form is shown again."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError as exc:
            raise forms.ValidationError(
                "The JSON is nested too deeply.", code="invalid"
            ) from exc

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return forms.fields.InvalidJSONInput(data)


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "kind",
            "title",
            "body",
            "subject",
            "tags",
            "language",
            "status",
            "metadata",
        ]
        field_classes = {"metadata": BoundedJSONField}
        widgets = {
            "title": forms.TextInput(attrs={"class": "vTextField portal-title"}),
            "body": forms.Textarea(attrs={"rows": 8}),
        }
