"""What sets an incident category apart is said once, on the category: a new one needs its
traits and its name in both catalogs, and nothing else has to list it."""

from __future__ import annotations

import pytest

from handlers import charts
from handlers.i18n import catalog
from storage.enums import CATEGORY_TRAITS, IncidentCategory


def test_every_category_has_its_traits() -> None:
    assert set(CATEGORY_TRAITS) == set(IncidentCategory)


def test_each_category_keeps_its_own_colour_in_the_charts() -> None:
    colours = [category.colour for category in IncidentCategory]
    assert len(set(colours)) == len(colours)
    assert charts.OTHER_COLOR not in colours


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_category_is_named_in_the_catalog(locale: str) -> None:
    messages = catalog(locale)
    for category in IncidentCategory:
        assert messages.get(f"category.{category.value}"), f"{locale}: {category}"


def test_social_evils_are_confidential_and_disasters_urgent() -> None:
    assert IncidentCategory.SOCIAL_EVILS.confidential
    assert not IncidentCategory.SECURITY.confidential
    assert IncidentCategory.DISASTER.urgent_by_default
    assert not IncidentCategory.TRAFFIC.urgent_by_default
