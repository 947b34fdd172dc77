"""Request and response shapes of /api/rag/context and /api/rag/answer."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers import SearchFiltersSerializer
from search.rag.services import (
    DEFAULT_K,
    DEFAULT_TOKEN_BUDGET,
    MAX_K,
    MAX_QUESTION_CHARS,
    MAX_TOKEN_BUDGET,
    MIN_TOKEN_BUDGET,
)


class RagContextRequestSerializer(serializers.Serializer):
    # Blank is let through so the service answers with its own, clearer message.
    question = serializers.CharField(
        max_length=MAX_QUESTION_CHARS, allow_blank=True, trim_whitespace=True
    )
    filters = SearchFiltersSerializer(required=False)
    k = serializers.IntegerField(
        required=False, default=DEFAULT_K, min_value=1, max_value=MAX_K,
        help_text="At most this many passages.",
    )  # fmt: skip
    token_budget = serializers.IntegerField(
        required=False, default=DEFAULT_TOKEN_BUDGET, min_value=MIN_TOKEN_BUDGET,
        max_value=MAX_TOKEN_BUDGET,
        help_text="Estimated tokens the whole prompt may take (Hangul syllable = 1, "
        "other characters = 1/4).",
    )  # fmt: skip


class RagAnswerRequestSerializer(RagContextRequestSerializer):
    stream = serializers.BooleanField(
        required=False, default=False,
        help_text="Answer as text/event-stream: `delta` events, then `done` with the "
        "citations (or `error`).",
    )  # fmt: skip


class PassageSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="The passage's citation number: [n].")
    item_id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(
        help_text="The item's page, at the cited page's anchor when there is one."
    )
    page = serializers.IntegerField(allow_null=True)
    start = serializers.IntegerField(help_text="Offset in the item's indexed text.")
    end = serializers.IntegerField()
    text = serializers.CharField()
    score = serializers.FloatField()


class RagContextResponseSerializer(serializers.Serializer):
    passages = PassageSerializer(many=True)
    prompt = serializers.CharField()
    tokens = serializers.IntegerField(help_text="Estimated tokens of the prompt.")
    took_ms = serializers.IntegerField()


class RagAnswerResponseSerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True)
    citations = PassageSerializer(many=True)
    model = serializers.CharField(allow_blank=True)
    took_ms = serializers.IntegerField()
