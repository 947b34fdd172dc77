"""Project wiring: settings, URLs, the Celery app and the embedded database bootstrap."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
