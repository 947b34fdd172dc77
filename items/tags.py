"""Tag normalisation shared by the model, forms and the API."""

from __future__ import annotations

from collections.abc import Iterable

MAX_TAGS = 30
MAX_TAG_LENGTH = 64


def fold_tag(tag: str) -> str:
    """One tag as stored and as searched: spaces collapsed, case folded."""
    return " ".join(str(tag).split()).casefold()


def normalize_tags(tags: Iterable[str] | None) -> list[str]:
    """Trim, fold case and collapse spaces; drop empties and duplicates, keeping order.

    Korean has no case, so `casefold` only affects Latin letters.
    """
    result: list[str] = []
    for raw in tags or []:
        tag = fold_tag(raw)
        if not tag or tag in result:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValueError(
                f"Tag {tag[:20]!r}… is longer than {MAX_TAG_LENGTH} characters."
            )
        result.append(tag)
    if len(result) > MAX_TAGS:
        raise ValueError(f"At most {MAX_TAGS} tags per item (got {len(result)}).")
    return result
