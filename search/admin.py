"""Admin for search vocabulary and the evaluation history."""

import json

from django.contrib import admin
from django.utils.html import format_html

from search.evaluation.runner import REFERENCE
from search.models import EvaluationRun, Synonym


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["term", "alternatives", "updated_at"]
    search_fields = ["term", "alternatives"]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    """History only: runs are written by `manage.py evaluate`, never edited by hand."""

    list_display = [
        "created_at",
        "set_name",
        "splits",
        "first_config",
        "mrr",
        "bm25_mrr",
    ]
    list_filter = ["set_name"]
    readonly_fields = ["created_at", "set_name", "splits", "verdict", "pretty_config",
                       "pretty_metrics"]  # fmt: skip
    exclude = ["config", "metrics", "per_query"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="configuration")
    def first_config(self, run: EvaluationRun) -> str:
        return (run.config.get("configs") or [{}])[0].get("name", "")

    @admin.display(description="MRR@10 per split")
    def mrr(self, run: EvaluationRun) -> str:
        return ", ".join(f"{s}: {v:.3f}" for s, v in run.headline().items())

    @admin.display(description="BM25 MRR@10")
    def bm25_mrr(self, run: EvaluationRun) -> str:
        return ", ".join(
            f"{split}: {configs.get(REFERENCE, {}).get('all', {}).get('mrr@10', 0):.3f}"
            for split, configs in run.metrics.items()
        )

    @admin.display(description="config")
    def pretty_config(self, run: EvaluationRun) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(run.config, indent=2, ensure_ascii=False)
        )

    @admin.display(description="metrics")
    def pretty_metrics(self, run: EvaluationRun) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(run.metrics, indent=2, ensure_ascii=False)
        )
