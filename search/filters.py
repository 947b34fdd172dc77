"""Which items a search may return: visibility first, then the user's filters."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from items.models import Item, Status


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    subject: str = ""
    statuses: tuple[str, ...] = field(default=())  # honoured for staff only


def visible_items(user, filters: Filters) -> QuerySet[Item]:
    """Anonymous users and non-staff see published items only, whatever they ask for."""
    items = Item.objects.visible_to(user)
    is_staff = user is not None and user.is_active and user.is_staff
    if filters.statuses and is_staff:
        items = items.filter(status__in=filters.statuses)
    elif is_staff:
        items = items.exclude(status=Status.ARCHIVED)
    if filters.kinds:
        items = items.filter(kind__in=filters.kinds)
    if filters.languages:
        items = items.filter(language__in=filters.languages)
    if filters.tags:
        items = items.filter(tags__overlap=list(filters.tags))
    if filters.subject:
        items = items.filter(subject=filters.subject)
    return items
