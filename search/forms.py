"""The search page's query parameters, validated; bad values become form errors."""

from __future__ import annotations

from django import forms

from items.models import ItemKind, Language, Status
from search.engine import MODES, PRESETS
from search.requests import DEFAULT_MODE, DEFAULT_PRESET, DEFAULT_RRF_K, DEFAULT_SORT

SORTS = [("relevance", "Best match"), ("newest", "Newest first")]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=500, label="Search")
    img = forms.RegexField(
        regex=r"^[0-9a-f]{64}$", required=False, widget=forms.HiddenInput
    )
    mode = forms.CharField(required=False, initial=DEFAULT_MODE)
    preset = forms.ChoiceField(
        choices=[(p, p) for p in PRESETS], required=False, initial=DEFAULT_PRESET,
        label="Text / image balance",
    )  # fmt: skip
    kind = forms.MultipleChoiceField(choices=ItemKind.choices, required=False)
    language = forms.MultipleChoiceField(choices=Language.choices, required=False)
    status = forms.MultipleChoiceField(choices=Status.choices, required=False)
    tag = forms.CharField(required=False, max_length=64)
    sort = forms.ChoiceField(choices=SORTS, required=False, initial=DEFAULT_SORT)
    rrf_k = forms.IntegerField(
        required=False, min_value=0, max_value=1000, initial=DEFAULT_RRF_K
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=1000, initial=1)

    def clean_mode(self) -> str:
        mode = self.cleaned_data.get("mode") or DEFAULT_MODE
        # Besides the four modes, a single branch name (e.g. "fts") runs that branch alone.
        if mode not in MODES and not all(c.isalnum() or c in "-_:>#" for c in mode):
            raise forms.ValidationError("Unknown mode.")
        return mode


class ImageQueryForm(forms.Form):
    image = forms.FileField(label="Search by image")
