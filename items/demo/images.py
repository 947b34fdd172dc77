"""Deterministic Pillow renderings for the demo: diagrams, product shots, scanned pages."""

from __future__ import annotations

import functools
import io
import itertools
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

RGB = tuple[int, int, int]
Point = tuple[float, float]
Box = tuple[float, float, float, float]
Stops = Sequence[tuple[float, RGB]]
# What ImageDraw accepts as a colour (PIL._typing._Ink, which is private).
Ink = float | tuple[int, ...] | str

# ImageDraw does not anti-alias shapes, so diagrams and product shots are drawn at this
# multiple of their output size and reduced; edges and thin lines come out smooth.
SUPERSAMPLE = 2
INK: RGB = (33, 37, 41)
WHITE: RGB = (255, 255, 255)
PALETTE: tuple[RGB, ...] = (
    (76, 114, 176),
    (221, 132, 82),
    (85, 168, 104),
    (196, 78, 82),
    (129, 114, 179),
    (147, 120, 96),
    (218, 139, 195),
    (140, 140, 140),
)
JPEG_QUALITY = 88

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/nanum"),
    Path("/usr/share/fonts/truetype/dejavu"),
)
# Nanum first (it has Hangul); DejaVu keeps Latin text working where Nanum is missing.
_FONT_FILES: dict[str, tuple[str, ...]] = {
    "gothic": ("NanumGothic.ttf", "DejaVuSans.ttf"),
    "gothic-bold": ("NanumGothicBold.ttf", "DejaVuSans-Bold.ttf"),
    "myeongjo": ("NanumMyeongjo.ttf", "DejaVuSerif.ttf"),
    "myeongjo-bold": ("NanumMyeongjoBold.ttf", "DejaVuSerif-Bold.ttf"),
    "square": ("NanumSquareB.ttf", "DejaVuSans-Bold.ttf"),
    "mono": ("NanumGothicCoding.ttf", "DejaVuSansMono.ttf"),
    "serif-italic": ("DejaVuSerif-Italic.ttf", "NanumMyeongjo.ttf"),
}
# Nanum has no U+2212 MINUS SIGN or MICRO SIGN; swap them rather than draw empty boxes.
_GLYPH_SWAPS = str.maketrans({"−": "-", "µ": "u"})


