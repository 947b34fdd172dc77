"""What the interface layer calls for RAG: context for a question, and an answer from
the configured chat model with the passages it cited (whole, or streamed)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from search.rag.chat import (
    ChatConfig,
    ChatError,
    ChatFailed,
    ChatNotConfigured,
    ChatTimeout,
    chat_configured,
    complete_chat,
    stream_chat,
)
from search.rag.context import (
    DEFAULT_K,
    DEFAULT_TOKEN_BUDGET,
    MAX_K,
    MAX_QUESTION_CHARS,
    MAX_TOKEN_BUDGET,
    MIN_TOKEN_BUDGET,
    Passage,
    RagContext,
    RagInputError,
    RagQuery,
    build_context,
    check_query,
)

__all__ = [
    "DEFAULT_K",
    "DEFAULT_TOKEN_BUDGET",
    "MAX_K",
    "MAX_QUESTION_CHARS",
    "MAX_TOKEN_BUDGET",
    "MIN_TOKEN_BUDGET",
    "ChatError",
    "ChatFailed",
    "ChatNotConfigured",
    "ChatTimeout",
    "Passage",
    "RagAnswer",
    "RagContext",
    "RagInputError",
    "RagQuery",
    "answer_question",
    "build_context",
    "chat_configured",
    "cited_passages",
    "open_answer_stream",
]

# "[2]", "[1][3]", "[1, 3]" and "[1,3]": what models write when told to cite by number.
CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
NOTHING_FOUND = (
    "No passage you may see matches this question, so there is nothing to answer from."
)


@dataclass(frozen=True)
class RagAnswer:
    answer: str
    citations: list[tuple[int, Passage]]  # (marker number, passage), in order of use
    model: str
    took_ms: int


def cited_passages(answer: str, passages: list[Passage]) -> list[tuple[int, Passage]]:
    """The passages whose [n] markers the answer uses, in order of first use; markers
    that name no passage (a model inventing [9]) are ignored."""
    cited: dict[int, Passage] = {}
    for group in CITATION.findall(answer):
        for number in (int(n) for n in group.split(",")):
            if 1 <= number <= len(passages) and number not in cited:
                cited[number] = passages[number - 1]
    return list(cited.items())


def answer_question(*, query: RagQuery, user) -> RagAnswer:
    """Raises RagInputError (bad input), ChatNotConfigured, ChatFailed, ChatTimeout."""
    started = time.monotonic()
    context, config = _prepare(query, user)
    if not context.passages:
        text, model = NOTHING_FOUND, config.model
    else:
        reply = complete_chat(messages=_messages(context), config=config)
        text, model = reply.text, reply.model
    return RagAnswer(
        answer=text,
        citations=cited_passages(text, context.passages),
        model=model,
        took_ms=int((time.monotonic() - started) * 1000),
    )


@dataclass
class AnswerStream:
    """Events of a streamed answer: ("delta", text)… then ("done", RagAnswer), or
    ("error", ChatError) when the endpoint fails mid-answer (the status line is long
    sent by then)."""

    context: RagContext
    config: ChatConfig
    started: float
    chat: Iterable[str] | None  # None: nothing to ask the model

    def __iter__(self) -> Iterator[tuple[str, object]]:
        parts: list[str] = []
        model = self.config.model
        if self.chat is None:
            parts.append(NOTHING_FOUND)
            yield "delta", NOTHING_FOUND
        else:
            try:
                for delta in self.chat:
                    parts.append(delta)
                    yield "delta", delta
            except ChatError as exc:
                yield "error", exc
                return
            model = getattr(self.chat, "model", "") or model
        text = "".join(parts)
        yield (
            "done",
            RagAnswer(
                answer=text,
                citations=cited_passages(text, self.context.passages),
                model=model,
                took_ms=int((time.monotonic() - self.started) * 1000),
            ),
        )


def open_answer_stream(*, query: RagQuery, user) -> AnswerStream:
    """Retrieves and connects before returning, so bad input, a missing, refused or
    failing endpoint raise here (a proper HTTP status), not in the middle of a stream."""
    started = time.monotonic()
    context, config = _prepare(query, user)
    chat = (
        stream_chat(messages=_messages(context), config=config)
        if context.passages
        else None
    )
    return AnswerStream(context=context, config=config, started=started, chat=chat)


def _prepare(query: RagQuery, user) -> tuple[RagContext, ChatConfig]:
    """Input checked first (a 400 wins), then configuration (503) before any search."""
    check_query(query)
    config = ChatConfig.from_settings()
    return build_context(query=query, user=user), config


def _messages(context: RagContext) -> list[dict]:
    # One user message holding instructions, passages and question: the same text
    # /api/rag/context returns, and it works with models that have no system role.
    return [{"role": "user", "content": context.prompt}]
