"""What a browser posts for the item form's inlines: each inline's management form."""

from __future__ import annotations

# The item form's inlines, by prefix: its images and its PDF documents.
ITEM_INLINES = ("images", "files")


def management_form(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def item_inlines(*, images: int = 0, files: int = 0) -> dict[str, str]:
    """Management forms for new images and new PDFs (no existing rows)."""
    return {**management_form("images", images), **management_form("files", files)}
