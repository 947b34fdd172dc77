"""Public pages: search (text, image or both), item detail with similar items."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from embeddings.models import EmbeddingSpace, SpaceState
from items.models import Item
from items.selectors import cover_prefetch, item_detail_prefetches
from search.engine import PRESETS, QueryError, run_search, similar_items
from search.forms import ImageQueryForm, SearchForm
from search.query_images import load_query_image, store_query_image
from search.rag.chat import chat_configured
from search.requests import build_search_request
from search.selectors import attach_passages

PAGE_SIZE = 24


def search(request: HttpRequest) -> HttpResponse:
    """The search page: results when there is a query, the newest items otherwise."""
    form = SearchForm(request.GET or None)
    context: dict = {"form": form, "presets": list(PRESETS), "spaces": _spaces(),
                     "rag_enabled": chat_configured()}  # fmt: skip
    if not form.is_bound or not (request.GET.get("q") or request.GET.get("img")):
        items = Item.objects.visible_to(request.user).prefetch_related(cover_prefetch())
        context["browse"] = Paginator(items, PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return render(request, "search/search.html", context)
    if not form.is_valid():
        context["error"] = (
            "Some search options were not understood; they are marked below."
        )
        return render(request, "search/search.html", context, status=400)
    data = form.cleaned_data
    image = None
    if data["img"]:
        stored = load_query_image(data["img"])
        if stored is None:
            context["error"] = (
                "That query image has expired or never existed; add it again."
            )
            return render(request, "search/search.html", context, status=404)
        image, context["query_image_url"] = stored
    search_request = build_search_request(
        text=data["q"],
        image=image,
        mode=data["mode"],
        preset=data["preset"],
        rrf_k=data["rrf_k"],
        kinds=data["kind"],
        languages=data["language"],
        statuses=data["status"],
        tags=[data["tag"]],
        k=PAGE_SIZE,
        page=data["page"],
        sort=data["sort"],
    )
    try:
        result = run_search(search_request, user=request.user)
    except QueryError as exc:
        context["error"] = str(exc)
        return render(request, "search/search.html", context, status=400)
    if data["q"]:
        attach_passages(result.hits, text=data["q"])
    context.update(
        result=result,
        page=search_request.page,
        has_next=search_request.page * PAGE_SIZE < result.total,
        debug=request.GET.get("debug") == "1" and request.user.is_staff,
        query_string=_without(request.GET, "page"),
    )
    return render(request, "search/search.html", context)


@require_POST
def search_by_image(request: HttpRequest) -> HttpResponse:
    """Store the uploaded query image, then show the results at a shareable URL."""
    form = ImageQueryForm(request.POST, request.FILES)
    search_form = SearchForm(request.POST)
    if not form.is_valid():
        return _image_error(
            request, search_form, "Choose an image file to search with."
        )
    try:
        sha = store_query_image(form.cleaned_data["image"])
    except ValidationError as exc:
        return _image_error(request, search_form, exc.messages[0])
    params = {
        k: v
        for k, v in request.POST.lists()
        if k in SearchForm.base_fields and k != "img"
    }
    params["img"] = [sha]
    return redirect(f"{reverse('search:home')}?{urlencode(params, doseq=True)}")


def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        Item.objects.visible_to(request.user).prefetch_related(
            *item_detail_prefetches(with_pages=True)
        ),
        pk=pk,
    )
    return render(
        request,
        "search/item.html",
        {"item": item, "similar": similar_items(item, user=request.user, k=8)},
    )


def _image_error(request, search_form, message: str) -> HttpResponse:
    context = {"form": search_form, "presets": list(PRESETS), "spaces": _spaces(),
               "error": message, "rag_enabled": chat_configured()}  # fmt: skip
    return render(request, "search/search.html", context, status=400)


def _spaces():
    return EmbeddingSpace.objects.filter(state=SpaceState.ACTIVE).order_by("name")


def _without(query, *names: str) -> str:
    params = query.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()
