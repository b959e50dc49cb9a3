"""The digest chart, read from the figure's objects rather than its pixels."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers import charts
from handlers.digest import build
from handlers.digest_contents import Digest
from handlers.i18n import Translator
from handlers.periods import Period, month_period, week_period
from storage import units
from tests.databases import TZ

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
WEEKS = [
    "Tuần 41\n05/10",
    "Tuần 42\n12/10",
    "Tuần 43\n19/10",
    "Tuần 44\n26/10",
    "Tuần 45\n02/11",
    "Tuần 46\n09/11",
    "Tuần 47\n16/11",
    "Tuần 48\n23/11",
]


async def digest_of(
    sessions: async_sessionmaker[AsyncSession], code: str, period: Period
) -> Digest:
    async with sessions() as session:
        unit = await units.resolve(session, code)
        return await build(session, unit.id, period, NOW, TZ)


def drawn(digest: Digest) -> tuple[Figure, Axes, Axes]:
    figure = charts.draw(digest, Translator("vi"))
    figure.canvas.draw()
    bars, heat = figure.axes
    return figure, bars, heat


def bar_collections(bars: Axes) -> list[PolyCollection]:
    return [c for c in bars.collections if isinstance(c, PolyCollection)]


def colors_by_category(bars: Axes) -> dict[str, tuple[float, float, float, float]]:
    return {
        str(collection.get_label()): to_rgba(
            tuple(np.asarray(collection.get_facecolor(), dtype=float)[0].tolist())
        )
        for collection in bar_collections(bars)
    }


def stacked(collection: PolyCollection) -> dict[int, tuple[float, float]]:
    """Week index → (bottom, top) of each bar of one category."""
    spans = {}
    for path in collection.get_paths():
        box = path.get_extents()
        spans[round((box.x0 + box.x1) / 2)] = (box.y0, box.y1)
    return spans


async def test_weeks_are_named_as_weeks_with_their_monday_and_the_title_gives_the_period(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, bars, heat = drawn(await digest_of(sessions, "1969", week_period("2026-W48")))
    assert bars.get_title() == "Sự việc theo loại — xã Phủ Thông, 05/10 - 29/11/2026"
    assert [label.get_text() for label in bars.get_xticklabels()] == WEEKS
    assert [label.get_text() for label in heat.get_xticklabels()] == WEEKS
    month = await digest_of(sessions, "19", month_period(2026, 11))
    _, month_bars, _ = drawn(month)
    assert month_bars.get_title() == "Sự việc theo loại — tỉnh Thái Nguyên, 05/10 - 29/11/2026"


async def test_the_completeness_panel_has_a_legend_of_its_colours(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, _, heat = drawn(await digest_of(sessions, "1969", week_period("2026-W48")))
    legend = heat.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == [
        "dưới 50%",
        "50% - 79%",
        "từ 80%",
        "không phải báo cáo",
    ]
    image = heat.get_images()[0]
    # 0%, 60% and 100% of the hamlets are drawn in the colours the legend gives their bands.
    mapped = np.asarray(image.cmap(image.norm(np.array([0.0, 0.6, 1.0]))))
    drawn_as = [to_rgba(tuple(row)) for row in mapped]
    assert drawn_as == [to_rgba(patch.get_facecolor()) for patch in legend.get_patches()[:3]]


async def test_a_category_keeps_its_colour_whatever_else_the_chart_shows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    commune = await digest_of(sessions, "1969", week_period("2026-W48"))
    hamlet = await digest_of(sessions, "Nà Phải", week_period("2026-W47"))
    in_commune, in_hamlet = list(commune.chart_categories), list(hamlet.chart_categories)
    shared = [c for c in in_hamlet if c in in_commune]
    # Only a test if some shared category stands at another place in the two charts.
    assert any(in_commune.index(c) != in_hamlet.index(c) for c in shared)
    _, commune_bars, _ = drawn(commune)
    _, hamlet_bars, _ = drawn(hamlet)
    commune_colors = colors_by_category(commune_bars)
    hamlet_colors = colors_by_category(hamlet_bars)
    assert len(hamlet_colors) == len(shared) >= 2
    for label, color in hamlet_colors.items():
        assert commune_colors[label] == color, label
    assert len(set(commune_colors.values())) == len(commune_colors)
    legend = commune_bars.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == list(commune_colors)


async def test_each_week_stacks_every_category_on_the_ones_before_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    digest = await digest_of(sessions, "1969", week_period("2026-W48"))
    _, bars, _ = drawn(digest)
    collections = bar_collections(bars)
    assert len(collections) == len(digest.chart_categories) >= 2
    bottoms = [0.0] * len(WEEKS)
    for collection, values in zip(collections, digest.chart_categories.values(), strict=True):
        expected = {
            week: (bottoms[week], bottoms[week] + value)
            for week, value in enumerate(values)
            if value
        }
        assert stacked(collection) == expected
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    assert bars.get_ylim()[1] > max(bottoms)


async def test_every_cell_shows_its_rate_in_percent(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    digest = await digest_of(sessions, "1969", week_period("2026-W48"))
    _, _, heat = drawn(digest)
    group_of = {unit.label: group for group, unit in digest.units.items()}
    shown = [group_of[label.get_text()] for label in heat.get_yticklabels()]
    rates = {
        (week, row): rate
        for row, group in enumerate(shown)
        for week, rate in enumerate(digest.chart_completeness[group])
        if rate is not None
    }
    assert len(set(rates.values())) >= 2, "more than one rate to tell apart"
    numbers = next(c for c in heat.collections if isinstance(c, PathCollection))
    drawn_at = [(round(x), round(y)) for x, y in np.asarray(numbers.get_offsets()).tolist()]
    assert sorted(drawn_at) == sorted(rates)
    for cell, outline in zip(drawn_at, numbers.get_paths(), strict=True):
        percent = charts.number_outline(f"{rates[cell] * 100:.0f}")
        assert np.array_equal(outline.vertices, percent.vertices), cell
