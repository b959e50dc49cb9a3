"""The digest chart: incidents per category and reporting per unit over eight weeks (PNG)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from handlers.digest import Digest
from handlers.i18n import Translator

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn, not when the bot starts
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_ROWS = 15
WIDTH = 8.0  # inches
COLORS = ("#4e79a7", "#59a14f", "#f28e2b", "#e15759", "#b07aa1", "#9c755f")


def render_png(digest: Digest, t: Translator) -> bytes:
    """Agg through the object API: no display, no pyplot state, DejaVu Sans for Vietnamese."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    weeks = digest.chart_weeks
    week_labels = [str(t("chart.week", number=int(w.split("-W")[1]))) for w in weeks]
    rows = _rows(digest)
    figure = Figure(figsize=(WIDTH, 4 + 0.3 * max(len(rows), 3)), dpi=100)
    FigureCanvasAgg(figure)
    bars, heat = _axes(figure, [label for _, label in rows])
    bottoms = [0.0] * len(weeks)
    for color, (category, values) in zip(COLORS, digest.chart_categories.items(), strict=False):
        bars.bar(
            week_labels,
            values,
            bottom=bottoms,
            color=color,
            label=str(t(f"category.{category}")),
        )
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    bars.set_title(str(t("chart.incidents", unit=digest.root.label)), fontsize=11)
    if digest.chart_categories:
        # Head room above the tallest bar keeps the legend off the bars.
        bars.set_ylim(0, max(bottoms) * 1.6 + 1)
        bars.legend(fontsize=8, loc="upper left", ncols=3)
    bars.set_ylabel(str(t("chart.count")))
    traffic_light = ListedColormap(["#d9534f", "#f0ad4e", "#5cb85c"])
    matrix = [
        [float("nan") if v is None else v for v in digest.chart_completeness[group]]
        for group, _ in rows
    ]
    if matrix:
        heat.imshow(matrix, aspect="auto", cmap=traffic_light, vmin=0, vmax=1)
        heat.set_yticks(range(len(rows)), [label for _, label in rows], fontsize=8)
        heat.set_xticks(range(len(weeks)), week_labels, fontsize=8)
        for y, rates in enumerate(matrix):
            for x, value in enumerate(rates):
                if value == value:  # not NaN: the unit was expected to report that week
                    heat.text(x, y, f"{value * 100:.0f}", ha="center", va="center", fontsize=7)
    heat.set_title(str(t("chart.completeness")), fontsize=11)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _axes(figure: Figure, row_labels: list[str]) -> tuple[Axes, Axes]:
    """The two charts placed by measure, in inches.

    Margins fitted by tight_layout cost a third of the drawing (it lays every text out once
    more, and saving then draws twice); only the row names vary, so they are measured alone.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    font = FontProperties(size=8)
    widest = max(
        (TextToPath().get_text_width_height_descent(label, font, ismath=False)[0] / 72)
        for label in row_labels or [""]
    )
    left = min(max(0.85, widest + 0.25), WIDTH / 2)
    width, height = WIDTH - left - 0.25, figure.get_figheight()
    top, gap, bottom = 0.45, 0.7, 0.4
    plots = height - top - gap - bottom
    heat_ratio = max(2, 0.35 * len(row_labels) + 1)
    heat_height = plots * heat_ratio / (3 + heat_ratio)
    bars_height = plots - heat_height
    heat_box = (left / WIDTH, bottom / height, width / WIDTH, heat_height / height)
    bars_bottom = (bottom + heat_height + gap) / height
    bars_box = (left / WIDTH, bars_bottom, width / WIDTH, bars_height / height)
    return figure.add_axes(bars_box), figure.add_axes(heat_box)


def _rows(digest: Digest) -> list[tuple[int, str]]:
    """The units with the lowest reporting first, at most fifteen."""

    def average(group: int) -> float:
        values = [v for v in digest.chart_completeness[group] if v is not None]
        return sum(values) / len(values) if values else 1.0

    groups = sorted(digest.chart_completeness, key=lambda g: (average(g), digest.units[g].name))
    return [(g, digest.units[g].label) for g in groups[:MAX_ROWS]]
