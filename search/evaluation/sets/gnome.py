"""GNOME Help (gnome-user-docs): Mallard pages under help/<lang>/gnome-help/ as documents.

Each page's `<desc>` is a paraphrase-style query for its own page; the indexed body leaves
out `<info>` (where the desc lives) and the page title, so the query cannot be matched by
copying. For English (the `C` pages) a Korean desc judged against the English page of the
same id makes the cross-lingual category.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from search.evaluation.sets.corpus import BuiltSet, SourceDocument

MALLARD = "{http://projectmallard.org/1.0/}"
HELP = "usr/share/help"


def read_mallard(path: Path) -> tuple[str, str, str] | None:
    """(title, desc, body) of a page; None if it is not a usable topic page."""
    try:
        page = ET.parse(path).getroot()
    except ET.ParseError:
        return None
    info = page.find(f"{MALLARD}info")
    desc_element = info.find(f"{MALLARD}desc") if info is not None else None
    title_element = page.find(f"{MALLARD}title")
    desc = (
        " ".join("".join(desc_element.itertext()).split())
        if desc_element is not None
        else ""
    )
    title = (
        " ".join("".join(title_element.itertext()).split())
        if title_element is not None
        else ""
    )
    parts = []
    for child in page:
        if child is info or child is title_element:
            continue
        parts.append(" ".join(child.itertext()))
    body = " ".join(" ".join(parts).split())
    if not desc or not title or not body:
        return None
    return title, desc, body


def _pages(root: Path, language: str) -> dict[str, tuple[str, str, str]]:
    folder = root / HELP / language / "gnome-help"
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is missing from the package.")
    pages = {}
    for path in sorted(folder.glob("*.page")):
        read = read_mallard(path)
        if read is not None:
            pages[path.stem] = read
    return pages


def build_gnome_set(*, root: Path, language: str, name: str) -> BuiltSet:
    """`language` is "ko" or "en" (the package's `C` pages)."""
    folder = "C" if language == "en" else language
    pages = _pages(root, folder)
    built = BuiltSet(name=name)
    for page_id, (title, desc, body) in pages.items():
        key = f"{name}/{page_id}"
        built.documents.append(
            SourceDocument(key=key, title=title, body=body, language=language)
        )
        built.queries.append({
            "qid": f"{name}:{page_id}", "text": desc, "relevant": [key],
            "category": "paraphrase",
        })  # fmt: skip
    if language == "en":
        for page_id, (_, desc, _) in _pages(root, "ko").items():
            if page_id in pages:
                # English pages only, as a user asking in Korean for the English page
                # would filter: the Korean page of the same id is also searchable when
                # both sets are loaded, and would (rightly) come first.
                built.queries.append({
                    "qid": f"{name}:ko>{page_id}", "text": desc,
                    "relevant": [f"{name}/{page_id}"], "category": "cross-lingual",
                    "languages": ["en"],
                })  # fmt: skip
    return built
