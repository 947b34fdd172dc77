"""Admin for search vocabulary."""

from django.contrib import admin

from search.models import Synonym


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["term", "alternatives", "updated_at"]
    search_fields = ["term", "alternatives"]