@functools.cache
def font(style: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in _FONT_FILES[style]:
        for folder in _FONT_DIRS:
            if (folder / name).exists():
                return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


# --- colour and encoding ---------------------------------------------------------------


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def darker(color: RGB, amount: float) -> RGB:
    return _mix(color, (0, 0, 0), amount)


def lighter(color: RGB, amount: float) -> RGB:
    return _mix(color, WHITE, amount)


def _on(color: RGB) -> RGB:
    """Text colour that reads on `color`."""
    luma = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    return INK if luma > 150 else WHITE


def _at(stops: Stops, t: float) -> RGB:
    for (t0, c0), (t1, c1) in itertools.pairwise(stops):
        if t <= t1:
            return _mix(c0, c1, (t - t0) / (t1 - t0) if t1 > t0 else 0.0)
    return stops[-1][1]


def _gradient(size: tuple[int, int], stops: Stops, *, horizontal: bool) -> Image.Image:
    strip = Image.new("RGB", (256, 1) if horizontal else (1, 256))
    strip.putdata([_at(stops, i / 255) for i in range(256)])
    return strip.resize(size, Image.Resampling.BILINEAR)


def _cylinder(color: RGB) -> Stops:
    """Horizontal shading of a lit cylinder: dark rims, a highlight left of centre."""
    return [
        (0.0, darker(color, 0.45)),
        (0.16, lighter(color, 0.18)),
        (0.3, lighter(color, 0.32)),
        (0.5, color),
        (0.86, darker(color, 0.28)),
        (1.0, darker(color, 0.5)),
    ]


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


# --- drawing in output pixels ----------------------------------------------------------


class Pen:
    """ImageDraw in output-pixel coordinates on an image `scale` times larger."""

    def __init__(
        self, image: Image.Image, *, scale: int = SUPERSAMPLE, origin: Point = (0, 0)
    ) -> None:
        self.image = image
        self.scale = scale
        self.origin = origin
        # On RGB canvases translucent fills blend; on layers and masks they replace.
        self.draw = ImageDraw.Draw(image, "RGBA" if image.mode == "RGB" else None)

    def p(self, x: float, y: float) -> tuple[int, int]:
        return (
            round((x - self.origin[0]) * self.scale),
            round((y - self.origin[1]) * self.scale),
        )

    def box(self, box: Box) -> tuple[int, int, int, int]:
        return (*self.p(box[0], box[1]), *self.p(box[2], box[3]))

    def w(self, width: float) -> int:
        return max(1, round(width * self.scale))

    def line(self, points: Sequence[Point], fill: Ink, width: float = 2) -> None:
        pts = [self.p(*pt) for pt in points]
        self.draw.line(pts, fill=fill, width=self.w(width), joint="curve")

    def polygon(
        self,
        points: Sequence[Point],
        fill: Ink | None = None,
        *,
        outline: Ink | None = None,
        width: float | None = None,
    ) -> None:
        self.draw.polygon(
            [self.p(*pt) for pt in points],
            fill=fill,
            outline=outline,
            width=self._outline_width(width),
        )

    def ellipse(
        self,
        box: Box,
        fill: Ink | None = None,
        *,
        outline: Ink | None = None,
        width: float | None = None,
    ) -> None:
        self.draw.ellipse(
            self.box(box), fill=fill, outline=outline, width=self._outline_width(width)
        )

    def circle(
        self,
        center: Point,
        radius: float,
        fill: Ink | None = None,
        *,
        outline: Ink | None = None,
        width: float | None = None,
    ) -> None:
        x, y = center
        self.ellipse(
            (x - radius, y - radius, x + radius, y + radius),
            fill,
            outline=outline,
            width=width,
        )

    def rect(
        self,
        box: Box,
        fill: Ink | None = None,
        *,
        outline: Ink | None = None,
        width: float | None = None,
    ) -> None:
        self.draw.rectangle(
            self.box(box), fill=fill, outline=outline, width=self._outline_width(width)
        )

    def rounded(self, box: Box, radius: float, fill: Ink | None = None) -> None:
        self.draw.rounded_rectangle(
            self.box(box), radius=radius * self.scale, fill=fill
        )

    def arc(self, box: Box, start: float, end: float, fill: Ink, width: float) -> None:
        self.draw.arc(self.box(box), start, end, fill=fill, width=self.w(width))

    def pieslice(
        self,
        box: Box,
        start: float,
        end: float,
        *,
        fill: Ink | None = None,
        outline: Ink | None = None,
        width: float | None = None,
    ) -> None:
        self.draw.pieslice(
            self.box(box),
            start,
            end,
            fill=fill,
            outline=outline,
            width=self._outline_width(width),
        )

    def text(
        self,
        xy: Point,
        text: str,
        size: float,
        *,
        style: str = "gothic",
        fill: Ink = INK,
        anchor: str = "la",
    ) -> None:
        self.draw.text(
            self.p(*xy),
            text.translate(_GLYPH_SWAPS),
            font=font(style, round(size * self.scale)),
            fill=fill,
            anchor=anchor,
        )

    def text_width(self, text: str, size: float, style: str = "gothic") -> float:
        face = font(style, round(size * self.scale))
        return face.getlength(text.translate(_GLYPH_SWAPS)) / self.scale

    def gradient(
        self,
        box: Box,
        stops: Stops,
        shape: Callable[[Pen], object],
        *,
        horizontal: bool = True,
    ) -> None:
        """Fill the shapes `shape` draws (in this pen's coordinates, inside `box`)."""
        x0, y0, x1, y1 = self.box(box)
        mask = Image.new("L", (x1 - x0, y1 - y0), 0)
        shape(Pen(mask, scale=self.scale, origin=(box[0], box[1])))
        fill = _gradient(mask.size, stops, horizontal=horizontal)
        self.image.paste(fill, (x0, y0), mask)

    def _outline_width(self, width: float | None) -> int:
        """An outline width in output pixels; Pillow's own default (1) when not given."""
        return 1 if width is None else self.w(width)


def _canvas(width: int, height: int, color: RGB = WHITE) -> Pen:
    return Pen(Image.new("RGB", (width * SUPERSAMPLE, height * SUPERSAMPLE), color))


def _finish_png(pen: Pen) -> bytes:
    return _png(pen.image.reduce(SUPERSAMPLE))


def _fmt(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _caption(pen: Pen, width: int, y: float, figure: str) -> None:
    if figure:
        pen.text((width / 2, y), figure, 20, style="gothic-bold", anchor="mb")


def _arrow(pen: Pen, tip: Point, direction: Point, size: float = 12) -> None:
    dx, dy = direction
    nx, ny = -dy, dx
    x, y = tip
    back = (x - dx * size, y - dy * size)
    pen.polygon(
        [
            tip,
            (back[0] + nx * size * 0.45, back[1] + ny * size * 0.45),
            (back[0] - nx * size * 0.45, back[1] - ny * size * 0.45),
        ],
        fill=INK,
    )


# --- diagrams (PNG) --------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    values: Sequence[float],
    x_label: str,
    y_label: str,
    figure: str = "",
) -> bytes:
    """Vertical bars with gridlines; the y label sits above the axis, textbook style."""
    width, height = 800, 600
    pen = _canvas(width, height)
    left, right, top, bottom = 110, 760, 120, 480
    step = _nice_step(max(values))
    y_max = step * math.ceil(max(values) * 1.08 / step)
    pen.text((width / 2, 34), title, 26, style="gothic-bold", anchor="mt")
    pen.text((left - 12, top - 26), y_label, 17, anchor="lb")

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * v / y_max

    tick = 0.0
    while tick <= y_max + 1e-9:
        y = y_of(tick)
        pen.line([(left, y), (right, y)], fill=(222, 226, 230), width=1)
        pen.text((left - 10, y), _fmt(tick), 15, anchor="rm")
        tick += step
    slot = (right - left) / len(values)
    for i, (name, value) in enumerate(zip(categories, values, strict=True)):
        cx = left + slot * (i + 0.5)
        half = slot * 0.28
        color = PALETTE[i % len(PALETTE)]
        pen.rect((cx - half, y_of(value), cx + half, bottom), fill=color)
        pen.rect(
            (cx - half, y_of(value), cx - half + 6, bottom), fill=lighter(color, 0.2)
        )
        pen.text(
            (cx, y_of(value) - 6), _fmt(value), 16, style="gothic-bold", anchor="mb"
        )
        pen.text((cx, bottom + 12), name, 18, anchor="mt")
    pen.line([(left, top - 10), (left, bottom), (right, bottom)], fill=INK, width=2)
    pen.text(((left + right) / 2, bottom + 46), x_label, 17, anchor="mt")
    _caption(pen, width, height - 14, figure)
    return _finish_png(pen)


def line_chart(
    *,
    title: str,
    points: Sequence[Point],
    x_label: str,
    y_label: str,
    notes: Sequence[tuple[float, float, str]] = (),
    figure: str = "",
) -> bytes:
    """Measured points joined by straight segments, with optional labels such as A-D."""
    width, height = 800, 600
    pen = _canvas(width, height)
    left, right, top, bottom = 110, 750, 110, 480
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    x_step = _nice_step(max(xs) - min(0, min(xs)), 10)
    y_step = _nice_step(max(ys) - min(0, min(ys)), 6)
    x_min = min(0, math.floor(min(xs) / x_step) * x_step)
    x_max = math.ceil(max(xs) / x_step) * x_step
    y_min = min(0, math.floor(min(ys) / y_step) * y_step)
    y_max = math.ceil(max(ys) * 1.1 / y_step) * y_step

    def to_px(x: float, y: float) -> Point:
        return (
            left + (right - left) * (x - x_min) / (x_max - x_min),
            bottom - (bottom - top) * (y - y_min) / (y_max - y_min),
        )

    pen.text((width / 2, 30), title, 26, style="gothic-bold", anchor="mt")
    pen.text((left - 12, top - 24), y_label, 17, anchor="lb")
    grid = (226, 230, 234)
    value = y_min
    while value <= y_max + 1e-9:
        y = to_px(x_min, value)[1]
        pen.line([(left, y), (right, y)], fill=grid, width=1)
        pen.text((left - 10, y), _fmt(value), 15, anchor="rm")
        value += y_step
    value = x_min
    while value <= x_max + 1e-9:
        x = to_px(value, y_min)[0]
        pen.line([(x, top), (x, bottom)], fill=grid, width=1)
        pen.text((x, bottom + 10), _fmt(value), 15, anchor="mt")
        value += x_step
    if y_min < 0:
        zero = to_px(x_min, 0)[1]
        pen.line([(left, zero), (right, zero)], fill=(150, 155, 160), width=1.5)
    pen.line([(left, top - 8), (left, bottom), (right + 8, bottom)], fill=INK, width=2)
    pen.text(((left + right) / 2, bottom + 40), x_label, 17, anchor="mt")
    line_color = (200, 60, 50)
    pen.line([to_px(x, y) for x, y in points], fill=line_color, width=3.5)
    for x, y in points:
        pen.circle(to_px(x, y), 5.5, fill=WHITE, outline=line_color, width=2.5)
    for x, y, label in notes:
        px, py = to_px(x, y)
        pen.text((px, py - 14), label, 22, style="gothic-bold", anchor="mb")
    _caption(pen, width, height - 12, figure)
    return _finish_png(pen)


def coordinate_plane(
    *,
    coefficients: tuple[float, float, float],
    curve_label: str = "",
    label_at: Point = (0, 0),
    points: Sequence[tuple[float, float, str]] = (),
    x_range: tuple[int, int] = (-5, 5),
    y_range: tuple[int, int] = (-5, 5),
    figure: str = "",
) -> bytes:
    """Grid, axes with arrows and the graph of y = ax² + bx + c (a line when a = 0)."""
    size, margin = 600, 46
    pen = _canvas(size, size + 40)
    (x0, x1), (y0, y1) = x_range, y_range
    unit = min((size - 2 * margin) / (x1 - x0), (size - 2 * margin) / (y1 - y0))

    def to_px(x: float, y: float) -> Point:
        return (margin + (x - x0) * unit, margin + (y1 - y) * unit)

    for gx in range(x0, x1 + 1):
        pen.line([to_px(gx, y0), to_px(gx, y1)], fill=(226, 232, 240), width=1)
    for gy in range(y0, y1 + 1):
        pen.line([to_px(x0, gy), to_px(x1, gy)], fill=(226, 232, 240), width=1)
    ox, oy = to_px(0, 0)
    pen.line([(margin - 14, oy), (size - margin + 16, oy)], fill=INK, width=2)
    pen.line([(ox, size - margin + 14), (ox, margin - 16)], fill=INK, width=2)
    _arrow(pen, (size - margin + 22, oy), (1, 0))
    _arrow(pen, (ox, margin - 22), (0, -1))
    pen.text((size - margin + 18, oy + 8), "x", 24, style="serif-italic", anchor="lt")
    pen.text((ox + 10, margin - 20), "y", 24, style="serif-italic", anchor="lm")
    pen.text((ox - 6, oy + 4), "O", 17, style="myeongjo", anchor="rt")
    for gx in range(x0, x1 + 1):
        if gx:
            pen.text((to_px(gx, 0)[0], oy + 5), str(gx), 13, anchor="mt")
    for gy in range(y0, y1 + 1):
        if gy:
            pen.text((ox - 6, to_px(0, gy)[1]), str(gy), 13, anchor="rm")

    a, b, c = coefficients
    segment: list[Point] = []
    segments = [segment]
    steps = 400
    for i in range(steps + 1):
        x = x0 + (x1 - x0) * i / steps
        y = a * x * x + b * x + c
        if y0 - 0.2 <= y <= y1 + 0.2:
            segment.append(to_px(x, y))
        elif segment:
            segment = []
            segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            pen.line(seg, fill=(34, 94, 200), width=3)
    if curve_label:
        lx, ly = to_px(*label_at)
        # Keep the label inside the canvas whatever position the caller asked for.
        lx = min(lx, size - 8 - pen.text_width(curve_label, 20, "serif-italic"))
        pen.text(
            (lx, ly),
            curve_label,
            20,
            style="serif-italic",
            anchor="lm",
            fill=(34, 94, 200),
        )
    for x, y, name in points:
        px, py = to_px(x, y)
        pen.circle((px, py), 5, fill=INK)
        if name:
            pen.text((px + 8, py - 6), name, 18, style="myeongjo-bold", anchor="lb")
    _caption(pen, size, size + 30, figure)
    return _finish_png(pen)


def right_triangle(
    *,
    base: str,
    height: str,
    hypotenuse: str,
    angle: str = "",
    vertices: tuple[str, str, str] = ("A", "B", "C"),
    figure: str = "",
) -> bytes:
    """Right angle at the bottom-left vertex; side labels outside each side."""
    width, height_px = 800, 580
    pen = _canvas(width, height_px)
    a, b, c = (190.0, 110.0), (190.0, 450.0), (640.0, 450.0)
    pen.polygon([a, b, c], fill=(232, 241, 252), outline=INK, width=3)
    mark = 26
    pen.line(
        [(b[0], b[1] - mark), (b[0] + mark, b[1] - mark), (b[0] + mark, b[1])],
        fill=INK,
        width=2,
    )
    pen.text((b[0] - 16, (a[1] + b[1]) / 2), height, 26, anchor="rm")
    pen.text(((b[0] + c[0]) / 2, b[1] + 16), base, 26, anchor="mt")
    pen.text(
        ((a[0] + c[0]) / 2 + 22, (a[1] + c[1]) / 2 - 18),
        hypotenuse,
        26,
        style="serif-italic" if len(hypotenuse) == 1 else "gothic",
        anchor="lb",
    )
    names = ((a, (-14, -6), "rb"), (b, (-14, 10), "rt"), (c, (14, 10), "lt"))
    for name, ((x, y), (dx, dy), anchor) in zip(vertices, names, strict=True):
        pen.text((x + dx, y + dy), name, 28, style="myeongjo-bold", anchor=anchor)
    if angle:
        start = math.degrees(math.atan2(a[1] - c[1], a[0] - c[0])) % 360
        # Clockwise in screen space from "left" (180°) up to the direction of A.
        pen.arc((c[0] - 64, c[1] - 64, c[0] + 64, c[1] + 64), 180, start, INK, 2)
        mid = math.radians((start + 180) / 2)
        pen.text(
            (c[0] + 96 * math.cos(mid), c[1] + 96 * math.sin(mid)),
            angle,
            22,
            anchor="mm",
        )
    _caption(pen, width, height_px - 14, figure)
    return _finish_png(pen)


def inscribed_angle(
    *,
    central: float,
    central_label: str,
    inscribed_label: str,
    figure: str = "",
) -> bytes:
    """Circle O with central angle AOB (opening downwards) and inscribed angle ACB."""
    size = 600
    pen = _canvas(size, size)
    cx, cy, r = 300.0, 282.0, 220.0

    def on_circle(degrees: float, radius: float = r) -> Point:
        t = math.radians(degrees)
        return (cx + radius * math.cos(t), cy - radius * math.sin(t))

    math_angles = {"A": 270 - central / 2, "B": 270 + central / 2, "C": 112.0}
    pa, pb, pc = (on_circle(math_angles[k]) for k in "ABC")
    pen.circle((cx, cy), r, outline=INK, width=3)
    pen.line([pa, (cx, cy), pb], fill=(34, 94, 200), width=3)
    pen.line([pa, pc, pb], fill=(200, 60, 50), width=3)
    # Pillow measures arcs clockwise from 3 o'clock in screen space: angle = -math angle.
    start, end = -math_angles["B"] % 360, -math_angles["A"] % 360
    pen.arc((cx - 38, cy - 38, cx + 38, cy + 38), start, end, (34, 94, 200), 2.5)
    pen.text((cx, cy + 50), central_label, 22, anchor="mt", fill=(34, 94, 200))
    to_a = math.degrees(math.atan2(pa[1] - pc[1], pa[0] - pc[0])) % 360
    to_b = math.degrees(math.atan2(pb[1] - pc[1], pb[0] - pc[0])) % 360
    low, high = sorted((to_a, to_b))
    pen.arc(
        (pc[0] - 44, pc[1] - 44, pc[0] + 44, pc[1] + 44), low, high, (200, 60, 50), 2.5
    )
    mid = math.radians((low + high) / 2)
    pen.text(
        (pc[0] + 72 * math.cos(mid), pc[1] + 72 * math.sin(mid)),
        inscribed_label,
        24,
        style="serif-italic",
        anchor="mm",
        fill=(200, 60, 50),
    )
    for name, point in (("A", pa), ("B", pb), ("C", pc)):
        pen.circle(point, 5, fill=INK)
        lx, ly = on_circle(math_angles[name], r + 26)
        pen.text((lx, ly), name, 26, style="myeongjo-bold", anchor="mm")
    pen.circle((cx, cy), 5, fill=INK)
    pen.text((cx, cy - 12), "O", 24, style="myeongjo-bold", anchor="mb")
    _caption(pen, size, size - 10, figure)
    return _finish_png(pen)


def number_line(
    *,
    start: int,
    end: int,
    interval: tuple[float, bool, float, bool] | None = None,
    points: Sequence[tuple[float, str]] = (),
    figure: str = "",
) -> bytes:
    """Integer ticks; an interval is drawn as raised bracket with ● (closed) / ○ (open)."""
    width, height = 800, 250
    pen = _canvas(width, height)
    left, right, y = 60.0, 740.0, 150.0
    unit = (right - left - 30) / (end - start)

    def x_of(v: float) -> float:
        return left + 15 + (v - start) * unit

    pen.line([(left, y), (right, y)], fill=INK, width=2)
    _arrow(pen, (right + 8, y), (1, 0))
    for v in range(start, end + 1):
        pen.line([(x_of(v), y - 8), (x_of(v), y + 8)], fill=INK, width=2)
        pen.text((x_of(v), y + 16), str(v), 18, anchor="mt")
    color = (34, 94, 200)
    if interval:
        lo, lo_closed, hi, hi_closed = interval
        rise = 58
        pen.line(
            [(x_of(lo), y), (x_of(lo), y - rise), (x_of(hi), y - rise), (x_of(hi), y)],
            fill=color,
            width=4,
        )
        for value, closed in ((lo, lo_closed), (hi, hi_closed)):
            pen.circle(
                (x_of(value), y),
                9,
                fill=color if closed else WHITE,
                outline=color,
                width=3,
            )
    for value, name in points:
        pen.circle((x_of(value), y), 6, fill=(200, 60, 50))
        pen.text((x_of(value), y - 16), name, 22, style="myeongjo-bold", anchor="mb")
    _caption(pen, width, height - 10, figure)
    return _finish_png(pen)


def _resistor(pen: Pen, x0: float, x1: float, y: float, label: str) -> None:
    """Zigzag resistor on a horizontal wire between x0 and x1, labelled above."""
    span = x1 - x0
    zig = [(x0, y)]
    for i in range(1, 8):
        zig.append((x0 + span * i / 8, y + (-14 if i % 2 else 14)))
    zig.append((x1, y))
    pen.rect((x0 - 2, y - 16, x1 + 2, y + 16), fill=WHITE)
    pen.line(zig, fill=INK, width=3)
    pen.text(((x0 + x1) / 2, y - 24), label, 22, anchor="mb")


def circuit(
    *,
    voltage: str,
    resistors: tuple[str, str],
    parallel: bool = False,
    figure: str = "",
) -> bytes:
    """Battery, two resistors (series or parallel), an ammeter and a closed switch."""
    width, height = 800, 580
    pen = _canvas(width, height)
    left, right, top, bottom = 150.0, 650.0, 130.0, 430.0
    pen.rect((left, top, right, bottom), outline=INK, width=3)
    if parallel:
        pen.line(
            [(250, top), (250, top + 120), (550, top + 120), (550, top)],
            fill=INK,
            width=3,
        )
        _resistor(pen, 340, 460, top, resistors[0])
        _resistor(pen, 340, 460, top + 120, resistors[1])
        for x in (250, 550):
            pen.circle((x, top), 6, fill=INK)
    else:
        _resistor(pen, 230, 350, top, resistors[0])
        _resistor(pen, 450, 570, top, resistors[1])
    # Battery on the left wire: long thin plate (+) above a short thick one (-).
    mid = (top + bottom) / 2
    pen.rect((left - 40, mid - 16, left + 40, mid + 16), fill=WHITE)
    pen.line([(left - 38, mid - 10), (left + 38, mid - 10)], fill=INK, width=3)
    pen.line([(left - 20, mid + 10), (left + 20, mid + 10)], fill=INK, width=8)
    pen.text((left + 46, mid - 26), "+", 22, anchor="lm")
    pen.text((left - 52, mid), voltage, 24, anchor="rm")
    pen.circle(((left + right) / 2, bottom), 28, fill=WHITE, outline=INK, width=3)
    pen.text(((left + right) / 2, bottom), "A", 28, style="gothic-bold", anchor="mm")
    # A closed knife switch on the right wire.
    pen.rect((right - 10, mid - 40, right + 10, mid + 40), fill=WHITE)
    pen.circle((right, mid - 36), 5, fill=INK)
    pen.circle((right, mid + 36), 5, fill=INK)
    pen.line([(right, mid + 36), (right + 6, mid - 38)], fill=INK, width=3)
    pen.text((right + 24, mid), "S", 24, style="serif-italic", anchor="lm")
    _caption(pen, width, height - 14, figure)
    return _finish_png(pen)


def pie_chart(
    *, title: str, slices: Sequence[tuple[str, float]], figure: str = ""
) -> bytes:
    """Slices clockwise from 12 o'clock, percentages inside, legend on the right."""
    width, height = 800, 560
    pen = _canvas(width, height)
    pen.text((width / 2, 30), title, 26, style="gothic-bold", anchor="mt")
    total = sum(v for _, v in slices)
    cx, cy, r = 250.0, 290.0, 180.0
    angle = -90.0
    for i, (_, value) in enumerate(slices):
        sweep = 360 * value / total
        color = PALETTE[i % len(PALETTE)]
        pen.pieslice(
            (cx - r, cy - r, cx + r, cy + r),
            angle,
            angle + sweep,
            fill=color,
            outline=WHITE,
            width=3,
        )
        if value / total >= 0.06:
            mid = math.radians(angle + sweep / 2)
            pen.text(
                (cx + r * 0.64 * math.cos(mid), cy + r * 0.64 * math.sin(mid)),
                f"{100 * value / total:.0f}%",
                20,
                style="gothic-bold",
                fill=_on(color),
                anchor="mm",
            )
        angle += sweep
    for i, (name, value) in enumerate(slices):
        y = 160 + i * 46
        pen.rounded((500, y, 524, y + 24), 4, fill=PALETTE[i % len(PALETTE)])
        pen.text((538, y + 12), f"{name} ({100 * value / total:.0f}%)", 20, anchor="lm")
    _caption(pen, width, height - 14, figure)
    return _finish_png(pen)


def value_table(
    *,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    title: str = "",
    figure: str = "",
) -> bytes:
    """A ruled table; the header row and first column are shaded like printed tests."""
    size, pad, row_h = 20, 22, 52
    probe = Pen(Image.new("L", (1, 1)))
    columns = list(zip(header, *rows, strict=True))
    widths = [
        max(90, max(probe.text_width(t, size, "gothic-bold") for t in col) + 2 * pad)
        for col in columns
    ]
    table_w = sum(widths)
    width = max(600, round(table_w) + 120)
    top = 80 if title else 40
    height = top + row_h * (len(rows) + 1) + 80
    pen = _canvas(width, height)
    if title:
        pen.text((width / 2, 28), title, 24, style="gothic-bold", anchor="mt")
    x0 = (width - table_w) / 2
    shade = (232, 238, 248)
    pen.rect((x0, top, x0 + table_w, top + row_h), fill=shade)
    pen.rect((x0, top, x0 + widths[0], top + row_h * (len(rows) + 1)), fill=shade)
    for r, row in enumerate([header, *rows]):
        x = x0
        y = top + r * row_h
        for col, (cell, w) in enumerate(zip(row, widths, strict=True)):
            bold = r == 0 or col == 0
            pen.text(
                (x + w / 2, y + row_h / 2),
                cell,
                size,
                style="gothic-bold" if bold else "gothic",
                anchor="mm",
            )
            x += w
    bottom = top + row_h * (len(rows) + 1)
    for r in range(len(rows) + 2):
        y = top + r * row_h
        pen.line(
            [(x0, y), (x0 + table_w, y)], fill=INK, width=2.5 if r in (0, 1) else 1.5
        )
    x = x0
    for w in [0.0, *widths]:
        x += w
        pen.line([(x, top), (x, bottom)], fill=INK, width=1.5)
    _caption(pen, width, height - 16, figure)
    return _finish_png(pen)


# --- product shots (JPEG) --------------------------------------------------------------

PRODUCT_SIZE = 800
# (top, bottom) colours of the studio sweep behind a product.
BACKDROPS: tuple[tuple[RGB, RGB], ...] = (
    ((238, 242, 247), (192, 202, 214)),
    ((248, 242, 234), (214, 199, 184)),
    ((239, 245, 239), (196, 211, 199)),
    ((244, 239, 247), (207, 197, 218)),
    ((246, 246, 246), (204, 204, 206)),
)


def _backdrop(size: int, top: RGB, bottom: RGB) -> Image.Image:
    stops = [(0.0, top), (0.6, _mix(top, bottom, 0.45)), (1.0, bottom)]
    image = _gradient((size, size), stops, horizontal=False)
    # A blurred light spot behind the product reads as studio lighting.
    spot = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(spot).ellipse((12, 4, 52, 44), fill=110)
    spot = spot.filter(ImageFilter.GaussianBlur(9)).resize((size, size))
    image.paste(WHITE, (0, 0, size, size), spot)
    return image


def _soft(mask: Image.Image, radius: float, factor: int = 8) -> Image.Image:
    """Blur at 1/factor resolution: same look, a fraction of the cost."""
    small = mask.reduce(factor).filter(ImageFilter.GaussianBlur(radius / factor))
    return small.resize(mask.size, Image.Resampling.BILINEAR)


def _floor_shadow(alpha: Image.Image) -> Image.Image:
    """Contact shadow plus a wide soft one under an upright object."""
    solid = alpha.point(lambda v: 255 if v > 200 else 0)
    x0, _, x1, y1 = solid.getbbox() or (0, 0, 1, 1)
    cx, w = (x0 + x1) / 2, (x1 - x0)
    shadow = Image.new("L", alpha.size, 0)
    draw = ImageDraw.Draw(shadow)
    draw.ellipse((cx - w * 0.6, y1 - w * 0.09, cx + w * 0.6, y1 + w * 0.09), fill=120)
    soft = _soft(shadow, 60)
    contact = Image.new("L", alpha.size, 0)
    ImageDraw.Draw(contact).ellipse(
        (cx - w * 0.46, y1 - w * 0.035, cx + w * 0.46, y1 + w * 0.035), fill=170
    )
    return ImageChops.lighter(soft, _soft(contact, 14, 4))


def _drop_shadow(alpha: Image.Image) -> Image.Image:
    """Shadow of an object lying flat, cast down and to the right."""
    shifted = ImageChops.offset(alpha, 24, 36)
    return _soft(shifted, 44).point(lambda v: v * 0.5)


def _tilted(layer: Image.Image, degrees: float) -> Image.Image:
    """Rotate only the painted part: a full-canvas rotation costs ten times as much.

    Bilinear is enough here, the canvas is reduced by SUPERSAMPLE afterwards anyway.
    """
    box = layer.getbbox()
    if box is None:
        return layer
    part = layer.crop(box).rotate(degrees, Image.Resampling.BILINEAR, expand=True)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    out = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    out.paste(part, (round(cx - part.width / 2), round(cy - part.height / 2)))
    return out


def _product_shot(
    paint: Callable[[Pen], None],
    *,
    seed: int,
    flat: bool = False,
    tilt: float = 0.0,
    light: Callable[[Pen], None] | None = None,
) -> bytes:
    rng = random.Random(seed)
    size = PRODUCT_SIZE * SUPERSAMPLE
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    paint(Pen(layer))
    if tilt:
        layer = _tilted(layer, tilt)
    top, bottom = rng.choice(BACKDROPS)
    canvas = _backdrop(size, top, bottom)
    alpha = layer.getchannel("A")
    shadow = _drop_shadow(alpha) if flat else _floor_shadow(alpha)
    canvas.paste(darker(bottom, 0.7), (0, 0, size, size), shadow)
    if light:
        light(Pen(canvas))
    canvas.paste(layer, (0, 0), layer)
    return _jpeg(canvas.reduce(SUPERSAMPLE))


def mug(*, color: RGB, label: str, sublabel: str = "", seed: int) -> bytes:
    """A ceramic mug with a printed label."""

    def paint(p: Pen) -> None:
        handle = darker(color, 0.12)
        p.ellipse((430, 330, 615, 545), outline=handle, width=36)
        p.ellipse((452, 352, 593, 523), outline=lighter(handle, 0.15), width=6)

        def body(m: Pen) -> None:
            m.rect((190, 270, 510, 610), fill=255)
            m.ellipse((190, 585, 510, 640), fill=255)

        p.gradient((190, 250, 510, 640), _cylinder(color), body)
        p.ellipse((190, 245, 510, 295), fill=lighter(color, 0.35))
        p.gradient(
            (202, 251, 498, 289),
            [(0.0, darker(color, 0.65)), (1.0, darker(color, 0.3))],
            lambda m: m.ellipse((202, 251, 498, 289), fill=255),
            horizontal=False,
        )
        ink = _on(color)
        p.text((350, 430), label, 38, style="square", fill=ink, anchor="mm")
        if sublabel:
            p.text((350, 474), sublabel, 18, fill=ink, anchor="mm")

    return _product_shot(paint, seed=seed)


def water_bottle(*, color: RGB, label: str, sublabel: str = "", seed: int) -> bytes:
    """A tall bottle with a display cap and a printed band."""

    def paint(p: Pen) -> None:
        p.gradient(
            (300, 215, 500, 690),
            _cylinder(color),
            lambda m: m.rounded((300, 215, 500, 690), 64, fill=255),
        )
        p.gradient(
            (350, 185, 450, 240),
            _cylinder(darker(color, 0.15)),
            lambda m: m.rounded((350, 185, 450, 240), 12, fill=255),
        )
        cap = (62, 66, 72)
        p.gradient(
            (332, 110, 468, 196),
            _cylinder(cap),
            lambda m: m.rounded((332, 110, 468, 196), 20, fill=255),
        )
        p.rounded((360, 134, 440, 172), 8, fill=(12, 14, 18))
        p.text(
            (400, 153),
            "24°C",
            20,
            style="gothic-bold",
            fill=(90, 220, 240),
            anchor="mm",
        )
        band = lighter(color, 0.82)
        p.gradient(
            (300, 400, 500, 560),
            _cylinder(band),
            lambda m: m.rect((300, 400, 500, 560), fill=255),
        )
        # Shrink long labels to the band's width rather than letting them spill over.
        size = min(34.0, 34 * 176 / p.text_width(label, 34, "gothic-bold"))
        p.text(
            (400, 466),
            label,
            size,
            style="gothic-bold",
            fill=darker(color, 0.35),
            anchor="mm",
        )
        if sublabel:
            p.text((400, 512), sublabel, 15, fill=INK, anchor="mm")

    return _product_shot(paint, seed=seed)


def backpack(*, color: RGB, accent: RGB, label: str, seed: int) -> bytes:
    """A school backpack: straps, top handle, zipped main and front pockets."""

    def paint(p: Pen) -> None:
        strap = darker(color, 0.4)
        p.rounded((210, 280, 262, 610), 22, fill=strap)
        p.rounded((538, 280, 590, 610), 22, fill=strap)
        p.arc((350, 140, 450, 250), 180, 360, strap, 16)

        def body(m: Pen) -> None:
            m.rounded((235, 180, 565, 660), 120, fill=255)
            m.rounded((235, 420, 565, 660), 46, fill=255)

        p.gradient((235, 180, 565, 660), _cylinder(color), body)
        p.arc((268, 208, 532, 560), 198, 342, accent, 6)
        p.rounded((270, 268, 284, 300), 4, fill=darker(accent, 0.3))
        p.gradient(
            (285, 420, 515, 620),
            [(0.0, lighter(color, 0.08)), (1.0, darker(color, 0.25))],
            lambda m: m.rounded((285, 420, 515, 620), 40, fill=255),
            horizontal=False,
        )
        p.line([(300, 444), (500, 444)], fill=accent, width=5)
        p.rounded((452, 444, 468, 486), 5, fill=darker(accent, 0.3))
        p.rounded((335, 508, 465, 542), 8, fill=accent)
        p.text(
            (400, 525), label, 17, style="gothic-bold", fill=_on(accent), anchor="mm"
        )
        p.rounded((235, 612, 565, 660), 46, fill=darker(color, 0.35))

    return _product_shot(paint, seed=seed)


_SHOE_UPPER: tuple[Point, ...] = (
    (8, 0), (0, -40), (2, -90), (12, -140), (28, -172), (60, -180), (95, -166),
    (125, -174), (150, -200), (172, -208), (192, -198), (240, -162), (290, -128),
    (340, -102), (385, -82), (415, -68), (434, -48), (442, -24), (440, 0),
)  # fmt: skip


def _shoe(p: Pen, ox: float, oy: float, color: RGB, accent: RGB, label: str) -> None:
    def at(x: float, y: float) -> Point:
        return (ox + x, oy + y)

    upper = [at(x, y) for x, y in _SHOE_UPPER]
    p.gradient(
        (ox - 2, oy - 212, ox + 446, oy + 4),
        [(0.0, lighter(color, 0.25)), (1.0, darker(color, 0.25))],
        lambda m: m.polygon(upper, fill=255),
        horizontal=False,
    )
    # Toe cap and mudguard in the accent colour, then a sweeping side stripe.
    mudguard = [at(4, -40), at(150, -52), at(300, -50), at(400, -58), at(436, -40)]
    p.polygon([*mudguard, at(440, -4), at(4, -4)], fill=lighter(accent, 0.1))
    p.polygon([at(48, -62), at(232, -152), at(262, -140), at(84, -52)], fill=accent)
    p.rounded((ox - 8, oy - 176, ox + 26, oy - 110), 10, fill=accent)
    collar = [at(30, -172), at(60, -180), at(95, -166), at(125, -174)]
    p.line(collar, fill=darker(color, 0.6), width=9)
    for i in range(6):
        cx, cy = 178 + 30 * i, -196 + 18.4 * i
        p.line([at(cx - 18, cy - 16), at(cx + 12, cy + 22)], fill=WHITE, width=7)
    if label:
        ink = _on(color)
        p.text(at(120, -96), label, 17, style="gothic-bold", fill=ink, anchor="mm")
    p.rounded((ox - 10, oy - 14, ox + 452, oy + 38), 22, fill=(246, 246, 244))
    p.rounded((ox - 10, oy + 20, ox + 452, oy + 38), 14, fill=(196, 198, 202))


def sneakers(*, color: RGB, accent: RGB, label: str, seed: int) -> bytes:
    """A pair of running shoes in side view, the far one slightly shaded."""

    def paint(p: Pen) -> None:
        _shoe(p, 215, 545, darker(color, 0.22), darker(accent, 0.22), "")
        _shoe(p, 120, 615, color, accent, label)

    return _product_shot(paint, seed=seed)


def desk_lamp(*, color: RGB, label: str, seed: int) -> bytes:
    """An articulated LED desk lamp throwing a warm pool of light."""
    warm = (255, 236, 170)

    def paint(p: Pen) -> None:
        p.line([(325, 612), (272, 382)], fill=color, width=24)
        p.line([(272, 382), (470, 250)], fill=color, width=22)
        p.gradient(
            (220, 598, 430, 664),
            _cylinder(darker(color, 0.2)),
            lambda m: m.ellipse((220, 598, 430, 664), fill=255),
        )
        p.ellipse((236, 590, 414, 640), fill=lighter(color, 0.12))
        p.circle((272, 382), 20, fill=darker(color, 0.3))
        p.circle((325, 612), 16, fill=darker(color, 0.3))
        p.gradient(
            (390, 228, 590, 406),
            _cylinder(color),
            lambda m: m.polygon(
                [(452, 228), (520, 228), (590, 392), (390, 392)], fill=255
            ),
        )
        p.circle((470, 250), 16, fill=darker(color, 0.35))
        p.ellipse((390, 378, 590, 408), fill=darker(color, 0.3))
        p.ellipse((402, 382, 578, 404), fill=(255, 250, 226))
        p.text((325, 645), label, 15, style="gothic-bold", fill=_on(color), anchor="mm")

    def light(p: Pen) -> None:
        glow = Image.new("L", p.image.size, 0)
        g = Pen(glow)
        g.polygon([(405, 404), (575, 404), (690, 670), (300, 670)], fill=70)
        g.ellipse((300, 630, 700, 700), fill=150)
        p.image.paste(warm, (0, 0, *p.image.size), _soft(glow, 48))

    return _product_shot(paint, seed=seed, light=light)


def headphones(*, color: RGB, accent: RGB, label: str, seed: int) -> bytes:
    """Over-ear headphones from the front: band, sliders, cushions and shells."""

    def paint(p: Pen) -> None:
        p.arc((245, 140, 555, 470), 180, 360, color, 32)
        p.arc((262, 160, 538, 452), 195, 345, darker(color, 0.45), 12)
        p.text((400, 157), label, 14, style="gothic-bold", fill=_on(color), anchor="mm")
        for x in (250, 550):
            p.rounded((x - 8, 300, x + 8, 410), 5, fill=(190, 192, 198))
        for shell, cushion in (
            ((205, 380, 305, 590), (282, 395, 350, 575)),
            ((495, 380, 595, 590), (450, 395, 518, 575)),
        ):
            p.ellipse(cushion, fill=(44, 44, 48))

            def shell_mask(m: Pen, box: Box = shell) -> None:
                m.ellipse(box, fill=255)

            p.gradient(shell, _cylinder(color), shell_mask)
            x0, y0, x1, y1 = shell
            p.ellipse((x0 + 16, y0 + 34, x1 - 16, y1 - 34), outline=accent, width=4)
            p.text(
                ((x0 + x1) / 2, (y0 + y1) / 2),
                "H2",
                20,
                style="square",
                fill=accent,
                anchor="mm",
            )

    return _product_shot(paint, seed=seed)


def notebook(*, color: RGB, title: str, subtitle: str, seed: int) -> bytes:
    """A spiral notebook lying on the table, slightly turned."""

    def paint(p: Pen) -> None:
        p.rounded((252, 160, 574, 642), 10, fill=(250, 249, 244))
        p.line([(570, 170), (570, 636)], fill=(214, 212, 204), width=2)
        p.gradient(
            (240, 150, 560, 630),
            [(0.0, lighter(color, 0.1)), (1.0, darker(color, 0.15))],
            lambda m: m.rounded((240, 150, 560, 630), 12, fill=255),
            horizontal=False,
        )
        for y in range(168, 612, 24):
            p.circle((254, y + 7), 4.5, fill=darker(color, 0.6))
            p.ellipse((226, y, 262, y + 14), outline=(180, 184, 190), width=4)
        p.rounded((300, 214, 500, 330), 8, fill=(252, 252, 248))
        p.text((400, 254), title, 30, style="gothic-bold", anchor="mm")
        p.line([(322, 284), (478, 284)], fill=(190, 190, 190), width=1.5)
        p.text((400, 306), subtitle, 16, anchor="mm")
        p.rect((524, 150, 538, 630), fill=darker(color, 0.45))
        p.text(
            (400, 598),
            "EDU NOTE",
            14,
            style="square",
            fill=lighter(color, 0.5),
            anchor="mm",
        )

    return _product_shot(paint, seed=seed, flat=True, tilt=-7)


_CALC_KEYS: tuple[tuple[str, ...], ...] = (
    ("SHIFT", "MODE", "sin", "cos", "tan"),
    ("x²", "√", "log", "ln", "(  )"),
    ("7", "8", "9", "DEL", "AC"),
    ("4", "5", "6", "×", "÷"),
    ("1", "2", "3", "+", "-"),
    ("0", ".", "EXP", "Ans", "="),
)


def calculator(*, color: RGB, model: str, display: str, seed: int) -> bytes:
    """A scientific calculator with an LCD, solar cell and labelled keys."""

    def paint(p: Pen) -> None:
        p.gradient(
            (258, 100, 542, 680),
            [(0.0, lighter(color, 0.14)), (1.0, darker(color, 0.3))],
            lambda m: m.rounded((258, 100, 542, 680), 30, fill=255),
            horizontal=False,
        )
        p.text((284, 134), model, 19, style="gothic-bold", fill=_on(color), anchor="lm")
        p.rect((446, 122, 518, 148), fill=(58, 42, 38))
        for x in (464, 482, 500):
            p.line([(x, 122), (x, 148)], fill=(88, 70, 62), width=1.5)
        p.rounded((278, 166, 522, 270), 10, fill=darker(color, 0.55))
        p.rounded((290, 178, 510, 258), 6, fill=(198, 212, 182))
        p.text((298, 186), "DEG", 12, fill=(50, 58, 50))
        p.text((502, 250), display, 38, style="mono", fill=(38, 46, 38), anchor="rs")
        for r, row in enumerate(_CALC_KEYS):
            y = 300 + r * 60
            for c, key in enumerate(row):
                x = 284 + c * 47
                if key == "=":
                    face = (236, 124, 48)
                elif r < 2 or key in {"DEL", "AC"}:
                    face = darker(color, 0.5) if r < 2 else (200, 72, 60)
                else:
                    face = (232, 232, 228)
                p.rounded((x, y + 4, x + 40, y + 44), 9, fill=darker(face, 0.35))
                p.rounded((x, y, x + 40, y + 40), 9, fill=face)
                size = 20 if len(key) == 1 else 12
                p.text(
                    (x + 20, y + 20),
                    key,
                    size,
                    style="gothic-bold",
                    fill=_on(face),
                    anchor="mm",
                )

    return _product_shot(paint, seed=seed, flat=True, tilt=-5)


def tablet(*, color: RGB, label: str, seed: int) -> bytes:
    """A landscape tablet showing a home screen of app tiles."""

    def paint(p: Pen) -> None:
        p.rounded((150, 240, 650, 570), 32, fill=color)
        p.rounded((160, 250, 640, 560), 26, fill=(18, 18, 22))
        p.circle((400, 258), 3, fill=(60, 64, 72))
        p.gradient(
            (180, 272, 620, 540),
            [(0.0, (70, 110, 200)), (0.55, (120, 90, 190)), (1.0, (230, 120, 140))],
            lambda m: m.rounded((180, 272, 620, 540), 8, fill=255),
            horizontal=False,
        )
        p.text((194, 286), "09:41", 12, style="gothic-bold", fill=WHITE, anchor="lm")
        p.text((400, 322), label, 24, style="square", fill=WHITE, anchor="mm")
        for r in range(2):
            for c in range(6):
                x = 226 + c * 60
                y = 372 + r * 74
                p.rounded((x, y, x + 46, y + 46), 11, fill=PALETTE[(r * 6 + c) % 8])
                p.rounded(
                    (x + 12, y + 12, x + 34, y + 34),
                    6,
                    fill=lighter(PALETTE[(r * 6 + c) % 8], 0.45),
                )

    return _product_shot(paint, seed=seed, flat=True, tilt=5)


# --- scanned pages (JPEG) --------------------------------------------------------------

PAGE_SIZE = (1240, 1754)  # A4 at 150 dpi
PAGE_MARGIN = 130
# Body text sizes tried in turn until a page fits; below 22 px tesseract starts to fail.
BODY_SIZES = (30, 28, 26, 24, 22)
LINE_SPACING = 1.55
PAPER: tuple[RGB, ...] = ((250, 248, 240), (246, 244, 236), (248, 247, 243))
STAMP_RED: RGB = (206, 38, 44)
SUBHEAD, RIGHT, BULLET = "## ", ">> ", "• "


def page_text(paragraphs: Sequence[str]) -> str:
    """The plain text of a page, without the layout markers `scanned_page` reads."""
    return "\n".join(p.removeprefix(SUBHEAD).removeprefix(RIGHT) for p in paragraphs)


@dataclass(frozen=True)
class _Line:
    x: float
    y: float
    text: str
    style: str
    size: int
    anchor: str = "la"


def _wrap(text: str, style: str, size: int, width: float) -> list[str]:
    """Break at spaces (Korean is spaced by word too); split over-long words by glyph."""
    face = font(style, size)
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if face.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while face.getlength(word) > width:
            cut = len(word) - 1
            while cut > 1 and face.getlength(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _layout(
    paragraphs: Sequence[str], size: int, width: float, serif: bool
) -> tuple[list[_Line], float]:
    """Lines positioned from y=0 at body size `size`, and the height they take."""
    body = "myeongjo" if serif else "gothic"
    lead = round(size * LINE_SPACING)
    out: list[_Line] = []
    y = 0.0
    for para in paragraphs:
        if para.startswith(SUBHEAD):
            y += size * 0.5
            for text in _wrap(para[3:], "gothic-bold", size + 2, width):
                out.append(_Line(0, y, text, "gothic-bold", size + 2))
                y += lead
        elif para.startswith(RIGHT):
            out.append(_Line(width, y, para[3:], body, size, "ra"))
            y += lead
        elif para.startswith(BULLET):
            indent = font(body, size).getlength(BULLET)
            for i, text in enumerate(_wrap(para[2:], body, size, width - indent)):
                if i == 0:
                    out.append(_Line(0, y, "•", body, size))
                out.append(_Line(indent, y, text, body, size))
                y += lead
        else:
            for text in _wrap(para, body, size, width):
                out.append(_Line(0, y, text, body, size))
                y += lead
        y += size * 0.45
    return out, y


def _stamp(text: str, rng: random.Random) -> Image.Image:
    """A red round seal with uneven ink, as an RGBA patch."""
    size = 150
    pen = Pen(Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0)))
    pen.circle((75, 75), 68, outline=STAMP_RED, width=6)
    pen.circle((75, 75), 58, outline=STAMP_RED, width=2)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        y = 75 + (i - (len(lines) - 1) / 2) * 30
        pen.text((75, y), line, 24, style="myeongjo-bold", fill=STAMP_RED, anchor="mm")
    stamp = pen.image.reduce(2)
    alpha = stamp.getchannel("A")
    gaps = ImageDraw.Draw(alpha)
    for _ in range(70):
        x, y = rng.uniform(0, size), rng.uniform(0, size)
        gaps.ellipse((x, y, x + rng.uniform(1, 4), y + rng.uniform(1, 3)), fill=40)
    stamp.putalpha(alpha.point(lambda v: v * 0.85))
    return stamp.rotate(rng.uniform(-18, 18), resample=Image.Resampling.BICUBIC)


