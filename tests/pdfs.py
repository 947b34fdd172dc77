"""PDFs written byte by byte for tests: text pages (Helvetica), scanned pages (a JPEG drawn
over the page) and the hostile kinds the upload check must refuse.

Writing them here, rather than with a PDF library, keeps every byte under the test's
control: a decompression bomb, an encryption dictionary or an absurd page size is exactly
what the test says it is.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class TextPage:
    lines: tuple[str, ...]
    size: tuple[float, float] = (612, 792)  # US Letter, in points


@dataclass(frozen=True)
class ScanPage:
    """A scan drawn over the whole page as a JPEG; the page takes the scan's shape, as
    if it had been scanned at `dpi`."""

    png: bytes
    dpi: int = 150

    @property
    def size(self) -> tuple[float, float]:
        with Image.open(io.BytesIO(self.png)) as picture:
            return (picture.width * 72 / self.dpi, picture.height * 72 / self.dpi)


@dataclass(frozen=True)
class BombPage:
    inflated_bytes: int  # a content stream of this many spaces, Flate-compressed
    size: tuple[float, float] = (612, 792)


Page = TextPage | ScanPage | BombPage


def build_pdf(pages: list[Page], *, encrypted: bool = False) -> bytes:
    """A well-formed PDF 1.4 of the given pages, with a correct cross-reference table.

    `encrypted` adds a Standard security handler whose user password is not empty, so a
    reader cannot open the file without one: what a password-protected upload looks like.
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the page tree's number is known
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids: list[int] = []
    for page in pages:
        width, height = page.size
        width, height = round(width, 2), round(height, 2)
        resources = f"/Font << /F1 {font} 0 R >>".encode()
        if isinstance(page, TextPage):
            content = _stream(_text_content(page.lines, height))
        elif isinstance(page, ScanPage):
            image = add(_jpeg_xobject(page.png))
            resources += f" /XObject << /Im1 {image} 0 R >>".encode()
            content = _stream(f"q {width} 0 0 {height} 0 0 cm /Im1 Do Q".encode())
        else:
            content = _bomb_stream(page.inflated_bytes)
        contents = add(content)
        kids.append(
            add(
                f"<< /Type /Page /Parent {pages_obj} 0 R /MediaBox [0 0 {width} {height}] "
                f"/Contents {contents} 0 R /Resources << ".encode()
                + resources
                + b" >> >>"
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_obj} 0 R >>".encode()
    objects[pages_obj - 1] = (
        f"<< /Type /Pages /Count {len(kids)} /Kids [{' '.join(f'{k} 0 R' for k in kids)}] >>"
    ).encode()
    trailer = f"/Size {len(objects) + 1} /Root {catalog} 0 R"
    if encrypted:
        encrypt = add(
            b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 "
            b"/O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> >>"
        )
        trailer = (
            f"/Size {len(objects) + 1} /Root {catalog} 0 R /Encrypt {encrypt} 0 R "
            f"/ID [<{'01' * 16}> <{'01' * 16}>]"
        )
    return _assemble(objects, trailer)


def text_pdf(*pages: list[str]) -> bytes:
    return build_pdf([TextPage(tuple(lines)) for lines in pages])


def _assemble(objects: list[bytes], trailer: str) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< {trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _text_content(lines: tuple[str, ...], height: float) -> bytes:
    parts = [f"BT /F1 14 Tf 72 {height - 72:.0f} Td 18 TL".encode()]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        parts.append(b"(" + escaped.encode("latin-1") + b") Tj T*")
    parts.append(b"ET")
    return b"\n".join(parts)


def _stream(data: bytes) -> bytes:
    return f"<< /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def _jpeg_xobject(png: bytes) -> bytes:
    with Image.open(io.BytesIO(png)) as picture:
        rgb = picture.convert("RGB")
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=92)
    jpeg = out.getvalue()
    return (
        (
            f"<< /Type /XObject /Subtype /Image /Width {rgb.width} /Height {rgb.height} "
            f"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
            f"/Length {len(jpeg)} >>\nstream\n"
        ).encode()
        + jpeg
        + b"\nendstream"
    )


def _bomb_stream(inflated_bytes: int) -> bytes:
    """Spaces compressed 1 MB at a time: about 1,000:1, built without holding them."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    parts = []
    left = inflated_bytes
    while left > 0:
        parts.append(compressor.compress(chunk[: min(left, len(chunk))]))
        left -= len(chunk)
    parts.append(compressor.flush())
    data = b"".join(parts)
    return (
        f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode()
        + data
        + b"\nendstream"
    )
