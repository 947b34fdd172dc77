"""The demo content: test items, products and documents, each under a stable key.

The content itself is data, `catalog.toml`, editable without Python: each `[[items]]`
entry names its builder (`kind`: question, product or document), and each image names a
renderer from `RENDERERS` with the options it is drawn with. This module turns the file
into `ItemSpec`s; images are drawn only when an item is created."""

from __future__ import annotations

import tomllib
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from items.demo import images as img
from items.models import ItemKind, Language, Status

KO, EN, MIXED = Language.KOREAN, Language.ENGLISH, Language.MIXED


@dataclass(frozen=True)
class ImageSpec:
    filename: str
    render: Callable[[], bytes]  # called only when the item is actually created
    caption: str
    alt_text: str
    page_number: int | None = None


@dataclass(frozen=True)
class PdfSpec:
    filename: str
    render: Callable[[], bytes]  # called only when the item is actually created


@dataclass(frozen=True)
class ItemSpec:
    key: str
    kind: ItemKind
    title: str
    body: str
    subject: str
    language: Language
    tags: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.PUBLISHED
    images: tuple[ImageSpec, ...] = ()
    pdf: PdfSpec | None = None


@dataclass(frozen=True)
class Page:
    heading: str
    paragraphs: tuple[str, ...]
    header: str = ""
    stamp: str = ""
    serif: bool = True


def _seed(name: str) -> int:
    # crc32 rather than hash(): str hashes change per process, the images must not.
    return zlib.crc32(name.encode())


def figure(
    name: str, render: Callable[..., bytes], caption: str, alt: str, **options: Any
) -> ImageSpec:
    return ImageSpec(f"{name}.png", partial(render, **options), caption, alt)


def photo(
    name: str, render: Callable[..., bytes], caption: str, alt: str, **options: Any
) -> ImageSpec:
    render = partial(render, seed=_seed(name), **options)
    return ImageSpec(f"{name}.jpg", render, caption, alt)


def question(
    key: str,
    title: str,
    body: str,
    subject: str,
    *,
    tags: tuple[str, ...],
    language: Language = KO,
    status: Status = Status.PUBLISHED,
    meta: dict[str, Any],
    images: tuple[ImageSpec, ...] = (),
) -> ItemSpec:
    """A test item (문항); `meta` carries answer, grade, difficulty and unit."""
    return ItemSpec(
        key,
        ItemKind.TEST_ITEM,
        title,
        body,
        subject,
        language,
        tags,
        meta,
        status,
        images,
    )


def product(
    key: str,
    title: str,
    body: str,
    category: str,
    *,
    tags: tuple[str, ...],
    language: Language = MIXED,
    status: Status = Status.PUBLISHED,
    images: tuple[ImageSpec, ...] = (),
    **metadata: Any,
) -> ItemSpec:
    return ItemSpec(
        key,
        ItemKind.PRODUCT,
        title,
        body,
        category,
        language,
        tags,
        metadata,
        status,
        images,
    )


_PAGE_CAPTIONS = {
    KO: "{title} {n}쪽",
    EN: "{title}, page {n}",
    MIXED: "{title} {n}쪽 (page {n})",
}
_PAGE_ALTS = {
    KO: "'{heading}' 인쇄물을 스캔한 이미지 ({n}/{total}쪽)",
    EN: "Scan of the printed page '{heading}' ({n} of {total})",
    MIXED: "'{heading}' 스캔 이미지 / scanned page {n} of {total}",
}