def scanned_pdf(pages: Sequence[Callable[[], bytes]]) -> bytes:
    """Scanned pages bound into one PDF (JPEG pages at the scans' 150 dpi), with fixed
    dates so the same pages always make the same file."""
    scans = [Image.open(io.BytesIO(render())) for render in pages]
    out = io.BytesIO()
    fixed = time.gmtime(0)
    scans[0].save(
        out, format="PDF", save_all=True, append_images=scans[1:], resolution=150.0,
        creationDate=fixed, modDate=fixed, title="Scanned document",
    )  # fmt: skip
    return out.getvalue()


def scanned_page(
    *,
    heading: str,
    paragraphs: Sequence[str],
    header: str = "",
    page_number: int | None = None,
    stamp: str = "",
    serif: bool = True,
    seed: int,
) -> bytes:
    """A printed page as a flatbed scan: tinted paper, grain, dust and a slight skew.

    Paragraph markers: "## " sub-heading, "• " bullet, ">> " right-aligned (dates,
    signatures). The seal `stamp` is placed over the last right-aligned line.
    """
    rng = random.Random(seed)
    width, height = PAGE_SIZE
    text_w = width - 2 * PAGE_MARGIN
    pen = Pen(Image.new("RGB", PAGE_SIZE, rng.choice(PAPER)), scale=1)
    ink = (26, 26, 30)
    y = 96.0
    if header:
        pen.text((PAGE_MARGIN, y), header, 23, fill=(52, 52, 58))
        y += 40
        pen.line(
            [(PAGE_MARGIN, y), (width - PAGE_MARGIN, y)], fill=(90, 90, 96), width=2
        )
    y += 44
    for heading_line in _wrap(heading, "myeongjo-bold", 48, text_w):
        pen.text(
            (width / 2, y),
            heading_line,
            48,
            style="myeongjo-bold",
            fill=ink,
            anchor="mt",
        )
        y += 66
    y += 8
    pen.line([(width / 2 - 200, y), (width / 2 + 200, y)], fill=ink, width=3)
    y += 50
    limit = height - 180
    for size in BODY_SIZES:
        lines, used = _layout(paragraphs, size, text_w, serif)
        if y + used <= limit:
            break
    else:
        raise ValueError(
            f"Text of page {heading!r} does not fit at {BODY_SIZES[-1]}px."
        )
    for line in lines:
        pen.text(
            (PAGE_MARGIN + line.x, y + line.y),
            line.text,
            line.size,
            style=line.style,
            fill=ink,
            anchor=line.anchor,
        )
    if page_number is not None:
        pen.text(
            (width / 2, height - 96), f"- {page_number} -", 22, fill=ink, anchor="mb"
        )
    if stamp:
        signed = [ln for ln in lines if ln.anchor == "ra"]
        sy = y + signed[-1].y + 14 if signed else limit - 160
        seal = _stamp(stamp, rng)
        # Korean seals (직인) overlap the end of the signer's name.
        pen.image.paste(seal, (width - PAGE_MARGIN - 70, round(sy - 62)), seal)
    return _jpeg(_scan_effects(pen.image, rng))


