"""Editor-managed search vocabulary."""

from __future__ import annotations

import time

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models


class Synonym(models.Model):
    """Query words that should also find other words, applied at query time: editing a
    synonym changes results with no reindexing (within `SYNONYMS_TTL` in other server
    processes)."""

    term = models.CharField(max_length=100, unique=True, help_text="e.g. 머그컵")
    alternatives = ArrayField(
        models.CharField(max_length=100),
        help_text="Comma-separated, e.g. 머그, mug, cup",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term} → {', '.join(self.alternatives)}"

    def clean(self) -> None:
        self.term = " ".join(self.term.split()).casefold()
        self.alternatives = [
            a
            for a in dict.fromkeys(
                " ".join(x.split()).casefold() for x in self.alternatives
            )
            if a
        ]
        if not self.term:
            raise ValidationError({"term": "A term is required."})
        if len(self.term.split()) > 1:
            raise ValidationError(
                {"term": "One word: synonyms expand single query words."}
            )
        if not self.alternatives:
            raise ValidationError({"alternatives": "Give at least one alternative."})


# Every text search reads the synonyms; they change when an editor saves one. Kept per
# process for SYNONYMS_TTL seconds and dropped at once by this process's own saves and
# deletes (search/apps.py), so an edit applies at once where it was made and within the
# TTL in the other server processes, and a search spends no statement on them.
SYNONYMS_TTL = 30.0
_synonyms: tuple[float, dict[str, list[str]]] | None = None


def synonym_map() -> dict[str, list[str]]:
    global _synonyms
    cached, now = _synonyms, time.monotonic()
    if cached is not None and now - cached[0] < SYNONYMS_TTL:
        return cached[1]
    found = dict(Synonym.objects.values_list("term", "alternatives"))
    _synonyms = (now, found)
    return found


def forget_synonyms(**_: object) -> None:
    global _synonyms
    _synonyms = None


class EvaluationRun(models.Model):
    """One `manage.py evaluate` run: what was measured, with which configuration, and the
    figures, so editors can see quality over time (the admin list is read-only)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    set_name = models.CharField(max_length=200)
    splits = ArrayField(models.CharField(max_length=16), default=list)
    config = models.JSONField(default=dict, help_text="Configurations and options run.")
    metrics = models.JSONField(
        default=dict, help_text="split → configuration → category → metric."
    )
    per_query = models.JSONField(default=dict, help_text="configuration → outcomes.")
    verdict = models.TextField(blank=True, help_text="The A/B verdict of --compare.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.set_name} at {self.created_at:%Y-%m-%d %H:%M}"

    def headline(self, metric: str = "mrr@10") -> dict[str, float]:
        """Per split, `metric` of the first configuration over all queries."""
        first = (self.config.get("configs") or [{}])[0].get("name")
        return {
            split: round(configs.get(first, {}).get("all", {}).get(metric, 0.0), 3)
            for split, configs in self.metrics.items()
        }
