"""Which stored media file a user may see: an image, thumbnail or PDF of an item they can see.

Uploaded files have unguessable names, but a name is not access control: a draft's image
URL, once seen (a shared screenshot, a browser history), must stop working for anyone who
cannot see the draft. So media are served only through this check, never by path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from items.models import Item, ItemFile, ItemImage, Status


@dataclass(frozen=True)
class MediaFile:
    path: Path
    public: bool  # the item is published: caches may keep it


def find_visible_media(*, name: str, user) -> MediaFile | None:
    """The file stored under `name` if `user` may see its item, else None."""
    if not name or name.startswith("/") or ".." in Path(name).parts or "\x00" in name:
        return None
    owner = (
        ItemImage.objects.filter(Q(image=name) | Q(thumbnail=name))
        .select_related("item")
        .only("image", "thumbnail", "item__status")
        .first()
    ) or (
        ItemFile.objects.filter(file=name)
        .select_related("item")
        .only("file", "item__status")
        .first()
    )
    if owner is None:
        return None
    if not Item.objects.visible_to(user).filter(pk=owner.item_id).exists():
        return None
    path = Path(settings.MEDIA_ROOT) / name
    if not path.is_file():
        return None
    return MediaFile(path=path, public=owner.item.status == Status.PUBLISHED)
