"""The digest chart: incidents per category and reporting per unit over eight weeks (PNG)."""

from __future__ import annotations

import io

from handlers.digest import Digest
from handlers.i18n import Translator

MAX_ROWS = 15
COLORS = ("#4e79a7", "#59a14f", "#f28e2b", "#e15759", "#b07aa1", "#9c755f")


def render_png(digest: Digest, t: Translator) -> bytes:
    """Agg through the object API: no display, no pyplot state, DejaVu Sans for Vietnamese."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    weeks = digest.chart_weeks
    week_labels = [str(t("chart.week", number=int(w.split("-W")[1]))) for w in weeks]
    rows = _rows(digest)
    figure = Figure(figsize=(8, 4 + 0.3 * max(len(rows), 3)), dpi=100)
    FigureCanvasAgg(figure)
    bars, heat = figure.subplots(
        2, 1, gridspec_kw={"height_ratios": [3, max(2, 0.35 * len(rows) + 1)]}
    )
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
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _rows(digest: Digest) -> list[tuple[int, str]]:
    """The units with the lowest reporting first, at most fifteen."""

    def average(group: int) -> float:
        values = [v for v in digest.chart_completeness[group] if v is not None]
        return sum(values) / len(values) if values else 1.0

    groups = sorted(digest.chart_completeness, key=lambda g: (average(g), digest.units[g].name))
    return [(g, digest.units[g].label) for g in groups[:MAX_ROWS]]
