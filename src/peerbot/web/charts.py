"""Server-rendered SVG charts: no script, no CDN, printable. Each chart is
drawn from the same rows as the accessible table printed beside it; colours
come from dashboard.css (classes only: the CSP forbids inline styles)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from itertools import count

from markupsafe import Markup

WIDTH, HEIGHT = 360, 150
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 26
_ids = count(1)


@dataclass(frozen=True)
class Point:
    label: str  # e.g. the week's Monday, ISO
    value: float | int | str | None  # None: no data; "<5": hidden by the small-group rule


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _tick(value: float, unit: str) -> str:
    if unit == "share":
        return f"{value:.0%}"
    if unit == "hours":
        return f"{value:.1f}h" if value < 10 else f"{value:.0f}h"
    return f"{value:.0f}"


def bar_chart(title: str, points: list[Point], *, unit: str = "count", per: str = "week") -> Markup:
    """A bar chart, one bar per week (or per `per`). Missing and hidden ("<5") bars get a small mark."""
    chart_id = f"chart-{next(_ids)}"
    numbers = [n for n in (_number(p.value) for p in points) if n is not None]
    top = max(numbers, default=0.0)
    if unit == "share":
        top = 1.0
    top = top or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}, per {escape(per)}</title>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}"/>',
        f'<line class="grid" x1="{LEFT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP}"/>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{escape(_tick(top, unit))}</text>',
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + plot_h + 4}" text-anchor="end">0</text>',
    ]
    for index, point in enumerate(points):
        x = LEFT + index * slot
        value = _number(point.value)
        label = f"{point.label}: {point.value if point.value is not None else 'no data'}"
        if value is None:
            mark = "&lt;5" if point.value is not None else "–"
            parts.append(f'<text class="hidden-mark" x="{x + slot / 2:.1f}" y="{TOP + plot_h - 4}" '
                         f'text-anchor="middle">{mark}<title>{escape(label)}</title></text>')
            continue
        height = plot_h * min(value / top, 1.0)
        parts.append(f'<rect class="bar" x="{x + slot * 0.15:.1f}" y="{TOP + plot_h - height:.1f}" '
                     f'width="{slot * 0.7:.1f}" height="{height:.1f}"><title>{escape(label)}</title></rect>')
    if points:
        parts.append(f'<text class="tick" x="{LEFT}" y="{HEIGHT - 8}">{escape(points[0].label)}</text>')
        if len(points) > 1:
            parts.append(f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - 8}" text-anchor="end">'
                         f'{escape(points[-1].label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def funnel_chart(title: str, points: list[Point]) -> Markup:
    """A funnel: one horizontal bar per step, each as wide as its share of the first step.
    Hidden ("<5") and missing steps get no bar, only their mark."""
    chart_id = f"chart-{next(_ids)}"
    label_w, row_h = 150, 26
    height = TOP + row_h * max(len(points), 1) + 4
    numbers = [n for n in (_number(p.value) for p in points) if n is not None]
    top = max(numbers, default=0.0) or 1.0
    plot_w = WIDTH - label_w - RIGHT - 34
    parts = [
        f'<svg class="chart funnel" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    for index, point in enumerate(points):
        y = TOP + index * row_h
        value = _number(point.value)
        shown = "–" if point.value is None else f"{value:.0f}" if value is not None else str(point.value)
        parts.append(f'<text class="tick" x="{label_w - 6}" y="{y + row_h / 2 + 3:.1f}" text-anchor="end">'
                     f'{escape(point.label)}</text>')
        width = plot_w * min(value / top, 1.0) if value is not None else 0.0
        if width:
            parts.append(f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{width:.1f}" height="{row_h - 8}">'
                         f'<title>{escape(point.label)}: {escape(shown)}</title></rect>')
        parts.append(f'<text class="tick" x="{label_w + width + 4:.1f}" y="{y + row_h / 2 + 3:.1f}">'
                     f'{escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