def _scan_effects(page: Image.Image, rng: random.Random) -> Image.Image:
    width, height = page.size
    # Uneven lamp light across the bed.
    lamp = [(0.0, WHITE), (1.0, (236, 234, 228))]
    shading = _gradient(
        page.size, lamp if rng.random() < 0.5 else lamp[::-1], horizontal=True
    )
    page = ImageChops.multiply(page, shading)
    # Sensor grain from the seeded generator (Image.effect_noise is not seedable).
    grain = Image.frombytes(
        "L", (width // 2, height // 2), rng.randbytes(width * height // 4)
    )
    grain = grain.point(lambda v: 128 + round((v - 128) * 0.06)).resize(page.size)
    page = ImageChops.add(page, Image.merge("RGB", (grain, grain, grain)), 1.0, -128)
    dust = ImageDraw.Draw(page)
    for _ in range(140):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.5, 1.3) if rng.random() < 0.92 else rng.uniform(1.8, 2.8)
        shade = rng.randint(90, 190)
        dust.ellipse((x - r, y - r, x + r, y + r), fill=(shade, shade, shade))
    # Bilinear resampling softens edges about as much as a scanner's optics do.
    angle = rng.uniform(0.3, 1.3) * rng.choice((-1, 1))
    return page.rotate(angle, Image.Resampling.BILINEAR, fillcolor=(226, 226, 222))
