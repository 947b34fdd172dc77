from django.apps import AppConfig


class ItemsConfig(AppConfig):
    name = "items"
    verbose_name = "Content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from items import file_cleanup

        file_cleanup.connect()
