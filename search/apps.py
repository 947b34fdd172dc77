from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from search.models import Synonym, forget_synonyms
        from search.rag import checks

        checks.register()
        post_save.connect(forget_synonyms, sender=Synonym)
        post_delete.connect(forget_synonyms, sender=Synonym)
