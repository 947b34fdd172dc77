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


OTHER_STATUSES_LIMIT = 10
OTHER_STATUSES = (Status.DRAFT, Status.REVIEW)


def _is_staff(user) -> bool:
    return user is not None and user.is_active and user.is_staff


def result_sets(user, filters: Filters) -> tuple[QuerySet[Item], QuerySet[Item] | None]:
    """The items a search ranks as its results, and the unpublished items it lists apart
    (None: no separate list). Staff who chose statuses get exactly those as results;
    otherwise results are published items, and staff also see drafts and items in review
    apart. Everyone else sees published items only."""
    if not _is_staff(user) or filters.statuses:
        return visible_items(user, filters), None
    results = visible_items(user, filters).filter(status=Status.PUBLISHED)
    return results, visible_items(user, filters).filter(status__in=OTHER_STATUSES)


def visible_items(user, filters: Filters) -> QuerySet[Item]:
    """Anonymous users and non-staff see published items only, whatever they ask for."""
    items = Item.objects.visible_to(user)
    is_staff = _is_staff(user)
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
