from django.apps import AppConfig


class EmbeddingsConfig(AppConfig):
    name = "embeddings"
    verbose_name = "Embeddings and processing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from embeddings import checks, signals

        signals.connect()
        checks.register()
        # Like contenttypes and permissions: rows that must exist after every migrate.
        post_migrate.connect(_create_default_spaces, sender=self)


def _create_default_spaces(sender, **kwargs) -> None:
    from embeddings.vectors.spaces import ensure_default_spaces

    ensure_default_spaces()
