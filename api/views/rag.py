"""POST /api/rag/context and POST /api/rag/answer (docs/rag.md): thin over
search.rag.services."""

from __future__ import annotations

import json

from django.http import StreamingHttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.errors import ServiceUnavailable, UpstreamFailed, UpstreamTimeout, error_body
from api.rag_serializers import (
    RagAnswerRequestSerializer,
    RagAnswerResponseSerializer,
    RagContextRequestSerializer,
    RagContextResponseSerializer,
)
from api.serializers import ErrorSerializer
from search.rag.services import (
    ChatFailed,
    ChatNotConfigured,
    ChatTimeout,
    RagInputError,
    RagQuery,
    answer_question,
    build_context,
    open_answer_stream,
)

# One server-sent event of a streamed answer; `data` is JSON text (docs/rag.md).
SSE_EVENT = inline_serializer(
    name="RagAnswerEvent",
    fields={
        "event": serializers.ChoiceField(choices=["delta", "done", "error"]),
        "data": serializers.CharField(),
    },
)


class JsonWhateverAccepted(BaseContentNegotiation):
    """Errors are JSON even for a client that accepts only text/event-stream (an
    EventSource): a 406 would hide the reason."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return next(
            (p for p in parsers if p.media_type == request.content_type.split(";")[0]),
            None,
        )


class RagContextView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "search"

    @extend_schema(
        summary="RAG context: the best passages for a question, and a cited prompt",
        description="Hybrid retrieval with the search's filters and visibility "
        "(anonymous callers: published items only).",
        request=RagContextRequestSerializer,
        responses={
            200: RagContextResponseSerializer,
            400: ErrorSerializer,
            429: ErrorSerializer,
        },
        tags=["rag"],
    )
    def post(self, request):
        query, _ = _query(request, RagContextRequestSerializer)
        try:
            context = build_context(query=query, user=request.user)
        except RagInputError as exc:
            raise ValidationError({exc.param: [str(exc)]}) from exc
        return Response({
            "passages": [
                _passage(request, n, p) for n, p in enumerate(context.passages, 1)
            ],
            "prompt": context.prompt,
            "tokens": context.tokens,
            "took_ms": context.took_ms,
        })  # fmt: skip


class RagAnswerView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "rag"
    content_negotiation_class = JsonWhateverAccepted

    @extend_schema(
        summary="Answer a question from cited passages with the configured chat model",
        description="503 when no chat endpoint is configured (RAG_CHAT_URL), 502 when "
        "it fails, 504 when it does not answer in RAG_CHAT_TIMEOUT seconds. With "
        "`stream: true` the answer is text/event-stream: `delta` events "
        '({"text"}), then `done` ({"answer", "citations", "model", "took_ms"}), or '
        '`error` ({"error": {...}}) when the model fails mid-answer.',
        request=RagAnswerRequestSerializer,
        responses={
            (200, "application/json"): RagAnswerResponseSerializer,
            (200, "text/event-stream"): SSE_EVENT,
            **{status: ErrorSerializer for status in (400, 429, 502, 503, 504)},
        },
        tags=["rag"],
    )
    def post(self, request):
        query, data = _query(request, RagAnswerRequestSerializer)
        try:
            if data["stream"]:
                stream = open_answer_stream(query=query, user=request.user)
                return _event_stream(request, stream)
            answer = answer_question(query=query, user=request.user)
        except RagInputError as exc:
            raise ValidationError({exc.param: [str(exc)]}) from exc
        except ChatNotConfigured as exc:
            raise ServiceUnavailable(str(exc), code="chat_not_configured") from exc
        except ChatTimeout as exc:
            raise UpstreamTimeout(str(exc)) from exc
        except ChatFailed as exc:
            raise UpstreamFailed(str(exc)) from exc
        return Response(_answer(request, answer))


def _query(request, serializer_class) -> tuple[RagQuery, dict]:
    params = serializer_class(data=request.data)
    params.is_valid(raise_exception=True)
    data = params.validated_data
    filters = data.get("filters") or {}
    query = RagQuery(
        question=data["question"], kinds=tuple(filters.get("kind", ())),
        languages=tuple(filters.get("language", ())),
        tags=tuple(filters.get("tags", ())), statuses=tuple(filters.get("status", ())),
        k=data["k"], token_budget=data["token_budget"],
    )  # fmt: skip
    return query, data


def _passage(request, n: int, passage) -> dict:
    return {
        "n": n, "item_id": passage.item_id, "title": passage.title,
        "url": request.build_absolute_uri(passage.url), "page": passage.page,
        "start": passage.start, "end": passage.end, "text": passage.text,
        "score": passage.score,
    }  # fmt: skip


def _answer(request, answer) -> dict:
    return {
        "answer": answer.answer,
        "citations": [_passage(request, n, p) for n, p in answer.citations],
        "model": answer.model,
        "took_ms": answer.took_ms,
    }


def _event_stream(request, stream) -> StreamingHttpResponse:
    def events():
        for kind, value in stream:
            if kind == "delta":
                yield _event("delta", {"text": value})
            elif kind == "done":
                yield _event("done", _answer(request, value))
            else:
                status = 504 if isinstance(value, ChatTimeout) else 502
                yield _event("error", error_body(str(value), status_code=status))

    response = StreamingHttpResponse(
        events(), content_type="text/event-stream; charset=utf-8"
    )
    # Each delta must reach the browser as it comes: no caching, no proxy buffering.
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _event(name: str, data: dict) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
