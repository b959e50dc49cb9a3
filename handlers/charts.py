"""The digest chart: incidents per category and reporting per unit over eight weeks (PNG)."""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING

from handlers.digest_contents import Digest
from handlers.i18n import Translator
from storage.clock import week_days
from storage.enums import IncidentCategory

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn, not when the bot starts
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.path import Path

MAX_ROWS = 15
WIDTH = 8.0  # inches
BAR_WIDTH = 0.8  # of a week, as Axes.bar draws it
BAR_MARGIN = 0.29  # of a week beside the first and last bars, as Axes.bar leaves it
CELL_FONT_SIZE = 7
# Where matplotlib would put the titles, given: placing them itself measures every tick label.
TITLE_Y = 1.0
OTHER_COLOR = "#bab0ac"
CATEGORIES = {category.value: category for category in IncidentCategory}
# Reporting rate bands of the completeness panel: (lower bound, colour, legend key).
BANDS = (
    (0.0, "#d9534f", "chart.band_low"),
    (0.5, "#f0ad4e", "chart.band_mid"),
    (0.8, "#5cb85c", "chart.band_high"),
)


def render_png(digest: Digest, t: Translator) -> bytes:
    """Agg through the object API: no display, no pyplot state, DejaVu Sans for Vietnamese."""
    figure = draw(digest, t)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def week_label(t: Translator, week: str) -> str:
    monday, _ = week_days(week)
    return str(t("chart.week", number=int(week.split("-W")[1]), monday=f"{monday:%d/%m}"))


def draw(digest: Digest, t: Translator) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = _rows(digest)
    figure = Figure(figsize=(WIDTH, 4.8 + 0.3 * max(len(rows), 3)), dpi=100)
    FigureCanvasAgg(figure)
    bars, heat = _axes(figure, [label for _, label in rows])
    week_labels = [week_label(t, w) for w in digest.chart_weeks]
    _incidents(bars, digest, t, week_labels)
    _completeness(figure, heat, digest, t, rows, week_labels)
    return figure


def _span(t: Translator, weeks: tuple[str, ...]) -> str:
    first, _ = week_days(weeks[0])
    _, last = week_days(weeks[-1])
    return f"{first:%d/%m} - {t.date(last)}"


def _incidents(bars: Axes, digest: Digest, t: Translator, week_labels: list[str]) -> None:
    """Stacked bars, one collection a category: a Rectangle a bar cost a quarter of the chart."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    bottoms = [0.0] * len(week_labels)
    handles = []
    for category, values in digest.chart_categories.items():
        colour, label = _colour(category), str(t(f"category.{category}"))
        boxes = [
            _box(week, bottom, value)
            for week, (bottom, value) in enumerate(zip(bottoms, values, strict=True))
            if value
        ]
        bars.add_collection(
            PolyCollection(boxes, facecolors=colour, edgecolors="none", label=label),
            autolim=False,
        )
        handles.append(Patch(facecolor=colour, label=label))
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    title = t("chart.incidents", unit=digest.root.label, span=_span(t, digest.chart_weeks))
    bars.set_title(str(title), fontsize=11, y=TITLE_Y)
    bars.set_xticks(range(len(week_labels)), week_labels)
    bars.set_xlim(-0.5 - BAR_MARGIN, len(week_labels) - 0.5 + BAR_MARGIN)
    bars.tick_params(axis="x", labelsize=8)
    # Head room above the tallest bar keeps the legend off the bars.
    bars.set_ylim(0, max(bottoms, default=0) * 1.6 + 1)
    if handles:
        bars.legend(handles=handles, fontsize=8, loc="upper left", ncols=3)
    bars.set_ylabel(str(t("chart.count")))


def _box(week: int, bottom: float, value: float) -> list[tuple[float, float]]:
    left, right, top = week - BAR_WIDTH / 2, week + BAR_WIDTH / 2, bottom + value
    return [(left, bottom), (right, bottom), (right, top), (left, top)]


def _completeness(
    figure: Figure,
    heat: Axes,
    digest: Digest,
    t: Translator,
    rows: list[tuple[int, str]],
    week_labels: list[str],
) -> None:
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    colors = [color for _, color, _ in BANDS]
    # Just above 1 so that a full 100% falls inside the top band.
    norm = BoundaryNorm([bound for bound, _, _ in BANDS] + [1.001], len(BANDS))
    matrix = [
        [float("nan") if v is None else v for v in digest.chart_completeness[group]]
        for group, _ in rows
    ]
    if matrix:
        heat.imshow(matrix, aspect="auto", cmap=ListedColormap(colors), norm=norm)
        heat.set_yticks(range(len(rows)), [label for _, label in rows], fontsize=8)
        heat.set_xticks(range(len(week_labels)), week_labels, fontsize=8)
        _cell_numbers(figure, heat, matrix)
        bands = [Patch(facecolor=color, label=str(t(key))) for _, color, key in BANDS]
        blank = Patch(facecolor="white", edgecolor="#999999", label=str(t("chart.band_none")))
        # Along the figure's foot, below the week labels, where `_axes` leaves room for it.
        heat.legend(
            handles=[*bands, blank],
            fontsize=7,
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            bbox_transform=figure.transFigure,
            ncols=len(bands) + 1,
            frameon=False,
        )
    heat.set_title(str(t("chart.completeness")), fontsize=11, y=TITLE_Y)


def _cell_numbers(figure: Figure, heat: Axes, matrix: list[list[float]]) -> None:
    """The percentages as one collection of glyph outlines, each number's outline made once:
    a Text artist a cell cost a quarter of the chart."""
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import Affine2D

    cells = [
        (x, y, f"{value * 100:.0f}")
        for y, rates in enumerate(matrix)
        for x, value in enumerate(rates)
        if value == value  # not NaN: the unit was expected to report that week
    ]
    numbers = PathCollection(
        [number_outline(text) for _, _, text in cells],
        offsets=[(x, y) for x, y, _ in cells],
        offset_transform=heat.transData,
        transform=Affine2D().scale(1 / 72) + figure.dpi_scale_trans,
        facecolors="black",
        edgecolors="none",
    )
    heat.add_collection(numbers, autolim=False)


@functools.cache
def number_outline(text: str) -> Path:
    """The number in points, centred on the origin."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    outline = TextPath((0, 0), text, size=CELL_FONT_SIZE, prop=FontProperties())
    box = outline.get_extents()
    centre = Affine2D().translate(-box.x0 - box.width / 2, -box.y0 - box.height / 2)
    return outline.transformed(centre)


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
    # Week labels take two lines; the bottom also holds the completeness legend.
    top, gap, bottom = 0.45, 0.95, 0.95
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


def _colour(category: str) -> str:
    known = CATEGORIES.get(category)
    return known.colour if known is not None else OTHER_COLOR
