"""The `openai` backend: a space served by OpenAI-compatible `/v1/embeddings` servers.

vLLM, TEI, infinity and this portal's own `/v1/embeddings` all qualify. The space's
`options` say how to reach and how to call the model (docs/models.md has the table):
URLs of replicas of one model, the *name* of an environment variable holding the API key
(never the key), timeout, batch size, concurrency, the input format, per-space query and
document instructions, and Matryoshka truncation.

Reaching the model (`urls`, `api_key_env`, `timeout`, …) is not part of the space's model
signature, so adding a replica re-embeds nothing; how inputs are formed (instructions,
input format, truncation) is, so changing it re-embeds every item.
"""

from __future__ import annotations

import base64
import io
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

from embeddings.encoders.base import Encoder, ModelUnavailable
from embeddings.runtime.replicas import ReplicaPool

logger = logging.getLogger(__name__)

INPUT_FORMATS = ("input", "messages")
# Qwen3-Embedding's documented query format; e5-style models use query_prefix instead.
DEFAULT_INSTRUCTION_TEMPLATE = "Instruct: {instruction}\nQuery: {text}"
PROBE_TIMEOUT_SECONDS = 5.0
# Fields of a `/models` entry that name the weights behind a model id (vLLM's `root`,
# TEI's `model_sha`, a `revision`), kept as the model's identity facts. Others (`created`,
# availability) change on every restart.
IDENTITY_FIELDS = ("root", "parent", "revision", "model_sha")


@dataclass(frozen=True)
class OpenAICompatConfig:
    urls: list[str]
    model: str
    dimension: int
    api_key_env: str = ""
    timeout: float = 30.0
    batch_size: int = 32
    max_concurrency: int = 4
    retries: int = 2
    backoff: float = 0.5
    cooldown: float = 30.0
    input_format: str = "input"  # "input": strings and data URIs; "messages": vLLM chat
    query_instruction: str = ""
    document_instruction: str = ""
    instruction_template: str = DEFAULT_INSTRUCTION_TEMPLATE
    # Matryoshka: keep the first `dimension` values of a longer output, re-normalise.
    truncate: bool = False
    send_dimensions: bool = False  # ask the server for `dimensions` (OpenAI v3, portal)
    send_input_type: bool = False  # "input_type": query|document (this portal, NIM)
    send_modality: bool = False  # "modality": text|image (infinity's CLIP models)

    @classmethod
    def from_options(
        cls, *, options: dict, model: str, dimension: int
    ) -> OpenAICompatConfig:
        urls = options.get("urls") or ([options["url"]] if options.get("url") else [])
        return cls(
            urls=list(urls),
            model=model,
            dimension=dimension,
            api_key_env=options.get("api_key_env", ""),
            timeout=float(options.get("timeout", 30)),
            batch_size=int(options.get("batch_size", 32)),
            max_concurrency=int(options.get("max_concurrency", 4)),
            retries=int(options.get("retries", 2)),
            backoff=float(options.get("backoff_seconds", 0.5)),
            cooldown=float(options.get("cooldown_seconds", 30)),
            input_format=options.get("input_format", "input"),
            query_instruction=options.get("query_instruction", ""),
            document_instruction=options.get("document_instruction", ""),
            instruction_template=options.get(
                "instruction_template", DEFAULT_INSTRUCTION_TEMPLATE
            ),
            truncate=bool(options.get("truncate", False)),
            send_dimensions=bool(options.get("send_dimensions", False)),
            send_input_type=bool(options.get("send_input_type", False)),
            send_modality=bool(options.get("send_modality", False)),
        )


def check_options(options: dict) -> dict[str, str]:
    """Form errors for an `openai` space's options (EmbeddingSpace.clean)."""
    errors: list[str] = []
    urls = options.get("urls") or ([options["url"]] if options.get("url") else [])
    if not isinstance(urls, list) or not urls:
        errors.append('options.urls must list at least one base URL, e.g. '
                      '["http://gpu-1:8000/v1"].')  # fmt: skip
    elif not all(
        isinstance(u, str) and u.startswith(("http://", "https://")) for u in urls
    ):
        errors.append("every entry of options.urls must be an http(s) URL.")
    key_env = options.get("api_key_env", "")
    if not isinstance(key_env, str) or (key_env and not key_env.isidentifier()):
        errors.append(
            "options.api_key_env is the NAME of an environment variable "
            "(e.g. EMBED_API_KEY), never the key itself."
        )
    if options.get("input_format", "input") not in INPUT_FORMATS:
        errors.append(
            f"options.input_format must be one of {', '.join(INPUT_FORMATS)}."
        )
    for name in ("timeout", "batch_size", "max_concurrency"):
        value = options.get(name, 1)
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            errors.append(f"options.{name} must be a positive number.")
    template = options.get("instruction_template", DEFAULT_INSTRUCTION_TEMPLATE)
    try:
        str(template).format(instruction="", text="")
        usable = "{text}" in str(template)
    except (KeyError, IndexError, ValueError):
        usable = False
    if not usable:
        errors.append(
            "options.instruction_template must contain {text} and may use "
            "{instruction}; no other {placeholders}."
        )
    return {"options": " ".join(errors)} if errors else {}


