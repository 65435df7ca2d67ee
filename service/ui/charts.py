"""Charts drawn on the server as inline SVG, so they read without JavaScript; every text is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_COLOUR = "#2563a8"
WEAK_COLOUR = "#c2410c"
TRACK = "#e8edf3"
TEXT = "#1f2937"
MUTED = "#6b7280"
WEAK = 0.35  # the same threshold the briefs use to call a factor a risk


@dataclass(frozen=True)
class BarRow:
    label: str
    value: float  # 0–1
    weight: float
    contribution: float
    title: str = ""  # hover text: the evidence


def factor_bars(rows: Sequence[BarRow], *, lang: str = "zh", width: int = 420) -> Markup:
    """One horizontal bar per factor: its value, with weight and contribution on the right."""
    # English factor names run about twice as wide as the Chinese ones.
    row_h, label_w, right_w = 20, (132 if lang == "en" else 96), 92
    bar_w = width - label_w - right_w
    height = row_h * len(rows) + 4
    weight_word = "weight" if lang == "en" else "权重"
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape("Factor values" if lang == "en" else "因素得分")}">']
    for i, row in enumerate(rows):
        y = i * row_h + 2
        value = min(max(row.value, 0.0), 1.0)
        colour = WEAK_COLOUR if value < WEAK and row.weight > 0 else BAR_COLOUR
        parts.append(f'<g><title>{escape(row.title or row.label)}</title>')
        parts.append(f'<text x="0" y="{y + 13}" font-size="12" fill="{TEXT}">{escape(row.label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="12" rx="2" fill="{TRACK}"/>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * value:.1f}" height="12" rx="2" fill="{colour}"'
                     f' fill-opacity="{0.45 + 0.55 * min(row.weight * 4, 1.0):.2f}"/>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 13}" font-size="11" fill="{TEXT}">{value * 100:.0f}'
                     f'<tspan fill="{MUTED}"> · {weight_word} {row.weight:.2f}</tspan></text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def score_bar(score: float, *, width: int = 110) -> Markup:
    """A compact bar for a 0–100 score with the number beside it."""
    value = min(max(score / 100.0, 0.0), 1.0)
    bar_w = width - 34
    return Markup(
        f'<svg class="score" xmlns="http://www.w3.org/2000/svg" width="{width}" height="14" viewBox="0 0 {width} 14" '
        f'role="img" aria-label="{value * 100:.0f}/100">'
        f'<rect x="0" y="3" width="{bar_w}" height="8" rx="2" fill="{TRACK}"/>'
        f'<rect x="0" y="3" width="{bar_w * value:.1f}" height="8" rx="2" fill="{BAR_COLOUR}"/>'
        f'<text x="{bar_w + 5}" y="11.5" font-size="11" fill="{TEXT}">{value * 100:.0f}</text></svg>'
    )
