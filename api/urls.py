"""API routes: /api/…, the OpenAI-compatible /v1/…, /health, and the OpenAPI schema.

The schema's docs page (/api/docs/) is routed in portal/urls.py: it needs the project's
CSP override, and api/ sits below portal/ (pyproject.toml's layers)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from api.views.classify import ClassifyView
from api.views.health import HealthView, LiveView, ReadyView
from api.views.items import ItemViewSet, JobViewSet
from api.views.openai import EmbeddingsView, ModelsView
from api.views.rag import RagAnswerView, RagContextView
from api.views.search import SearchView, SimilarView

router = DefaultRouter(trailing_slash=True)
router.register("items", ItemViewSet, basename="item")
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    path("api/", include(router.urls)),
    path("api/search/", SearchView.as_view(), name="api-search"),
    path("api/items/<int:pk>/similar/", SimilarView.as_view(), name="api-similar"),
    path("api/classify/", ClassifyView.as_view(), name="api-classify"),
    # With or without the trailing slash: a POST cannot follow APPEND_SLASH's redirect.
    re_path(r"^api/rag/context/?$", RagContextView.as_view(), name="api-rag-context"),
    re_path(r"^api/rag/answer/?$", RagAnswerView.as_view(), name="api-rag-answer"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("v1/embeddings", EmbeddingsView.as_view(), name="v1-embeddings"),
    path("v1/models", ModelsView.as_view(), name="v1-models"),
    path("health", HealthView.as_view(), name="health"),
    path("health/live", LiveView.as_view(), name="health-live"),
    path("health/ready", ReadyView.as_view(), name="health-ready"),
]