class OpenAICompatEncoder(Encoder):
    """Embeds through a ReplicaPool; reports the space unavailable while no replica answers."""

    def __init__(self, config: OpenAICompatConfig, *, space_id: int | None = None):
        self.config = config
        self.dimension = config.dimension
        self.space_id = space_id
        api_key = ""
        if config.api_key_env:
            api_key = os.environ.get(config.api_key_env, "")
            if not api_key:
                raise ModelUnavailable(
                    f"the environment variable {config.api_key_env} (the API key for "
                    f"{config.model}) is not set"
                )
        self.pool = ReplicaPool(
            name=f"{config.model} at {len(config.urls)} endpoint(s)",
            urls=config.urls,
            api_key=api_key,
            timeout=config.timeout,
            retries=config.retries,
            backoff=config.backoff,
            cooldown=config.cooldown,
            max_concurrency=config.max_concurrency,
        )
        self._reported_unavailable = False
        self.description = f"{config.model} via {', '.join(self.pool.urls)}"
        self._served: dict = {}
        self._probe()

    @classmethod
    def from_space(cls, space) -> OpenAICompatEncoder:
        config = OpenAICompatConfig.from_options(
            options=space.options or {},
            model=space.model_name,
            dimension=space.dimension,
        )
        return cls(config, space_id=space.pk)

    # -- the Encoder interface -------------------------------------------------------

    # An embedding call at load time could wait on itself (a portal serving its own
    # space): the model's identity is what its server lists, and the dimension.
    probe_at_load = False

    def identity_facts(self) -> dict:
        return dict(self._served)

    def encode_texts(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        instruction = (
            self.config.query_instruction if query else self.config.document_instruction
        )
        if self.config.input_format == "messages":
            return self._embed_each(
                [_messages(instruction, {"type": "text", "text": t}) for t in texts]
            )
        if instruction:
            texts = [
                self.config.instruction_template.format(instruction=instruction, text=t)
                for t in texts
            ]
        return self._embed_inputs(
            list(texts), input_type="query" if query else "document", modality="text"
        )

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        uris = [to_data_uri(image) for image in images]
        if self.config.input_format == "messages":
            part = "image_url"
            return self._embed_each(
                [
                    _messages(
                        self.config.document_instruction,
                        {"type": part, part: {"url": uri}},
                    )
                    for uri in uris
                ]
            )
        return self._embed_inputs(uris, input_type="document", modality="image")

    # -- requests --------------------------------------------------------------------

    def _embed_inputs(
        self, inputs: list[str], *, input_type: str, modality: str
    ) -> np.ndarray:
        """`input` lists of at most batch_size, sent max_concurrency at a time."""
        size = self.config.batch_size
        batches = [inputs[i : i + size] for i in range(0, len(inputs), size)]

        def one(batch: list[str]) -> np.ndarray:
            payload: dict = {"input": batch}
            if self.config.send_input_type:
                payload["input_type"] = input_type
            if self.config.send_modality:
                payload["modality"] = modality
            return self._post(payload, count=len(batch))

        return self._gather(one, batches)

    def _embed_each(self, conversations: list[list[dict]]) -> np.ndarray:
        """vLLM's chat-style embedding request takes one conversation per call."""
        return self._gather(
            lambda msgs: self._post({"messages": msgs}, count=1), conversations
        )

    def _gather(self, call, chunks: list) -> np.ndarray:
        self._check_recovered_elsewhere()
        if not chunks:
            return np.zeros((0, self.dimension), dtype=np.float32)
        try:
            if len(chunks) == 1 or self.config.max_concurrency == 1:
                parts = [call(chunk) for chunk in chunks]
            else:
                workers = min(self.config.max_concurrency, len(chunks))
                with ThreadPoolExecutor(max_workers=workers) as executor:
                    parts = list(executor.map(call, chunks))
        except ModelUnavailable as exc:
            # Recorded here, in the caller's thread: the executor's threads must not open
            # database connections of their own.
            self._record_state(available=False, reason=str(exc))
            raise
        if self._reported_unavailable:
            self._record_state(available=True, reason="")
        return np.concatenate(parts, axis=0)

    def _post(self, payload: dict, *, count: int) -> np.ndarray:
        payload = {"model": self.config.model, **payload, "encoding_format": "float"}
        if self.config.send_dimensions:
            payload["dimensions"] = self.dimension
        answer = self.pool.post_json("/embeddings", payload)
        return self._vectors(answer, count=count)

    def _vectors(self, answer: object, *, count: int) -> np.ndarray:
        """The answer's vectors in input order; a wrong size is left for check_vectors,
        which fails the job with the reason (it is the model's output, not the network)."""
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or len(data) != count:
            got = len(data) if isinstance(data, list) else "no"
            raise ValueError(
                f"{self.config.model} answered {got} embeddings for {count} inputs"
            )
        rows = sorted(data, key=lambda row: row.get("index", 0))
        lengths = {len(row.get("embedding") or []) for row in rows}
        if len(lengths) != 1:
            raise ValueError(f"{self.config.model} answered vectors of sizes {lengths}")
        vectors = np.array([row["embedding"] for row in rows], dtype=np.float32)
        if self.config.truncate and vectors.shape[1] > self.dimension:
            vectors = truncate(vectors, self.dimension)
        return vectors

    # -- availability ----------------------------------------------------------------

    def _probe(self) -> None:
        """Loading a remote model = some replica answers and serves it (GET /models).

        An embedding call would also prove the dimension, but a portal serving its own
        space would then wait on itself; a wrong dimension fails the first job instead.
        """
        # The registry builds encoders under its lock: a blackholed host must not hold
        # every other space for timeout × replicas × rounds, so one short round only.
        probe = ReplicaPool(
            name=self.pool.name,
            urls=self.pool.urls,
            api_key=self.pool.api_key,
            timeout=min(self.config.timeout, PROBE_TIMEOUT_SECONDS),
            retries=0,
        )
        answer = probe.get_json("/models")  # ModelUnavailable when nothing answers
        listed = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(listed, list):
            return  # a server without a model list still answered
        entry = next((m for m in listed if m.get("id") == self.config.model), None)
        if entry is None:
            served = ", ".join(str(m.get("id")) for m in listed) or "nothing"
            raise ModelUnavailable(
                f"the server does not serve {self.config.model!r} (it serves {served})"
            )
        if entry.get("available") is False:  # this portal reports its own spaces' state
            raise ModelUnavailable(
                f"{self.config.model} is unavailable at its server: "
                f"{entry.get('unavailable_reason', '')}"
            )
        self._served = {k: entry[k] for k in IDENTITY_FIELDS if entry.get(k)}

    def _record_state(self, *, available: bool, reason: str) -> None:
        """The circuit opened or closed: show it wherever the space's state is shown."""
        if self.space_id is None or (
            not available and self._reported_unavailable and self.pool.is_open
        ):
            return  # already shown; calls failing fast must not write on every job
        self._reported_unavailable = not available
        from django.utils import timezone

        from embeddings.models import EmbeddingSpace

        EmbeddingSpace.objects.filter(pk=self.space_id).update(
            available=available, unavailable_reason=reason, checked_at=timezone.now()
        )

    def _check_recovered_elsewhere(self) -> None:
        """An open circuit closes early once another process (the sweeper's re-check)
        saw the space available after it opened, so released jobs do not park again."""
        if not self.pool.is_open or self.space_id is None:
            return
        from datetime import UTC, datetime

        from embeddings.models import EmbeddingSpace

        opened = datetime.fromtimestamp(self.pool.opened_at, tz=UTC)
        if EmbeddingSpace.objects.filter(
            pk=self.space_id, available=True, checked_at__gt=opened
        ).exists():
            self.pool.reset()
            self._reported_unavailable = False  # the next outage must be shown again


def truncate(vectors: np.ndarray, dimension: int) -> np.ndarray:
    """Matryoshka truncation: the leading `dimension` values, made unit length again.

    A zero row stays zero so the vector check refuses it instead of dividing by zero.
    """
    head = vectors[:, :dimension]
    norms = np.linalg.norm(head, axis=1, keepdims=True)
    return np.divide(head, norms, out=np.zeros_like(head), where=norms > 0)


def to_data_uri(image: Image.Image) -> str:
    """PNG data URI, the image shape this portal's /v1/embeddings and vLLM accept."""
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _messages(instruction: str, part: dict) -> list[dict]:
    """One vLLM chat-embedding conversation: the instruction as system turn, the input
    as the user turn (the shape Qwen3-VL-Embedding is served with)."""
    messages = []
    if instruction:
        messages.append(
            {"role": "system", "content": [{"type": "text", "text": instruction}]}
        )
    messages.append({"role": "user", "content": [part]})
    return messages