def document(
    key: str,
    title: str,
    category: str,
    pages: tuple[Page, ...],
    *,
    tags: tuple[str, ...],
    language: Language = KO,
    status: Status = Status.PUBLISHED,
    scanned: bool = True,
    pdf: bool = False,
    **metadata: Any,
) -> ItemSpec:
    """A document whose body is the text of its pages and whose images are their scans.

    With `pdf`, the scans are bound into one PDF instead (a scanned handout as editors
    upload it) and the body is left empty: the text comes from OCR of its pages, and
    answers cite the page they come from."""
    body = "\n\n".join(f"{p.heading}\n{img.page_text(p.paragraphs)}" for p in pages)
    scans = tuple(
        ImageSpec(
            filename=f"{key}-p{n}.jpg",
            render=partial(
                img.scanned_page,
                heading=page.heading,
                paragraphs=page.paragraphs,
                header=page.header,
                stamp=page.stamp,
                serif=page.serif,
                page_number=n if len(pages) > 1 else None,
                seed=_seed(f"{key}-{n}"),
            ),
            caption=_PAGE_CAPTIONS[language].format(title=title, n=n),
            alt_text=_PAGE_ALTS[language].format(
                heading=page.heading, n=n, total=len(pages)
            ),
            page_number=n,
        )
        for n, page in enumerate(pages, start=1)
        if scanned
    )
    metadata = {"pages": len(pages), **metadata}
    bound = None
    if pdf:
        bound = PdfSpec(
            filename=f"{key}.pdf",
            render=partial(img.scanned_pdf, tuple(scan.render for scan in scans)),
        )
        body, scans = "", ()
    return ItemSpec(
        key,
        ItemKind.DOCUMENT,
        title,
        body,
        category,
        language,
        tags,
        metadata,
        status,
        scans,
        bound,
    )


# --- test items (문항) ------------------------------------------------------------------

# The drawings an image entry may name (`render = "bar_chart"`), each a function of its
# options returning image bytes.
RENDERERS: dict[str, Callable[..., bytes]] = {
    render.__name__: render
    for render in (
        img.right_triangle, img.coordinate_plane, img.inscribed_angle, img.number_line,
        img.bar_chart, img.line_chart, img.pie_chart, img.value_table, img.circuit,
        img.notebook, img.mug, img.backpack, img.headphones, img.water_bottle,
        img.calculator, img.tablet, img.sneakers, img.desk_lamp, img.scanned_page,
    )
}  # fmt: skip

CATALOG_FILE = Path(__file__).with_name("catalog.toml")


class CatalogError(ValueError):
    """The catalog file names something that does not exist; the message says where."""


def load_catalog(path: Path = CATALOG_FILE) -> tuple[ItemSpec, ...]:
    """Every entry of the catalog file as an ItemSpec, in file order."""
    with path.open("rb") as handle:
        entries = tomllib.load(handle)["items"]
    return tuple(_build(entry) for entry in entries)


def _build(entry: Mapping[str, Any]) -> ItemSpec:
    common: dict[str, Any] = {
        "tags": tuple(entry.get("tags", ())),
        "language": Language(entry["language"]),
        "status": Status(entry.get("status", Status.PUBLISHED)),
    }
    metadata = dict(entry.get("metadata", {}))
    kind = entry["kind"]
    if kind == "document":
        pages = tuple(
            Page(
                heading=page["heading"],
                paragraphs=tuple(page["paragraphs"]),
                header=page.get("header", ""),
                stamp=page.get("stamp", ""),
                serif=page.get("serif", True),
            )
            for page in entry["pages"]
        )
        return document(entry["key"], entry["title"], entry["subject"], pages,
                        scanned=entry.get("scanned", True), pdf=entry.get("pdf", False),
                        **common, **metadata)  # fmt: skip
    images = tuple(_image(entry["key"], image) for image in entry.get("images", ()))
    if kind == "question":
        return question(entry["key"], entry["title"], entry["body"], entry["subject"],
                        meta=metadata, images=images, **common)  # fmt: skip
    if kind == "product":
        return product(entry["key"], entry["title"], entry["body"], entry["subject"],
                       images=images, **common, **metadata)  # fmt: skip
    raise CatalogError(f"{entry['key']}: unknown kind {kind!r}")


def _image(key: str, image: Mapping[str, Any]) -> ImageSpec:
    builders = {"figure": figure, "photo": photo}
    try:
        render = RENDERERS[image["render"]]
        build = builders[image["style"]]
    except KeyError as exc:
        raise CatalogError(
            f"{key}: image {image.get('name')!r} names an unknown {exc.args[0]!r}; "
            f"renderers: {', '.join(sorted(RENDERERS))}; styles: figure, photo"
        ) from None
    options = {name: _frozen(value) for name, value in image.get("options", {}).items()}
    return build(image["name"], render, image["caption"], image["alt"], **options)


def _frozen(value: Any) -> Any:
    # TOML arrays load as lists; the renderers take tuples (colours, points, rows).
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


CATALOG: tuple[ItemSpec, ...] = load_catalog()
