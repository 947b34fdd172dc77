"""Public pages. Thin: selection lives in items' querysets, presentation in templates."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from items.models import Item

PAGE_SIZE = 24


def home(request: HttpRequest) -> HttpResponse:
    """Browse what is published, newest first (drafts only for staff)."""
    items = Item.objects.visible_to(request.user).prefetch_related("images")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "search/home.html", {"page": page})
