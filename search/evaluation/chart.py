"""A PNG chart of a report (PIL only): per split and category, Recall@10 and MRR@10 per
configuration, with the BM25 reference drawn across each panel as dashed lines."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from search.evaluation.metrics import ALL
from search.evaluation.runner import REFERENCE

FONT = "/usr/share/fonts/truetype/nanum/NanumGothic.ttf"
BARS = (("recall@10", "#7fa7d9"), ("mrr@10", "#1f4e8c"))
PANEL_W, PANEL_H, MARGIN = 900, 260, 60


def _font(size: int):
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default()


def draw_chart(*, metrics: dict, title: str, path: Path) -> Path:
    """`metrics` is split → config → category → row, as in the JSON report."""
    panels = [
        (split, category, configs)
        for split, configs in metrics.items()
        for category in [ALL, *sorted({c for s in configs.values() for c in s} - {ALL})]
    ]
    image = Image.new("RGB", (PANEL_W, 50 + len(panels) * (PANEL_H + MARGIN)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 12), title, font=_font(20), fill="#111")
    legend = "bars: light Recall@10, dark MRR@10 (grey: BM25); dashed: BM25 level"
    draw.text((PANEL_W - 470, 18), legend, font=_font(12), fill="#444")
    for index, (split, category, configs) in enumerate(panels):
        top = 50 + index * (PANEL_H + MARGIN)
        _panel(draw, top, f"{split} · {category}", configs, category)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")
    return path


def _panel(draw, top: int, label: str, configs: dict, category: str) -> None:
    small = _font(12)
    left, bottom, height = 60, top + PANEL_H - 40, PANEL_H - 70
    draw.text((left, top), label, font=_font(15), fill="#111")
    draw.line((left, bottom, PANEL_W - 20, bottom), fill="#444")
    for tick in (0.0, 0.5, 1.0):
        y = bottom - tick * height
        draw.text((20, y - 7), f"{tick:.1f}", font=small, fill="#444")
        draw.line((left, y, PANEL_W - 20, y), fill="#e5e5e5")
    names = [n for n in configs if category in configs[n]]
    slot = (PANEL_W - left - 40) / max(1, len(names))
    for i, name in enumerate(names):
        row = configs[name][category]
        x = left + 10 + i * slot
        for j, (metric, colour) in enumerate(BARS):
            bar_w = min(30, slot / 3)
            x0 = x + j * bar_w
            y0 = bottom - row[metric] * height
            fill = "#bbbbbb" if name == REFERENCE else colour
            draw.rectangle((x0, y0, x0 + bar_w - 2, bottom), fill=fill)
        draw.text((x, bottom + 4), name[:22], font=small, fill="#111")
    reference = configs.get(REFERENCE, {}).get(category)
    if reference:
        for metric, colour in BARS:
            y = bottom - reference[metric] * height
            for x in range(left, PANEL_W - 20, 12):
                draw.line((x, y, x + 6, y), fill=colour, width=2)
            draw.text(
                (PANEL_W - 150, y - 14), f"BM25 {metric}", font=small, fill=colour
            )
